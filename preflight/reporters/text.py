"""The text report for people: grouped by export, failures first with why and how to fix, a summary line."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from operator import attrgetter

from preflight import __version__
from preflight.escape import text_block, text_line
from preflight.i18n import colon, pad, t, word
from preflight.i18n import render as word_message
from preflight.model import Message, Report, Result, Severity, Status, is_export_name
from preflight.reporters import RenderOptions
from preflight.reporters._common import summary_line, verdict_line

_MARK = {Status.FAIL: "✗", Status.UNKNOWN: "?", Status.WAIVED: "~", Status.PASS: "✓", Status.SKIP: "-"}
_COLOR = {Status.FAIL: "31", Status.UNKNOWN: "33", Status.WAIVED: "36", Status.PASS: "32", Status.SKIP: "2"}
_ORDER = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.WAIVED: 2, Status.PASS: 3, Status.SKIP: 4}
_SEV_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_QUIET = frozenset((Status.PASS, Status.SKIP))
_SUBJECT = attrgetter("subject")
_STATUS = attrgetter("status")


#: where a finding's texts continue on their next lines
_INDENT = " " * 18


class _Blocks:
    """Each message of the results as its text block (worded in the report's language, escaped, its lines
    after the first indented), made once while it is in use: the engine hands one message to every export
    with the same facts. At most :data:`_KEPT` blocks are kept (a 10,000-export check has 11,000 distinct
    ~1 KB fixes, each shown once: keeping them all held 40 MB)."""

    __slots__ = ("_by_id", "_lang")

    def __init__(self, lang: str) -> None:
        self._lang = lang
        self._by_id: dict[int, str] = {}

    def __call__(self, message: Message) -> str:
        block = self._by_id.get(id(message))
        if block is None:  # (held by a result for as long as the report is rendered: the identity is its own)
            if len(self._by_id) >= _KEPT:
                self._by_id.clear()
            block = self._by_id[id(message)] = text_block(word_message(message, self._lang), _INDENT)
        return block


#: how many text blocks :class:`_Blocks` keeps
_KEPT = 2048


def _order(r: Result) -> tuple[int, int, str]:
    return _ORDER[r.status], _SEV_ORDER[r.severity], r.rule_id


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def _finding(r: Result, report: Report, color: bool, labels: dict[str, str], blocks: _Blocks) -> list[str]:
    lang = report.lang
    mark = _paint(_MARK[r.status], _COLOR[r.status], color)
    sev = pad(word(r.severity.value, lang), 7)
    if r.status is Status.FAIL and r.severity is Severity.ERROR:
        sev = _paint(sev, "1;31", color)
    indent = _INDENT
    lines = [f"  {mark} {sev} {r.rule_id:<6} {blocks(r.message)}"]
    details = []
    if r.location is not None:
        details.append(f"{labels['at']} {text_line(str(r.location))}")
    if r.prevents:
        details.append(f"{labels['prevents']} {text_line(', '.join(r.prevents))}")
    if details:
        lines.append(indent + _paint(" · ".join(details), "2", color))
    if r.waiver is not None:
        w = r.waiver
        parts = [t("waived_by", lang, reason=text_line(w.reason))]
        if w.owner:
            parts.append(t("waiver_owner", lang, owner=text_line(w.owner)))
        if w.expires:
            parts.append(t("waiver_expires", lang, expires=w.expires.isoformat()))
        parts.append(f"{t('at', lang)} {text_line(str(w.source))}")
        lines.append(indent + _paint(" · ".join(parts), "36", color))
    if r.baselined:
        lines.append(indent + _paint(t("baselined", lang), "2", color))
    remediation = blocks(r.remediation)
    if remediation:
        lines.append(f"{indent}{labels['fix']}{colon(lang)}{remediation}")
    return lines


def render(report: Report, options: RenderOptions) -> str:
    return "".join(chunks(report, options))


def chunks(report: Report, options: RenderOptions, batch: int = 500) -> Iterator[str]:
    """The text report in pieces (a few hundred exports each) that join to :func:`render`'s text."""
    color, lang = options.color, report.lang
    labels = {key: t(key, lang) for key in ("at", "prevents", "fix")}
    blocks = _Blocks(lang)
    subjects = {r.subject for r in report.results}
    rules = {r.rule_id for r in report.results}
    exports = sum(1 for s in subjects if is_export_name(s))
    header = t("header", lang, version=__version__, mode=word(report.mode.value, lang), exports=exports,
               rules=len(rules))
    if exports < len(subjects):  # IaC: roles and buckets checked on their own are not exports
        header += t("header_others", lang, others=len(subjects) - exports)
    out = [_paint(header, "1", color), ""]
    if report.audit is not None:  # preflight audit: the fleet summary comes first
        from preflight.reporters.audit_summary import summary_lines

        out += [*summary_lines(report), ""]
    if not report.results:
        out += [t("no_exports", lang), ""]
    for subject, grouped in groupby(report.results, key=_SUBJECT):
        group = list(grouped)
        origin = group[0].origin
        head = f"● {text_line(subject)}" + (f"  ({text_line(str(origin))})" if origin else "")
        out.append(_paint(head, "1", color))
        # passing and not-applicable results are only counted unless --verbose (most of a large check)
        shown = group if options.verbose else [r for r in group if r.status not in _QUIET]
        for r in sorted(shown, key=_order):
            if r.status in _QUIET:
                out.append(f"  {_paint(_MARK[r.status], _COLOR[r.status], color)} "
                           f"{pad(word(r.severity.value, lang), 7)} "
                           f"{r.rule_id:<6} {blocks(r.message)}")
            else:
                out += _finding(r, report, color, labels, blocks)
        if not options.verbose:
            passed = list(map(_STATUS, group)).count(Status.PASS)
            quiet_line = t("quiet_line", lang, passed=passed, skipped=len(group) - len(shown) - passed)
            out.append(f"  {_paint('✓', '32', color)} {quiet_line}")
        out.append("")
        if len(out) >= batch:
            yield "\n".join(out) + "\n"
            out = []
    for note in report.notes:
        where = f"{text_line(str(note.where))}: " if note.where else ""
        message = text_block(note.message.get(lang), "  ")
        out.append(_paint(f"{t('warning', lang)}{colon(lang)}{where}{message}", "33", color))
    if report.notes:
        out.append("")
    out.append(summary_line(report))
    if report.baseline is not None:
        out.append(t("baseline_line", lang, **{**report.baseline.as_dict(), "path": text_line(report.baseline.path)}))
    out.append(_paint(verdict_line(report), "1;32" if report.ok else "1;31", color))
    yield "\n".join(out) + "\n"
