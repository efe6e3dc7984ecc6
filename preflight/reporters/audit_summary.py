"""The fleet summary of ``preflight audit`` as lines of text (the text and Markdown reports put it first)."""

from __future__ import annotations

from preflight.audit_model import Verdict
from preflight.escape import text_line
from preflight.i18n import render, t
from preflight.model import Report


def summary_lines(report: Report, *, indent: str = "  ") -> list[str]:
    """What a reviewer reads first: images audited and their verdicts, accounts not read, blockers ranked by
    the images each stops, counts per account and region, unsafe roles and buckets. Untrusted text (names,
    reasons from the cloud) is escaped for a terminal."""
    audit, lang = report.audit, report.lang
    if audit is None:
        return []

    def counts(account: str | None = None, region: str | None = None) -> dict[str, int]:
        values = {v.value: audit.count(v, account, region) for v in Verdict}
        return {"images": sum(values.values()), **values}

    out = [t("audit.summary_head", lang, accounts=len(audit.accounts), **counts())]
    unreachable = audit.unreachable()
    if unreachable:
        out.append(t("audit.unreachable", lang, accounts=text_line(", ".join(unreachable))))
    blockers = audit.blockers()
    if blockers:
        out.append(t("audit.blockers", lang))
        out += [f"{indent}{n:>6}  {rule:<6} {text_line(render(audit.titles.get(rule, ''), lang))}"
            for rule, n in blockers]
    out.append(t("audit.per_account", lang))
    for a in audit.accounts:
        label = f"{a.account_id} ({a.name})" if a.name else a.account_id
        out.append(f"{indent}{text_line(label)}: {t('audit.counts', lang, **counts(a.account_id))}")
        regions = sorted({*a.regions, *(i.region for i in audit.images if i.account == a.account_id)})
        for region in regions:
            out.append(f"{indent * 2}{text_line(region)}: {t('audit.counts', lang, **counts(a.account_id, region))}")
        for g in audit.gaps:
            if g.account == a.account_id:
                where = f"{text_line(g.region)}: " if g.region else ""
                out.append(f"{indent * 2}{where}{t('audit.gap_line', lang, reason=text_line(g.reason))}")
    if audit.unsafe:
        out.append(t("audit.unsafe", lang))
        out += [indent + t("audit.unsafe_line", lang, kind=t(f"audit.kind_{u.kind}", lang), name=text_line(u.name),
                           account=text_line(u.account), rules=", ".join(u.rules), images=u.images)
                for u in audit.unsafe]
    return out


def markdown_lines(report: Report) -> list[str]:
    """The same summary in Markdown: a table per account and region, the blockers, what was not read, the
    unsafe roles and buckets (every untrusted text escaped for Markdown)."""
    from preflight.escape import markdown_cell_text, markdown_text

    audit, lang = report.audit, report.lang
    if audit is None:
        return []

    def row(account: str, region: str, a: str | None, r: str | None) -> str:
        n = {v: audit.count(v, a, r) for v in Verdict}
        return (f"| {markdown_cell_text(account)} | {markdown_cell_text(region)} | {sum(n.values())} | "
                f"{n[Verdict.EXPORTABLE]} | {n[Verdict.BLOCKED]} | {n[Verdict.UNKNOWN]} |")

    totals = {v.value: audit.count(v) for v in Verdict}
    out = [f"### {t('audit.md_title', lang)}", "",
           markdown_text(t("audit.summary_head", lang, accounts=len(audit.accounts),
                           images=sum(totals.values()), **totals)), ""]
    if audit.unreachable():
        out += [markdown_text(t("audit.unreachable", lang, accounts=", ".join(audit.unreachable()))), ""]
    out += [t("audit.md_header", lang), "|---|---|---:|---:|---:|---:|"]
    for a in audit.accounts:
        label = f"{a.account_id} ({a.name})" if a.name else a.account_id
        out.append(row(label, "", a.account_id, None))
        for region in sorted({*a.regions, *(i.region for i in audit.images if i.account == a.account_id)}):
            out.append(row("", region, a.account_id, region))
    out.append("")
    blockers = audit.blockers()
    if blockers:
        out += [markdown_text(t("audit.blockers", lang)), ""]
        out += [f"- {markdown_text(rule)} {markdown_text(render(audit.titles.get(rule, ''), lang))}: {n}"
                for rule, n in blockers]
        out.append("")
    if audit.gaps:
        out += [f"- {markdown_text(g.account + ('/' + g.region if g.region else ''))}: "
                f"{markdown_text(t('audit.gap_line', lang, reason=g.reason))}" for g in audit.gaps]
        out.append("")
    if audit.unsafe:
        out += [markdown_text(t("audit.unsafe", lang)), ""]
        out += ["- " + markdown_text(t("audit.unsafe_line", lang, kind=t(f"audit.kind_{u.kind}", lang), name=u.name,
                                       account=u.account, rules=", ".join(u.rules), images=u.images))
                for u in audit.unsafe]
        out.append("")
    return out
