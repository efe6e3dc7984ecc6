"""What a command does, apart from parsing flags and printing: inputs → subjects → results → report.

The CLI (``cli.py``) only translates flags into these calls and writes what they return.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from preflight.engine import evaluate
from preflight.errors import PreflightError
from preflight.facts import Subject
from preflight.model import Mode, Report, Severity
from preflight.sources.common import display_path, read_text

REQUEST_KEYS = ("RegionId", "ImageId", "OSSBucket", "OSSPrefix", "ImageFormat", "RoleName")
ENDPOINT_SERVICES = ("ecs", "ram", "oss", "sts")
_SKIP_DIRS = frozenset({".git", ".terraform", "node_modules", ".venv", "__pycache__"})


@dataclass(frozen=True)
class CheckOptions:
    paths: Sequence[Path] = ()
    live: bool = False
    requests: Sequence[Mapping[str, str]] = ()
    endpoints: Mapping[str, str] = field(default_factory=dict)
    profile: str | None = None
    rules_dirs: Sequence[Path] = ()
    lang: str = "en"
    strict: bool = False
    threshold: Severity = Severity.ERROR


# ---------------------------------------------------------------------------------------------------------
# Inputs


def _json_kind(doc: Any) -> str:
    """What a parsed JSON document is (design.md: kind is detected from content)."""
    if not isinstance(doc, Mapping):
        return "other"
    if "version" in doc and "exports" in doc:
        return "snapshot"
    if "ROSTemplateFormatVersion" in doc:
        return "ros"
    if "planned_values" in doc or "resource_changes" in doc:
        return "plan"
    if "resource" in doc or "provider" in doc or "variable" in doc:
        return "terraform"
    return "other"


def _text_kind(path: Path, text: str) -> str:
    if path.name.endswith((".tf", ".tfvars")):
        return "terraform"
    if "ROSTemplateFormatVersion" in text[:4096]:
        return "ros"
    return "other"


def _walk(directory: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        found += [Path(root) / f for f in sorted(files) if f.endswith((".json", ".yaml", ".yml", ".tf"))]
    return found


def subjects_from_paths(paths: Sequence[Path]) -> tuple[list[Subject], Mode]:
    from preflight.sources import snapshot

    subjects: list[Subject] = []
    for given in paths:
        explicit = not given.is_dir()
        files = [given] if explicit else _walk(given)
        found = 0
        for path in files:
            text = read_text(path)
            display = display_path(path)
            kind, doc = _text_kind(path, text), None
            if text.lstrip().startswith(("{", "[")):
                if not explicit and '"exports"' not in text:
                    continue  # some other JSON file of the repository
                doc = snapshot.parse_json(text, display)
                kind = _json_kind(doc)
            if kind == "snapshot":
                subjects += snapshot.load_document(doc, display=display, text=text)
                found += 1
            elif explicit and kind in ("terraform", "plan", "ros"):
                raise PreflightError(f"{kind} input is not supported by this version of preflight yet; "
                                     "give an offline snapshot (preflight snapshot) or use --live", display)
            elif explicit:
                raise PreflightError("not a preflight snapshot (a JSON object with \"version\" and \"exports\")",
                                     display)
        if not explicit and not found:
            raise PreflightError("no snapshot found in this directory", display_path(given))
    return subjects, Mode.SNAPSHOT


def load_requests_file(path: Path) -> list[dict[str, str]]:
    """A JSON or YAML list of ExportImage requests (the keys ``aliyun ecs ExportImage`` takes)."""
    from preflight import yamlpos

    display = display_path(path)
    data, lines = yamlpos.load(read_text(path), display)
    if isinstance(data, Mapping) and "exports" in data:
        data = data["exports"]
    if not isinstance(data, list) or not data:
        raise PreflightError("expected a non-empty list of requests ({RegionId, ImageId, OSSBucket, ...})",
                             f"{display}:1")
    out = []
    for i, item in enumerate(data):
        if not isinstance(item, Mapping):
            raise PreflightError("a request must be a mapping", f"{display}:{lines.line([i])}")
        for key, value in item.items():
            if key not in REQUEST_KEYS:
                raise PreflightError(f"unknown request key {key!r} (expected {', '.join(REQUEST_KEYS)})",
                                     f"{display}:{lines.line([i, key])}")
            if not isinstance(value, str):
                raise PreflightError(f"{key} must be a string", f"{display}:{lines.line([i, key])}")
        out.append({str(k): str(v) for k, v in item.items()})
    return out


def parse_endpoints(values: Sequence[str], environ: Mapping[str, str]) -> dict[str, str]:
    """``--endpoint SERVICE=URL`` over ``PREFLIGHT_ENDPOINT_<SERVICE>`` (the flag wins)."""
    endpoints = {s: environ[f"PREFLIGHT_ENDPOINT_{s.upper()}"] for s in ENDPOINT_SERVICES
                 if environ.get(f"PREFLIGHT_ENDPOINT_{s.upper()}")}
    for value in values:
        service, sep, url = value.partition("=")
        service = service.strip().lower()
        if not sep or service not in ENDPOINT_SERVICES or not url.strip():
            raise PreflightError(f"--endpoint {value!r}: expected SERVICE=URL with SERVICE one of "
                                 f"{', '.join(ENDPOINT_SERVICES)}")
        endpoints[service] = url.strip()
    for service, url in endpoints.items():
        if "://" in url and not url.startswith(("http://", "https://")):
            raise PreflightError(f"endpoint for {service} {url!r}: only http:// and https:// are supported")
    return endpoints


def collect_live(options: CheckOptions) -> dict[str, Any]:
    if not options.requests:
        raise PreflightError("--live needs a request: --RegionId, --ImageId and --OSSBucket, or --requests FILE")
    from preflight.sources import live  # the SDKs are imported only here

    return live.collect(options.requests, profile=options.profile, endpoints=options.endpoints)


# ---------------------------------------------------------------------------------------------------------
# Check


def run_check(options: CheckOptions) -> Report:
    from preflight.rules import load_rules

    ruleset = load_rules(options.rules_dirs)
    if options.live:
        from preflight.sources.snapshot import subjects_from_document

        subjects, mode = subjects_from_document(collect_live(options)), Mode.LIVE
    elif options.paths:
        subjects, mode = subjects_from_paths(options.paths)
    else:
        raise PreflightError("nothing to check: give a snapshot file or directory, or --live with a request")
    results = evaluate(ruleset.rules, subjects, options.lang)
    unknown_fails = mode in (Mode.LIVE, Mode.SNAPSHOT) or options.strict
    return Report(mode=mode, results=tuple(results), threshold=options.threshold, unknown_fails=unknown_fails,
                  lang=options.lang)
