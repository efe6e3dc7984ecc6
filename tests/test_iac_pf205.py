"""PF205 (no Windows Server image) on IaC images: ``platform`` decides it only when it names Windows (a fail at
that argument); a Linux platform leaves OSName unknown, with the reason (no argument of alicloud_image or
ALIYUN::ECS::CustomImage sets OSName; see the README's IaC section) instead of a bare "has no OSName"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from preflight.errors import Msg
from preflight.facts import Image, Unknown
from preflight.i18n import render
from preflight.sources import iac
from tests.conftest import CliResult

TF = '''provider "alicloud" {
  region = "cn-hangzhou"
}
resource "alicloud_image" "i" {
  SOURCE
  PLATFORM
}
resource "alicloud_image_export" "e" {
  image_id   = alicloud_image.i.id
  oss_bucket = "exports"
}
'''
SOURCES = ['snapshot_id = "s-1"', 'instance_id = "i-1"',
           'disk_device_mapping {\n    disk_type = "system"\n    snapshot_id = "s-1"\n  }']


def _pf205(cli: Callable[..., CliResult], path: Path, lang: str = "en") -> dict[str, object]:
    result = cli("check", str(path), "-f", "json", "--lang", lang)
    assert result.code in (0, 1), result.err
    (pf205,) = [r for r in result.json()["results"] if r["rule_id"] == "PF205"]
    return pf205


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(("platform", "status"), [
    ('platform = "Windows Server 2019"', "fail"),
    ('platform = "Ubuntu"', "unknown"),
    ('platform = "Others Linux"', "unknown"),
    ("", "unknown"),
])
def test_terraform_platform(cli: Callable[..., CliResult], tmp_path: Path, source: str, platform: str,
                            status: str) -> None:
    (tmp_path / "main.tf").write_text(TF.replace("SOURCE", source).replace("PLATFORM", platform))
    pf205 = _pf205(cli, tmp_path)
    assert pf205["status"] == status, pf205
    if platform:
        assert pf205["location"] == {"path": str(tmp_path / "main.tf"), "line": 6 + source.count("\n")}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_linux_platform_says_why_os_name_is_unknown(cli: Callable[..., CliResult], tmp_path: Path,
                                                      lang: str) -> None:
    (tmp_path / "main.tf").write_text(TF.replace("SOURCE", SOURCES[0]).replace("PLATFORM", 'platform = "Ubuntu"'))
    message = str(_pf205(cli, tmp_path, lang)["message"])
    why = render(Msg("iac.image_os_name", resource="alicloud_image", platform="platform"), lang)
    assert why in message, message
    (subject,) = iac.load([tmp_path]).subjects
    assert isinstance(subject.image, Image) and isinstance(subject.image.OSName, Unknown)


ROS = '''ROSTemplateFormatVersion: '2015-09-01'
Resources:
  Image:
    Type: ALIYUN::ECS::CustomImage
    Properties:
      SnapshotId: s-1
      Platform: PLATFORM
'''


@pytest.mark.parametrize(("platform", "os_type"), [("Ubuntu", "linux"), ("Windows Server 2019", "windows")])
def test_ros_custom_image_os_name_has_its_reason(tmp_path: Path, platform: str, os_type: str) -> None:
    from preflight.sources import ros

    path = tmp_path / "t.yaml"
    path.write_text(ROS.replace("PLATFORM", platform))
    doc, annotations = ros.document(ros.load_template(path.read_text(), str(path)))
    (image,) = doc["images"]
    assert image["OSType"] == os_type and "OSName" not in image
    reason = annotations.unknown["/images/0/OSName"]
    assert "ALIYUN::ECS::CustomImage" in str(reason) and "Platform" in str(reason)
    assert annotations.locations["/images/0/OSName"].line == 7
