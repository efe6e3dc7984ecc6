"""What a command does, apart from parsing flags and printing: inputs → subjects → results → report.

The CLI (``cli.py``) only translates flags into these calls and writes what they return.

    rules (+ config: disabled, severities) ─► engine ─► waivers (today injected) ─► baseline ─► Report
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from preflight.config import CONFIG_NAME, WAIVERS_NAME, Config, find_upwards
from preflight.engine import evaluate
from preflight.errors import Listing, Msg, PreflightError, error
from preflight.facts import Subject, Unknown
from preflight.fieldrepr import FieldsRepr
from preflight.i18n import both, t
from preflight.model import Location, Mode, Note, Report, Result, RuleInfo, Severity, Status, Text, Waiver
from preflight.sources import registry
from preflight.sources.common import display_path
from preflight.sources.registry import Files, json_kind, meant_as_snapshot, meant_as_snapshot_doc, sniff_text

if TYPE_CHECKING:
    from preflight.baseline import Baseline
    from preflight.rules import Rule

REQUEST_KEYS = ("RegionId", "ImageId", "OSSBucket", "OSSPrefix", "ImageFormat", "RoleName")
ENDPOINT_SERVICES = ("ecs", "ram", "oss", "sts", "resourcemanager")


@dataclass(frozen=True, repr=False)
class CheckOptions(FieldsRepr):
    """What ``check`` is asked to do. Every default fails safe for a library caller: no paths and not live is
    an error (never an empty pass); unknowns fail the run (``strict``), in IaC mode too; no waiver applies
    unless given (``waivers``) or asked for (``inline_waivers``); no baseline, no pre-commit filtering. The
    CLI passes each of these from its flags."""

    paths: Sequence[Path] = ()
    live: bool = False
    requests: Sequence[Mapping[str, str]] = ()
    endpoints: Mapping[str, str] = field(default_factory=dict)
    profile: str | None = None
    #: live: ``--deadline`` seconds for the whole collection (None: ``PREFLIGHT_DEADLINE_S``, else 300)
    deadline_s: float | None = None
    rules_dirs: Sequence[Path] = ()
    lang: str = "en"
    #: unknowns fail the run in IaC mode too (``--strict``; the CLI's default is off): a library caller that
    #: says nothing gets the conservative reading, where a fact the files leave open is no go
    strict: bool = True
    #: the lowest severity that fails the run: ``--fail-on``, else the config's ``fail_on``, else error
    threshold: Severity | None = None
    config: Config = field(default_factory=Config)
    #: waivers from the waivers file; sources may add inline ones (see :func:`govern`)
    waivers: Sequence[Waiver] = ()
    #: ``--no-waivers``: apply no waiver of any origin (file or inline)
    no_waivers: bool = False
    #: apply the waivers written in IaC comments (``# preflight:ignore``; the CLI: unless ``--no-waivers``).
    #: Off by default, so that a comment in the files never waives a finding for a caller that did not ask.
    inline_waivers: bool = False
    baseline: Baseline | None = None
    #: the date waivers expire against (the CLI passes today's; tests pass fixed dates). Required and
    #: keyword-only: a default date would let a waiver outlive its expiry for every caller that forgot it.
    today: datetime.date = field(kw_only=True)
    #: the changed files of a pre-commit run: skip what is not IaC or a snapshot, report only their findings
    pre_commit: bool = False


# ---------------------------------------------------------------------------------------------------------
# Inputs


def _json_kind(doc: Any, *, strict: bool = True) -> str:
    """What a parsed JSON document is (design.md: kind is detected from content), by the source registry."""
    return json_kind(doc, strict=strict)


def _parse_found_json(files: Files, path: Path, text: str, display: str, *, required: bool) -> Any:
    """A JSON document met while looking for inputs; None when it is not JSON and need not be (a
    ``tsconfig.json`` with comments in a walked directory or a pre-commit file list): it is skipped. Its
    characters are checked by whoever reads it as an input (the snapshot loader, the IaC source), once."""
    try:
        return files.json(path)
    except PreflightError:
        if required or meant_as_snapshot(text):
            raise
        return None


@dataclass(repr=False)
class Inputs(FieldsRepr):
    """What the paths given to ``check`` hold, by kind."""

    subjects: list[Subject] = field(default_factory=list)
    mode: Mode = Mode.SNAPSHOT
    #: inline waivers found in IaC comments (already converted), and the notes on malformed ones
    waivers: list[Waiver] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    #: pre-commit: keep only findings located in these files
    restrict_to: frozenset[str] | None = None
    #: the subjects that come from Terraform/ROS files (their unknowns are made known in the files)
    iac_names: set[str] = field(default_factory=set)


def _not_fleet(doc: Any, display: str) -> None:
    """A fleet snapshot (``preflight snapshot --audit``) holds several accounts, whose roles and buckets may
    share names: read as one account it could join an export to another account's role. Only ``preflight
    audit`` reads it (account by account, with what could not be read)."""
    if isinstance(doc, Mapping) and "audit" in doc:
        raise error("audit.check_fleet", display)


def _snapshot(files: Files, path: Path) -> list[Subject]:
    """A snapshot's subjects, loaded by its source (:mod:`preflight.sources.registry`: read and parsed once)."""
    from preflight.sources import snapshot

    loaded = registry.load(files, path, "snapshot")
    _not_fleet(loaded.document, loaded.display)
    return snapshot.load_document(loaded.document, display=loaded.display, text=loaded.text)


def subjects_from_paths(paths: Sequence[Path], *, config: Config | None = None, pre_commit: bool = False) -> Inputs:
    """Snapshots are loaded here; Terraform (HCL, .tf.json, plan JSON) and ROS go to the IaC source.

    Kind is detected from content (design.md). Directories are walked for both. With ``pre_commit`` (only
    the changed files are given), a file that is neither is skipped quietly, each IaC file's whole module is
    still read to resolve references, and only findings located in the given files are kept. A directory
    that holds IaC files but nothing about exports is read (a note says so), not an error."""

    inputs = Inputs()
    files = Files()  # each file read and parsed once, here and by the IaC source
    iac_paths: list[Path] = []
    found_snapshots = 0
    for given in paths:
        if files.kind(given) == "dir":
            for path in files.walk(given):  # one walk: the IaC source takes its files from the same list
                if not path.name.endswith(".json"):
                    continue
                text = files.text(path)
                if '"exports"' in text:
                    display = files.display(path)
                    doc = _parse_found_json(files, path, text, display, required=False)
                    if _json_kind(doc) == "snapshot" or meant_as_snapshot_doc(doc):
                        inputs.subjects += _snapshot(files, path)
                        found_snapshots += 1
            iac_paths.append(given)
            continue
        text = files.text(given)
        display = files.display(given)
        kind = "other"
        if text.lstrip().startswith(("{", "[")):
            # JSON is YAML too: a YAML flow list need not be JSON; a changed file need not be ours at all
            doc = _parse_found_json(files, given, text, display,
                                    required=given.name.endswith(".json") and not pre_commit)
            kind = _json_kind(doc, strict=pre_commit)
            if kind == "snapshot":
                inputs.subjects += _snapshot(files, given)
                found_snapshots += 1
                continue
        if kind in ("terraform", "plan", "ros") or sniff_text(given, text):
            iac_paths.append(given)
        elif not pre_commit:
            raise error("err_not_snapshot", display)
    snapshot_subjects = len(inputs.subjects)
    files_read = 0
    if iac_paths:
        files_read = _load_iac(inputs, iac_paths, config or Config(), pre_commit, files)
    iac_subjects = len(inputs.subjects) - snapshot_subjects
    if not inputs.subjects and not pre_commit and not found_snapshots:
        dirs = [p for p in paths if files.kind(p) == "dir"]
        if dirs and not files_read:
            raise error("err_no_snapshot_in_dir", display_path(dirs[0]))
        if files_read:  # IaC that exports nothing: read, and nothing applied (one line says so)
            inputs.notes.append(Note(both("path.nothing_applied", count=files_read)))
    if found_snapshots and iac_subjects:
        inputs.mode = Mode.MIXED
    elif not found_snapshots and iac_paths:
        inputs.mode = Mode.IAC
    return inputs


def _load_iac(inputs: Inputs, paths: Sequence[Path], config: Config, pre_commit: bool, files: Files) -> int:
    """Add what the IaC files say; the number of IaC files read."""
    from preflight.sources import iac

    loaded = iac.load(paths, export_roles=config.export_roles, export_buckets=config.export_buckets,
                      only_changed=pre_commit, files=files)
    inputs.subjects += loaded.subjects
    inputs.iac_names.update(s.name for s in loaded.subjects)
    inputs.restrict_to = loaded.restrict_to
    for where, why in loaded.unread_modules:  # what such a module creates is not checked: say so
        inputs.notes.append(Note(both("note_module_unread", reason=why), where))
    for w in loaded.waivers:
        source = Location(w.path, w.line)
        if w.problems:  # a comment that is wrong in any part waives nothing, as its notes say
            for problem in w.problems:
                inputs.notes.append(Note(both("note_inline_waiver", problem=problem), source))
            continue
        inputs.waivers.append(Waiver(rules=w.rule_ids, reason=w.reason or "", source=source, path_globs=(w.path,),
                                     lines=(w.resource_start, w.resource_end), expires=w.expires, inline=True))
    return loaded.files_read


def load_requests_file(path: Path) -> list[dict[str, str]]:
    """A JSON or YAML list of ExportImage requests (the keys ``aliyun ecs ExportImage`` takes)."""
    from preflight.config import load_yaml

    data, display, line_of = load_yaml(path)
    if isinstance(data, Mapping) and "exports" in data:
        data = data["exports"]
    if not isinstance(data, list) or not data:
        raise error("err_requests_list", f"{display}:1")
    out = []
    for i, item in enumerate(data):
        if not isinstance(item, Mapping):
            raise error("err_request_mapping", f"{display}:{line_of([i])}")
        for key, value in item.items():
            if key not in REQUEST_KEYS:
                raise error("err_request_key", f"{display}:{line_of([i, key])}", key=key,
                            allowed=Listing(REQUEST_KEYS))
            if not isinstance(value, str):
                raise error("err_request_string", f"{display}:{line_of([i, key])}", key=key)
        out.append({str(k): str(v) for k, v in item.items()})
    return out


def parse_endpoints(values: Sequence[str]) -> dict[str, str]:
    """``--endpoint SERVICE=URL`` flags as a mapping. The live source lays them over
    ``PREFLIGHT_ENDPOINT_<SERVICE>`` and checks the URLs (``live_clients.resolve_endpoints``)."""
    endpoints: dict[str, str] = {}
    for value in values:
        service, sep, url = value.partition("=")
        service = service.strip().lower()
        if not sep or service not in ENDPOINT_SERVICES or not url.strip():
            from preflight.sources.live_clients import redact_url  # no SDK import: cheap

            raise error("err_endpoint", None, value=redact_url(value), services=Listing(ENDPOINT_SERVICES))
        endpoints[service] = url.strip()
    return endpoints


def collect_live(options: CheckOptions) -> dict[str, Any]:
    if not options.requests:
        raise error("err_live_needs_request")
    from preflight.sources import live  # the SDKs are imported only here

    return live.collect(options.requests, profile=options.profile, endpoints=options.endpoints,
                        deadline_s=options.deadline_s)


# ---------------------------------------------------------------------------------------------------------
# Config, waivers, baseline: which files a run uses


def resolve_config(explicit: Path | None, cwd: Path) -> Config:
    """``--config FILE``, else ``.preflight.yaml`` from the working directory up to the repository root."""
    from preflight import config

    path = explicit or find_upwards(CONFIG_NAME, cwd)
    return config.load(path) if path is not None else Config()


def waivers_path(cfg: Config, explicit: Path | None, cwd: Path) -> Path | None:
    """``--waivers FILE``, else the config's ``waivers:``, else ``.preflight/waivers.yaml`` looked up."""
    return explicit or cfg.waivers or find_upwards(WAIVERS_NAME, cwd)


def resolve_waivers(cfg: Config, explicit: Path | None, cwd: Path) -> list[Waiver]:
    path = waivers_path(cfg, explicit, cwd)
    if path is None:
        return []
    from preflight import waivers

    return waivers.load(path)


def _plain_template(text: str) -> str:
    """A rule text with its placeholders shown as ``<path>`` (rule help, where no facts are at hand)."""
    from preflight.rules import PLACEHOLDER

    return PLACEHOLDER.sub(lambda m: f"<{m.group(1).strip()}>", text.replace("{{", "\0").replace("}}", "\1")) \
        .replace("\0", "{").replace("\1", "}")


def rule_info(rule: Rule, mandatory: bool = False) -> RuleInfo:
    stem = Path(rule.source.split(":", 1)[0]).stem
    slug = stem[len(rule.id) + 1:] if stem.startswith(f"{rule.id}-") else stem
    name = "".join(part.capitalize() for part in re.split(r"[-_.]+", slug) if part) or rule.id
    rem = rule.document.get("remediation", {})
    remediation = Text(_plain_template(str(rem.get("en", ""))), _plain_template(str(rem.get("zh", ""))))
    return RuleInfo(rule.id, name, rule.title, rule.description, rule.severity, rule.category, rule.prevents,
                    rule.references, remediation, mandatory)


def resource_name(subject: Subject, locate: str) -> str:
    """What a waiver's ``resource`` glob matches when the source named no resource: ``image/m-…``,
    ``bucket/NAME``, ``role/NAME``, ``region/ID``, or ``export/SUBJECT`` for the request itself."""
    r = subject.request
    value: object = {"image": r.ImageId, "bucket": r.OSSBucket, "role": r.EffectiveRoleName,
                     "region": r.RegionId}.get(locate)
    if value is None or isinstance(value, Unknown):
        return f"export/{subject.name}"
    return f"{locate}/{value}"


def resource_names(subject: Subject, locate: str) -> tuple[str, ...]:
    """Every name of the resource a finding is about: the IaC address of the resource it is written as
    (``alicloud_oss_bucket.exports``, ``module.m.alicloud_ram_role.r[0]``, a ROS logical id) when the source
    is IaC, and always :func:`resource_name`'s ``kind/NAME`` form."""
    entity = getattr(subject, locate, None)
    address = getattr(entity, "address", None)
    plain = resource_name(subject, locate)
    return (address, plain) if isinstance(address, str) else (plain,)


def resource_resolver(subjects: Sequence[Subject], rules: Sequence[Rule],
                      accounts: Sequence[str | None] = ()) -> Callable[[Result], tuple[str, ...]]:
    """The resource names of a result's finding, from its subject. ``accounts`` (``preflight audit``), one
    per subject, is the account each is in: a result is matched by its account and subject name, as two
    accounts may each have an export of the same name."""
    owners = accounts or [None] * len(subjects)
    by_key = {(account, s.name): s for account, s in zip(owners, subjects, strict=True)}
    locate = {r.id: r.locate for r in rules}

    def resource_of(result: Result) -> tuple[str, ...]:
        subject = by_key.get((result.account, result.subject))
        return resource_names(subject, locate.get(result.rule_id, "request")) if subject is not None else ()

    return resource_of


# ---------------------------------------------------------------------------------------------------------
# Check


def run_check(options: CheckOptions) -> Report:
    return check_inputs(options)[0]


def check_inputs(options: CheckOptions) -> tuple[Report, list[Subject], list[Rule]]:
    """The report, with the subjects and the (configured) rules it was made from."""
    from preflight import config as cfg
    from preflight.rules import load_rules

    ruleset = load_rules(options.rules_dirs)
    settings = options.config
    if settings.path is not None:
        cfg.check_rule_ids(settings, (r.id for r in ruleset.rules))
    rules = cfg.apply_to_rules(ruleset.rules, settings)
    input_notes: list[Note] = []
    restrict_to: frozenset[str] | None = None
    iac_names: set[str] = set()
    if options.live:
        from preflight.sources.snapshot import subjects_from_document

        subjects, mode = subjects_from_document(collect_live(options)), Mode.LIVE
    elif options.paths or options.pre_commit:
        inputs = subjects_from_paths(options.paths, config=settings, pre_commit=options.pre_commit)
        subjects, mode = inputs.subjects, inputs.mode
        if inputs.waivers and options.inline_waivers and not options.no_waivers:
            options = dataclasses.replace(options, waivers=(*options.waivers, *inputs.waivers))
        input_notes = inputs.notes
        restrict_to = inputs.restrict_to
        iac_names = inputs.iac_names
    else:
        raise error("err_nothing")
    results = evaluate(rules, subjects)
    if iac_names:  # what Terraform/ROS files leave unknown is made known in the files or the account
        fix = Msg("unknown_remediation_iac")
        results = [r._replace(remediation=fix) if r.status is Status.UNKNOWN and r.subject in iac_names else r
                   for r in results]
    if restrict_to is not None:  # pre-commit: only what the changed files say
        results = [r for r in results if r.location is not None and r.location.path in restrict_to]
    results, notes = govern(results, subjects, rules, options)
    notes = input_notes + notes
    baseline_summary = None
    if options.baseline is not None:
        from preflight import baseline

        results, baseline_summary = baseline.apply(results, options.baseline)
    # IaC leaves facts outside the files unknown: only --strict makes them fail; a snapshot in the mix does
    unknown_fails = mode is not Mode.IAC or options.strict
    mandatory = frozenset(settings.mandatory)
    report = Report(mode=mode, results=tuple(results),
                    threshold=options.threshold or settings.fail_on or Severity.ERROR,
                    unknown_fails=unknown_fails, lang=options.lang,
                    rules=tuple(rule_info(r, r.id in mandatory) for r in sorted(rules, key=lambda r: r.id)),
                    notes=tuple(notes), baseline=baseline_summary)
    return report, subjects, rules


def govern(results: list[Result], subjects: Sequence[Subject], rules: Sequence[Rule],
           options: CheckOptions, accounts: Sequence[str | None] = ()) -> tuple[list[Result], list[Note]]:
    """Apply the waivers (of every origin) to evaluated results; notes say which could not apply.

    Inline waivers found by a source are :class:`~preflight.model.Waiver` values too: add them to
    ``options.waivers`` (or to the list here) and they are applied alike; ``--no-waivers`` turns all off."""
    if options.no_waivers or not options.waivers:
        return results, []
    from preflight import waivers

    notes = waivers.unknown_rule_notes(options.waivers, (r.id for r in rules))
    results, applied = waivers.apply(results, options.waivers, options.config.mandatory, options.today,
                                     resource_resolver(subjects, rules, accounts))
    return results, notes + applied


# ---------------------------------------------------------------------------------------------------------
# rules list, rules show, waivers lint: what they print (the CLI writes it)


def list_rules(rules_dirs: Sequence[Path], lang: str, fmt: str) -> str:
    """``preflight rules list``: every rule's id, severity, category and title, as text or JSON."""
    import json

    from preflight.rules import load_rules

    ruleset = load_rules(rules_dirs)
    if fmt == "json":
        doc = [{"id": r.id, "title": r.title.get(lang), "severity": r.severity.value,
                "category": r.category.value, "prevents": list(r.prevents)} for r in ruleset.rules]
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    from preflight.i18n import pad, word

    lines = [f"{r.id:<8} {pad(word(r.severity.value, lang), 8)} {pad(word(r.category.value, lang), 13)} "
             f"{r.title.get(lang)}" for r in ruleset.rules]
    return "\n".join(lines) + "\n"


def show_rule(rule_id: str, rules_dirs: Sequence[Path], lang: str) -> str:
    """``preflight rules show``: one rule's metadata, message, remediation, the API errors it prevents and
    its condition."""
    import json

    from preflight.catalog import load_error_catalog
    from preflight.i18n import word
    from preflight.rules import load_rules

    rule = load_rules(rules_dirs).get(rule_id)
    if rule is None:
        raise error("err_no_rule", None, rule=rule_id)
    catalog = load_error_catalog()
    doc: Mapping[str, Any] = rule.document

    def label(name: str) -> str:
        return "  " + t(f"cli.show_{name}", lang)

    out = [
        f"{rule.id}: {rule.title.get(lang)}",
        f"{label('severity')}{word(rule.severity.value, lang)}",
        f"{label('category')}{word(rule.category.value, lang)}",
        f"{label('source')}{rule.source}",
    ]
    if rule.description:
        out.append(f"{label('description')}{rule.description.get(lang)}")
    out.append(f"{label('message')}{doc['message'][lang]}")
    out.append(f"{label('remediation')}{doc['remediation'][lang]}")
    if rule.prevents:
        out.append(label("prevents"))
        for code in rule.prevents:
            entry = catalog.get(code)
            statuses = "/".join(str(s) for s in entry.http_status) if entry else "?"
            # the API's own message is English; the reference's description says it in Chinese
            message = (entry.description_zh if lang == "zh" and entry and entry.description_zh
                       else entry.messages[0] if entry and entry.messages else "")
            out.append(f"    {code} (HTTP {statuses}) {message}".rstrip())
    for ref in rule.references:
        out.append(f"{label('reference')}{ref}")
    condition = {k: doc[k] for k in ("when", "assert") if k in doc}
    out.append(label("condition") + json.dumps(condition, ensure_ascii=False))
    return "\n".join(out) + "\n"


def lint_waivers(paths: Sequence[Path], *, waivers: Path | None, config: Path | None, rules_dirs: Sequence[Path],
                 lang: str, strict: bool, today: datetime.date, cwd: Path) -> tuple[str, int]:
    """``preflight waivers lint``: expired, reasonless, unknown-rule, mandatory-rule and (with inputs)
    never-matching waivers. The text to print and the exit code (1 when any problem is found)."""
    from preflight import waivers as waiver_mod
    from preflight.rules import load_rules

    settings = resolve_config(config, cwd)
    path = waivers_path(settings, waivers, cwd)
    if path is None:
        return t("lint_no_file", lang, name=WAIVERS_NAME) + "\n", 0
    entries = waiver_mod.load(path)
    known = [r.id for r in load_rules(rules_dirs).rules]
    if settings.path is not None:
        from preflight.config import check_rule_ids

        check_rule_ids(settings, known)
    results, resource_of = None, None
    if paths:
        report, subjects, evaluated = check_inputs(CheckOptions(paths=paths, rules_dirs=rules_dirs, lang=lang,
                                                                strict=strict, config=settings, today=today,
                                                                inline_waivers=True))
        results = report.results
        resource_of = resource_resolver(subjects, evaluated)
    problems = waiver_mod.lint(entries, known, settings.mandatory, today, results,
                               *([resource_of] if resource_of else []))
    shown = display_path(path)
    lines = [p.line(lang) for p in problems]
    if not paths:
        lines.append(t("lint_not_run", lang))
    summary = (t("lint_problems", lang, count=len(problems), path=shown) if problems
               else t("lint_ok", lang, count=len(entries), path=shown))
    return "\n".join([*lines, summary]) + "\n", 1 if problems else 0
