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

This module is the front door (``collect``, ``required_permissions_policy``) and re-exports every name it
always offered. The work is done in modules named for their job: ``live_plan`` (what to read),
``live_limits`` (the run's bounds), ``live_scheduler`` (the live scheduler, which alone owns its findings),
``live_pool`` (its daemon workers), ``live_answers`` (findings and the decoding of answers) and
``live_assemble`` (the snapshot document, quarantine, redaction).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from preflight.errors import Foreign as Foreign
from preflight.errors import Listing, Msg, PreflightError
from preflight.errors import Worded as Worded
from preflight.sources.live_answers import Findings
from preflight.sources.live_answers import Unknown as Unknown
from preflight.sources.live_answers import _items as _items
from preflight.sources.live_answers import parse_bucket_info as parse_bucket_info
from preflight.sources.live_answers import parse_bucket_policy as parse_bucket_policy
from preflight.sources.live_answers import parse_public_access_block as parse_public_access_block
from preflight.sources.live_assemble import QUARANTINE_ROUNDS as QUARANTINE_ROUNDS
from preflight.sources.live_assemble import _redact_msg as _redact_msg
from preflight.sources.live_assemble import _redact_reason as _redact_reason
from preflight.sources.live_assemble import _sort_unknown as _sort_unknown
from preflight.sources.live_assemble import assemble as assemble
from preflight.sources.live_assemble import quarantine as quarantine
from preflight.sources.live_clients import (
    ACTIONS,
    AccessKey,
    Clients,
    Identity,
    loopback_only,
    proxies_taken_from_env,
    quiet_sdk_logs,
    resolve_endpoints,
    resolve_identity,
)
from preflight.sources.live_clients import DEFAULT_MAX_BODY_BYTES as DEFAULT_MAX_BODY_BYTES
from preflight.sources.live_errors import MISSING as MISSING
from preflight.sources.live_errors import CallError as CallError
from preflight.sources.live_errors import Kind as Kind
from preflight.sources.live_errors import Outcome as Outcome
from preflight.sources.live_errors import Refused as Refused
from preflight.sources.live_errors import RetryPolicy
from preflight.sources.live_errors import call_with_retries as call_with_retries
from preflight.sources.live_errors import classify as classify
from preflight.sources.live_errors import reason as reason
from preflight.sources.live_limits import LIMIT_VARIABLES as LIMIT_VARIABLES
from preflight.sources.live_limits import Limits
from preflight.sources.live_plan import BATCH as BATCH
from preflight.sources.live_plan import DEFAULT_ROLE as DEFAULT_ROLE
from preflight.sources.live_plan import IMAGE_STATUSES as IMAGE_STATUSES
from preflight.sources.live_plan import MARKETPLACE as MARKETPLACE
from preflight.sources.live_plan import TASK_FIELDS as TASK_FIELDS
from preflight.sources.live_plan import Plan, plan_requests
from preflight.sources.live_pool import _DaemonPool as _DaemonPool
from preflight.sources.live_scheduler import _Run as _Run
from preflight.sources.live_scheduler import log as log

#: the private names ``live_discovery`` (the audit's scheduler, built on this one) reaches through ``live.``:
#: ``_Run``, ``_DaemonPool``, ``_items``, ``_prepare_clients``, ``_redact_msg``, ``_redact_reason``, ``_sort_unknown``

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


__all__ = [
    "ACTIONS",
    "BATCH",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_ROLE",
    "IMAGE_STATUSES",
    "LIMIT_VARIABLES",
    "MARKETPLACE",
    "MISSING",
    "QUARANTINE_ROUNDS",
    "TASK_FIELDS",
    "AccessKey",
    "CallError",
    "Clients",
    "Findings",
    "Foreign",
    "Identity",
    "Kind",
    "Limits",
    "Listing",
    "Msg",
    "Outcome",
    "Plan",
    "PreflightError",
    "Refused",
    "RetryPolicy",
    "Unknown",
    "Worded",
    "assemble",
    "call_with_retries",
    "classify",
    "collect",
    "loopback_only",
    "parse_bucket_info",
    "parse_bucket_policy",
    "parse_public_access_block",
    "plan_requests",
    "proxies_taken_from_env",
    "quarantine",
    "quiet_sdk_logs",
    "reason",
    "required_permissions_policy",
    "resolve_endpoints",
    "resolve_identity",
]
