"""Baselines: record today's findings, fail only on new ones, say what is still there and what is gone."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from preflight import baseline
from preflight.model import Status
from tests.conftest import BASE, Cli
from tests.test_reporters_sarif import result, sarif_errors


@pytest.fixture
def snap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    doc = copy.deepcopy(BASE)
    doc["exports"][0]["OSSPrefix"] = "bad-prefix"
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def test_write_then_check_against_it(cli: Cli, snap: Path, tmp_path: Path) -> None:
    r = cli("check", str(snap), "--write-baseline", "baseline.json", "-f", "json")
    assert r.code == 0, r.err  # today's findings are accepted
    assert r.err == "preflight: wrote 1 finding(s) to the baseline baseline.json\n"
    written = json.loads((tmp_path / "baseline.json").read_text())
    assert written["version"] == 1 and [f["rule_id"] for f in written["findings"]] == ["PF104"]
    assert r.json()["baseline"] == {"path": "baseline.json", "new": 0, "still_present": 1, "gone": 0}

    r = cli("check", str(snap), "--baseline", "baseline.json")
    assert r.code == 0
    assert "baseline baseline.json: 0 new finding(s); 1 baselined finding(s) still present, 0 gone" in r.out
    assert "in the baseline (does not fail the run)" in r.out

    doc = json.loads(snap.read_text())
    doc["exports"][0]["ImageFormat"] = "qcow2"  # a new finding (PF107), the old one stays
    snap.write_text("\n\n" + json.dumps(doc, indent=4))  # every line moves: fingerprints do not
    r = cli("check", str(snap), "--baseline", "baseline.json", "-f", "json")
    assert r.code == 1
    report = r.json()
    assert report["baseline"] == {"path": "baseline.json", "new": 1, "still_present": 1, "gone": 0}
    failing = {x["rule_id"]: x.get("baselined", False) for x in report["results"] if x["status"] == "fail"}
    assert failing == {"PF104": True, "PF107": False}
    sarif = cli("check", str(snap), "--baseline", "baseline.json", "-f", "sarif").json()
    assert sarif_errors(sarif) == []
    assert {x["ruleId"]: x["baselineState"] for x in sarif["runs"][0]["results"]} == \
        {"PF104": "unchanged", "PF107": "new"}

    doc["exports"][0]["OSSPrefix"] = "Fixed"
    doc["exports"][0]["ImageFormat"] = "raw"
    snap.write_text(json.dumps(doc))
    r = cli("check", str(snap), "--baseline", "baseline.json", "-f", "json")
    assert r.code == 0 and r.json()["baseline"] == {"path": "baseline.json", "new": 0, "still_present": 0, "gone": 1}


def test_apply_counts() -> None:
    old = result()
    base = baseline.Baseline("b.json", frozenset({old.fingerprint, "f" * 32}))
    out, summary = baseline.apply([old, result(subject="new"), result(Status.PASS, subject="p")], base)
    assert [r.baselined for r in out] == [True, False, False]
    assert (summary.new, summary.still_present, summary.gone) == (1, 1, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{broken", "b.json:1: not valid JSON"),
        ('{"version": 2, "findings": []}', "b.json:1: not a preflight baseline"),
        ('{"version": 1,\n "findings": [\n  {"fingerprint": "x"},\n  {"rule_id": "PF104"}]}',
         "b.json:4: a finding needs a string 'fingerprint'"),
    ],
)
def test_bad_baseline_exits_2(cli: Cli, snap: Path, tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "b.json").write_text(text)
    r = cli("check", str(snap), "--baseline", "b.json")
    assert r.code == 2 and r.err.startswith("preflight: error: ") and expected in r.err, r.err


def test_missing_baseline_and_both_flags(cli: Cli, snap: Path) -> None:
    r = cli("check", str(snap), "--baseline", "nope.json")
    assert (r.code, r.err) == (2, "preflight: error: nope.json: no such file\n")
    r = cli("check", str(snap), "--baseline", "a.json", "--write-baseline", "b.json")
    assert r.code == 2 and "not both" in r.err


def test_chinese(cli: Cli, snap: Path) -> None:
    r = cli("check", str(snap), "--write-baseline", "b.json", "--lang", "zh")
    assert r.code == 0 and "已将 1 个问题写入基线 b.json" in r.err and "基线 b.json：0 个新问题" in r.out
