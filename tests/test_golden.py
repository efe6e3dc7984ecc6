"""Golden reports: the bundled example in every format and language, byte for byte.

After an intended change of output, regenerate with ``make golden`` (PREFLIGHT_UPDATE_GOLDEN=1) and review
the diff like code.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT, CliResult

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("PREFLIGHT_UPDATE_GOLDEN") == "1"

SCENARIOS = {
    "example.json": ["check", "examples/snapshot.json", "-f", "json"],
    "example.txt": ["check", "examples/snapshot.json"],
    "example.verbose.txt": ["check", "examples/snapshot.json", "--verbose"],
    "example.zh.txt": ["check", "examples/snapshot.json", "--lang", "zh"],
    "example.zh.json": ["check", "examples/snapshot.json", "-f", "json", "--lang", "zh"],
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_golden(name: str, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = cli(*SCENARIOS[name])
    assert result.code == 1 and result.err == ""
    path = GOLDEN / name
    if UPDATE:
        path.write_text(result.out, encoding="utf-8")
    assert path.exists(), f"missing golden file {path.name}: run `make golden`"
    assert result.out == path.read_text(encoding="utf-8")
