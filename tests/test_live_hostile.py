"""Hostile or broken endpoints (issue 11), through the REAL SDK clients against the fake cloud on 127.0.0.1.

Each misbehaviour is made by the fake (``Fault`` kinds ``redirect``, ``huge``, ``trickle``; ``mutators`` for
endless pages and malformed answers); the caps are lowered so each test is fast. What a cap cuts off, and any
answer preflight refuses, is unknown with a reason naming why, never a pass and never a hang.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from preflight.errors import PreflightError
from preflight.run import parse_endpoints
from preflight.sources.live import Limits
from preflight.sources.live_clients import parse_endpoint, redact_url
from tests.fakecloud import FakeCloud, Fault, RawAnswer, default_fixture
from tests.fakecloud.support import collect_from

pytest_plugins = ("tests.fakecloud.plugin",)

HZ = "cn-hangzhou"
OK = {"RegionId": HZ, "ImageId": "m-hzok0000000000001", "OSSBucket": "exports-hz", "OSSPrefix": "EcsExport"}
BUSY = {"RegionId": HZ, "ImageId": "m-hzbusy00000000001", "OSSBucket": "exports-hz", "OSSPrefix": "EcsExport"}


def reasons(doc: dict[str, Any], section: str) -> list[str]:
    return [str(e["reason"]) for e in doc.get("unknown", []) if e["section"] == section]


@pytest.fixture
def attacker() -> Iterator[FakeCloud]:
    """Another host a redirect points to; it must never receive a request."""
    with FakeCloud(default_fixture(), record_globally=False) as other:
        yield other


# ---- redirects --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
@pytest.mark.parametrize(("action", "section"), [("DescribeTasks", "tasks"), ("GetRole", "roles")])
def test_a_redirect_is_never_followed_and_its_fact_is_unknown(
    fake_cloud: FakeCloud, attacker: FakeCloud, status: int, action: str, section: str
) -> None:
    fake_cloud.add_fault(Fault(action, kind="redirect", status=status, location=f"{attacker.url}/steal"))
    doc = collect_from(fake_cloud, [BUSY])
    assert attacker.count() == 0  # the security token never left for the other host
    (why,) = reasons(doc, section)
    assert f"HTTP {status}" in why and "redirects are never followed" in why and "127.0.0.1" in why


@pytest.mark.parametrize("action", ["GetBucketInfo", "GetBucketPolicy"])
def test_an_oss_redirect_is_not_followed(fake_cloud: FakeCloud, attacker: FakeCloud, action: str) -> None:
    fake_cloud.add_fault(Fault(action, kind="redirect", location=f"{attacker.url}/exports-hz/?bucketInfo"))
    doc = collect_from(fake_cloud, [OK])
    assert attacker.count() == 0
    (why,) = reasons(doc, "buckets")
    assert "redirects are never followed" in why


# ---- response size cap ------------------------------------------------------------------------------------


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
@pytest.mark.parametrize(("action", "section"), [("DescribeImages", "images"), ("GetBucketPolicy", "buckets")])
def test_a_body_over_the_size_cap_is_cut_off_and_unknown(
    fake_cloud: FakeCloud, declared: bool, action: str, section: str
) -> None:
    fake_cloud.add_fault(Fault(action, kind="huge", size=300_000, declared=declared))
    doc = collect_from(fake_cloud, [OK], limits=Limits(max_body_bytes=100_000))
    (why,) = reasons(doc, section)
    assert why == "the answer is larger than the response size cap (100000 bytes)"


def test_an_answer_under_the_cap_is_read_whole(fake_cloud: FakeCloud) -> None:
    doc = collect_from(fake_cloud, [OK], limits=Limits(max_body_bytes=100_000))
    assert "unknown" not in doc and doc["images"][0]["ImageId"] == OK["ImageId"]


# ---- run deadline -----------------------------------------------------------------------------------------


def test_a_slow_loris_endpoint_is_given_up_at_the_deadline(fake_cloud: FakeCloud) -> None:
    # one byte every 50 ms of a 100 kB body: never a read timeout (3 s), never finished (~80 min)
    fake_cloud.add_fault(Fault("DescribeTasks", kind="trickle", size=100_000, delay_s=0.05))
    doc = collect_from(fake_cloud, [BUSY], limits=Limits(deadline_s=1.5))
    (why,) = reasons(doc, "tasks")
    assert why == "the run deadline (1.5 s) passed before the answer came"
    assert doc["images"] and doc["buckets"]  # what answered in time is kept


def test_calls_asked_for_after_the_deadline_are_not_made(fake_cloud: FakeCloud) -> None:
    fake_cloud.action_latency_s["DescribeImages"] = 2.0  # snapshots are asked after images: never, here
    doc = collect_from(fake_cloud, [OK], limits=Limits(deadline_s=0.8))
    assert fake_cloud.count("DescribeSnapshots") == 0
    assert reasons(doc, "images") == ["the run deadline (0.8 s) passed before the answer came"]


# ---- page caps --------------------------------------------------------------------------------------------


def test_an_endless_next_token_stops_at_the_page_cap(fake_cloud: FakeCloud) -> None:
    fake_cloud.mutators["DescribeSnapshots"] = lambda p: {**p, "NextToken": "0", "Snapshots": {"Snapshot": []}}
    doc = collect_from(fake_cloud, [OK], limits=Limits(max_pages=5))
    assert fake_cloud.count("DescribeSnapshots") == 5
    got = reasons(doc, "snapshots")
    assert len(got) == 2 and set(got) == {
        "the list has more pages than the page cap (5 pages); the rest was not read"
    }


def test_a_huge_total_count_schedules_no_flood_of_pages(fake_cloud: FakeCloud) -> None:
    fake_cloud.mutators["DescribeTasks"] = lambda p: {**p, "TotalCount": 10**9}
    doc = collect_from(fake_cloud, [BUSY], limits=Limits(max_pages=50))
    assert fake_cloud.count("DescribeTasks") == 1
    assert reasons(doc, "tasks") == ["the list has more pages than the page cap (50 pages); the rest was not read"]


def test_endless_image_pages_stop_at_the_page_cap(fake_cloud: FakeCloud) -> None:
    image = next(i for i in fake_cloud.fixture["images"][HZ] if i["ImageId"] == OK["ImageId"])
    fake_cloud.mutators["DescribeImages"] = lambda p: {**p, "TotalCount": 10**9, "Images": {"Image": [image]}}
    collect_from(fake_cloud, [OK], limits=Limits(max_pages=4))
    assert fake_cloud.count("DescribeImages") == 4


def test_tasks_pages_under_the_cap_are_all_read(fake_cloud: FakeCloud) -> None:
    fake_cloud.mutators["DescribeTasks"] = lambda p: {**p, "TotalCount": 250}
    doc = collect_from(fake_cloud, [BUSY], limits=Limits(max_pages=3))
    assert fake_cloud.count("DescribeTasks") == 3 and "unknown" not in doc


# ---- malformed answers ------------------------------------------------------------------------------------


def _without(key: str) -> Any:
    return lambda p: {k: v for k, v in p.items() if k != key}


@pytest.mark.parametrize(
    ("action", "drop", "section", "part"),
    [
        ("DescribeTasks", "TaskSet", "tasks", "TaskSet.Task"),
        ("DescribeImages", "Images", "images", "Images.Image"),
        ("DescribeSnapshots", "Snapshots", "snapshots", "Snapshots.Snapshot"),
        ("DescribeRegions", "Regions", "regions", "Regions.Region"),
        ("GetRole", "Role", "roles", "Role"),
    ],
)
def test_an_answer_without_its_list_is_unknown_not_empty(
    fake_cloud: FakeCloud, action: str, drop: str, section: str, part: str
) -> None:
    fake_cloud.mutators[action] = _without(drop)
    doc = collect_from(fake_cloud, [BUSY])
    got = reasons(doc, section)
    assert got and set(got) == {f"the answer has no {part} (not in the API's shape)"}


def test_a_tasks_list_wrapped_wrong_is_unknown(fake_cloud: FakeCloud) -> None:
    fake_cloud.mutators["DescribeTasks"] = lambda p: {**p, "TaskSet": {"Tasks": p["TaskSet"]["Task"]}}
    doc = collect_from(fake_cloud, [BUSY])
    assert reasons(doc, "tasks") == ["the answer has no TaskSet.Task (not in the API's shape)"]


def test_a_full_tasks_page_without_total_count_is_unknown(fake_cloud: FakeCloud) -> None:
    task = fake_cloud.fixture["tasks"][HZ][0]
    fake_cloud.mutators["DescribeTasks"] = lambda p: {"TaskSet": {"Task": [task] * 100}}
    doc = collect_from(fake_cloud, [BUSY])
    assert reasons(doc, "tasks") == ["the answer has no TotalCount (not in the API's shape)"]


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_unknown(fake_cloud: FakeCloud, body: bytes) -> None:
    fake_cloud.mutators["DescribeTasks"] = lambda p: RawAnswer(body)
    doc = collect_from(fake_cloud, [BUSY])
    (why,) = reasons(doc, "tasks")
    assert why.startswith("the answer is not in the API's shape")


# ---- endpoints are printed without secrets ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("http://id:secret@127.0.0.1:1", "http://…@127.0.0.1:1"),
        ("https://id:s3cr@t@ecs.example.com/", "https://…@ecs.example.com/"),
        ("https://ecs.example.com/?AccessKeySecret=abc&x=1", "https://ecs.example.com/?…"),
        ("https://ecs.example.com#token=abc", "https://ecs.example.com#…"),
        ("id:secret@host:1", "…@host:1"),
        ("https://ecs.example.com", "https://ecs.example.com"),
    ],
)
def test_redact_url(value: str, shown: str) -> None:
    assert redact_url(value) == shown


@pytest.mark.parametrize(
    "value", ["http://id:secret@127.0.0.1:1", "https://h.example.com/?token=secret", "https://h/#secret"]
)
def test_a_bad_endpoint_error_never_echoes_the_secret(value: str) -> None:
    with pytest.raises(PreflightError) as info:
        parse_endpoint("ecs", value)
    assert all("secret" not in line for lang in ("en", "zh") for line in info.value.lines(lang))
    with pytest.raises(PreflightError) as info:
        parse_endpoint("ecs", value, "PREFLIGHT_ENDPOINT_ECS")
    assert all("secret" not in line for lang in ("en", "zh") for line in info.value.lines(lang))


def test_an_endpoint_flag_without_a_service_never_echoes_the_secret() -> None:
    with pytest.raises(PreflightError) as info:
        parse_endpoints(["http://id:secret@host"])
    (line,) = info.value.lines("en")
    assert "secret" not in line and "…@host" in line


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf")])
def test_limits_must_be_positive(bad: float) -> None:
    with pytest.raises(PreflightError):
        Limits(deadline_s=bad)


def test_limits_from_the_environment() -> None:
    limits = Limits.from_environ({"PREFLIGHT_MAX_PAGES": "7", "PREFLIGHT_MAX_BODY_BYTES": "1000"}, deadline_s=9)
    assert limits == Limits(deadline_s=9, max_pages=7, max_body_bytes=1000)
    with pytest.raises(PreflightError) as info:
        Limits.from_environ({"PREFLIGHT_MAX_PAGES": "many"})
    assert "PREFLIGHT_MAX_PAGES" in str(info.value)


@pytest.mark.parametrize("missing", ["TaskId", "TaskAction", "TaskStatus", "ResourceId"])
def test_a_task_that_does_not_say_what_it_is_makes_the_tasks_unknown(fake_cloud: FakeCloud, missing: str) -> None:
    def drop(payload: dict[str, Any]) -> dict[str, Any]:
        for task in payload["TaskSet"]["Task"]:
            task.pop(missing, None)
        return payload

    fake_cloud.mutators["DescribeTasks"] = drop
    doc = collect_from(fake_cloud, [BUSY])
    assert reasons(doc, "tasks") == [f"the answer has no TaskSet.Task[].{missing} (not in the API's shape)"]
    assert doc["tasks"] == []


# ---- the CLI: --deadline, and a process that is not held by a hanging call ---------------------------------


def test_the_deadline_flag_ends_a_slow_loris_run_and_the_process(fake_cloud: FakeCloud, tmp_path: Path) -> None:
    from tests.test_live_cli import env_for, preflight

    fake_cloud.add_fault(Fault("DescribeTasks", kind="trickle", size=100_000, delay_s=0.05))
    got = preflight(env_for(fake_cloud, tmp_path), "snapshot", "--deadline", "2", "--RegionId", HZ,
                    "--ImageId", BUSY["ImageId"], "--OSSBucket", "exports-hz")
    # the call still hangs in its thread when the document is written: the process exits all the same
    assert got.returncode == 0, got.stderr
    doc = json.loads(got.stdout)
    assert reasons(doc, "tasks") == ["the run deadline (2 s) passed before the answer came"]
    got = preflight(env_for(fake_cloud, tmp_path), "check", "--live", "--deadline", "2", "--RegionId", HZ,
                    "--ImageId", BUSY["ImageId"], "--OSSBucket", "exports-hz", "-f", "json")
    assert got.returncode == 1
    pf209 = next(r for r in json.loads(got.stdout)["results"] if r["rule_id"] == "PF209")
    assert pf209["status"] == "unknown"


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf"])
def test_a_bad_deadline_is_bad_input(fake_cloud: FakeCloud, tmp_path: Path, value: str) -> None:
    from tests.test_live_cli import env_for, preflight

    got = preflight(env_for(fake_cloud, tmp_path), "snapshot", f"--deadline={value}", "--RegionId", HZ,
                    "--ImageId", OK["ImageId"], "--OSSBucket", "exports-hz")
    assert got.returncode == 2 and "--deadline must be a positive number" in got.stderr
    assert "Traceback" not in got.stderr and fake_cloud.count() == 0


@pytest.mark.parametrize("missing", ["PolicyName", "PolicyType"])
def test_an_attached_policy_that_cannot_be_named_makes_the_attached_policies_unknown(
    fake_cloud: FakeCloud, missing: str
) -> None:
    def drop(payload: dict[str, Any]) -> dict[str, Any]:
        payload["Policies"]["Policy"][0].pop(missing, None)
        return payload

    fake_cloud.mutators["ListPoliciesForRole"] = drop
    doc = collect_from(fake_cloud, [OK])
    (entry,) = [e for e in doc["unknown"] if e["section"] == "roles"]
    assert entry["field"] == "AttachedPolicies"
    assert str(entry["reason"]) == f"the answer has no Policies.Policy[].{missing} (not in the API's shape)"
    assert fake_cloud.count("GetPolicy") == 0  # no policy is read under a name that was not given
