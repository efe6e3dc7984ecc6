"""JUnit XML, read back with a real JUnit parser (junitparser): one testcase per rule and export."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from junitparser import Failure, JUnitXml, Skipped

from preflight.model import Location, Mode, Report, Status, Waiver
from preflight.reporters.junit import render
from tests.conftest import ROOT, Cli
from tests.test_reporters_sarif import result


def parse(text: str, tmp_path: Path) -> JUnitXml:
    path = tmp_path / "junit.xml"
    path.write_text(text, encoding="utf-8")
    return JUnitXml.fromfile(str(path))


def test_example_one_case_per_rule_and_export(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    r = cli("check", "examples/snapshot.json", "-f", "junit")
    report = cli("check", "examples/snapshot.json", "-f", "json").json()
    xml = parse(r.out, tmp_path)
    suites = list(xml)
    assert len(suites) == 5
    cases = [case for suite in suites for case in suite]
    assert len(cases) == len(report["results"])
    assert len({(c.classname, c.name) for c in cases}) == len(cases)
    failures = [c for c in cases if any(isinstance(x, Failure) for x in c.result)]
    assert len(failures) == report["summary"]["fail"]
    f = next(c for c in failures if c.name.startswith("PF104 "))
    (failure,) = f.result
    assert failure.type == "error" and "OSSPrefix 'db-backup-2026'" in failure.message
    assert "fix: " in failure.text and "examples/snapshot.json:14" in failure.text
    skipped = [c for c in cases if any(isinstance(x, Skipped) for x in c.result)]
    assert len(skipped) == report["summary"]["skip"]
    assert xml.tests == len(cases) and xml.failures == report["summary"]["fail"]


@pytest.mark.parametrize(("unknown_fails", "kind"), [(True, Failure), (False, Skipped)])
def test_unknown_fails_in_snapshot_mode_and_is_skipped_in_iac(unknown_fails: bool, kind: type,
                                                               tmp_path: Path) -> None:
    report = Report(mode=Mode.IAC, results=(result(Status.UNKNOWN),), unknown_fails=unknown_fails)
    (case,) = next(iter(parse(render(report), tmp_path)))
    assert isinstance(case.result[0], kind)


def test_waived_and_baselined_are_skipped_with_the_reason(tmp_path: Path) -> None:
    w = Waiver(rules=("PF104",), reason="accepted (OPS-1)", source=Location("w.yaml", 2),
               expires=datetime.date(2099, 1, 1))
    report = Report(mode=Mode.SNAPSHOT, results=(result(Status.WAIVED, waiver=w),
                                                 result(subject="s2", baselined=True)))
    cases = [c for suite in parse(render(report), tmp_path) for c in suite]
    assert all(isinstance(c.result[0], Skipped) for c in cases)
    assert "accepted (OPS-1)" in cases[0].result[0].message
    assert "baseline" in cases[1].result[0].message
