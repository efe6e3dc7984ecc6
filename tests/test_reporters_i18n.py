"""Every text preflight says exists in English and Chinese, with the same placeholders; errors follow --lang."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from preflight.i18n import EXPECTED, MESSAGES
from preflight.rules import load_rules
from tests.conftest import EXAMPLE, Cli

CJK = re.compile(r"[\u4e00-\u9fff]")
#: texts that are the same in both languages (product name, symbols)
SAME = {"header", "as_recorded", "gh_title"}


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_message_in_both_languages(key: str) -> None:
    texts = MESSAGES[key]
    assert set(texts) == {"en", "zh"} and texts["en"].strip() and texts["zh"].strip()
    assert CJK.search(texts["zh"]) or key in SAME, f"{key}: zh has no Chinese"
    assert _fields(texts["en"]) == _fields(texts["zh"])


def test_expected_types_in_both_languages() -> None:
    assert all(set(v) == {"en", "zh"} and CJK.search(v["zh"]) for v in EXPECTED.values())


def test_every_rule_has_both_languages() -> None:
    """Complements tests/test_rule_pack.py (which reads the files) on the loaded rules."""
    for rule in load_rules().rules:
        for text in (rule.title, rule.description):
            if text is not None:
                assert text.en.strip() and CJK.search(text.zh), rule.id
        for key in ("message", "remediation"):
            assert rule.document[key]["en"].strip() and CJK.search(rule.document[key]["zh"]), (rule.id, key)


@pytest.mark.parametrize("args", [["check"], ["check", "--format", "yaml", "x.json"], ["check", "--bogus"],
                                  ["rules", "show", "NOPE"], ["check", "--RegionId", "r"]])
def test_cli_errors_in_chinese(cli: Cli, args: list[str]) -> None:
    r = cli(*args, "--lang", "zh")
    assert r.code == 2 and r.err.startswith("preflight: error: ") and CJK.search(r.err), r.err


def test_cli_errors_follow_the_locale(cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.chdir(tmp_path)
    r = cli("check")
    assert r.code == 2 and "没有可检查的内容" in r.err
    (tmp_path / ".preflight.yaml").write_text("fail_on: never\n")
    r = cli("check", str(EXAMPLE))
    assert r.err == "preflight: error: .preflight.yaml:1: fail_on 必须是 error、warning、info 之一\n"


def test_text_report_fully_chinese(cli: Cli) -> None:
    out = cli("check", str(EXAMPLE), "--lang", "zh").out
    assert "passed" not in out and "not applicable" not in out and "export(s)" not in out
