"""GitHub Actions workflow commands: one annotation per finding, on the file and line to fix.

``fail`` → ``::error`` / ``::warning`` / ``::notice`` by severity (error / warning / info); ``unknown`` →
``::error`` when it fails the run, else ``::warning``; waived and baselined findings → ``::notice`` saying
so. Warnings about waivers are ``::warning`` on the waiver. The last line is the summary, as plain text.
Escaping follows the workflow-command rules: in the message ``%``, CR and LF become ``%25``, ``%0D``,
``%0A``; in properties also ``:`` and ``,`` (``%3A``, ``%2C``).
"""

from __future__ import annotations

from preflight.escape import github_data, github_property, text_line
from preflight.i18n import colon, t
from preflight.model import Location, Report, Result, Severity, Status
from preflight.reporters import RenderOptions
from preflight.reporters._common import Words, fails, summary_line, verdict_line

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
#: results that are not annotated (unless baselined)
_QUIET = frozenset({Status.PASS, Status.SKIP})


escape_data = github_data
escape_property = github_property


def command(kind: str, message: str, title: str, where: Location | None) -> str:
    props = []
    if where is not None:
        props.append(f"file={escape_property(where.path)}")
        if where.line:
            props.append(f"line={where.line}")
    props.append(f"title={escape_property(title)}")
    return f"::{kind} {','.join(props)}::{escape_data(message)}"


def _annotation(r: Result, report: Report, words: Words) -> str | None:
    lang = report.lang
    if r.status in _QUIET and not r.baselined:
        return None  # (as below, without wording what is not shown)
    # a rule's title states what should hold: the annotation's title says how that came out
    title = t("gh_title", lang, rule=r.rule_id, status=t(f"st_{r.status.value}", lang), title=words(r.title))
    message, remediation = words(r.message), words(r.remediation)
    body = message + (f"\n{t('fix', lang)}{colon(lang)}{remediation}" if remediation else "")
    body += f"\n({r.subject})"
    if r.status is Status.WAIVED and r.waiver is not None:
        reason = t("waived_by", lang, reason=r.waiver.reason)
        return command("notice", f"{reason} ({t('at', lang)} {r.waiver.source})\n{message}", title, r.location)
    if r.baselined:
        return command("notice", f"{t('baselined', lang)}\n{message}", title, r.location)
    if r.status is Status.FAIL:
        return command(COMMAND[r.severity], body, title, r.location)
    if r.status is Status.UNKNOWN:
        return command("error" if fails(r, report) else "warning", body, title, r.location)
    return None


def render(report: Report, options: RenderOptions | None = None) -> str:
    lang = report.lang
    words = Words(lang)
    out = [line for r in report.results if (line := _annotation(r, report, words)) is not None]
    out += [command("warning", n.message.get(lang), "preflight", n.where) for n in report.notes]
    out.append(summary_line(report))
    if report.baseline is not None:
        out.append(t("baseline_line", lang, **{**report.baseline.as_dict(), "path": text_line(report.baseline.path)}))
    out.append(verdict_line(report))
    return "\n".join(out) + "\n"
