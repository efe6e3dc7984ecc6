"""Golden JSON reports for the IaC fixtures (regenerate with PREFLIGHT_UPDATE_GOLDEN=1; review the diff)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from preflight.engine import evaluate
from preflight.model import Mode, Report
from preflight.reporters import json as json_reporter
from preflight.rules import load_rules
from preflight.sources import iac
from tests.conftest import ROOT

# a subdirectory: tests/test_golden.py requires every file directly in tests/golden to be one of its own
GOLDEN = Path(__file__).parent / "golden" / "iac"
UPDATE = os.environ.get("PREFLIGHT_UPDATE_GOLDEN") == "1"
CONFIG = {"export_roles": ["ImageExportRole"], "export_buckets": ["corp-image-exports", "scratch-exports"]}

SCENARIOS = {
    "terraform-module.json": ["tests/iac/terraform/export_module"],
    "terraform-json.json": ["tests/iac/terraform/role_json"],
    "terraform-small.json": ["tests/iac/terraform/small"],
    "plan.json": ["tests/iac/plan/export.plan.json"],
    "ros.json": ["tests/iac/ros"],
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_iac_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    load = iac.load([Path(p) for p in SCENARIOS[name]], **CONFIG)  # type: ignore[arg-type]
    results = evaluate(load_rules().rules, load.subjects)
    text = json_reporter.render(Report(mode=Mode.IAC, results=tuple(results), unknown_fails=False))
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path.name}: run with PREFLIGHT_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def test_golden_reports_are_schema_valid_and_complete() -> None:
    import json

    from preflight.schemas import validator

    assert {p.name for p in GOLDEN.iterdir()} == set(SCENARIOS)
    for name in SCENARIOS:
        report = json.loads((GOLDEN / name).read_text(encoding="utf-8"))
        assert list(validator("report").iter_errors(report)) == []
        assert report["mode"] == "iac"
        assert all(r["location"] and r["location"]["line"] for r in report["results"])
