"""The config file: where it is found, what it changes, and strict errors with file and line."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from preflight import config
from preflight.config import Config, find_upwards
from preflight.model import Severity
from preflight.schemas import schema
from tests.conftest import BASE, Cli


@pytest.fixture
def warning_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A snapshot whose one finding is a warning (PF106: ImageFormat not lower case); cwd = tmp_path."""
    monkeypatch.chdir(tmp_path)
    doc = copy.deepcopy(BASE)
    doc["exports"][0]["ImageFormat"] = "RAW"
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def test_found_from_the_working_directory_up_to_the_repository_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "a" / "b").mkdir(parents=True)
    (tmp_path / ".preflight.yaml").write_text("fail_on: info\n")  # above the repository: never read
    assert find_upwards(".preflight.yaml", repo / "a" / "b") is None
    (repo / ".preflight.yaml").write_text("fail_on: warning\n")
    assert find_upwards(".preflight.yaml", repo / "a" / "b") == (repo / ".preflight.yaml").resolve()
    (repo / "a" / ".preflight.yaml").write_text("fail_on: error\n")
    assert find_upwards(".preflight.yaml", repo / "a" / "b") == (repo / "a" / ".preflight.yaml").resolve()
    outside = tmp_path / "plain" / "sub"
    outside.mkdir(parents=True)
    (tmp_path / "plain" / ".preflight.yaml").write_text("fail_on: info\n")
    assert find_upwards(".preflight.yaml", outside) is None  # no repository: the working directory only


def test_never_next_to_the_input(cli: Cli, warning_only: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "inputs"
    elsewhere.mkdir()
    (elsewhere / ".preflight.yaml").write_text("fail_on: warning\n")
    moved = elsewhere / "snap.json"
    warning_only.rename(moved)
    assert cli("check", str(moved)).code == 0


@pytest.mark.parametrize(("how", "code"), [("none", 0), ("file", 1), ("flag", 1), ("flag-wins", 0)])
def test_fail_on(cli: Cli, warning_only: Path, tmp_path: Path, how: str, code: int) -> None:
    args = ["check", str(warning_only)]
    if how in ("file", "flag-wins"):
        (tmp_path / ".preflight.yaml").write_text("fail_on: warning\n")
    if how == "flag":
        args += ["--fail-on", "warning"]
    if how == "flag-wins":
        args += ["--fail-on", "error"]
    r = cli(*args)
    assert r.code == code, r.out + r.err


def test_disable_and_severity_override(cli: Cli, warning_only: Path, tmp_path: Path) -> None:
    (tmp_path / ".preflight.yaml").write_text("rules:\n  PF106: {severity: error}\n  PF210: {enabled: false}\n")
    r = cli("check", str(warning_only), "-f", "json")
    assert r.code == 1
    results = r.json()["results"]
    assert "PF210" not in {x["rule_id"] for x in results}
    assert next(x for x in results if x["rule_id"] == "PF106")["severity"] == "error"
    sarif = cli("check", str(warning_only), "-f", "sarif").json()
    ids = [x["id"] for x in sarif["runs"][0]["tool"]["driver"]["rules"]]
    assert "PF210" not in ids
    assert next(x for x in sarif["runs"][0]["tool"]["driver"]["rules"] if x["id"] == "PF106")[
        "defaultConfiguration"]["level"] == "error"


def test_explicit_config_and_export_names(tmp_path: Path) -> None:
    path = tmp_path / "cfg.yaml"
    path.write_text("export_roles: [ImageExportRole]\nexport_buckets: [exports, backups]\nwaivers: w/x.yaml\n"
                    "mandatory: [PF501]\n")
    cfg = config.load(path)
    assert cfg.export_roles == ("ImageExportRole",) and cfg.export_buckets == ("exports", "backups")
    assert cfg.waivers == tmp_path / "w" / "x.yaml" and cfg.mandatory == ("PF501",)
    assert Config().export_roles == () and Config().fail_on is None
    assert config.load(tmp_path / "cfg.yaml").fail_on is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fail_on: warning\nfial_on: error\n", ".preflight.yaml:2: unknown key 'fial_on'"),
        ("rules:\n  PF104: {enabled: false}\n  PF999: {enabled: false}\n",
         ".preflight.yaml:3: unknown rule id 'PF999'"),
        ("mandatory: [PF501, NOPE]\n", ".preflight.yaml:1: unknown rule id 'NOPE'"),
        ("rules:\n  PF104:\n    enabled: false\n    sevirity: info\n", ".preflight.yaml:4: unknown key 'sevirity'"),
        ("rules:\n  PF104: {severity: fatal}\n", ".preflight.yaml:2: severity must be one of error, warning, info"),
        ("rules:\n  PF104: {enabled: 'no'}\n", ".preflight.yaml:2: enabled must be a boolean"),
        ("fail_on: fatal\n", ".preflight.yaml:1: fail_on must be one of"),
        ("mandatory: [PF501]\nrules:\n  PF501: {enabled: false}\n",
         ".preflight.yaml:3: rule PF501 is mandatory and cannot be disabled"),
        ("export_roles: ImageExportRole\n", ".preflight.yaml:1: export_roles must be a list of strings"),
        ("- fail_on\n", ".preflight.yaml:1: expected a mapping"),
        ("fail_on: [\n", ".preflight.yaml:2: not valid YAML"),
    ],
)
def test_bad_config_exits_2_with_file_and_line(cli: Cli, warning_only: Path, tmp_path: Path, text: str,
                                               expected: str) -> None:
    (tmp_path / ".preflight.yaml").write_text(text)
    r = cli("check", str(warning_only))
    assert r.code == 2 and "Traceback" not in r.err
    assert all(line.startswith("preflight: error: ") for line in r.err.splitlines())
    assert expected in r.err, r.err


def test_every_problem_is_reported(cli: Cli, warning_only: Path, tmp_path: Path) -> None:
    (tmp_path / ".preflight.yaml").write_text("a: 1\nb: 2\nfail_on: x\n")
    assert len(cli("check", str(warning_only)).err.splitlines()) == 3


def test_missing_explicit_config(cli: Cli, warning_only: Path) -> None:
    r = cli("check", str(warning_only), "--config", "nope.yaml")
    assert (r.code, r.err) == (2, "preflight: error: nope.yaml: no such file\n")


DOCS = [
    ({}, True),
    ({"version": 1, "fail_on": "info", "rules": {"PF1": {"enabled": False, "severity": "warning"}},
      "mandatory": ["PF2"], "waivers": "w.yaml", "export_roles": ["r"], "export_buckets": ["b"]}, True),
    ({"fail_on": "fatal"}, False),
    ({"unknown": 1}, False),
    ({"rules": {"PF1": {"enabled": "yes"}}}, False),
    ({"rules": {"PF1": {"other": 1}}}, False),
    ({"rules": {"PF1": "off"}}, False),
    ({"mandatory": "PF1"}, False),
    ({"waivers": ""}, False),
    ({"export_buckets": [1]}, False),
    ({"version": 2}, False),
    ({"max_file_size": 1000}, True),
    ({"max_file_size": "50MB"}, True),
    ({"max_file_size": "512 KiB"}, True),
    ({"max_file_size": 0}, False),
    ({"max_file_size": -5}, False),
    ({"max_file_size": "lots"}, False),
    ({"max_file_size": "5TB"}, False),
    ({"max_file_size": True}, False),
    ({"max_file_size": 1.5}, False),
    ({"max_file_size": 52428800}, True),  # the built-in cap: a config may lower it, never raise it
    ({"max_file_size": 52428801}, False),
]


@pytest.mark.parametrize(("doc", "valid"), DOCS, ids=range(len(DOCS)))
def test_hand_checks_agree_with_the_schema(doc: dict[str, Any], valid: bool, tmp_path: Path) -> None:
    from jsonschema import Draft202012Validator

    assert Draft202012Validator(schema("config")).is_valid(doc) is valid
    try:
        config.parse(doc, "c.yaml", lambda _: 1, tmp_path)
    except config.PreflightError:
        parsed = False
    else:
        parsed = True
    assert parsed is valid


def test_schema_names_every_key() -> None:
    assert set(schema("config")["properties"]) == set(config.TOP_KEYS)
    assert schema("config")["additionalProperties"] is False


def test_severity_type() -> None:
    assert config.parse({"fail_on": "warning"}, "c", lambda _: 1, Path()).fail_on is Severity.WARNING


# -- a config comes with the pull request: it may lower a cap, never raise it ------------------------------

ABOVE = {"max_file_size": ["50MiB", "52428801", 52428801, "51MiB", "100MB", "1G", "2GiB"]}


@pytest.mark.parametrize("key", sorted(config.hard_caps()))
def test_a_config_may_lower_a_cap_and_not_raise_it(key: str, tmp_path: Path) -> None:
    limit = config.hard_caps()[key]
    lines = {key: 3}
    assert getattr(config.parse({key: limit}, "c.yaml", lambda _: 1, tmp_path), key) == limit
    assert getattr(config.parse({key: 1000}, "c.yaml", lambda _: 1, tmp_path), key) == 1000
    for value in ABOVE[key][1:]:
        with pytest.raises(config.PreflightError) as got:
            config.parse({"fail_on": "error", key: value}, "c.yaml", lambda path: lines.get(str(path[-1]), 1),
                         tmp_path)
        assert str(got.value).startswith(f"c.yaml:3: {key}: ") and "above the built-in limit" in str(got.value)
    assert config.parse({key: ABOVE[key][0]}, "c.yaml", lambda _: 1, tmp_path)  # 50MiB is the cap itself


def test_every_config_key_is_a_known_cap_or_sets_no_cap() -> None:
    # a key added to the config that sets a cap must be listed in hard_caps (security.md names them too)
    caps = set(config.hard_caps())
    assert caps <= set(config.TOP_KEYS) and caps == {"max_file_size"}


def test_a_config_raising_the_file_size_cap_stops_the_run(cli: Cli, warning_only: Path, tmp_path: Path) -> None:
    (tmp_path / ".preflight.yaml").write_text("fail_on: error\nmax_file_size: 100MB\n", encoding="utf-8")
    for lang in ("en", "zh"):
        got = cli("check", str(warning_only), "--lang", lang)
        assert got.code == 2 and got.out == "" and len(got.err.splitlines()) == 1, got
        assert got.err.startswith("preflight: error: .preflight.yaml:2: max_file_size") and "Traceback" not in got.err
        assert "100000000" in got.err and "52428800" in got.err and "--max-file-size" in got.err
    # whoever runs preflight may raise it; the config still may not
    assert cli("check", str(warning_only), "--max-file-size", "100MB").code == 2
    (tmp_path / ".preflight.yaml").write_text("max_file_size: 10MB\n", encoding="utf-8")
    assert cli("check", str(warning_only)).code == 0


def test_a_config_s_lower_cap_holds_for_an_audit_too(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                      ) -> None:
    fleet = Path(__file__).parent / "fixtures" / "audit" / "fleet.json"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fleet.json").write_text(fleet.read_text(encoding="utf-8"), encoding="utf-8")
    assert cli("audit", "fleet.json").code == 1  # an account there could not be read
    (tmp_path / ".preflight.yaml").write_text("max_file_size: 1KB\n", encoding="utf-8")
    got = cli("audit", "fleet.json")
    assert got.code == 2 and got.err.startswith("preflight: error: fleet.json: not read: ") and "1000 bytes" in got.err
