"""Reporters that yield their output in pieces give exactly the text they return whole, and the CLI writes
those pieces to files and standard output unchanged."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from preflight.model import Mode, Report
from preflight.reporters import CHUNKED, REPORTERS, RenderOptions, get_chunks, get_reporter
from preflight.run import CheckOptions, run_check
from tests.conftest import EXAMPLE, CliResult

#: waivers expire against a fixed date (CheckOptions.today is required)
TODAY = datetime.date(2026, 12, 1)

EXAMPLES = sorted(EXAMPLE.parent.glob("*.json"))


@pytest.fixture(scope="module", params=[p.name for p in EXAMPLES])
def report(request: pytest.FixtureRequest) -> Report:
    return run_check(CheckOptions(paths=(EXAMPLE.parent / request.param,), lang="en", today=TODAY))


@pytest.mark.parametrize("fmt", sorted(CHUNKED))
@pytest.mark.parametrize("batch", [1, 3])
def test_the_size_of_the_pieces_does_not_change_the_text(report: Report, fmt: str, batch: int) -> None:
    """``render`` joins the pieces (the golden files hold its text); small batches must give the same text."""
    import importlib

    module, func = CHUNKED[fmt].split(":")
    chunks = getattr(importlib.import_module(module), func)
    for options in (RenderOptions(), RenderOptions(verbose=True)):
        whole = list(chunks(report, options, batch=10_000))
        pieces = list(chunks(report, options, batch=batch))
        assert "".join(pieces) == "".join(whole)
        assert len(whole) <= 3 and len(pieces) > len(whole)  # every example has more than three exports


@pytest.mark.parametrize("fmt", sorted(set(REPORTERS) - set(CHUNKED)))
def test_a_reporter_without_pieces_is_one_piece(report: Report, fmt: str) -> None:
    assert list(get_chunks(fmt)(report, RenderOptions())) == [get_reporter(fmt)(report, RenderOptions())]


def test_empty_report_in_pieces() -> None:
    empty = Report(mode=Mode.SNAPSHOT, results=())
    doc = json.loads("".join(get_chunks("json")(empty, RenderOptions())))
    assert doc["results"] == [] and doc["ok"] is True and doc["summary"]["pass"] == 0
    assert "No exports found in the input." in "".join(get_chunks("text")(empty, RenderOptions()))


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_cli_writes_the_pieces(cli: Callable[..., CliResult], tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    to_file = cli("check", str(EXAMPLE), "--format", fmt, "--output", str(out))
    to_stdout = cli("check", str(EXAMPLE), "--format", fmt)
    assert to_file.code == to_stdout.code == 1
    assert to_file.out == "" and out.read_text(encoding="utf-8") == to_stdout.out
    report = run_check(CheckOptions(paths=(EXAMPLE,), lang="en", today=TODAY))
    assert to_stdout.out == get_reporter(fmt)(report, RenderOptions())
