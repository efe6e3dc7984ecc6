"""``dynamic`` blocks (issue 13, item 3): expanded when ``for_each`` is known, with the iterator's name and
``content``; when it is not, the blocks they make are unknown, never "none"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from preflight.sources import terraform
from tests.conftest import CliResult

IMAGE = '''
provider "alicloud" {
  region = "cn-hangzhou"
}
variable "disks" {
  DEFAULT
}
resource "alicloud_image" "big" {
  image_name = "big"
  platform   = "CentOS"
  disk_device_mapping {
    disk_type = "system"
    size      = 40
    device    = "/dev/xvda"
  }
  dynamic "disk_device_mapping" {
    for_each = var.disks
    ITERATOR
    content {
      disk_type = "data"
      size      = NAME.value
      device    = "/dev/xvd${NAME.key}"
    }
  }
}
resource "alicloud_image_export" "e" {
  image_id   = alicloud_image.big.id
  oss_bucket = "exports"
}
'''


def _module(tmp_path: Path, default: str, iterator: str | None = None) -> Path:
    name = iterator or "disk_device_mapping"
    text = (IMAGE.replace("DEFAULT", default).replace("ITERATOR", f"iterator = {iterator}" if iterator else "")
            .replace("NAME", name))
    (tmp_path / "main.tf").write_text(text)
    return tmp_path


def _status(cli: Callable[..., CliResult], path: Path) -> dict[str, str]:
    result = cli("check", str(path), "-f", "json")
    assert result.code in (0, 1), result.err
    return {r["rule_id"]: r["status"] for r in result.json()["results"] if "→" in r["subject"]}


@pytest.mark.parametrize("iterator", [None, "disk"])
def test_known_for_each_expands_the_disks(tmp_path: Path, cli: Callable[..., CliResult], iterator: str | None
                                          ) -> None:
    five = "default = { b = 600, c = 600, d = 600, e = 600, f = 600 }"
    status = _status(cli, _module(tmp_path, five, iterator))
    assert status["PF206"] == "fail" and status["PF207"] == "fail"


def test_small_known_for_each_passes(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    status = _status(cli, _module(tmp_path, "default = [100]"))
    assert status["PF206"] == "pass" and status["PF207"] == "pass"


@pytest.mark.parametrize("default", ["", 'default = { b = 600 }\n  type = map(number)'])
def test_unknown_for_each_makes_the_disks_unknown(tmp_path: Path, cli: Callable[..., CliResult],
                                                  default: str) -> None:
    path = _module(tmp_path, default)
    if default:  # the value comes from a data source
        text = (path / "main.tf").read_text().replace("var.disks", "data.alicloud_disks.d.ids")
        (path / "main.tf").write_text(text)
    status = _status(cli, path)
    assert status["PF206"] == "unknown" and status["PF207"] == "unknown"


def test_expanded_blocks_keep_their_values_and_location() -> None:
    body = terraform.parse_hcl(IMAGE.replace("DEFAULT", 'default = ["x", "y"]').replace("ITERATOR", "")
                               .replace("NAME", "disk_device_mapping"), "m.tf")
    module = terraform.Module(body.blocks, {})
    (image,) = [r for r in module.managed(("alicloud_image",))]
    disks = image.body.nested("disk_device_mapping")
    assert not isinstance(disks, terraform.Unresolved)
    assert [(d.value("size"), d.value("device")) for d in disks] == [
        (40, "/dev/xvda"), ("x", "/dev/xvd0"), ("y", "/dev/xvd1")]
    assert disks[1].location == disks[2].location and disks[1].location is not None
    assert disks[1].location.line == 19  # the content block


def test_nested_dynamic_and_outer_iterator() -> None:
    text = '''
resource "x" "y" {
  dynamic "outer" {
    for_each = { a = [1, 2], b = [3] }
    content {
      name = outer.key
      dynamic "inner" {
        for_each = outer.value
        content {
          v = "${outer.key}${inner.value}"
        }
      }
    }
  }
}
'''
    body = terraform.parse_hcl(text, "m.tf")
    module = terraform.Module(body.blocks, {})
    block = module.block(body.blocks[0].body, "m.tf", 2)
    outer = block.nested("outer")
    assert not isinstance(outer, terraform.Unresolved)
    got = [(o.value("name"), [i.value("v") for i in o.blocks["inner"]]) for o in outer]
    assert got == [("a", ["a1", "a2"]), ("b", ["b3"])]


def test_dynamic_blocks_are_capped() -> None:
    text = 'resource "x" "y" {\n  dynamic "d" {\n    for_each = range(1000)\n    content {\n      v = d.value\n'
    text += "    }\n  }\n}\n"
    body = terraform.parse_hcl(text, "m.tf")
    module = terraform.Module(body.blocks, {}, budget=terraform.Budget(terraform.Limits(instances_per_block=10)))
    nested = module.block(body.blocks[0].body, "m.tf", 1).nested("d")
    assert isinstance(nested, terraform.Unresolved) and "10" in str(nested.reason)
