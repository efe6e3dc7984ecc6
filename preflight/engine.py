"""The engine: rules × subjects → results. Pure: no I/O, no clock, deterministic sorted output."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from preflight.facts import Subject, Unknown
from preflight.i18n import t
from preflight.model import Location, Result, Status
from preflight.rules import Rule, Tri, format_value


def to_json(v: Any) -> Any:
    """A fact value as plain JSON (dataclasses become objects; unknown facts say why)."""
    if isinstance(v, Unknown):
        return {"unknown": v.reason}
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {f.name: to_json(getattr(v, f.name)) for f in dataclasses.fields(v) if f.metadata.get("fact", True)}
    if isinstance(v, list | tuple):
        return [to_json(x) for x in v]
    return v


def _location(rule: Rule, subject: Subject) -> Location | None:
    target = getattr(subject, rule.locate, None)
    loc = getattr(target, "location", None)
    return loc if isinstance(loc, Location) else subject.location


def _evidence(rule: Rule, subject: Subject) -> dict[str, Any]:
    return {key: to_json(get(subject)) for key, get in rule.evidence}


def _unknown_text(u: Unknown, lang: str) -> str:
    if u.path:
        return t("unknown_fact", lang, path=u.path, reason=u.reason)
    return t("unknown_plain", lang, reason=u.reason)


def evaluate_one(rule: Rule, subject: Subject, lang: str = "en") -> Result:
    status: Status
    outcome: Tri = True
    if rule.when is not None:
        applies = rule.when(subject, subject)
        if applies is False:
            status = Status.SKIP
        elif isinstance(applies, Unknown):
            status, outcome = Status.UNKNOWN, applies
        else:
            outcome = rule.check(subject, subject)
            status = _status(outcome)
    else:
        outcome = rule.check(subject, subject)
        status = _status(outcome)

    title = rule.title.get(lang)
    message, remediation, evidence = title, "", {}
    if status is Status.FAIL:
        message = rule.message.render(subject, lang)
        remediation = rule.remediation.render(subject, lang)
        evidence = _evidence(rule, subject)
    elif status is Status.UNKNOWN:
        assert isinstance(outcome, Unknown)
        message = _unknown_text(outcome, lang)
        remediation = t("unknown_remediation", lang)
        evidence = _evidence(rule, subject)
    elif status is Status.SKIP:
        message = t("skipped", lang, title=title)
    return Result(
        rule_id=rule.id,
        title=title,
        severity=rule.severity,
        category=rule.category,
        status=status,
        subject=subject.name,
        prevents=rule.prevents,
        message=message,
        remediation=remediation,
        location=_location(rule, subject),
        evidence=evidence,
        references=rule.references,
        origin=subject.location,
    )


def _status(outcome: Tri) -> Status:
    if outcome is True:
        return Status.PASS
    if outcome is False:
        return Status.FAIL
    return Status.UNKNOWN


def evaluate(rules: Sequence[Rule], subjects: Sequence[Subject], lang: str = "en") -> list[Result]:
    """Every rule on every subject, sorted by subject, location and rule id."""
    results = [evaluate_one(rule, subject, lang) for subject in subjects for rule in rules]
    results.sort(key=lambda r: r.sort_key)
    return results


__all__ = ["evaluate", "evaluate_one", "format_value", "to_json"]
