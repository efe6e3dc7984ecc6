"""Terraform plan JSON (``terraform show -json``) → document, unknowns from after_unknown, joins by references."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from preflight.engine import evaluate
from preflight.model import Location, Status
from preflight.rules import load_rules
from preflight.sources import iac, plan
from preflight.sources.snapshot import Annotations
from tests.conftest import ROOT

PLAN = Path("tests/iac/plan/export.plan.json")


@pytest.fixture(autouse=True)
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _doc() -> tuple[dict[str, Any], Annotations]:
    text = PLAN.read_text(encoding="utf-8")
    return plan.document(json.loads(text), text, str(PLAN))


def test_plan_document() -> None:
    doc, ann = _doc()
    # image_id is unknown until apply, but the configuration's references name the image: joined by the
    # reference, the id unknown (never the address read as an id)
    assert doc["exports"] == [{"RegionId": "ap-southeast-1", "OSSBucket": "sg-image-exports", "OSSPrefix": "app_2026"}]
    assert ann.links["/exports/0/ImageId"] == "/images/0" and "/exports/0/ImageId" in ann.given
    assert "/images/0/ImageId" in ann.unknown
    (bucket,) = doc["buckets"]
    assert bucket["ServerSideEncryptionRule"] == {"SSEAlgorithm": "AES256"}  # the separate resource
    assert bucket["Location"] == "oss-ap-southeast-1"  # provider region from var.region's planned value
    assert str(ann.unknown["/buckets/0/AccessControlList"]) == "acl: known only after apply (the plan says so)"
    assert [d["Size"] for d in doc["images"][0]["DiskDeviceMappings"]] == ["40", "200"]
    assert ann.locations["/exports/0"] == Location(str(PLAN), 30)
    assert ann.locations["/exports/0/OSSPrefix"] == Location(str(PLAN), 37)
    assert str(ann.absent_reason) == "not defined in the Terraform plan checked"


@pytest.mark.parametrize(("rule", "status", "line"), [
    ("PF104", Status.FAIL, 37),
    ("PF303", Status.FAIL, 65),
    ("PF210", Status.FAIL, 11),
    ("PF501", Status.UNKNOWN, 40),
    ("PF401", Status.UNKNOWN, 30),
    ("PF206", Status.PASS, 11),
])
def test_plan_rule_results(rule: str, status: Status, line: int) -> None:
    results = evaluate(load_rules().rules, iac.load([PLAN]).subjects)
    r = next(r for r in results if r.rule_id == rule)
    assert (r.status, r.location) == (status, Location(str(PLAN), line)), r.message


def test_plan_with_only_resource_changes_and_child_modules(tmp_path: Path) -> None:
    doc = {"format_version": "1.2", "resource_changes": [
        {"address": "module.exp.alicloud_image_export.e", "module_address": "module.exp", "mode": "managed",
         "type": "alicloud_image_export", "name": "e",
         "change": {"actions": ["create"], "after": {"image_id": "m-abc", "oss_bucket": "b1"},
                    "after_unknown": {"id": True, "oss_prefix": True}}},
        {"address": "alicloud_oss_bucket.gone", "mode": "managed", "type": "alicloud_oss_bucket", "name": "gone",
         "change": {"actions": ["delete"], "before": {"bucket": "gone"}, "after": None}}]}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc, indent=1))
    (subject,) = iac.load([path]).subjects
    assert subject.request.ImageId == "m-abc" and subject.request.OSSBucket == "b1"
    assert "known only after apply" in str(subject.request.OSSPrefix)
    assert "plan has no configuration for provider" in str(subject.request.RegionId)
