"""Markdown for step summaries and PR comments: verdict, summary table, failures with remediation."""

from __future__ import annotations

import datetime

import pytest

from preflight.model import Location, Mode, Report, Severity, Status, Waiver
from preflight.reporters.markdown import cell, render
from tests.conftest import ROOT, Cli
from tests.test_reporters_sarif import result


def test_cells_escape_pipes_and_newlines() -> None:
    assert cell("a|b\nc") == "a\\|b<br>c"


def test_example(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    r = cli("check", "examples/snapshot.json", "-f", "markdown")
    report = cli("check", "examples/snapshot.json", "-f", "json").json()
    findings = [x for x in report["results"] if x["status"] in ("fail", "unknown")]
    failing = [x for x in findings if x["severity"] == "error"]
    assert r.code == 1
    out = r.out
    assert out.startswith("## ❌ preflight: NOT OK")
    s = report["summary"]
    assert f"| failed | {s['fail']} |" in out and f"| passed | {s['pass']} |" in out
    assert out.count("#### error · ") == len(failing)  # every finding that fails the run, with its remediation
    assert out.count("- **fix**: ") >= len(failing)
    assert f"### Other findings ({len(findings) - len(failing)})" in out  # warnings below the threshold


def test_ok_waived_and_other_findings() -> None:
    w = Waiver(rules=("PF104",), reason="a | b", source=Location("w.yaml", 2), owner="ops",
               expires=datetime.date(2099, 1, 1))
    report = Report(mode=Mode.SNAPSHOT, results=(result(Status.WAIVED, waiver=w),
                                                 result(severity=Severity.WARNING, subject="s2")))
    out = render(report)
    assert out.startswith("## ✅ preflight: OK") and "Nothing fails the run." in out
    assert "| PF104 | cn-hangzhou/m-1 → oss://b/P | a \\| b | ops | 2099-01-01 | w.yaml:2 |" in out
    assert "### Other findings (1)" in out


def test_chinese(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = cli("check", "examples/snapshot.json", "-f", "markdown", "--lang", "zh").out
    assert out.startswith("## ❌ preflight：不通过") and "| 失败 | " in out and "**修复**" in out
