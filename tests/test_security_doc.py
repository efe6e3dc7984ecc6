"""docs/security.md states every cap with its default: the table is checked against the code, so the page
cannot drift from what preflight does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from preflight import yamlpos
from preflight.sources import common, live, plan, ros, terraform
from preflight.sources.terraform import hcl

DOC = Path(__file__).resolve().parent.parent / "docs" / "security.md"
MIB = 1024 * 1024


def _caps() -> dict[str, str]:
    """The caps table: first column → second column."""
    text = DOC.read_text(encoding="utf-8")
    table = text.split("## Caps and their defaults", 1)[1].split("\n\n", 2)[1]
    rows = [line.split("|")[1:3] for line in table.splitlines() if line.startswith("|")][2:]
    return {name.strip(): default.strip() for name, default in rows}


def _number(text: str) -> float:
    """'1,000' → 1000; '50 MiB' → bytes; '300 s' → 300."""
    m = re.fullmatch(r"([0-9,]+)\s*(MiB|s)?", text)
    assert m, text
    value = float(m.group(1).replace(",", ""))
    return value * MIB if m.group(2) == "MiB" else value


L = terraform.LIMITS
EXPECTED: list[tuple[str, float]] = [
    ("largest file read", common.DEFAULT_MAX_FILE_SIZE),
    ("nodes added by YAML aliases, per document", yamlpos.MAX_ALIAS_NODES),
    ("Terraform instances per `count`/`for_each` block", L.instances_per_block),
    ("Terraform instances in all (whole run)", L.instances_total),
    ("module depth", L.module_depth),
    ("evaluation steps (whole run, all root modules together)", L.eval_steps),
    ("size of one evaluated value (characters + elements)", L.value_size),
    ("depth of one evaluated value", L.value_depth),
    ("characters of HCL per file (past it: error)", L.hcl_chars),
    ("HCL parse time per file, seconds (past it: error; plus 1 s per 500,000 bytes of text)", hcl.PARSE_SECONDS),
    ("nesting of HCL expressions (past it: error, or unknown for an expression given as text)", hcl.MAX_DEPTH),
    ("`${…}` interpolations parsed per root module", L.expressions),
    ("digits of an integer literal (past it: unknown)", terraform.MAX_INT_DIGITS),
    ("nested blocks in a plan", plan.MAX_BLOCK_DEPTH),
    ("live run deadline", live.Limits().deadline_s),
    ("live pages per list", live.Limits().max_pages),
    ("live response body", live.Limits().max_body_bytes),
]


@pytest.mark.parametrize(("name", "value"), EXPECTED, ids=[n for n, _ in EXPECTED])
def test_the_documented_default_is_the_code_s(name: str, value: float) -> None:
    assert _number(_caps()[name]) == value


def test_evaluation_depths_are_documented() -> None:
    assert _caps()["evaluation depth (Terraform / ROS)"] == f"{L.eval_depth} / {ros.ROS_LIMITS.eval_depth}"


def test_every_row_is_checked() -> None:
    checked = {n for n, _ in EXPECTED} | {"evaluation depth (Terraform / ROS)",
                                          "live per-call timeout and retries"}
    assert set(_caps()) == checked


def test_every_cap_a_config_sets_is_lower_only() -> None:
    """A cap ``.preflight.yaml`` can change is one the config may only lower (it comes with the pull request):
    the row says so, and names a key :func:`preflight.config.hard_caps` bounds."""
    from preflight import config

    text = DOC.read_text(encoding="utf-8")
    table = text.split("## Caps and their defaults", 1)[1].split("\n\n", 2)[1]
    rows = [line.split("|")[1:4] for line in table.splitlines() if line.startswith("|")][2:]
    by_config = {name.strip(): how for name, _, how in rows if ".preflight.yaml" in how}
    assert by_config, "the file size cap can be set in the config"
    keys = set(config.hard_caps())
    for name, how in by_config.items():
        named = set(re.findall(r"`([a-z_]+):`", how))
        assert named and named <= keys and "lowers it only" in how, name
    assert keys <= {k for how in by_config.values() for k in re.findall(r"`([a-z_]+):`", how)}
