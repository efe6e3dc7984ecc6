"""Start-up of a small check (issue 12: within 10x a bare ``python -c pass``): what a run must not pay for.

Each test pins one mechanism that removed a cost, in a fresh interpreter (``sys.modules`` and the collector's
counters of this test process say nothing about a real start).
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import subprocess
import sys
from typing import Any

import pytest

from preflight.model import Text
from tests.conftest import EXAMPLE, ROOT


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return out.stdout.strip().splitlines()[-1]


def test_a_small_check_compiles_no_annotation_of_ours_but_recursive_ones() -> None:
    """Annotations are objects where the start-up reads them: the fact model rule paths are checked against
    (``typing.get_type_hints`` compiled ~150 strings on every run), the NamedTuples of results and rules, and
    the CLI's parameters (typer evaluated ~60). Only a type that names itself must stay a string."""
    code = (
        "import collections, sys, typing\n"
        "made = collections.Counter()\n"
        "init = typing.ForwardRef.__init__\n"
        "def counting(self, arg, *a, **k):\n"
        "    f = sys._getframe(1)\n"
        "    while f is not None and f.f_globals.get('__name__', '').startswith(('typing', 'collections')):\n"
        "        f = f.f_back\n"
        "    made[f.f_globals.get('__name__', '') if f is not None else ''] += 1\n"
        "    init(self, arg, *a, **k)\n"
        "typing.ForwardRef.__init__ = counting\n"
        "from preflight.cli import main\n"
        f"rc = main(['check', {str(EXAMPLE)!r}, '-o', '/dev/null'])\n"
        "print(rc, sorted(m for m in made if m.startswith('preflight')))\n"
    )
    # rules.tree: a condition holds conditions; escape: ValuedText.__new__ returns a ValuedText
    assert _run(code) == "1 ['preflight.escape', 'preflight.rules.tree']"


def test_a_small_check_does_not_import_what_only_other_commands_use() -> None:
    """The audit's vocabulary (five frozen dataclasses, ~0.5 ms each to define), OpenSSL (fingerprints are
    made for SARIF and baselines only), waivers and baselines (no such file here) are not a check's cost."""
    code = (
        "import sys\nfrom preflight.cli import main\n"
        f"rc = main(['check', {str(EXAMPLE)!r}, '-o', '/dev/null'])\n"
        "print(rc, sorted(m for m in sys.modules if m in ('preflight.audit', 'preflight.audit_model',"
        " 'preflight.baseline', 'preflight.waivers', 'hashlib', '_hashlib')))\n"
    )
    assert _run(code) == "1 []"


# -- one written __repr__ instead of one generated per class ---------------------------------------------------


#: the modules whose dataclasses a small check defines (each class of them shares FieldsRepr's __repr__)
SHARED_REPR_MODULES = ("preflight.model", "preflight.facts.model", "preflight.rules.rule", "preflight.rules.paths",
                       "preflight.policy_eval", "preflight.policy_parse", "preflight.sources.common", "preflight.run",
                       "preflight.config")


def _shared_repr_classes() -> list[type]:
    modules = [importlib.import_module(name) for name in SHARED_REPR_MODULES]
    return [c for m in modules for c in vars(m).values()
            if isinstance(c, type) and dataclasses.is_dataclass(c) and c.__module__ == m.__name__]


def test_the_vocabulary_and_the_facts_generate_no_repr_of_their_own() -> None:
    """``@dataclass`` compiles a ``__repr__`` per class at every start; these classes share one."""
    from preflight.fieldrepr import FieldsRepr

    classes = _shared_repr_classes()
    assert len(classes) >= 35
    assert [c.__name__ for c in classes if "__repr__" in vars(c) or not issubclass(c, FieldsRepr)] == []


def _instances(value: Any, found: dict[int, Any]) -> None:
    if id(value) in found:
        return
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        found[id(value)] = value
        for f in dataclasses.fields(value):
            _instances(getattr(value, f.name), found)
    elif isinstance(value, list | tuple):
        for v in value:
            _instances(v, found)
    elif isinstance(value, dict):
        for v in value.values():
            _instances(v, found)


def _generated_repr(obj: Any) -> str:
    """What ``@dataclass(repr=True)`` would show for ``obj``: a subclass of the same name made with it."""
    cls = type(obj)
    frozen = cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    ref = dataclasses.dataclass(frozen=frozen, eq=False, repr=True)(
        type(cls.__name__, (cls,), {"__qualname__": cls.__qualname__}))
    copy = object.__new__(ref)
    for f in dataclasses.fields(obj):
        object.__setattr__(copy, f.name, getattr(obj, f.name))
    return repr(copy)


def test_the_shared_repr_shows_what_dataclass_would_generate() -> None:
    """Every vocabulary and fact object of a real check (subjects, report, rules' metadata) is shown as the
    generated ``__repr__`` showed it, nested objects and ``repr=False`` fields included."""
    from preflight.run import CheckOptions, check_inputs

    options = CheckOptions(paths=(EXAMPLE,), today=datetime.date(2026, 12, 1))
    report, subjects, rules = check_inputs(options)
    found: dict[int, Any] = {}
    _instances([options, report, subjects, [r.location for r in report.results], rules,
                [r.conditions for r in rules]], found)
    shared = set(_shared_repr_classes())
    checked = [o for o in found.values() if type(o) in shared]
    assert len({type(o) for o in checked}) >= 18
    for obj in checked:
        assert repr(obj) == _generated_repr(obj)
    loop: list[Any] = []
    itself = Text(en=loop, zh="z")  # type: ignore[arg-type]  (a value that contains itself)
    loop.append(itself)
    assert repr(itself) == "Text(en=[...], zh='z')"  # as the generated one: "..." where it recurs


# -- a placeholder expression is parsed once per process -------------------------------------------------------


def test_the_same_placeholder_in_two_texts_is_parsed_once() -> None:
    """A message and its translation name the same facts: the pack's ~270 placeholders are ~50 expressions."""
    from preflight.rules.templates import compile_template

    en = compile_template("image {image.ImageId} of {image.disks|count} disks", ("message", "en"))
    zh = compile_template("镜像 {image.ImageId}（{image.disks|count} 块磁盘）", ("message", "zh"))
    placeholders = [[p for p in t.parts if not isinstance(p, str)] for t in (en, zh)]
    assert [p.expr for p in placeholders[0]] == [p.expr for p in placeholders[1]]
    assert all(a is b for a, b in zip(*placeholders, strict=True))


@pytest.mark.parametrize("text", ["{image.NoSuchFact}", "{image.ImageId|nosuchfilter}", "{image.disks[*].Nope}",
                                  "{image.ImageId|count}"])
def test_a_bad_placeholder_is_reported_where_it_is_each_time(text: str) -> None:
    from preflight.rules.paths import RuleError
    from preflight.rules.templates import compile_template

    wheres = []
    for where in (("message", "en"), ("remediation", "zh")):
        with pytest.raises(RuleError) as e:
            compile_template(f"x {text} y", where)
        wheres.append(e.value.where[:2])
    assert wheres == [("message", "en"), ("remediation", "zh")]


def test_every_dataclass_has_a_docstring_so_none_computes_a_signature_at_start() -> None:
    """``@dataclass`` gives a class without a docstring one made from ``inspect.signature`` (its fields'
    annotations formatted), at every start: ~0.1 ms a class, ~3 ms for the 27 a Terraform check built."""
    import pkgutil

    import preflight

    undocumented = []
    for info in pkgutil.walk_packages(preflight.__path__, "preflight."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == info.name \
                    and "__doc__" in vars(cls) and (cls.__doc__ or "").startswith(f"{cls.__name__}("):
                undocumented.append(f"{info.name}.{cls.__qualname__}")
    assert undocumented == []
