"""No import cycle among preflight's modules, lazy (function-level) imports included.

The graph is read from the source (AST), not from ``sys.modules``: an import inside a function counts as
much as one at the top, so a cycle cannot hide behind "imported only when needed".
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import preflight

ROOT = Path(preflight.__file__).parent

#: edges of cycles kept on purpose (none)
KNOWN: frozenset[tuple[str, str]] = frozenset()


def modules(root: Path, package: str) -> dict[str, Path]:
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def graph(root: Path, package: str) -> dict[str, set[str]]:
    """module -> the modules of ``package`` it imports anywhere in its text (``from a import b`` names the
    module ``a.b`` when there is one, else ``a``; relative imports resolved)."""
    mods = modules(root, package)

    def owner(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    out: dict[str, set[str]] = {}
    for name, path in mods.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            else:
                continue
            deps.update(o for t in targets if t.split(".")[0] == package and (o := owner(t)) is not None)
        deps.discard(name)
        out[name] = deps
    return out


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(g):
        if start in index:
            continue
        work = [(start, iter(sorted(g[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(g.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def test_no_import_cycle_among_preflights_modules() -> None:
    g = graph(ROOT, "preflight")
    for a, b in KNOWN:
        g[a].discard(b)
    assert cycles(g) == []


def test_the_known_edges_still_exist() -> None:
    g = graph(ROOT, "preflight")
    assert all(b in g[a] for a, b in KNOWN), "a known cycle is gone: remove it from KNOWN"


def test_the_message_module_is_a_leaf() -> None:
    assert graph(ROOT, "preflight")["preflight.msg"] == set()


@pytest.mark.parametrize(("files", "expected"), [
    ({"a.py": "from pkg import b\n", "b.py": "def f():\n    from pkg.a import x\n"}, [["pkg.a", "pkg.b"]]),
    ({"a.py": "from . import b\n", "b.py": "import pkg.c\n", "c.py": "from .a import y\n"},
     [["pkg.a", "pkg.b", "pkg.c"]]),
    ({"a.py": "from pkg.sub import d\n", "sub/__init__.py": "", "sub/d.py": "from ..a import z\n"},
     [["pkg.a", "pkg.sub.d"]]),
    ({"a.py": "import pkg.b as bee\n", "b.py": "if False:\n    import pkg.a\n"}, [["pkg.a", "pkg.b"]]),
    ({"a.py": "from pkg import b\n", "b.py": "import json\nfrom pkg import c\n", "c.py": ""}, []),
    ({"__init__.py": "from pkg import a\n", "a.py": "x = 1\n"}, []),
])
def test_cycles_are_found_however_they_are_written(tmp_path: Path, files: dict[str, str],
                                                   expected: list[list[str]]) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "__init__.py").touch()
    assert cycles(graph(tmp_path, "pkg")) == expected
