"""The engine: rules × subjects → results. Pure: no I/O, no clock, deterministic sorted output.

A rule's outcome (status, message, remediation, evidence) depends only on the facts it reads
(``Rule.depends_on``). Exports share images, buckets and roles, so the outcome is computed once per
distinct combination of those facts and reused; only the subject and location differ per export.
The memo is sound because ``depends_on`` and the compiled predicate are both derived from the rule's one
parsed condition tree (:func:`preflight.rules.tree.reads`); ``tests/test_rules_depends.py`` checks, by
observing the reads, that no bundled rule reads a fact outside it.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Sequence
from typing import Any

from preflight.errors import Foreign, Msg
from preflight.facts import Absent, Subject, Unknown, fact_fields
from preflight.model import Location, Message, Result, Status
from preflight.rules import OMIT, Rule, Tri

Outcome = tuple[Status, Message, Message, dict[str, Any]]

#: what an unknown result says to do, in every language (one message for all of them)
UNKNOWN_REMEDIATION = Msg("unknown_remediation")


class English:
    """The English text of messages, each worded once per holder of this object: the facts of a module's
    exports share their unknown reasons (one "not defined in the Terraform checked" per module), which the
    evidence of every rule that reads them would word again (8,500 times for a 500-file tree's 50 reasons).

    Keyed by identity, keeping the message itself: a fact computed on reading may be a new object each
    time, and a kept one is never freed, so its identity is never another message's."""

    __slots__ = ("_by_id",)

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[object, str]] = {}

    def __call__(self, message: object) -> str:
        hit = self._by_id.get(id(message))
        if hit is None:
            hit = self._by_id[id(message)] = (message, str(message))
        return hit[1]


def to_json(v: Any, english: Callable[[object], str] = str) -> Any:
    """A fact value as plain JSON (dataclasses become objects; unknown facts say why). ``english`` words a
    message in English (an :class:`English` shares the work between calls)."""
    if isinstance(v, Unknown):
        return {"unknown": english(v.reason)}
    if isinstance(v, Absent):  # read through a join whose target does not exist: nothing is there
        return None
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {f.name: to_json(getattr(v, f.name), english) for f in dataclasses.fields(v)
                if f.metadata.get("fact", True)}
    if isinstance(v, list | tuple):
        return [to_json(x, english) for x in v]
    if isinstance(v, Msg | Foreign):  # a message: its English text
        return english(v)
    if isinstance(v, str):  # (a Worded text: the plain str of its English text)
        return str(v)
    return v


def _entity_location(rule: Rule, target: Any) -> Location | None:
    """The attribute the rule asserts on when its source says where that is written, else the entity."""
    fields: Any = getattr(target, "field_locations", None)
    located = bool(fields) and rule.locate_field in fields
    loc = fields[rule.locate_field] if located else getattr(target, "location", None)
    return loc if isinstance(loc, Location) else None


def _location(rule: Rule, subject: Subject) -> Location | None:
    return _entity_location(rule, getattr(subject, rule.locate, None)) or subject.location


def _fact_location(rule: Rule, subject: Subject) -> Location | None:
    return None if rule.locate == "request" else _entity_location(rule, getattr(subject, rule.locate, None))


def _unknown_message(u: Unknown) -> Msg:
    if u.path:
        return Msg("unknown_fact", path=u.path, reason=u.reason)
    return Msg("unknown_plain", reason=u.reason)


def _status(outcome: Tri) -> Status:
    if outcome is True:
        return Status.PASS
    if outcome is False:
        return Status.FAIL
    return Status.UNKNOWN


#: the answer of a rule that does not apply (its ``when`` is false)
SKIP = object()


def answer(rule: Rule, subject: Subject) -> Tri | object:
    """The rule's verdict on the subject: True, False, an Unknown, or :data:`SKIP`."""
    if rule.when is not None:
        applies = rule.when(subject, subject)
        if applies is False:
            return SKIP
        if applies is not True:
            return applies
    return rule.check(subject, subject)


def texts(rule: Rule, subject: Subject, verdict: Tri | object, english: Callable[[object], str] = str) -> Outcome:
    """Status, message, remediation and evidence for a verdict. The message and remediation are messages,
    not text (:data:`preflight.model.Message`): the reporters word them in the report's language."""
    if verdict is SKIP:
        return Status.SKIP, Msg("skipped", title=rule.title), "", {}
    if verdict is True:
        return Status.PASS, rule.title, "", _pass_evidence(rule, subject, english)
    evidence = {key: to_json(v, english) for key, get in rule.evidence if (v := get(subject)) is not OMIT}
    if isinstance(verdict, Unknown):
        return Status.UNKNOWN, _unknown_message(verdict), UNKNOWN_REMEDIATION, evidence
    return Status.FAIL, rule.message.fill(subject), rule.remediation.fill(subject), evidence


def _pass_evidence(rule: Rule, subject: Subject, english: Callable[[object], str] = str) -> dict[str, Any]:
    """The rule's ``pass_evidence`` facts that hold (true, non-empty): why a pass is one."""
    return {key: to_json(v, english) for key, get in rule.pass_evidence
            if not isinstance(v := get(subject), Unknown | Absent) and v not in (None, False, "", [])}


def outcome(rule: Rule, subject: Subject) -> Outcome:
    """Status, message, remediation and evidence of one rule on one subject."""
    return texts(rule, subject, answer(rule, subject))


def _result(rule: Rule, title: Message, subject: Subject, name: str, out: Outcome) -> Result:
    status, message, remediation, evidence = out
    return Result(rule.id, title, rule.severity, rule.category, status, name, rule.prevents, message, remediation,
                  _location(rule, subject), evidence, rule.references, subject.location)


def evaluate_one(rule: Rule, subject: Subject) -> Result:
    return _result(rule, rule.title, subject, subject.name, outcome(rule, subject))


def _memo_key(deps: tuple[tuple[str, ...], ...]) -> Callable[[Subject], Any]:
    """The facts an answer depends on, fetched in one C-level call. Facts hash by identity, and the
    subjects (which hold them) stay alive for the whole evaluation; a list-valued fact (the running tasks,
    shared per image) is keyed by its identity too."""
    paths = [".".join(d) for d in deps]
    if not paths:
        return lambda s: None
    get = operator.attrgetter(*paths)
    if not any(fact_fields(Subject)[d[0]].is_list and len(d) == 1 for d in deps):
        return get
    if len(paths) == 1:
        return lambda s: id(get(s))
    return lambda s: tuple(id(v) if isinstance(v, list) else v for v in get(s))


def evaluate(rules: Sequence[Rule], subjects: Sequence[Subject]) -> list[Result]:
    """Every rule on every subject: exports in the order they are written, rules by id.

    Two memos per rule: the verdict, keyed by the facts the condition reads; and, for what fails or is
    unknown, the texts, keyed by every fact the rule reads. Passing and skipped results share one outcome.
    The results carry messages in no particular language: one evaluation is reported in any (a reporter
    words each shared message once, in its report's language).
    """
    ordered_rules = sorted(rules, key=lambda r: r.id)
    # in the order the exports are written (stable: live requests keep the order they were given in)
    named = sorted(((s.name, s) for s in subjects),
                   key=lambda p: (p[1].location.path if p[1].location else "",
                                  (p[1].location.line or 0) if p[1].location else 0))
    Key = Callable[[Subject], Any]
    prepared: list[tuple[Rule, Message, Key, Key, dict[Any, tuple[Any, Location | None]], dict[Any, Outcome],
                         dict[Any, Outcome], bool]] = []
    english = English()  # the evidence of every rule words the unknown reasons the subjects share
    for rule in ordered_rules:
        # the place to fix follows from the memoised facts when the condition reads the fact it points at
        shared_location = any(d[0] == rule.locate for d in rule.condition_depends_on)
        fixed = {True: texts(rule, named[0][1], True, english), SKIP: texts(rule, named[0][1], SKIP, english)} \
            if named else {}
        if rule.pass_evidence:  # a pass says why, per subject
            fixed.pop(True, None)
        prepared.append((rule, rule.title, _memo_key(rule.condition_depends_on),
                         _memo_key(rule.depends_on), {}, {}, fixed, shared_location))
    results: list[Result] = []
    append = results.append
    new = tuple.__new__  # Result is a NamedTuple; this skips its Python-level __new__ (300,000 calls)
    for name, subject in named:
        origin = subject.location
        scope = subject.scope
        for rule, title, verdict_key, text_key, verdicts, outcomes, fixed, shared_location in prepared:
            if scope != "export" and rule.locate != scope:
                continue  # a role or bucket on its own: only the rules about it apply
            key = verdict_key(subject)
            hit = verdicts.get(key)
            if hit is None:
                hit = verdicts[key] = (answer(rule, subject), _fact_location(rule, subject))
            verdict, location = hit
            out = fixed.get(verdict) if verdict is True or verdict is SKIP else None
            if out is None:
                tkey = text_key(subject)
                out = outcomes.get(tkey)
                if out is None:
                    out = outcomes[tkey] = texts(rule, subject, verdict, english)
            status, message, remediation, evidence = out
            if location is None or not shared_location:
                location = _location(rule, subject)
            append(new(Result, (rule.id, title, rule.severity, rule.category, status, name, rule.prevents,
                                message, remediation, location, evidence, rule.references, origin,
                                None, False, None)))  # waiver, baselined, account
    return results
