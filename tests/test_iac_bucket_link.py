"""An export joined to its bucket by the reference, not by a made-up name (issue 13, item 10).

``oss_bucket = alicloud_oss_bucket.b.bucket`` where the bucket's name is not decided by the files (the
provider docs' ``"exports-${random_integer.x.result}"``): the export's bucket rules read that bucket's facts
(a public bucket fails PF501 on the export), while the rules about the name itself stay unknown and no text
shows a name that could pass for the real one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from preflight.facts import Bucket, Unknown
from preflight.facts.absence import JOINS
from preflight.facts.build import subjects_from_document
from preflight.sources import iac
from preflight.sources.snapshot import Annotations
from tests.conftest import CliResult

HEAD = '''provider "alicloud" {
  region = "cn-hangzhou"
}
resource "random_integer" "x" {
  min = 10000
  max = 99999
}
variable "nope" {
  type = string
}
'''


def _module(tmp_path: Path, name: str, body: str, ref: str = "alicloud_oss_bucket.b.bucket", extra: str = "") -> Path:
    (tmp_path / "main.tf").write_text(
        HEAD + f'resource "alicloud_oss_bucket" "b" {{\n  bucket = {name}\n{body}}}\n'
        f'resource "alicloud_image_export" "e" {{\n  image_id   = "m-1"\n  oss_bucket = {ref}\n'
        f'  oss_prefix = "x"\n}}\n' + extra)
    return tmp_path


def _export_status(cli: Callable[..., CliResult], path: Path, *args: str) -> dict[str, dict[str, Any]]:
    result = cli("check", str(path), "-f", "json", *args)
    assert result.code in (0, 1), result.err
    return {r["rule_id"]: r for r in result.json()["results"] if "→" in r["subject"]}


NAMES = ['"exports-${random_integer.x.result}"', "var.nope", '"${var.nope}"']
ATTRS = ["alicloud_oss_bucket.b.bucket", "alicloud_oss_bucket.b.id"]

#: bucket arguments → the bucket rule each decides on the export (fail), with its no-go/go counterpart (pass)
CASES = [
    ('  acl = "public-read"\n', "PF501", "fail"),
    ('  acl = "private"\n', "PF501", "pass"),
    ('  server_side_encryption_rule {\n    sse_algorithm = "KMS"\n  }\n', "PF303", "fail"),
    ("", "PF303", "pass"),
    ('  storage_class = "Archive"\n', "PF304", "fail"),
    ('  versioning {\n    status = "Enabled"\n  }\n', "PF508", "fail"),
    ('  policy = jsonencode({Version = "1", Statement = [{Effect = "Allow", Action = ["oss:GetObject"], '
     'Principal = ["*"], Resource = ["acs:oss:*:*:*"]}]})\n', "PF506", "fail"),
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("ref", ATTRS)
@pytest.mark.parametrize(("body", "rule", "status"), CASES)
def test_bucket_rules_on_the_export_read_the_referenced_bucket(
        cli: Callable[..., CliResult], tmp_path: Path, name: str, ref: str, body: str, rule: str, status: str) -> None:
    results = _export_status(cli, _module(tmp_path, name, body, ref))
    assert results[rule]["status"] == status, results[rule]
    # the rules about the name itself stay unknown: no name is made up for them (the policies name it)
    for about_the_name in ("PF403", "PF505"):
        assert results[about_the_name]["status"] == "unknown", results[about_the_name]
    # oss_bucket is written (given), and it is that bucket of the files (it exists once they are applied)
    for joined in ("PF103", "PF301"):
        assert results[joined]["status"] == "pass", results[joined]


def test_no_subject_of_its_own_and_the_texts_show_the_address(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    path = _module(tmp_path, NAMES[0], '  acl = "public-read-write"\n')
    result = cli("check", str(path), "-f", "json")
    assert result.code == 1  # a public bucket is a no-go on the export, not unknown
    subjects = {r["subject"] for r in result.json()["results"]}
    assert subjects == {"cn-hangzhou/m-1 → oss://alicloud_oss_bucket.b/x"}
    (pf501,) = [r for r in result.json()["results"] if r["rule_id"] == "PF501"]
    assert pf501["message"].startswith("Bucket alicloud_oss_bucket.b is public-read-write")
    # in a command, the address is a placeholder to fill in, never a word that passes for the name
    assert "--bucket '<alicloud_oss_bucket.b>'" in pf501["remediation"]
    assert pf501["location"]["line"] == HEAD.count("\n") + 3  # the acl argument
    zh = cli("check", str(path), "-f", "json", "--lang", "zh").json()
    (pf501_zh,) = [r for r in zh["results"] if r["rule_id"] == "PF501"]
    assert "Bucket alicloud_oss_bucket.b 的读写权限为 public-read-write" in pf501_zh["message"]


def test_the_stand_in_name_is_never_matched_as_a_name(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    # an export naming the address literally is not joined to the bucket whose name is not known
    path = _module(tmp_path, NAMES[0], '  acl = "private"\n', ref='"alicloud_oss_bucket.b"')
    results = _export_status(cli, path)
    assert results["PF501"]["status"] == "unknown" and results["PF301"]["status"] == "unknown", results["PF501"]


def test_the_facts_join_by_reference_only_where_the_join_declares_it() -> None:
    doc = {"version": 1,
           "exports": [{"RegionId": "cn-hangzhou", "ImageId": "m-1"}],
           "buckets": [{"Name": "alicloud_oss_bucket.b", "Location": "oss-cn-hangzhou", "StorageClass": "Standard",
                        "AccessControlList": {"Grant": "public-read"}}],
           "roles": [{"RoleName": "alicloud_ram_role.r", "AssumeRolePolicyDocument": None}]}
    why = "the name of alicloud_oss_bucket.b cannot be resolved statically"
    links = {"/exports/0/OSSBucket": "/buckets/0", "/exports/0/RoleName": "/roles/0"}
    annotations = Annotations(unknown={"/exports/0/OSSBucket": why, "/buckets/0/Name": why,
                                       "/exports/0/RoleName": "r", "/roles/0/RoleName": "r"},
                              addresses={"/buckets/0": "alicloud_oss_bucket.b"}, links=links)
    (subject,) = subjects_from_document(doc, annotations=annotations)
    assert JOINS["Subject.bucket"].link == "OSSBucket" and JOINS["Subject.role"].link is None
    assert isinstance(subject.bucket, Bucket) and subject.bucket.Grant == "public-read"
    assert isinstance(subject.bucket.Name, Unknown) and subject.bucket.Name.reason == why
    assert isinstance(subject.request.OSSBucket, Unknown) and subject.request.OSSBucket.reason == why
    assert isinstance(subject.role, Unknown)  # Subject.role declares no link: never joined by one
    # without the annotations' link, the same document joins nothing
    (plain,) = subjects_from_document(doc, annotations=Annotations(unknown=annotations.unknown))
    assert isinstance(plain.bucket, Unknown)


def test_two_exports_referring_to_one_bucket_share_its_facts(tmp_path: Path) -> None:
    text = HEAD + ('resource "alicloud_oss_bucket" "b" {\n  bucket = "exports-${random_integer.x.result}"\n}\n'
                   'resource "alicloud_image_export" "e1" {\n  image_id = "m-1"\n'
                   '  oss_bucket = alicloud_oss_bucket.b.bucket\n}\n'
                   'resource "alicloud_image_export" "e2" {\n  image_id = "m-2"\n'
                   '  oss_bucket = alicloud_oss_bucket.b.bucket\n}\n')
    (tmp_path / "main.tf").write_text(text)
    first, second = iac.load([tmp_path]).subjects
    assert isinstance(first.bucket, Bucket) and first.bucket is second.bucket  # one fact, memoised once


CHILD = '''resource "random_integer" "x" {
  min = 1
  max = 9
}
resource "alicloud_oss_bucket" "this" {
  bucket = "exp-${random_integer.x.result}"
  acl    = "public-read"
}
output "id" {
  value = alicloud_oss_bucket.this.id
}
output "via_local" {
  value = local.b
}
locals {
  b = alicloud_oss_bucket.this.bucket
}
'''


@pytest.mark.parametrize(("call", "ref", "status"), [
    ("", "module.b.id", "fail"),  # the bucket module's output is that bucket: joined by the reference
    ("", "module.b.via_local", "fail"),
    ("  count = 1\n", "module.b[0].id", "unknown"),  # an instance of a counted module: not followed
    ("", "module.b.nope", "unknown"),
])
def test_a_bucket_reached_through_a_local_module_output(cli: Callable[..., CliResult], tmp_path: Path, call: str,
                                                        ref: str, status: str) -> None:
    (tmp_path / "bucket").mkdir()
    (tmp_path / "bucket" / "main.tf").write_text(CHILD)
    (tmp_path / "main.tf").write_text(
        'provider "alicloud" {\n  region = "cn-hangzhou"\n}\n'
        f'module "b" {{\n  source = "./bucket"\n{call}}}\n'
        f'resource "alicloud_image_export" "e" {{\n  image_id   = "m-1"\n  oss_bucket = {ref}\n}}\n')
    results = _export_status(cli, tmp_path)
    assert results["PF501"]["status"] == status, results["PF501"]
    if status == "fail":
        assert results["PF501"]["location"] == {"path": str(tmp_path / "bucket" / "main.tf"), "line": 7}
