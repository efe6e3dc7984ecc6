"""Small helpers the reporters share (no I/O)."""

from __future__ import annotations

from preflight.i18n import t, word
from preflight.model import Report, Result, RuleInfo, Severity, Status, Text, fails_run

#: SARIF / annotation level of each severity
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


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
            title = Text(r.title, r.title)
            seen[r.rule_id] = RuleInfo(r.rule_id, r.rule_id, title, None, r.severity, r.category, r.prevents,
                                       r.references, Text(r.remediation, r.remediation))
    return tuple(sorted(seen.values(), key=lambda i: i.id))


#: results that are findings (passes and skips are not)
FINDINGS = frozenset({Status.FAIL, Status.UNKNOWN, Status.WAIVED})
