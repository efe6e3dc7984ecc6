"""The JSON report: the fast encoder equals json.dumps of result_dict; additive keys stay schema-valid."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from preflight.model import BaselineSummary, Location, Mode, Note, Report, Status, Text, Waiver
from preflight.reporters.json import _ResultEncoder, render, result_dict
from preflight.schemas import validator
from tests.conftest import ROOT, Cli
from tests.test_reporters_sarif import result

WAIVER = Waiver(rules=("PF104",), reason="accepted “quoted”", source=Location("w.yaml", 2), owner=None,
                expires=datetime.date(2099, 12, 31))
CASES = [
    result(),
    result(Status.PASS, evidence={}, location=None, message="ok", remediation=""),
    result(Status.WAIVED, waiver=WAIVER),
    result(baselined=True, subject="中文 → oss://b"),
    result(Status.UNKNOWN, evidence={"x": [1, None, "ü"]}, baselined=True),
]


@pytest.mark.parametrize("r", CASES, ids=range(len(CASES)))
def test_fast_encoder_is_json_dumps(r: object) -> None:
    (line,) = _ResultEncoder().lines((r,))  # type: ignore[arg-type]
    assert line == json.dumps(result_dict(r), ensure_ascii=False)  # type: ignore[arg-type]


def test_additive_keys_are_schema_valid() -> None:
    report = Report(mode=Mode.SNAPSHOT, results=tuple(CASES),
                    notes=(Note(Text("expired", "已到期"), Location("w.yaml", 2)),),
                    baseline=BaselineSummary("b.json", 1, 2, 3))
    doc = json.loads(render(report))
    assert list(validator("report").iter_errors(doc)) == []
    assert doc["results"][2]["waiver"] == {"reason": "accepted “quoted”", "owner": None, "expires": "2099-12-31",
                                           "source": {"path": "w.yaml", "line": 2}}
    assert doc["results"][3]["baselined"] is True and "baselined" not in doc["results"][0]
    assert doc["baseline"] == {"path": "b.json", "new": 1, "still_present": 2, "gone": 3}
    assert doc["warnings"] == [{"message": "expired", "location": {"path": "w.yaml", "line": 2}}]
    assert doc["schema_version"] == 1


def test_several_formats_in_one_run(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    files = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "sarif", "junit", "github", "markdown", "text")}
    args = [a for fmt, path in files.items() for a in ("--report", f"{fmt}={path}")]
    r = cli("check", "examples/snapshot.json", *args)
    assert r.code == 1 and r.err == ""
    assert r.out.startswith("preflight 0.1.0 · snapshot")  # the log still gets the text report
    assert json.loads(files["json"].read_text())["schema_version"] == 1
    assert json.loads(files["sarif"].read_text())["version"] == "2.1.0"
    assert files["junit"].read_text().startswith("<?xml")
    assert files["github"].read_text().startswith("::")
    assert files["markdown"].read_text().startswith("## ")
    assert files["text"].read_text() == r.out
    r = cli("check", "examples/snapshot.json", "-f", "json", "-o", str(tmp_path / "a.json"),
            "--report", f"sarif={tmp_path / 'a.sarif'}")
    assert r.out == "" and (tmp_path / "a.json").exists() and (tmp_path / "a.sarif").exists()


@pytest.mark.parametrize("value", ["sarif", "yaml=x", "sarif=", "=x"])
def test_bad_report_flag(cli: Cli, value: str) -> None:
    r = cli("check", "examples/snapshot.json", "--report", value)
    assert r.code == 2 and r.err.startswith("preflight: error: --report") and "FORMAT=PATH" in r.err


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_fast_encoder_is_json_dumps_on_shared_messages(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many exports sharing outcomes (the encoder reuses each shared piece by identity) and results that
    differ only in what follows the subject (waived, baselined, an account): every line as json.dumps."""
    from preflight.engine import evaluate
    from preflight.rules import load_rules
    from preflight.sources.snapshot import subjects_from_document

    doc = json.loads((ROOT / "examples/snapshot.json").read_text(encoding="utf-8"))
    doc["exports"] = [{**e, "OSSPrefix": f"p{i % 3}x{n}"} for n in range(4) for i, e in enumerate(doc["exports"])]
    results = evaluate(load_rules().rules, subjects_from_document(doc))
    results[1::7] = [r._replace(status=Status.WAIVED, waiver=WAIVER) for r in results[1::7]]
    results[2::7] = [r._replace(baselined=True) for r in results[2::7]]
    results[3::7] = [r._replace(account="1234") for r in results[3::7]]
    lines = _ResultEncoder(lang).lines(tuple(results))
    assert lines == [json.dumps(result_dict(r, lang), ensure_ascii=False, separators=(", ", ": ")) for r in results]
    assert len(set(lines)) == len(results)
