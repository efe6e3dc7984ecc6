"""Separate bucket resources are treated one way (issue 13, item 11): what the files do not declare is what
Terraform would create, the provider's defaults (no ACL resource: the bucket's own ``acl`` or private; no
encryption resource: none; no policy resource: none; no replication resource: none; no versioning: never
enabled), unless a separate resource whose bucket cannot be told may configure it (then unknown)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

BASE = '''
provider "alicloud" {
  region = "cn-hangzhou"
}
variable "nodefault" {}
resource "alicloud_oss_bucket" "b" {
  bucket = "exports"
}
resource "alicloud_image_export" "e" {
  image_id   = "m-1"
  oss_bucket = alicloud_oss_bucket.b.bucket
}
'''
EXTRA = {
    "replication": 'resource "alicloud_oss_bucket_replication" "r" {\n  bucket = BUCKET\n  action = "ALL"\n'
                   '  destination {\n    bucket   = "copy"\n    location = "oss-cn-beijing"\n  }\n}\n',
    "acl": 'resource "alicloud_oss_bucket_acl" "a" {\n  bucket = BUCKET\n  acl = "public-read"\n}\n',
    "sse": 'resource "alicloud_oss_bucket_server_side_encryption" "s" {\n  bucket = BUCKET\n'
           '  sse_algorithm = "KMS"\n}\n',
    "versioning": 'resource "alicloud_oss_bucket_versioning" "v" {\n  bucket = BUCKET\n  status = "Enabled"\n}\n',
}
RULE = {"replication": "PF508", "acl": "PF501", "sse": "PF303", "versioning": "PF508"}


def _status(cli: Callable[..., CliResult], tmp_path: Path, text: str, rule: str) -> str:
    (tmp_path / "main.tf").write_text(text)
    result = cli("check", str(tmp_path), "-f", "json")
    assert result.code in (0, 1), result.err
    (status,) = {r["status"] for r in result.json()["results"] if r["rule_id"] == rule and "→" in r["subject"]}
    return str(status)


@pytest.mark.parametrize("kind", sorted(EXTRA))
@pytest.mark.parametrize(("bucket", "expected"), [
    (None, "pass"),  # not declared: the provider's default
    ("alicloud_oss_bucket.b.bucket", "fail"),  # declared for this bucket
    ('"exports"', "fail"),  # by name
    ('"other"', "pass"),  # for another bucket
    ("var.nodefault", "unknown"),  # for a bucket the files do not decide: it may be this one
])
def test_separate_bucket_resources_one_rule(cli: Callable[..., CliResult], tmp_path: Path, kind: str,
                                            bucket: str | None, expected: str) -> None:
    text = BASE + ("" if bucket is None else EXTRA[kind].replace("BUCKET", bucket))
    assert _status(cli, tmp_path, text, RULE[kind]) == expected
