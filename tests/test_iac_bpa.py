"""Block Public Access in Terraform (issue 13, item 3): ``alicloud_oss_bucket_public_access_block`` per bucket
and ``alicloud_oss_account_public_access_block`` for the account are mapped, with their locations; a bucket
without one gets what Terraform creates (off), the account without one stays unknown (its own setting)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from preflight.facts import Bucket, Unknown
from preflight.sources import iac
from tests.conftest import CliResult

HEAD = '''provider "alicloud" {
  region = "cn-hangzhou"
}
variable "v" {
  type = bool
}
resource "alicloud_oss_bucket" "b" {
  bucket = "exports"
  acl    = "public-read"
}
resource "alicloud_image_export" "e" {
  image_id   = "m-1"
  oss_bucket = alicloud_oss_bucket.b.bucket
}
'''
BUCKET_BPA = '''resource "alicloud_oss_bucket_public_access_block" "bpa" {
  bucket              = BUCKET
  block_public_access = VALUE
}
'''
ACCOUNT_BPA = '''resource "alicloud_oss_account_public_access_block" "NAME" {
  block_public_access = VALUE
}
'''


def _bucket_bpa(value: str, bucket: str = "alicloud_oss_bucket.b.bucket") -> str:
    return BUCKET_BPA.replace("BUCKET", bucket).replace("VALUE", value)


def _account_bpa(value: str, name: str = "a") -> str:
    return ACCOUNT_BPA.replace("VALUE", value).replace("NAME", name)


def _bucket(tmp_path: Path, extra: str) -> Bucket:
    (tmp_path / "main.tf").write_text(HEAD + extra)
    (subject,) = [s for s in iac.load([tmp_path]).subjects if s.scope == "export"]
    assert isinstance(subject.bucket, Bucket)
    return subject.bucket


FACT_CASES = [
    ("", False, "unknown", "unknown"),  # the provider's default; the account's own setting
    (_bucket_bpa("true"), True, "unknown", True),
    (_bucket_bpa('"true"'), True, "unknown", True),
    (_bucket_bpa("false"), False, "unknown", "unknown"),
    (_bucket_bpa("var.v"), "unknown", "unknown", "unknown"),
    (_bucket_bpa("true", bucket='"exports"'), True, "unknown", True),  # by name
    (_bucket_bpa("true", bucket='"other"'), False, "unknown", "unknown"),  # another's: the default here
    (_bucket_bpa("var.v", bucket="var.v"), "unknown", "unknown", "unknown"),  # may be this bucket's
    (_account_bpa("true"), False, True, True),
    (_account_bpa("false"), False, False, False),
    (_account_bpa("true") + _account_bpa("false", "c"), False, "unknown", "unknown"),
    (_account_bpa("true") + _account_bpa("true", "c"), False, True, True),
]


def _tri(v: Any) -> Any:
    return "unknown" if isinstance(v, Unknown) else v


@pytest.mark.parametrize(("extra", "bucket_bpa", "account_bpa", "blocked"), FACT_CASES)
def test_block_public_access_facts(tmp_path: Path, extra: str, bucket_bpa: Any, account_bpa: Any,
                                   blocked: Any) -> None:
    bucket = _bucket(tmp_path, extra)
    assert _tri(bucket.BlockPublicAccess) == bucket_bpa
    assert _tri(bucket.AccountBlockPublicAccess) == account_bpa
    assert _tri(bucket.public_access_blocked) == blocked


def test_the_bucket_setting_is_located_at_its_argument(tmp_path: Path) -> None:
    bucket = _bucket(tmp_path, _bucket_bpa("true"))
    assert bucket.field_locations is not None
    line = (HEAD + _bucket_bpa("true")).splitlines().index("  block_public_access = true") + 1
    assert bucket.field_locations["BlockPublicAccess"].line == line
    assert bucket.field_locations["public_access_blocked"].line == line
    default = _bucket(tmp_path, "")
    assert default.field_locations is not None and default.field_locations["BlockPublicAccess"].line == 7


@pytest.mark.parametrize(("extra", "status"), [
    ("", "fail"),
    (_bucket_bpa("true"), "pass"),
    (_account_bpa("true"), "pass"),
    (_account_bpa("false"), "fail"),
    (_bucket_bpa("var.v"), "fail"),  # not known to be on: a public ACL is never a pass
])
def test_pf501_reads_block_public_access(cli: Callable[..., CliResult], tmp_path: Path, extra: str,
                                         status: str) -> None:
    (tmp_path / "main.tf").write_text(HEAD + extra)
    result = cli("check", str(tmp_path), "-f", "json")
    (pf501,) = [r for r in result.json()["results"] if r["rule_id"] == "PF501" and "→" in r["subject"]]
    assert pf501["status"] == status, pf501


def test_pf506_reads_block_public_access(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    policy = ('resource "alicloud_oss_bucket_policy" "p" {\n  bucket = alicloud_oss_bucket.b.bucket\n'
              '  policy = jsonencode({Version = "1", Statement = [{Effect = "Allow", Action = ["oss:GetObject"], '
              'Principal = ["*"], Resource = ["acs:oss:*:*:exports/*"]}]})\n}\n')
    for extra, status in (("", "fail"), (_bucket_bpa("true"), "pass")):
        (tmp_path / "main.tf").write_text(HEAD.replace('"public-read"', '"private"') + policy + extra)
        result = cli("check", str(tmp_path), "-f", "json")
        (pf506,) = [r for r in result.json()["results"] if r["rule_id"] == "PF506" and "→" in r["subject"]]
        assert pf506["status"] == status, pf506
