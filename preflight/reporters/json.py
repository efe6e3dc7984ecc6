"""The JSON report (design.md; ``schemas/report.schema.json``): a versioned contract other tools read."""

from __future__ import annotations

import json
from typing import Any

from preflight import __version__
from preflight.model import Report, Result

SCHEMA_VERSION = 1


def result_dict(r: Result) -> dict[str, Any]:
    return {
        "rule_id": r.rule_id,
        "title": r.title,
        "severity": r.severity.value,
        "category": r.category.value,
        "status": r.status.value,
        "subject": r.subject,
        "prevents": list(r.prevents),
        "message": r.message,
        "remediation": r.remediation,
        "location": None if r.location is None else {"path": r.location.path, "line": r.location.line},
        "evidence": r.evidence,
    }


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "preflight", "version": __version__},
        "mode": report.mode.value,
        "ok": report.ok,
        "summary": report.summary.as_dict(),
        "results": [result_dict(r) for r in report.results],
    }


def render(report: Report, options: object = None) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
