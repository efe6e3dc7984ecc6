"""The engine's memo trusts ``Rule.depends_on``: every fact the compiled rule actually reads on a subject
must be in it, or one export would silently get another export's verdict.

The reads are observed, not derived: each sample subject is re-classed to a subclass of its fact classes
that logs every field access, and the rule is evaluated (``when``/``assert``, then the texts, the evidence
and the pass evidence in both languages). The samples are every case of the rule pack's own tests
(tests/rules/*.yaml: pass, fail, unknown and skip for every rule) and the bundled example snapshots.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from functools import cache
from typing import Any

import pytest

from preflight.engine import SKIP, answer, texts
from preflight.facts import Request, Subject, Unknown
from preflight.rules import Rule, dependencies, load_rules
from preflight.sources.snapshot import subjects_from_document
from tests.conftest import BASE, ROOT
from tests.test_rule_cases import _cases, merge_patch

RULES = load_rules(validate_bundled=True)
Read = tuple[str, ...]


#: the log the recording classes write to (one per :func:`recorded` call)
_LOG: list[list[Read]] = [[]]


def _recording(cls: type, prefix: tuple[str, ...]) -> type:
    names = frozenset(f.name for f in dataclasses.fields(cls))

    def __getattribute__(self: Any, name: str) -> Any:
        if name in names and (prefix or name != "request"):  # subject.request is a step, not a read
            _LOG[0].append((*prefix, name))
        return object.__getattribute__(self, name)

    return type(f"Recording{cls.__name__}", (cls,), {"__getattribute__": __getattribute__})


RecordingSubject = _recording(Subject, ())
RecordingRequest = _recording(Request, ("request",))


def recorded(subject: Subject) -> tuple[Subject, list[Read]]:
    """A copy of the subject that logs the facts read from it (request fields one by one)."""
    log: list[Read] = []
    _LOG[0] = log
    request = copy.copy(subject.request)
    object.__setattr__(request, "__class__", RecordingRequest)
    spy = copy.copy(subject)
    object.__setattr__(spy, "request", request)
    object.__setattr__(spy, "__class__", RecordingSubject)
    return spy, log


def outside(reads: list[Read], deps: tuple[tuple[str, ...], ...]) -> set[Read]:
    return {r for r in reads if not any(r[: len(d)] == d for d in deps)}


def reads_beyond(rule: Rule, subject: Subject) -> tuple[set[Read], set[Read]]:
    """(what the verdict read outside condition_depends_on, what the texts read outside depends_on)"""
    spy, log = recorded(subject)
    verdict = answer(rule, spy)
    beyond_condition = outside(log, rule.condition_depends_on)
    log.clear()
    verdicts: list[Any] = [verdict]
    if verdict is not SKIP:  # the texts of each verdict the engine may word for this subject
        verdicts += [True, False, Unknown("x")]
    for v in verdicts:  # (the messages read every fact their texts show, in both languages, when made)
        texts(rule, spy, v)
    return beyond_condition, outside(log, rule.depends_on)


@cache
def samples() -> tuple[Subject, ...]:
    out: list[Subject] = []
    for param in _cases():
        _, case = param.values
        doc = case["snapshot"] if "snapshot" in case else merge_patch(BASE, case.get("patch", {}))
        out += subjects_from_document(doc)
    for path in sorted((ROOT / "examples").glob("*.json")):
        out += subjects_from_document(json.loads(path.read_text(encoding="utf-8")))
    return tuple(out)


@pytest.mark.parametrize("rule", [pytest.param(rule, id=rule.id) for rule in RULES.rules])
def test_what_a_rule_reads_is_in_its_depends_on(rule: Rule) -> None:
    assert len(samples()) > 100
    for subject in samples():
        condition, text = reads_beyond(rule, subject)
        assert condition == set(), (subject.name, rule.condition_depends_on)
        assert text == set(), (subject.name, rule.depends_on)


def test_the_recorder_sees_reads() -> None:
    """(the check above could not fail if nothing were recorded)"""
    subject = samples()[0]
    for rule in RULES.rules:
        spy, log = recorded(subject)
        answer(rule, spy)
        assert log, rule.id  # every rule reads something
        blind = dataclasses.replace(rule, condition_depends_on=(), depends_on=())
        condition, text = reads_beyond(blind, subject)
        assert condition, rule.id
        assert text or answer(rule, subject) is SKIP, rule.id


def test_the_recorder_is_the_subject() -> None:
    subject = samples()[0]
    spy, log = recorded(subject)
    assert isinstance(spy, Subject) and spy.request.OSSBucket == subject.request.OSSBucket
    assert spy.image is subject.image and log == [("request", "OSSBucket"), ("image",)]


@pytest.mark.parametrize(("doc", "expected"), [
    # a $. path inside a quantifier reads from the subject; a relative one reads the element
    ({"assert": {"path": "image.disks", "all": {"path": "$.request.OSSPrefix", "exists": True}}},
     {("image",), ("request", "OSSPrefix")}),
    ({"assert": {"path": "image.disks", "where": {"path": "Size", "gt": 1}, "count": {"lte": 1}}}, {("image",)}),
    # a desired value read from the subject, at any depth
    ({"assert": {"path": "image.disks", "any": {"path": "Device", "eq": {"ref": "request.OSSBucket"}}}},
     {("image",), ("request", "OSSBucket")}),
    ({"assert": {"not": {"path": "request.OSSPrefix", "eq": {"fmt": "{bucket.Name}-{role.RoleName}"}}}},
     {("bucket",), ("request", "OSSPrefix"), ("role",)}),
    ({"when": {"path": "region", "exists": True}, "assert": {"path": "tasks", "count": {"eq": 0}}},
     {("region",), ("tasks",)}),
])
def test_condition_dependencies_from_the_tree(doc: dict[str, Any], expected: set[Read]) -> None:
    assert set(dependencies(doc, texts=False)) == expected


def test_dependencies_use_the_rules_lists() -> None:
    doc = {"assert": {"path": "request.ImageFormat", "in": {"list": "image-formats"}}}
    assert dependencies(doc, texts=False, lists=RULES.lists) == (("request", "ImageFormat"),)


def test_rule_keeps_the_tree_it_was_derived_from() -> None:
    for rule in RULES.rules:
        assert rule.conditions is not None
        when, check = rule.conditions
        assert (when is None) == (rule.when is None) and check is not None
