"""``preflight audit``: of all the custom images of every audited account and region, which can be exported,
what blocks the others, and which export roles and buckets are unsafe.

    live discovery (sources/live_discovery) ─► fleet document ─► per account: snapshot builder ─► engine
    fleet file (preflight snapshot --audit) ─┘                                                      │
                      gaps (an account or region not read) ─► every rule unknown for it ◄────────────┘
                                                          ─► waivers ─► verdict per image ─► Report(audit)

The same rules run as for ``check``; nothing is new in the rule language. Two things are the audit's own:
a rule whose outcome depends on the bucket is ``skip`` where no bucket is given for the image's region
(``--bucket REGION=BUCKET``), and a region or account whose images could not be listed yields ``unknown``
results with the reason for every rule, never "no images".
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from preflight.audit_model import AuditedAccount, AuditSummary, Gap, ImageVerdict, Unsafe, Verdict
from preflight.config import Config
from preflight.engine import evaluate
from preflight.errors import Msg, PreflightError, error
from preflight.model import (
    Category,
    Message,
    Mode,
    Report,
    Result,
    Severity,
    Status,
    Waiver,
)

if TYPE_CHECKING:
    from preflight.facts import Subject
    from preflight.rules import Rule
    from preflight.sources.live_discovery import Account

#: the fields each entry of an ``--accounts`` file may have
ACCOUNT_KEYS = ("account_id", "role_arn", "name")


@dataclass(frozen=True)
class AuditOptions:
    """What ``preflight audit`` was asked to read and how (from its flags)."""

    #: a fleet snapshot to replay (``preflight audit FILE``); None with ``live``
    path: Path | None = None
    live: bool = False
    accounts_file: Path | None = None
    resource_directory: bool = False
    assume_role_name: str | None = None
    regions: tuple[str, ...] = ()
    buckets: Mapping[str, str] = field(default_factory=dict)
    prefix: str | None = None
    image_format: str | None = None
    endpoints: Mapping[str, str] = field(default_factory=dict)
    profile: str | None = None
    deadline_s: float | None = None
    quiet: bool = True
    rules_dirs: Sequence[Path] = ()
    lang: str = "en"
    threshold: Severity | None = None
    config: Config = field(default_factory=Config)
    waivers: Sequence[Waiver] = ()
    no_waivers: bool = False
    today: datetime.date = field(kw_only=True)


# ---- flags and files ----------------------------------------------------------------------------------


def parse_buckets(values: Sequence[str]) -> dict[str, str]:
    """``--bucket REGION=BUCKET`` (repeatable; one bucket per region)."""
    out: dict[str, str] = {}
    for value in values:
        region, sep, bucket = value.partition("=")
        region, bucket = region.strip(), bucket.strip()
        if not sep or not region or not bucket or region in out:
            raise error("audit.bad_bucket_flag", None, value=value)
        out[region] = bucket
    return out


def parse_regions(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    regions = tuple(dict.fromkeys(r.strip() for r in value.split(",") if r.strip()))
    if not regions:
        raise error("audit.bad_regions", None, value=value)
    return regions


def load_accounts_file(path: Path) -> list[Account]:
    """A YAML/JSON list of ``{account_id, role_arn, name}``; only these accounts are audited."""
    from preflight.config import load_yaml
    from preflight.sources.live_discovery import Account

    data, display, line_of = load_yaml(path)
    if isinstance(data, Mapping) and "accounts" in data:
        data = data["accounts"]
    if not isinstance(data, list) or not data:
        raise error("audit.accounts_list", f"{display}:1")
    out: list[Account] = []
    seen: set[str] = set()
    for i, item in enumerate(data):
        if not isinstance(item, Mapping):
            raise error("audit.account_mapping", f"{display}:{line_of([i])}")
        for key, value in item.items():
            if key not in ACCOUNT_KEYS:
                raise error("err_unknown_key", f"{display}:{line_of([i, key])}", key=key,
                            allowed=_listing(ACCOUNT_KEYS))
            if not isinstance(value, str) or not value.strip():
                raise error("audit.account_string", f"{display}:{line_of([i, key])}", key=key)
        for key in ("account_id", "role_arn"):
            if key not in item:
                raise error("audit.account_required", f"{display}:{line_of([i])}", key=key)
        account_id, arn = str(item["account_id"]).strip(), str(item["role_arn"]).strip()
        if not arn.startswith(f"acs:ram::{account_id}:role/") or len(arn) == len(f"acs:ram::{account_id}:role/"):
            raise error("audit.account_arn", f"{display}:{line_of([i, 'role_arn'])}", account=account_id)
        if account_id in seen:
            raise error("audit.account_twice", f"{display}:{line_of([i, 'account_id'])}", account=account_id)
        seen.add(account_id)
        out.append(Account(account_id, str(item.get("name", "")).strip(), arn))
    return out


def _listing(items: Sequence[str]) -> Any:
    from preflight.errors import Listing

    return Listing(items)


# ---- live ---------------------------------------------------------------------------------------------


def collect_fleet(options: AuditOptions) -> dict[str, Any]:
    """Read the accounts (read-only) and return the fleet document (``preflight snapshot --audit`` writes it)."""
    from preflight.sources.live_discovery import RD_ACCESS_ROLE, Progress, Scope, discover, fleet_document

    accounts = load_accounts_file(options.accounts_file) if options.accounts_file is not None else None
    roles = options.config.export_roles
    buckets = {**options.config.export_bucket_by_region, **options.buckets}  # --bucket wins over the config
    scope = Scope(regions=options.regions, buckets=buckets, role=roles[0] if roles else None,
                  prefix=options.prefix, image_format=options.image_format)
    expected = len(accounts) if accounts is not None else 1
    progress = Progress.for_terminal(expected, options.quiet, lang=options.lang)
    reads = discover(accounts, scope, resource_directory=options.resource_directory,
                     assume_role_name=options.assume_role_name or RD_ACCESS_ROLE, profile=options.profile,
                     endpoints=options.endpoints, deadline_s=options.deadline_s, progress=progress)
    return fleet_document(reads, scope)


# ---- the fleet document -------------------------------------------------------------------------------


@dataclass
class FleetAccount:
    """One account of a fleet document: its own snapshot document, and what could not be read."""

    account_id: str
    name: str
    regions: tuple[str, ...]
    gaps: list[Gap]
    document: dict[str, Any]
    #: section -> the indices of its entities in the fleet document (an error names the fleet's pointer)
    origin: dict[str, list[int]]


def is_fleet(doc: Any) -> bool:
    return isinstance(doc, Mapping) and doc.get("version") == 1 and isinstance(doc.get("audit"), Mapping)


_ENTITY_SECTIONS = ("exports", "regions", "images", "snapshots", "tasks", "roles", "buckets", "unknown")


def split_fleet(doc: Any, display: str, text: str | None) -> list[FleetAccount]:
    """The accounts of a fleet document, each as a version-1 snapshot of its own. Every shape problem is
    bad input named by file, line and JSON pointer."""
    from preflight.sources import jsonpos

    def bad(pointer: str, key: str, **values: object) -> PreflightError:
        line = jsonpos.pointer_line(text, pointer) if text is not None else 1
        return error(key, f"{display}:{line}", pointer=pointer or "/", **values)

    if not is_fleet(doc):
        return_pointer = "/audit" if isinstance(doc, Mapping) and doc.get("version") == 1 else "/version"
        raise bad(return_pointer, "audit.not_fleet")
    audit = doc["audit"]
    entries = audit.get("accounts")
    if not isinstance(entries, list):
        raise bad("/audit/accounts", "audit.fleet_shape", expected="a list")
    accounts: dict[str, FleetAccount] = {}
    for i, entry in enumerate(entries):
        where = f"/audit/accounts/{i}"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("account_id"), str):
            raise bad(where, "audit.fleet_shape", expected="an object with account_id")
        account_id = entry["account_id"]
        if account_id in accounts:
            raise bad(f"{where}/account_id", "audit.fleet_shape", expected="each account once")
        regions = entry.get("regions", [])
        gaps_in = entry.get("gaps", [])
        if not isinstance(regions, list) or not all(isinstance(r, str) for r in regions):
            raise bad(f"{where}/regions", "audit.fleet_shape", expected="a list of region ids")
        if not isinstance(gaps_in, list):
            raise bad(f"{where}/gaps", "audit.fleet_shape", expected="a list")
        gaps = []
        for j, g in enumerate(gaps_in):
            if (not isinstance(g, Mapping) or not isinstance(g.get("reason"), str)
                    or not isinstance(g.get("region"), (str, type(None)))):
                raise bad(f"{where}/gaps/{j}", "audit.fleet_shape", expected="an object with region and reason")
            gaps.append(Gap(account_id, g["region"], g["reason"]))
        sub: dict[str, Any] = {"version": 1, "account_id": account_id, "exports": []}
        for key in ("captured_at", "public_access_block"):
            if key in entry:
                sub[key] = entry[key]
        name = entry.get("name", "")
        accounts[account_id] = FleetAccount(account_id, name if isinstance(name, str) else "", tuple(regions), gaps,
                                            sub, {})
    for section in _ENTITY_SECTIONS:
        if section not in doc:
            continue
        items = doc[section]
        if not isinstance(items, list):
            raise bad(f"/{section}", "audit.fleet_shape", expected="a list")
        for acc in accounts.values():
            if section != "exports":
                acc.document.setdefault(section, [])
        for i, item in enumerate(items):
            owner = item.get("account") if isinstance(item, Mapping) else None
            if not isinstance(owner, str) or owner not in accounts:
                raise bad(f"/{section}/{i}", "audit.fleet_account")
            acc = accounts[owner]
            acc.document.setdefault(section, []).append({k: v for k, v in item.items() if k != "account"})
            acc.origin.setdefault(section, []).append(i)
    return list(accounts.values())


def _subjects(acc: FleetAccount, display: str, text: str | None) -> list[Subject]:
    from preflight.sources import jsonpos
    from preflight.sources.snapshot import ShapeError, subjects_from_document

    try:
        return subjects_from_document(acc.document)
    except ShapeError as exc:
        parts = exc.pointer.split("/")
        if len(parts) > 2 and parts[1] in acc.origin and parts[2].isdigit():
            parts[2] = str(acc.origin[parts[1]][int(parts[2])])
        pointer = "/".join(parts)
        line = jsonpos.pointer_line(text, pointer) if text is not None else 1
        raise error("schema.at", f"{display}:{line}", pointer=pointer or "/", message=exc.message) from None


# ---- evaluation ---------------------------------------------------------------------------------------


def _depends_on_bucket(rule: Rule) -> bool:
    return any(path[:1] == ("bucket",) or path[:2] == ("request", "OSSBucket") or path[:1] == ("fix",)
               for path in rule.condition_depends_on)


def _no_bucket(results: list[Result], subjects: Sequence[Subject], rules: Sequence[Rule]) -> list[Result]:
    """Where the audit names no bucket for an image's region, the rules that depend on the bucket do not
    apply: ``skip``, with a message that says so (not ``fail``: no export was asked with a bucket)."""
    bucketless = {s.name for s in subjects if s.request.OSSBucket is None}
    ids = {r.id for r in rules if _depends_on_bucket(r)}
    if not bucketless or not ids:
        return results
    message = Msg("audit.no_bucket")
    return [r._replace(status=Status.SKIP, message=message, remediation="", evidence={})
            if r.subject in bucketless and r.rule_id in ids else r for r in results]


def _gap_results(gap: Gap, rules: Sequence[Rule], lang: str) -> list[Result]:
    """Every rule ``unknown`` for a region (or account) whose images could not be listed."""
    from preflight.i18n import t

    where = f"{gap.account}/{gap.region}" if gap.region else gap.account
    subject = t("audit.gap_subject", lang, where=where)
    message = Msg("audit.gap_message", reason=gap.reason)
    remediation = Msg("audit.gap_remediation")
    evidence: dict[str, Any] = {"account": gap.account, "region": gap.region, "reason": gap.reason}
    return [Result(r.id, r.title, r.severity, r.category, Status.UNKNOWN, subject, r.prevents, message,
                   remediation, None, evidence, r.references, account=gap.account) for r in rules]


def report_from_fleet(doc: Any, options: AuditOptions, *, display: str = "<live>",
                      text: str | None = None) -> Report:
    from preflight import config as cfg
    from preflight.rules import load_rules
    from preflight.run import govern, rule_info

    accounts = split_fleet(doc, display, text)
    ruleset = load_rules(options.rules_dirs)
    settings = options.config
    if settings.path is not None:
        cfg.check_rule_ids(settings, (r.id for r in ruleset.rules))
    rules = cfg.apply_to_rules(ruleset.rules, settings)
    results: list[Result] = []
    #: every subject with the account it is in: two accounts may each have an export of the same name
    owned: list[tuple[str, Subject]] = []
    names: dict[tuple[str, str], str] = {}  # (account, image id) -> image name
    gaps: list[Gap] = []
    gap_ids: set[int] = set()
    for acc in sorted(accounts, key=lambda a: a.account_id):
        subs = _subjects(acc, display, text)
        evaluated = evaluate(rules, subs)
        evaluated = _no_bucket(evaluated, subs, rules)
        results += [r._replace(account=acc.account_id) for r in evaluated]
        owned += [(acc.account_id, s) for s in subs]
        for image in acc.document.get("images", []):
            if isinstance(image, Mapping) and isinstance(image.get("ImageId"), str):
                name = image.get("ImageName")
                names[(acc.account_id, image["ImageId"])] = name if isinstance(name, str) else ""
        for gap in acc.gaps:
            gaps.append(gap)
            gap_results = _gap_results(gap, rules, options.lang)
            results += gap_results
            gap_ids.update(id(r) for r in gap_results)
    check_options = _check_options(options)
    # a waiver speaks of findings about what was read; what was not read (a gap) is never waived, or an
    # account or region preflight could not look at would pass
    is_gap = [id(r) in gap_ids for r in results]
    governed, notes = govern([r for r, g in zip(results, is_gap, strict=True) if not g], [s for _, s in owned],
                             rules, check_options, accounts=[a for a, _ in owned])
    kept = iter(governed)
    results = [r if g else next(kept) for r, g in zip(results, is_gap, strict=True)]
    threshold = options.threshold or settings.fail_on or Severity.ERROR
    summary = summarize(results, owned, rules, accounts, gaps, names, threshold, options.lang)
    mandatory = frozenset(settings.mandatory)
    return Report(mode=Mode.AUDIT, results=tuple(results), threshold=threshold, unknown_fails=True,
                  lang=options.lang,
                  rules=tuple(rule_info(r, r.id in mandatory) for r in sorted(rules, key=lambda r: r.id)),
                  notes=tuple(notes), audit=summary)


def _check_options(options: AuditOptions) -> Any:
    from preflight.run import CheckOptions

    return CheckOptions(lang=options.lang, config=options.config, waivers=options.waivers,
                        no_waivers=options.no_waivers, today=options.today)


def summarize(results: Sequence[Result], subjects: Sequence[tuple[str, Subject]], rules: Sequence[Rule],
              accounts: Sequence[FleetAccount], gaps: Sequence[Gap], names: Mapping[tuple[str, str], str],
              threshold: Severity, lang: str) -> AuditSummary:
    """The verdict of each image, the blockers, and the unsafe roles and buckets, from ``subjects`` (each with
    its account) and their results.

    An image is *blocked* when a precondition rule at or above the threshold fails for it; else *unknown*
    when such a rule is unknown; else *exportable*. A role or bucket is *unsafe* when a security rule at or
    above the threshold fails on it (waived findings are neither). Everything is keyed by (account, subject):
    two accounts may each have an image of the same id; and an export listed twice in one account is one
    image, once (every count of every report is made from ``images``, :meth:`AuditSummary.count`)."""
    by_key = {(account, s.name): s for account, s in subjects}
    locate = {r.id: r.locate for r in rules}
    failing: dict[tuple[str, str], set[str]] = defaultdict(set)
    unknown: dict[tuple[str, str], set[str]] = defaultdict(set)
    unsafe: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    unsafe_images: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    titles: dict[str, Message] = {}
    rank = threshold.rank
    for r in results:
        subject_key = (r.account or "", r.subject)
        subject = by_key.get(subject_key)
        if subject is None or r.severity.rank < rank:
            continue
        if r.category is Category.PRECONDITION and r.status is Status.FAIL:
            failing[subject_key].add(r.rule_id)
            titles[r.rule_id] = r.title
        elif r.category is Category.PRECONDITION and r.status in (Status.UNKNOWN, Status.WAIVED):
            # a waived precondition failed or was unknown: the waiver is a decision, ExportImage still checks it
            unknown[subject_key].add(r.rule_id)
            titles[r.rule_id] = r.title
        elif r.category is Category.SECURITY and r.status is Status.FAIL:
            kind = locate.get(r.rule_id, "request")
            request = subject.request
            value = request.EffectiveRoleName if kind == "role" else request.OSSBucket if kind == "bucket" else None
            if isinstance(value, str):
                key = (subject_key[0], kind, value)
                unsafe[key].add(r.rule_id)
                unsafe_images[key].add(r.subject)
    images: list[ImageVerdict] = []
    for (account, name), s in by_key.items():
        region, image_id = s.request.RegionId, s.request.ImageId
        if not isinstance(region, str) or not isinstance(image_id, str):
            continue
        if failing.get((account, name)):
            verdict, why = Verdict.BLOCKED, failing[(account, name)]
        elif unknown.get((account, name)):
            verdict, why = Verdict.UNKNOWN, unknown[(account, name)]
        else:
            verdict, why = Verdict.EXPORTABLE, set()
        images.append(ImageVerdict(account, region, image_id, names.get((account, image_id), ""), verdict,
                                   tuple(sorted(why)), name))
    images.sort(key=lambda i: (i.account, i.region, i.image_id))
    return AuditSummary(
        accounts=tuple(AuditedAccount(a.account_id, a.name, a.regions)
                       for a in sorted(accounts, key=lambda a: a.account_id)),
        images=tuple(images),
        gaps=tuple(sorted(gaps, key=lambda g: (g.account, g.region or ""))),
        unsafe=tuple(Unsafe(a, k, n, tuple(sorted(ids)), len(unsafe_images[(a, k, n)]))
                     for (a, k, n), ids in sorted(unsafe.items())),
        titles=titles,
    )


# ---- permissions --------------------------------------------------------------------------------------


def audit_permissions(role_name: str | None = None) -> dict[str, Any]:
    """The RAM policies an audit needs (``preflight permissions --audit``): ``member``, read-only, attached
    to the role assumed in each audited account (or to the caller for its own account); ``caller``, for the
    identity that runs the audit across accounts: list the Resource Directory and assume the access role."""
    from preflight.sources.live import required_permissions_policy
    from preflight.sources.live_clients import ACTIONS
    from preflight.sources.live_discovery import RD_ACCESS_ROLE

    role = role_name or RD_ACCESS_ROLE
    caller = sorted(a.permission for a in ACTIONS.values() if a.caller_only and a.permission and a.service != "sts")
    return {
        "member": required_permissions_policy(),
        "caller": {"Version": "1", "Statement": [
            {"Effect": "Allow", "Action": caller, "Resource": "*"},
            {"Effect": "Allow", "Action": ["sts:AssumeRole"], "Resource": f"acs:ram::*:role/{role.lower()}"},
        ]},
    }


# ---- the use case -------------------------------------------------------------------------------------


def run_audit(options: AuditOptions) -> Report:
    if options.live:
        doc = collect_fleet(options)
        return report_from_fleet(doc, options)
    if options.path is None:
        raise error("audit.nothing")
    from preflight.sources.common import display_path, read_text
    from preflight.sources.snapshot import parse_json

    display = display_path(options.path)
    text = read_text(options.path)
    doc = parse_json(text, display)
    from preflight.sources.jsonpos import check_characters

    check_characters(doc, text, display)
    return report_from_fleet(doc, options, display=display, text=text)

