"""ROS templates (YAML with short tags, JSON) → documents, scoped subjects, rule results; inline waivers;
input discovery (skipped files, only_changed)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from preflight.engine import evaluate
from preflight.errors import PreflightError
from preflight.model import Location, Status
from preflight.rules import load_rules
from preflight.sources import iac, ros
from preflight.sources.snapshot import Annotations
from tests.conftest import ROOT

ROS = Path("tests/iac/ros")
YAML = ROS / "export-role.yaml"
JSON = ROS / "managed-policy.json"


@pytest.fixture(autouse=True)
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _doc(path: Path, **kw: object) -> tuple[dict[str, Any], Annotations]:
    template = ros.load_template(path.read_text(encoding="utf-8"), str(path))
    return ros.document(template, **kw)  # type: ignore[arg-type]


def test_yaml_short_tags_parameters_and_functions() -> None:
    doc, ann = _doc(YAML, export_buckets=["corp-image-exports"])
    role, partner = doc["roles"]
    assert role["RoleName"] == "AliyunECSImageExportDefaultRole"  # !Ref of a parameter default
    writer = role["AttachedPolicies"][0]
    assert writer["PolicyName"] == "EcsImageExportWriter" and writer["PolicyType"] == "Custom"
    assert writer["PolicyDocument"]["Statement"][0]["Resource"] == [  # !Sub with a parameter
        "acs:oss:*:*:corp-image-exports", "acs:oss:*:*:corp-image-exports/*"]
    # !Sub of a parameter without a default: known in part, and the part known decides the trust facts
    principal = partner["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": ["ecs.aliyuncs.com"], "RAM": ["acs:ram::${PartnerAccount}:root"]}
    assert "/roles/1/AssumeRolePolicyDocument" not in ann.unknown
    (bucket,) = doc["buckets"]
    assert bucket["Name"] == "corp-image-exports"  # !Join of !Ref
    assert bucket["ServerSideEncryptionRule"] == {"SSEAlgorithm": "KMS"}
    assert ann.locations["/buckets/0/ServerSideEncryptionRule"] == Location(str(YAML), 57)
    assert "/buckets/0/Location" in ann.unknown  # the stack's region is chosen at deploy time
    assert doc["exports"] == [{"RoleName": "AliyunECSImageExportDefaultRole"}, {"OSSBucket": "corp-image-exports"}]
    assert ann.scopes == {0: "role", 1: "bucket"}
    assert doc["images"][0]["OSType"] == "windows"


def test_json_template_managed_policy_and_attach_policy_to_role() -> None:
    doc, ann = _doc(JSON, export_roles=["Nobody"], export_buckets=["scratch-exports"])
    (role,) = doc["roles"]
    assert role["AttachedPolicies"] == [{"PolicyName": "EcsImageExportReadOnly", "PolicyType": "Custom",
                                         "PolicyDocument": {"Version": "1", "Statement": [
                                             {"Effect": "Allow", "Action": ["oss:GetObject", "oss:GetBucketInfo"],
                                              "Resource": ["*"]}]}}]
    assert doc["buckets"][0]["AccessControlList"] == {"Grant": "public-read"}
    assert ann.locations["/buckets/0/StorageClass"] == Location(str(JSON), 36)
    assert ann.scopes == {0: "role", 1: "bucket"}


@pytest.mark.parametrize(("path", "rule", "subject", "status", "line"), [
    (YAML, "PF303", "bucket oss://corp-image-exports", Status.FAIL, 57),
    (YAML, "PF506", "bucket oss://corp-image-exports", Status.FAIL, 58),  # at its Policy
    (YAML, "PF504", "role AliyunECSImageExportDefaultRole", Status.FAIL, 29),  # at the policy document
    (YAML, "PF402", "role AliyunECSImageExportDefaultRole", Status.PASS, 19),
    (YAML, "PF402", "role ImageExportRole", Status.PASS, 70),  # whoever the partner account is
    (YAML, "PF502", "role ImageExportRole", Status.FAIL, 70),  # its root may assume the role
    (JSON, "PF304", "bucket oss://scratch-exports", Status.FAIL, 36),
    (JSON, "PF501", "bucket oss://scratch-exports", Status.FAIL, 37),
])
def test_rule_results(path: Path, rule: str, subject: str, status: Status, line: int) -> None:
    load = iac.load([path], export_roles=["ImageExportRole"], export_buckets=["corp-image-exports",
                                                                               "scratch-exports"])
    results = evaluate(load_rules().rules, load.subjects)
    r = next(r for r in results if r.rule_id == rule and r.subject == subject)
    assert (r.status, r.location) == (status, Location(str(path), line)), r.message


def test_only_role_and_bucket_rules_apply_to_scoped_subjects() -> None:
    load = iac.load([ROS], export_buckets=["corp-image-exports"])
    results = evaluate(load_rules().rules, load.subjects)
    assert {r.rule_id[:3] for r in results if r.subject.startswith("role")} <= {"PF4", "PF5"}
    assert not [r for r in results if r.rule_id[:3] in ("PF1", "PF2")]


def test_unknown_yaml_tags_are_rejected_not_constructed(tmp_path: Path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("ROSTemplateFormatVersion: '2015-09-01'\nResources:\n  X: !!python/object:os.system {}\n")
    with pytest.raises(PreflightError) as e:
        iac.load([bad])
    assert e.value.where is not None and e.value.where.endswith("t.yaml:3")


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("ROSTemplateFormatVersion: '2015-09-01'\nResources:\n  X: [unclosed\n  Y: 1\n")
    with pytest.raises(PreflightError) as e:
        iac.load([bad])
    assert e.value.message.startswith("not valid YAML") and e.value.where is not None


# ---------------------------------------------------------------------------------------------------------
# Inline waivers


def test_waivers_in_yaml_and_hcl_attach_to_the_resource_below() -> None:
    load = iac.load([ROS, Path("tests/iac/terraform/export_module")])
    by_path = {w.path: w for w in load.waivers}
    y = by_path[str(YAML)]
    assert (y.rule_ids, y.line, y.resource_start, y.resource_end) == (("PF303",), 49, 50, 64)
    assert y.expires == datetime.date(2027, 6, 30) and y.problems == ()
    t = by_path["tests/iac/terraform/export_module/buckets.tf"]
    assert (t.rule_ids, t.line, t.resource_start, t.resource_end) == (("PF501",), 12, 13, 16)
    assert t.reason == "read-only mirror for the partner; tracked in SEC-1234"


@pytest.mark.parametrize(("comment", "ids", "reason", "expires", "problem"), [
    ('PF104,PF303 reason="ok" expires=2026-12-31', ("PF104", "PF303"), "ok", datetime.date(2026, 12, 31), None),
    ("PF104 reason='single quotes'", ("PF104",), "single quotes", None, None),
    ("PF104", ("PF104",), None, None, 'has no reason="…": it is not honoured'),
    ('PF104 reason=""', ("PF104",), None, None, 'has no reason="…": it is not honoured'),
    ('PF104 reason="x" expires=31/12/2026', ("PF104",), "x", None, "expires='31/12/2026' is not a date (YYYY-MM-DD)"),
    ('PF104 reason="x" owner=me', ("PF104",), "x", None, "unknown key 'owner' (expected reason, expires)"),
    (' reason="x"', (), "x", None, "names no rule id (preflight:ignore=RULE_ID[,RULE_ID])"),
])
def test_waiver_comment_syntax(comment: str, ids: tuple[str, ...], reason: str | None,
                               expires: datetime.date | None, problem: str | None) -> None:
    got_ids, got_reason, got_expires, problems = iac.parse_waiver_comment(comment)
    assert (got_ids, got_reason, got_expires) == (ids, reason, expires)
    assert (problem in map(str, problems)) if problem else problems == []


def test_waiver_on_an_attribute_line_and_stray_waiver(tmp_path: Path) -> None:
    tf = tmp_path / "main.tf"
    tf.write_text('# preflight:ignore=PF104 reason="nowhere"\n\nresource "alicloud_image_export" "e" {\n'
                  '  image_id   = "m-1"\n  oss_bucket = "b"\n'
                  '  oss_prefix = "a-b" // preflight:ignore=PF104 reason="legacy"\n}\n')
    stray, inline = sorted(iac.load([tmp_path]).waivers, key=lambda w: w.line)
    assert tuple(map(str, stray.problems)) == ("is not on or just above a resource: it applies to nothing",)
    assert (inline.line, inline.resource_start, inline.resource_end, inline.reason) == (6, 3, 7, "legacy")


# ---------------------------------------------------------------------------------------------------------
# Discovery: skipped files, only_changed


def test_non_iac_files_given_explicitly_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "x"}')
    (tmp_path / "compose.yaml").write_text("services: {}\n")
    load = iac.load([tmp_path / "package.json", tmp_path / "compose.yaml", tmp_path])
    assert len(load.skipped) == 2 and load.subjects == []


def test_only_changed_parses_the_directory_but_restricts_to_the_given_files() -> None:
    given = Path("tests/iac/terraform/export_module/buckets.tf")
    load = iac.load([given], only_changed=True)
    assert load.restrict_to == frozenset({str(given)})
    assert len([s for s in load.subjects if s.scope == "export"]) == 3  # exports.tf was parsed too
    assert iac.load([given]).restrict_to is None


@pytest.mark.parametrize(("kind", "prop", "logical_id", "section", "key"), [
    ("ALIYUN::RAM::Role", "RoleName", "AliyunECSImageExportDefaultRole", "roles", "RoleName"),
    ("ALIYUN::RAM::Role", "RoleName", "ImageExportRole", "roles", "RoleName"),
    ("ALIYUN::OSS::Bucket", "BucketName", "corp-image-exports", "buckets", "Name"),
])
@pytest.mark.parametrize("value", [None, {"Fn::Sub": "${ALIYUN::StackName}-x"}])
def test_an_undecided_name_is_never_the_logical_id(tmp_path: Path, kind: str, prop: str, logical_id: str,
                                                  section: str, key: str, value: object) -> None:
    """A role or bucket whose name the template leaves to the stack is recorded unknown: its logical id only
    stands for it, so it is never taken for the export role or bucket of the same name (no made-up name)."""
    props: dict[str, object] = {} if value is None else {prop: value}
    if kind == "ALIYUN::RAM::Role":
        props["AssumeRolePolicyDocument"] = {"Version": "1", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": ["ecs.aliyuncs.com"]}}]}
    template = {"ROSTemplateFormatVersion": "2015-09-01", "Resources": {logical_id: {"Type": kind,
                                                                                    "Properties": props}}}
    path = tmp_path / "t.json"
    path.write_text(json.dumps(template))
    doc, ann = _doc(path, export_roles=["ImageExportRole"], export_buckets=["corp-image-exports"])
    assert f"/{section}/0/{key}" in ann.unknown
    assert doc.get("exports", []) == []  # no role or bucket checked on its own under a name it may not have
