"""Placeholder filters in rule texts: ``|sh`` quotes a value as one shell word, ``|lines`` keeps the line breaks
of a value that is several lines by design, ``|count`` counts a list; any other filter is a rule error. Without
``|lines`` a value shows its line breaks and control characters escaped."""

from __future__ import annotations

import copy
import json
import shlex
from pathlib import Path
from typing import Any

import pytest

from preflight.errors import Msg
from preflight.i18n import render
from preflight.rules import FILTERS, PLACEHOLDER, RuleError, compile_template, dependencies
from tests.conftest import BASE, Cli

RULE = """id: X100
title: {{en: t, zh: t}}
severity: error
category: hygiene
prevents: []
assert: {{path: request.OSSPrefix, eq: never-this}}
message:
  en: "{message}"
  zh: "{message}"
remediation: {{en: r, zh: r}}
"""


def _check(tmp_path: Path, cli: Cli, message: str, prefix: str) -> Any:
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "rules" / "X100-filters.yaml").write_text(RULE.format(message=message), encoding="utf-8")
    doc = copy.deepcopy(BASE)
    doc["exports"][0]["OSSPrefix"] = prefix
    (tmp_path / "snap.json").write_text(json.dumps(doc), encoding="utf-8")
    r = cli("check", str(tmp_path / "snap.json"), "--rules", str(tmp_path / "rules"), "-f", "json")
    assert r.code == 1, r.err
    return next(x for x in r.json()["results"] if x["rule_id"] == "X100")


@pytest.mark.parametrize(("message", "prefix", "shown"), [
    ("{request.OSSPrefix}", "a b", "a b"),
    ("cmd {request.OSSPrefix|sh}", "a b", "cmd 'a b'"),
    ("cmd {request.OSSPrefix|sh}", "Plain1", "cmd Plain1"),
    ("cmd {request.OSSPrefix|sh}", "x'; rm -rf ~ #", "cmd 'x'\"'\"'; rm -rf ~ #'"),
    ("cmd {request.OSSPrefix | sh}", "$(id)", "cmd '$(id)'"),
    ("{request.OSSPrefix}", "a\n::error::x", "a\\n::error::x"),  # a value cannot add a line
    ("{request.OSSPrefix}", "\x1b]0;t\x07\u202e", "\\x1b]0;t\\x07\\u202e"),
    ("{request.OSSPrefix|lines}", "a\nb\x1b", "a\nb\\x1b"),  # |lines: only the line breaks stay
])
def test_filters_in_messages(tmp_path: Path, cli: Cli, message: str, prefix: str, shown: str) -> None:
    result = _check(tmp_path, cli, message, prefix)
    assert result["message"] == shown
    assert result["evidence"].get("request.OSSPrefix", prefix) == prefix  # the evidence keeps the value itself


@pytest.mark.parametrize("name", ["x'; touch pwned #", "a b\tc", "$(id)`id`", "'", '"', "\\", "-rf", "*"])
def test_sh_parses_back_to_the_value(tmp_path: Path, cli: Cli, name: str) -> None:
    result = _check(tmp_path, cli, "aliyun x --Name {request.OSSPrefix|sh} --Next 1", name)
    # (a tab is a control character: shown escaped, so it parses back to its visible form)
    assert shlex.split(result["message"]) == ["aliyun", "x", "--Name", name.replace("\t", "\\t"), "--Next", "1"]


@pytest.mark.parametrize("expr", ["request.OSSPrefix|shell", "request.OSSPrefix|", "request.OSSPrefix|sh|bogus",
                                  "request.OSSPrefix|SH"])
def test_an_unknown_filter_is_a_rule_error(expr: str) -> None:
    with pytest.raises(RuleError) as e:
        compile_template(f"x {{{expr}}} y", ("message", "en"))
    assert isinstance(e.value.message, Msg) and e.value.message.key == "rule.unknown_filter"
    assert ", ".join(FILTERS) in render(e.value.message, "en")


def test_an_unknown_filter_stops_the_run_naming_the_file(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "X100-filters.yaml").write_text(RULE.format(message="{request.OSSPrefix|shell}"),
                                                          encoding="utf-8")
    (tmp_path / "snap.json").write_text(json.dumps(BASE), encoding="utf-8")
    r = cli("check", str(tmp_path / "snap.json"), "--rules", str(tmp_path / "rules"))
    assert r.code == 2 and "X100-filters.yaml:" in r.err and "unknown filter 'shell'" in r.err
    assert len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err


def test_count_still_counts_and_filters_combine(tmp_path: Path, cli: Cli) -> None:
    result = _check(tmp_path, cli, "{image.disks|count} {request.OSSPrefix|sh}", "a b")
    assert result["message"].endswith(" 'a b'") and result["message"].split()[0].isdigit()


def test_the_placeholder_pattern_gives_the_path_alone() -> None:
    """(other places show a placeholder as ``<path>`` from group 1; the filters are not part of the path)"""
    m = PLACEHOLDER.search("x {role.RoleName | sh} y")
    assert m is not None and m.group(1).strip() == "role.RoleName" and m.group(0) == "{role.RoleName | sh}"
    doc = {"assert": {"path": "request.OSSPrefix", "exists": True},
           "message": {"en": "{role.RoleName|sh}", "zh": "{image.disks|count}"},
           "remediation": {"en": "{fix.terraform|lines}", "zh": "r"}}
    assert dependencies(doc) == (("fix",), ("image",), ("request", "OSSPrefix"), ("role",))
