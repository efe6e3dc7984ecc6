"""Shared test helpers: run the CLI in-process and capture what it writes."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "snapshot.json"
#: tests/rules/_base.yaml: a snapshot on which every rule passes (shared: deep-copy it before editing)
BASE: dict[str, Any] = yaml.safe_load((ROOT / "tests" / "rules" / "_base.yaml").read_text(encoding="utf-8"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than a few seconds (builds, subprocesses)")
    # CI (CI=1, set by .ci/run) runs every property with the same examples each time: a red CI is reproducible,
    # never luck; locally the examples are random, to keep finding new ones
    from hypothesis import settings

    # no per-example deadline anywhere: a property is about what the code does, not how fast a loaded machine
    # runs one example (timing is measured by bench/, not by tests)
    settings.register_profile("preflight-dev", deadline=None)
    settings.register_profile("preflight-ci", derandomize=True, database=None, deadline=None)
    settings.load_profile("preflight-ci" if os.environ.get("CI") else "preflight-dev")


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


#: the ``cli`` fixture's type: run the CLI in-process with these arguments
Cli = Callable[..., CliResult]


def both_languages(cli: Cli, *args: str) -> tuple[CliResult, CliResult]:
    """The same command with ``--lang en`` and with ``--lang zh``."""
    return cli(*args, "--lang", "en"), cli(*args, "--lang", "zh")


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    from preflight.cli import main

    def run(*args: str) -> CliResult:
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[[Any, str], Path]:
    def write(doc: Any, name: str = "snap.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
        return path

    return write
