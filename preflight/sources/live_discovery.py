"""Live discovery for ``preflight audit --live``: every custom image of every audited account and region.

Read-only, on the live source's machinery (``live._Run``: one scheduler thread per account owning the
findings, a bounded pool of workers, retries with backoff, the run deadline, the page and body caps, redirect
refusal, redaction). What differs from ``check --live`` is only what is asked:

- the regions: ``DescribeRegions`` (or the ``--regions`` given, checked against it);
- per region, ``DescribeImages`` with ``ImageOwnerAlias=self`` and every ``Status``, all pages (page 1 says
  ``TotalCount``; the other pages are then asked at once), then ``DescribeSnapshots`` for their disks, and
  ``DescribeTasks`` (running exports);
- the export role and the bucket of each region that has one, as ``check --live`` reads them.

Each image becomes the ExportImage request that would export it, and the account's answers are assembled
into a snapshot document exactly as ``check --live`` does. Many accounts: each is reached with STS
``AssumeRole`` (its temporary credentials are held in memory only, and redacted from every reason) and read
concurrently within a bound. A region (or an account) whose images could not be listed is a *gap*: its
results are unknown, with the reason, never "no images".
"""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from preflight.errors import Listing, Msg, PreflightError, Worded
from preflight.sources import live
from preflight.sources.live_clients import (
    AccessKey,
    Clients,
    Identity,
    loopback_only,
    proxies_taken_from_env,
    resolve_endpoints,
    resolve_identity,
)
from preflight.sources.live_errors import MISSING, CallError, Kind, Outcome, RetryPolicy, call_with_retries

#: the role Resource Directory creates in every member account for the management account
RD_ACCESS_ROLE = "ResourceDirectoryAccountAccessRole"
SESSION_NAME = "preflight-audit"
SESSION_SECONDS = 3600
#: accounts read at once (each with its own pool of ``max_workers`` calls)
DEFAULT_ACCOUNT_WORKERS = 4


@dataclass(frozen=True)
class Account:
    """An account to audit: ``role_arn`` None means the caller's own credentials."""

    account_id: str | None
    name: str = ""
    role_arn: str | None = None


@dataclass(frozen=True)
class Scope:
    """What each image's export request is made of (``--regions``, ``--bucket``, the config)."""

    regions: tuple[str, ...] = ()  # empty: every region DescribeRegions lists
    buckets: Mapping[str, str] = field(default_factory=dict)  # region -> bucket
    role: str | None = None  # None: the default role (RoleName not given)
    prefix: str | None = None
    image_format: str | None = None

    def request(self, region: str, image_id: str) -> dict[str, str]:
        out = {"RegionId": region, "ImageId": image_id}
        for key, value in (("OSSBucket", self.buckets.get(region)), ("OSSPrefix", self.prefix),
                           ("ImageFormat", self.image_format), ("RoleName", self.role)):
            if value:
                out[key] = value
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"regions": list(self.regions), "buckets": dict(sorted(self.buckets.items())), "role": self.role,
                "prefix": self.prefix, "image_format": self.image_format}


@dataclass
class AccountRead:
    """What one account's audit read: its snapshot document (None when it could not be read at all), the
    regions audited, and the gaps: region (None: the whole account) -> why its images are not known."""

    account: Account
    account_id: str
    document: dict[str, Any] | None
    regions: list[str]
    gaps: dict[str | None, str]
    calls: int = 0


class Progress:
    """Accounts, regions and images done, calls, elapsed: one line on a terminal's stderr, rewritten at most
    every ``interval_s``; nothing at all when stderr is not a terminal or ``--quiet`` is given."""

    def __init__(self, stream: TextIO | None, accounts: int, interval_s: float = 0.5, lang: str = "en") -> None:
        self.stream = stream
        self.lang = lang
        self.accounts = accounts
        self.interval_s = interval_s
        self.started = time.monotonic()
        self.accounts_done = 0
        self._runs: list[_AuditRun] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_terminal(cls, accounts: int, quiet: bool, stream: TextIO | None = None, lang: str = "en") -> Progress:
        stream = stream or sys.stderr
        tty = not quiet and hasattr(stream, "isatty") and stream.isatty()
        return cls(stream if tty else None, accounts, lang=lang)

    def add(self, run: _AuditRun) -> None:
        with self._lock:
            self._runs.append(run)

    def account_done(self) -> None:
        with self._lock:
            self.accounts_done += 1

    def line(self) -> str:
        with self._lock:
            runs = list(self._runs)
        regions = sum(r.regions_done for r in runs)
        total = sum(len(r.plan.regions) for r in runs)
        images = sum(len(r.found.images) for r in runs)
        calls = sum(r.calls for r in runs)
        from preflight.i18n import t

        return t("audit.progress", self.lang, done=self.accounts_done, accounts=self.accounts, regions=regions,
                 total=total, images=images, calls=calls, elapsed=f"{time.monotonic() - self.started:.1f}")

    def __enter__(self) -> Progress:
        if self.stream is not None:
            self._thread = threading.Thread(target=self._tick, name="preflight-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            assert self.stream is not None
            self.stream.write("\r\033[K")
            self.stream.flush()

    def _tick(self) -> None:
        assert self.stream is not None
        while not self._stop.wait(self.interval_s):
            self.stream.write("\r\033[K" + self.line())
            self.stream.flush()


class _AuditRun(live._Run):
    """One account's discovery on the live scheduler: the plan's images are not given but listed."""

    def __init__(self, plan: live.Plan, clients: Clients, pool: Any, policy: RetryPolicy, timeout_s: float,
                 limits: live.Limits, *, regions_given: bool) -> None:
        super().__init__(plan, clients, pool, policy, timeout_s, limits)
        self.regions_given = regions_given
        self.region_gaps: dict[str, Worded] = {}
        self.account_gap: Worded | None = None
        self.regions_done = 0
        self._pages_left: dict[str, int] = {}

    def start(self) -> None:
        self.submit("GetCallerIdentity", self.rpc("GetCallerIdentity", None, {}), self.on_account,
                    where=self.where("sts", None))
        self.submit("DescribeRegions", self.rpc("DescribeRegions", None, {}), self.on_regions,
                    where=self.where("ecs", None))
        for region in self.plan.regions:
            self.start_region(region)
        self.start_roles_and_buckets()

    def on_regions(self, out: Outcome[dict[str, Any]]) -> None:
        super().on_regions(out)
        if self.regions_given:
            for region in self.plan.regions:  # asked for, but the account has no such region
                if region in self.found.dead_regions:
                    self.region_gaps.setdefault(region, Worded(Msg("audit.no_such_region", region=region)))
            return
        if out.value is None:
            assert out.error is not None
            self.account_gap = self.why(out.error, "DescribeRegions", self.where("ecs", None))
            return
        listed = [str(r.get("RegionId")) for r in self.found.regions or () if r.get("RegionId")]
        self.plan = dataclasses.replace(self.plan, regions=tuple(dict.fromkeys(listed)))
        for region in self.plan.regions:
            self.start_region(region)

    def start_region(self, region: str) -> None:
        self.describe_tasks(region, 1)
        self.list_images(region, 1)

    def list_images(self, region: str, page: int) -> None:
        query = {"RegionId": region, "ImageOwnerAlias": "self", "Status": live.IMAGE_STATUSES,
                 "PageSize": str(live.BATCH), "PageNumber": str(page)}
        self._pages_left[region] = self._pages_left.get(region, 0) + 1
        self.submit("DescribeImages", self.rpc("DescribeImages", region, query),
                    lambda out: self.on_listed(region, page, out), region=region, where=self.where("ecs", region))

    def gap(self, region: str, why: Worded) -> None:
        self.region_gaps.setdefault(region, why)

    def on_listed(self, region: str, page: int, out: Outcome[dict[str, Any]]) -> None:
        self._pages_left[region] -= 1
        if out.value is not None:
            items = live._items(out.value, "Images", "Image")
            for image in items:
                image_id = image.get("ImageId")
                if not isinstance(image_id, str) or not image_id:
                    # an image that does not say which it is: the region's list is not known
                    err = CallError(Kind.MALFORMED, code=MISSING, detail="Images.Image[].ImageId")
                    self.gap(region, self.why(err, "DescribeImages"))
                    continue
                self.found.images[(region, image_id)] = {**image, "RegionId": region}
            total = out.value.get("TotalCount")
            if page == 1:
                absent = "TotalCount" not in out.value
                if absent or not isinstance(total, int) or isinstance(total, bool) or total < len(items):
                    # a count that is missing after a full page, or not a count, or fewer than the page
                    # holds: whether more images exist is not known
                    if not absent or len(items) >= live.BATCH:
                        err = CallError(Kind.MALFORMED, code=MISSING, detail="TotalCount")
                        self.gap(region, self.why(err, "DescribeImages"))
                else:
                    pages = -(-total // live.BATCH)
                    if pages > self.limits.max_pages:  # TotalCount=10^9 must not schedule 10^7 calls
                        self.gap(region, self.why(self.capped(), "DescribeImages"))
                    else:
                        for later in range(2, pages + 1):
                            self.list_images(region, later)
        elif out.error is not None and region not in self.found.dead_regions:
            self.gap(region, self.why(out.error, "DescribeImages", self.where("ecs", region)))
        if self._pages_left[region] == 0:
            self.regions_done += 1
            self.describe_snapshots_for(region)


def _assume(caller: Clients, account: Account, policy: RetryPolicy, timeout_s: float) -> AccessKey | Worded:
    """Temporary credentials in the account (kept in memory only), or why they could not be had."""
    from preflight.sources.live_errors import reason

    query = {"RoleArn": account.role_arn or "", "RoleSessionName": SESSION_NAME,
             "DurationSeconds": str(SESSION_SECONDS)}
    out = call_with_retries(lambda: caller.rpc("AssumeRole", None, query), policy)
    if out.error is not None:
        return reason(out.error, "sts:AssumeRole", where=f"{account.role_arn}", timeout_s=timeout_s)
    creds = out.value.get("Credentials") if out.value is not None else None
    fields = ("AccessKeyId", "AccessKeySecret", "SecurityToken")
    if not isinstance(creds, dict) or not all(isinstance(creds.get(f), str) and creds[f] for f in fields):
        err = CallError(Kind.MALFORMED, code=MISSING, detail="Credentials")
        return reason(err, "sts:AssumeRole", where=f"{account.role_arn}", timeout_s=timeout_s)
    return AccessKey(creds["AccessKeyId"], creds["AccessKeySecret"], creds["SecurityToken"])


@dataclass(frozen=True)
class Settings:
    """How the calls are made (the same knobs as ``live.collect``)."""

    endpoints: Mapping[str, Any]
    timeout_s: float = 10.0
    max_workers: int = 16
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    limits: live.Limits = field(default_factory=live.Limits)
    proxies: Mapping[str, str] = field(default_factory=dict)
    loopback: bool = False


def _clients(identity: Identity, settings: Settings) -> Clients:
    return Clients(identity, settings.endpoints, timeout_s=settings.timeout_s, proxies=settings.proxies,
                   pool_size=settings.max_workers, require_loopback=settings.loopback,
                   max_body_bytes=settings.limits.max_body_bytes)


def read_account(account: Account, identity: Identity, scope: Scope, settings: Settings, progress: Progress,
                 *, fatal_raises: bool = False) -> AccountRead:
    """One account's discovery, assembled as a snapshot document."""
    captured_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    buckets = {b: r for r, b in scope.buckets.items() if not scope.regions or r in scope.regions}
    plan = live.Plan(scope.regions, {}, (scope.role or live.DEFAULT_ROLE,), buckets)
    clients = _clients(identity, settings)
    live._prepare_clients(clients, plan)
    pool = live._DaemonPool(settings.max_workers, "preflight-audit")
    run = _AuditRun(plan, clients, pool, settings.policy, settings.timeout_s, settings.limits,
                    regions_given=bool(scope.regions))
    progress.add(run)
    try:
        run.start()
        run.run()
    except BaseException:
        run.cancelled.set()
        run.halt.set()
        raise
    finally:
        pool.shutdown(wait=not (run.cancelled.is_set() or run.expired))
    account_id = run.found.account_id or account.account_id or ""
    secrets = identity.secrets
    why: Worded | None = None
    if run.fatal is not None:
        rejected = Msg("live.credentials_rejected", source=identity.source, code=run.fatal.code or run.fatal.detail,
                       where=run.fatal_where)
        if fatal_raises:
            raise PreflightError(live._redact_msg(rejected, secrets))
        why = Worded(rejected)
    elif run.calls and not run.reached and run.unreachable:
        unreachable = Msg("live.nothing_reachable", endpoints=Listing(sorted(run.unreachable)))
        if fatal_raises:
            raise PreflightError(unreachable)
        why = Worded(unreachable)
    else:
        why = run.account_gap
    if why is not None:
        return AccountRead(account, account_id, None, list(run.plan.regions),
                           {None: str(live._redact_reason(why, secrets))}, run.calls)
    images = sorted(run.found.images)
    requests = [scope.request(region, image_id) for region, image_id in images]
    doc = live.quarantine(live.assemble(requests, run.found, captured_at))
    if "unknown" in doc:
        doc["unknown"] = live._sort_unknown(doc["unknown"])
    for entry in doc.get("unknown", []):
        entry["reason"] = live._redact_reason(entry["reason"], secrets)
    gaps: dict[str | None, str] = {r: str(live._redact_reason(w, secrets)) for r, w in run.region_gaps.items()}
    return AccountRead(account, account_id, doc, [r for r in run.plan.regions if r not in run.found.dead_regions
                                                  or r in run.region_gaps], gaps, run.calls)


def list_directory(caller: Clients, settings: Settings, role_name: str) -> list[Account]:
    """The member accounts of the Resource Directory (``ListAccounts``, every page), each reached through
    ``role_name``. A directory that cannot be listed stops the run: which accounts exist is not known."""
    from preflight.sources.live_errors import reason

    accounts: list[Account] = []
    page = 1
    while True:
        query = {"PageNumber": str(page), "PageSize": str(live.BATCH)}
        out = call_with_retries(functools.partial(caller.rpc, "ListAccounts", None, query), settings.policy)
        if out.error is not None or out.value is None:
            assert out.error is not None
            why = reason(out.error, "resourcemanager:ListAccounts", timeout_s=settings.timeout_s)
            raise PreflightError(Msg("audit.directory_unreadable", reason=why))
        items = live._items(out.value, "Accounts", "Account")
        total = out.value.get("TotalCount")

        def malformed(detail: str) -> PreflightError:
            # an account left out of the list would be left out of the audit without a word: which accounts
            # exist is not known, so the run stops
            return PreflightError(Msg("audit.directory_unreadable", reason=Msg("live.malformed", detail=detail)))

        if not isinstance(total, int) or isinstance(total, bool):
            raise malformed("TotalCount")
        for item in items:
            account_id = item.get("AccountId")
            if not isinstance(account_id, str) or not account_id:
                raise malformed("Accounts.Account[].AccountId")
            arn = f"acs:ram::{account_id}:role/{role_name}"
            accounts.append(Account(account_id, str(item.get("DisplayName") or ""), arn))
        if len(accounts) >= total:
            break
        if not items:  # fewer accounts than TotalCount says, and no more coming
            raise malformed(f"TotalCount {total}, {len(accounts)} accounts listed")
        if page >= settings.limits.max_pages:
            raise PreflightError(Msg("audit.directory_unreadable",
                                     reason=Msg("live.page_cap", limit=settings.limits.max_pages)))
        page += 1
    return accounts


def discover(
    accounts: Sequence[Account] | None,
    scope: Scope,
    *,
    resource_directory: bool = False,
    assume_role_name: str = RD_ACCESS_ROLE,
    profile: str | None = None,
    endpoints: Mapping[str, str] | None = None,
    credential: object | None = None,
    timeout_s: float = 10.0,
    max_workers: int = 16,
    account_workers: int = DEFAULT_ACCOUNT_WORKERS,
    retries: int = 3,
    backoff_s: float = 0.2,
    limits: live.Limits | None = None,
    deadline_s: float | None = None,
    progress: Progress | None = None,
    on_read: Callable[[AccountRead], None] | None = None,
) -> list[AccountRead]:
    """Read every account (``accounts``; the members of the Resource Directory with ``resource_directory``;
    neither: the caller's own account), at most ``account_workers`` at once."""
    environ = os.environ
    overrides = resolve_endpoints(endpoints, environ)
    identity = resolve_identity(credential, profile, environ)
    limits = limits or live.Limits.from_environ(environ)
    if deadline_s is not None:
        limits = dataclasses.replace(limits, deadline_s=deadline_s)
    policy = RetryPolicy(retries=max(0, retries), base_delay_s=backoff_s)
    with proxies_taken_from_env() as proxies:
        settings = Settings(overrides, timeout_s, max(1, max_workers), policy, limits, dict(proxies),
                            loopback_only(environ))
        caller = _clients(identity, settings)
        own = accounts is None and not resource_directory
        targets = list(accounts or ())
        if resource_directory:
            targets += list_directory(caller, settings, assume_role_name)
            # the management account is a member of its own directory, without the access role: its own
            # credentials read it
            me = call_with_retries(functools.partial(caller.rpc, "GetCallerIdentity", None, {}), policy)
            mine = me.value.get("AccountId") if me.value is not None else None
            targets = [Account(a.account_id, a.name, None) if mine and a.account_id == mine else a for a in targets]
        targets = list({a.account_id or "": a for a in targets}.values())  # each account once
        if own:
            targets = [Account(None)]
        progress = progress or Progress(None, len(targets))
        progress.accounts = len(targets)

        def read(account: Account) -> AccountRead:
            try:
                if account.role_arn is None:
                    return read_account(account, identity, scope, settings, progress, fatal_raises=own)
                key = _assume(caller, account, policy, timeout_s)
                if not isinstance(key, AccessKey):
                    why = str(live._redact_reason(key, identity.secrets))
                    return AccountRead(account, account.account_id or "", None, [], {None: why})
                session = resolve_identity(key, None, environ)
                session = Identity(session.provider, Msg("audit.source_assumed", role=account.role_arn),
                                   (*session.secrets, *identity.secrets))
                return read_account(account, session, scope, settings, progress)
            finally:
                progress.account_done()

        with progress, ThreadPoolExecutor(max(1, account_workers), thread_name_prefix="preflight-account") as ex:
            reads = list(ex.map(read, targets))
    for done in reads:
        if on_read is not None:
            on_read(done)
    return reads


# ---- the fleet document -------------------------------------------------------------------------------


def fleet_document(reads: Sequence[AccountRead], scope: Scope) -> dict[str, Any]:
    """Every account's snapshot in one document (design.md round 2): each entity carries ``account``; the
    ``audit`` object says which accounts and regions were audited and what could not be read."""
    from preflight.sources.snapshot import SECTIONS

    doc: dict[str, Any] = {"version": 1, "captured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    audit: dict[str, Any] = {"scope": scope.as_dict(), "accounts": []}
    exports: list[dict[str, Any]] = []
    sections: dict[str, list[dict[str, Any]]] = {s: [] for s in (*SECTIONS, "unknown")}
    for done in reads:
        entry: dict[str, Any] = {"account_id": done.account_id, "name": done.account.name,
                                 "regions": sorted(done.regions),
                                 "gaps": [{"region": r, "reason": why} for r, why in
                                          sorted(done.gaps.items(), key=lambda kv: kv[0] or "")]}
        sub = done.document
        if sub is not None:
            entry["captured_at"] = sub.get("captured_at")
            if "public_access_block" in sub:
                entry["public_access_block"] = sub["public_access_block"]
            exports += [{**e, "account": done.account_id} for e in sub.get("exports", [])]
            for section in sections:
                sections[section] += [{**e, "account": done.account_id} for e in sub.get(section, [])]
        audit["accounts"].append(entry)
    doc["audit"] = audit
    doc["exports"] = exports
    for section, items in sections.items():
        if items or section != "unknown":
            doc[section] = items
    return doc
