"""The JSON report (design.md; ``schemas/report.schema.json``): a versioned contract other tools read.

Additive to schema_version 1 (optional keys, present only when they apply): ``waiver`` on a waived result
(reason, owner, expires, source), ``baselined: true`` on a finding recorded in the ``--baseline`` file,
and in the envelope ``baseline`` (path, new, still_present, gone) and ``warnings`` (notes about waivers).
``preflight audit`` (mode ``audit``) adds ``account`` on each result and the ``audit`` summary in the envelope.

Layout: the envelope is indented; each result is one compact line. That keeps reports diff- and grep-able
and lets the C encoder do the work (``json.dumps`` with ``indent`` falls back to pure Python, which took
9 s for a 300,000-result report).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from preflight import __version__
from preflight.model import Location, Report, Result

SCHEMA_VERSION = 1


def result_dict(r: Result) -> dict[str, Any]:
    return {
        "rule_id": r.rule_id,
        "title": r.title,
        "severity": r.severity.value,
        "category": r.category.value,
        "status": r.status.value,
        "subject": r.subject,
        "prevents": list(r.prevents),
        "message": r.message,
        "remediation": r.remediation,
        "location": None if r.location is None else {"path": r.location.path, "line": r.location.line},
        "evidence": r.evidence,
        **_optional(r),
    }


def _optional(r: Result) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if r.waiver is not None:
        extra["waiver"] = r.waiver.as_dict()
    if r.baselined:
        extra["baselined"] = True
    if r.account is not None:
        extra["account"] = r.account
    return extra


def audit_dict(report: Report) -> dict[str, Any]:
    """The fleet summary (``preflight audit``): counts, blockers ranked, per account and region, gaps, unsafe
    roles and buckets."""
    from preflight.audit_model import Verdict

    audit = report.audit
    assert audit is not None

    def counts(account: str | None = None, region: str | None = None) -> dict[str, int]:
        values = {v.value: audit.count(v, account, region) for v in Verdict}
        return {"images": sum(values.values()), **values}

    accounts = []
    for a in audit.accounts:
        regions = sorted({*a.regions, *(i.region for i in audit.images if i.account == a.account_id)})
        accounts.append({
            "account_id": a.account_id, "name": a.name, **counts(a.account_id),
            "regions": [{"region": r, **counts(a.account_id, r)} for r in regions],
            "gaps": [{"region": g.region, "reason": g.reason} for g in audit.gaps if g.account == a.account_id],
        })
    return {
        **counts(),
        "blockers": [{"rule_id": rule, "title": audit.titles.get(rule, ""), "images": n}
                     for rule, n in audit.blockers()],
        "unreachable": list(audit.unreachable()),
        "accounts": accounts,
        "unsafe": [{"account": u.account, "kind": u.kind, "name": u.name, "rules": list(u.rules), "images": u.images}
                   for u in audit.unsafe],
    }


def envelope(report: Report) -> dict[str, Any]:
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "preflight", "version": __version__},
        "mode": report.mode.value,
        "ok": report.ok,
        "summary": report.summary.as_dict(),
    }
    if report.baseline is not None:
        out["baseline"] = report.baseline.as_dict()
    if report.audit is not None:
        out["audit"] = audit_dict(report)
    if report.notes:
        out["warnings"] = [
            {"message": n.message.get(report.lang),
             "location": None if n.where is None else {"path": n.where.path, "line": n.where.line}}
            for n in report.notes
        ]
    return out


def report_dict(report: Report) -> dict[str, Any]:
    return {**envelope(report), "results": [result_dict(r) for r in report.results]}


def render(report: Report, options: object = None) -> str:
    return "".join(chunks(report, options))


def chunks(report: Report, options: object = None, batch: int = 2000) -> Iterator[str]:
    """The report in pieces that join to :func:`render`'s text, so a large one can be written as it is made
    (a 10,000-export report is ~200 MB: one string of it costs seconds of copying and 1.5 GB of memory)."""
    yield json.dumps(envelope(report), indent=2, ensure_ascii=False)[:-2]  # without the closing "\n}"
    if not report.results:
        yield ',\n  "results": []\n}\n'
        return
    encoder = _ResultEncoder()
    results = report.results
    for start in range(0, len(results), batch):
        lead = ',\n  "results": [\n    ' if start == 0 else ",\n    "
        yield lead + ",\n    ".join(encoder.lines(results[start:start + batch]))
    yield "\n  ]\n}\n"


class _ResultEncoder:
    """Encodes results exactly as ``json.dumps(result_dict(r))`` would (a test holds the two equal), reusing
    what results share: a rule's fixed fields, and the location, message and evidence objects that the
    engine hands to every export with the same facts. A 10,000-export check has 300,000 results."""

    def __init__(self) -> None:
        self._dump = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
        self._string = json.encoder.encode_basestring  # C-accelerated
        self._rule: dict[tuple[str, str], str] = {}
        self._by_id: dict[int, str] = {}

    def _shared(self, value: Any) -> str:
        # keyed by identity: every such object is held by a result for as long as this encoder lives
        key = id(value)
        text = self._by_id.get(key)
        if text is None:
            plain = {"path": value.path, "line": value.line} if isinstance(value, Location) else value
            text = self._by_id[key] = self._dump(plain)
        return text

    def _text(self, value: str) -> str:
        # a message or remediation object is shared by every result with the same facts (a PF505 fix is
        # ~5 KB): encode each object once
        key = id(value)
        text = self._by_id.get(key)
        if text is None:
            text = self._by_id[key] = self._string(value)
        return text

    def lines(self, results: tuple[Result, ...]) -> list[str]:
        out = []
        for r in results:
            fixed = self._rule.get((r.rule_id, r.title))
            if fixed is None:
                fixed = self._rule[(r.rule_id, r.title)] = self._dump(
                    {"rule_id": r.rule_id, "title": r.title, "severity": r.severity.value,
                     "category": r.category.value})[:-1]
            loc = "null" if r.location is None else self._shared(r.location)
            out.append(
                f'{fixed}, "status": "{r.status.value}", "subject": {self._string(r.subject)}, '
                f'"prevents": {self._shared(r.prevents)}, "message": {self._text(r.message)}, '
                f'"remediation": {self._text(r.remediation)}, "location": {loc}, '
                f'"evidence": {self._shared(r.evidence) if r.evidence else "{}"}'
                + (f", {self._dump(_optional(r))[1:-1]}}}"
                   if r.waiver is not None or r.baselined or r.account is not None else "}")
            )
        return out
