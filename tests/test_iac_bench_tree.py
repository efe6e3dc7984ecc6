"""``bench/bench_tree.py``: which inputs it finds in a tree, and how it classifies an input's run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import bench_tree


def test_inputs_are_module_directories_and_iac_documents(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("")
    (tmp_path / "modules" / "a").mkdir(parents=True)
    (tmp_path / "modules" / "a" / "x.tf.json").write_text("{}")
    (tmp_path / "ros").mkdir()
    (tmp_path / "ros" / "t.yaml").write_text("ROSTemplateFormatVersion: '2015-09-01'\n")
    (tmp_path / "ros" / "other.yml").write_text("a: 1\n")
    (tmp_path / "plan.json").write_text('{"planned_values": {}}')
    (tmp_path / "package.json").write_text('{"version": "1", "exports": {}}')
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "h.tf").write_text("")
    found = list(bench_tree.inputs(tmp_path, per_file=False))
    assert found == [tmp_path, tmp_path / "plan.json", tmp_path / "modules" / "a", tmp_path / "ros" / "t.yaml"]
    per_file = {p.name for p in bench_tree.inputs(tmp_path, per_file=True)}
    assert per_file == {"main.tf", "x.tf.json", "t.yaml", "other.yml", "plan.json", "package.json"}


@pytest.mark.parametrize(("code", "expected", "traceback"), [
    ("import sys; sys.exit(0)", "0", False),
    ("import sys; print('preflight: error: x', file=sys.stderr); sys.exit(2)", "2", False),
    ("1/0", "1", True),
    ("import time; time.sleep(5)", "timeout", False),
])
def test_run_classifies_exit_codes_tracebacks_and_timeouts(tmp_path: Path, code: str, expected: str,
                                                           traceback: bool) -> None:
    outcome = bench_tree.run([sys.executable, "-c", code], tmp_path, timeout=1.0)
    assert (outcome.code, outcome.traceback) == (expected, traceback)
    if expected == "2":
        assert outcome.first_error == "preflight: error: x"


def test_inputs_use_the_registrys_marks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One rule for what marks a ROS template or plan: the registry's (a mark it adds is the bench's too)."""
    from preflight.sources import registry

    (tmp_path / "doc.json").write_text('{"format_version": "1.2"}')
    assert list(bench_tree.inputs(tmp_path, per_file=False)) == []
    monkeypatch.setattr(registry, "marked", lambda text: "format_version" in text)
    assert bench_tree._is_input(tmp_path / "doc.json")
    assert not hasattr(bench_tree, "_MARKERS")
