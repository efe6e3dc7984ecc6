"""Terraform expressions as real modules write them: conditionals, operators, for expressions, splats and the
common functions, evaluated where their inputs are known and unknown otherwise (issue 13, item 2); heredocs
closed by a marker followed by spaces (item 8)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preflight.sources import terraform, tffunctions
from tests.conftest import CliResult

MODULE = '''
variable "create" {
  default = false
}
variable "yes" {
  default = true
}
variable "nodefault" {}
variable "names" {
  default = ["web", "db"]
}
variable "tags" {
  default = { env = "prod", team = "" }
}
locals {
  m     = { a = 1, b = "x", n = null }
  l     = ["a", "", "b", "a", null]
  nums  = [3, 1, 2]
  e     = EXPR
}
resource "alicloud_oss_bucket" "counted" {
  count  = 2
  bucket = "b-${count.index}"
}
resource "alicloud_oss_bucket" "one" {
  bucket = "single"
}
resource "alicloud_oss_bucket" "each" {
  for_each = toset(["a"])
  bucket   = each.key
}
resource "alicloud_oss_bucket" "none" {
  count  = var.create ? 1 : 0
  bucket = "n"
}
'''


def value(expr: str, tfvars: dict[str, Any] | None = None) -> Any:
    body = terraform.parse_hcl(MODULE.replace("EXPR", expr), "t.tf")
    given = {k: (v, None) for k, v in (tfvars or {}).items()}
    return terraform.Module(body.blocks, given).local("e")  # type: ignore[arg-type]


@pytest.mark.parametrize(("expr", "expected"), [
    # conditionals and operators (the official image module's `count = var.create ? 1 : 0`)
    ("var.create ? 1 : 0", 0),
    ("var.yes ? 1 : 0", 1),
    ('var.create ? var.nodefault : "no"', "no"),  # the branch not taken is not evaluated
    ('"true" ? 1 : 0', 1),  # a string "true" converts to a bool, as in Terraform
    ("!var.create", True),
    ("1 + 2 * 3", 7),
    ('"2" + 1', 3),
    ("7 / 2", 3.5),
    ("7 % 3", 1),
    ("-(2)", -2),
    ('1 == 1.0', True),
    ('"1" == 1', False),  # == compares types
    ('var.names == ["web", "db"]', True),
    ("length(var.names) > 1 && var.yes", True),
    ("false && var.nodefault", False),  # a known operand that decides the result decides it
    ("true || var.nodefault", True),
    # for expressions and splats
    ("[for n in var.names : upper(n)]", ["WEB", "DB"]),
    ('[for i, n in var.names : "${i}-${n}" if n != "db"]', ["0-web"]),
    ("{for k, v in var.tags : k => v if v != \"\"}", {"env": "prod"}),
    ('{for n in ["a", "b", "a"] : n => n...}', {"a": ["a", "a"], "b": ["b"]}),
    ("alicloud_oss_bucket.counted[*].bucket", ["b-0", "b-1"]),
    ("alicloud_oss_bucket.one[*].bucket", ["single"]),
    ("alicloud_oss_bucket.none[*].bucket", []),
    ('alicloud_oss_bucket.each["a"].bucket', "a"),
    ('[{ a = 1 }, { a = 2 }][*].a', [1, 2]),
    ("null[*]", []),
    ("[1, 2][1]", 2),
    ('{ a = "z" }["a"]', "z"),
    ('var.names["1"]', "db"),
    # functions
    ('format("%s-%03d-%2d-%-3d|%4s|%-4s|", "a", 7, 123, -5, "ab", "cd")', "a-007-123--5 |  ab|cd  |"),
    ('format("%.2f", 1.5)', tffunctions.NotStatic),
    ('format("%05q", "x")', tffunctions.NotStatic),
    ('format("%03d", -7)', "-07"),
    ('basename("a/b/c.txt")', "c.txt"),
    ('basename("a/b/")', "b"),
    ('format("%s-%d-%v-%%-%t", "a", 1, "v", true)', "a-1-v-%-true"),
    ('format("%q", "x")', '"x"'),
    ('join("-", var.names, ["x"])', "web-db-x"),
    ('concat(var.names, ["x"], [])', ["web", "db", "x"]),
    ('lookup(var.tags, "env", "dev")', "prod"),
    ('lookup(var.tags, "nope", "dev")', "dev"),
    ('merge(var.tags, { team = "t" }, null)', {"env": "prod", "team": "t"}),
    ('coalesce("", null, "x", var.nodefault)', "x"),
    ('try(local.m.nope, lookup(local.m, "zz"), "fallback")', "fallback"),
    ("try(local.m.a, 0)", 1),
    ("can(local.m.nope)", False),
    ("can(local.m.a)", True),
    ("length(local.l)", 5),
    ("length(alicloud_oss_bucket.counted)", 2),
    ("element(var.names, 3)", "db"),
    ("tostring(12)", "12"),
    ('tonumber("12")', 12),
    ('tonumber("1.5")', 1.5),
    ('replace("a-b-c", "-", "_")', "a_b_c"),
    ('lower("AbC")', "abc"),
    ('upper("AbC")', "ABC"),
    ('jsonencode({ A = [1, "x", true, null] })', '{"A":[1,"x",true,null]}'),
    ('contains(var.names, "db")', True),
    ('contains(local.nums, 2.0)', True),
    ("keys(var.tags)", ["env", "team"]),
    ("values(var.tags)", ["prod", ""]),
    ('toset(["b", "a", "b"])', ["a", "b"]),
    ("tolist(var.names)", ["web", "db"]),
    ("flatten([[1, [2]], 3])", [1, 2, 3]),
    ('distinct(["a", "b", "a"])', ["a", "b"]),
    ("compact(local.l)", ["a", "b", "a"]),
    ('substr("hello", 1, 3)', "ell"),
    ('substr("hello", -3, -1)', "llo"),
    ('trimspace("  x \\n")', "x"),
    ('split(",", "a,b")', ["a", "b"]),
    ('split(",", "")', [""]),
    ('trimprefix("abc", "a")', "bc"),
    ("max(local.nums...)", 3),
    ("sum(local.nums)", 6),
    ('zipmap(["a"], [1])', {"a": 1}),
    ('one([])', None),
    ("range(3)", [0, 1, 2]),
    ('slice(var.names, 0, 1)', ["web"]),
    ('"${var.create ? "a" : "b"}-${length(var.names)}"', "b-2"),
])
def test_known_inputs_evaluate_as_terraform(expr: str, expected: Any) -> None:
    got = value(expr)
    if isinstance(expected, type):
        assert isinstance(got, terraform.Unresolved) and not got.error, got
    else:
        assert got == expected and type(got) is type(expected), got


@pytest.mark.parametrize("expr", [
    "var.nodefault ? 1 : 0",
    'try(var.nodefault, "x")',  # unknown, not an error: try cannot tell yet whether it would fail
    "can(var.nodefault)",
    'coalesce(var.nodefault, "x")',
    'format("%s", var.nodefault)',
    "true && var.nodefault",
    "[for n in var.nodefault : n]",
    '[for n in var.names : n if n == var.nodefault]',
    "var.nodefault[*].x",
    "alicloud_oss_bucket.one[*].arn",
    'lookup(var.tags, var.nodefault, "d")',
    'replace("a", "/a/", "b")',  # a regular expression is never run on the files' text
    "data.alicloud_account.current.id == \"1\"",
    "upper(file(\"x\"))",
])
def test_unknown_inputs_give_unknown(expr: str) -> None:
    got = value(expr)
    assert isinstance(got, terraform.Unresolved) and not got.error, got


@pytest.mark.parametrize("expr", [
    "local.m.nope", "[1][3]", '"a" + 1', '"x" ? 1 : 0', "element([], 0)", 'lookup(var.tags, "z")',
    "tonumber(\"abc\")", "1 / 0", '{for n in ["a", "a"] : n => n}', 'try(local.m.nope, [][0])',
    "one([1, 2])", "range(5000)", "alicloud_oss_bucket.each[*].bucket",
])
def test_errors_are_unknown_marked_as_errors(expr: str) -> None:
    got = value(expr)
    assert isinstance(got, terraform.Unresolved) and got.error, got


def test_tfvars_decide_the_conditional() -> None:
    assert value("var.create ? 1 : 0", {"create": True}) == 1
    assert value("var.create ? 1 : 0", {"create": "false"}) == 0


@given(st.sampled_from(sorted(tffunctions.FUNCTIONS)), st.integers(0, 2))
@settings(max_examples=200, deadline=None)
def test_any_function_of_an_unknown_argument_is_unknown(name: str, position: int) -> None:
    """Whatever the function and wherever the unknown argument is, the result is unknown (never a guess)."""
    args = ['"a"', '["a"]', "1"]
    args[position] = "var.nodefault"
    got = value(f"{name}({', '.join(args[:position + 1])})")
    assert isinstance(got, terraform.Unresolved) and not got.error


@given(st.integers(-10**6, 10**6), st.integers(-10**6, 10**6))
@settings(max_examples=100, deadline=None)
def test_arithmetic_matches(a: int, b: int) -> None:
    assert value(f"({a}) + ({b})") == a + b
    assert value(f"({a}) * ({b})") == a * b
    assert value(f"({a}) < ({b}) ? 1 : 2") == (1 if a < b else 2)


@given(st.lists(st.text(alphabet="abc-", max_size=5), min_size=1, max_size=5))
@settings(max_examples=100, deadline=None)
def test_join_and_split_round_trip(parts: list[str]) -> None:
    text = ",".join(parts)
    quoted = '"' + text + '"'
    assert value(f'join(",", split(",", {quoted}))') == text


def test_building_past_the_value_cap_is_refused_before_building() -> None:
    big = "a" * 10_000
    got = value(f'replace("{big}", "a", "{big}")')  # would be 10^8 characters
    assert isinstance(got, terraform.Unresolved) and "1,000,000" in str(got.reason).replace("1000000", "1,000,000")


def test_nested_for_expressions_stay_within_the_step_cap() -> None:
    limits = terraform.Limits(eval_steps=5_000)
    body = terraform.parse_hcl(
        "locals {\n  l = range(1000)\n  e = [for a in local.l : [for b in local.l : [a, b]]]\n}\n", "t.tf")
    module = terraform.Module(body.blocks, {}, budget=terraform.Budget(limits))
    got = module.local("e")
    assert isinstance(got, terraform.Unresolved) and "5000" in str(got.reason).replace(",", "")


# -- end to end ------------------------------------------------------------------------------------------

IMAGE_MODULE = '''
provider "alicloud" {
  region = "cn-hangzhou"
}
variable "create" {
  description = "Whether to export"
  type        = bool
  default     = false
}
resource "alicloud_image_export" "this" {
  count      = var.create ? 1 : 0
  image_id   = "m-123"
  oss_bucket = "no-such-bucket-in-these-files"
}
'''


def test_conditional_count_with_default_false_creates_no_export(tmp_path: Path,
                                                                  cli: Callable[..., CliResult]) -> None:
    (tmp_path / "main.tf").write_text(IMAGE_MODULE)
    result = cli("check", str(tmp_path), "-f", "json")
    assert result.code == 0, result.err
    assert result.json()["results"] == []
    (tmp_path / "terraform.tfvars").write_text("create = true\n")
    result = cli("check", str(tmp_path), "-f", "json")
    assert any("→ oss://no-such-bucket" in r["subject"] for r in result.json()["results"])


@pytest.mark.parametrize("closer", ["EOF   ", "EOF\t", "  EOF  "])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_heredoc_closed_by_marker_then_spaces(closer: str, newline: str) -> None:
    text = newline.join(['locals {', '  p = <<EOF', 'body  ', closer, '  q = <<-X', '    y', '    X ', '}', ''])
    body = terraform.parse_hcl(text, "h.tf")
    attrs = body.blocks[0].body.attrs
    assert attrs["p"][0].replace("\r", "") == "body  \n"  # the body keeps its own trailing spaces
    assert attrs["q"] == ("y\n" if newline == "\n" else "y\r\n", 5)


@pytest.mark.parametrize("expr", [
    "[for a in local.l : [for b in local.l : 1]]",  # literal bodies are not evaluation steps: each element is
    "[for a in local.l : length(local.big)]",  # a function's work is proportional to its values
    "[for a in local.l : local.big[*]]",
    "[for a in local.l : local.big == local.big]",
])
def test_work_in_loops_counts_against_the_step_cap(expr: str) -> None:
    import time

    limits = terraform.Limits(eval_steps=20_000)
    text = f"locals {{\n  l = range(1000)\n  big = [for i in range(1000) : i]\n  e = {expr}\n}}\n"
    body = terraform.parse_hcl(text, "t.tf")
    module = terraform.Module(body.blocks, {}, budget=terraform.Budget(limits))
    start = time.perf_counter()
    got = module.local("e")
    assert isinstance(got, terraform.Unresolved) and "20000" in str(got.reason).replace(",", ""), got
    assert time.perf_counter() - start < 2.0
