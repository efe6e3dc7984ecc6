"""One source table (issue 12 item 4 leftover): every source has ``suffixes``, ``sniff`` and ``load``; ``iac.py``
and ``run.py`` dispatch through it; one rule for the ROS mark; a module's files looked at once per run."""

from __future__ import annotations

import collections
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from preflight import run
from preflight.sources import iac, registry
from preflight.sources.files import Files
from tests.conftest import ROOT, CliResult

IAC = ROOT / "tests" / "iac"
FILES = {
    "snapshot": ROOT / "examples" / "snapshot.json",
    "ros": IAC / "ros" / "export-role.yaml",
    "plan": IAC / "plan" / "export.plan.json",
    "terraform": IAC / "terraform" / "small" / "main.tf",
}


def test_every_source_has_suffixes_sniff_and_load() -> None:
    assert set(registry.SOURCES) == set(FILES)
    for kind, source in registry.SOURCES.items():
        assert set(source) == {"suffixes", "sniff", "load"}, kind
        assert FILES[kind].name.endswith(source["suffixes"]), kind


@pytest.mark.parametrize("kind", sorted(FILES))
def test_load_reads_once_and_gives_the_document(kind: registry.Kind) -> None:
    files = Files()
    first = registry.load(files, FILES[kind], kind)
    again = registry.SOURCES[kind]["load"](files, FILES[kind])
    assert again == first and again.document is first.document and first.kind == kind and files.reads == 1
    assert first.text == FILES[kind].read_text(encoding="utf-8")
    document = first.document
    if kind == "ros":
        assert registry.SOURCES["ros"]["sniff"](document.data) and document.ranges  # with its positions
    elif kind == "terraform":
        assert document.blocks and all(b.line >= 1 for b in document.blocks)
    else:
        assert registry.json_kind(document) == kind


def test_the_module_reader_and_the_table_share_one_parse(tmp_path: Path) -> None:
    files = Files()
    loaded = registry.load(files, FILES["terraform"], "terraform")
    from preflight.sources import terraform

    cache = terraform.ParseCache(files)
    assert cache.get(FILES["terraform"])[2] is loaded.document and cache.parsed == 0


def _late_mark(tmp_path: Path) -> Path:
    """A ROS template whose mark comes after a long header comment (past the first 4 KB)."""
    text = (IAC / "ros" / "export-role.yaml").read_text(encoding="utf-8")
    path = tmp_path / "late.yaml"
    path.write_text("".join(f"# {'licence text ' * 10}\n" for _ in range(40)) + text, encoding="utf-8")
    return path


@pytest.mark.parametrize("how", ["file", "directory"])
def test_one_rule_for_the_ros_mark(cli: Callable[..., CliResult], tmp_path: Path, how: str) -> None:
    path = _late_mark(tmp_path)
    result = cli("check", str(path if how == "file" else tmp_path), "-f", "json")
    assert result.code in (0, 1), result.err  # given or walked, the same template is read
    assert any(r["subject"].startswith("role ") for r in result.json()["results"])


@pytest.mark.parametrize("how", ["file", "directory"])
def test_a_mark_in_a_comment_is_not_a_template(tmp_path: Path, how: str) -> None:
    path = tmp_path / "values.yaml"
    path.write_text("# see ROSTemplateFormatVersion in the docs\nreplicas: 2\n", encoding="utf-8")
    load = iac.load([path if how == "file" else tmp_path])
    assert load.subjects == [] and load.files_read == 0
    assert load.skipped == ([str(path)] if how == "file" else [])


def test_module_files_are_looked_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("main.tf", "variables.tf", "outputs.tf.json"):
        shutil.copy(FILES["terraform"], tmp_path / name) if name == "main.tf" else \
            (tmp_path / name).write_text("{}" if name.endswith(".json") else "", encoding="utf-8")
    stats: collections.Counter[str] = collections.Counter()
    real_stat = os.stat

    def counting_stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if str(path).endswith((".tf", ".tf.json")):
            stats[os.path.basename(str(path))] += 1
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", counting_stat)
    # per file and run: one look at what it is (the walk, the path given, or the module's listing) and one
    # resolution of its display path (pathlib's resolve stats it); before, 5 walked and 9 given
    once = {"main.tf": 2, "variables.tf": 2, "outputs.tf.json": 2}
    run.subjects_from_paths([tmp_path])
    assert stats == once, stats
    stats.clear()
    run.subjects_from_paths([tmp_path / "main.tf"])
    assert stats == once, stats


def test_a_plan_word_in_a_walked_yaml_file_does_not_make_it_parsed(cli: Callable[..., CliResult],
                                                                     tmp_path: Path) -> None:
    """A YAML file is a ROS template or nothing of ours: a Helm chart that mentions ``resource_changes`` (a plan
    word, and plans are JSON) is skipped in a walk, not parsed and refused as broken YAML."""
    (tmp_path / "values.yaml").write_text("a: {{ .Values.x }}\n# resource_changes planned_values\n")
    (tmp_path / "main.tf").write_text('provider "alicloud" {\n  region = "cn-beijing"\n}\n')
    result = cli("check", str(tmp_path))
    assert result.code == 0, result.err
