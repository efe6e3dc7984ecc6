"""The live scheduler (``_Run``): workers only call the SDK (with retries); every answer is handled on the
scheduler's thread, which alone owns its findings and decides the follow-up calls (snapshots after images,
policy documents after the policy list, further pages). No locks are needed for the findings.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Any, TypeVar

from preflight.errors import Msg, Worded
from preflight.sources.live_answers import (
    _SHAPES,
    Findings,
    _items,
    _snapshot_ids,
    parse_bucket_info,
    parse_bucket_policy,
    parse_public_access_block,
)
from preflight.sources.live_clients import ACTIONS, Clients
from preflight.sources.live_errors import (
    MISSING,
    CallError,
    Kind,
    Outcome,
    RetryPolicy,
    call_with_retries,
    classify,
    reason,
)
from preflight.sources.live_limits import Limits
from preflight.sources.live_plan import BATCH, IMAGE_STATUSES, MARKETPLACE, TASK_FIELDS, Plan, _batches
from preflight.sources.live_pool import _DaemonPool

log = logging.getLogger("preflight.live")


T = TypeVar("T")


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
        self.start_roles_and_buckets()

    def start_roles_and_buckets(self) -> None:
        """The roles and buckets of the plan, and the account's Block Public Access (asked in a bucket's
        region): the same for a check and an audit."""
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
