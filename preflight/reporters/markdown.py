"""Markdown for ``$GITHUB_STEP_SUMMARY`` and pull-request comments: a verdict, a summary table, then every
finding that fails the run with its remediation; other findings, waived ones and warnings in short tables."""

from __future__ import annotations

from preflight.i18n import colon, t, word
from preflight.model import Report, Result, Status
from preflight.reporters import RenderOptions
from preflight.reporters._common import fails, summary_line, verdict_line

_STATUS_KEYS = (("pass", "st_pass"), ("fail", "st_fail"), ("unknown", "st_unknown"), ("skip", "st_skip"),
                ("waived", "st_waived"))


def cell(text: str) -> str:
    """Text safe inside a table cell: pipes escaped, line breaks as <br>."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _failure(r: Result, lang: str) -> list[str]:
    out = [f"#### {word(r.severity.value, lang)} · {r.rule_id} · {r.title}", "",
           f"- **{t('md_export', lang)}**{colon(lang)}{_code(r.subject)}"]
    if r.location is not None:
        out.append(f"- **{t('location', lang)}**{colon(lang)}{_code(str(r.location))}")
    if r.prevents:
        out.append(f"- **{t('prevents', lang)}**{colon(lang)}{', '.join(_code(p) for p in r.prevents)}")
    out.append(f"- **{t('message', lang)}**{colon(lang)}{r.message}")
    if r.remediation:
        out.append(f"- **{t('fix', lang)}**{colon(lang)}{r.remediation}")
    out.append("")
    return out


def render(report: Report, options: RenderOptions | None = None) -> str:
    lang = report.lang
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
    if report.baseline is not None:
        out += [t("baseline_line", lang, **report.baseline.as_dict()), ""]
    out += [f"### {t('md_failures', lang)} ({len(failing)})", ""]
    if not failing:
        out += [t("md_none", lang), ""]
    for r in failing:
        out += _failure(r, lang)
    others = [r for r in report.results if r.status in (Status.FAIL, Status.UNKNOWN) and not fails(r, report)]
    if others:
        out += [f"### {t('md_other', lang)} ({len(others)})", "",
                f"| {t('severity', lang)} | {t('rule', lang)} | {t('status', lang)} | {t('md_export', lang)} | "
                f"{t('message', lang)} | {t('location', lang)} |", "|---|---|---|---|---|---|"]
        for r in others:
            status = t(f"st_{r.status.value}", lang) + (f" · {t('baselined', lang)}" if r.baselined else "")
            out.append(f"| {word(r.severity.value, lang)} | {r.rule_id} | {status} | {cell(r.subject)} | "
                       f"{cell(r.message)} | {cell(str(r.location or ''))} |")
        out.append("")
    waived = [r for r in report.results if r.waiver is not None]
    if waived:
        out += [f"### {t('md_waived', lang)} ({len(waived)})", "",
                f"| {t('rule', lang)} | {t('md_export', lang)} | {t('reason', lang)} | {t('owner', lang)} | "
                f"{t('expires', lang)} | {t('location', lang)} |", "|---|---|---|---|---|---|"]
        for r in waived:
            w = r.waiver
            assert w is not None
            out.append(f"| {r.rule_id} | {cell(r.subject)} | {cell(w.reason)} | {cell(w.owner or '')} | "
                       f"{w.expires.isoformat() if w.expires else ''} | {cell(str(w.source))} |")
        out.append("")
    if report.notes:
        out += [f"### {t('md_warnings', lang)}", ""]
        out += [f"- {_code(str(n.where)) + ': ' if n.where else ''}{n.message.get(lang)}" for n in report.notes]
        out.append("")
    out.append(summary_line(report))
    return "\n".join(out) + "\n"
