"""Baselines: accept today's findings, fail only on new ones.

``--write-baseline FILE`` records every ``fail`` and ``unknown`` result of the run (not the waived ones) by
its fingerprint (rule id + export subject + resource; no line numbers, so unrelated edits keep it).
``--baseline FILE`` marks the results whose fingerprint is recorded as *baselined*: they stay in every
report with their status, but no longer fail the run; the report says how many recorded findings are still
present and how many are gone. The file is JSON::

    {"version": 1, "tool": "preflight", "findings": [
      {"fingerprint": "…", "rule_id": "PF104", "subject": "cn-hangzhou/m-… → oss://exports/Ecs"}]}

Only ``fingerprint`` is read back; ``rule_id`` and ``subject`` are there for the people reviewing the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from preflight.errors import Msg, PreflightError, error
from preflight.model import OPEN_FINDINGS, BaselineSummary, Report, Result

VERSION = 1
RECORDED = OPEN_FINDINGS


@dataclass(frozen=True, slots=True)
class Baseline:
    """The fingerprints of accepted findings, from a baseline file."""

    path: str
    fingerprints: frozenset[str]


def _findings(report: Report) -> dict[str, dict[str, str]]:
    """fingerprint -> what the baseline file says of it, for each recorded finding of the report."""
    seen: dict[str, dict[str, str]] = {}
    for r in report.results:
        if r.status in RECORDED:
            fp = r.fingerprint
            seen.setdefault(fp, {"fingerprint": fp, "rule_id": r.rule_id, "subject": r.subject})
    return seen


def render(report: Report) -> str:
    """The baseline file for a report: its findings, sorted, one per line."""
    return _render(_findings(report))


def _render(seen: dict[str, dict[str, str]]) -> str:
    findings = sorted(seen.values(), key=lambda f: (f["rule_id"], f["subject"], f["fingerprint"]))
    body = ",\n    ".join(json.dumps(f, ensure_ascii=False) for f in findings)
    items = f"[\n    {body}\n  ]" if findings else "[]"
    return f'{{\n  "version": {VERSION},\n  "tool": "preflight",\n  "findings": {items}\n}}\n'


def accept(report: Report, path: str) -> tuple[str, Report, int]:
    """``--write-baseline``: the baseline file's text, the report with today's findings marked as baselined
    (the run passes on them), and how many findings were recorded."""
    import dataclasses

    seen = _findings(report)
    results, summary = apply(report.results, Baseline(path, frozenset(seen)))
    return _render(seen), dataclasses.replace(report, results=tuple(results), baseline=summary), len(seen)


def load(path: Path) -> Baseline:
    from preflight.sources import jsonpos
    from preflight.sources.common import display_path, path_kind, read_text
    from preflight.sources.snapshot import parse_json

    display = display_path(path)
    if path_kind(path) in ("missing", "dir"):  # a FIFO or a device: the reader says what it is, unread
        raise error("err_no_file", display)
    text = read_text(path)
    doc = parse_json(text, display)

    def where(pointer: str) -> str:
        try:
            return f"{display}:{jsonpos.pointer_line(text, pointer)}"
        except (KeyError, IndexError, ValueError):
            return f"{display}:1"

    if (not isinstance(doc, Mapping) or doc.get("version") != VERSION
            or not isinstance(doc.get("findings"), list)):
        raise error("err_baseline_shape", where(""))
    problems: list[tuple[str | None, Msg]] = []
    fingerprints = set()
    for i, item in enumerate(doc["findings"]):
        fp = item.get("fingerprint") if isinstance(item, Mapping) else None
        if not isinstance(fp, str) or not fp:
            problems.append((where(f"/findings/{i}"), Msg("err_baseline_finding")))
            continue
        fingerprints.add(fp)
    if problems:
        raise PreflightError.many(problems)
    return Baseline(display, frozenset(fingerprints))


def apply(results: Sequence[Result], baseline: Baseline) -> tuple[list[Result], BaselineSummary]:
    """Mark the recorded findings as baselined; count the new, the still present and the gone ones."""
    out: list[Result] = []
    present: set[str] = set()
    new = 0
    for r in results:
        if r.status in RECORDED:
            fp = r.fingerprint
            if fp in baseline.fingerprints:
                present.add(fp)
                r = r._replace(baselined=True)
            else:
                new += 1
        out.append(r)
    summary = BaselineSummary(baseline.path, new, len(present), len(baseline.fingerprints) - len(present))
    return out, summary
