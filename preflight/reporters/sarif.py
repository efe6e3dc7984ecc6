"""SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps, IDE viewers).

- ``tool.driver.rules``: every evaluated rule, with id, name, short and full description, help (the
  remediation), ``helpUri`` (the first reference), its default level, tags, and for security rules a
  ``security-severity`` (error 8.0, warning 5.0, info 2.0).
- Results: ``fail`` (level by severity: error→error, warning→warning, info→note), ``unknown`` (level
  ``warning`` when it fails the run, else ``note``; the message says it could not be checked) and
  ``waived`` (with a ``suppressions`` entry: the waiver's reason as justification; ``inSource`` for inline
  waivers). Passes and skips are not results (the rules list shows what was checked).
- ``partialFingerprints["preflight/v1"]``: rule id + export subject + resource, no line numbers.
- Locations: the file and line to fix, relative to ``%SRCROOT%`` (the working directory, declared in
  ``originalUriBaseIds`` without an absolute URI, so the log is the same on every machine); a file outside
  the working directory gets a ``file://`` URI. Every result also has a logical location: the export.
- Warnings about waivers (expired, reasonless, cannot silence a mandatory rule) are
  ``invocations[0].toolExecutionNotifications``.
- With ``--baseline``: ``baselineState`` is ``unchanged`` for baselined findings, ``new`` for the others.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from preflight import __version__
from preflight.i18n import t
from preflight.model import Category, Location, Report, Result, RuleInfo, Severity, Status
from preflight.reporters import RenderOptions
from preflight.reporters._common import FINDINGS, LEVEL, Words, fails, rule_infos

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.INFO: "2.0"}
#: GitHub's ``problem.severity`` for rules that are not security rules
PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}


def artifact_location(path: str) -> dict[str, Any]:
    """A path of the report as a SARIF artifact location: relative to %SRCROOT%, or a file:// URI."""
    if PurePosixPath(path).is_absolute():
        return {"uri": "file://" + quote(path)}
    if PureWindowsPath(path).is_absolute():
        return {"uri": PureWindowsPath(path).as_uri()}
    return {"uri": quote(path), "uriBaseId": SRCROOT}


def _physical(loc: Location) -> dict[str, Any]:
    out: dict[str, Any] = {"artifactLocation": artifact_location(loc.path)}
    if loc.line:
        out["region"] = {"startLine": loc.line}
    return out


def _descriptor(info: RuleInfo, lang: str) -> dict[str, Any]:
    properties: dict[str, Any] = {"tags": [info.category.value], "precision": "very-high"}
    if info.category is Category.SECURITY:
        properties["tags"] = ["security"]
        properties["security-severity"] = SECURITY_SEVERITY[info.severity]
    else:
        properties["problem.severity"] = PROBLEM_SEVERITY[info.severity]
    if info.prevents:
        properties["prevents"] = list(info.prevents)
    if info.mandatory:
        properties["mandatory"] = True
    out: dict[str, Any] = {
        "id": info.id,
        "name": info.name,
        "shortDescription": {"text": info.title.get(lang)},
        "fullDescription": {"text": (info.description or info.title).get(lang)},
        "help": {"text": info.remediation.get(lang) or info.title.get(lang)},
    }
    if info.references:
        out["helpUri"] = info.references[0]
    out["defaultConfiguration"] = {"level": LEVEL[info.severity]}
    out["properties"] = properties
    return out


def _level(r: Result, report: Report) -> str:
    if r.status is Status.UNKNOWN:
        return "warning" if fails(r, report) else "note"
    return LEVEL[r.severity]


def _result(r: Result, report: Report, index: dict[str, int], words: Words) -> dict[str, Any]:
    out: dict[str, Any] = {"ruleId": r.rule_id}
    if r.rule_id in index:
        out["ruleIndex"] = index[r.rule_id]
    out["level"] = _level(r, report)
    text = words(r.message)
    if r.status is Status.UNKNOWN and not text:
        text = t("unknown_result", report.lang, title=words(r.title))
    out["message"] = {"text": text}
    location: dict[str, Any] = {}
    if r.location is not None:
        location["physicalLocation"] = _physical(r.location)
    location["logicalLocations"] = [{"name": r.subject, "kind": "resource"}]
    out["locations"] = [location]
    out["partialFingerprints"] = {"preflight/v1": r.fingerprint}
    if report.baseline is not None:
        out["baselineState"] = "unchanged" if r.baselined else "new"
    if r.waiver is not None:
        w = r.waiver
        suppression: dict[str, Any] = {"kind": "inSource" if w.inline else "external", "status": "accepted",
                                       "justification": w.reason, "location": {"physicalLocation": _physical(w.source)}}
        extra = {k: v for k, v in (("owner", w.owner), ("expires", w.expires.isoformat() if w.expires else None))
                 if v is not None}
        if extra:
            suppression["properties"] = extra
        out["suppressions"] = [suppression]
    properties: dict[str, Any] = {"status": r.status.value, "severity": r.severity.value,
                                  "category": r.category.value, "subject": r.subject}
    if r.account is not None:  # preflight audit: whose account the finding is in
        properties["account"] = r.account
    if r.prevents:
        properties["prevents"] = list(r.prevents)
    remediation = words(r.remediation)
    if remediation:
        properties["remediation"] = remediation
    if r.evidence:
        properties["evidence"] = r.evidence
    out["properties"] = properties
    return out


def render(report: Report, options: RenderOptions | None = None) -> str:
    lang = report.lang
    infos = rule_infos(report)
    index = {info.id: i for i, info in enumerate(infos)}
    words = Words(lang)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "preflight", "version": __version__, "semanticVersion": __version__,
                            "rules": [_descriptor(info, lang) for info in infos]}},
        "originalUriBaseIds": {SRCROOT: {"description": {"text": t("sarif_base", lang)}}},
        "language": "zh-CN" if lang == "zh" else "en-US",
        "results": [_result(r, report, index, words) for r in report.results if r.status in FINDINGS],
        "columnKind": "unicodeCodePoints",
        "properties": {"mode": report.mode.value, "ok": report.ok, "threshold": report.threshold.value,
                       "summary": report.summary.as_dict()},
    }
    if report.baseline is not None:
        run["properties"]["baseline"] = report.baseline.as_dict()
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if report.notes:
        invocation["toolExecutionNotifications"] = [
            {"level": "warning", "message": {"text": n.message.get(lang)},
             **({"locations": [{"physicalLocation": _physical(n.where)}]} if n.where else {})}
            for n in report.notes
        ]
    run["invocations"] = [invocation]
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
