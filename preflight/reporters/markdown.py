"""Markdown for ``$GITHUB_STEP_SUMMARY`` and pull-request comments: a verdict, a summary table, then every
finding that fails the run with its remediation; other findings, waived ones and warnings in short tables."""

from __future__ import annotations

from preflight.escape import markdown_cell, markdown_cell_text, markdown_code, markdown_rich, markdown_text
from preflight.i18n import colon, t, word
from preflight.model import Report, Result, Status
from preflight.reporters import RenderOptions
from preflight.reporters._common import Words, fails, summary_line, verdict_line

_STATUS_KEYS = (("pass", "st_pass"), ("fail", "st_fail"), ("unknown", "st_unknown"), ("skip", "st_skip"),
                ("waived", "st_waived"))


#: a rule text (message, remediation) in a table cell: its code spans kept, the rest escaped, pipes escaped
cell = markdown_cell
_code = markdown_code


def _failure(r: Result, lang: str, words: Words) -> list[str]:
    out = [f"#### {word(r.severity.value, lang)} · {markdown_text(r.rule_id)} · {markdown_text(words(r.title))}", "",
           f"- **{t('md_export', lang)}**{colon(lang)}{_code(r.subject)}"]
    if r.location is not None:
        out.append(f"- **{t('location', lang)}**{colon(lang)}{_code(str(r.location))}")
    if r.prevents:
        out.append(f"- **{t('prevents', lang)}**{colon(lang)}{', '.join(_code(p) for p in r.prevents)}")
    out.append(f"- **{t('message', lang)}**{colon(lang)}{markdown_rich(words(r.message))}")
    remediation = words(r.remediation)
    if remediation:
        out.append(f"- **{t('fix', lang)}**{colon(lang)}{markdown_rich(remediation)}")
    out.append("")
    return out


def render(report: Report, options: RenderOptions | None = None) -> str:
    lang = report.lang
    words = Words(lang)
    failing = report.failing
    mark = "✅" if not failing else "❌"
    title = t("md_title_ok" if not failing else "md_title_fail", lang)
    s = report.summary
    counts = s.as_dict()
    out = [f"## {mark} {title}", "",
           verdict_line(report), "",
           f"| {t('status', lang)} | {t('count', lang)} |", "|---|---:|"]
    out += [f"| {t(key, lang)} | {counts[name]} |" for name, key in _STATUS_KEYS]
    out.append("")
    if report.audit is not None:  # preflight audit: the fleet summary
        from preflight.reporters.audit_summary import markdown_lines

        out += markdown_lines(report)
    if report.baseline is not None:
        path = markdown_text(report.baseline.path)
        out += [t("baseline_line", lang, **{**report.baseline.as_dict(), "path": path}), ""]
    out += [f"### {t('md_failures', lang)} ({len(failing)})", ""]
    if not failing:
        out += [t("md_none", lang), ""]
    for r in failing:
        out += _failure(r, lang, words)
    others = [r for r in report.results if r.status in (Status.FAIL, Status.UNKNOWN) and not fails(r, report)]
    if others:
        out += [f"### {t('md_other', lang)} ({len(others)})", "",
                f"| {t('severity', lang)} | {t('rule', lang)} | {t('status', lang)} | {t('md_export', lang)} | "
                f"{t('message', lang)} | {t('location', lang)} |", "|---|---|---|---|---|---|"]
        for r in others:
            status = t(f"st_{r.status.value}", lang) + (f" · {t('baselined', lang)}" if r.baselined else "")
            out.append(f"| {word(r.severity.value, lang)} | {markdown_cell_text(r.rule_id)} | {status} | "
                       f"{markdown_cell_text(r.subject)} | {cell(words(r.message))} | "
                       f"{markdown_cell_text(str(r.location or ''))} |")
        out.append("")
    waived = [r for r in report.results if r.waiver is not None]
    if waived:
        out += [f"### {t('md_waived', lang)} ({len(waived)})", "",
                f"| {t('rule', lang)} | {t('md_export', lang)} | {t('reason', lang)} | {t('owner', lang)} | "
                f"{t('expires', lang)} | {t('location', lang)} |", "|---|---|---|---|---|---|"]
        for r in waived:
            w = r.waiver
            assert w is not None
            out.append(f"| {markdown_cell_text(r.rule_id)} | {markdown_cell_text(r.subject)} | "
                       f"{markdown_cell_text(w.reason)} | {markdown_cell_text(w.owner or '')} | "
                       f"{w.expires.isoformat() if w.expires else ''} | {markdown_cell_text(str(w.source))} |")
        out.append("")
    if report.notes:
        out += [f"### {t('md_warnings', lang)}", ""]
        out += [f"- {_code(str(n.where)) + ': ' if n.where else ''}{markdown_rich(n.message.get(lang), blocks=False)}"
                for n in report.notes]
        out.append("")
    out.append(summary_line(report))
    return "\n".join(out) + "\n"
