"""Reporters that yield their output in pieces give exactly the text they return whole, and the CLI writes
those pieces to files and standard output unchanged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from preflight.model import Mode, Report
from preflight.reporters import CHUNKED, REPORTERS, RenderOptions, get_chunks, get_reporter
from preflight.run import CheckOptions, run_check
from tests.conftest import EXAMPLE, CliResult

EXAMPLES = sorted(EXAMPLE.parent.glob("*.json"))


@pytest.fixture(scope="module", params=[p.name for p in EXAMPLES])
def report(request: pytest.FixtureRequest) -> Report:
    return run_check(CheckOptions(paths=(EXAMPLE.parent / request.param,), lang="en"))


@pytest.mark.parametrize("fmt", sorted(CHUNKED))
@pytest.mark.parametrize("batch", [1, 3, 10_000])
def test_pieces_join_to_the_whole(report: Report, fmt: str, batch: int) -> None:
    import importlib

    module, func = CHUNKED[fmt].split(":")
    chunks = getattr(importlib.import_module(module), func)
    for options in (RenderOptions(), RenderOptions(verbose=True)):
        pieces = list(chunks(report, options, batch=batch))
        assert "".join(pieces) == get_reporter(fmt)(report, options)
        if batch == 1 and len(report.results) > 36:
            assert len(pieces) > 2  # really in pieces


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_every_format_has_pieces(report: Report, fmt: str) -> None:
    assert "".join(get_chunks(fmt)(report, RenderOptions())) == get_reporter(fmt)(report, RenderOptions())


@pytest.mark.parametrize("fmt", sorted(CHUNKED))
def test_empty_report_in_pieces(fmt: str) -> None:
    empty = Report(mode=Mode.SNAPSHOT, results=())
    assert "".join(get_chunks(fmt)(empty, RenderOptions())) == get_reporter(fmt)(empty, RenderOptions())


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_cli_writes_the_pieces(cli: Callable[..., CliResult], tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    to_file = cli("check", str(EXAMPLE), "--format", fmt, "--output", str(out))
    to_stdout = cli("check", str(EXAMPLE), "--format", fmt)
    assert to_file.code == to_stdout.code == 1
    assert out.read_text(encoding="utf-8") == to_stdout.out
    report = run_check(CheckOptions(paths=(EXAMPLE,), lang="en"))
    assert to_stdout.out == get_reporter(fmt)(report, RenderOptions())
