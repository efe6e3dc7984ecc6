"""A loopback fake of the read-only parts of ECS, RAM, STS and OSS, speaking their wire formats.

One server serves all four services (the real SDK clients are pointed at it with ``--endpoint``):

- ECS / RAM / STS: ``POST /`` with the parameters in the query string, the action in ``x-acs-action`` and the
  product version in ``x-acs-version``; signed ``ACS3-HMAC-SHA256``; JSON answers, lists wrapped twice
  (``Images.Image``), errors ``{"RequestId","Code","Message","HostId"}`` with the service's status code.
- OSS: ``GET /<bucket>/?bucketInfo`` / ``?policy`` / ``?location`` (path style), signed ``OSS4-HMAC-SHA256``;
  XML answers (policy: JSON), errors ``<Error><Code/><Message/><RequestId/><EC/></Error>``.

Every request is recorded (``FakeCloud.calls``, and process-wide in ``RECORD`` for the read-only check).
Faults are injected with ``FakeCloud.add_fault(Fault(...))``; latency with ``latency_s``.
"""

from __future__ import annotations

import copy
import json
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit
from xml.sax.saxutils import escape

from .signing import oss_scope_region, verify_acs3, verify_oss4

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")

ECS_VERSION = "2014-05-26"
RAM_VERSION = "2015-05-01"
STS_VERSION = "2015-04-01"
RM_VERSION = "2020-03-31"
SERVICE_BY_VERSION = {ECS_VERSION: "ecs", RAM_VERSION: "ram", STS_VERSION: "sts", RM_VERSION: "resourcemanager"}
#: the role Resource Directory creates in every member account for the management account to assume
RD_ACCESS_ROLE = "ResourceDirectoryAccountAccessRole"

#: Everything preflight may ever ask. The read-only test asserts every recorded action is in here.
READ_ONLY_ACTIONS = frozenset(
    {
        ("ecs", "DescribeRegions"),
        ("ecs", "DescribeImages"),
        ("ecs", "DescribeSnapshots"),
        ("ecs", "DescribeTasks"),
        ("ram", "GetRole"),
        ("ram", "ListPoliciesForRole"),
        ("ram", "GetPolicy"),
        ("ram", "GetPolicyVersion"),
        ("sts", "GetCallerIdentity"),
        ("sts", "AssumeRole"),  # a temporary session to read a member account with: creates nothing
        ("resourcemanager", "ListAccounts"),
        ("oss", "GetBucketInfo"),
        ("oss", "GetBucketPolicy"),
        ("oss", "GetBucketLocation"),
        ("oss", "GetPublicAccessBlock"),
    }
)

STATUS_ALL = ("Creating", "Waiting", "Available", "UnAvailable", "CreateFailed", "Deprecated")


@dataclass
class Fault:
    """An injected failure.

    kind: ``throttle`` (ECS/RAM ``Throttling.User`` 400, OSS ``SlowDown`` 503), ``unavailable`` (503),
    ``deny`` (403 with the service's own code), ``slow`` (answer after ``delay_s``), ``error`` (``status`` and
    ``code`` as given). Hostile endpoints: ``redirect`` (``status``, default 302, to ``location``), ``huge``
    (a ``size``-byte body, with a ``Content-Length`` unless ``declared`` is false: then it ends when the
    connection closes), ``trickle`` (a slow-loris: the headers, then one byte of a ``size``-byte body every
    ``delay_s``). ``times``: how many matching calls it hits (``None``: all). ``where``: request parameters
    that must match (e.g. ``{"RegionId": "cn-beijing"}``, ``{"bucket": "b"}``).
    """

    action: str = "*"
    kind: str = "throttle"
    times: int | None = None
    delay_s: float = 0.0
    where: dict[str, str] = field(default_factory=dict)
    status: int = 400
    code: str = ""
    location: str = ""
    size: int = 0
    declared: bool = True

    def matches(self, action: str, params: Mapping[str, str]) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.action not in ("*", action):
            return False
        return all(params.get(k) == v for k, v in self.where.items())


@dataclass(frozen=True)
class Call:
    service: str
    action: str
    params: dict[str, str]
    status: int
    started: float
    ended: float
    #: whose account the call read (an organisation's member, by the session it was signed with)
    account: str = ""


class _Record:
    """Process-wide record of (service, action) pairs sent to any fake (for the read-only check)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: Counter[tuple[str, str]] = Counter()

    def add(self, service: str, action: str) -> None:
        with self._lock:
            self._seen[(service, action)] += 1

    def actions(self) -> Counter[tuple[str, str]]:
        with self._lock:
            return Counter(self._seen)


RECORD = _Record()


def forbidden_actions(actions: Mapping[tuple[str, str], int] | set[tuple[str, str]]) -> list[tuple[str, str]]:
    """The recorded actions that are not in the read-only allow-list."""
    return sorted(a for a in actions if a not in READ_ONLY_ACTIONS)


class RawAnswer(dict[str, Any]):
    """A mutator's result sent as these bytes instead of the JSON of the payload (a malformed answer)."""

    def __init__(self, raw: bytes) -> None:
        super().__init__()
        self.raw = raw


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # idle keep-alive connections must not block stop()
    request_queue_size = 128  # the default 5 drops SYNs of 16 parallel clients: 1 s retransmit stalls
    cloud: FakeCloud

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return  # a client that gave up (a cap, a deadline, a killed process): not the fake's error
        super().handle_error(request, client_address)


class FakeCloud:
    """The fake. Use as a context manager; ``url`` / ``endpoints`` tell where it listens."""

    def __init__(
        self,
        fixture: Mapping[str, Any],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_s: float = 0.0,
        record_globally: bool = True,
        strict_image_ids: bool = False,
        strict_snapshot_ids: bool = False,
        strict_oss_region: bool = False,
        verify_signatures: bool = True,
    ) -> None:
        if host not in LOOPBACK_HOSTS:
            raise ValueError(f"the fake cloud binds loopback only, not {host!r}")
        self.fixture = copy.deepcopy(dict(fixture))
        self.host = host
        self.port = port
        self.latency_s = latency_s
        self.action_latency_s: dict[str, float] = {}
        self.record_globally = record_globally
        self.strict_image_ids = strict_image_ids
        self.strict_snapshot_ids = strict_snapshot_ids  # one unknown id refuses the whole batch (NotFound)
        self.strict_oss_region = strict_oss_region
        self.verify_signatures = verify_signatures
        self._faults: list[Fault] = []
        #: action -> a function given each successful answer's payload (a copy: JSON object for ECS/RAM/STS,
        #: the bucket's fields for GetBucketInfo, the policy for GetBucketPolicy), returning what to send
        self.mutators: dict[str, Any] = {}
        self._calls: list[Call] = []
        self._arrivals: list[tuple[str, str]] = []  # (service, action) as requests arrive
        self._lock = threading.Lock()
        self._in_flight = 0
        self.peak_in_flight = 0
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._index()

    # ---- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> FakeCloud:
        server = _Server((self.host, self.port), _Handler)
        server.cloud = self
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fakecloud", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def endpoints(self) -> dict[str, str]:
        return {service: self.url for service in ("ecs", "ram", "sts", "oss")}

    @property
    def access_key_id(self) -> str:
        return str(self.fixture["access_key_id"])

    @property
    def access_key_secret(self) -> str:
        return str(self.fixture["access_key_secret"])

    # ---- faults and records ----------------------------------------------------------------------------
    def add_fault(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def count(self, action: str | None = None) -> int:
        """Requests received (also those still being answered, e.g. slow ones the client gave up on)."""
        with self._lock:
            return sum(1 for _, a in self._arrivals if action is None or a == action)

    def actions(self) -> Counter[str]:
        with self._lock:
            return Counter(a for _, a in self._arrivals)

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()
            self._arrivals.clear()
            self.peak_in_flight = 0

    def _take_fault(self, action: str, params: Mapping[str, str]) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(action, params):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def _arrive(self, service: str, action: str) -> None:
        with self._lock:
            self._arrivals.append((service, action))
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
        if self.record_globally:
            RECORD.add(service, action)

    def _leave(self, call: Call) -> None:
        with self._lock:
            self._in_flight -= 1
            self._calls.append(call)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    # ---- the account state -----------------------------------------------------------------------------
    def _index(self) -> None:
        fx = self.fixture
        self.roles: dict[str, dict[str, Any]] = {r["Role"]["RoleName"]: r for r in fx.get("roles", [])}
        self.policies: dict[tuple[str, str], dict[str, Any]] = {
            (p["PolicyType"], p["PolicyName"]): p for p in fx.get("policies", [])
        }
        self.buckets: dict[str, dict[str, Any]] = {b["Name"]: b for b in fx.get("buckets", [])}
        self.region_ids = {r["RegionId"] for r in fx.get("regions", [])}
        # an organisation: the member accounts (each a state of its own, reached by AssumeRole) and the
        # sessions AssumeRole has handed out: AccessKeyId -> (secret, security token, account id)
        self.members: dict[str, FakeCloud] = {
            str(m["account_id"]): FakeCloud(m, record_globally=False, verify_signatures=False)
            for m in fx.get("members", [])
        }
        self.sessions: dict[str, tuple[str, str, str]] = {}

    def account_id(self) -> str:
        return str(self.fixture.get("account_id", ""))

    def state_for(self, key_id: str) -> tuple[FakeCloud, str, str, str | None]:
        """Whose account a request signed with ``key_id`` reads: (state, key id, secret, the security token
        the request must carry). An AccessKey this fake does not know is checked against its own key (the
        signature check then refuses it, as the real service does)."""
        with self._lock:
            session = self.sessions.get(key_id)
        if session is not None:
            secret, token, account = session
            return self.members[account], key_id, secret, token
        return self, self.access_key_id, self.access_key_secret, None
    # ---- ECS -------------------------------------------------------------------------------------------
    def _region(self, params: Mapping[str, str]) -> str:
        region = params.get("RegionId", "")
        if region not in self.region_ids:
            raise ApiError(404, "InvalidRegionId.NotFound", "The specified RegionId does not exist.")
        return region

    def describe_regions(self, params: Mapping[str, str]) -> dict[str, Any]:
        return {"Regions": {"Region": list(self.fixture.get("regions", []))}}

    def describe_images(self, params: Mapping[str, str]) -> dict[str, Any]:
        region = self._region(params)
        page_size = int(params.get("PageSize", "10"))
        page = int(params.get("PageNumber", "1"))
        if not 1 <= page_size <= 100:
            raise ApiError(400, "InvalidParameter.PageSize", "PageSize must be between 1 and 100.")
        wanted = [i for i in params.get("ImageId", "").split(",") if i]
        if len(wanted) > 100:
            raise ApiError(400, "InvalidParameter", "The number of ImageId exceeds 100.")
        # The real default is Status=Available only: a broken image looks "not found" unless asked for.
        statuses = set(params.get("Status", "Available").split(","))
        # ImageOwnerAlias: system | self | others | marketplace; not given: all but marketplace (the API's
        # documented default), so a Marketplace image is "not found" unless asked for by its alias
        alias = params.get("ImageOwnerAlias", "")
        aliases = {alias} if alias else {"system", "self", "others"}
        images = [
            img
            for img in self.fixture.get("images", {}).get(region, [])
            if img.get("Status") in statuses
            and img.get("ImageOwnerAlias", "self") in aliases
            and (not wanted or img["ImageId"] in wanted)
        ]
        if self.strict_image_ids and wanted and len(images) < len(wanted):
            raise ApiError(404, "InvalidImageId.NotFound", "The specified ImageId does not exist.")
        chunk = images[(page - 1) * page_size : page * page_size]
        return {
            "RegionId": region,
            "TotalCount": len(images),
            "PageNumber": page,
            "PageSize": page_size,
            "Images": {"Image": chunk},
        }

    def describe_snapshots(self, params: Mapping[str, str]) -> dict[str, Any]:
        region = self._region(params)
        ids = json.loads(params.get("SnapshotIds", "[]"))
        if len(ids) > 100:
            raise ApiError(400, "InvalidParameter.SnapshotIds", "The number of SnapshotIds exceeds 100.")
        max_results = int(params.get("MaxResults", "10"))
        snaps = [s for s in self.fixture.get("snapshots", {}).get(region, []) if not ids or s["SnapshotId"] in ids]
        if self.strict_snapshot_ids and ids and len(snaps) < len(set(ids)):
            raise ApiError(404, "InvalidSnapshotId.NotFound", "The specified SnapshotId does not exist.")
        start = int(params.get("NextToken") or 0)
        chunk = snaps[start : start + max_results]
        next_token = str(start + max_results) if start + max_results < len(snaps) else ""
        return {"TotalCount": len(snaps), "NextToken": next_token, "Snapshots": {"Snapshot": chunk}}

    def describe_tasks(self, params: Mapping[str, str]) -> dict[str, Any]:
        region = self._region(params)
        page_size = int(params.get("PageSize", "10"))
        page = int(params.get("PageNumber", "1"))
        if not 1 <= page_size <= 100:
            raise ApiError(400, "InvalidParameter.PageSize", "PageSize must be between 1 and 100.")
        tasks = [
            t
            for t in self.fixture.get("tasks", {}).get(region, [])
            if params.get("TaskAction") in (None, t["TaskAction"])
            and params.get("TaskStatus") in (None, t["TaskStatus"])
        ]
        return {
            "RegionId": region,
            "TotalCount": len(tasks),
            "PageNumber": page,
            "PageSize": page_size,
            "TaskSet": {"Task": tasks[(page - 1) * page_size : page * page_size]},
        }

    # ---- RAM -------------------------------------------------------------------------------------------
    def _role(self, params: Mapping[str, str]) -> dict[str, Any]:
        name = params.get("RoleName", "")
        if name not in self.roles:
            raise ApiError(404, "EntityNotExist.Role", f"The role does not exist: {name}.")
        return self.roles[name]

    def get_role(self, params: Mapping[str, str]) -> dict[str, Any]:
        role = dict(self._role(params)["Role"])
        role["AssumeRolePolicyDocument"] = json.dumps(role["AssumeRolePolicyDocument"])  # RAM: a JSON string
        return {"Role": role}

    def list_policies_for_role(self, params: Mapping[str, str]) -> dict[str, Any]:
        items = []
        for ref in self._role(params).get("AttachedPolicies", []):
            policy = self.policies.get((ref["PolicyType"], ref["PolicyName"]), {})
            items.append(
                {
                    "PolicyName": ref["PolicyName"],
                    "PolicyType": ref["PolicyType"],
                    "DefaultVersion": policy.get("DefaultVersion", "v1"),
                    "Description": policy.get("Description", ""),
                    "AttachDate": "2026-04-01T00:00:00Z",
                }
            )
        return {"Policies": {"Policy": items}}

    def _policy(self, params: Mapping[str, str]) -> dict[str, Any]:
        key = (params.get("PolicyType", ""), params.get("PolicyName", ""))
        if key not in self.policies:
            raise ApiError(404, "EntityNotExist.Policy", f"The policy does not exist: {key[1]}.")
        return self.policies[key]

    def get_policy(self, params: Mapping[str, str]) -> dict[str, Any]:
        p = self._policy(params)
        meta = {
            k: p[k]
            for k in ("PolicyName", "PolicyType", "DefaultVersion", "Description", "CreateDate", "UpdateDate")
            if k in p
        }
        version: dict[str, Any] = {
            "VersionId": p["DefaultVersion"],
            "IsDefaultVersion": True,
            "CreateDate": p.get("UpdateDate", ""),
        }
        if not p.get("OmitDefaultVersionDocument"):
            version["PolicyDocument"] = json.dumps(p["Document"], indent=2)
        return {"Policy": meta, "DefaultPolicyVersion": version}

    def get_policy_version(self, params: Mapping[str, str]) -> dict[str, Any]:
        p = self._policy(params)
        if params.get("VersionId") != p["DefaultVersion"]:
            raise ApiError(404, "EntityNotExist.PolicyVersion", "The policy version does not exist.")
        return {
            "PolicyVersion": {
                "VersionId": p["DefaultVersion"],
                "IsDefaultVersion": True,
                "CreateDate": p.get("UpdateDate", ""),
                "PolicyDocument": json.dumps(p["Document"], indent=2),
            }
        }

    # ---- STS -------------------------------------------------------------------------------------------
    def assume_role(self, params: Mapping[str, str]) -> dict[str, Any]:
        """STS AssumeRole into a member account's role: per-account temporary credentials, which the fake then
        requires (AccessKeyId, signature with the secret, and the security token) on that account's calls."""
        arn = params.get("RoleArn", "")
        prefix, _, role = arn.partition(":role/")
        account = prefix.removeprefix("acs:ram::")
        if not prefix.startswith("acs:ram::") or not role or not params.get("RoleSessionName"):
            raise ApiError(400, "InvalidParameter.RoleArn", "The parameter RoleArn is wrongly formed.")
        member = self.members.get(account)
        roles = member.fixture.get("access_roles", [RD_ACCESS_ROLE]) if member is not None else []
        if member is None or role.lower() not in {r.lower() for r in roles}:
            raise ApiError(404, "EntityNotExist.Role", f"The role not exists: {arn}.")
        if member.fixture.get("deny_assume"):
            raise ApiError(403, "NoPermission", "You are not authorized to assume this role.")
        key_id = f"STS.{uuid.uuid4().hex[:20]}"
        secret, token = uuid.uuid4().hex, "CAIS" + uuid.uuid4().hex
        with self._lock:
            self.sessions[key_id] = (secret, token, account)
        return {
            "Credentials": {"AccessKeyId": key_id, "AccessKeySecret": secret, "SecurityToken": token,
                            "Expiration": "2099-01-01T00:00:00Z"},
            "AssumedRoleUser": {"Arn": f"acs:ram::{account}:role/{role.lower()}/{params['RoleSessionName']}",
                                "AssumedRoleId": f"3000:{params['RoleSessionName']}"},
        }

    def list_accounts(self, params: Mapping[str, str]) -> dict[str, Any]:
        """Resource Directory ListAccounts (PageNumber/PageSize, at most 100, default 10)."""
        if "resource_directory" not in self.fixture:
            raise ApiError(404, "EntityNotExists.ResourceDirectory", "The resource directory is not enabled.")
        page_size = int(params.get("PageSize", "10"))
        page = int(params.get("PageNumber", "1"))
        if not 1 <= page_size <= 100:
            raise ApiError(400, "InvalidParameter.PageSize", "PageSize must be between 1 and 100.")
        accounts = list(self.fixture["resource_directory"])
        mutate = self.mutators.get("ListAccounts", lambda payload: payload)
        return mutate({"TotalCount": len(accounts), "PageNumber": page, "PageSize": page_size,  # type: ignore[no-any-return]
                       "Accounts": {"Account": accounts[(page - 1) * page_size : page * page_size]}})

    def get_caller_identity(self, params: Mapping[str, str]) -> dict[str, Any]:
        account = str(self.fixture["account_id"])
        return {
            "AccountId": account,
            "UserId": "200000000000000099",
            "Arn": f"acs:ram::{account}:user/preflight",
            "IdentityType": "RAMUser",
            "PrincipalId": "200000000000000099",
        }

    RPC: ClassVar[dict[tuple[str, str], str]] = {
        ("ecs", "DescribeRegions"): "describe_regions",
        ("ecs", "DescribeImages"): "describe_images",
        ("ecs", "DescribeSnapshots"): "describe_snapshots",
        ("ecs", "DescribeTasks"): "describe_tasks",
        ("ram", "GetRole"): "get_role",
        ("ram", "ListPoliciesForRole"): "list_policies_for_role",
        ("ram", "GetPolicy"): "get_policy",
        ("ram", "GetPolicyVersion"): "get_policy_version",
        ("sts", "GetCallerIdentity"): "get_caller_identity",
        ("sts", "AssumeRole"): "assume_role",
        ("resourcemanager", "ListAccounts"): "list_accounts",
    }

    # ---- OSS -------------------------------------------------------------------------------------------
    def _bucket(self, name: str, signed_region: str) -> dict[str, Any]:
        bucket = self.buckets.get(name)
        if bucket is None:
            raise ApiError(404, "NoSuchBucket", "The specified bucket does not exist.", BucketName=name)
        location = str(bucket.get("Location", ""))
        if self.strict_oss_region and signed_region and location != f"oss-{signed_region}":
            raise ApiError(
                403,
                "AccessDenied",
                "The bucket you are attempting to access must be addressed using the specified endpoint.",
                Endpoint=f"{location}.aliyuncs.com",
                Bucket=name,
            )
        return bucket

    def oss_get(self, action: str, name: str, signed_region: str) -> tuple[str, bytes]:
        mutate = self.mutators.get(action, lambda payload: payload)
        if action == "GetPublicAccessBlock" and not name:
            # account level (GET /?publicAccessBlock); never configured: off
            block = copy.deepcopy(self.fixture.get("public_access_block", {"BlockPublicAccess": False}))
            return "application/xml", _xml_doc("PublicAccessBlockConfiguration", mutate(block))
        bucket = self._bucket(name, signed_region)
        if action == "GetBucketInfo":
            fields = copy.deepcopy({k: v for k, v in bucket.items() if k != "Policy"})
            return "application/xml", _xml_doc("BucketInfo", {"Bucket": mutate(fields)})
        if action == "GetPublicAccessBlock":
            raise ApiError(403, "AccessDenied", "GetPublicAccessBlock is an account-level call.")
        if action == "GetBucketLocation":
            return "application/xml", _xml_doc("LocationConstraint", bucket.get("Location", ""))
        if action == "GetBucketPolicy":
            if bucket.get("Policy") is None:
                raise ApiError(404, "NoSuchBucketPolicy", "The bucket policy does not exist.", BucketName=name)
            return "application/json", json.dumps(mutate(copy.deepcopy(bucket["Policy"]))).encode()
        raise ApiError(403, "AccessDenied", "The fake cloud only serves read-only bucket information.")


def _credential_key(headers: Mapping[str, str]) -> str:
    """The AccessKeyId a request is signed with (ACS3 ``Credential=AK``, OSS4 ``Credential=AK/date/…``)."""
    _, _, rest = headers.get("authorization", "").partition(" ")
    for part in rest.split(","):
        key, _, value = part.strip().partition("=")
        if key == "Credential":
            return value.split("/", 1)[0]
    return ""


def _xml_elements(name: str, value: Any) -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _xml_elements(name, item)
        return
    if isinstance(value, dict):
        inner = "".join(s for k, v in value.items() for s in _xml_elements(k, v))
        yield f"<{name}>{inner}</{name}>"
        return
    text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    yield f"<{name}>{escape(text)}</{name}>"


def _xml_doc(root: str, value: Any) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + "".join(_xml_elements(root, value))).encode()


Answer = tuple[int, str, bytes, Mapping[str, str]]  # status, content type, body, extra headers

OSS_SUBRESOURCES = {
    "bucketInfo": "GetBucketInfo",
    "policy": "GetBucketPolicy",
    "location": "GetBucketLocation",
    "publicAccessBlock": "GetPublicAccessBlock",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each answer waits ~40 ms for the client's delayed ACK (sdk-notes)
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    # ---------------------------------------------------------------------------------------------------
    def _handle(self) -> None:
        cloud = self.server.cloud
        started = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        parts = urlsplit(self.path)
        query = parse_qsl(parts.query, keep_blank_values=True)
        params = dict(query)
        if "x-acs-action" in headers:
            service = SERVICE_BY_VERSION.get(headers.get("x-acs-version", ""), "unknown")
            action = headers["x-acs-action"]
        else:
            service = "oss"
            bucket = unquote(parts.path).strip("/").split("/", 1)[0]
            params["bucket"] = bucket
            sub = next((OSS_SUBRESOURCES[k] for k in params if k in OSS_SUBRESOURCES), None)
            action = sub if sub and self.command == "GET" else f"{self.command} {self.path}"
        state, key_id, secret, token = cloud.state_for(_credential_key(headers))
        cloud._arrive(service, action)
        answer: Answer = (500, "text/plain", b"", {})
        # faults may be scoped to one account of an organisation (where={"account": …})
        fault = cloud._take_fault(action, {**params, "account": state.account_id()})
        if fault is not None and fault.kind in ("redirect", "huge", "trickle"):
            self._misbehave(cloud, fault)
            cloud._leave(Call(service, action, params, fault.status, started, time.monotonic(), state.account_id()))
            return
        try:
            cloud.sleep(cloud.action_latency_s.get(action, cloud.latency_s))
            if service == "oss":
                answer = self._oss(cloud, action, params, parts.path, parts.query, headers, fault,
                                   (state, key_id, secret, token))
            else:
                answer = self._rpc(cloud, service, action, params, query, headers, body, fault,
                                   (state, key_id, secret, token))
        finally:
            # recorded before answering: once the client has its answer, the record is there
            cloud._leave(Call(service, action, params, answer[0], started, time.monotonic(), state.account_id()))
        try:
            self._send(*answer)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _misbehave(self, cloud: FakeCloud, fault: Fault) -> None:
        """A hostile endpoint's answer, written raw."""
        self.close_connection = True
        try:
            if fault.kind == "redirect":
                self.send_response(fault.status if 300 <= fault.status < 400 else 302)
                self.send_header("Location", fault.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            if fault.kind == "trickle" or fault.declared:
                self.send_header("Content-Length", str(fault.size))
            self.send_header("Connection", "close")
            self.end_headers()
            if fault.kind == "huge":
                block = b" " * 65536
                left = fault.size
                while left > 0 and not cloud._stopping.is_set():
                    self.wfile.write(block[: min(left, len(block))])
                    left -= len(block)
                return
            for _ in range(fault.size):  # trickle: one byte at a time, never finishing in time
                if cloud._stopping.wait(fault.delay_s):
                    return
                self.wfile.write(b" ")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def _fault(self, fault: Fault | None, service: str) -> None:
        if fault is None:
            return
        cloud = self.server.cloud
        if fault.kind == "slow":
            cloud.sleep(fault.delay_s)
        elif fault.kind == "throttle":
            if service == "oss":
                raise ApiError(503, "SlowDown", "Please reduce your request rate.")
            raise ApiError(400, "Throttling.User", "Request was denied due to user flow control.")
        elif fault.kind == "unavailable":
            raise ApiError(
                503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."
            )
        elif fault.kind == "deny":
            code = {"ecs": "Forbidden.RAM", "ram": "NoPermission", "sts": "NoPermission", "oss": "AccessDenied"}[
                service
            ]
            raise ApiError(403, code, "You are not authorized to do this action. You should be authorized by RAM.")
        elif fault.kind == "error":
            raise ApiError(fault.status, fault.code or "InternalError", "injected error")

    def _rpc(
        self,
        cloud: FakeCloud,
        service: str,
        action: str,
        params: Mapping[str, str],
        query: list[tuple[str, str]],
        headers: Mapping[str, str],
        body: bytes,
        fault: Fault | None = None,
        account: tuple[FakeCloud, str, str, str | None] | None = None,
    ) -> Answer:
        request_id = str(uuid.uuid4()).upper()
        state, key_id, secret, token = account or (cloud, cloud.access_key_id, cloud.access_key_secret, None)
        try:
            if cloud.verify_signatures:
                problem = verify_acs3(
                    self.command,
                    urlsplit(self.path).path,
                    query,
                    headers,
                    body,
                    key_id,
                    secret,
                )
                if problem:
                    status = 404 if problem.endswith("NotFound") else 400
                    raise ApiError(status, problem, "The request signature does not conform to Aliyun standards.")
            if token is not None and headers.get("x-acs-security-token") != token:
                raise ApiError(400, "InvalidSecurityToken.Mismatch", "The security token does not match.")
            if self.command != "POST":
                raise ApiError(400, "UnsupportedHTTPMethod", "Use POST.")
            method = FakeCloud.RPC.get((service, action))
            if method is None:
                raise ApiError(404, "InvalidAction.NotFound", f"Specified api is not found: {action}.")
            self._fault(fault, service)
            payload = getattr(state, method)(params)
            payload["RequestId"] = request_id
            if action in cloud.mutators:
                payload = cloud.mutators[action](copy.deepcopy(payload))
            data = payload.raw if isinstance(payload, RawAnswer) else json.dumps(payload).encode()
            return 200, "application/json;charset=utf-8", data, {}
        except ApiError as err:
            data: dict[str, Any] = {
                "RequestId": request_id,
                "HostId": f"{service}.aliyuncs.com",
                "Code": err.code,
                "Message": err.message,
            }
            if err.status == 403:
                data["AccessDeniedDetail"] = {"AuthAction": f"{service}:{action}", "NoPermissionType": "ImplicitDeny"}
            return err.status, "application/json;charset=utf-8", json.dumps(data).encode(), {}

    def _oss(
        self,
        cloud: FakeCloud,
        action: str,
        params: Mapping[str, str],
        raw_path: str,
        raw_query: str,
        headers: Mapping[str, str],
        fault: Fault | None = None,
        account: tuple[FakeCloud, str, str, str | None] | None = None,
    ) -> Answer:
        request_id = uuid.uuid4().hex[:24].upper()
        state, key_id, secret, token = account or (cloud, cloud.access_key_id, cloud.access_key_secret, None)
        try:
            if cloud.verify_signatures:
                problem = verify_oss4(self.command, raw_path, raw_query, headers, key_id, secret)
                if problem:
                    raise ApiError(403, problem, "The request signature we calculated does not match.")
            if token is not None and headers.get("x-oss-security-token") != token:
                raise ApiError(403, "InvalidSecurityToken", "The security token does not match.")
            if action not in OSS_SUBRESOURCES.values():
                raise ApiError(403, "AccessDenied", "The fake cloud only serves read-only bucket information.")
            self._fault(fault, "oss")
            content_type, payload = state.oss_get(action, params["bucket"], oss_scope_region(headers))
            return 200, content_type, payload, {"x-oss-request-id": request_id}
        except ApiError as err:
            fields = {
                "Code": err.code,
                "Message": err.message,
                "RequestId": request_id,
                "HostId": "oss.aliyuncs.com",
                "EC": "0015-00000101",
                **err.extra,
            }
            return err.status, "application/xml", _xml_doc("Error", fields), {"x-oss-request-id": request_id}

    def _send(self, status: int, content_type: str, payload: bytes, extra: Mapping[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
