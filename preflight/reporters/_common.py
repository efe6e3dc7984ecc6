"""Small helpers the reporters share (no I/O)."""

from __future__ import annotations

from preflight.i18n import render, t, word
from preflight.model import Message, Report, Result, RuleInfo, Severity, Status, Text, fails_run

#: SARIF / annotation level of each severity
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


class Words:
    """Words the messages of a report's results (title, message, remediation) in one language, each message
    once: the engine hands one message object to every export with the same facts, so a reporter keyed by
    the object's identity words a 360,000-result report's few hundred distinct texts, not 360,000.

    Only for messages the report's results hold (they outlive this cache, so an identity is never reused)."""

    __slots__ = ("_by_id", "lang")

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._by_id: dict[int, str] = {}

    def __call__(self, message: Message) -> str:
        text = self._by_id.get(id(message))
        if text is None:  # (a plain string is worded as itself, and kept like any other message)
            text = self._by_id[id(message)] = render(message, self.lang)
        return text


def fails(r: Result, report: Report) -> bool:
    return fails_run(r, report.threshold, report.unknown_fails)


def summary_line(report: Report) -> str:
    """"N checks: … passed, … failed, …" in the report's language."""
    return t("summary", report.lang, total=len(report.results), **report.summary.as_dict())


def verdict_line(report: Report) -> str:
    """Whether anything at or above the threshold fails the run, in the report's language."""
    lang, failing = report.lang, report.failing
    threshold = word(report.threshold.value, lang)
    return (t("verdict_ok", lang, threshold=threshold) if not failing
            else t("verdict_fail", lang, count=len(failing), threshold=threshold))


def rule_infos(report: Report) -> tuple[RuleInfo, ...]:
    """The evaluated rules; derived from the results when the report was built without them."""
    if report.rules:
        return report.rules
    seen: dict[str, RuleInfo] = {}
    for r in report.results:
        if r.rule_id not in seen:
            title, remediation = (Text(render(m, "en"), render(m, "zh")) for m in (r.title, r.remediation))
            seen[r.rule_id] = RuleInfo(r.rule_id, r.rule_id, title, None, r.severity, r.category, r.prevents,
                                       r.references, remediation)
    return tuple(sorted(seen.values(), key=lambda i: i.id))


#: results that are findings (passes and skips are not)
FINDINGS = frozenset({Status.FAIL, Status.UNKNOWN, Status.WAIVED})
