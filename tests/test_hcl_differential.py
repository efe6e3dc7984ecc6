"""The tree-sitter HCL front end against the Lark one it replaces, while both exist: every ``.tf`` file of the
repository and generated HCL expressions must give equal preflight trees (compared by ``repr``: an
:class:`Opaque` holds a :class:`Msg`, which compares by identity), and what one refuses the other refuses.

Goes away with the Lark front end; the permanent pins are in ``test_hcl_treesitter.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preflight.errors import PreflightError
from preflight.sources import hcl_treesitter as new
from preflight.sources import terraform as old

ROOT = Path(__file__).resolve().parent.parent
TF_FILES = sorted(p for d in ("tests", "examples") for p in (ROOT / d).rglob("*.tf"))


def _parse(fn: Any, text: str) -> str:
    try:
        return repr(fn(text, "t.tf"))
    except PreflightError:
        return "error"


@pytest.mark.parametrize("path", TF_FILES, ids=[str(p.relative_to(ROOT)) for p in TF_FILES])
def test_every_tf_file_of_the_repository_gives_the_same_tree(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert _parse(new.parse_hcl, text) == _parse(old.parse_hcl, text)


def test_there_are_tf_files_to_compare() -> None:
    assert len(TF_FILES) >= 10


NAMES = st.sampled_from(["a", "var", "local", "each", "count", "x_1", "b-c"])
STRING_CHARS = st.lists(st.sampled_from([*"ab {}:/-_.#", "$a", "%a", "$${x}", "%%{x}", "ü", "中",
                                         "\\n", "\\\"", "\\\\", "\\t", "\\u00e9"]), max_size=6).map("".join)


def _leaf() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(0, 10**6).map(str),
        st.sampled_from(["1.5", "0.25", "3.0e2", "true", "false", "null"]),
        STRING_CHARS.map(lambda s: f'"{s}"'),
        st.tuples(NAMES, st.lists(st.one_of(NAMES.map(lambda n: f".{n}"), st.integers(0, 9).map(lambda i: f"[{i}]"),
                                            st.just('["k"]'), st.just(".0")), max_size=3))
        .map(lambda t: t[0] + "".join(t[1])),
    )


def _compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    ops = st.sampled_from(["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||"])
    return st.one_of(
        st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(st.one_of(NAMES, STRING_CHARS.map(lambda s: f'"{s}"'), inner.map(lambda e: f"({e})")),
                           inner), max_size=3).map(lambda kv: "{" + ", ".join(f"{k} = {v}" for k, v in kv) + "}"),
        st.tuples(NAMES, st.lists(inner, max_size=3), st.booleans())
        .map(lambda t: f"{t[0]}({', '.join(t[1])}{'...' if t[2] and t[1] else ''})"),
        st.tuples(inner, inner, inner).map(lambda t: f"{t[0]} ? {t[1]} : {t[2]}"),
        st.tuples(inner, ops, inner).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        st.tuples(st.sampled_from(["!", "-"]), inner).map(lambda t: f"{t[0]}({t[1]})"),
        inner.map(lambda e: f"({e})"),
        st.tuples(inner, st.sampled_from([".a", "[0]", '["k"]', ".0"])).map(lambda t: f"({t[0]}){t[1]}"),
        st.tuples(NAMES, st.sampled_from([".*.a", "[*].a", "[*]", ".*.a[0]", "[*].a.b"])).map("".join),
        st.tuples(NAMES, inner, st.booleans()).map(
            lambda t: f"[for k, v in {t[0]} : {t[1]}{' if v' if t[2] else ''}]"),
        st.tuples(NAMES, inner, st.booleans()).map(
            lambda t: f"{{for v in {t[0]} : v => {t[1]}{'...' if t[2] else ''}}}"),
        # (a `$` just before `${` would make it the escape `$${`)
        st.tuples(STRING_CHARS.filter(lambda s: not s.endswith("$")), inner, STRING_CHARS)
        .map(lambda t: f'"{t[0]}${{{t[1]}}}{t[2]}"'),
        st.tuples(STRING_CHARS, STRING_CHARS).map(lambda t: f'"{t[0]}%{{ if a }}{t[1]}%{{ endif }}"'),
        st.tuples(st.sampled_from(["<<", "<<-"]), st.lists(st.tuples(st.sampled_from(["", "  ", "\t"]), STRING_CHARS,
                                                                       st.one_of(st.just(""), inner.filter(
                                                                           lambda e: "<<" not in e))), max_size=3))
        .map(lambda t: t[0] + "EOT\n" + "".join(f"{ind}{s}{'${' + e + '}' if e else ''}\n" for ind, s, e in t[1])
             + "  EOT"),
    )


EXPRESSIONS = st.recursive(_leaf(), _compound, max_leaves=12)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS)
def test_generated_expressions_give_the_same_tree(expr: str) -> None:
    text = f"x = {expr}\n"
    assert _parse(new.parse_hcl, text) == _parse(old.parse_hcl, text)
    if "\n" not in expr:
        assert repr(new.parse_expression(expr)) == repr(old.parse_expression(expr))
