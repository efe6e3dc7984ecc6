"""``preflight audit``: discovery of every custom image in several accounts (the real SDK clients against the
fake cloud's organisation: Resource Directory, STS AssumeRole with per-account credentials), gaps that stay
unknown, the summary, the fleet snapshot and its replay, CSV, the JSON contract."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from preflight.audit import AuditOptions, load_accounts_file, report_from_fleet, split_fleet
from preflight.audit_model import Verdict
from preflight.errors import PreflightError
from preflight.model import Status
from preflight.sources.live_clients import AccessKey
from preflight.sources.live_discovery import (
    Account,
    AccountRead,
    Progress,
    Scope,
    discover,
    fleet_document,
)
from tests.fakecloud import FakeCloud, Fault
from tests.fakecloud.fixtures import member_account_id, org_fixture
from tests.fakecloud.server import READ_ONLY_ACTIONS

pytest_plugins = ("tests.fakecloud.plugin",)

TODAY = datetime.date(2026, 12, 6)
BUCKETS = {"cn-hangzhou": "bench-bucket-00"}


def endpoints(cloud: FakeCloud) -> dict[str, str]:
    return {**cloud.endpoints, "resourcemanager": cloud.url}


def run_discover(cloud: FakeCloud, accounts: list[Account] | None = None, scope: Scope | None = None,
                 **kwargs: Any) -> list[AccountRead]:
    options: dict[str, Any] = {"endpoints": endpoints(cloud), "backoff_s": 0.01, "timeout_s": 3.0,
                               "credential": AccessKey(cloud.access_key_id, cloud.access_key_secret)}
    options.update(kwargs)
    return discover(accounts, scope or Scope(buckets=BUCKETS), **options)


def fleet_of(reads: list[AccountRead], scope: Scope | None = None) -> dict[str, Any]:
    """The fleet document as a file holds it (reasons are plain strings there)."""
    doc: dict[str, Any] = json.loads(json.dumps(fleet_document(reads, scope or Scope(buckets=BUCKETS)), default=str))
    return doc


def report_of(doc: dict[str, Any], **kwargs: Any) -> Any:
    return report_from_fleet(doc, AuditOptions(today=TODAY, **kwargs))


@pytest.fixture
def org() -> dict[str, Any]:
    return org_fixture(accounts=3, regions=2, images=6)


def fixture_images(fx: dict[str, Any]) -> dict[str, set[tuple[str, str]]]:
    return {m["account_id"]: {(r, i["ImageId"]) for r, imgs in m["images"].items() for i in imgs}
            for m in fx["members"]}


# ---- discovery ----------------------------------------------------------------------------------------


def test_resource_directory_reads_every_member_with_its_own_credentials(org: dict[str, Any]) -> None:
    with FakeCloud(org) as cloud:
        reads = run_discover(cloud, resource_directory=True)
        sessions = list(cloud.sessions.values())
        actions = cloud.actions()
    assert {r.account_id for r in reads} == {member_account_id(n) for n in (1, 2, 3)}
    want = fixture_images(org)
    for read in reads:
        assert read.document is not None and not read.gaps
        # each account's own images, and no other's: the fake answers by the session's credentials
        got = {(i["RegionId"], i["ImageId"]) for i in read.document["images"]}
        assert got == want[read.account_id]
        assert read.document["account_id"] == read.account_id
    assert actions["AssumeRole"] == 3 and actions["ListAccounts"] == 1
    assert set(actions) <= {a for _, a in READ_ONLY_ACTIONS}
    # the temporary credentials are never stored in what the audit keeps
    text = json.dumps(fleet_document(reads, Scope(buckets=BUCKETS)), default=str)
    for secret, token, _ in sessions:
        assert secret not in text and token not in text


def test_accounts_run_concurrently_within_the_bound() -> None:
    fx = org_fixture(accounts=3, regions=1, images=2)
    with FakeCloud(fx, latency_s=0.2) as cloud:
        accounts = [Account(member_account_id(n), f"m{n}", f"acs:ram::{member_account_id(n)}:role/"
                            "ResourceDirectoryAccountAccessRole") for n in (1, 2, 3)]
        reads = run_discover(cloud, accounts, account_workers=3)
        calls = cloud.calls
    assert all(r.document is not None for r in reads)
    # each account's calls span several rounds of 0.2 s; the spans of the three accounts overlap: read at once
    spans = {}
    for c in calls:
        if c.account in {member_account_id(n) for n in (1, 2, 3)}:
            start, end = spans.get(c.account, (c.started, c.ended))
            spans[c.account] = (min(start, c.started), max(end, c.ended))
    assert len(spans) == 3
    assert max(start for start, _ in spans.values()) < min(end for _, end in spans.values())


def test_an_account_that_cannot_be_assumed_is_unknown_and_named(org: dict[str, Any]) -> None:
    org["members"][1]["deny_assume"] = True
    with FakeCloud(org) as cloud:
        reads = run_discover(cloud, resource_directory=True)
    denied = member_account_id(2)
    report = report_of(fleet_of(reads))
    assert report.audit is not None and report.audit.unreachable() == (denied,)
    gap_results = [r for r in report.results if r.account == denied]
    assert gap_results and all(r.status is Status.UNKNOWN for r in gap_results)
    assert "NoPermission" in gap_results[0].text("message")
    assert not report.ok  # an account not read never says "go"
    others = [i for i in report.audit.images if i.account != denied]
    assert len(others) == 12 and all(i.verdict is Verdict.EXPORTABLE for i in others if i.region == "cn-hangzhou")
    from preflight.reporters import RenderOptions
    from preflight.reporters.text import render

    assert f"Not read (results unknown): {denied}" in render(report, RenderOptions())


def test_a_region_whose_images_are_denied_is_not_an_empty_region(org: dict[str, Any]) -> None:
    target = member_account_id(1)
    with FakeCloud(org) as cloud:
        cloud.add_fault(Fault(action="DescribeImages", kind="deny",
                              where={"account": target, "RegionId": "cn-beijing"}))
        reads = run_discover(cloud, resource_directory=True)
    read = next(r for r in reads if r.account_id == target)
    assert set(read.gaps) == {"cn-beijing"} and "ecs:DescribeImages" in read.gaps["cn-beijing"]
    report = report_of(fleet_of(reads))
    gap = [r for r in report.results if r.account == target and "images not listed" in r.subject]
    assert gap and {r.status for r in gap} == {Status.UNKNOWN}
    assert not report.ok
    assert report.audit is not None
    assert report.audit.count(Verdict.EXPORTABLE, target, "cn-hangzhou") == 3  # the readable region is audited


def test_every_denied_call_of_an_account_makes_it_unknown(org: dict[str, Any]) -> None:
    target = member_account_id(3)
    with FakeCloud(org) as cloud:
        cloud.add_fault(Fault(action="*", kind="deny", where={"account": target}))
        reads = run_discover(cloud, resource_directory=True)
    read = next(r for r in reads if r.account_id == target)
    assert read.document is None and None in read.gaps
    report = report_of(fleet_of(reads))
    assert report.audit is not None and target in report.audit.unreachable()


def test_images_are_listed_in_every_status_and_every_page() -> None:
    fx = org_fixture(accounts=1, regions=1, images=250)
    statuses = ("Creating", "Waiting", "Available", "UnAvailable", "CreateFailed", "Deprecated")
    images = fx["members"][0]["images"]["cn-hangzhou"]
    for k, image in enumerate(images):
        image["Status"] = statuses[k % len(statuses)]
    with FakeCloud(fx) as cloud:
        reads = run_discover(cloud, resource_directory=True)
        pages = [c.params for c in cloud.calls if c.action == "DescribeImages"]
    assert reads[0].document is not None and len(reads[0].document["images"]) == 250
    assert len(pages) == 3 and {p["ImageOwnerAlias"] for p in pages} == {"self"}
    assert {p["PageNumber"] for p in pages} == {"1", "2", "3"}
    report = report_of(fleet_of(reads))
    assert report.audit is not None
    blocked = [i for i in report.audit.images if i.verdict is Verdict.BLOCKED]
    assert len(blocked) == 250 - 42 and all("PF203" in i.blockers for i in blocked)  # only Available exports


def test_calls_are_the_batched_minimum() -> None:
    accounts, regions, per_account = 2, 3, 150
    fx = org_fixture(accounts=accounts, regions=regions, images=per_account, buckets=regions)
    with FakeCloud(fx) as cloud:
        run_discover(cloud, resource_directory=True, scope=Scope())
        actions = cloud.actions()
    per_region = [-(-len(imgs) // 100) for imgs in fx["members"][0]["images"].values()]
    assert actions["DescribeImages"] == accounts * sum(per_region)
    assert actions["DescribeSnapshots"] == accounts * sum(per_region)  # one snapshot per image here
    assert actions["DescribeTasks"] == accounts * regions
    assert actions["DescribeRegions"] == actions["AssumeRole"] == accounts
    assert actions["GetCallerIdentity"] == accounts + 1  # and the caller's, to know its own account
    assert actions["GetBucketInfo"] == 0  # no bucket given: none read


def test_only_the_regions_given_are_read(org: dict[str, Any]) -> None:
    with FakeCloud(org) as cloud:
        reads = run_discover(cloud, resource_directory=True, scope=Scope(regions=("cn-beijing", "xx-nowhere-1")))
        asked = {c.params.get("RegionId") for c in cloud.calls if c.action == "DescribeImages"}
    assert asked <= {"cn-beijing", "xx-nowhere-1"}
    for read in reads:
        assert read.document is not None
        assert {i["RegionId"] for i in read.document["images"]} == {"cn-beijing"}
        assert "xx-nowhere-1" in read.gaps  # asked for, not there: said, not silently empty


def test_own_account_without_accounts_flags(org: dict[str, Any]) -> None:
    with FakeCloud(org) as cloud:
        reads = run_discover(cloud)
    assert len(reads) == 1 and reads[0].account_id == str(org["account_id"])


# ---- the report -------------------------------------------------------------------------------------------


def test_bucket_rules_skip_where_no_bucket_is_given(org: dict[str, Any]) -> None:
    with FakeCloud(org) as cloud:
        reads = run_discover(cloud, resource_directory=True)
    report = report_of(fleet_of(reads))
    by_subject: dict[str, dict[str, Status]] = {}
    for r in report.results:
        by_subject.setdefault(r.subject, {})[r.rule_id] = r.status
    beijing = [s for s in by_subject if s.startswith("cn-beijing/")]
    hangzhou = [s for s in by_subject if s.startswith("cn-hangzhou/")]
    assert beijing and hangzhou
    for s in beijing:
        assert by_subject[s]["PF103"] is Status.SKIP and by_subject[s]["PF301"] is Status.SKIP
    for s in hangzhou:
        assert by_subject[s]["PF103"] is Status.PASS and by_subject[s]["PF301"] is Status.PASS
    assert report.audit is not None and report.audit.count(Verdict.BLOCKED) == 0


def test_json_report_is_schema_valid_and_carries_accounts(org: dict[str, Any]) -> None:
    from preflight.reporters.json import render
    from preflight.schemas import validator

    org["members"][0]["deny_assume"] = True
    with FakeCloud(org) as cloud:
        reads = run_discover(cloud, resource_directory=True)
    doc = json.loads(render(report_of(fleet_of(reads))))
    assert list(validator("report").iter_errors(doc)) == []
    assert doc["mode"] == "audit" and doc["schema_version"] == 1
    assert {r["account"] for r in doc["results"]} == {member_account_id(n) for n in (1, 2, 3)}
    assert doc["audit"]["unreachable"] == [member_account_id(1)]
    assert doc["audit"]["images"] == 12 and doc["audit"]["unknown"] == 0


def test_summary_ranks_blockers_and_names_unsafe_buckets() -> None:
    fx = org_fixture(accounts=1, regions=1, images=5)
    member = fx["members"][0]
    images = member["images"]["cn-hangzhou"]
    images[0]["Status"] = "CreateFailed"
    for image in images[:3]:
        image["ProductCode"] = "cmjj000001"  # Marketplace: blocks three images
    member["buckets"][0]["AccessControlList"] = {"Grant": "public-read"}
    with FakeCloud(fx) as cloud:
        reads = run_discover(cloud, resource_directory=True)
    report = report_of(fleet_of(reads))
    assert report.audit is not None
    blockers = report.audit.blockers()
    assert blockers[0][1] == 3 and blockers[0][1] >= blockers[-1][1]
    assert ("PF203", 1) in blockers
    unsafe = {(u.kind, u.name) for u in report.audit.unsafe}
    assert ("bucket", "bench-bucket-00") in unsafe


# ---- fleet document, replay, CSV ----------------------------------------------------------------------


FLEET = Path(__file__).parent / "fixtures" / "audit" / "fleet.json"
GOLDEN_CSV = Path(__file__).parent / "golden" / "audit.csv"


def test_replay_gives_identical_verdicts(org: dict[str, Any]) -> None:
    org["members"][2]["deny_assume"] = True
    with FakeCloud(org) as cloud:
        reads = run_discover(cloud, resource_directory=True)
    live_doc = fleet_document(reads, Scope(buckets=BUCKETS))
    live = report_from_fleet(live_doc, AuditOptions(today=TODAY))
    replayed = report_of(fleet_of(reads))
    assert [(r.account, r.subject, r.rule_id, r.status, r.text("message")) for r in live.results] == \
        [(r.account, r.subject, r.rule_id, r.status, r.text("message")) for r in replayed.results]
    assert live.audit == replayed.audit


def test_csv_golden(cli: Any) -> None:
    result = cli("audit", str(FLEET), "--format", "csv")
    assert result.code == 1, result.err  # the fleet has an account that was not read
    assert result.out == GOLDEN_CSV.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows[0] == ["account", "region", "image_id", "name", "verdict", "blocking_rules", "reason"]
    # the account that could not be read is a row of its own: a spreadsheet never reads it as "no images"
    assert [r[4] for r in rows if r[0] == "1000000000000002"] == ["unknown"]


def test_csv_defuses_formulas_in_image_names(tmp_path: Path, cli: Any) -> None:
    doc = json.loads(FLEET.read_text(encoding="utf-8"))
    doc["images"][0]["ImageName"] = "=HYPERLINK(\"http://x\")"
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = cli("audit", str(path), "--format", "csv")
    assert "'=HYPERLINK" in result.out and "\n=HYPERLINK" not in result.out and ",=HYPERLINK" not in result.out


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github", "markdown", "csv", "html"])
def test_every_format_renders_an_audit(fmt: str, cli: Any) -> None:
    result = cli("audit", str(FLEET), "--format", fmt)
    assert result.code == 1 and result.out and not result.err


def test_the_html_report_of_an_audit_groups_by_account_and_dates_the_run(cli: Any,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    page = cli("audit", str(FLEET), "--format", "html").out
    assert "2026-01-01" in page
    accounts = {a["account_id"] for a in cli("audit", str(FLEET), "--format", "json").json()["audit"]["accounts"]}
    assert accounts and all(a in page for a in accounts)
    assert "审计" in cli("audit", str(FLEET), "--format", "html", "--lang", "zh").out


def test_text_summary_comes_first(cli: Any) -> None:
    out = cli("audit", str(FLEET)).out
    assert out.index("Audit: ") < out.index("● ")
    assert "Per account and region:" in out and "Not read (results unknown): 1000000000000002" in out
    zh = cli("audit", str(FLEET), "--lang", "zh").out
    assert "审计：" in zh and "按账号与地域" in zh


@pytest.mark.parametrize(("edit", "pointer"), [
    (lambda d: d["images"][1].update(account="999"), "/images/1"),
    (lambda d: d["audit"].update(accounts={}), "/audit/accounts"),
    (lambda d: d.pop("audit"), "/audit"),
    (lambda d: d["audit"]["accounts"][0].update(gaps=[{"region": 3}]), "/audit/accounts/0/gaps/0"),
    (lambda d: d["images"][2].update(DiskDeviceMappings=7), "/images/2/DiskDeviceMappings"),
])
def test_bad_fleet_is_bad_input_with_its_place(edit: Any, pointer: str, tmp_path: Path, cli: Any) -> None:
    doc = json.loads(FLEET.read_text(encoding="utf-8"))
    edit(doc)
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    result = cli("audit", str(path))
    assert result.code == 2 and "Traceback" not in result.err
    assert "fleet.json:" in result.err and pointer in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_split_keeps_each_account_apart() -> None:
    doc = json.loads(FLEET.read_text(encoding="utf-8"))
    accounts = split_fleet(doc, "fleet.json", None)
    assert [a.account_id for a in accounts] == ["1000000000000001", "1000000000000002"]
    assert all("account" not in e for a in accounts for s in ("images", "exports") for e in a.document.get(s, []))


# ---- accounts file, flags, permissions, progress ------------------------------------------------------


@pytest.mark.parametrize(("text", "line", "needle"), [
    ("- account_id: '1'\n  role_arn: acs:ram::2:role/r\n", 2, "role_arn must be acs:ram::1:role/NAME"),
    ("- account_id: '1'\n  role_arn: acs:ram::1:role/r\n  color: red\n", 3, "color"),
    ("- account_id: '1'\n", 1, "role_arn"),
    ("[]\n", 1, "non-empty list"),
    ("- account_id: '1'\n  role_arn: acs:ram::1:role/r\n- account_id: '1'\n  role_arn: acs:ram::1:role/r\n", 3,
     "twice"),
])
def test_accounts_file_errors_name_the_line(text: str, line: int, needle: str, tmp_path: Path) -> None:
    path = tmp_path / "accounts.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PreflightError) as info:
        load_accounts_file(path)
    shown = str(info.value)
    assert f"accounts.yaml:{line}" in shown and needle in shown


def test_accounts_file_reads_accounts(tmp_path: Path) -> None:
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps([{"account_id": "1", "role_arn": "acs:ram::1:role/Audit", "name": "prod"}]))
    assert load_accounts_file(path) == [Account("1", "prod", "acs:ram::1:role/Audit")]


@pytest.mark.parametrize("args", [
    ("--regions", ","), ("--bucket", "cn-hangzhou"), ("--bucket", "a=b", "--bucket", "a=c"),
])
def test_bad_flags_exit_2(args: tuple[str, ...], cli: Any) -> None:
    result = cli("audit", "--live", *args)
    assert result.code == 2 and result.err.startswith("preflight: error: ")


def test_live_only_flags_need_live(cli: Any) -> None:
    result = cli("audit", str(FLEET), "--regions", "cn-hangzhou")
    assert result.code == 2 and "--regions" in result.err


def test_permissions_audit(cli: Any) -> None:
    doc = cli("permissions", "--audit").json()
    member = {a for s in doc["member"]["Statement"] for a in s["Action"]}
    caller = {a for s in doc["caller"]["Statement"] for a in s["Action"]}
    assert "ecs:DescribeImages" in member and "sts:AssumeRole" not in member
    assert caller == {"resourcemanager:ListAccounts", "sts:AssumeRole"}
    plain = {a for s in cli("permissions").json()["Statement"] for a in s["Action"]}
    assert plain == member  # a check's policy is unchanged: it needs no caller-only action


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal() -> None:
    assert Progress.for_terminal(2, quiet=False, stream=io.StringIO()).stream is None
    assert Progress.for_terminal(2, quiet=True, stream=_Tty()).stream is None
    tty = _Tty()
    progress = Progress.for_terminal(2, quiet=False, stream=tty)
    progress.interval_s = 0.01
    with progress:
        progress.account_done()
        import time

        time.sleep(0.1)
    assert "audit: 1/2 accounts" in tty.getvalue() and "calls" in tty.getvalue()


def test_read_only_allow_list_covers_the_audit_calls() -> None:
    from preflight.sources.live_clients import ACTIONS

    allowed = {a for _, a in READ_ONLY_ACTIONS}
    assert {"AssumeRole", "ListAccounts"} <= set(ACTIONS) and set(ACTIONS) <= allowed | {"GetBucketLocation"}
    assert Counter(a.service for a in ACTIONS.values() if a.caller_only) == {"sts": 1, "resourcemanager": 1}


def make_fleet() -> dict[str, Any]:
    """The fleet snapshot of ``tests/fixtures/audit/fleet.json``: two members, one not reachable
    (AssumeRole denied), two regions, one image that cannot be exported (CreateFailed)."""
    fx = org_fixture(accounts=2, regions=2, images=3)
    fx["members"][0]["images"]["cn-hangzhou"][0]["Status"] = "CreateFailed"
    fx["members"][1]["deny_assume"] = True
    with FakeCloud(fx) as cloud:
        reads = run_discover(cloud, resource_directory=True)
    doc = fleet_of(reads)
    doc["captured_at"] = "2026-12-06T00:00:00Z"
    for entry in doc["audit"]["accounts"]:
        entry.pop("captured_at", None)
    return doc


def test_fleet_fixture_is_what_the_audit_captures() -> None:
    assert make_fleet() == json.loads(FLEET.read_text(encoding="utf-8"))


# ---- the CLI end to end (a subprocess: credentials come from the environment) ---------------------------


def test_cli_live_audit_equals_the_replay_of_its_snapshot(tmp_path: Path) -> None:
    from tests.test_live_cli import env_for, preflight

    fx = org_fixture(accounts=2, regions=2, images=4)
    fx["members"][1]["deny_assume"] = True
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text("".join(f"- account_id: '{member_account_id(n)}'\n  role_arn: acs:ram::{member_account_id(n)}"
                                f":role/ResourceDirectoryAccountAccessRole\n  name: member-{n}\n" for n in (1, 2)))
    with FakeCloud(fx) as cloud:
        env = env_for(cloud, tmp_path, PREFLIGHT_ENDPOINT_RESOURCEMANAGER=cloud.url)
        live = preflight(env, "audit", "--live", "--resource-directory", "--bucket", "cn-hangzhou=bench-bucket-00",
                         "--format", "json")
        fleet = tmp_path / "fleet.json"
        snap = preflight(env, "snapshot", "--audit", "--accounts", str(accounts), "--bucket",
                         "cn-hangzhou=bench-bucket-00", "-o", str(fleet))
        secrets = [s for session in cloud.sessions.values() for s in session[:2]]
    assert live.returncode == 1 and live.stderr == "", live.stderr  # no progress: stderr is not a terminal
    assert snap.returncode == 0 and snap.stderr == "", snap.stderr
    replay = preflight(env, "audit", str(fleet), "--format", "json")
    assert replay.returncode == 1, replay.stderr

    def comparable(out: str) -> list[tuple[str, str, str, str]]:
        return sorted((r["account"], r["subject"], r["rule_id"], r["status"]) for r in json.loads(out)["results"])

    assert comparable(live.stdout) == comparable(replay.stdout)
    assert json.loads(live.stdout)["audit"] == json.loads(replay.stdout)["audit"]
    stored = fleet.read_text(encoding="utf-8")
    assert not any(s in stored or s in live.stdout for s in secrets)


def test_cli_endpoint_flag_takes_resourcemanager(tmp_path: Path) -> None:
    from tests.test_live_cli import env_for, preflight

    with FakeCloud(org_fixture(accounts=1, regions=1, images=1)) as cloud:
        env = env_for(cloud, tmp_path)
        out = preflight(env, "audit", "--live", "--resource-directory", "--endpoint", f"resourcemanager={cloud.url}",
                        "--format", "csv", "--quiet")
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("\n") == 2 and ",exportable," in out.stdout


def test_config_export_buckets_map_gives_each_region_its_bucket(tmp_path: Path) -> None:
    from preflight.config import load
    from tests.test_live_cli import env_for, preflight

    config = tmp_path / "preflight.yaml"
    config.write_text("export_buckets:\n  cn-beijing: bench-bucket-01\n  cn-hangzhou: bench-bucket-00\n")
    loaded = load(config)
    assert loaded.export_bucket_by_region == {"cn-beijing": "bench-bucket-01", "cn-hangzhou": "bench-bucket-00"}
    assert loaded.export_buckets == ("bench-bucket-01", "bench-bucket-00")  # IaC still reads the names
    with FakeCloud(org_fixture(accounts=1, regions=2, images=2, buckets=2)) as cloud:
        env = env_for(cloud, tmp_path, PREFLIGHT_ENDPOINT_RESOURCEMANAGER=cloud.url)
        out = preflight(env, "audit", "--live", "--resource-directory", "--config", str(config), "-f", "json",
                        "--bucket", "cn-hangzhou=bench-bucket-01")  # the flag wins over the config
        asked = sorted(c.params["bucket"] for c in cloud.calls if c.action == "GetBucketInfo")
    assert out.returncode in (0, 1), out.stderr
    assert asked == ["bench-bucket-01"]  # one bucket for both regions: read once
    subjects = {r["subject"] for r in json.loads(out.stdout)["results"]}
    assert all("oss://bench-bucket-01" in s for s in subjects)


def test_config_export_buckets_map_must_be_strings(tmp_path: Path) -> None:
    from preflight.config import load

    config = tmp_path / "preflight.yaml"
    config.write_text("export_buckets:\n  cn-beijing: 3\n")
    with pytest.raises(PreflightError) as info:
        load(config)
    assert "preflight.yaml:" in str(info.value) and "map of region to bucket" in str(info.value)


def test_the_management_account_in_its_directory_is_read_with_its_own_credentials(org: dict[str, Any]) -> None:
    own = str(org["account_id"])
    org["resource_directory"].append({"AccountId": own, "DisplayName": "management", "Type": "CloudAccount"})
    org["resource_directory"].append(dict(org["resource_directory"][0]))  # listed twice: read once
    with FakeCloud(org) as cloud:
        reads = run_discover(cloud, resource_directory=True, scope=Scope(regions=("cn-hangzhou",)))
        assumed = [c.params["RoleArn"] for c in cloud.calls if c.action == "AssumeRole"]
    assert sorted(r.account_id for r in reads) == sorted([own, *(member_account_id(n) for n in (1, 2, 3))])
    assert not any(own in arn for arn in assumed) and len(assumed) == 3
    mine = next(r for r in reads if r.account_id == own)
    assert mine.document is not None and not mine.gaps and mine.document["images"]


@pytest.mark.parametrize("total", [-1, 3, "many", None])
def test_a_count_that_contradicts_the_page_is_a_gap(total: Any) -> None:
    fx = org_fixture(accounts=1, regions=1, images=8)

    def lie(payload: dict[str, Any]) -> dict[str, Any]:
        if payload["Images"]["Image"] and payload.get("PageNumber") == 1 and "ImageOwnerAlias" not in payload:
            payload["TotalCount"] = total
            if total is None:
                del payload["TotalCount"]
        return payload

    with FakeCloud(fx) as cloud:
        cloud.mutators["DescribeImages"] = lie
        reads = run_discover(cloud, resource_directory=True)
    read = reads[0]
    if total is None:  # 8 images and no count: a partial page, so the list is whole
        assert not read.gaps
    else:
        assert "cn-hangzhou" in read.gaps and "TotalCount" in read.gaps["cn-hangzhou"]


def test_untrusted_names_are_escaped_in_every_summary(tmp_path: Path, cli: Any) -> None:
    doc = json.loads(FLEET.read_text(encoding="utf-8"))
    doc["audit"]["accounts"][0]["name"] = "evil\x1b[2J|<img src=x>\n::error::x"
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    text = cli("audit", str(path)).out
    assert "\x1b" not in text and "\n::error::" not in text
    markdown = cli("audit", str(path), "-f", "markdown").out
    assert "<img" not in markdown and "\x1b" not in markdown and "evil" in markdown


def test_sarif_results_name_their_account(cli: Any) -> None:
    from tests.test_reporters_sarif import sarif_errors

    doc = json.loads(cli("audit", str(FLEET), "-f", "sarif").out)
    assert sarif_errors(doc) == []
    accounts = {r["properties"]["account"] for r in doc["runs"][0]["results"]}
    assert accounts == {"1000000000000001", "1000000000000002"}


def _drop_images(payload: dict[str, Any]) -> dict[str, Any]:
    payload.pop("Images", None)
    return payload


@pytest.mark.parametrize(("fault", "mutator", "needle"), [
    (Fault(action="DescribeImages", kind="deny"), None, "ecs:DescribeImages"),
    (Fault(action="DescribeImages", kind="throttle"), None, "throttled"),
    (Fault(action="DescribeImages", kind="unavailable"), None, "HTTP 503"),
    (Fault(action="DescribeImages", kind="error", status=500, code="InternalError"), None, "HTTP 500"),
    (Fault(action="DescribeImages", kind="redirect", location="http://127.0.0.1:9/"), None, "redirect"),
    (None, _drop_images, "Images.Image"),
], ids=["deny", "throttle", "unavailable", "server-error", "redirect", "malformed"])
def test_any_failure_to_list_a_region_is_a_gap_never_no_images(fault: Fault | None, mutator: Any,
                                                                needle: str) -> None:
    fx = org_fixture(accounts=1, regions=2, images=4)
    with FakeCloud(fx) as cloud:
        if fault is not None:
            fault.where = {"RegionId": "cn-beijing"}
            cloud.add_fault(fault)
        if mutator is not None:
            cloud.mutators["DescribeImages"] = lambda p: mutator(p) if p.get("RegionId") == "cn-beijing" else p
        reads = run_discover(cloud, resource_directory=True, retries=1)
    assert set(reads[0].gaps) == {"cn-beijing"}, reads[0].gaps
    assert needle.lower() in reads[0].gaps["cn-beijing"].lower()
    report = report_of(fleet_of(reads))
    assert not report.ok
    assert report.audit is not None and report.audit.count(Verdict.EXPORTABLE, region="cn-beijing") == 0
    assert report.audit.count(Verdict.EXPORTABLE, region="cn-hangzhou") == 2


def test_the_deadline_leaves_regions_unknown_not_empty() -> None:
    fx = org_fixture(accounts=1, regions=2, images=4)
    with FakeCloud(fx) as cloud:
        cloud.add_fault(Fault(action="DescribeImages", kind="slow", delay_s=3.0, where={"RegionId": "cn-beijing"}))
        reads = run_discover(cloud, resource_directory=True, deadline_s=1.0)
    assert "cn-beijing" in reads[0].gaps and "1 s" in reads[0].gaps["cn-beijing"]
    assert not report_of(fleet_of(reads)).ok


def test_an_account_whose_regions_cannot_be_listed_is_not_read(org: dict[str, Any]) -> None:
    target = member_account_id(2)
    with FakeCloud(org) as cloud:
        cloud.add_fault(Fault(action="DescribeRegions", kind="deny", where={"account": target}))
        reads = run_discover(cloud, resource_directory=True)
    read = next(r for r in reads if r.account_id == target)
    assert read.document is None and "ecs:DescribeRegions" in (read.gaps[None] or "")


def test_check_refuses_a_fleet_snapshot(cli: Any, tmp_path: Path) -> None:
    result = cli("check", str(FLEET))
    assert result.code == 2 and "preflight audit FILE" in result.err and "fleet.json" in result.err
    (tmp_path / "fleet.json").write_text(FLEET.read_text(encoding="utf-8"), encoding="utf-8")
    assert cli("check", str(tmp_path)).code == 2  # found in a directory, too


def _field_drops(doc: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [(section, i, key) for section in ("exports", "regions", "images", "snapshots", "tasks", "roles", "buckets")
            for i, item in enumerate(doc.get(section, [])) for key in item if key != "account"]


def test_losing_any_one_field_of_a_fleet_never_turns_no_go_into_go() -> None:
    """Knowledge loss: drop each field of each entity of the fleet fixture in turn; an image that was not
    exportable never becomes exportable, and the run never turns ok (bad input, exit 2, is not a go)."""
    base = json.loads(FLEET.read_text(encoding="utf-8"))
    original = report_of(base)
    assert original.audit is not None and not original.ok
    not_go = {(i.account, i.image_id) for i in original.audit.images if i.verdict is not Verdict.EXPORTABLE}
    drops = _field_drops(base)
    assert len(drops) > 40
    went = []
    for section, index, key in drops:
        doc = json.loads(json.dumps(base))
        del doc[section][index][key]
        try:
            report = report_of(doc)
        except PreflightError:
            continue
        assert report.audit is not None
        now_go = {(i.account, i.image_id) for i in report.audit.images if i.verdict is Verdict.EXPORTABLE}
        if report.ok or now_go & not_go:
            went.append((section, index, key))
    assert went == []


def test_a_waiver_never_covers_what_could_not_be_read(tmp_path: Path, cli: Any) -> None:
    """A gap (an account or region not read) stays unknown under a waiver of everything: it is not a finding
    about something that was looked at, and waiving it would let an unread account pass."""
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text('waivers:\n  - rule: "*"\n    subject: "*"\n    reason: accepted for the test\n'
                       '    owner: sec\n    expires: 2099-01-01\n', encoding="utf-8")
    doc = cli("audit", str(FLEET), "-f", "json", "--waivers", str(waivers)).json()
    gap = [r for r in doc["results"] if r.get("account") == "1000000000000002"]
    assert gap and all(r["status"] == "unknown" for r in gap)
    assert any(r["status"] == "waived" for r in doc["results"])  # the waiver did apply to what was read
    assert doc["ok"] is False
    # a waived precondition is not an exportable image: ExportImage checks it whatever the waiver says
    waived = {(r.get("account"), r["subject"]) for r in doc["results"]
              if r["status"] == "waived" and r["category"] == "precondition"}
    assert waived
    plain = cli("audit", str(FLEET), "-f", "json").json()
    assert doc["audit"]["exportable"] == plain["audit"]["exportable"]


@pytest.mark.parametrize("mutate", [
    lambda p: {k: v for k, v in p.items() if k != "TotalCount"},
    lambda p: {**p, "TotalCount": p["TotalCount"] + 5},  # fewer accounts listed than the count says
    lambda p: {**p, "Accounts": {"Account": [{k: v for k, v in a.items() if k != "AccountId"}
                                             for a in p["Accounts"]["Account"]]}},
], ids=["no TotalCount", "short of TotalCount", "an account without AccountId"])
def test_a_directory_listing_that_may_have_left_accounts_out_stops_the_audit(org: dict[str, Any],
                                                                            mutate: Any) -> None:
    """An account missing from the list would be missing from the audit without a word (a fleet that says go
    for accounts it never read): which accounts exist is not known, so the run stops."""
    from preflight.errors import PreflightError

    with FakeCloud(org) as cloud:
        cloud.mutators["ListAccounts"] = mutate
        with pytest.raises(PreflightError) as e:
            run_discover(cloud, resource_directory=True)
    assert [m.key for _, m in e.value.problems] == ["audit.directory_unreadable"]


# ---- two accounts with images of the same id: never merged, never counted twice -------------------------

A, B = "1000000000000001", "1000000000000002"


def _twin_fleet() -> dict[str, Any]:
    """The fleet fixture with its second account read, holding the same entities (image ids included) as the
    first, except that its first image failed to build (PF203 blocks it there only)."""
    doc = json.loads(FLEET.read_text(encoding="utf-8"))
    first, second = doc["audit"]["accounts"]
    second.update(gaps=[], regions=list(first["regions"]), public_access_block=first["public_access_block"])
    for section in ("exports", "regions", "images", "snapshots", "tasks", "roles", "buckets"):
        doc[section] = doc.get(section, []) + [{**json.loads(json.dumps(e)), "account": B}
                                               for e in doc.get(section, []) if e.get("account") == A]
    twin = next(i for i in doc["images"] if i["account"] == B and i["Status"] == "Available")
    twin["Status"] = "CreateFailed"
    return doc


def _verdicts(report: Any) -> dict[tuple[str, str], tuple[str, tuple[str, ...]]]:
    return {(i.account, i.image_id): (i.verdict.value, i.blockers) for i in report.audit.images}


def test_two_accounts_with_the_same_image_ids_are_judged_apart() -> None:
    doc = _twin_fleet()
    broken = next(i["ImageId"] for i in doc["images"] if i["account"] == B and i["Status"] == "CreateFailed")
    alone = report_of(json.loads(FLEET.read_text(encoding="utf-8")))
    report = report_of(doc)
    got = _verdicts(report)
    mine = {k: v for k, v in got.items() if k[0] == A}
    assert mine == {k: v for k, v in _verdicts(alone).items() if k[0] == A}  # B's images change nothing of A's
    assert got[(B, broken)] == ("blocked", ("PF203",)) and got[(A, broken)][0] == "exportable"
    assert len(report.audit.images) == 2 * len(mine)  # each image once, in its own account
    for account in (A, B):
        ids = [i.image_id for i in report.audit.images if i.account == account]
        assert sorted(ids) == sorted(i["ImageId"] for i in doc["images"] if i["account"] == account)
        assert sum(report.audit.count(v, account) for v in Verdict) == len(ids)
    blocked = Counter(i.account for i in report.audit.images if i.verdict is Verdict.BLOCKED)
    assert dict(report.audit.blockers())["PF203"] == sum(1 for i in report.audit.images if "PF203" in i.blockers)
    assert blocked[B] == blocked[A] + 1


def test_the_summaries_count_each_image_once(cli: Any, tmp_path: Path) -> None:
    doc = _twin_fleet()
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    summary = json.loads(cli("audit", str(path), "--format", "json").out)["audit"]
    images = doc["images"]
    assert summary["images"] == len(images) == sum(a["images"] for a in summary["accounts"])
    for a in summary["accounts"]:
        assert a["images"] == sum(1 for i in images if i["account"] == a["account_id"])
        assert a["images"] == sum(r["images"] for r in a["regions"])
    rows = list(csv.reader(io.StringIO(cli("audit", str(path), "--format", "csv").out)))[1:]
    assert sorted((r[0], r[2]) for r in rows) == sorted((i["account"], i["ImageId"]) for i in images)


def test_an_export_listed_twice_in_one_account_is_one_image() -> None:
    doc = json.loads(FLEET.read_text(encoding="utf-8"))
    doc["exports"].append(dict(doc["exports"][0]))
    report = report_of(doc)
    keys = [(i.account, i.region, i.image_id) for i in report.audit.images]
    assert len(keys) == len(set(keys)) == len(report_of(json.loads(FLEET.read_text(encoding="utf-8"))).audit.images)


def test_a_waiver_by_resource_is_matched_in_the_result_s_own_account() -> None:
    from preflight.engine import evaluate
    from preflight.rules import load_rules
    from preflight.run import resource_resolver
    from preflight.sources.snapshot import subjects_from_document
    from tests.conftest import BASE

    rules = load_rules().rules
    subjects, results = [], []
    for account, role in ((A, "RoleOfA"), (B, "RoleOfB")):
        doc = json.loads(json.dumps(BASE))
        doc["exports"][0]["RoleName"] = role
        subs = subjects_from_document(doc)
        subjects += [(account, s) for s in subs]
        results += [r._replace(account=account) for r in evaluate(rules, subs) if r.rule_id == "PF401"]
    assert len({s.name for _, s in subjects}) == 1  # the same export name in both accounts
    resource_of = resource_resolver([s for _, s in subjects], rules, [a for a, _ in subjects])
    assert [(r.account, resource_of(r)) for r in results] == [(A, ("role/RoleOfA",)), (B, ("role/RoleOfB",))]
