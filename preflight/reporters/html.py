"""The HTML report for reviewers (``--format html``): one self-contained file, read top-down.

The verdict first (go / no-go / could not tell, with counts), the mode and inputs; then one card per subject
(an export, or an image in an audit; grouped by account when results carry one) with its blocking findings,
then its other findings, its passes and skips folded away; the rules with their counts; a footer with the
version and the time of the run (:attr:`RenderOptions.generated_at`, injected so the output is reproducible).

- Self-contained: the CSS and JavaScript (``html_assets/``) are inlined; the page makes no request, works from
  ``file://``, prints, and reads the same without JavaScript (filters, the URL-fragment state, copy buttons
  and on-demand lists are enhancements).
- Safe: every value from the inputs goes through :func:`preflight.escape.html_text`; the rule texts' code
  spans and fenced blocks are cut by :func:`preflight.escape.rich_parts` and their text escaped too. The
  Content-Security-Policy allows nothing but the page's own inline style and script, by hash: even markup that
  slipped through could not run a script or load anything.
- Large: a report of more than :data:`LARGE` results counts its passes and skips per rule and embeds them as
  JSON data that the rules table lists on demand; its findings that do not fail the run are shown short, and a
  repeated fix links to its first showing (10,000 exports: see ``bench/bench_html.py``).
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from preflight import __version__
from preflight.escape import html_text, rich_parts
from preflight.i18n import t, word
from preflight.model import Report, Result, Severity, Status, failing_predicate
from preflight.reporters import RenderOptions
from preflight.reporters._common import Words, rule_infos, summary_line, verdict_line

#: results above which a page is *large*: passes and skips are counted per rule (listed on demand, not one by
#: one), findings that do not fail the run are short (the rule's fix, in the rules table, not their own), and
#: a fix repeated word for word links to its first showing
LARGE = 3000
#: code spans longer than this get a copy button and a line of their own
LONG_CODE = 100
#: subject cards per piece of output
BATCH = 200

_QUIET = frozenset((Status.PASS, Status.SKIP))
_ORDER = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.WAIVED: 2, Status.PASS: 3, Status.SKIP: 4}
_SEV_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_STATUSES = ("fail", "unknown", "waived", "pass", "skip")
_SEVERITIES = ("error", "warning", "info")
_CATEGORIES = ("precondition", "security", "hygiene")

e = html_text


@functools.cache
def _asset(name: str) -> str:
    return resources.files("preflight.reporters").joinpath("html_assets", name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def content_security_policy() -> str:
    """Nothing but this page's own inline style and script (by hash), and ``data:`` images."""
    return (f"default-src 'none'; style-src '{_sha256(_asset('report.css'))}'; "
            f"script-src '{_sha256(_asset('report.js'))}'; img-src data:; base-uri 'none'; form-action 'none'")


def verdict(report: Report) -> str:
    """``nogo`` when a failure fails the run, ``unsure`` when only unknowns do, else ``go``."""
    failing = report.failing
    if any(r.status is Status.FAIL for r in failing):
        return "nogo"
    return "unsure" if failing else "go"


def _account(r: Result) -> str | None:
    """The account a result belongs to, where the report covers several (``audit``)."""
    account = getattr(r, "account", None)
    return str(account) if account else None


def _order(r: Result) -> tuple[int, int, str]:
    return _ORDER[r.status], _SEV_ORDER[r.severity], r.rule_id


def _subjects(results: Iterable[Result]) -> list[tuple[str | None, str, list[Result]]]:
    """(account, subject, results) in the report's order, grouped by account when results carry one."""
    groups: dict[tuple[str | None, str], list[Result]] = {}
    for r in results:
        groups.setdefault((_account(r), r.subject), []).append(r)
    out = [(account, subject, rs) for (account, subject), rs in groups.items()]
    if any(account for account, _, _ in out):
        out.sort(key=lambda g: g[0] or "")  # (stable: the report's order within an account)
    return out


# ---------------------------------------------------------------------------------------------------------
# pieces of markup


def _badge(kind: str, label: str) -> str:
    return f'<span class="badge b-{kind}">{e(label)}</span>'


def _copy_button(lang: str) -> str:
    return (f'<button type="button" class="copy" hidden data-copied="{e(t("html.copied", lang))}">'
            f'{e(t("html.copy", lang))}</button>')


def rich(text: str, lang: str) -> str:
    """A rule text (message, remediation) as HTML: its code spans as ``<code>``, long ones and fenced blocks
    with a copy button, fenced blocks folded; everything else escaped text."""
    out: list[str] = []
    for part in rich_parts(text):
        if part.kind == "text":
            out.append(e(part.text))
        elif part.kind == "break":
            out.append("<br>")
        elif part.kind == "code" and len(part.text) <= LONG_CODE:
            out.append(f"<code>{e(part.text)}</code>")
        elif part.kind == "code":
            out.append(f'<span class="codebox"><code class="longcode">{e(part.text)}</code>'
                       f"{_copy_button(lang)}</span>")
        else:
            lines = part.text.count("\n") + 1
            label = t("html.code_block", lang, lang=part.lang or t("html.code", lang), lines=lines)
            out.append(f'<details class="codeblock"><summary>{e(label)}</summary><div class="codebox">'
                       f"<pre><code>{e(part.text)}</code></pre>{_copy_button(lang)}</div></details>")
    return "".join(out)


def _value(v: Any) -> str:
    """An evidence value: text as text, a short list as a list, anything nested as indented JSON."""
    if isinstance(v, str):
        return e(v)
    if isinstance(v, list) and all(isinstance(x, str | int | float | bool) or x is None for x in v):
        if len(v) <= 1:
            return ", ".join(e(x) if isinstance(x, str) else f"<code>{e(json.dumps(x))}</code>" for x in v) or "[]"
        return "<ul>" + "".join(f"<li>{_value(x)}</li>" for x in v) + "</ul>"
    if not isinstance(v, dict | list):
        return f"<code>{e(json.dumps(v))}</code>"
    dumped = json.dumps(v, indent=2, ensure_ascii=False, default=str)
    return f"<pre><code>{e(dumped)}</code></pre>"


def _evidence(evidence: dict[str, Any], lang: str) -> str:
    if not evidence:
        return ""
    rows = "".join(f"<dt><code>{e(str(k))}</code></dt><dd>{_value(v)}</dd>" for k, v in evidence.items())
    return f'<details class="evidence"><summary>{e(t("evidence", lang))}</summary><dl>{rows}</dl></details>'


def _link(url: str) -> str:
    """A reference: a link only when it is http(s), otherwise its text (no ``javascript:`` to click)."""
    if url.lower().startswith(("https://", "http://")):
        return f'<a href="{e(url)}" rel="noopener noreferrer">{e(url)}</a>'
    return f"<code>{e(url)}</code>"


def _data(r: Result) -> str:
    return (f'data-status="{e(r.status.value)}" data-severity="{e(r.severity.value)}" '
            f'data-category="{e(r.category.value)}" data-rule="{e(r.rule_id)}"')


@dataclass
class Page:
    """What rendering one page keeps track of: its language, whether it is large (:data:`LARGE`), which
    results fail the run, and (large pages) the fixes already shown, so a repeated one links to the first."""

    lang: str
    large: bool
    fails: Callable[[Result], bool]
    fixes: dict[str, int] = field(default_factory=dict)
    count: int = 0
    #: the results' messages in the page's language (each worded once)
    words: Words = field(default_factory=lambda: Words("en"))

    @classmethod
    def of(cls, report: Report, large: bool | None = None) -> Page:
        return cls(report.lang, len(report.results) > LARGE if large is None else large,
                   failing_predicate(report.threshold, report.unknown_fails), words=Words(report.lang))


def _rule_link(rule_id: str) -> str:
    return f'<a class="rule" href="#rule-{e(rule_id)}"><code>{e(rule_id)}</code></a>'


def _waiver(r: Result, lang: str) -> str:
    out = ""
    if r.waiver is not None:
        w = r.waiver
        parts = [e(t("waived_by", lang, reason=w.reason))]
        if w.owner:
            parts.append(e(t("waiver_owner", lang, owner=w.owner)))
        if w.expires:
            parts.append(e(t("waiver_expires", lang, expires=w.expires.isoformat())))
        parts.append(f"{e(t('html.waiver_source', lang))} <code>{e(str(w.source))}</code>")
        out += f'<p class="waiver">{" · ".join(parts)}</p>'
    if r.baselined:
        out += f'<p class="waiver">{e(t("baselined", lang))}</p>'
    return out


def _fix(r: Result, page: Page, anchor: str) -> str:
    """The result's fix; on a large page, a fix already shown word for word links to where it is."""
    label = f'<span class="label">{e(t("fix", page.lang))}:</span> '
    remediation = page.words(r.remediation)
    if page.large:
        first = page.fixes.get(remediation)
        if first is not None:
            return (f'<div class="fix">{label}<a href="#f-{first}">{e(t("html.same_fix", page.lang))}</a>'
                    "</div>")
        page.fixes[remediation] = page.count
    return f'<div class="fix"{anchor}>{label}{rich(remediation, page.lang)}</div>'


def finding(r: Result, page: Page, *, full: bool = True) -> str:
    """One finding: what, where, which API error it prevents, the waiver, the evidence and the fix. A short
    one (``full=False``: a finding that does not fail the run, on a large page) is one paragraph: status,
    severity, rule (a link to its row, with the title, the errors it prevents and the rule's fix), message
    and location, and its waiver."""
    lang = page.lang
    page.count += 1
    badges = (f'{_badge(r.status.value, t(f"st_{r.status.value}", lang))} '
              f'{_badge("sev", word(r.severity.value, lang))} ')
    location = f"<code>{e(str(r.location))}</code>" if r.location is not None else ""
    if not full:
        return (f'<article class="finding short st-{e(r.status.value)}" {_data(r)}><p>{badges}'
                f'{_rule_link(r.rule_id)} {rich(page.words(r.message), lang)}{" · " + location if location else ""}</p>'
                f"{_waiver(r, lang)}</article>")
    head = f'{badges}{_badge("cat", word(r.category.value, lang))} {_rule_link(r.rule_id)} {e(page.words(r.title))}'
    facts = []
    if location:
        facts.append((t("location", lang), location))
    if r.prevents:
        facts.append((t("prevents", lang), ", ".join(f"<code>{e(p)}</code>" for p in r.prevents)))
    out = [f'<article class="finding st-{e(r.status.value)}" {_data(r)}><h4>{head}</h4>',
           f'<div class="msg">{rich(page.words(r.message), lang)}</div>']
    if facts:
        out.append("<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>")
    out.append(_waiver(r, lang))
    out.append(_evidence(r.evidence, lang))
    if page.words(r.remediation):
        out.append(_fix(r, page, f' id="f-{page.count}"' if page.large else ""))
    out.append("</article>")
    return "".join(out)


def _quiet_item(r: Result, page: Page) -> str:
    lang = page.lang
    return (f'<li class="finding q" {_data(r)}>{_badge(r.status.value, t(f"st_{r.status.value}", lang))} '
            f'<code class="rule">{e(r.rule_id)}</code> {e(page.words(r.message))}</li>')


def subject_card(index: int, subject: str, results: list[Result], page: Page) -> str:
    """A subject's card: blocking findings, then the others, then its passes and skips folded away. On a
    large page the other findings are short (their fix is the rule's, in the rules table) and the passes
    and skips only counted."""
    lang = page.lang
    origin = results[0].origin
    out = [f'<section class="subject" id="s-{index}" data-subject="{e(subject)}"><h2>{e(subject)}</h2>']
    if origin is not None:
        out.append(f'<p class="origin">{e(t("html.origin", lang))} <code>{e(str(origin))}</code></p>')
    blocking = sorted((r for r in results if page.fails(r)), key=_order)
    other = sorted((r for r in results if r.status not in _QUIET and not page.fails(r)), key=_order)
    for key, group, full in (("html.blocking", blocking, True), ("html.other", other, not page.large)):
        if group:
            out.append(f'<div class="group"><h3>{e(t(key, lang))} ({len(group)})</h3>')
            out += [finding(r, page, full=full) for r in group]
            out.append("</div>")
    quiet = sorted((r for r in results if r.status in _QUIET), key=_order)
    passed = sum(1 for r in quiet if r.status is Status.PASS)
    label = e(t("html.quiet", lang, passed=passed, skipped=len(quiet) - passed))
    if quiet and not page.large:
        out.append(f'<details class="quiet"><summary>{label}</summary><ul>'
                   + "".join(_quiet_item(r, page) for r in quiet) + "</ul></details>")
    elif quiet:
        out.append(f'<p class="quiet-count">{label}</p>')
    out.append("</section>")
    return "".join(out)


# ---------------------------------------------------------------------------------------------------------
# the page


def _select(name: str, label: str, values: Iterable[tuple[str, str]], lang: str) -> str:
    options = "".join(f'<option value="{e(v)}">{e(shown)}</option>' for v, shown in values)
    return (f'<label>{e(label)}<select name="{name}"><option value="">{e(t("html.all", lang))}</option>'
            f"{options}</select></label>")


def _head(report: Report, subjects: int, inputs: list[str]) -> str:
    lang = report.lang
    v = verdict(report)
    title = t("html.title", lang, verdict=t(f"html.{v}", lang))
    counts = "".join(f'<li class="b-{name}" id="count-{name}"><b>{n}</b>{e(t(f"st_{name}", lang))}</li>'
                     for name, n in report.summary.as_dict().items())
    audit = report.mode.value == "audit"
    meta = [(t("html.mode", lang), e(word(report.mode.value, lang))),
            (t("html.subjects_image" if audit else "html.subjects_export", lang), str(subjects)),
            (t("html.rules_count", lang), str(len({r.rule_id for r in report.results}))),
            (t("html.threshold", lang), e(word(report.threshold.value, lang))),
            (t("html.inputs", lang),
             "<ul>" + "".join(f"<li><code>{e(p)}</code></li>" for p in inputs) + "</ul>" if inputs
             else e(t("html.no_inputs", lang)))]
    if report.baseline is not None:
        meta.append((t("baselined", lang), e(t("baseline_line", lang, **report.baseline.as_dict()))))
    rules = [(i.id, f"{i.id} · {i.title.get(lang)}") for i in rule_infos(report)]
    filters = (f'<form id="filters" hidden aria-label="{e(t("html.filters", lang))}">'
               + _select("status", t("status", lang), ((s, t(f"st_{s}", lang)) for s in _STATUSES), lang)
               + _select("severity", t("severity", lang), ((s, word(s, lang)) for s in _SEVERITIES), lang)
               + _select("category", t("html.category", lang), ((c, word(c, lang)) for c in _CATEGORIES), lang)
               + _select("rule", t("rule", lang), rules, lang)
               + f'<label>{e(t("html.search", lang))}<input type="search" name="q" '
               f'placeholder="{e(t("html.search_hint", lang))}"></label>'
               f'<button type="button" id="filters-reset">{e(t("html.reset", lang))}</button>'
               f'<span id="shown" data-template="{e(t("html.shown", lang, shown="{shown}", total="{total}"))}">'
               "</span></form>")
    return "".join([
        "<!DOCTYPE html>\n",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">\n',
        f'<meta http-equiv="Content-Security-Policy" content="{e(content_security_policy())}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f'<meta name="generator" content="preflight {e(__version__)}">\n',
        f"<title>{e(title)}</title>\n<style>{_asset('report.css')}</style>\n</head>\n<body>\n",
        f'<header class="verdict v-{v}" id="verdict" data-verdict="{v}"><h1>{e(t(f"html.{v}", lang))}</h1>',
        f'<p>{e(verdict_line(report))}</p><p>{e(summary_line(report))}</p><ul class="counts">{counts}</ul>',
        '<dl class="meta">' + "".join(f"<dt>{e(k)}</dt><dd>{val}</dd>" for k, val in meta) + "</dl></header>\n",
        filters,
        f'\n<p id="nothing-shown" hidden>{e(t("html.nothing_shown", lang))}</p>\n',
    ])


def _notes(report: Report) -> str:
    if not report.notes:
        return ""
    lang = report.lang
    items = "".join(f"<li>{f'<code>{e(str(n.where))}</code>: ' if n.where else ''}{e(n.message.get(lang))}</li>"
                    for n in report.notes)
    return f'<section class="notes"><h2>{e(t("html.run_warnings", lang))}</h2><ul>{items}</ul></section>\n'


def _rules_table(report: Report, page: Page) -> str:
    """Every rule evaluated: its counts by status, references and (from the rule file) its fix; on a large
    page, where each rule passed or did not apply, listed on demand."""
    lang = report.lang
    counts = Counter((r.rule_id, r.status) for r in report.results)
    references = {r.rule_id: r.references for r in report.results}
    head = "".join(f"<th>{e(x)}</th>" for x in (t("rule", lang), t("html.title_col", lang), t("severity", lang),
                                                 t("html.category", lang)))
    head += "".join(f'<th class="n">{e(t(f"st_{s}", lang))}</th>' for s in _STATUSES)
    rows = []
    for info in rule_infos(report):
        cells = "".join(f'<td class="n">{counts[(info.id, Status(s))]}</td>' for s in _STATUSES)
        about = [e(info.title.get(lang))]
        refs = references.get(info.id) or info.references
        if refs:
            about.append(f'<br>{e(t("html.references", lang))}: ' + " ".join(_link(u) for u in refs))
        if report.rules and info.remediation.get(lang):  # (the rule file's own text, placeholders as <name>)
            about.append(f'<details class="rule-fix"><summary>{e(t("fix", lang))}</summary>'
                         f"{rich(info.remediation.get(lang), lang)}</details>")
        if page.large and counts[(info.id, Status.PASS)] + counts[(info.id, Status.SKIP)]:
            about.append(f'<details class="on-demand" hidden data-rule="{e(info.id)}"><summary>'
                         f'{e(t("html.passes_of", lang, rule=info.id))}</summary></details>')
        rows.append(f'<tr id="rule-{e(info.id)}"><td><code>{e(info.id)}</code></td><td>{"".join(about)}</td>'
                    f"<td>{e(word(info.severity.value, lang))}</td><td>{e(word(info.category.value, lang))}</td>"
                    f"{cells}</tr>")
    note = ""
    if page.large:
        quiet_total = report.summary.passed + report.summary.skipped
        note = f'<p class="large-note">{e(t("html.large_note", lang, count=quiet_total))}</p>'
    return (f'<section id="rules"><h2>{e(t("html.rules", lang))}</h2>{note}<table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></section>\n")


def _script_json(value: Any) -> str:
    """JSON inside a ``<script type="application/json">``: ASCII (no control or noncharacter an HTML parser
    rejects) without ``<``, ``>`` or ``&`` (nothing that could end the element)."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _quiet_data(groups: list[tuple[str | None, str, list[Result]]], lang: str) -> str:
    statuses = [t("st_pass", lang), t("st_skip", lang)]
    by_rule: dict[str, list[list[int]]] = {}
    for index, (_, _, results) in enumerate(groups):
        for r in results:
            if r.status in _QUIET:
                by_rule.setdefault(r.rule_id, []).append([index, 0 if r.status is Status.PASS else 1])
    data = {"subjects": [subject for _, subject, _ in groups], "statuses": statuses, "rules": by_rule}
    return f'<script type="application/json" id="quiet-data">{_script_json(data)}</script>\n'


def _footer(report: Report, options: RenderOptions | None) -> str:
    lang = report.lang
    at = options.generated_at if options is not None else None
    if at is None:
        text = t("html.footer_no_time", lang, version=__version__)
    else:
        stamp = at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if at.tzinfo else at.isoformat()
        text = t("html.footer", lang, version=__version__, time=stamp)
    return f'<footer id="footer">{e(text)}</footer>\n'


def _inputs(report: Report) -> list[str]:
    paths = {r.origin.path for r in report.results if r.origin is not None}
    paths |= {r.location.path for r in report.results if r.location is not None}
    return sorted(paths)


def chunks(report: Report, options: RenderOptions | None = None, batch: int = BATCH) -> Iterator[str]:
    """The page in pieces (``batch`` subject cards or so each) that join to :func:`render`'s text."""
    lang = report.lang
    groups = _subjects(report.results)
    page = Page.of(report)
    yield _head(report, len(groups), _inputs(report))
    out = [_notes(report), '<main id="subjects">\n']
    if not groups:
        out.append(f"<p>{e(t('html.no_results', lang))}</p>\n")
    account: str | None = None
    for index, (acc, subject, results) in enumerate(groups):
        if acc != account:
            if account is not None:
                out.append("</section>\n")
            if acc:
                out.append(f'<section class="account" data-account="{e(acc)}"><h2>'
                           f'{e(t("html.account", lang, account=acc))}</h2>\n')
            account = acc
        out.append(subject_card(index, subject, results, page) + "\n")
        if len(out) >= batch:
            yield "".join(out)
            out = []
    if account is not None:
        out.append("</section>\n")
    out.append("</main>\n")
    out.append(_rules_table(report, page))
    if page.large:
        out.append(_quiet_data(groups, lang))
    out.append(_footer(report, options))
    out.append(f"<script>{_asset('report.js')}</script>\n</body>\n</html>\n")
    yield "".join(out)


def render(report: Report, options: RenderOptions | None = None) -> str:
    return "".join(chunks(report, options))
