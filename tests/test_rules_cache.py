"""The parsed-document cache of the bundled rule pack: a hit parses nothing, a stale, corrupt or unwritable
cache only costs a parse, and two rule directories of the same version keep separate caches."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from preflight import yamlpos
from preflight.resources import rules_dir
from preflight.rules.cache import bundled_documents, cache_file

LOAD_FAST = yamlpos.load_fast  # the real parser (the tests below count the cache's calls to it)


@pytest.fixture
def pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("PREFLIGHT_NO_CACHE", raising=False)
    copy = tmp_path / "rules"
    shutil.copytree(rules_dir(), copy, ignore=shutil.ignore_patterns("errors"))
    return copy


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = yamlpos.load_fast

    def counting(text: str, name: str) -> Any:
        seen.append(name)
        return real(text, name)

    monkeypatch.setattr(yamlpos, "load_fast", counting)
    return seen


def _fresh(directory: Path) -> dict[str, Any]:
    files = sorted([*directory.glob("*.y*ml"), *(directory / "lists").glob("*.yaml")])
    return {p.relative_to(directory).as_posix(): LOAD_FAST(p.read_text(encoding="utf-8"), p.name)
            for p in files}


def test_a_hit_parses_nothing_and_gives_the_same_documents(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = bundled_documents(pack)
    parses = _parses(monkeypatch)
    assert bundled_documents(pack) == first == _fresh(pack)
    assert parses == []


def test_a_changed_file_is_parsed_again(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundled_documents(pack)
    rule = sorted(pack.glob("*.yaml"))[0]
    rule.write_text(rule.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    parses = _parses(monkeypatch)
    assert bundled_documents(pack) == _fresh(pack)
    assert parses  # rebuilt


@pytest.mark.parametrize("content", ["", "{", "[]", '{"key": 1}', '{"key": [], "documents": 5}'])
def test_a_corrupt_cache_is_rebuilt(pack: Path, content: str) -> None:
    path = cache_file(pack)
    assert path is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    assert bundled_documents(pack) == _fresh(pack)


def test_an_unwritable_cache_only_costs_a_parse(pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert bundled_documents(pack) == _fresh(pack)


def test_no_cache_when_asked(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFLIGHT_NO_CACHE", "1")
    assert cache_file(pack) is None
    assert bundled_documents(pack) == _fresh(pack)


def test_two_directories_keep_their_own_cache(pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two checkouts (or installations) of one version used in turn: each run hits its own cache."""
    other = tmp_path / "other"
    shutil.copytree(pack, other)
    extra = other / "lists" / "zz-extra.yaml"
    extra.write_text("name: zz-extra\nvalues: [a]\n", encoding="utf-8")  # a different pack
    assert cache_file(pack) != cache_file(other)
    bundled_documents(pack)
    bundled_documents(other)
    parses = _parses(monkeypatch)
    assert bundled_documents(pack) == _fresh(pack)
    assert bundled_documents(other) == _fresh(other)
    assert parses == []
