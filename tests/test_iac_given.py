"""A request parameter the files write is given, even when its value is not known (issue 13, item 2).

PF101/PF102/PF103 ("… is given") read ``exists`` on the request: an argument written with a value the
files do not decide (``oss_bucket = var.b`` without a value) is given, so they pass; an argument not
written is not given, so they fail (in both languages). The value itself stays unknown to every other rule,
and a fact joined through such a value (the image of an unknown ImageId) is unknown, not "given".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult

HEAD = '''variable "v" {
  type = string
}
'''


def _results(cli: Callable[..., CliResult], tmp_path: Path, text: str, *args: str) -> dict[str, dict[str, Any]]:
    (tmp_path / "main.tf").write_text(HEAD + text)
    result = cli("check", str(tmp_path), "-f", "json", *args)
    assert result.code in (0, 1), result.err
    return {r["rule_id"]: r for r in result.json()["results"] if "→" in r["subject"]}


def _export(region: str = '"cn-hangzhou"', image: str | None = '"m-1"', bucket: str | None = '"exports"') -> str:
    lines = [f"  image_id = {image}" if image else "", f"  oss_bucket = {bucket}" if bucket else ""]
    return (f'provider "alicloud" {{\n  region = {region}\n}}\n'
            'resource "alicloud_image_export" "e" {\n' + "\n".join(x for x in lines if x) + "\n}\n")


CASES = [
    ("PF101", {"region": "var.v"}, "pass"),
    ("PF101", {"region": '"cn-${var.v}"'}, "pass"),
    ("PF102", {"image": "var.v"}, "pass"),
    ("PF102", {"image": None}, "fail"),
    ("PF103", {"bucket": "var.v"}, "pass"),
    ("PF103", {"bucket": '"exports-${var.v}"'}, "pass"),
    ("PF103", {"bucket": None}, "fail"),
]


@pytest.mark.parametrize(("rule", "args", "status"), CASES)
def test_written_is_given(cli: Callable[..., CliResult], tmp_path: Path, rule: str, args: dict[str, Any],
                          status: str) -> None:
    results = _results(cli, tmp_path, _export(**args))
    assert results[rule]["status"] == status, results[rule]
    zh = _results(cli, tmp_path, _export(**args), "--lang", "zh")
    assert zh[rule]["status"] == status
    if status == "fail":
        field = {"PF101": "RegionId", "PF102": "ImageId", "PF103": "OSSBucket"}[rule]
        assert results[rule]["message"] == f"The required parameter {field} is not given"
        assert zh[rule]["message"] == f"未提供必填参数 {field}"


def test_the_value_stays_unknown_to_the_other_rules(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    results = _results(cli, tmp_path, _export(image="var.v", bucket="var.v"))
    assert results["PF102"]["status"] == "pass" and results["PF103"]["status"] == "pass"
    # the image and bucket named by an unknown value are not known to exist: never "given" through the join
    assert results["PF201"]["status"] == "unknown" and results["PF301"]["status"] == "unknown"
    assert results["PF202"]["status"] == "unknown" and results["PF303"]["status"] == "unknown"
