"""Golden reports: the same scenarios in every format (and both languages), byte for byte.

After an intended change of output, regenerate every file with ``make golden`` (it runs this module with
PREFLIGHT_UPDATE_GOLDEN=1) and review the diff like code.

Scenarios (all on the bundled example snapshot):
- ``example``: the plain run;
- ``example.zh``: the same in Chinese;
- ``audit``: ``preflight audit`` on ``tests/fixtures/audit/fleet.json`` (text, JSON, CSV, Markdown);
- ``governed``: ``tests/golden/governed/``: a config (fail_on warning, a disabled rule, a severity override,
  a mandatory rule), waivers (active, expired, reasonless, one against the mandatory rule) and a baseline.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT, CliResult

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("PREFLIGHT_UPDATE_GOLDEN") == "1"

BASE = {
    "example": ["check", "examples/snapshot.json"],
    "example.zh": ["check", "examples/snapshot.json", "--lang", "zh"],
    "governed": ["check", "examples/snapshot.json", "--config", "tests/golden/governed/preflight.yaml",
                 "--baseline", "tests/golden/governed/baseline.json"],
}
#: format -> file suffix
FORMATS = {"text": "txt", "json": "json", "sarif": "sarif", "junit": "junit.xml", "github": "github.txt",
           "markdown": "md", "html": "html"}

SCENARIOS = {f"{base}.{suffix}": [*args, "-f", fmt] for base, args in BASE.items() for fmt, suffix in FORMATS.items()}
SCENARIOS["example.verbose.txt"] = ["check", "examples/snapshot.json", "--verbose"]
# preflight audit replaying a fleet snapshot (tests/test_audit.py makes it): the summary, JSON, one row per image
SCENARIOS.update({f"audit.{suffix}": ["audit", "tests/fixtures/audit/fleet.json", "-f", fmt]
                  for fmt, suffix in (("text", "txt"), ("json", "json"), ("csv", "csv"), ("markdown", "md"))})


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796515200")  # the time of the run in the HTML report's footer
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_golden(name: str, cli: Callable[..., CliResult], in_root: None) -> None:
    result = cli(*SCENARIOS[name])
    assert result.code == 1 and result.err == ""
    path = GOLDEN / name
    if UPDATE:
        path.write_text(result.out, encoding="utf-8")
    assert path.exists(), f"missing golden file {path.name}: run `make golden`"
    assert result.out == path.read_text(encoding="utf-8")


def test_every_golden_file_belongs_to_a_scenario() -> None:
    files = {p.name for p in GOLDEN.iterdir() if p.is_file()}
    assert files == set(SCENARIOS), sorted(files ^ set(SCENARIOS))


@pytest.mark.parametrize("name", sorted(n for n in SCENARIOS if n.endswith(".sarif")))
def test_golden_sarif_is_valid(name: str) -> None:
    from tests.test_reporters_sarif import sarif_errors

    assert sarif_errors(json.loads((GOLDEN / name).read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("name", sorted(n for n in SCENARIOS if n.endswith(".junit.xml")))
def test_golden_junit_parses(name: str) -> None:
    from junitparser import JUnitXml

    xml = JUnitXml.fromfile(str(GOLDEN / name))
    report = json.loads((GOLDEN / name.replace(".junit.xml", ".json")).read_text(encoding="utf-8"))
    assert sum(s.tests for s in xml) == len(report["results"])
    assert sum(s.failures for s in xml) == report["summary"]["fail"] - sum(1 for r in report["results"]
                                                                           if r.get("baselined"))


@pytest.mark.parametrize("name", sorted(n for n in SCENARIOS if n.endswith(".json")))
def test_golden_json_is_schema_valid(name: str) -> None:
    from preflight.schemas import validator

    assert list(validator("report").iter_errors(json.loads((GOLDEN / name).read_text(encoding="utf-8")))) == []
