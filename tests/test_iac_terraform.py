"""Terraform HCL and .tf.json modules → documents, annotations, subjects and rule results (iac.load level)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from preflight.engine import evaluate
from preflight.errors import PreflightError
from preflight.model import Location, Result, Status
from preflight.rules import load_rules
from preflight.sources import iac, terraform
from preflight.sources.snapshot import Annotations
from tests.conftest import ROOT

TF = Path("tests/iac/terraform")
MODULE = TF / "export_module"


@pytest.fixture(autouse=True)
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _doc(directory: Path, **kw: object) -> tuple[dict[str, Any], Annotations]:
    tf_files = sorted(p for p in directory.iterdir() if p.name.endswith((".tf", ".tf.json")))
    var_files = sorted(p for p in directory.iterdir() if p.name.endswith(".tfvars"))
    module = terraform.load_module(tf_files, var_files)
    return terraform.build_document(module.resources, source="Terraform files", **kw)  # type: ignore[arg-type]


def _results(*paths: Path, **kw: object) -> list[Result]:
    load = iac.load(list(paths), **kw)  # type: ignore[arg-type]
    return evaluate(load_rules().rules, load.subjects)


def _find(results: list[Result], rule: str, subject_part: str) -> Result:
    return next(r for r in results if r.rule_id == rule and subject_part in r.subject)


def test_exports_resolve_variables_tfvars_locals_and_references() -> None:
    doc, ann = _doc(MODULE)
    assert doc["exports"] == [
        # prefix: var default "EcsExport", overridden by prefix.auto.tfvars (auto-loaded after terraform.tfvars)
        # an image the files create has no id until ECS creates it: joined by the reference, never a made-up id
        {"RegionId": "cn-hangzhou", "OSSBucket": "corp-image-exports", "OSSPrefix": "ecs-export-prod"},
        {"RegionId": "cn-hangzhou", "OSSBucket": "corp-image-archive"},
        {"RegionId": "cn-hangzhou", "OSSBucket": "corp-image-exports", "OSSPrefix": "golden"},
    ]
    why = "data.alicloud_images.golden is read from the account when Terraform runs"
    assert str(ann.unknown["/exports/2/ImageId"]) == why
    created = "ECS gives alicloud_image.build its image ID when it creates the image"
    assert str(ann.unknown["/exports/0/ImageId"]) == created
    assert {k: v for k, v in ann.links.items() if k.endswith("/ImageId")} == {"/exports/0/ImageId": "/images/0",
                                                                             "/exports/1/ImageId": "/images/1"}
    assert {f"/exports/{i}/ImageId" for i in range(3)} <= ann.given
    assert ann.locations["/exports/0/OSSPrefix"] == Location(str(MODULE / "exports.tf"), 4)
    assert ann.locations["/exports/0/RegionId"] == Location(str(MODULE / "providers.tf"), 11)
    assert ann.absent_is_unknown and str(ann.absent_reason) == "not defined in the Terraform files checked"
    assert ann.scopes == {}


def test_buckets_merge_separate_resources_and_provider_alias() -> None:
    doc, ann = _doc(MODULE)
    exports, archive = doc["buckets"]
    assert exports["AccessControlList"] == {"Grant": "public-read"}
    assert exports["ServerSideEncryptionRule"] == {"SSEAlgorithm": "KMS"}
    assert exports["StorageClass"] == "Standard" and exports["Location"] == "oss-cn-hangzhou"
    assert '"acs:oss:*:1234567890123456:corp-image-exports/*"' in exports["Policy"]  # heredoc with ${var.…}
    assert archive["Location"] == "oss-ap-southeast-1"  # provider = alicloud.singapore
    assert archive["StorageClass"] == "Archive" and archive["Policy"] is None
    assert archive["AccessControlList"] == {"Grant": "private"}  # default
    assert ann.locations["/buckets/0/ServerSideEncryptionRule"] == Location(str(MODULE / "buckets.tf"), 9)
    assert ann.locations["/buckets/0/AccessControlList"] == Location(str(MODULE / "buckets.tf"), 15)
    assert ann.locations["/buckets/1/Location"] == Location(str(MODULE / "buckets.tf"), 34)
    assert ann.locations["/buckets/1/ServerSideEncryptionRule"] == Location(str(MODULE / "buckets.tf"), 39)


def test_images_and_roles() -> None:
    doc, ann = _doc(MODULE)
    build, windows = doc["images"]
    assert [d["Type"] for d in build["DiskDeviceMappings"]] == ["system"] + ["data"] * 5
    assert build["DiskDeviceMappings"][2] == {"Type": "data", "Device": "/dev/xvdc", "Size": "600",
                                              "SnapshotId": "s-bp1data00000000002"}
    assert windows["OSType"] == "windows" and windows["Platform"] == "Windows Server 2019"
    assert "Status" not in build and "/images/0/Status" in ann.unknown
    (role,) = doc["roles"]
    assert role["RoleName"] == "AliyunECSImageExportDefaultRole"
    assert role["AssumeRolePolicyDocument"].startswith('{"Version":"1","Statement":[{"Action":"sts:AssumeRole"')
    assert [p["PolicyName"] for p in role["AttachedPolicies"]] == ["EcsImageExportWriter"]
    assert ann.locations["/roles/0/AssumeRolePolicyDocument"] == Location(str(MODULE / "role.tf"), 3)


@pytest.mark.parametrize(("rule", "subject", "status", "where"), [
    ("PF104", "alicloud_image.build", Status.FAIL, ("exports.tf", 4)),
    ("PF206", "alicloud_image.build", Status.FAIL, ("images.tf", 6)),
    ("PF207", "alicloud_image.build", Status.FAIL, ("images.tf", 6)),
    ("PF303", "alicloud_image.build", Status.FAIL, ("buckets.tf", 9)),  # the separate SSE resource
    ("PF501", "alicloud_image.build", Status.FAIL, ("buckets.tf", 15)),  # the separate ACL resource
    ("PF402", "alicloud_image.build", Status.PASS, ("role.tf", 3)),
    ("PF403", "alicloud_image.build", Status.PASS, ("role.tf", 9)),
    ("PF205", "alicloud_image.windows", Status.FAIL, ("images.tf", 46)),
    ("PF302", "alicloud_image.windows", Status.FAIL, ("buckets.tf", 34)),
    ("PF304", "alicloud_image.windows", Status.FAIL, ("buckets.tf", 36)),
    ("PF403", "alicloud_image.windows", Status.FAIL, ("role.tf", 9)),  # policy scoped to another bucket
    ("PF201", "/? →", Status.UNKNOWN, ("exports.tf", 13)),
    ("PF203", "alicloud_image.build", Status.UNKNOWN, ("images.tf", 2)),
])
def test_rule_results_point_at_the_attribute(rule: str, subject: str, status: Status, where: tuple[str, int]) -> None:
    r = _find(_results(MODULE), rule, subject)
    assert (r.status, r.location) == (status, Location(str(MODULE / where[0]), where[1])), r.message


def test_tf_json_module_with_deprecated_arguments_and_scoped_subjects() -> None:
    doc, ann = _doc(TF / "role_json", export_roles=["ImageExportRole"], export_buckets=["scratch-exports"])
    legacy, custom = doc["roles"]
    assert legacy["RoleName"] == "AliyunECSImageExportDefaultRole"  # deprecated `name`
    assert "9876543210987654" in legacy["AssumeRolePolicyDocument"]  # deprecated `document`
    assert legacy["AttachedPolicies"] == [{"PolicyName": "AliyunECSImageExportRolePolicy", "PolicyType": "System"}]
    assert custom["AssumeRolePolicyDocument"].startswith('{"Version":"1"')  # "${jsonencode(...)}" in JSON
    assert doc["exports"] == [{"RoleName": "AliyunECSImageExportDefaultRole"}, {"RoleName": "ImageExportRole"},
                              {"OSSBucket": "scratch-exports", "RegionId": "cn-shanghai"}]
    assert ann.scopes == {0: "role", 1: "role", 2: "bucket"}
    assert doc["buckets"][0]["Versioning"] == "Enabled"
    assert ann.locations["/roles/0/AssumeRolePolicyDocument"] == Location(str(TF / "role_json/main.tf.json"), 9)
    results = _results(TF / "role_json", export_roles=["ImageExportRole"], export_buckets=["scratch-exports"])
    assert {r.subject for r in results} == {"role AliyunECSImageExportDefaultRole", "role ImageExportRole",
                                            "bucket oss://scratch-exports"}
    pf502 = _find(results, "PF502", "role AliyunECSImageExportDefaultRole")
    assert pf502.status is Status.FAIL and pf502.location == Location(str(TF / "role_json/main.tf.json"), 9)
    assert _find(results, "PF305", "scratch-exports").status is Status.FAIL
    assert not [r for r in results if r.subject.startswith("role") and r.rule_id.startswith("PF3")]


def test_unresolvable_bucket_name_joins_the_export_to_the_bucket_by_reference(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'provider "alicloud" {\n  region = "cn-beijing"\n}\nvariable "name" {}\n'
        'resource "alicloud_oss_bucket" "b" {\n  bucket = var.name\n  storage_class = "ColdArchive"\n}\n'
        'resource "alicloud_image_export" "e" {\n  image_id = "m-1"\n  oss_bucket = alicloud_oss_bucket.b.id\n}\n')
    doc, ann = _doc(tmp_path)
    # no pseudo-export with a made-up bucket name: the export links the bucket element
    assert doc["exports"] == [{"RegionId": "cn-beijing", "ImageId": "m-1"}]
    assert "cannot be resolved statically" in str(ann.unknown["/exports/0/OSSBucket"])
    assert "/buckets/0/Name" in ann.unknown and ann.links == {"/exports/0/OSSBucket": "/buckets/0"}
    assert ann.scopes == {}
    results = _results(tmp_path)
    pf304 = _find(results, "PF304", "oss://alicloud_oss_bucket.b")
    assert pf304.status is Status.FAIL
    assert "Bucket alicloud_oss_bucket.b has storage class ColdArchive" in pf304.text("message")


@pytest.mark.parametrize(("expr", "expected"), [
    ('"plain"', "plain"),
    ('"a-${local.x}-b"', "a-X-b"),
    ("local.m.k", "v"),
    ("var.d", "dflt"),
    ('jsonencode({ A = [1, true, null], "B" = local.x })', '{"A":[1,true,null],"B":"X"}'),
    ("upper(local.x)", "X"),
    ("-3", -3),
])
def test_evaluation(expr: str, expected: object) -> None:
    body = terraform.parse_hcl(f'locals {{\n  x = "X"\n  m = {{ k = "v" }}\n  e = {expr}\n}}\n'
                               'variable "d" {\n  default = "dflt"\n}\n', "t.tf")
    module = terraform.Module(body.blocks, {})
    assert module.local("e") == expected


@pytest.mark.parametrize(("expr", "why"), [
    ("var.nodefault", "var.nodefault has no default and no value in a .tfvars file"),
    ("data.alicloud_images.x.images[0].id", "data.alicloud_images.x is read from the account when Terraform runs"),
    ("alicloud_oss_bucket.b.arn", "alicloud_oss_bucket.b.arn is computed when Terraform applies"),
    ("alicloud_oss_bucket.nope.bucket", "alicloud_oss_bucket.nope is not defined in the Terraform files checked"),
    ('var.nodefault == "X" ? "a" : "b"', "var.nodefault has no default and no value in a .tfvars file"),
    ('file("policy.json")', "the function file() is not evaluated statically"),
    ("local.e", "local.e refers to itself"),
    ('jsonencode({ A = var.nodefault })', "var.nodefault has no default and no value in a .tfvars file"),
])
def test_unresolvable_expressions_are_unknown_with_a_reason(expr: str, why: str) -> None:
    body = terraform.parse_hcl(f'locals {{\n  x = "X"\n  e = {expr}\n}}\nvariable "nodefault" {{}}\n'
                               'resource "alicloud_oss_bucket" "b" {\n  bucket = "b"\n}\n', "t.tf")
    assert terraform.Module(body.blocks, {}).local("e") == terraform.Unresolved(why)


def test_hcl_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.tf").write_text('resource "alicloud_oss_bucket" "b" {\n  bucket = \n}\n')
    with pytest.raises(PreflightError) as e:
        iac.load([tmp_path / "bad.tf"])
    # the argument lacks its value: its line ends after the `=`
    assert e.value.where is not None and e.value.where.endswith("bad.tf:2:11")
    assert e.value.message == "not valid HCL: unexpected end of line"


def test_invalid_policy_document_is_an_input_error_at_its_line(tmp_path: Path) -> None:
    """Of the export role (it feeds an export's facts); another role's is not preflight's business."""
    (tmp_path / "main.tf").write_text('resource "alicloud_ram_role" "r" {\n'
                                      '  role_name = "AliyunECSImageExportDefaultRole"\n'
                                      '  assume_role_policy_document = "{not json"\n}\n')
    with pytest.raises(PreflightError) as e:
        iac.load([tmp_path])
    assert e.value.where is not None and e.value.where.endswith("main.tf:3")


def test_unknown_resource_types_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "alicloud_vpc" "v" {\n  cidr_block = "10.0.0.0/8"\n}\n')
    assert iac.load([tmp_path]).subjects == []


def test_offline_snapshot_checks_do_not_import_the_hcl_parser() -> None:
    code = ("import sys; from preflight.sources import snapshot, iac, terraform; "
            "snapshot.load_file(__import__('pathlib').Path('examples/snapshot.json')); "
            "assert not any(m.startswith('tree_sitter') for m in sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_the_version_does_not_import_the_hcl_parser() -> None:
    code = ("import sys\nfrom preflight.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "assert not any(m.startswith('tree_sitter') for m in sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True)


def test_the_hcl_parser_is_imported_by_the_first_parse() -> None:
    code = ("import sys\nfrom preflight.sources import terraform\n"
            "print(sorted(m for m in sys.modules if m in ('tree_sitter', 'tree_sitter_hcl')))\n"
            "body = terraform.parse_hcl('a = \"x\"\\n', 'x.tf')\n"
            "assert body.attrs['a'] == ('x', 1), body\n"
            "print(sorted(m for m in sys.modules if m in ('tree_sitter', 'tree_sitter_hcl')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["[]", "['tree_sitter', 'tree_sitter_hcl']"]


def test_two_separate_resources_of_one_kind_on_one_bucket_make_its_setting_unknown(tmp_path: Path) -> None:
    """Which of two ``alicloud_oss_bucket_acl`` (or policy, BPA, …) of one bucket Terraform applies last is not
    told: the setting is unknown, never the last one read (a public grant must not be hidden by a private one)."""
    (tmp_path / "main.tf").write_text(
        'provider "alicloud" {\n  region = "cn-beijing"\n}\n'
        'resource "alicloud_oss_bucket" "b" {\n  bucket = "x"\n}\n'
        'resource "alicloud_oss_bucket_acl" "a1" {\n  bucket = alicloud_oss_bucket.b.bucket\n'
        '  acl = "public-read-write"\n}\n'
        'resource "alicloud_oss_bucket_acl" "a2" {\n  bucket = "x"\n  acl = "private"\n}\n'
        'resource "alicloud_image_export" "e" {\n  image_id = "m-1"\n  oss_bucket = alicloud_oss_bucket.b.bucket\n}\n')
    doc, ann = _doc(tmp_path)
    assert "AccessControlList" not in doc["buckets"][0]
    reason = str(ann.unknown["/buckets/0/AccessControlList"])
    assert "alicloud_oss_bucket_acl.a1, alicloud_oss_bucket_acl.a2" in reason
    assert _find(_results(tmp_path), "PF501", "oss://x").status is not Status.PASS


def test_a_name_that_may_be_an_undecided_bucket_is_not_read_as_outside_the_files(tmp_path: Path) -> None:
    """A separate resource naming its bucket by a literal no bucket has in full may configure the bucket whose
    name the files leave undecided: that bucket's setting is unknown, not the provider's default."""
    (tmp_path / "main.tf").write_text(
        'provider "alicloud" {\n  region = "cn-beijing"\n}\nvariable "n" {}\n'
        'resource "alicloud_oss_bucket" "b" {\n  bucket = var.n\n}\n'
        'resource "alicloud_oss_bucket_acl" "a" {\n  bucket = "exports-prod"\n  acl = "public-read"\n}\n'
        'resource "alicloud_image_export" "e" {\n  image_id = "m-1"\n  oss_bucket = alicloud_oss_bucket.b.bucket\n}\n')
    doc, ann = _doc(tmp_path)
    assert "AccessControlList" not in doc["buckets"][0]
    assert "/buckets/0/AccessControlList" in ann.unknown
    pf501 = [r for r in _results(tmp_path) if r.rule_id == "PF501"]
    assert pf501 and all(r.status is not Status.PASS for r in pf501)
