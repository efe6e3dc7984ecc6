"""Reasons on IaC inputs name the user's place (issue 13 leftover): the resource address and the argument as
written (``alicloud_image.i: disk_device_mapping[1].size``), never the snapshot-shaped pointer of the
intermediate document (``/images/0/DiskDeviceMappings/1``), which the user never wrote."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from preflight.errors import Msg
from preflight.facts import Image, Unknown
from preflight.i18n import render
from preflight.sources import iac
from preflight.sources.snapshot import Annotations
from preflight.sources.terraform.mapping import ARGUMENTS
from tests.conftest import ROOT, CliResult
from tests.test_iac_golden import SCENARIOS
from tests.zhcheck import assert_chinese

POINTER = re.compile(r"/(exports|images|buckets|roles|snapshots|regions|tasks)/\d")

ANNOTATIONS = Annotations(addresses={"/images/0": "alicloud_image.i", "/buckets/2": "alicloud_oss_bucket.b"},
                          arguments=ARGUMENTS)


@pytest.mark.parametrize(("pointer", "key", "expected"), [
    ("/images/0/DiskDeviceMappings/1", "Size", "alicloud_image.i: disk_device_mapping[1].size is not set"),
    ("/images/0/DiskDeviceMappings/0", "SnapshotId", "alicloud_image.i: disk_device_mapping[0].snapshot_id is not set"),
    ("/images/0", "Platform", "alicloud_image.i: platform is not set"),
    ("/images/0", "OSName", "alicloud_image.i: no argument in the files sets OSName"),
    ("/buckets/2/ServerSideEncryptionRule", "SSEAlgorithm",
     "alicloud_oss_bucket.b: server_side_encryption_rule.sse_algorithm is not set"),
    ("/buckets/2", "BlockPublicAccess", "alicloud_oss_bucket.b: no argument in the files sets BlockPublicAccess"),
])
def test_missing_field_is_named_by_address_and_argument(pointer: str, key: str, expected: str) -> None:
    reason = ANNOTATIONS.missing_reason(pointer, key)
    assert isinstance(reason, Msg) and render(reason, "en") == expected
    assert_chinese(render(reason, "zh"))


@pytest.mark.parametrize("pointer", ["/images/1", "/exports/0", "/account_id", ""])
def test_an_element_without_an_address_is_left_to_the_pointer(pointer: str) -> None:
    assert ANNOTATIONS.missing_reason(pointer, "X") is None


IMAGE = '''provider "alicloud" {
  region = "cn-hangzhou"
}
data "alicloud_ecs_snapshots" "s" {}
resource "alicloud_image" "i" {
  platform = "Ubuntu"
  disk_device_mapping {
    disk_type   = "system"
    snapshot_id = "s-1"
    size        = 40
  }
  disk_device_mapping {
    disk_type   = "data"
    snapshot_id = data.alicloud_ecs_snapshots.s.snapshots[0].id
  }
}
resource "alicloud_image_export" "e" {
  image_id   = alicloud_image.i.id
  oss_bucket = "exports"
}
'''


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reasons_through_the_cli_name_the_resource(cli: Callable[..., CliResult], tmp_path: Path,
                                                   lang: str) -> None:
    (tmp_path / "main.tf").write_text(IMAGE)
    result = cli("check", str(tmp_path), "-f", "json", "--lang", lang)
    assert result.code == 0, result.err
    status = {r["rule_id"]: r for r in result.json()["results"]}
    # a data disk without a size: named at its block and argument
    assert "alicloud_image.i" in status["PF207"]["message"]
    assert "disk_device_mapping[1].size" in status["PF207"]["message"], status["PF207"]
    for r in result.json()["results"]:
        assert not POINTER.search(r["message"]), r["message"]


def test_a_disk_field_the_files_do_not_decide_keeps_its_own_reason(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(IMAGE)
    (subject,) = iac.load([tmp_path]).subjects
    assert isinstance(subject.image, Image) and isinstance(subject.image.disks, list)
    snapshot_id = subject.image.disks[1].SnapshotId
    # it is set, to a data source: that is the reason, not "not set"
    assert isinstance(snapshot_id, Unknown) and "data.alicloud_ecs_snapshots.s" in str(snapshot_id.reason)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_no_reason_of_an_iac_scenario_shows_a_document_pointer(cli: Callable[..., CliResult], name: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = cli("check", *SCENARIOS[name], "-f", "json")
    assert result.code in (0, 1), result.err
    for r in result.json()["results"]:
        assert not POINTER.search(r["message"]), (r["rule_id"], r["message"])
