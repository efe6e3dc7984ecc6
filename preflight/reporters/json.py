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
from preflight.i18n import render as render_message
from preflight.model import Location, Message, Report, Result, Status

SCHEMA_VERSION = 1


def result_dict(r: Result, lang: str = "en") -> dict[str, Any]:
    """One result as the report's JSON object, its texts in ``lang``."""
    return {
        "rule_id": r.rule_id,
        "title": render_message(r.title, lang),
        "severity": r.severity.value,
        "category": r.category.value,
        "status": r.status.value,
        "subject": r.subject,
        "prevents": list(r.prevents),
        "message": render_message(r.message, lang),
        "remediation": render_message(r.remediation, lang),
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
        "blockers": [{"rule_id": rule, "title": render_message(audit.titles.get(rule, ""), report.lang), "images": n}
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
    return {**envelope(report), "results": [result_dict(r, report.lang) for r in report.results]}


def render(report: Report, options: object = None) -> str:
    return "".join(chunks(report, options))


def chunks(report: Report, options: object = None, batch: int = 2000) -> Iterator[str]:
    """The report in pieces that join to :func:`render`'s text, so a large one can be written as it is made
    (a 10,000-export report is ~200 MB: one string of it costs seconds of copying and 1.5 GB of memory)."""
    yield json.dumps(envelope(report), indent=2, ensure_ascii=False)[:-2]  # without the closing "\n}"
    if not report.results:
        yield ',\n  "results": []\n}\n'
        return
    encoder = _ResultEncoder(report.lang)
    results = report.results
    for start in range(0, len(results), batch):
        lead = ',\n  "results": [\n    ' if start == 0 else ",\n    "
        yield lead + ",\n    ".join(encoder.lines(results[start:start + batch]))
    yield "\n  ]\n}\n"


#: the longest encoded message text :class:`_ResultEncoder` keeps for the next middle that holds the message
#: (at most ~2.5 MB for a 10,000-export check's 11,000 distinct texts)
_KEPT_TEXT = 240


class _ResultEncoder:
    """Encodes results exactly as ``json.dumps(result_dict(r, lang))`` would (a test holds the two equal),
    reusing what results share: a rule's fixed fields, and the location, message and evidence objects that
    the engine hands to every export with the same facts. A 10,000-export check has 300,000 results."""

    def __init__(self, lang: str = "en") -> None:
        self._lang = lang
        self._dump = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
        self._string = json.encoder.encode_basestring  # C-accelerated
        #: (rule id, identity of the title message, status) -> the encoded fields before the subject's value
        #: (a title is a rule's Text, held by every result of the rule: its identity is cheaper to hash)
        self._heads: dict[tuple[str, int, Status], str] = {}
        #: identities of (prevents, message, remediation) -> the encoded fields after it, up to the location
        self._middles: dict[tuple[int, int, int], str] = {}
        self._by_id: dict[int, str] = {}
        self._texts: dict[int, str] = {}  # identity of a message -> its encoded text, when short

    def _shared(self, value: Any) -> str:
        # keyed by identity: every such object is held by a result for as long as this encoder lives
        key = id(value)
        text = self._by_id.get(key)
        if text is None:
            plain = {"path": value.path, "line": value.line} if isinstance(value, Location) else value
            text = self._by_id[key] = self._dump(plain)
        return text

    def _text(self, value: Message) -> str:
        # a short text is kept, by the identity of its message (held by a result for as long as this encoder
        # lives): one message is the remediation of every unknown outcome, 4,500 middles of a 500-file tree;
        # a long one is not: it is part of the middle that is (a PF505 fix is ~5 KB; a second copy of every
        # distinct one, as a 10,000-export check has 11,000, would cost ~30 MB)
        text = self._texts.get(id(value))
        if text is None:
            text = self._string(render_message(value, self._lang))
            if len(text) <= _KEPT_TEXT:
                self._texts[id(value)] = text
        return text

    def _head(self, r: Result) -> str:
        """Up to the subject's value: a rule's fixed fields and the status."""
        fixed = self._dump({"rule_id": r.rule_id, "title": render_message(r.title, self._lang),
                            "severity": r.severity.value, "category": r.category.value})[:-1]
        return f'{fixed}, "status": "{r.status.value}", "subject": '

    def _middle(self, r: Result) -> str:
        """After the subject's value, up to the location: what a rule's outcome shares between exports."""
        return (f', "prevents": {self._shared(r.prevents)}, "message": {self._text(r.message)}, '
                f'"remediation": {self._text(r.remediation)}, "location": ')

    def lines(self, results: tuple[Result, ...]) -> list[str]:
        # a result is its subject, location and evidence between two shared pieces, each encoded once and
        # keyed by the identities of what it is made of: the head (rule, title, status) and the middle
        # (prevents, message, remediation: the objects the engine hands to every export with the same facts);
        # the lookups are inlined, as this runs for each of a large check's 360,000 results
        out: list[str] = []
        append, string, heads, middles = out.append, self._string, self._heads, self._middles
        by_id, shared = self._by_id, self._shared
        for r in results:
            head = heads.get((r.rule_id, id(r.title), r.status))
            if head is None:
                head = heads[(r.rule_id, id(r.title), r.status)] = self._head(r)
            middle = middles.get((id(r.prevents), id(r.message), id(r.remediation)))
            if middle is None:
                middle = middles[(id(r.prevents), id(r.message), id(r.remediation))] = self._middle(r)
            loc, evidence = r.location, r.evidence
            where = "null" if loc is None else by_id.get(id(loc)) or shared(loc)
            facts = (by_id.get(id(evidence)) or shared(evidence)) if evidence else "{}"
            if r.waiver is not None or r.baselined or r.account is not None:
                append(f'{head}{string(r.subject)}{middle}{where}, "evidence": {facts}, '
                       f"{self._dump(_optional(r))[1:-1]}}}")
            else:
                append(f'{head}{string(r.subject)}{middle}{where}, "evidence": {facts}}}')
        return out
