"""Live source: read the account with read-only calls and return an offline snapshot document.

``collect()`` returns exactly the design.md snapshot format (version 1), so the core turns it into facts the
way it does for a snapshot file, and ``preflight snapshot`` writes exactly what live saw.

How a run goes:

1. Plan: the distinct regions, images per region, roles and buckets the requests name.
2. Resolve credentials (the standard chain, ``--profile`` or an injected key) and endpoints; stop with a
   ``PreflightError`` when there are none or an ``--endpoint`` is malformed.
3. Gather: every independent call runs at once on a bounded thread pool; a call that needs another's answer
   (snapshots after images, policy documents after the policy list, further pages) is started when that
   answer arrives. Each distinct fact is fetched once. Every call is retried on throttling, 5xx, timeouts and
   connection failures with jittered exponential backoff, a bounded number of times.
4. Assemble: a present section is the complete truth for what was asked; a NotFound answer leaves the entity
   out ("learned: does not exist"); what could not be learned is listed under ``unknown`` with the reason.

The SDKs are imported inside functions only (``live_clients``): importing this module is cheap.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import queue
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from preflight.errors import Foreign, Listing, Msg, PreflightError, Worded
from preflight.sources.live_clients import (
    ACTIONS,
    DEFAULT_MAX_BODY_BYTES,
    AccessKey,
    Clients,
    Identity,
    loopback_only,
    proxies_taken_from_env,
    quiet_sdk_logs,
    resolve_endpoints,
    resolve_identity,
)
from preflight.sources.live_errors import (
    MISSING,
    CallError,
    Kind,
    Outcome,
    Refused,
    RetryPolicy,
    call_with_retries,
    classify,
    reason,
)

__all__ = [
    "DEFAULT_ROLE",
    "AccessKey",
    "Limits",
    "collect",
    "required_permissions_policy",
]

log = logging.getLogger("preflight.live")

T = TypeVar("T")

DEFAULT_ROLE = "AliyunECSImageExportDefaultRole"
#: what every task DescribeTasks returns must say (it was asked for ExportImage tasks that are Processing)
TASK_FIELDS = ("TaskId", "TaskAction", "TaskStatus", "ResourceId")
# DescribeImages answers only Available images unless asked for every status (sdk-notes "Traps").
IMAGE_STATUSES = "Creating,Waiting,Available,UnAvailable,CreateFailed,Deprecated"
BATCH = 100  # DescribeImages ImageId / DescribeSnapshots SnapshotIds / page sizes: the APIs' maximum
#: DescribeImages without ImageOwnerAlias answers system, self and others images only (sdk-notes)
MARKETPLACE = "marketplace"


@dataclass(frozen=True)
class Limits:
    """The caps of a live run against a slow, endless or hostile endpoint. What a cap cuts off is unknown,
    with a reason naming the cap. (docs/security.md lists them.)"""

    deadline_s: float = 300.0  # the whole collection; calls still unanswered then are unknown
    max_pages: int = 1000  # pages of one list (DescribeImages, DescribeSnapshots, DescribeTasks)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # one answer's body

    def __post_init__(self) -> None:
        for name, value in (("--deadline", self.deadline_s), ("max_pages", self.max_pages),
                            ("max_body_bytes", self.max_body_bytes)):
            if not (isinstance(value, (int, float)) and value > 0 and value != float("inf")):
                raise PreflightError(Msg("live.bad_limit", name=name, value=value))

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], deadline_s: float | None = None) -> Limits:
        """The defaults, over which ``PREFLIGHT_DEADLINE_S``, ``PREFLIGHT_MAX_PAGES`` and
        ``PREFLIGHT_MAX_BODY_BYTES`` are laid, and ``deadline_s`` (``--deadline``) over those."""
        values: dict[str, Any] = {}
        for variable, name, kind in LIMIT_VARIABLES:
            text = environ.get(variable, "").strip()
            if not text:
                continue
            try:
                values[name] = kind(text)
            except ValueError:
                raise PreflightError(Msg("live.bad_limit", name=variable, value=text)) from None
            if not values[name] > 0 or values[name] == float("inf"):
                raise PreflightError(Msg("live.bad_limit", name=variable, value=text))
        if deadline_s is not None:
            values["deadline_s"] = deadline_s
        return cls(**values)


#: environment variable, ``Limits`` field, type
LIMIT_VARIABLES: tuple[tuple[str, str, Callable[[str], Any]], ...] = (
    ("PREFLIGHT_DEADLINE_S", "deadline_s", float),
    ("PREFLIGHT_MAX_PAGES", "max_pages", int),
    ("PREFLIGHT_MAX_BODY_BYTES", "max_body_bytes", int),
)


# ---- the plan ---------------------------------------------------------------------------------------------


def _text(request: Mapping[str, str], key: str) -> str:
    value = request.get(key)
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class Plan:
    """What the requests need to know, each thing once (first-seen order)."""

    regions: tuple[str, ...]
    images: Mapping[str, tuple[str, ...]]  # region -> image ids
    roles: tuple[str, ...]
    buckets: Mapping[str, str]  # bucket -> region of the first request naming it (its OSS client)


def plan_requests(requests: Sequence[Mapping[str, str]]) -> Plan:
    regions: dict[str, None] = {}
    images: dict[str, dict[str, None]] = {}
    roles: dict[str, None] = {}
    buckets: dict[str, str] = {}
    for request in requests:
        region = _text(request, "RegionId")
        if region:
            regions.setdefault(region)
            image = _text(request, "ImageId")
            if image:
                images.setdefault(region, {}).setdefault(image)
            bucket = _text(request, "OSSBucket")
            if bucket:
                buckets.setdefault(bucket, region)
        roles.setdefault(_text(request, "RoleName") or DEFAULT_ROLE)
    return Plan(
        tuple(regions),
        {r: tuple(ids) for r, ids in images.items()},
        tuple(roles),
        buckets,
    )


def _batches(items: Sequence[str], size: int = BATCH) -> list[tuple[str, ...]]:
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


# ---- what was learned -------------------------------------------------------------------------------------


Unknown = dict[str, Any]


def _unknown(section: str, match: Mapping[str, str], why: Worded, fld: str | None = None) -> Unknown:
    entry: Unknown = {"section": section, "match": dict(match)}
    if fld:
        entry["field"] = fld
    entry["reason"] = why
    return entry


@dataclass
class Findings:
    """Everything learned during a run. Only the scheduler's thread touches it."""

    regions: list[dict[str, Any]] | None = None
    account_id: str | None = None
    images: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    attached: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # role -> ListPoliciesForRole
    attached_errors: dict[str, Worded] = field(default_factory=dict)
    documents: dict[tuple[str, str], str] = field(default_factory=dict)  # (type, name) -> PolicyDocument
    document_errors: dict[tuple[str, str], Worded] = field(default_factory=dict)
    missing_policies: set[tuple[str, str]] = field(default_factory=set)
    buckets: dict[str, dict[str, Any]] = field(default_factory=dict)
    bucket_policies: dict[str, Any] = field(default_factory=dict)  # name -> document, None = has none
    bucket_policy_errors: dict[str, Worded] = field(default_factory=dict)
    public_access_block: dict[str, Any] | None = None  # account level; None: not learned (left out)
    dead_regions: set[str] = field(default_factory=set)  # requested, but DescribeRegions does not list them
    unknown: list[dict[str, Any]] = field(default_factory=list)

    def add_unknown(self, section: str, match: Mapping[str, str], why: Worded) -> None:
        self.unknown.append(_unknown(section, match, why))


def _items(body: Mapping[str, Any], outer: str, inner: str) -> list[dict[str, Any]]:
    """``{"Images": {"Image": [...]}}`` -> the list (also accepts a plain list)."""
    wrapped = body.get(outer)
    items = wrapped.get(inner) if isinstance(wrapped, dict) else wrapped
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _require_list(body: Mapping[str, Any], outer: str, inner: str) -> dict[str, Any]:
    """The answer, if it carries its list (``{"TaskSet": {"Task": [...]}}``, or a plain list); else it is
    malformed: an answer without its list is not "an empty list" (a missing task list must not read as "no
    export running")."""
    wrapped = body.get(outer)
    items = wrapped.get(inner) if isinstance(wrapped, dict) else wrapped
    if not isinstance(items, list):
        raise Refused(Kind.MALFORMED, missing=f"{outer}.{inner}")
    return dict(body)


def _require_object(body: Mapping[str, Any], name: str) -> dict[str, Any]:
    if not isinstance(body.get(name), dict):
        raise Refused(Kind.MALFORMED, missing=name)
    return dict(body)


#: the part of each answer without which the answer is malformed (checked on the worker, before it is used)
_SHAPES: Mapping[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "DescribeRegions": lambda b: _require_list(b, "Regions", "Region"),
    "DescribeImages": lambda b: _require_list(b, "Images", "Image"),
    "DescribeSnapshots": lambda b: _require_list(b, "Snapshots", "Snapshot"),
    "DescribeTasks": lambda b: _require_list(b, "TaskSet", "Task"),
    "GetRole": lambda b: _require_object(b, "Role"),
    "ListPoliciesForRole": lambda b: _require_list(b, "Policies", "Policy"),
}


def _snapshot_ids(image: Mapping[str, Any]) -> list[str]:
    mappings = image.get("DiskDeviceMappings")
    items = mappings.get("DiskDeviceMapping") if isinstance(mappings, dict) else mappings
    if not isinstance(items, list):
        return []
    return [str(m["SnapshotId"]) for m in items if isinstance(m, dict) and m.get("SnapshotId")]


def _xml_value(element: ET.Element) -> Any:
    """An XML element as the API names it: children -> dict (repeated names -> list), leaf -> text."""
    children = list(element)
    if not children:
        return element.text or ""
    out: dict[str, Any] = {}
    for child in children:
        value = _xml_value(child)
        if child.tag in out:
            previous = out[child.tag]
            out[child.tag] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[child.tag] = value
    return out


_XML_BOOLS = {"true": True, "false": False}


def _bool_field(value: dict[str, Any], name: str) -> None:
    """An XML boolean element as a JSON bool (``BlockPublicAccess``, as the SDK model types it); a value that
    is not ``true``/``false`` is dropped: left absent, it is unknown."""
    if name in value:
        parsed = _XML_BOOLS.get(str(value[name]).strip().lower()) if isinstance(value[name], str) else None
        if parsed is None:
            del value[name]
        else:
            value[name] = parsed


def parse_bucket_info(body: bytes) -> dict[str, Any]:
    """GetBucketInfo's ``<BucketInfo><Bucket>…`` as a dict with the XML element names."""
    root = ET.fromstring(body)
    bucket = root.find("Bucket") if root.tag == "BucketInfo" else None
    if bucket is None:
        raise Refused(Kind.MALFORMED, missing="BucketInfo.Bucket")
    value = _xml_value(bucket)
    if not isinstance(value, dict):
        raise Refused(Kind.MALFORMED, missing="BucketInfo.Bucket")
    _bool_field(value, "BlockPublicAccess")
    return value


def parse_public_access_block(body: bytes) -> dict[str, Any]:
    """GetPublicAccessBlock's ``<PublicAccessBlockConfiguration><BlockPublicAccess>`` as
    ``{"BlockPublicAccess": bool}`` (the snapshot's ``public_access_block`` section)."""
    root = ET.fromstring(body)
    value = _xml_value(root) if root.tag == "PublicAccessBlockConfiguration" else None
    if not isinstance(value, dict):
        raise Refused(Kind.MALFORMED, missing="PublicAccessBlockConfiguration")
    _bool_field(value, "BlockPublicAccess")
    if "BlockPublicAccess" not in value:
        raise Refused(Kind.MALFORMED, missing="PublicAccessBlockConfiguration.BlockPublicAccess")
    return {"BlockPublicAccess": value["BlockPublicAccess"]}


def parse_bucket_policy(body: bytes) -> Any:
    """The bucket policy document: a JSON object (kept as text if it does not parse)."""
    text = body.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


# ---- the run ----------------------------------------------------------------------------------------------


class _DaemonPool:
    """A bounded pool of daemon worker threads.

    ``ThreadPoolExecutor`` joins its threads when the interpreter exits, so one call stuck on a slow-loris
    endpoint would hold the process past the run deadline. These threads are abandoned instead: the scheduler
    stops waiting at the deadline, and the process may exit with a call still hanging."""

    def __init__(self, workers: int, name: str) -> None:
        self._queue: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._workers = workers
        self._name = name

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        self._queue.put((future, fn))
        if len(self._threads) < self._workers:
            thread = threading.Thread(target=self._work, name=f"{self._name}_{len(self._threads)}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return future

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            future, fn = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn()
            except BaseException as exc:  # handed to the scheduler, which re-raises it
                future.set_exception(exc)
            else:
                future.set_result(result)

    def shutdown(self, wait: bool) -> None:
        while True:  # calls not started yet are not made
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[0].cancel()
        for _ in self._threads:
            self._queue.put(None)
        if wait:
            for thread in self._threads:
                thread.join()


class _Run:
    """One collection: a bounded pool of workers making single calls, and this thread reacting to answers.

    Workers only call the SDK (with retries); every answer is handled here, on the scheduler's thread, which
    alone updates ``Findings`` and decides the follow-up calls. No locks are needed for the findings.
    """

    def __init__(
        self,
        plan: Plan,
        clients: Clients,
        pool: _DaemonPool,
        policy: RetryPolicy,
        timeout_s: float,
        limits: Limits | None = None,
    ) -> None:
        self.plan = plan
        self.clients = clients
        self.pool = pool
        self.policy = policy
        self.timeout_s = timeout_s
        self.limits = limits or Limits()
        self.deadline = time.monotonic() + self.limits.deadline_s
        self.expired = False  # the run deadline passed: every call not answered by then is unknown
        self.halt = threading.Event()  # set on cancel and on expiry: stops retries, cuts backoff sleeps
        self.found = Findings()
        self.cancelled = threading.Event()
        self.fatal: CallError | None = None
        self.fatal_where = ""
        self.calls = 0
        self.reached = 0
        self.unreachable: set[str] = set()
        self._pending: dict[Future[Outcome[Any]], Callable[[Outcome[Any]], None]] = {}
        self._images_left: dict[str, int] = {}
        self._image_errors: set[tuple[str, str]] = set()  # (region, image) recorded unknown
        self._marketplace_asked: set[str] = set()  # regions asked again with ImageOwnerAlias=marketplace
        self._policies_asked: set[tuple[str, str]] = set()

    # -- scheduling --
    def submit(
        self,
        action: str,
        call: Callable[[], T],
        then: Callable[[Outcome[T]], None],
        *,
        region: str | None = None,
        where: str = "",
    ) -> None:
        def stop() -> bool:
            return self.halt.is_set() or (region is not None and region in self.found.dead_regions)

        def work() -> Outcome[T]:
            started = time.monotonic()
            out = call_with_retries(call, self.policy, stop=stop, wake=self.halt)
            result = "ok" if out.error is None else (out.error.code or out.error.kind.value)
            log.debug("%s %s -> %s in %.3f s", action, region or "", result, time.monotonic() - started)
            return out

        def handle(out: Outcome[T]) -> None:
            self.calls += 1
            self.reached += out.reached
            if out.error is not None and out.error.kind is Kind.UNREACHABLE:
                self.unreachable.add(where)
            if out.error is not None and out.error.kind is Kind.AUTH and self.fatal is None:
                self.fatal, self.fatal_where = out.error, where
                self.cancelled.set()
                self.halt.set()
                return
            if not self.cancelled.is_set():
                then(out)

        if self.expired:  # a follow-up asked for after the deadline: not made, unknown like the others
            handle(Outcome(error=self.deadline_error()))
            return
        self._pending[self.pool.submit(work)] = handle

    def deadline_error(self) -> CallError:
        return CallError(Kind.DEADLINE, detail=f"{self.limits.deadline_s:g}")

    def run(self) -> None:
        while self._pending:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                self.expire()
                return
            done, _ = wait(self._pending, timeout=remaining, return_when=FIRST_COMPLETED)
            for future in done:
                handle = self._pending.pop(future)
                handle(future.result())

    def expire(self) -> None:
        """The deadline passed: every call still in flight is given up, its fact recorded unknown."""
        self.expired = True
        self.halt.set()
        while self._pending:
            future, handle = self._pending.popitem()
            future.cancel()
            handle(Outcome(error=self.deadline_error()))

    def capped(self) -> CallError:
        return CallError(Kind.PAGE_CAP, detail=str(self.limits.max_pages))

    def why(self, err: CallError, action: str, where: str = "") -> Worded:
        return reason(err, ACTIONS[action].permission, where=where, timeout_s=self.timeout_s)

    def rpc(self, action: str, region: str | None, query: Mapping[str, str]) -> Callable[[], dict[str, Any]]:
        """The call, with the answer's shape checked on the worker (a malformed answer is a failed call)."""
        shape = _SHAPES.get(action)
        if shape is None:
            return lambda: self.clients.rpc(action, region, query)
        return lambda: shape(self.clients.rpc(action, region, query))

    def where(self, service: str, region: str | None) -> str:
        return f"{service} {self.clients.endpoint(service, region).url}"

    # -- start --
    def start(self) -> None:
        self.submit(
            "GetCallerIdentity", self.rpc("GetCallerIdentity", None, {}), self.on_account, where=self.where("sts", None)
        )
        if self.plan.regions:
            self.submit(
                "DescribeRegions",
                self.rpc("DescribeRegions", None, {}),
                self.on_regions,
                where=self.where("ecs", None),
            )
        for region in self.plan.regions:
            self.describe_tasks(region, 1)
        for region, ids in self.plan.images.items():
            self._images_left[region] = 0
            for batch in _batches(ids):
                self.describe_images(region, batch, 1)
        for role in self.plan.roles:
            self.get_role(role)
        for bucket, region in self.plan.buckets.items():
            self.get_bucket(bucket, region)
        if self.plan.buckets:
            self.get_public_access_block(next(iter(self.plan.buckets.values())))

    # -- account and regions --
    def on_account(self, out: Outcome[dict[str, Any]]) -> None:
        if out.value is not None and out.value.get("AccountId"):
            self.found.account_id = str(out.value["AccountId"])
        elif out.error is not None:
            self.found.add_unknown("account_id", {}, self.why(out.error, "GetCallerIdentity", self.where("sts", None)))

    def on_regions(self, out: Outcome[dict[str, Any]]) -> None:
        if out.value is not None:
            self.found.regions = _items(out.value, "Regions", "Region")
            known = {str(r.get("RegionId")) for r in self.found.regions}
            self.found.dead_regions.update(r for r in self.plan.regions if r not in known)
            return
        assert out.error is not None
        why = self.why(out.error, "DescribeRegions", self.where("ecs", None))
        for region in self.plan.regions:
            self.found.add_unknown("regions", {"RegionId": region}, why)

    # -- images and snapshots --
    def describe_images(self, region: str, ids: tuple[str, ...], page: int, alias: str = "") -> None:
        query = {
            "RegionId": region,
            "ImageId": ",".join(ids),
            "Status": IMAGE_STATUSES,
            "PageSize": str(BATCH),
            "PageNumber": str(page),
        }
        if alias:
            query["ImageOwnerAlias"] = alias
        self._images_left[region] += 1
        self.submit(
            "DescribeImages",
            self.rpc("DescribeImages", region, query),
            lambda out: self.on_images(region, ids, page, alias, out),
            region=region,
            where=self.where("ecs", region),
        )

    def on_images(
        self, region: str, ids: tuple[str, ...], page: int, alias: str, out: Outcome[dict[str, Any]]
    ) -> None:
        self._images_left[region] -= 1
        if out.value is not None:
            items = _items(out.value, "Images", "Image")
            for image in items:
                image_id = str(image.get("ImageId", ""))
                if image_id in ids:
                    self.found.images[(region, image_id)] = (
                        {"RegionId": region, **image} if "RegionId" not in image else image
                    )
            total = out.value.get("TotalCount")
            if isinstance(total, int) and total > page * BATCH and items:
                if page >= self.limits.max_pages:
                    left = tuple(i for i in ids if (region, i) not in self.found.images)
                    self.images_unknown(region, left, self.capped())
                else:
                    self.describe_images(region, ids, page + 1, alias)
        elif out.error is not None:
            self.on_images_error(region, ids, alias, out.error)
        if self._images_left[region] == 0:
            self.images_done(region)

    def images_done(self, region: str) -> None:
        """Every DescribeImages of the region has answered. The ids not found were asked without
        ``ImageOwnerAlias``, which leaves Marketplace images out: ask for those once more with
        ``ImageOwnerAlias=marketplace`` before reading them as "does not exist"; then the snapshots."""
        if region not in self._marketplace_asked and region not in self.found.dead_regions:
            self._marketplace_asked.add(region)
            missing = [
                i
                for i in self.plan.images.get(region, ())
                if (region, i) not in self.found.images and (region, i) not in self._image_errors
            ]
            for batch in _batches(missing):
                self.describe_images(region, batch, 1, MARKETPLACE)
            if missing:
                return
        self.describe_snapshots_for(region)

    def images_unknown(self, region: str, ids: tuple[str, ...], err: CallError) -> None:
        why = self.why(err, "DescribeImages", self.where("ecs", region))
        for image_id in ids:
            self._image_errors.add((region, image_id))
            self.found.add_unknown("images", {"RegionId": region, "ImageId": image_id}, why)

    def on_images_error(self, region: str, ids: tuple[str, ...], alias: str, err: CallError) -> None:
        if err.kind is Kind.NOT_FOUND:
            if err.code == "InvalidImageId.NotFound" and len(ids) > 1:
                # Some API versions refuse the whole batch when one id is unknown: find which, by halves.
                half = len(ids) // 2
                self.describe_images(region, ids[:half], 1, alias)
                self.describe_images(region, ids[half:], 1, alias)
            return  # the image (or the region) does not exist: learned absent
        if region in self.found.dead_regions:
            return
        self.images_unknown(region, tuple(i for i in ids if (region, i) not in self.found.images), err)

    def describe_snapshots_for(self, region: str) -> None:
        wanted: dict[str, None] = {}
        for (r, _), image in self.found.images.items():
            if r == region:
                wanted.update(dict.fromkeys(_snapshot_ids(image)))
        for batch in _batches(list(wanted)):
            self.describe_snapshots(region, batch, "", 1)

    def describe_snapshots(self, region: str, ids: tuple[str, ...], token: str, page: int) -> None:
        query = {"RegionId": region, "SnapshotIds": json.dumps(list(ids)), "MaxResults": str(BATCH)}
        if token:
            query["NextToken"] = token
        self.submit(
            "DescribeSnapshots",
            self.rpc("DescribeSnapshots", region, query),
            lambda out: self.on_snapshots(region, ids, page, out),
            region=region,
            where=self.where("ecs", region),
        )

    def on_snapshots(self, region: str, ids: tuple[str, ...], page: int, out: Outcome[dict[str, Any]]) -> None:
        """A snapshot an image references is never "absent": one not returned, or refused as NotFound, is
        unknown, with a reason naming it (the image's disk then cannot be judged)."""
        if out.value is not None:
            for snapshot in _items(out.value, "Snapshots", "Snapshot"):
                if snapshot.get("SnapshotId") in ids:
                    self.found.snapshots[str(snapshot["SnapshotId"])] = snapshot
            token = out.value.get("NextToken")
            if isinstance(token, str) and token:
                if page >= self.limits.max_pages:
                    self.snapshots_unknown(region, ids, self.capped())
                else:
                    self.describe_snapshots(region, ids, token, page + 1)
                return
            for snapshot_id in ids:  # the last page: what was not returned was not learned
                if snapshot_id not in self.found.snapshots:
                    why = Worded(Msg("live.snapshot_not_returned", snapshot=snapshot_id))
                    self.found.add_unknown("snapshots", {"SnapshotId": snapshot_id}, why)
            return
        assert out.error is not None
        if region in self.found.dead_regions:
            return
        if out.error.kind is Kind.NOT_FOUND:
            left = tuple(i for i in ids if i not in self.found.snapshots)
            if len(left) > 1:  # one unknown id may refuse the whole batch: find which, by halves
                half = len(left) // 2
                self.describe_snapshots(region, left[:half], "", 1)
                self.describe_snapshots(region, left[half:], "", 1)
            elif left:
                why = Worded(Msg("live.snapshot_not_found", code=out.error.code, snapshot=left[0]))
                self.found.add_unknown("snapshots", {"SnapshotId": left[0]}, why)
            return
        self.snapshots_unknown(region, ids, out.error)

    def snapshots_unknown(self, region: str, ids: tuple[str, ...], err: CallError) -> None:
        why = self.why(err, "DescribeSnapshots", self.where("ecs", region))
        for snapshot_id in ids:
            if snapshot_id not in self.found.snapshots:
                self.found.add_unknown("snapshots", {"SnapshotId": snapshot_id}, why)

    # -- tasks --
    def describe_tasks(self, region: str, page: int) -> None:
        query = {
            "RegionId": region,
            "TaskAction": "ExportImage",
            "TaskStatus": "Processing",
            "PageSize": str(BATCH),
            "PageNumber": str(page),
        }
        self.submit(
            "DescribeTasks",
            self.rpc("DescribeTasks", region, query),
            lambda out: self.on_tasks(region, page, out),
            region=region,
            where=self.where("ecs", region),
        )

    def on_tasks(self, region: str, page: int, out: Outcome[dict[str, Any]]) -> None:
        if out.value is not None:
            for task in _items(out.value, "TaskSet", "Task"):
                lacking = next((f for f in TASK_FIELDS if not isinstance(task.get(f), str) or not task[f]), None)
                if lacking is not None:
                    # a task that does not say what it is, or which image it works on, could be the
                    # export of this image: the region's tasks are not known (never "not running")
                    err = CallError(Kind.MALFORMED, code=MISSING, detail=f"TaskSet.Task[].{lacking}")
                    self.found.add_unknown("tasks", {"RegionId": region}, self.why(err, "DescribeTasks"))
                    continue
                self.found.tasks[(region, str(task.get("TaskId", "")))] = {"RegionId": region, **task}
            total = out.value.get("TotalCount")
            if page != 1:
                return
            if not isinstance(total, int) and len(_items(out.value, "TaskSet", "Task")) >= BATCH:
                # a full first page and no TotalCount: whether more pages exist is not known
                err = CallError(Kind.MALFORMED, code=MISSING, detail="TotalCount")
                self.found.add_unknown("tasks", {"RegionId": region}, self.why(err, "DescribeTasks"))
            elif isinstance(total, int) and total > BATCH:
                pages = -(-total // BATCH)
                if pages > self.limits.max_pages:  # TotalCount=10^9 must not schedule 10^7 calls
                    why = self.why(self.capped(), "DescribeTasks")
                    self.found.add_unknown("tasks", {"RegionId": region}, why)
                    return
                for later in range(2, pages + 1):
                    self.describe_tasks(region, later)
            return
        assert out.error is not None
        if out.error.kind is Kind.NOT_FOUND or region in self.found.dead_regions:
            return
        why = self.why(out.error, "DescribeTasks", self.where("ecs", region))
        self.found.add_unknown("tasks", {"RegionId": region}, why)

    # -- roles and their policies --
    def get_role(self, role: str) -> None:
        where = self.where("ram", None)
        self.submit(
            "GetRole", self.rpc("GetRole", None, {"RoleName": role}), lambda o: self.on_role(role, o), where=where
        )
        self.submit(
            "ListPoliciesForRole",
            self.rpc("ListPoliciesForRole", None, {"RoleName": role}),
            lambda o: self.on_role_policies(role, o),
            where=where,
        )

    def on_role(self, role: str, out: Outcome[dict[str, Any]]) -> None:
        if out.value is not None and isinstance(out.value.get("Role"), dict):
            self.found.roles[role] = dict(out.value["Role"])
        elif out.error is not None and out.error.kind is not Kind.NOT_FOUND:
            self.found.add_unknown("roles", {"RoleName": role}, self.why(out.error, "GetRole", self.where("ram", None)))

    def on_role_policies(self, role: str, out: Outcome[dict[str, Any]]) -> None:
        if out.value is None:
            assert out.error is not None
            if out.error.kind is not Kind.NOT_FOUND:
                self.found.attached_errors[role] = self.why(out.error, "ListPoliciesForRole", self.where("ram", None))
            return
        attached = _items(out.value, "Policies", "Policy")
        lacking = next((f for f in ("PolicyName", "PolicyType") for item in attached
                        if not isinstance(item.get(f), str) or not item[f]), None)
        if lacking is not None:
            # an attached policy that cannot be named cannot be read: it may be the Deny that matters
            err = CallError(Kind.MALFORMED, code=MISSING, detail=f"Policies.Policy[].{lacking}")
            self.found.attached_errors[role] = self.why(err, "ListPoliciesForRole")
            return
        self.found.attached[role] = attached
        for item in attached:
            key = (str(item.get("PolicyType", "")), str(item.get("PolicyName", "")))
            if key not in self._policies_asked:
                self._policies_asked.add(key)
                self.get_policy(key, str(item.get("DefaultVersion") or ""))

    def get_policy(self, key: tuple[str, str], version: str) -> None:
        query = {"PolicyType": key[0], "PolicyName": key[1]}
        self.submit(
            "GetPolicy",
            self.rpc("GetPolicy", None, query),
            lambda o: self.on_policy(key, version, o),
            where=self.where("ram", None),
        )

    def on_policy(self, key: tuple[str, str], version: str, out: Outcome[dict[str, Any]]) -> None:
        if out.value is not None:
            default = out.value.get("DefaultPolicyVersion")
            document = default.get("PolicyDocument") if isinstance(default, dict) else None
            if isinstance(document, str) and document:
                self.found.documents[key] = document
                return
            meta = out.value.get("Policy")
            version = str(meta.get("DefaultVersion") or version) if isinstance(meta, dict) else version
            query = {"PolicyType": key[0], "PolicyName": key[1], "VersionId": version}
            self.submit(
                "GetPolicyVersion",
                self.rpc("GetPolicyVersion", None, query),
                lambda o: self.on_policy_version(key, o),
                where=self.where("ram", None),
            )
            return
        assert out.error is not None
        self.on_policy_error(key, out.error, "GetPolicy")

    def on_policy_version(self, key: tuple[str, str], out: Outcome[dict[str, Any]]) -> None:
        if out.value is not None:
            version = out.value.get("PolicyVersion")
            document = version.get("PolicyDocument") if isinstance(version, dict) else None
            if isinstance(document, str) and document:
                self.found.documents[key] = document
            else:
                self.found.document_errors[key] = Worded(Msg("live.no_policy_document"))
            return
        assert out.error is not None
        self.on_policy_error(key, out.error, "GetPolicyVersion")

    def on_policy_error(self, key: tuple[str, str], err: CallError, action: str) -> None:
        if err.kind is Kind.NOT_FOUND and action == "GetPolicy":
            self.found.missing_policies.add(key)  # detached or deleted since the list: not attached
        else:
            self.found.document_errors[key] = self.why(err, action, self.where("ram", None))

    # -- buckets --
    def get_bucket(self, bucket: str, region: str) -> None:
        where = self.where("oss", region)
        self.submit(
            "GetBucketInfo",
            lambda: parse_bucket_info(self.oss_get("GetBucketInfo", region, bucket)),
            lambda o: self.on_bucket(bucket, region, o),
            where=where,
        )
        self.submit(
            "GetBucketPolicy",
            lambda: parse_bucket_policy(self.oss_get("GetBucketPolicy", region, bucket)),
            lambda o: self.on_bucket_policy(bucket, region, o),
            where=where,
        )

    def get_public_access_block(self, region: str) -> None:
        self.submit(
            "GetPublicAccessBlock",
            lambda: parse_public_access_block(self.clients.oss_get("GetPublicAccessBlock", region, None)),
            self.on_public_access_block,
            where=self.where("oss", region),
        )

    def on_public_access_block(self, out: Outcome[dict[str, Any]]) -> None:
        # not learned (denied, not offered by the endpoint, malformed): the section is left out, i.e. unknown
        if out.value is not None:
            self.found.public_access_block = out.value
        elif out.error is not None:
            log.debug("GetPublicAccessBlock: %s", out.error.code or out.error.kind.value)

    def oss_get(self, action: str, region: str, bucket: str) -> bytes:
        """One OSS GET; when OSS says the bucket must be addressed at another region's endpoint
        (403 with ``<Endpoint>oss-<region>.aliyuncs.com</Endpoint>``), ask that region's endpoint once."""
        try:
            return self.clients.oss_get(action, region, bucket)
        except Exception as exc:
            err = classify(exc)
            other = _region_of_oss_endpoint(err.endpoint["Endpoint"]) if err.endpoint else None
            if not other or other == region:
                raise
            return self.clients.oss_get(action, other, bucket)

    def on_bucket(self, bucket: str, region: str, out: Outcome[dict[str, Any]]) -> None:
        if out.value is not None:
            self.found.buckets[bucket] = out.value
        elif out.error is not None and out.error.kind is not Kind.NOT_FOUND:
            why = self.why(out.error, "GetBucketInfo", self.where("oss", region))
            self.found.add_unknown("buckets", {"Name": bucket}, why)

    def on_bucket_policy(self, bucket: str, region: str, out: Outcome[Any]) -> None:
        if out.error is None:
            self.found.bucket_policies[bucket] = out.value
        elif out.error.code == "NoSuchBucketPolicy":
            self.found.bucket_policies[bucket] = None
        elif out.error.kind is not Kind.NOT_FOUND:
            self.found.bucket_policy_errors[bucket] = self.why(out.error, "GetBucketPolicy", self.where("oss", region))


def _region_of_oss_endpoint(host: str) -> str | None:
    name = host.strip().split("://")[-1].split("/")[0].split(":")[0]
    if not name.startswith("oss-"):
        return None
    region = name[len("oss-") :].split(".")[0].removesuffix("-internal")
    return region or None


# ---- assembling the document ------------------------------------------------------------------------------


def _roles_section(found: Findings) -> tuple[list[dict[str, Any]], list[Unknown]]:
    roles: list[dict[str, Any]] = []
    unknown: list[Unknown] = []
    for name in sorted(found.roles):
        role = dict(found.roles[name])
        role.setdefault("RoleName", name)  # asked for by this name (as a bucket's Name, below)
        if name in found.attached:
            attached: list[dict[str, Any]] = []
            for item in found.attached[name]:
                key = (str(item.get("PolicyType", "")), str(item.get("PolicyName", "")))
                if key in found.missing_policies:
                    continue  # listed, then gone: not attached
                entry = dict(item)
                if key in found.documents:
                    entry["PolicyDocument"] = found.documents[key]
                else:
                    why = found.document_errors.get(key) or Worded(Msg("live.document_not_fetched"))
                    unknown.append(_unknown("roles", {"RoleName": name}, why, f"AttachedPolicies/{key[1]}"))
                attached.append(entry)
            role["AttachedPolicies"] = attached
        else:
            why = found.attached_errors.get(name) or Worded(Msg("live.attached_not_listed"))
            unknown.append(_unknown("roles", {"RoleName": name}, why, "AttachedPolicies"))
        roles.append(role)
    return roles, unknown


def _buckets_section(found: Findings) -> tuple[list[dict[str, Any]], list[Unknown]]:
    buckets: list[dict[str, Any]] = []
    unknown: list[Unknown] = []
    for name in sorted(found.buckets):
        bucket = dict(found.buckets[name])
        bucket.setdefault("Name", name)
        if name in found.bucket_policies:
            bucket["Policy"] = found.bucket_policies[name]
        else:
            why = found.bucket_policy_errors.get(name) or Worded(Msg("live.bucket_policy_not_fetched"))
            unknown.append(_unknown("buckets", {"Name": name}, why, "Policy"))
        buckets.append(bucket)
    return buckets, unknown


#: the fields that identify an entity of each section in the ``unknown`` list (tasks: the region's whole list)
_IDENTITY: Mapping[str, tuple[str, ...]] = {
    "regions": ("RegionId",),
    "images": ("RegionId", "ImageId"),
    "snapshots": ("SnapshotId",),
    "tasks": ("RegionId",),
    "roles": ("RoleName",),
    "buckets": ("Name",),
}
QUARANTINE_ROUNDS = 1000  # each round sets one problem aside; more means something is wrong with us


def _pointer_parts(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def _set_aside(doc: dict[str, Any], pointer: str, problem: Msg) -> bool:
    """Take what the problem at ``pointer`` is in out of the document and record it unknown; False when the
    pointer is not in what the cloud answered (the requests are the user's, the rest is ours)."""
    parts = _pointer_parts(pointer)
    why = Worded(Msg("live.malformed_at", pointer=pointer, problem=problem))
    unknown: list[Unknown] = doc.setdefault("unknown", [])
    if parts and parts[0] in ("account_id", "public_access_block") and parts[0] in doc:
        del doc[parts[0]]  # left out: unknown
        if parts[0] == "account_id":
            unknown.append(_unknown("account_id", {}, why))
        return True
    if not parts or parts[0] not in _IDENTITY or parts[0] not in doc:
        return False
    section = parts[0]
    items = doc[section]
    if len(parts) < 2 or not isinstance(items, list) or not parts[1].isdigit() or int(parts[1]) >= len(items):
        del doc[section]  # the section is not a list of entities: absent, i.e. unknown
        return True
    index = int(parts[1])
    entity = items[index]
    keys = _IDENTITY[section]
    values = [entity.get(k) for k in keys] if isinstance(entity, dict) else []
    match = {k: v for k, v in zip(keys, values, strict=False) if isinstance(v, str) and v}
    if len(match) < len(keys):
        # it cannot be told which entity this was: every one the requests name that is not there is unknown
        del items[index]
        for wanted in _wanted(doc, section):
            if not any(isinstance(e, dict) and all(e.get(k) == v for k, v in wanted.items()) for e in items):
                unknown.append(_unknown(section, wanted, why))
        return True
    fld = parts[2] if len(parts) > 2 and section not in ("tasks", "regions") and parts[2] not in keys else None
    if fld is None:
        del items[index]
        unknown.append(_unknown(section, match, why))
    elif section == "roles" and fld == "AttachedPolicies" and len(parts) > 3 and parts[3].isdigit():
        attached = entity.get("AttachedPolicies")
        item = attached[int(parts[3])] if isinstance(attached, list) and int(parts[3]) < len(attached) else None
        name = item.get("PolicyName") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name or not isinstance(item, dict):
            del entity["AttachedPolicies"]
            unknown.append(_unknown(section, match, why, "AttachedPolicies"))
        else:
            item.pop("PolicyDocument", None)
            unknown.append(_unknown(section, match, why, f"AttachedPolicies/{name}"))
    else:
        entity.pop(fld, None)
        unknown.append(_unknown(section, match, why, fld))
    return True


def _wanted(doc: Mapping[str, Any], section: str) -> list[dict[str, str]]:
    """The identities the requests ask for in a section (what an unidentifiable answer may have been)."""
    out: dict[str, dict[str, str]] = {}
    for r in doc.get("exports", []):
        region, image = _text(r, "RegionId"), _text(r, "ImageId")
        if section in ("regions", "tasks") and region:
            out[region] = {"RegionId": region}
        elif section == "images" and region and image:
            out[region + "/" + image] = {"RegionId": region, "ImageId": image}
        elif section == "roles":
            role = _text(r, "RoleName") or DEFAULT_ROLE
            out[role] = {"RoleName": role}
        elif section == "buckets" and _text(r, "OSSBucket"):
            out[_text(r, "OSSBucket")] = {"Name": _text(r, "OSSBucket")}
    return list(out.values())


def quarantine(doc: dict[str, Any]) -> dict[str, Any]:
    """Make every shape problem in what the cloud answered an unknown, not bad input.

    The snapshot builder reads a live document as it reads a file, and refuses a shape it cannot read
    (``ShapeError``: exit 2, "bad input"). In live mode the shape came from an endpoint, not from the user:
    the entity (or field) the problem is in is set aside and recorded unknown with the problem, until the
    document builds. A problem outside the answers (the requests) is left to the builder to report."""
    from preflight.sources.snapshot import ShapeError, subjects_from_document

    for _ in range(QUARANTINE_ROUNDS):
        try:
            subjects_from_document(doc)
        except ShapeError as exc:
            if not _set_aside(doc, exc.pointer, exc.message):
                raise
            continue
        if not doc.get("unknown"):
            doc.pop("unknown", None)
        return doc
    raise RuntimeError(f"live: the document did not build after {QUARANTINE_ROUNDS} rounds")


def _sort_unknown(entries: list[Unknown]) -> list[Unknown]:
    return sorted(entries, key=lambda e: (e["section"], json.dumps(e["match"], sort_keys=True), e.get("field", "")))


def assemble(requests: Sequence[Mapping[str, str]], found: Findings, captured_at: str) -> dict[str, Any]:
    """The snapshot document (design.md, version 1), deterministic order, ``unknown`` only when non-empty.

    A region that DescribeRegions says does not exist has no images or tasks: what failed there is not
    unknown, it is absent.
    """
    doc: dict[str, Any] = {"version": 1}
    if found.account_id is not None:
        doc["account_id"] = found.account_id
    doc["captured_at"] = captured_at
    doc["exports"] = [dict(r) for r in requests]
    regions = found.regions if found.regions is not None else []
    doc["regions"] = sorted(regions, key=lambda r: str(r.get("RegionId", "")))
    doc["images"] = [found.images[k] for k in sorted(found.images)]
    doc["snapshots"] = [found.snapshots[k] for k in sorted(found.snapshots)]
    doc["tasks"] = [found.tasks[k] for k in sorted(found.tasks)]
    doc["roles"], role_unknown = _roles_section(found)
    doc["buckets"], bucket_unknown = _buckets_section(found)
    if found.public_access_block is not None:
        doc["public_access_block"] = dict(found.public_access_block)
    unknown = [
        e
        for e in [*found.unknown, *role_unknown, *bucket_unknown]
        if e["section"] == "regions" or e["match"].get("RegionId") not in found.dead_regions
    ]
    if unknown:
        doc["unknown"] = _sort_unknown(unknown)
    return doc


def _redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _redact_msg(msg: Msg, secrets: Sequence[str]) -> Msg:
    """The message with every text in it (nested ones, and the items of a list, too) redacted."""
    if isinstance(msg, Listing):
        return Listing(_redact_msg(i, secrets) if isinstance(i, Msg) else _redact_reason(i, secrets)
                       for i in msg.items)
    values: dict[str, object] = {}
    for name, value in msg.values.items():
        if isinstance(value, Msg):
            value = _redact_msg(value, secrets)
        elif isinstance(value, Foreign):
            value = Foreign(value.kind, _redact(value.text, secrets))
        elif isinstance(value, str):
            value = _redact(value, secrets)
        values[name] = value
    return Msg(msg.key, **values)


def _redact_reason(why: object, secrets: Sequence[str]) -> object:
    if isinstance(why, Worded):
        return Worded(_redact_msg(why.msg, secrets))
    if isinstance(why, Foreign):
        return Foreign(why.kind, _redact(why.text, secrets))
    return _redact(why, secrets) if isinstance(why, str) else why


# ---- public API -------------------------------------------------------------------------------------------


@quiet_sdk_logs()  # the credentials logger is quiet for the run, as the host had it after
def collect(
    requests: Sequence[Mapping[str, str]],
    *,
    profile: str | None = None,
    endpoints: Mapping[str, str] | None = None,
    timeout_s: float = 10.0,
    max_workers: int = 16,
    retries: int = 3,
    credential: object | None = None,
    backoff_s: float = 0.2,
    limits: Limits | None = None,
    deadline_s: float | None = None,
) -> dict[str, Any]:
    """Read-only collection. Returns an offline snapshot document (design.md format, version 1).

    ``endpoints``: service (``ecs``, ``ram``, ``oss``, ``sts``) -> URL, over ``PREFLIGHT_ENDPOINT_<SERVICE>``;
    a ``{region}`` in the host is replaced per region. ``credential``: an ``AccessKey`` or an
    ``alibabacloud_credentials`` provider; default: ``profile`` if given, else the standard chain.
    ``backoff_s``: base delay of the retry backoff. ``limits``: the run deadline, page cap and response size
    cap (``Limits``; what they cut off is unknown), default ``Limits.from_environ``; ``deadline_s``
    (``--deadline``) overrides its deadline. Raises ``PreflightError`` when the run cannot be done:
    no credentials, a malformed endpoint, the credentials rejected, or no endpoint reachable at all.
    """
    environ = os.environ
    captured_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    plan = plan_requests(requests)
    overrides = resolve_endpoints(endpoints, environ)
    identity = resolve_identity(credential, profile, environ)
    policy = RetryPolicy(retries=max(0, retries), base_delay_s=backoff_s)
    limits = limits or Limits.from_environ(environ)
    if deadline_s is not None:
        limits = dataclasses.replace(limits, deadline_s=deadline_s)
    with proxies_taken_from_env() as proxies:
        clients = Clients(
            identity,
            overrides,
            timeout_s=timeout_s,
            proxies=proxies,
            pool_size=max(1, max_workers),
            require_loopback=loopback_only(environ),
            max_body_bytes=limits.max_body_bytes,
        )
        _prepare_clients(clients, plan)
        found = _gather(plan, clients, policy, timeout_s, max(1, max_workers), identity, limits)
    doc = quarantine(assemble(requests, found, captured_at))
    if "unknown" in doc:
        doc["unknown"] = _sort_unknown(doc["unknown"])
    for entry in doc.get("unknown", []):
        entry["reason"] = _redact_reason(entry["reason"], identity.secrets)
    return doc


def _prepare_clients(clients: Clients, plan: Plan) -> None:
    """Build every client up front, on this thread: the SDK imports (about 0.6 s) then happen once, not in
    16 workers contending for the import lock, and a refused endpoint is reported before any call."""
    needed: list[tuple[str, str | None]] = [("sts", None), ("ecs", None)]
    if plan.roles:
        needed.append(("ram", None))
    needed += [("ecs", region) for region in plan.regions]
    needed += [("oss", region) for region in dict.fromkeys(plan.buckets.values())]
    for service, region in needed:
        clients.client(service, region)


def _gather(
    plan: Plan,
    clients: Clients,
    policy: RetryPolicy,
    timeout_s: float,
    workers: int,
    identity: Identity,
    limits: Limits | None = None,
) -> Findings:
    pool = _DaemonPool(workers, "preflight-live")
    run = _Run(plan, clients, pool, policy, timeout_s, limits)
    try:
        run.start()
        run.run()
    except BaseException:  # Ctrl-C, or a bug: do not wait for the calls still in flight
        run.cancelled.set()
        run.halt.set()
        raise
    finally:
        # after the deadline, calls may still hang in their threads: abandoned (daemon threads), not joined
        pool.shutdown(wait=not (run.cancelled.is_set() or run.expired))
    if run.fatal is not None:
        code = run.fatal.code or run.fatal.detail
        rejected = Msg("live.credentials_rejected", source=identity.source, code=code, where=run.fatal_where)
        raise PreflightError(_redact_msg(rejected, identity.secrets))
    if run.calls and not run.reached and run.unreachable:
        raise PreflightError(Msg("live.nothing_reachable", endpoints=Listing(sorted(run.unreachable))))
    return run.found


def required_permissions_policy() -> dict[str, Any]:
    """The least read-only RAM policy a live run needs (for ``preflight permissions``)."""
    by_service: dict[str, list[str]] = {}
    for spec in ACTIONS.values():
        if spec.permission and not spec.caller_only:
            by_service.setdefault(spec.service, []).append(spec.permission)
    statements = [
        {"Effect": "Allow", "Action": sorted(actions), "Resource": "*"} for _, actions in sorted(by_service.items())
    ]
    return {"Version": "1", "Statement": statements}
