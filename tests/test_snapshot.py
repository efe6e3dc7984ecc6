"""The offline snapshot: unknown vs absent, API shapes accepted, and precise errors for bad documents."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from preflight.errors import PreflightError
from preflight.facts import Bucket, Image, Role, Unknown
from preflight.sources.snapshot import load_document, load_file, subjects_from_document
from tests.conftest import BASE


def base(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def test_joins_every_section() -> None:
    (s,) = subjects_from_document(base())
    assert isinstance(s.image, Image) and s.image.Status == "Available"
    assert s.image.disks[0].snapshot.Encrypted is False  # type: ignore[index,union-attr]
    assert isinstance(s.bucket, Bucket) and s.bucket.SSEAlgorithm is None and s.bucket.Grant == "private"
    assert isinstance(s.role, Role) and s.role.ecs_can_assume is True and s.role.missing_export_actions == []
    assert s.tasks == [] and s.account_id == "1234567890123456"
    assert s.name == "cn-hangzhou/m-good → oss://exports/EcsExport"


@pytest.mark.parametrize("section", ["images", "buckets", "roles", "regions", "tasks", "snapshots"])
def test_absent_section_is_unknown(section: str) -> None:
    (s,) = subjects_from_document(base(**{section: None}))
    fact = {"images": s.image, "buckets": s.bucket, "roles": s.role, "regions": s.region, "tasks": s.tasks,
            "snapshots": s.image.disks[0].snapshot if isinstance(s.image, Image) else None}[section]  # type: ignore[index]
    assert isinstance(fact, Unknown)
    assert section in str(fact.reason)


@pytest.mark.parametrize("section", ["images", "buckets", "roles", "regions"])
def test_present_section_is_the_complete_truth(section: str) -> None:
    (s,) = subjects_from_document(base(**{section: []}))
    fact = {"images": s.image, "buckets": s.bucket, "roles": s.role, "regions": s.region}[section]
    assert fact is None


def test_missing_field_is_unknown_and_null_is_absent() -> None:
    doc = base()
    del doc["images"][0]["Status"]
    doc["buckets"][0]["Policy"] = None
    (s,) = subjects_from_document(doc)
    assert isinstance(s.image, Image) and isinstance(s.image.Status, Unknown)
    assert isinstance(s.bucket, Bucket) and s.bucket.Policy is None
    del doc["buckets"][0]["Policy"]
    (s,) = subjects_from_document(doc)
    assert isinstance(s.bucket, Bucket) and isinstance(s.bucket.Policy, Unknown)


def test_unknown_entries_override_present_sections() -> None:
    doc = base(roles=[], unknown=[
        {"section": "roles", "match": {"RoleName": "AliyunECSImageExportDefaultRole"},
         "reason": "AccessDenied: the credentials lack ram:GetRole"},
        {"section": "buckets", "match": {"Name": "exports"}, "field": "Policy",
         "reason": "AccessDenied: oss:GetBucketPolicy"},
    ])
    (s,) = subjects_from_document(doc)
    assert isinstance(s.role, Unknown) and "ram:GetRole" in str(s.role.reason)
    assert isinstance(s.bucket, Bucket) and isinstance(s.bucket.Policy, Unknown)
    assert "oss:GetBucketPolicy" in str(s.bucket.Policy.reason)


def test_api_wrappers_and_plain_lists_are_both_accepted() -> None:
    doc = base()
    doc["images"] = {"Image": doc["images"]}
    image = doc["images"]["Image"][0]
    image["DiskDeviceMappings"] = image["DiskDeviceMappings"]["DiskDeviceMapping"]
    doc["roles"][0]["AttachedPolicies"] = {"Policy": doc["roles"][0]["AttachedPolicies"]}
    doc["roles"][0]["AssumeRolePolicyDocument"] = json.loads(doc["roles"][0]["AssumeRolePolicyDocument"])
    (s,) = subjects_from_document(doc)
    assert isinstance(s.image, Image) and len(s.image.disks) == 1  # type: ignore[arg-type]
    assert isinstance(s.role, Role) and s.role.ecs_can_assume is True


def test_running_tasks_are_this_images_only() -> None:
    doc = base(tasks=[
        {"RegionId": "cn-hangzhou", "TaskId": "t-1", "TaskAction": "ExportImage", "TaskStatus": "Processing",
         "ResourceId": "m-good"},
        {"RegionId": "cn-hangzhou", "TaskId": "t-2", "TaskAction": "ExportImage", "TaskStatus": "Finished",
         "ResourceId": "m-good"},
        {"RegionId": "cn-hangzhou", "TaskId": "t-3", "TaskAction": "ImportImage", "TaskStatus": "Processing",
         "ResourceId": "m-good"},
        {"RegionId": "cn-beijing", "TaskId": "t-4", "TaskAction": "ExportImage", "TaskStatus": "Processing",
         "ResourceId": "m-good"},
    ])
    (s,) = subjects_from_document(doc)
    assert [t.TaskId for t in s.tasks] == ["t-1"]  # type: ignore[union-attr]


def test_sizes_and_booleans_in_api_string_form() -> None:
    doc = base()
    doc["images"][0]["DiskDeviceMappings"]["DiskDeviceMapping"].append(
        {"Type": "data", "Device": "/dev/xvdb", "Size": 600, "SnapshotId": "s-sys"})
    doc["snapshots"][0]["Encrypted"] = "True"
    (s,) = subjects_from_document(doc)
    assert isinstance(s.image, Image) and [d.Size for d in s.image.disks] == [40, 600]  # type: ignore[union-attr]
    assert s.image.disks[1].snapshot.Encrypted is True  # type: ignore[index,union-attr]


def test_image_in_another_region_is_not_found() -> None:
    doc = base()
    doc["images"][0]["RegionId"] = "cn-beijing"
    (s,) = subjects_from_document(doc)
    assert s.image is None


def test_locations_point_at_each_element(write_json: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    path = write_json(base())
    (s,) = load_file(path)
    text = path.read_text().splitlines()
    assert s.location is not None and s.location.path == "snap.json"
    # the export's own "{" line, its first key on the next
    assert text[s.location.line - 1].strip() == "{"  # type: ignore[operator]
    assert '"RegionId": "cn-hangzhou"' in text[s.location.line]  # type: ignore[index]
    assert isinstance(s.bucket, Bucket) and s.bucket.location is not None
    assert text[s.bucket.location.line - 1].strip() == "{"  # type: ignore[operator]
    assert '"Name": "exports"' in text[s.bucket.location.line]  # type: ignore[index]


# -- bad documents --------------------------------------------------------------------------------------


def _error(doc_text: str, tmp_path: Path) -> PreflightError:
    path = tmp_path / "bad.json"
    path.write_text(doc_text, encoding="utf-8")
    with pytest.raises(PreflightError) as info:
        load_file(path)
    return info.value


def test_malformed_json_names_file_and_line(tmp_path: Path) -> None:
    err = _error('{"version": 1,\n "exports": [\n  {"RegionId": "x",}\n]}', tmp_path)
    assert err.where is not None and err.where.endswith("bad.json:3")
    assert "not valid JSON" in err.message


def test_every_schema_violation_is_reported_with_pointer_and_line(tmp_path: Path) -> None:
    doc = base()
    doc["exports"][0]["OSSBucket"] = 42
    doc["images"][0]["DiskDeviceMappings"]["DiskDeviceMapping"][0]["Size"] = "forty"
    doc["buckets"][0]["AccessControlList"] = "private"
    err = _error(json.dumps(doc, indent=2), tmp_path)
    lines = err.lines()
    assert len(lines) == 3, lines
    text = json.dumps(doc, indent=2).splitlines()
    joined = "\n".join(lines)
    assert "at /exports/0/OSSBucket: 42 is not of type 'string', 'null'" in joined
    assert "/images/0/DiskDeviceMappings" in joined
    assert "at /buckets/0/AccessControlList" in joined
    for line in lines:
        where = line.split(": at ")[0]
        number = int(where.rsplit(":", 1)[1])
        assert 1 <= number <= len(text)
    bucket_line = next(line for line in lines if "OSSBucket" in line)
    n = int(bucket_line.split(": at ")[0].rsplit(":", 1)[1])
    assert '"OSSBucket": 42' in text[n - 1]


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ("[]", "[] is not of type 'object'"),
        ('{"exports": []}', "'version' is a required property"),
        ('{"version": 2, "exports": []}', "1 was expected"),
        ('{"version": 1}', "'exports' is a required property"),
        ('{"version": 1, "exports": {"x": 1}}', "/exports"),
        ('{"version": 1, "exports": [], "unknown": [{"section": "nope", "reason": "r"}]}', "/unknown/0/section"),
        ('{"version": 1, "exports": [], "roles": [{"RoleName": "r", "AssumeRolePolicyDocument": "{not json"}]}',
         "not valid JSON"),
    ],
)
def test_shape_errors(doc: str, expected: str, tmp_path: Path) -> None:
    err = _error(doc, tmp_path)
    assert expected in str(err), str(err)
    assert all(line.startswith(str(tmp_path / "bad.json")) or "bad.json" in line for line in err.lines())


def test_load_document_without_text_still_reports(tmp_path: Path) -> None:
    with pytest.raises(PreflightError) as info:
        load_document({"version": 1, "exports": [{"RegionId": 1}]}, display="live")
    assert info.value.lines() == ["live:1: at /exports/0/RegionId: 1 is not of type 'string', 'null'"]


def _with_unread_policy(name: str, policy_type: str) -> dict[str, Any]:
    """BASE (whose role is granted every export action) plus one attached policy whose document is not known."""
    doc = copy.deepcopy(BASE)
    doc["roles"][0]["AttachedPolicies"].append({"PolicyName": name, "PolicyType": policy_type})
    doc["unknown"] = [{"section": "roles", "match": {"RoleName": doc["roles"][0]["RoleName"]},
                       "field": f"AttachedPolicies/{name}", "reason": "AccessDenied: ram:GetPolicyVersion"}]
    return doc


@pytest.mark.parametrize(("name", "policy_type", "unknown"), [
    ("LegacyExport", "Custom", True),  # may Deny what the other grants: Deny wins
    ("AliyunECSImageExportRolePolicy", "Custom", True),  # a custom policy of the system policy's name
    ("AliyunECSImageExportRolePolicy", "System", False),  # the documented system policy: grants, never denies
])
def test_a_policy_document_not_read_leaves_the_permissions_unknown(name: str, policy_type: str,
                                                                   unknown: bool) -> None:
    (s,) = subjects_from_document(_with_unread_policy(name, policy_type))
    assert isinstance(s.role, Role)
    missing = s.role.missing_export_actions
    if unknown:
        assert isinstance(missing, Unknown) and name in str(missing.reason)
    else:
        assert missing == []
