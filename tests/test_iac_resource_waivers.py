"""A waiver's ``resource`` glob matches IaC findings by the address of the resource they are about
(Terraform addresses with instances and modules, ROS logical ids), and still by ``kind/NAME``."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from preflight.run import CheckOptions, check_inputs, resource_resolver
from tests.conftest import BASE, ROOT, Cli

#: waivers expire against a fixed date (CheckOptions.today is required)
TODAY = datetime.date(2026, 12, 1)

INSTANCES = ROOT / "tests" / "fixtures" / "iac_expand" / "instances"
MODULES = ROOT / "tests" / "fixtures" / "iac_expand" / "modules" / "root"
ROS = ROOT / "tests" / "iac" / "ros" / "export-role.yaml"


def _names(path: Path) -> set[str]:
    report, subjects, rules = check_inputs(CheckOptions(paths=(path,), lang="en", today=TODAY))
    of = resource_resolver(subjects, rules)
    return {n for r in report.results if r.status.value in ("fail", "unknown") for n in of(r)}


@pytest.mark.parametrize(("path", "address", "plain"), [
    (INSTANCES, 'alicloud_oss_bucket.shard[1]', None),
    (INSTANCES, 'alicloud_image_export.team["red"]', None),
    (MODULES, "module.archive.alicloud_oss_bucket.this", None),
    (MODULES, "module.store.alicloud_oss_bucket.this", None),
    (ROS, "ExportRole", "role/"),
])
def test_findings_are_named_by_their_iac_address(path: Path, address: str, plain: str | None) -> None:
    names = _names(path)
    assert address in names
    if plain:
        assert any(n.startswith(plain) for n in names)


def _waived(cli: Cli, tmp_path: Path, target: Path, glob: str) -> tuple[set[str], set[str]]:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(f'waivers:\n  - rule: "*"\n    resource: {glob!r}\n    reason: accepted for the test\n',
                       encoding="utf-8")
    report = cli("check", str(target), "-f", "json", "--waivers", str(waivers)).json()
    waived = {r["subject"] for r in report["results"] if r["status"] == "waived"}
    open_ = {r["subject"] for r in report["results"] if r["status"] in ("fail", "unknown")}
    return waived, open_


def test_a_module_glob_waives_only_that_module(cli: Cli, tmp_path: Path) -> None:
    archive = ("ap-southeast-1/m-bp1g7004ksh0oeuc0001 → oss://corp-archive/bad-prefix"
               " (module.archive.alicloud_image_export.this)")
    before = cli("check", str(MODULES), "-f", "json").json()["results"]
    assert any(r["subject"] == archive and r["status"] == "fail" for r in before)
    waived, open_ = _waived(cli, tmp_path, MODULES, "module.archive.*")
    assert waived == {archive}  # only the export module.archive defines
    assert ("cn-hangzhou/m-bp1g7004ksh0oeuc0001 → oss://corp-exports/nightly"
            " (module.store.alicloud_image_export.this)") in open_  # module.store's stays open
    after = cli("check", str(MODULES), "-f", "json", "--waivers", str(tmp_path / "waivers.yaml")).json()["results"]
    assert not any(r["subject"] == archive and r["status"] == "fail" for r in after)  # its failures are waived


def test_the_kind_name_form_still_matches_iac(cli: Cli, tmp_path: Path) -> None:
    by_address, _ = _waived(cli, tmp_path, ROS, "ExportRole")
    by_name, _ = _waived(cli, tmp_path, ROS, "role/*")
    assert by_address and by_name == by_address


def test_a_glob_that_names_nothing_waives_nothing(cli: Cli, tmp_path: Path) -> None:
    waived, open_ = _waived(cli, tmp_path, INSTANCES, "alicloud_oss_bucket.nope*")
    assert not waived and open_


def test_an_inline_waiver_with_a_problem_waives_nothing(cli: Cli, tmp_path: Path) -> None:
    """Its notes say it is not honoured: so it is not, in any part (no half-applied waiver)."""
    (tmp_path / "main.tf").write_text(
        'provider "alicloud" {\n  region = "cn-hangzhou"\n}\n'
        '# preflight:ignore=PF501,PF303 reason="ok" expires=2020-99-01\n'
        'resource "alicloud_oss_bucket" "b" {\n  bucket = "corp-exports"\n  acl = "public-read"\n}\n'
        'resource "alicloud_image_export" "e" {\n  image_id = "m-1"\n  oss_bucket = alicloud_oss_bucket.b.bucket\n'
        '  oss_prefix = "nightly"\n}\n', encoding="utf-8")
    report = cli("check", str(tmp_path), "-f", "json").json()
    assert not [r for r in report["results"] if r["status"] == "waived"]
    assert any(r["rule_id"] == "PF501" and r["status"] == "fail" for r in report["results"])
    assert any("2020-99-01" in w["message"] for w in report["warnings"])
    fixed = (tmp_path / "main.tf").read_text(encoding="utf-8").replace("2020-99-01", "2099-12-31")
    (tmp_path / "main.tf").write_text(fixed, encoding="utf-8")
    report = cli("check", str(tmp_path), "-f", "json").json()
    assert any(r["rule_id"] == "PF501" and r["status"] == "waived" for r in report["results"])


def test_unknowns_of_iac_get_advice_that_fits_iac(cli: Cli, write_json: Callable[[Any], Path]) -> None:
    report = cli("check", str(ROOT / "tests" / "iac" / "terraform" / "small"), "-f", "json").json()
    unknown = [r for r in report["results"] if r["status"] == "unknown"]
    assert unknown and all(r["remediation"].startswith("The files checked do not decide this fact") for r in unknown)
    doc = copy.deepcopy(BASE)
    del doc["images"]  # a snapshot with unknowns: their advice is the snapshot's
    snapshot = cli("check", str(write_json(doc)), "-f", "json").json()
    unknown = [r for r in snapshot["results"] if r["status"] == "unknown"]
    assert unknown and not any(r["remediation"].startswith("The files checked") for r in unknown)
    # both in one run: each unknown gets the advice of the input it came from
    mixed = cli("check", str(write_json(doc)), str(ROOT / "tests" / "iac" / "terraform" / "small"), "-f", "json")
    advice = {(r["location"]["path"].endswith(".tf"), r["remediation"].startswith("The files checked"))
              for r in mixed.json()["results"] if r["status"] == "unknown"}
    assert advice == {(True, True), (False, False)}


EXPORT_MODULE = ROOT / "tests" / "iac" / "terraform" / "export_module"


def test_check_options_defaults_fail_safe() -> None:
    """A library caller that says nothing gets no waiver from a comment in the files and a run where unknowns
    fail; the CLI asks for both leniencies by its flags (``--no-waivers`` absent, ``--strict`` absent)."""
    path = EXPORT_MODULE  # one PF501 finding waived by a comment in buckets.tf
    statuses = lambda report: [r.status.value for r in report.results]  # noqa: E731
    default, _, _ = check_inputs(CheckOptions(paths=(path,), lang="en", today=TODAY))
    asked, _, _ = check_inputs(CheckOptions(paths=(path,), lang="en", today=TODAY, inline_waivers=True,
                                            strict=False))
    assert "waived" not in statuses(default) and "waived" in statuses(asked)
    assert default.unknown_fails and not asked.unknown_fails
    assert len(default.results) == len(asked.results)
