"""Governed waivers: accepted risks with a reason, an owner and an expiry date.

The waivers file (``.preflight/waivers.yaml``, ``schemas/waivers.schema.json``) is found from the working
directory up to the repository root, named in ``.preflight.yaml`` (``waivers:``) or given with ``--waivers``::

    waivers:
      - rule: PF210                     # a rule id, a list of ids, or "*" (every rule: needs a scope)
        subject: "cn-hangzhou/m-bp1*"   # optional glob on the export subject
        resource: "bucket/corp-*"       # optional glob on the resource (IaC address, or image/…, bucket/…)
        paths: ["infra/*.tf"]           # optional globs on the finding's file (relative to the working dir)
        reason: Data disks are exported separately (TICKET-123)    # required
        owner: platform-team@example.com
        expires: 2026-12-31             # inclusive; a YAML date, unquoted or quoted

:func:`apply` is pure (``today`` is injected) and takes waivers of any origin: this file, or inline IaC
comments, which are :class:`~preflight.model.Waiver` values with one file and a line range as scope.
"""

from __future__ import annotations

import datetime
import fnmatch
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from preflight.errors import Listing, Msg, PreflightError
from preflight.i18n import both
from preflight.model import OPEN_FINDINGS, Location, Note, Result, Status, Text, Waiver

__all__ = ["KEYS", "Waiver", "apply", "lint", "load", "matches", "parse"]

KEYS = ("rule", "subject", "resource", "paths", "reason", "owner", "expires")
WAIVABLE = OPEN_FINDINGS
#: the names a result's resource goes by (an IaC address, ``bucket/NAME``, …); a resource glob matches any
ResourceOf = Callable[[Result], tuple[str, ...]]


def _default_resource(r: Result) -> tuple[str, ...]:
    return ()  # a resource glob matches nothing unless the caller says what resources results are about


# ---------------------------------------------------------------------------------------------------------
# Loading


def load(path: Path) -> list[Waiver]:
    from preflight.config import load_yaml

    data, display, line_of = load_yaml(path)
    return parse(data, display, line_of)


def parse(data: Any, display: str, line_of: Callable[[list[str | int]], int]) -> list[Waiver]:
    problems: list[tuple[str | None, Msg]] = []

    def bad(where: list[str | int], message_key: str, /, **values: object) -> None:
        problems.append((f"{display}:{line_of(where)}", Msg(message_key, **values)))

    if data is None:
        return []
    if not isinstance(data, Mapping):
        bad([], "err_yaml_mapping", keys="waivers")
        raise PreflightError.many(problems)
    for key in data:
        if key not in ("version", "waivers"):
            bad([key], "err_unknown_key", key=key, allowed=Listing(("version", "waivers")))
    if "version" in data and data["version"] != 1:
        bad(["version"], "err_type", key="version", expected="1")
    entries = data.get("waivers") or []
    if not isinstance(entries, list):
        bad(["waivers"], "err_type", key="waivers", expected="a list")
        entries = []
    out = []
    for i, entry in enumerate(entries):
        where: list[str | int] = ["waivers", i]
        if not isinstance(entry, Mapping):
            bad(where, "err_type", key=f"waivers[{i}]", expected="a mapping")
            continue
        before = len(problems)
        for key in entry:
            if key not in KEYS:
                bad([*where, key], "err_unknown_key", key=key, allowed=Listing(KEYS))
        rules = _rules(entry.get("rule"))
        if "rule" not in entry:
            bad(where, "err_required", key="rule")
        elif rules is None:
            bad([*where, "rule"], "err_type", key="rule", expected="a rule id, a list of rule ids, or '*'")
        texts: dict[str, str | None] = {}
        for key in ("subject", "resource", "reason", "owner"):
            value = entry.get(key)
            if value is not None and not isinstance(value, str):
                bad([*where, key], "err_type", key=key, expected="a string")
                value = None
            texts[key] = value
        paths = entry.get("paths", [])
        if isinstance(paths, str):
            paths = [paths]
        if not isinstance(paths, list) or not all(isinstance(p, str) and p for p in paths):
            bad([*where, "paths"], "err_type", key="paths", expected="a list of strings")
            paths = []
        expires = _date(entry.get("expires"))
        if "expires" in entry and expires is None:
            bad([*where, "expires"], "err_bad_date", value=entry.get("expires"))
        if rules and "*" in rules and not (texts["subject"] or texts["resource"] or paths):
            bad([*where, "rule"], "err_star_unscoped")
        if len(problems) > before or rules is None:
            continue
        out.append(Waiver(
            rules=rules, reason=(texts["reason"] or "").strip(), source=Location(display, line_of(where)),
            subject_glob=texts["subject"], resource_glob=texts["resource"], path_globs=tuple(paths),
            owner=texts["owner"], expires=expires,
        ))
    if problems:
        raise PreflightError.many(problems)
    return out


def _rules(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str) and value.strip():
        return (value.strip(),)
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(v.strip() for v in value)
    return None


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value  # YAML's unquoted 2026-12-31
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


# ---------------------------------------------------------------------------------------------------------
# Applying


def matches(w: Waiver, r: Result, resource_of: ResourceOf = _default_resource) -> bool:
    """Is the result in the waiver's scope (rule, subject, resource, file, lines)?"""
    if not w.covers_rule(r.rule_id):
        return False
    if w.subject_glob is not None and not fnmatch.fnmatchcase(r.subject, w.subject_glob):
        return False
    if w.path_globs or w.lines:
        loc = r.location
        if loc is None:
            return False
        if w.path_globs and not any(fnmatch.fnmatchcase(loc.path, g) for g in w.path_globs):
            return False
        if w.lines and not (loc.line is not None and w.lines[0] <= loc.line <= w.lines[1]):
            return False
    glob = w.resource_glob
    return glob is None or any(fnmatch.fnmatchcase(name, glob) for name in resource_of(r))


def active(w: Waiver, today: datetime.date) -> bool:
    return bool(w.reason) and not w.expired(today)


def _rules_text(w: Waiver) -> str:
    return ", ".join(w.rules)


def _note(key: str, w: Waiver, **values: object) -> Note:
    return Note(both(key, rules=_rules_text(w), **values), w.source)


def apply(
    results: Sequence[Result],
    waivers: Sequence[Waiver],
    mandatory: Iterable[str],
    today: datetime.date,
    resource_of: ResourceOf = _default_resource,
) -> tuple[list[Result], list[Note]]:
    """Turn each ``fail``/``unknown`` result that an active waiver covers into ``waived`` (with the waiver).

    An expired or reasonless waiver waives nothing: its findings stay failing and a note says so. No waiver
    silences a mandatory rule (a note says so too). Pure: ``today`` is given, nothing is read.
    """
    if not waivers:
        return list(results), []
    must = frozenset(mandatory)
    out: list[Result] = []
    # (note key, waiver index, mandatory rule) -> count of findings
    counts: dict[tuple[str, int, str], int] = {}
    by_rule: dict[str, list[tuple[int, Waiver]]] = {}
    for r in results:
        if r.status not in WAIVABLE:
            out.append(r)
            continue
        candidates = by_rule.get(r.rule_id)
        if candidates is None:
            candidates = by_rule[r.rule_id] = [(i, w) for i, w in enumerate(waivers) if w.covers_rule(r.rule_id)]
        hits = [(i, w) for i, w in candidates if matches(w, r, resource_of)]
        if not hits:
            out.append(r)
            continue
        if r.rule_id in must:
            for i, _w in hits:
                counts[("note_mandatory", i, r.rule_id)] = counts.get(("note_mandatory", i, r.rule_id), 0) + 1
            out.append(r)
            continue
        chosen = next((w for _i, w in hits if active(w, today)), None)
        if chosen is not None:
            out.append(r._replace(status=Status.WAIVED, waiver=chosen))
            continue
        for i, w in hits:
            key = "note_no_reason" if not w.reason else "note_expired"
            counts[(key, i, "")] = counts.get((key, i, ""), 0) + 1
        out.append(r)
    notes = []
    for (key, i, rule), count in sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2])):
        w = waivers[i]
        notes.append(_note(key, w, count=count, rule=rule,
                           expires=w.expires.isoformat() if w.expires else ""))
    return out, notes


def unknown_rule_notes(waivers: Sequence[Waiver], known: Iterable[str]) -> list[Note]:
    """A note for each waiver naming a rule this run does not have (it can never waive anything)."""
    known = set(known)
    return [_note("note_unknown_rule", w, rule=rule) for w in waivers for rule in w.rules
            if rule != "*" and rule not in known]


# ---------------------------------------------------------------------------------------------------------
# Lint


@dataclass(frozen=True, slots=True)
class Problem:
    """A problem found in a waiver, with where it is written."""

    where: Location
    message: Text

    def line(self, lang: str) -> str:
        return f"{self.where}: {self.message.get(lang)}"


def _problem(w: Waiver, key: str, **values: object) -> Problem:
    return Problem(w.source, both(key, **values))


def lint(
    waivers: Sequence[Waiver],
    known_rules: Iterable[str],
    mandatory: Iterable[str],
    today: datetime.date,
    results: Sequence[Result] | None = None,
    resource_of: ResourceOf = _default_resource,
) -> list[Problem]:
    """Expired, reasonless, unknown-rule and mandatory-rule waivers; with ``results`` (a run without
    waivers), also the waivers that match no failing or unknown result."""
    known, must = set(known_rules), set(mandatory)
    out: list[Problem] = []
    findings = [r for r in results if r.status in WAIVABLE] if results is not None else None
    for w in waivers:
        if w.expired(today):
            out.append(_problem(w, "lint_expired", expires=w.expires.isoformat() if w.expires else ""))
        if not w.reason:
            out.append(_problem(w, "lint_no_reason"))
        for rule in w.rules:
            if rule != "*" and rule not in known:
                out.append(_problem(w, "lint_unknown_rule", rule=rule))
            elif rule in must:
                out.append(_problem(w, "lint_mandatory", rule=rule))
        if findings is not None and not any(matches(w, r, resource_of) for r in findings):
            out.append(_problem(w, "lint_never_matches"))
    return out
