"""The engine: rules × subjects → results. Pure: no I/O, no clock, deterministic sorted output.

A rule's outcome (status, message, remediation, evidence) depends only on the facts it reads
(``Rule.depends_on``). Exports share images, buckets and roles, so the outcome is computed once per
distinct combination of those facts and reused; only the subject and location differ per export.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Sequence
from typing import Any

from preflight.facts import Subject, Unknown, fact_fields
from preflight.i18n import t
from preflight.model import Location, Result, Status
from preflight.rules import OMIT, Rule, Tri

Outcome = tuple[Status, str, str, dict[str, Any]]


def to_json(v: Any) -> Any:
    """A fact value as plain JSON (dataclasses become objects; unknown facts say why)."""
    if isinstance(v, Unknown):
        return {"unknown": v.reason}
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {f.name: to_json(getattr(v, f.name)) for f in dataclasses.fields(v) if f.metadata.get("fact", True)}
    if isinstance(v, list | tuple):
        return [to_json(x) for x in v]
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


def _unknown_text(u: Unknown, lang: str) -> str:
    if u.path:
        return t("unknown_fact", lang, path=u.path, reason=u.reason)
    return t("unknown_plain", lang, reason=u.reason)


def _status(outcome: Tri) -> Status:
    if outcome is True:
        return Status.PASS
    if outcome is False:
        return Status.FAIL
    return Status.UNKNOWN


def outcome(rule: Rule, subject: Subject, lang: str = "en") -> Outcome:
    """Status, message, remediation and evidence of one rule on one subject."""
    answer: Tri = True
    if rule.when is not None:
        answer = rule.when(subject, subject)
        if answer is False:
            return Status.SKIP, t("skipped", lang, title=rule.title.get(lang)), "", {}
    if answer is True:
        answer = rule.check(subject, subject)
    status = _status(answer)
    if status is Status.PASS:
        return status, rule.title.get(lang), "", {}
    evidence = {key: to_json(v) for key, get in rule.evidence if (v := get(subject)) is not OMIT}
    if isinstance(answer, Unknown):
        return status, _unknown_text(answer, lang), t("unknown_remediation", lang), evidence
    return status, rule.message.render(subject, lang), rule.remediation.render(subject, lang), evidence


def _result(rule: Rule, title: str, subject: Subject, name: str, out: Outcome) -> Result:
    status, message, remediation, evidence = out
    return Result(rule.id, title, rule.severity, rule.category, status, name, rule.prevents, message, remediation,
                  _location(rule, subject), evidence, rule.references, subject.location)


def evaluate_one(rule: Rule, subject: Subject, lang: str = "en") -> Result:
    return _result(rule, rule.title.get(lang), subject, subject.name, outcome(rule, subject, lang))


def _memo_key(rule: Rule) -> Callable[[Subject], Any]:
    """The facts a rule's outcome depends on, fetched in one C-level call. Facts hash by identity, and
    the subjects (which hold them) stay alive for the whole evaluation. A list-valued fact (running tasks)
    is built per export, so such rules are keyed by the subject itself."""
    paths = [".".join(d) for d in rule.depends_on]
    if not paths or any(fact_fields(Subject)[d[0]].is_list for d in rule.depends_on):
        return lambda s: s
    return operator.attrgetter(*paths)


def evaluate(rules: Sequence[Rule], subjects: Sequence[Subject], lang: str = "en") -> list[Result]:
    """Every rule on every subject: exports in the order they are written, rules by id."""
    ordered_rules = sorted(rules, key=lambda r: r.id)
    # in the order the exports are written (stable: live requests keep the order they were given in)
    named = sorted(((s.name, s) for s in subjects),
                   key=lambda p: (p[1].location.path if p[1].location else "",
                                  (p[1].location.line or 0) if p[1].location else 0))
    prepared: list[tuple[Rule, str, Callable[[Subject], Any], dict[Any, tuple[Outcome, Location | None]], bool]] = [
        # the place to fix follows from the memoised facts when the rule reads the fact it points at
        (rule, rule.title.get(lang), _memo_key(rule), {}, any(d[0] == rule.locate for d in rule.depends_on))
        for rule in ordered_rules
    ]
    results: list[Result] = []
    append = results.append
    new = tuple.__new__  # Result is a NamedTuple; this skips its Python-level __new__ (300,000 calls)
    for name, subject in named:
        origin = subject.location
        scope = subject.scope
        for rule, title, key_of, memo, shared_location in prepared:
            if scope != "export" and rule.locate != scope:
                continue  # a role or bucket on its own: only the rules about it apply
            key = key_of(subject)
            hit = memo.get(key)
            if hit is None:
                hit = memo[key] = (outcome(rule, subject, lang), _fact_location(rule, subject))
            (status, message, remediation, evidence), location = hit
            if location is None or not shared_location:
                location = _location(rule, subject)
            append(new(Result, (rule.id, title, rule.severity, rule.category, status, name, rule.prevents,
                                message, remediation, location, evidence, rule.references, origin,
                                None, None, False)))  # resource, waiver, baselined
    return results
