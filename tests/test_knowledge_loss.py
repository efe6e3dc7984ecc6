"""Losing knowledge never turns a no-go into a go (issue 10).

Start from every failing document the suite has — the per-rule fail cases (tests/rules/), the example
snapshots (examples/, the golden reports' input) — remove ONE field anywhere outside ``exports`` (except the
fields the absence table lists: their absence is a fact) or ONE entity of a section, and check every export
that was a no-go is still one: some result of it fails the run (a fail, or an unknown, at the error
threshold: snapshot mode). A document the change makes malformed is bad input (exit 2), which is no go
either. Evaluated in process (no subprocesses): the whole corpus runs in seconds.

Policy-document elements (Effect, Action, Resource, Principal, Statement) are a separate parametrization:
policy.py learns to treat a statement missing one as unknown in a parallel change.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preflight.engine import evaluate
from preflight.errors import PreflightError
from preflight.facts.absence import absent_means_none
from preflight.model import Severity, failing_predicate
from preflight.rules import load_rules
from preflight.sources.snapshot import SECTIONS, WRAPPERS, Obj, ShapeError, subjects_from_document
from tests.conftest import BASE, ROOT
from tests.test_rule_cases import CASES_DIR, merge_patch

RULES = load_rules(validate_bundled=True).rules
FAILS = failing_predicate(Severity.ERROR, True)
#: the keys whose value is a RAM/OSS policy document
POLICY_KEYS = frozenset({"Policy", "PolicyDocument", "AssumeRolePolicyDocument"})

Pointer = tuple[str | int, ...]
#: a pointer step into a policy document given as a JSON string
JSON = "(json)"
#: the sections whose entities something references (an export its region, image, bucket and role; a disk its
#: snapshot). A task references an image; a task list without one of its tasks is another account, not less
#: knowledge about this one.
REFERENCED = frozenset(SECTIONS) - {"tasks"}


def no_go(doc: Any) -> set[str] | None:
    """The exports that may not go; None when the document is bad input (exit 2)."""
    try:
        subjects = subjects_from_document(doc)
    except (ShapeError, PreflightError):
        return None
    return {r.subject for r in evaluate(RULES, subjects) if FAILS(r)}


def _seeds() -> list[tuple[str, dict[str, Any]]]:
    seeds: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        for i, case in enumerate(spec["cases"]):
            if case["expect"] == "fail":
                doc = case["snapshot"] if "snapshot" in case else merge_patch(BASE, case.get("patch", {}))
                seeds.append((f"{spec['rule']}-{i}", doc))
    for path in sorted((ROOT / "examples").glob("*.json")):
        seeds.append((f"examples/{path.name}", json.loads(path.read_text(encoding="utf-8"))))
    # only documents with an export that may not go (a fail case of a warning rule alone is a go)
    return [(name, doc) for name, doc in seeds if no_go(doc)]


SEEDS = _seeds()


def _where(pointer: Pointer) -> str:
    return Obj({}, "".join(f"/{p}" for p in pointer)).where


def removals(doc: Any) -> Iterator[tuple[Pointer, bool]]:
    """Every single removal: (pointer, inside a policy document). Fields outside ``exports`` and not in the
    absence table; elements of the top-level sections (entities something may reference)."""

    def walk(node: Any, pointer: Pointer, in_policy: bool) -> Iterator[tuple[Pointer, bool]]:
        if isinstance(node, str) and pointer and pointer[-1] in POLICY_KEYS:  # a document as RAM sends it
            try:
                decoded = json.loads(node)
            except ValueError:
                return
            yield from walk(decoded, (*pointer, JSON), True)
        elif isinstance(node, dict):
            for key, value in node.items():
                if not pointer and key == "exports":
                    continue
                if not absent_means_none(_where(pointer), key):
                    yield (*pointer, key), in_policy
                yield from walk(value, (*pointer, key), in_policy or key in POLICY_KEYS)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if (len(pointer) == 1 and pointer[0] in REFERENCED) or \
                        (len(pointer) == 2 and pointer[0] in REFERENCED and pointer[1] == WRAPPERS[str(pointer[0])]):
                    yield (*pointer, i), in_policy  # one entity of a section
                yield from walk(value, (*pointer, i), in_policy)

    yield from walk(doc, (), False)


def remove(doc: Any, pointer: Pointer) -> Any:
    """A copy of ``doc`` without the element at ``pointer`` (through JSON-encoded policy documents)."""
    if pointer[0] == JSON:
        return json.dumps(remove(json.loads(doc), pointer[1:]))
    out = copy.copy(doc)
    if len(pointer) == 1:
        del out[pointer[0]]
    else:
        out[pointer[0]] = remove(doc[pointer[0]], pointer[1:])
    return out


@cache
def _variants(policy: bool) -> list[tuple[int, Pointer]]:
    return [(i, p) for i, (_, doc) in enumerate(SEEDS) for p, in_policy in removals(doc) if in_policy == policy]


@cache
def _before(seed: int) -> set[str] | None:
    return no_go(SEEDS[seed][1])


def _false_go(seed: int, pointer: Pointer) -> set[str]:
    name, doc = SEEDS[seed]
    before = _before(seed)
    assert before, name
    after = no_go(remove(doc, pointer))
    return set() if after is None else before - after


def test_the_corpus_is_not_empty() -> None:
    assert len(SEEDS) >= 60 and any(n.startswith("examples/") for n, _ in SEEDS)
    assert len(_variants(False)) > 4000 and len(_variants(True)) > 500


# -- the examples, exhaustively ------------------------------------------------------------------------


def _example_variants(policy: bool) -> list[Any]:
    return [pytest.param(i, p, id=f"{SEEDS[i][0]}:{'/'.join(map(str, p))}")
            for i, p in _variants(policy) if SEEDS[i][0].startswith("examples/")]


@pytest.mark.parametrize(("seed", "pointer"), _example_variants(False))
def test_one_field_or_entity_less_never_makes_an_example_go(seed: int, pointer: Pointer) -> None:
    assert _false_go(seed, pointer) == set()


@pytest.mark.parametrize(("seed", "pointer"), _example_variants(True))
def test_one_policy_element_less_never_makes_an_example_go(seed: int, pointer: Pointer) -> None:
    assert _false_go(seed, pointer) == set()


# -- every failing case, sampled ----------------------------------------------------------------------


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_one_field_or_entity_less_never_makes_a_failing_case_go(data: st.DataObject) -> None:
    seed, pointer = data.draw(st.sampled_from(_variants(False)))
    assert _false_go(seed, pointer) == set(), (SEEDS[seed][0], pointer)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_one_policy_element_less_never_makes_a_failing_case_go(data: st.DataObject) -> None:
    seed, pointer = data.draw(st.sampled_from(_variants(True)))
    assert _false_go(seed, pointer) == set(), (SEEDS[seed][0], pointer)


def count_false_go(policy: bool) -> tuple[int, list[tuple[str, Pointer]]]:
    """Every variant of the whole corpus: how many, and which said go (for the issue's closing note:
    ``python -c 'from tests.test_knowledge_loss import *; print(count_false_go(False))'``)."""
    variants = _variants(policy)
    return len(variants), [(SEEDS[i][0], p) for i, p in variants if _false_go(i, p)]


# -- per rule: a subject that fails on two rules must not hide one of them turning into a pass ------------

#: removals after which a rule's pass is right: the document left is valid and says less (a trust policy
#: without its RAM principal admits fewer principals, so PF502 has nothing more to flag)
NARROWING: frozenset[tuple[str, str]] = frozenset({("RAM", "PF502")})


def _passes_after(seed: int, pointer: Pointer) -> set[str]:
    """The rules that failed (or were unknown) on a subject before the removal and pass on it after."""
    from preflight.model import Status

    _, doc = SEEDS[seed]

    def results(d: Any) -> dict[tuple[str, str], Any] | None:
        try:
            return {(r.subject, r.rule_id): r for r in evaluate(RULES, subjects_from_document(d))}
        except (ShapeError, PreflightError):
            return None

    before, after = results(doc), results(remove(doc, pointer))
    assert before is not None
    if after is None:
        return set()
    return {rule for (subject, rule), r in before.items()
            if FAILS(r) and (subject, rule) in after and after[(subject, rule)].status is Status.PASS
            and (str(pointer[-1]), rule) not in NARROWING}


@pytest.mark.parametrize(("seed", "pointer"), _example_variants(False) + _example_variants(True))
def test_no_rule_of_an_example_turns_from_fail_to_pass_when_a_fact_is_lost(seed: int, pointer: Pointer) -> None:
    assert _passes_after(seed, pointer) == set()
