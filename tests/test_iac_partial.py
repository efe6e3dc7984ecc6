"""Partly known values keep their literal parts (issue 13, item 7): a trust policy whose principal is
``acs:ram::${ALIYUN::TenantId}:root`` (ROS) or ``acs:ram::${data.alicloud_account.current.id}:root``
(Terraform) still says that ECS is not trusted (PF402 fails) and that an account root may assume the role
(PF502 fails), whatever the unknown part; anything the unknown part could change stays unknown."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preflight import policy as pol
from preflight.sources import terraform
from tests.conftest import CliResult

ROLE = "AliyunECSImageExportDefaultRole"
HEREDOC = '''
data "alicloud_account" "current" {}
variable "svc" {}
resource "alicloud_ram_role" "r" {
  name     = "%s"
  document = <<EOF
%s
EOF
}
'''
JSONENCODE = '''
data "alicloud_account" "current" {}
variable "svc" {}
resource "alicloud_ram_role" "r" {
  role_name                   = "%s"
  assume_role_policy_document = jsonencode(%s)
}
'''
ROS = '''ROSTemplateFormatVersion: '2015-09-01'
Resources:
  Role:
    Type: ALIYUN::RAM::Role
    Properties:
      RoleName: %s
      AssumeRolePolicyDocument: %s
'''
ROOT_TF = "acs:ram::${data.alicloud_account.current.id}:root"
ROOT_ROS = {"Fn::Sub": "acs:ram::${ALIYUN::TenantId}:root"}


def _trust(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "1", "Statement": [{"Action": "sts:AssumeRole", **s} for s in statements]}


def _hcl(v: Any) -> str:
    """A value as an HCL expression (object keys quoted; strings keep their ${…})."""
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_hcl(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_hcl(x) for x in v) + "]"
    return json.dumps(v)


def _statuses(cli: Callable[..., CliResult], tmp_path: Path, name: str, text: str) -> dict[str, str]:
    (tmp_path / name).write_text(text)
    result = cli("check", str(tmp_path / name), "-f", "json")
    assert result.code in (0, 1), result.err
    return {r["rule_id"]: r["status"] for r in result.json()["results"]}


ROOT_ONLY = _trust({"Effect": "Allow", "Principal": {"RAM": ["ROOT"]}})
ROOT_AND_ECS = _trust({"Effect": "Allow", "Principal": {"RAM": ["ROOT"], "Service": ["ecs.aliyuncs.com"]}})
WITH_DENY = _trust({"Effect": "Allow", "Principal": {"RAM": ["ROOT"], "Service": ["ecs.aliyuncs.com"]}},
                   {"Effect": "Deny", "Principal": {"RAM": ["acs:ram::123:root"]}})


def _render(kind: str, doc: dict[str, Any]) -> tuple[str, str]:
    if kind == "ros":
        text = json.dumps(doc).replace('"ROOT"', json.dumps(ROOT_ROS)).replace('"SVC"', '{"Ref": "ALIYUN::Region"}')
        return "t.yaml", ROS % (ROLE, text)
    text = json.dumps(doc).replace("ROOT", ROOT_TF).replace("SVC", "${var.svc}")
    if kind == "heredoc":
        return "main.tf", HEREDOC % (ROLE, text)
    return "main.tf", JSONENCODE % (ROLE, _hcl(json.loads(text)))


@pytest.mark.parametrize("kind", ["heredoc", "jsonencode", "ros"])
@pytest.mark.parametrize(("doc", "pf402", "pf502"), [
    (ROOT_ONLY, "fail", "fail"),  # whatever the account, ECS is not trusted and an account root may assume
    (ROOT_AND_ECS, "pass", "fail"),
    (WITH_DENY, "unknown", "unknown"),  # the Deny could name the same account: nothing is decided
    (_trust({"Effect": "Allow", "Principal": {"Service": ["SVC"]}}), "unknown", "unknown"),
])
def test_partly_known_principals(cli: Callable[..., CliResult], tmp_path: Path, kind: str, doc: dict[str, Any],
                                 pf402: str, pf502: str) -> None:
    status = _statuses(cli, tmp_path, *_render(kind, doc))
    assert (status["PF402"], status["PF502"]) == (pf402, pf502), status


def test_partly_known_elsewhere_stays_unknown(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    doc = _trust({"Effect": "Allow", "Principal": {"RAM": ["ROOT"]}, "Condition": {
        "StringEquals": {"acs:SourceAccount": "ROOT"}}})
    status = _statuses(cli, tmp_path, *_render("jsonencode", doc))
    assert (status["PF402"], status["PF502"]) == ("unknown", "unknown")


def test_a_partial_value_is_unknown_to_every_other_reader() -> None:
    body = terraform.parse_hcl('variable "x" {}\nlocals {\n  t = "a-${var.x}-b"\n  u = upper(local.t)\n'
                               '  l = ["a-${var.x}"]\n  e = local.l[0]\n  f = format("%s", local.t)\n}\n', "t.tf")
    module = terraform.Module(body.blocks, {})
    t = module.local("t")
    assert isinstance(t, terraform.Partial) and isinstance(t.value, terraform.PartialText)
    assert t.value.text == "a-${var.x}-b"
    for name in ("u", "e", "f"):
        v = module.eval(terraform.Traversal("local", (name,)))
        assert isinstance(v, terraform.Unresolved) and not isinstance(v, terraform.Partial), (name, v)


# -- soundness of policy.decidable_trust: whatever the unknown parts are, the facts are the same ----------

HOLE = terraform.PartialText(("acs:ram::", terraform.Hole("${X}"), ":root"))
principals = st.sampled_from(["acs:ram::123:root", "acs:ram::123:role/r", "*", "ecs.aliyuncs.com", "HOLE",
                              "HOLE_ALL"])
statements = st.fixed_dictionaries({
    "Effect": st.sampled_from(["Allow", "Allow", "Deny"]),
    "Action": st.sampled_from(["sts:AssumeRole", "sts:*", "ecs:*"]),
    "Principal": st.fixed_dictionaries({}, optional={"RAM": st.lists(principals, min_size=1, max_size=3),
                                                     "Service": st.lists(principals, min_size=1, max_size=2)}),
})
completions = st.sampled_from(["123", "*", "456", "ecs.aliyuncs.com", "", "123:root"])


def _fill(doc: Any, hole: Any, whole: Any) -> Any:
    if doc == "HOLE":
        return hole
    if doc == "HOLE_ALL":
        return whole
    if isinstance(doc, dict):
        return {k: _fill(v, hole, whole) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_fill(v, hole, whole) for v in doc]
    return doc


def _facts(doc: Any) -> tuple[Any, Any, Any]:
    trust = pol.parse_policy(doc)
    return (pol.ecs_can_assume(trust), bool(pol.other_principals(trust)), pol.ecs_trust_conditions(trust))


@given(st.lists(statements, min_size=1, max_size=3), completions)
@settings(max_examples=400, deadline=None)
def test_decided_trust_facts_hold_for_every_completion(sts: list[dict[str, Any]], x: str) -> None:
    doc = {"Version": "1", "Statement": sts}
    whole = terraform.PartialText((terraform.Hole("${Y}"),))
    decided = pol.decidable_trust(_fill(doc, HOLE, whole), terraform.placeholder)
    if decided is None:
        return
    completed = _fill(doc, f"acs:ram::{x}:root", x or "y")
    assert _facts(decided) == _facts(completed)


def test_partly_known_values_are_capped_like_known_ones(tmp_path: Path) -> None:
    """Locals that repeat a partly known string ten times over, nine levels deep (10^9 strings shared): the
    policy reader would walk them all; the value is past the cap on a value's size instead."""
    import time

    lines = ['data "alicloud_account" "c" {}', "locals {", '  l0 = "acs:ram::${data.alicloud_account.c.id}:root"']
    lines += [f"  l{i} = [" + ", ".join([f"local.l{i - 1}"] * 10) + "]" for i in range(1, 10)]
    lines += ["}", f'resource "alicloud_ram_role" "r" {{\n  role_name = "{ROLE}"\n'
              '  assume_role_policy_document = jsonencode({Version = "1", Statement = [{Effect = "Allow", '
              'Action = "sts:AssumeRole", Principal = {RAM = local.l9}}]})\n}']
    (tmp_path / "main.tf").write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    module = terraform.load_module([tmp_path / "main.tf"], [])
    _, ann = terraform.build_document(module.resources, source="Terraform files")
    assert "cap of 1000000" in str(ann.unknown["/roles/0/AssumeRolePolicyDocument"])
    assert time.perf_counter() - start < 5
