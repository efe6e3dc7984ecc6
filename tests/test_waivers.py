"""Governed waivers: scope, reason, owner, expiry; mandatory rules; lint; every origin applied alike."""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from preflight import waivers
from preflight.model import Location, Status, Waiver
from tests.conftest import BASE, Cli
from tests.test_reporters_sarif import result, sarif_errors

TODAY = datetime.date(2026, 6, 1)
SRC = Location(".preflight/waivers.yaml", 2)


def w(**kw: Any) -> Waiver:
    base: dict[str, Any] = {"rules": ("PF104",), "reason": "accepted", "source": SRC}
    base.update(kw)
    return Waiver(**base)


# -- apply (pure) -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("waiver", "status"),
    [
        (w(), Status.WAIVED),
        (w(rules=("*",), subject_glob="cn-hangzhou/*"), Status.WAIVED),
        (w(rules=("PF105",)), Status.FAIL),
        (w(subject_glob="cn-shanghai/*"), Status.FAIL),
        (w(path_globs=("infra/*.json",)), Status.WAIVED),
        (w(path_globs=("other/*",)), Status.FAIL),
        (w(resource_glob="bucket/b"), Status.WAIVED),
        (w(resource_glob="bucket/x*"), Status.FAIL),
        (w(expires=TODAY), Status.WAIVED),  # the expiry day is still covered
        (w(expires=TODAY - datetime.timedelta(days=1)), Status.FAIL),
        (w(reason=""), Status.FAIL),
        # an inline IaC waiver: one file, a line range
        (w(path_globs=("infra/snap.json",), lines=(10, 14), inline=True), Status.WAIVED),
        (w(path_globs=("infra/snap.json",), lines=(13, 20), inline=True), Status.FAIL),
    ],
)
def test_apply(waiver: Waiver, status: Status) -> None:
    (out,), _notes = waivers.apply([result()], [waiver], (), TODAY, lambda r: ("bucket/b",))
    assert out.status is status
    assert (out.waiver is waiver) is (status is Status.WAIVED)


def test_only_fail_and_unknown_are_waived() -> None:
    results = [result(Status.PASS), result(Status.SKIP), result(Status.UNKNOWN)]
    out, notes = waivers.apply(results, [w()], (), TODAY)
    assert [r.status for r in out] == [Status.PASS, Status.SKIP, Status.WAIVED] and notes == []


@pytest.mark.parametrize(
    ("waiver", "mandatory", "expected"),
    [
        (w(expires=datetime.date(2026, 1, 31)), (), "expired on 2026-01-31; the finding fails again (2 finding(s))"),
        (w(reason=""), (), "has no reason; it waives nothing and the finding fails again (2 finding(s))"),
        (w(), ("PF104",), "cannot silence mandatory rule PF104 (2 finding(s))"),
    ],
)
def test_inactive_waivers_fail_again_with_a_note(waiver: Waiver, mandatory: tuple[str, ...], expected: str) -> None:
    out, notes = waivers.apply([result(), result(subject="x")], [waiver], mandatory, TODAY)
    assert {r.status for r in out} == {Status.FAIL}
    (note,) = notes
    assert note.where == SRC and note.message.en.endswith(expected) and note.message.zh


def test_an_active_waiver_wins_over_an_expired_one() -> None:
    expired = w(expires=datetime.date(2020, 1, 1))
    (out,), notes = waivers.apply([result()], [expired, w(owner="ops")], (), TODAY)
    assert out.status is Status.WAIVED and out.waiver is not None and out.waiver.owner == "ops" and notes == []


# -- the file -----------------------------------------------------------------------------------------------


def load(tmp_path: Path, text: str) -> list[Waiver]:
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    return waivers.load(path)


def test_file_dates_unquoted_and_quoted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    loaded = load(tmp_path, "waivers:\n  - rule: PF104\n    reason: r\n    expires: 2026-12-31\n"
                            "  - rule: [PF104, PF105]\n    reason: r\n    expires: '2027-01-31'\n    paths: a/*.tf\n")
    assert [x.expires for x in loaded] == [datetime.date(2026, 12, 31), datetime.date(2027, 1, 31)]
    assert loaded[1].rules == ("PF104", "PF105") and loaded[1].path_globs == ("a/*.tf",)
    assert loaded[0].source == Location("waivers.yaml", 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("waivers:\n  - rule: PF104\n    reason: r\n    expire: 2026-01-01\n", "waivers.yaml:4: unknown key 'expire'"),
        ("waivers:\n  - reason: r\n", "waivers.yaml:2: missing required key 'rule'"),
        ("waivers:\n  - rule: PF104\n    expires: 2026-13-01\n", "waivers.yaml:3: not valid YAML: 2026-13-01 is not a"),
        ("waivers:\n  - rule: PF104\n    expires: next year\n", "waivers.yaml:3: expires must be a date"),
        ("waivers:\n  - rule: '*'\n    reason: everything\n", "waivers.yaml:2: a waiver of every rule ('*') needs"),
        ("waivers:\n  - rule: PF104\n    owner: [a]\n", "waivers.yaml:3: owner must be a string"),
        ("waiver:\n  - rule: PF104\n", "waivers.yaml:1: unknown key 'waiver'"),
        ("waivers: {rule: PF104}\n", "waivers.yaml:1: waivers must be a list"),
    ],
)
def test_bad_waivers_file_exits_2(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str,
                                  expected: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "snap.json").write_text(json.dumps(BASE))
    (tmp_path / "waivers.yaml").write_text(text)
    r = cli("check", "snap.json", "--waivers", "waivers.yaml")
    assert r.code == 2 and r.err.startswith("preflight: error: ") and expected in r.err, r.err
    assert "Traceback" not in r.err


# -- the CLI ------------------------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with a snapshot whose one export fails PF104 (error) and PF106 (warning)."""
    (tmp_path / ".git").mkdir()
    doc = copy.deepcopy(BASE)
    doc["exports"][0].update(OSSPrefix="bad-prefix", ImageFormat="RAW")
    (tmp_path / "snap.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    (tmp_path / ".preflight").mkdir()
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")  # found from the working directory upwards
    return tmp_path


def shown(project: Path) -> str:
    """The waivers file as reports show it: above the working directory, so absolute (design.md)."""
    return (project / ".preflight" / "waivers.yaml").resolve().as_posix()


WAIVE_PF104 = "waivers:\n  - rule: PF104\n    paths: ['*.json']\n    reason: Legacy prefix (OPS-7)\n" \
              "    owner: ops\n    expires: 2099-12-31\n"


def test_waived_is_counted_and_kept_in_every_output(cli: Cli, project: Path) -> None:
    (project / ".preflight" / "waivers.yaml").write_text(WAIVE_PF104)
    snap = str(project / "snap.json")
    r = cli("check", snap, "-f", "json")
    assert r.code == 0, r.out
    report = r.json()
    assert report["summary"]["waived"] == 1 and report["summary"]["fail"] == 1
    (waived,) = [x for x in report["results"] if x["status"] == "waived"]
    assert waived["rule_id"] == "PF104" and waived["waiver"]["reason"] == "Legacy prefix (OPS-7)"
    assert waived["waiver"]["source"] == {"path": shown(project), "line": 2}
    sarif = cli("check", snap, "-f", "sarif").json()
    assert sarif_errors(sarif) == []
    (sup,) = [x for x in sarif["runs"][0]["results"] if "suppressions" in x]
    assert sup["suppressions"][0]["justification"] == "Legacy prefix (OPS-7)"
    assert "Legacy prefix (OPS-7)" in cli("check", snap, "-f", "junit").out
    assert "Legacy prefix (OPS-7)" in cli("check", snap, "-f", "markdown").out
    assert "waived: Legacy prefix (OPS-7)" in cli("check", snap, "-f", "github").out
    text = cli("check", snap).out
    assert "~ error   PF104" in text and "1 waived" in text


def test_no_waivers_shows_the_full_picture(cli: Cli, project: Path) -> None:
    (project / ".preflight" / "waivers.yaml").write_text(WAIVE_PF104)
    r = cli("check", str(project / "snap.json"), "--no-waivers", "-f", "json")
    assert r.code == 1 and r.json()["summary"]["waived"] == 0


def test_expired_waiver_fails_again_and_says_so(cli: Cli, project: Path) -> None:
    (project / ".preflight" / "waivers.yaml").write_text(WAIVE_PF104.replace("2099-12-31", "2020-01-01"))
    r = cli("check", str(project / "snap.json"))
    assert r.code == 1
    assert f"warning: {shown(project)}:2: waiver for PF104 expired on 2020-01-01; the finding fails again" in r.out
    doc = cli("check", str(project / "snap.json"), "-f", "json").json()
    assert doc["warnings"][0]["location"] == {"path": shown(project), "line": 2}


def test_reasonless_waiver_fails_again(cli: Cli, project: Path) -> None:
    (project / ".preflight" / "waivers.yaml").write_text("waivers:\n  - rule: PF104\n    owner: ops\n")
    r = cli("check", str(project / "snap.json"), "--lang", "zh")
    assert r.code == 1 and "没有填写 reason" in r.out


def test_mandatory_rules_cannot_be_waived(cli: Cli, project: Path) -> None:
    (project / ".preflight" / "waivers.yaml").write_text(WAIVE_PF104)
    (project / ".preflight.yaml").write_text("mandatory: [PF104]\n")
    r = cli("check", str(project / "snap.json"))
    assert r.code == 1 and "cannot silence mandatory rule PF104" in r.out


def test_config_names_the_waivers_file(cli: Cli, project: Path) -> None:
    (project / "accepted.yaml").write_text(WAIVE_PF104)
    (project / ".preflight.yaml").write_text("waivers: accepted.yaml\n")
    assert cli("check", str(project / "snap.json")).code == 0


def test_waiver_of_an_unknown_rule_is_a_warning(cli: Cli, project: Path) -> None:
    (project / ".preflight" / "waivers.yaml").write_text(WAIVE_PF104 + "  - rule: PF999\n    reason: typo\n")
    r = cli("check", str(project / "snap.json"))
    assert r.code == 0 and "waiver names rule PF999, which is not among the rules evaluated" in r.out


LINT = """waivers:
  - rule: PF104
    paths: ['*.json']
    reason: ok
  - rule: PF105
    reason: old
    expires: 2020-01-01
  - rule: PF106
  - rule: PF999
    reason: typo
  - rule: PF303
    reason: never matches
"""


def test_lint(cli: Cli, project: Path) -> None:
    (project / ".preflight" / "waivers.yaml").write_text(LINT)
    r = cli("waivers", "lint", str(project / "snap.json"))
    assert r.code == 1
    lines = r.out.replace(shown(project), "W").splitlines()
    assert "W:5: expired on 2020-01-01" in lines
    assert "W:8: has no reason (reason is required)" in lines
    assert "W:9: unknown rule PF999" in lines
    never = [x for x in lines if "never matches" in x]
    assert [x.split(":")[1] for x in never] == ["5", "9", "11"]  # PF104 matches; PF106 fails too
    assert lines[-1] == "6 problem(s) in W"
    r = cli("waivers", "lint")
    assert r.code == 1 and "never-matching waivers are found only when inputs are given" in r.out


def test_lint_clean_and_absent(cli: Cli, project: Path) -> None:
    r = cli("waivers", "lint")
    assert (r.code, r.out.startswith("no waivers file")) == (0, True)
    (project / ".preflight" / "waivers.yaml").write_text(WAIVE_PF104)
    r = cli("waivers", "lint", str(project / "snap.json"))
    assert (r.code, r.out) == (0, f"1 waiver(s) in {shown(project)}: no problems\n")
    (project / ".preflight.yaml").write_text("mandatory: [PF104]\n")
    r = cli("waivers", "lint", str(project / "snap.json"), "--lang", "zh")
    assert r.code == 1 and "强制规则" in r.out


def test_lint_bad_file_exits_2(cli: Cli, project: Path) -> None:
    (project / ".preflight" / "waivers.yaml").write_text("waivers:\n  - rule: PF104\n    bogus: 1\n")
    r = cli("waivers", "lint")
    assert r.code == 2 and "waivers.yaml:3: unknown key 'bogus'" in r.err


SCHEMA_DOCS = [
    ({"waivers": [{"rule": "PF104", "reason": "r", "owner": "o", "expires": "2026-12-31", "paths": ["a"],
                   "subject": "s", "resource": "r"}]}, True),
    ({"version": 1, "waivers": [{"rule": ["PF104", "PF105"], "paths": "a/*.tf"}]}, True),
    ({"waivers": [{"reason": "r"}]}, False),
    ({"waivers": [{"rule": "PF104", "bogus": 1}]}, False),
    ({"waivers": [{"rule": "PF104", "expires": "soon"}]}, False),
    ({"waivers": [{"rule": 3}]}, False),
    ({"waivers": [{"rule": "PF104", "paths": [1]}]}, False),
    ({"other": []}, False),
]


@pytest.mark.parametrize(("doc", "valid"), SCHEMA_DOCS, ids=range(len(SCHEMA_DOCS)))
def test_hand_checks_agree_with_the_schema(doc: dict[str, Any], valid: bool) -> None:
    from jsonschema import Draft202012Validator

    from preflight.errors import PreflightError
    from preflight.schemas import schema

    assert Draft202012Validator(schema("waivers")).is_valid(doc) is valid
    try:
        waivers.parse(doc, "w.yaml", lambda _: 1)
    except PreflightError:
        parsed = False
    else:
        parsed = True
    assert parsed is valid


@pytest.mark.parametrize(("today", "expired"), [("2099-12-30", False), ("2099-12-31", False), ("2100-01-01", True)])
def test_lint_as_a_library_call_against_the_date_given(project: Path, today: str, expired: bool) -> None:
    """What ``waivers lint`` does lives in run.py beside ``check`` (the CLI only prints it): a caller passes
    the date the waivers expire against, as ``CheckOptions.today`` requires."""
    import datetime

    from preflight.run import lint_waivers

    (project / ".preflight" / "waivers.yaml").write_text(WAIVE_PF104)
    text, code = lint_waivers([project / "snap.json"], waivers=None, config=None, rules_dirs=(), lang="en",
                              strict=False, today=datetime.date.fromisoformat(today), cwd=project / "sub")
    assert (code, "expired on 2099-12-31" in text) == (int(expired), expired), text
