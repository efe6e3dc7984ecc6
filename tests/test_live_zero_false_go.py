"""Zero false go in live mode (issue 10), through the REAL SDK clients against the fake cloud on 127.0.0.1.

Losing knowledge never turns a no-go into a go: a referenced snapshot that was not returned is unknown, a
Marketplace image is reported as such (not as missing), a bug of ours is an internal error (never an unknown),
and, as a property, dropping any one field from any one answer of a no-go scenario (inside the policy
documents RAM sends as JSON strings too) never makes the run exit 0, nor any rule that failed or was unknown
pass — each scenario is a no-go for exactly the reason it is about, so no other reason masks a lost one.
"""

from __future__ import annotations

import copy
import datetime
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from preflight.errors import PreflightError
from preflight.model import Report, Severity, Status, failing_predicate
from preflight.run import CheckOptions, run_check
from preflight.sources import live, live_answers
from preflight.sources.live_clients import ACTIONS
from preflight.sources.live_errors import RetryPolicy, bug_inside, call_with_retries, is_call_failure
from tests.conftest import Cli
from tests.fakecloud import READ_ONLY_ACTIONS, FakeCloud, Fault, default_fixture
from tests.fakecloud.support import collect_from

pytest_plugins = ("tests.fakecloud.plugin",)

HZ = "cn-hangzhou"
TODAY = datetime.date(2026, 12, 6)
FAILS = failing_predicate(Severity.ERROR, True)


def request(image: str, bucket: str = "exports-hz", role: str | None = None) -> dict[str, str]:
    r = {"RegionId": HZ, "ImageId": image, "OSSBucket": bucket, "OSSPrefix": "EcsExport"}
    if role:
        r["RoleName"] = role
    return r


@pytest.fixture
def account(fake_cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCloud]:
    """The fake, with the environment a ``check --live`` in this process uses."""
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", fake_cloud.access_key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", fake_cloud.access_key_secret)
    monkeypatch.setenv("PREFLIGHT_LOOPBACK_ONLY", "1")
    for service, url in fake_cloud.endpoints.items():
        monkeypatch.setenv(f"PREFLIGHT_ENDPOINT_{service.upper()}", url)
    yield fake_cloud


def check_live(*requests: dict[str, str]) -> Report:
    return run_check(CheckOptions(live=True, requests=list(requests), today=TODAY))


def statuses(report: Report) -> dict[str, str]:
    return {r.rule_id: r.status.value for r in report.results}


def unknown_of(doc: dict[str, Any], section: str) -> list[dict[str, Any]]:
    return [e for e in doc.get("unknown", []) if e["section"] == section]


# ---- Marketplace images --------------------------------------------------------------------------------------

MARKET = "m-hzmarket0000000001"


def test_a_marketplace_image_is_asked_for_by_its_alias(fake_cloud: FakeCloud) -> None:
    doc = collect_from(fake_cloud, [request(MARKET)])
    (image,) = doc["images"]
    assert image["ImageId"] == MARKET and image["ImageOwnerAlias"] == "marketplace"
    aliases = [c.params.get("ImageOwnerAlias", "") for c in fake_cloud.calls if c.action == "DescribeImages"]
    assert aliases == ["", "marketplace"]  # the first answer leaves it out, as the real API does
    assert doc["snapshots"] and doc["snapshots"][0]["SnapshotId"] == "s-hzmarket000000sys1"


def test_a_marketplace_image_is_pf204_not_pf201(account: FakeCloud) -> None:
    report = check_live(request(MARKET))
    got = statuses(report)
    assert got["PF201"] == "pass" and got["PF204"] == "fail" and not report.ok


def test_an_image_that_exists_nowhere_is_still_absent(account: FakeCloud) -> None:
    report = check_live(request("m-nowhere00000000001"))
    assert statuses(report)["PF201"] == "fail"
    assert account.count("DescribeImages") == 2


def test_found_images_are_not_asked_again(fake_cloud: FakeCloud) -> None:
    collect_from(fake_cloud, [request("m-hzok0000000000001")])
    assert fake_cloud.count("DescribeImages") == 1


# ---- snapshots an image references -----------------------------------------------------------------------


def _without_snapshot(fixture: dict[str, Any], snapshot_id: str) -> dict[str, Any]:
    fx = copy.deepcopy(fixture)
    fx["snapshots"][HZ] = [s for s in fx["snapshots"][HZ] if s["SnapshotId"] != snapshot_id]
    return fx


def test_a_snapshot_not_returned_is_unknown_naming_it() -> None:
    fx = _without_snapshot(default_fixture(), "s-hzenc00000000sys1")
    with FakeCloud(fx) as cloud:
        doc = collect_from(cloud, [request("m-hzenc000000000001")])
    (entry,) = unknown_of(doc, "snapshots")
    assert entry["match"] == {"SnapshotId": "s-hzenc00000000sys1"}
    assert str(entry["reason"]) == (
        "DescribeSnapshots did not return snapshot s-hzenc00000000sys1, which the image references"
    )


def test_a_notfound_batch_is_bisected_to_the_missing_snapshot() -> None:
    fx = _without_snapshot(default_fixture(), "s-hzok00000000data1")
    with FakeCloud(fx, strict_snapshot_ids=True) as cloud:
        doc = collect_from(cloud, [request("m-hzok0000000000001"), request("m-hzenc000000000001")])
        calls = cloud.count("DescribeSnapshots")
    assert {s["SnapshotId"] for s in doc["snapshots"]} == {"s-hzok000000000sys1", "s-hzenc00000000sys1"}
    (entry,) = unknown_of(doc, "snapshots")
    assert entry["match"] == {"SnapshotId": "s-hzok00000000data1"}
    assert "InvalidSnapshotId.NotFound" in str(entry["reason"]) and "s-hzok00000000data1" in str(entry["reason"])
    assert calls > 1


def test_an_image_whose_snapshots_are_not_returned_is_not_a_go(account: FakeCloud) -> None:
    account.mutators["DescribeSnapshots"] = lambda p: {**p, "Snapshots": {"Snapshot": []}}
    report = check_live(request("m-hzok0000000000001"))
    got = statuses(report)
    assert got["PF208"] == "unknown" and got["PF204"] == "unknown" and not report.ok


# ---- Block Public Access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("on", [True, False])
def test_block_public_access_is_read_as_a_bool(on: bool) -> None:
    fx = default_fixture()
    for bucket in fx["buckets"]:
        bucket["BlockPublicAccess"] = on
    fx["public_access_block"] = {"BlockPublicAccess": on}
    with FakeCloud(fx) as cloud:
        doc = collect_from(cloud, [request("m-hzok0000000000001", "exports-public")])
    assert doc["buckets"][0]["BlockPublicAccess"] is on
    assert doc["public_access_block"] == {"BlockPublicAccess": on}


@pytest.mark.parametrize("value", ["", "maybe", "1"])
def test_a_block_public_access_that_is_not_a_bool_is_left_out(fake_cloud: FakeCloud, value: str) -> None:
    fake_cloud.mutators["GetBucketInfo"] = lambda b: {**b, "BlockPublicAccess": value}
    fake_cloud.mutators["GetPublicAccessBlock"] = lambda b: {**b, "BlockPublicAccess": value}
    doc = collect_from(fake_cloud, [request("m-hzok0000000000001")])
    assert "BlockPublicAccess" not in doc["buckets"][0]  # absent: unknown
    assert "public_access_block" not in doc


@pytest.mark.parametrize("kind", ["deny", "unavailable"])
def test_an_account_block_that_cannot_be_read_is_left_out(fake_cloud: FakeCloud, kind: str) -> None:
    fake_cloud.add_fault(Fault("GetPublicAccessBlock", kind=kind))
    doc = collect_from(fake_cloud, [request("m-hzok0000000000001")])
    assert "public_access_block" not in doc and doc["buckets"]


def test_no_bucket_no_account_block_call(fake_cloud: FakeCloud) -> None:
    collect_from(fake_cloud, [{"RegionId": HZ, "ImageId": "m-hzok0000000000001"}])
    assert fake_cloud.count("GetPublicAccessBlock") == 0


def test_every_action_is_read_only_listed_and_in_the_permissions() -> None:
    assert {(a.service, a.name) for a in ACTIONS.values()} <= READ_ONLY_ACTIONS
    policy = live.required_permissions_policy()
    granted = {a for s in policy["Statement"] for a in s["Action"]}
    assert "oss:GetPublicAccessBlock" in granted


# ---- a bug of ours is not an unknown ---------------------------------------------------------------------


def test_a_bug_in_our_answer_handling_propagates(fake_cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(body: dict[str, Any], outer: str, inner: str) -> dict[str, Any]:
        raise KeyError("a bug of ours")

    monkeypatch.setattr(live_answers, "_require_list", broken)
    with pytest.raises(KeyError, match="a bug of ours"):
        collect_from(fake_cloud, [request("m-hzok0000000000001")])


def test_a_bug_the_sdk_wraps_is_unwrapped_and_propagates(
    fake_cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    # raised inside tea's call_api retry loop (the signer asks for the credential): tea wraps it in an
    # UnretryableException, which must not pass for "the call failed"
    from alibabacloud_credentials.client import Client as CredentialClient

    def broken(self: object) -> object:
        raise AttributeError("a bug of ours")

    monkeypatch.setattr(CredentialClient, "get_credential", broken)
    with pytest.raises(AttributeError, match="a bug of ours"):
        collect_from(fake_cloud, [request("m-hzok0000000000001")])


def test_a_bug_is_an_internal_error_on_the_cli(account: FakeCloud, monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    def broken(body: dict[str, Any], outer: str, inner: str) -> dict[str, Any]:
        raise TypeError("a bug of ours")

    monkeypatch.setattr(live_answers, "_require_list", broken)
    got = cli("check", "--live", "--RegionId", HZ, "--ImageId", "m-hzok0000000000001", "--OSSBucket", "exports-hz")
    assert got.code == 2 and "internal error" in got.err.lower() and "unknown" not in got.out.lower()


def test_sdk_errors_are_call_failures_and_our_bugs_are_not() -> None:
    from alibabacloud_oss_v2.exceptions import OperationError
    from alibabacloud_tea_openapi.exceptions import ClientException
    from darabonba.exceptions import RetryError, UnretryableException
    from darabonba.policy.retry import RetryPolicyContext

    service = ClientException(code="Forbidden.RAM", status_code=403, message="no")
    assert is_call_failure(service) and bug_inside(service) is None
    assert is_call_failure(ConnectionResetError()) and bug_inside(TimeoutError()) is None
    wrapped_network = UnretryableException(RetryPolicyContext(exception=RetryError("refused")))
    assert bug_inside(wrapped_network) is None
    bug = TypeError("ours")
    assert bug_inside(bug) is bug
    assert bug_inside(UnretryableException(RetryPolicyContext(exception=bug))) is bug
    assert bug_inside(OperationError(name="GetBucketInfo", error=bug)) is bug

    def raises_bug() -> None:
        raise ValueError("ours")

    with pytest.raises(ValueError, match="ours"):
        call_with_retries(raises_bug, RetryPolicy(retries=3), sleep=lambda _: None)


# ---- the property: drop one field from one answer, never a go, and no rule's no-go turns into a pass ------

#: base no-go scenarios: the request, and the rules that make it a no-go at the error threshold — exactly these
#: (the fixture is complete: an image has its OSName, so PF205 is not unknown for another reason and masks
#: nothing). A Marketplace image is also not ours (PF202): both are the scenario's own reason.
SCENARIOS: dict[str, tuple[dict[str, str], frozenset[str]]] = {
    "running-export": (request("m-hzbusy00000000001"), frozenset({"PF209"})),
    "encrypted-snapshot": (request("m-hzenc000000000001"), frozenset({"PF208"})),
    "marketplace-derived": (request("m-hzmkt000000000001"), frozenset({"PF204"})),
    "marketplace-image": (request(MARKET), frozenset({"PF202", "PF204"})),
    "windows": (request("m-hzwin000000000001"), frozenset({"PF205"})),
    "public-bucket": (request("m-hzok0000000000001", "exports-public"), frozenset({"PF501", "PF506"})),
    "kms-bucket": (request("m-hzok0000000000001", "exports-kms"), frozenset({"PF303"})),
    "role-without-oss": (request("m-hzok0000000000001", role="ExportRoleLegacy"), frozenset({"PF403"})),
    "role-trusting-more": (request("m-hzok0000000000001", role="ExportRoleWide"), frozenset({"PF502"})),
    "role-denied": (request("m-hzok0000000000001", role="ExportRoleDenied"), frozenset({"PF403"})),
}

Path = tuple[str | int, ...]
#: a path step into a string that holds a JSON document (RAM sends policy documents so: GetRole's
#: AssumeRolePolicyDocument, GetPolicy's PolicyDocument)
JSON = "(json)"

#: drops after which a rule's pass (and the run's go, when that rule was its only reason) is right: the answer
#: left is valid and says less (a trust policy without its RAM principal admits fewer principals, so PF502 has
#: nothing more to flag), as tests/test_knowledge_loss names them. Keyed by (the dropped key, the rule).
NARROWING: frozenset[tuple[str, str]] = frozenset({("RAM", "PF502")})


def _json_document(value: Any) -> Any:
    """The object or list a string holds as JSON; None when it holds none."""
    if not isinstance(value, str) or not value.lstrip().startswith(("{", "[")):
        return None
    try:
        decoded = json.loads(value)
    except ValueError:
        return None
    return decoded if isinstance(decoded, (dict, list)) else None


def field_paths(value: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every field of a JSON value, at any depth, inside JSON-string documents too (list items are walked,
    not dropped: a field is a key)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from field_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from field_paths(item, (*prefix, i))
    else:
        decoded = _json_document(value)
        if decoded is not None:
            yield from field_paths(decoded, (*prefix, JSON))


def without(value: Any, path: Path) -> Any:
    """``value`` without the field at ``path`` (a copy along the path; a JSON string is decoded, changed and
    encoded again). A path the value does not have leaves it as it is."""
    if not path:
        return value
    step, rest = path[0], path[1:]
    if step == JSON:
        decoded = _json_document(value)
        return value if decoded is None else json.dumps(without(decoded, rest))
    if isinstance(value, dict) and step in value:
        if not rest:
            return {k: v for k, v in value.items() if k != step}
        return {**value, step: without(value[step], rest)}
    if isinstance(value, list) and isinstance(step, int) and step < len(value):
        return [without(v, rest) if i == step else v for i, v in enumerate(value)]
    return value


def recorded_answers(cloud: FakeCloud, req: dict[str, str]) -> tuple[dict[str, list[Any]], Report]:
    seen: dict[str, list[Any]] = {}

    def recorder(action: str) -> Callable[[Any], Any]:
        def record(payload: Any) -> Any:
            seen.setdefault(action, []).append(copy.deepcopy(payload))
            return payload

        return record

    actions = [a for a in ACTIONS if a != "GetCallerIdentity"] + ["GetCallerIdentity"]
    cloud.mutators = {a: recorder(a) for a in actions}
    report = check_live(req)
    cloud.mutators = {}
    return seen, report


def no_go_rules(report: Report) -> frozenset[str]:
    return frozenset(r.rule_id for r in report.results if FAILS(r))


def verdicts(report: Report) -> dict[tuple[str, str], Status]:
    return {(r.subject, r.rule_id): r.status for r in report.results}


def turned_to_pass(before: dict[tuple[str, str], Status], after: dict[tuple[str, str], Status],
                   path: Path) -> list[str]:
    """The rules that failed or were unknown (whatever their severity) before the drop and pass after it,
    the named narrowings aside."""
    return sorted(f"{rule} ({status.value} -> pass)" for (subject, rule), status in before.items()
                  if status in (Status.FAIL, Status.UNKNOWN) and after.get((subject, rule)) is Status.PASS
                  and (str(path[-1]), rule) not in NARROWING)


def one_field_drops(answers: dict[str, list[Any]]) -> list[tuple[str, Path]]:
    """Every (action, field) of the recorded answers, in a stable order."""
    return sorted({(action, path) for action, payloads in answers.items() for p in payloads
                   for path in field_paths(p)}, key=repr)


#: with ``CI`` set (or PREFLIGHT_LIVE_EXHAUSTIVE=1) every drop of every scenario is tried: 1,562 drops over the
#: ten scenarios, JSON-string policy documents entered, about 140 s on two shared cores; locally every
#: STRIDE-th, deterministically (263 drops, about 20 s), with an offset per scenario so that together the
#: scenarios' samples cover different fields
EXHAUSTIVE = bool(os.environ.get("CI") or os.environ.get("PREFLIGHT_LIVE_EXHAUSTIVE"))
STRIDE = 1 if EXHAUSTIVE else 6


def test_every_scenario_is_a_no_go_for_exactly_its_own_reason(account: FakeCloud) -> None:
    for name, (req, reasons) in SCENARIOS.items():
        assert no_go_rules(check_live(req)) == reasons, name


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_dropping_any_one_field_of_any_one_answer_turns_no_rule_to_pass(account: FakeCloud, scenario: str) -> None:
    req, reasons = SCENARIOS[scenario]
    answers, base = recorded_answers(account, req)
    assert no_go_rules(base) == reasons
    before = verdicts(base)
    variants = one_field_drops(answers)
    assert len(variants) > 20 and any(JSON in path for _, path in variants)  # the role's documents are entered
    offset = list(SCENARIOS).index(scenario) % STRIDE
    tried = variants[offset::STRIDE]
    go: list[tuple[str, Path]] = []
    passes: list[tuple[str, Path, list[str]]] = []
    refused = changed = 0
    for action, path in tried:
        account.mutators = {action: lambda payload, p=path: without(payload, p)}
        try:
            after = check_live(req)
        except PreflightError:  # the run could not be done (exit 2): not a go (a ShapeError fails the test:
            # what the cloud answered is never "bad input", see quarantine)
            refused += 1
            continue
        if after.ok and not all((str(path[-1]), rule) in NARROWING for rule in reasons):
            go.append((action, path))
        changed += verdicts(after) != before
        turned = turned_to_pass(before, verdicts(after), path)
        if turned:
            passes.append((action, path, turned))
    account.mutators = {}
    print(f"{scenario}: {len(tried)} of {len(variants)} one-field drops tried, {len(go)} said go, "
          f"{len(passes)} turned a rule to pass, {refused} stopped the run")
    # the drops reached the runs: most were answered, and some changed what was said (else nothing was tested)
    assert refused < len(tried) and changed > 0, (refused, changed, len(tried))
    assert not go, f"{len(go)} of {len(tried)} one-field drops said go: {go}"
    assert not passes, f"{len(passes)} of {len(tried)} one-field drops turned a rule to pass: {passes}"


def test_a_drop_enters_a_policy_document_sent_as_a_json_string() -> None:
    role = {"Role": {"RoleName": "r", "AssumeRolePolicyDocument": json.dumps(
        {"Statement": [{"Effect": "Allow", "Principal": {"Service": ["ecs.aliyuncs.com"], "RAM": ["x"]}}]})}}
    paths = set(field_paths(role))
    inside = ("Role", "AssumeRolePolicyDocument", JSON, "Statement", 0)
    assert {(*inside, "Effect"), (*inside, "Principal"), (*inside, "Principal", "RAM")} <= paths
    dropped = without(role, (*inside, "Principal", "RAM"))
    assert json.loads(dropped["Role"]["AssumeRolePolicyDocument"]) == {
        "Statement": [{"Effect": "Allow", "Principal": {"Service": ["ecs.aliyuncs.com"]}}]}
    assert "RAM" in role["Role"]["AssumeRolePolicyDocument"]  # the recorded answer is left as it was
    assert without(role, ("Role", "Missing", "x")) == role and without("text", (JSON, "a")) == "text"


F, U, P = Status.FAIL, Status.UNKNOWN, Status.PASS


@pytest.mark.parametrize(("before", "after", "path", "turned"), [
    ({("s", "PF403"): F}, {("s", "PF403"): P}, ("Statement", 0, "Effect"), ["PF403 (fail -> pass)"]),
    ({("s", "PF403"): U}, {("s", "PF403"): P}, ("Effect",), ["PF403 (unknown -> pass)"]),
    ({("s", "PF403"): U}, {("s", "PF403"): U}, ("Effect",), []),
    ({("s", "PF403"): P}, {("s", "PF403"): P}, ("Effect",), []),
    ({("s", "PF502"): F}, {("s", "PF502"): P}, ("Principal", "RAM"), []),  # a named narrowing
    ({("s", "PF502"): F}, {("s", "PF502"): P}, ("Principal", "Service"), ["PF502 (fail -> pass)"]),
    ({("s", "PF208"): F}, {("t", "PF208"): P}, ("Encrypted",), []),  # another subject
])
def test_a_rule_turning_to_pass_is_caught(before: dict[tuple[str, str], Status], after: dict[tuple[str, str], Status],
                                           path: Path, turned: list[str]) -> None:
    assert turned_to_pass(before, after, path) == turned


# ---- a shape the builder cannot read is unknown, not bad input -------------------------------------------


def _drop_in_each(outer: str, inner: str, key: str) -> Callable[[Any], Any]:
    def mutate(payload: Any) -> Any:
        for item in payload[outer][inner]:
            item.pop(key, None)
        return payload

    return mutate


def _set_in_each(outer: str, inner: str, key: str, value: Any) -> Callable[[Any], Any]:
    def mutate(payload: Any) -> Any:
        for item in payload[outer][inner]:
            item[key] = value
        return payload

    return mutate


@pytest.mark.parametrize(
    ("action", "mutate", "section", "fld"),
    [
        ("DescribeImages", _set_in_each("Images", "Image", "DiskDeviceMappings", {}), "images", "DiskDeviceMappings"),
        ("DescribeRegions", _drop_in_each("Regions", "Region", "RegionId"), "regions", None),
        ("GetBucketInfo", lambda b: {**b, "AccessControlList": ""}, "buckets", "AccessControlList"),
        ("GetBucketPolicy", lambda p: {**p, "Statement": [{"Action": "oss:*", "Resource": "*"}]}, "buckets", "Policy"),
        ("GetRole", lambda p: {"Role": {k: v for k, v in p["Role"].items() if k != "RoleName"}}, None, None),
    ],
)
def test_an_answer_the_builder_cannot_read_is_unknown_not_bad_input(
    account: FakeCloud, action: str, mutate: Callable[[Any], Any], section: str | None, fld: str | None
) -> None:
    account.mutators[action] = mutate
    req = request("m-hzok0000000000001", "exports-public")
    doc = collect_from(account, [req])
    if section is not None:
        entries = unknown_of(doc, section)
        assert entries and all("does not have the API's shape at /" in str(e["reason"]) for e in entries)
        assert all(e.get("field") == fld for e in entries)
    assert not check_live(req).ok  # and no ShapeError: the run is done
