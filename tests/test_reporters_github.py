"""GitHub workflow commands: annotations on file and line, levels by severity, escaping per the rules."""

from __future__ import annotations

import pytest

from preflight.model import Location, Mode, Report, Severity, Status
from preflight.reporters.github import command, escape_data, escape_property, render
from tests.conftest import ROOT, Cli
from tests.test_reporters_sarif import result


def test_escaping() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert command("error", "x\ny", "T: a, b", Location("d/f,1.tf", 3)) == \
        "::error file=d/f%2C1.tf,line=3,title=T%3A a%2C b::x%0Ay"


@pytest.mark.parametrize(("severity", "kind"), [(Severity.ERROR, "error"), (Severity.WARNING, "warning"),
                                                (Severity.INFO, "notice")])
def test_level_by_severity(severity: Severity, kind: str) -> None:
    out = render(Report(mode=Mode.SNAPSHOT, results=(result(severity=severity),)))
    assert out.startswith(f"::{kind} file=infra/snap.json,line=12,"
                          "title=PF104 failed · OSSPrefix is 1-30 letters or digits::")
    assert "%0Afix: fix it" in out.splitlines()[0]


def test_passes_are_quiet_and_no_location_means_no_file() -> None:
    out = render(Report(mode=Mode.LIVE, results=(result(Status.PASS), result(location=None))))
    lines = out.splitlines()
    assert lines[0].startswith("::error title=PF104") and len([x for x in lines if x.startswith("::")]) == 1


def test_example(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    r = cli("check", "examples/snapshot.json", "-f", "github")
    summary = cli("check", "examples/snapshot.json", "-f", "json").json()["summary"]
    annotations = [x for x in r.out.splitlines() if x.startswith("::")]
    assert len(annotations) == summary["fail"] + summary["unknown"] and r.code == 1
    assert all("\n" not in a and ",line=" in a for a in annotations)
    assert r.out.splitlines()[-1].startswith("NOT OK")
