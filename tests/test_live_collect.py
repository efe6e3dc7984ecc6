"""Live collection through the REAL SDK clients against the fake cloud on 127.0.0.1 (nothing in preflight mocked)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from preflight.errors import PreflightError
from preflight.sources.live import required_permissions_policy
from tests.fakecloud import FakeCloud, Fault, default_fixture, scaled_fixture
from tests.fakecloud.support import collect_from, comparable_roles, expected_sections

pytest_plugins = ("tests.fakecloud.plugin",)

HZ, BJ, SG = "cn-hangzhou", "cn-beijing", "ap-southeast-1"
REQUESTS: list[dict[str, str]] = [
    {"RegionId": HZ, "ImageId": "m-hzok0000000000001", "OSSBucket": "exports-hz", "OSSPrefix": "EcsExport"},
    {"RegionId": HZ, "ImageId": "m-hzenc000000000001", "OSSBucket": "exports-kms", "ImageFormat": "raw"},
    {"RegionId": HZ, "ImageId": "m-hzbad000000000001", "OSSBucket": "exports-hz", "RoleName": "ExportRoleWide"},
    {"RegionId": HZ, "ImageId": "m-hzbusy00000000001", "OSSBucket": "exports-public"},
    {"RegionId": BJ, "ImageId": "m-bjok0000000000001", "OSSBucket": "exports-bj", "RoleName": "ExportRoleLegacy"},
    {"RegionId": SG, "ImageId": "m-sgok0000000000001", "OSSBucket": "exports-hz"},
]


def unknown_of(doc: dict[str, Any], section: str) -> list[dict[str, Any]]:
    return [e for e in doc.get("unknown", []) if e["section"] == section]


# ---- happy path -------------------------------------------------------------------------------------------


def test_collects_every_section_as_the_api_returns_it(fake_cloud: FakeCloud) -> None:
    doc = collect_from(fake_cloud, REQUESTS)
    want = expected_sections(fake_cloud, REQUESTS)

    assert doc["version"] == 1
    assert doc["account_id"] == "1234567890123456"
    assert doc["captured_at"].endswith("Z") and "T" in doc["captured_at"]
    assert doc["exports"] == REQUESTS  # as given: no RoleName/ImageFormat defaults added
    assert "unknown" not in doc
    assert [r["RegionId"] for r in doc["regions"]] == sorted(r["RegionId"] for r in fake_cloud.fixture["regions"])
    assert doc["images"] == want["images"]
    assert doc["snapshots"] == want["snapshots"]
    assert doc["tasks"] == want["tasks"]
    assert comparable_roles(doc["roles"]) == want["roles"]
    assert doc["buckets"] == want["buckets"]


def test_wire_shapes_are_the_apis_own(fake_cloud: FakeCloud) -> None:
    doc = collect_from(fake_cloud, REQUESTS)
    image = next(i for i in doc["images"] if i["ImageId"] == "m-hzbad000000000001")
    assert image["Status"] == "UnAvailable"  # found although not Available: all statuses were asked for
    assert isinstance(image["DiskDeviceMappings"]["DiskDeviceMapping"], list)
    role = next(r for r in doc["roles"] if r["RoleName"] == "ExportRoleLegacy")
    assert isinstance(role["AssumeRolePolicyDocument"], str)  # RAM sends JSON strings; kept as sent
    (legacy,) = role["AttachedPolicies"]
    assert json.loads(legacy["PolicyDocument"])["Statement"]  # GetPolicy had no document: GetPolicyVersion
    hz = next(b for b in doc["buckets"] if b["Name"] == "exports-hz")
    assert hz["Owner"] == {"DisplayName": "1234567890123456", "ID": "1234567890123456"}
    assert hz["AccessControlList"] == {"Grant": "private"}
    assert hz["ServerSideEncryptionRule"] == {"SSEAlgorithm": "None"}
    assert hz["Policy"] is None  # NoSuchBucketPolicy: learned "has none"
    kms = next(b for b in doc["buckets"] if b["Name"] == "exports-kms")
    assert kms["ServerSideEncryptionRule"]["KMSMasterKeyID"] == "key-hz0000000000002"
    public = next(b for b in doc["buckets"] if b["Name"] == "exports-public")
    assert public["Policy"]["Statement"][0]["Principal"] == ["*"]


def test_each_fact_is_fetched_once_and_batched(fake_cloud: FakeCloud) -> None:
    collect_from(fake_cloud, REQUESTS + REQUESTS)  # every fact asked twice
    calls = fake_cloud.actions()
    assert calls == {
        "GetCallerIdentity": 1,
        "DescribeRegions": 1,
        "DescribeImages": 3,  # one per region
        "DescribeSnapshots": 3,
        "DescribeTasks": 3,
        "GetRole": 3,  # default, ExportRoleWide, ExportRoleLegacy
        "ListPoliciesForRole": 3,
        "GetPolicy": 3,  # the System policy is shared by two roles: asked once
        "GetPolicyVersion": 1,
        "GetBucketInfo": 4,
        "GetBucketPolicy": 4,
        "GetPublicAccessBlock": 1,  # account level: once per run
    }


def test_batches_of_at_most_100_ids_and_pages_of_tasks() -> None:
    fixture, requests = scaled_fixture(regions=1, exports=230, buckets=1, roles=1)
    region = requests[0]["RegionId"]
    fixture["tasks"][region] = [
        {"TaskId": f"t-{i:06d}", "TaskAction": "ExportImage", "TaskStatus": "Processing", "ResourceId": f"m-{i}"}
        for i in range(205)
    ]
    with FakeCloud(fixture) as cloud:
        doc = collect_from(cloud, requests)
        image_calls = [c for c in cloud.calls if c.action == "DescribeImages"]
        snapshot_calls = [c for c in cloud.calls if c.action == "DescribeSnapshots"]
    assert sorted(len(c.params["ImageId"].split(",")) for c in image_calls) == [30, 100, 100]
    assert sorted(len(json.loads(c.params["SnapshotIds"])) for c in snapshot_calls) == [30, 100, 100]
    assert len(doc["images"]) == len(doc["snapshots"]) == 230
    assert len(doc["tasks"]) == 205
    assert cloud.actions()["DescribeTasks"] == 3
    assert "unknown" not in doc


# ---- NotFound: learned absent -----------------------------------------------------------------------------


def test_not_found_entities_are_absent_not_unknown(fake_cloud: FakeCloud) -> None:
    requests = [
        {"RegionId": HZ, "ImageId": "m-doesnotexist00001", "OSSBucket": "no-such-bucket", "RoleName": "NoSuchRole"},
        {"RegionId": "xx-nowhere-1", "ImageId": "m-hzok0000000000001", "OSSBucket": "exports-hz"},
    ]
    doc = collect_from(fake_cloud, requests)
    assert doc["images"] == []
    assert doc["snapshots"] == []
    assert [r["RoleName"] for r in doc["roles"]] == ["AliyunECSImageExportDefaultRole"]
    assert [b["Name"] for b in doc["buckets"]] == ["exports-hz"]
    assert "xx-nowhere-1" not in [r["RegionId"] for r in doc["regions"]]
    assert "unknown" not in doc  # every miss was an answer: does not exist


def test_a_batch_refused_for_one_unknown_id_is_split_to_find_the_others() -> None:
    with FakeCloud(default_fixture(), strict_image_ids=True) as cloud:
        requests = [
            {"RegionId": HZ, "ImageId": image, "OSSBucket": "exports-hz"}
            for image in ("m-hzok0000000000001", "m-missing0000000001", "m-hzwin000000000001", "m-hzmkt000000000001")
        ]
        doc = collect_from(cloud, requests)
    assert [i["ImageId"] for i in doc["images"]] == [
        "m-hzmkt000000000001",
        "m-hzok0000000000001",
        "m-hzwin000000000001",
    ]
    assert "unknown" not in doc


# ---- AccessDenied: unknown, naming the permission ---------------------------------------------------------

DENIED_CASES = [
    ("DescribeImages", "images", {"RegionId": BJ, "ImageId": "m-bjok0000000000001"}, None, "ecs:DescribeImages"),
    ("DescribeSnapshots", "snapshots", {"SnapshotId": "s-bjok000000000sys1"}, None, "ecs:DescribeSnapshots"),
    ("DescribeTasks", "tasks", {"RegionId": BJ}, None, "ecs:DescribeTasks"),
    ("DescribeRegions", "regions", {"RegionId": BJ}, None, "ecs:DescribeRegions"),
    ("GetRole", "roles", {"RoleName": "AliyunECSImageExportDefaultRole"}, None, "ram:GetRole"),
    (
        "ListPoliciesForRole",
        "roles",
        {"RoleName": "AliyunECSImageExportDefaultRole"},
        "AttachedPolicies",
        "ram:ListPoliciesForRole",
    ),
    (
        "GetPolicy",
        "roles",
        {"RoleName": "AliyunECSImageExportDefaultRole"},
        "AttachedPolicies/AliyunECSImageExportRolePolicy",
        "ram:GetPolicy",
    ),
    ("GetBucketInfo", "buckets", {"Name": "exports-bj"}, None, "oss:GetBucketInfo"),
    ("GetBucketPolicy", "buckets", {"Name": "exports-bj"}, "Policy", "oss:GetBucketPolicy"),
    ("GetCallerIdentity", "account_id", {}, None, None),
]


@pytest.mark.parametrize(
    ("action", "section", "match", "fld", "permission"), DENIED_CASES, ids=[c[0] for c in DENIED_CASES]
)
def test_access_denied_is_unknown_with_the_missing_permission(
    fake_cloud: FakeCloud, action: str, section: str, match: dict[str, str], fld: str | None, permission: str | None
) -> None:
    fake_cloud.add_fault(Fault(action=action, kind="deny"))
    request = {"RegionId": BJ, "ImageId": "m-bjok0000000000001", "OSSBucket": "exports-bj"}
    doc = collect_from(fake_cloud, [request])
    entries = unknown_of(doc, section)
    assert len(entries) == 1, doc.get("unknown")
    (entry,) = entries
    assert entry["match"] == match
    assert entry.get("field") == fld
    assert entry["reason"].startswith("AccessDenied:")
    if permission:
        assert permission in entry["reason"]
    assert fake_cloud.count(action) == 1  # a refusal is not retried
    if action == "GetBucketPolicy":
        assert "Policy" not in doc["buckets"][0]  # omitted, not null: null would mean "has no policy"
    if action == "GetPolicy":
        (attached,) = doc["roles"][0]["AttachedPolicies"]
        assert "PolicyDocument" not in attached
    if action == "ListPoliciesForRole":
        assert "AttachedPolicies" not in doc["roles"][0]
    if action == "GetCallerIdentity":
        assert "account_id" not in doc


# ---- throttling, 5xx, timeouts ----------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["DescribeImages", "GetRole", "GetBucketInfo"])
def test_throttling_is_retried_until_it_passes(fake_cloud: FakeCloud, action: str) -> None:
    fake_cloud.add_fault(Fault(action=action, kind="throttle", times=2))
    doc = collect_from(fake_cloud, REQUESTS[:1])
    assert "unknown" not in doc
    assert fake_cloud.count(action) == 3
    statuses = [c.status for c in fake_cloud.calls if c.action == action]
    assert statuses == ([503, 503, 200] if action == "GetBucketInfo" else [400, 400, 200])


def test_persistent_5xx_becomes_unknown_after_bounded_retries(fake_cloud: FakeCloud) -> None:
    fake_cloud.add_fault(Fault(action="GetRole", kind="unavailable"))
    fake_cloud.add_fault(Fault(action="GetBucketInfo", kind="throttle"))
    doc = collect_from(fake_cloud, REQUESTS[:1], retries=2)
    assert fake_cloud.count("GetRole") == 3
    assert fake_cloud.count("GetBucketInfo") == 3
    (role,) = unknown_of(doc, "roles")
    assert role["reason"] == "HTTP 503 after 2 retries (ServiceUnavailable)"
    (bucket,) = unknown_of(doc, "buckets")
    assert bucket["reason"] == "throttled after 2 retries (SlowDown)"
    assert doc["roles"] == [] and doc["buckets"] == []


def test_timeouts_become_unknown(fake_cloud: FakeCloud) -> None:
    fake_cloud.add_fault(Fault(action="GetBucketInfo", kind="slow", delay_s=1.0))
    fake_cloud.add_fault(Fault(action="DescribeTasks", kind="slow", delay_s=1.0))
    doc = collect_from(fake_cloud, REQUESTS[:1], timeout_s=0.3, retries=1)
    assert fake_cloud.count("GetBucketInfo") == 2
    reasons = {e["section"]: e["reason"] for e in doc["unknown"]}
    assert reasons == {
        "buckets": "timed out after 1 retries (limit 0.3 s)",
        "tasks": "timed out after 1 retries (limit 0.3 s)",
    }
    assert doc["images"]  # the rest was learned


# ---- the run cannot be done -------------------------------------------------------------------------------


def test_no_endpoint_reachable_is_a_preflight_error(fake_cloud: FakeCloud) -> None:
    closed = FakeCloud(default_fixture()).start()
    url = closed.url
    closed.stop()
    with pytest.raises(PreflightError, match="no endpoint reachable") as info:
        collect_from(fake_cloud, REQUESTS[:1], endpoints={s: url for s in ("ecs", "ram", "sts", "oss")}, retries=1)
    assert url in str(info.value)


def test_one_unreachable_service_is_unknown(fake_cloud: FakeCloud) -> None:
    endpoints = {**fake_cloud.endpoints, "oss": "http://127.0.0.1:9"}
    doc = collect_from(fake_cloud, REQUESTS[:1], endpoints=endpoints, retries=1)
    (entry,) = unknown_of(doc, "buckets")
    assert entry["reason"] == "endpoint oss http://127.0.0.1:9 unreachable after 1 retries"
    assert doc["images"]


def test_rejected_credentials_are_a_preflight_error(fake_cloud: FakeCloud) -> None:
    from preflight.sources.live import AccessKey

    wrong = AccessKey(fake_cloud.access_key_id, "not-the-secret-0000")
    with pytest.raises(PreflightError, match="rejected the credentials") as info:
        collect_from(fake_cloud, REQUESTS[:1], credential=wrong)
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in str(info.value)
    assert "not-the-secret-0000" not in str(info.value)


@pytest.mark.parametrize(
    ("endpoints", "message"),
    [
        ({"ecs": "ftp://127.0.0.1:1"}, "scheme 'ftp'"),
        ({"ecs": "http://127.0.0.1:1/path"}, "a path or query"),
        ({"ecs": "http://127.0.0.1:notaport"}, "malformed host or port"),
        ({"s3": "http://127.0.0.1:1"}, "unknown service 's3'"),
    ],
)
def test_bad_endpoint_values_are_preflight_errors(
    fake_cloud: FakeCloud, endpoints: dict[str, str], message: str
) -> None:
    with pytest.raises(PreflightError, match=message):
        collect_from(fake_cloud, REQUESTS[:1], endpoints={**fake_cloud.endpoints, **endpoints})
    assert fake_cloud.count() == 0


def test_endpoint_env_is_merged_and_the_argument_wins(fake_cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFLIGHT_ENDPOINT_ECS", "http://127.0.0.1:9")  # overridden by the argument
    monkeypatch.setenv("PREFLIGHT_ENDPOINT_STS", fake_cloud.url)
    endpoints = {k: v for k, v in fake_cloud.endpoints.items() if k != "sts"}
    doc = collect_from(fake_cloud, REQUESTS[:1], endpoints=endpoints)
    assert doc["account_id"] == "1234567890123456" and "unknown" not in doc


def test_loopback_only_refuses_a_real_endpoint(fake_cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFLIGHT_LOOPBACK_ONLY", "1")
    endpoints = {k: v for k, v in fake_cloud.endpoints.items() if k != "ram"}
    with pytest.raises(PreflightError, match=r"ram endpoint is https://ram\.aliyuncs\.com"):
        collect_from(fake_cloud, REQUESTS[:1], endpoints=endpoints)
    assert fake_cloud.count() == 0


# ---- secrets ----------------------------------------------------------------------------------------------


def test_the_secret_never_appears_anywhere(
    fake_cloud: FakeCloud, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    from preflight.sources.live import AccessKey

    secret = fake_cloud.access_key_secret
    token = "STS-TOKEN-must-not-leak-1234"
    caplog.set_level("DEBUG")
    for action, kind in [("GetRole", "deny"), ("GetBucketInfo", "unavailable"), ("DescribeTasks", "throttle")]:
        fake_cloud.add_fault(Fault(action=action, kind=kind))
    doc = collect_from(fake_cloud, REQUESTS, retries=1)
    assert doc["unknown"]
    texts = [json.dumps(doc), repr(AccessKey("id", secret, token))]
    with pytest.raises(PreflightError) as rejected:
        collect_from(fake_cloud, REQUESTS[:1], credential=AccessKey(fake_cloud.access_key_id, secret + "x"))
    texts.append(str(rejected.value))
    with pytest.raises(PreflightError) as unreachable:
        collect_from(
            fake_cloud,
            REQUESTS[:1],
            endpoints={s: "http://127.0.0.1:9" for s in ("ecs", "ram", "sts", "oss")},
            retries=0,
        )
    texts.append(str(unreachable.value))
    captured = capsys.readouterr()
    texts += [caplog.text, captured.out, captured.err]
    for text in texts:
        assert secret not in text
        assert token not in text


# ---- concurrency, read-only, permissions ------------------------------------------------------------------


def test_independent_calls_run_concurrently() -> None:
    with FakeCloud(default_fixture(), latency_s=0.15) as cloud:
        collect_from(cloud, REQUESTS, max_workers=16)
        calls = cloud.calls
        peak = cloud.peak_in_flight
    serial = sum(c.ended - c.started for c in calls)
    span = max(c.ended for c in calls) - min(c.started for c in calls)
    assert len(calls) == 30  # 29 + the account-level GetPublicAccessBlock
    assert peak >= 8
    # dependency depth is 3 (list policies -> GetPolicy -> GetPolicyVersion): ~0.45 s, against ~4.4 s serial;
    # the peak above is the exact measure of concurrency, this bound only a loose check that holds on a loaded
    # machine too (it once failed at serial / 4 with a load average of 6)
    assert span < serial / 2, (span, serial)


def test_only_read_only_actions_and_the_policy_covers_them(fake_cloud: FakeCloud) -> None:
    from tests.fakecloud import READ_ONLY_ACTIONS

    collect_from(fake_cloud, REQUESTS)
    sent = {(c.service, c.action) for c in fake_cloud.calls}
    assert sent <= READ_ONLY_ACTIONS
    policy = required_permissions_policy()
    allowed = {a for s in policy["Statement"] for a in s["Action"]}
    assert {f"{service}:{action}" for service, action in sent if service != "sts"} == allowed
    assert all(s["Effect"] == "Allow" for s in policy["Statement"])
    assert all(a.split(":")[1].startswith(("Describe", "Get", "List")) for a in allowed)


def test_the_read_only_check_can_fail() -> None:
    import urllib.error
    import urllib.request

    from tests.fakecloud import forbidden_actions

    with FakeCloud(default_fixture(), record_globally=False, verify_signatures=False) as cloud:
        request = urllib.request.Request(
            cloud.url + "/?RegionId=cn-hangzhou&ImageId=m-x&OSSBucket=b",
            method="POST",
            data=b"",
            headers={"x-acs-action": "ExportImage", "x-acs-version": "2014-05-26"},
        )
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=5)
        seen = {(c.service, c.action) for c in cloud.calls}
    assert forbidden_actions(seen) == [("ecs", "ExportImage")]


# ---- environment handling ---------------------------------------------------------------------------------


def test_proxy_variables_do_not_capture_loopback_calls_and_are_restored(
    fake_cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # a dead proxy: any call through it would fail
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    doc = collect_from(fake_cloud, REQUESTS[:1], retries=0)
    assert "unknown" not in doc
    assert os.environ["HTTP_PROXY"] == "http://127.0.0.1:9"
    assert os.environ["https_proxy"] == "http://127.0.0.1:9"


def test_a_bucket_in_another_region_is_asked_at_its_own_endpoint() -> None:
    with FakeCloud(default_fixture(), strict_oss_region=True) as cloud:
        doc = collect_from(cloud, [{"RegionId": HZ, "ImageId": "m-hzok0000000000001", "OSSBucket": "exports-bj"}])
        statuses = [c.status for c in cloud.calls if c.action == "GetBucketInfo"]
    (bucket,) = doc["buckets"]
    assert bucket["Location"] == "oss-cn-beijing"
    assert "Policy" in bucket
    assert statuses == [403, 200]
    assert "unknown" not in doc
