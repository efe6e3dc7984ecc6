"""``jsonencode`` of a partly known value is JSON text with the unknown parts inside their strings, so a template
that interpolates it keeps the literal parts (found on real code: the alibabacloud-automation RAM module writes
its trust policy as a heredoc with ``"RAM": ${local.trusted_role_arns}``, that local a ``jsonencode`` of ARNs
naming ``data.alicloud_account.this.id``)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from preflight.sources.terraform.evaluate import _json_parts
from preflight.sources.terraform.values import Hole, PartialText
from tests.conftest import CliResult

HEAD = '''provider "alicloud" {
  region = "cn-hangzhou"
}
data "alicloud_account" "this" {}
locals {
  arns     = jsonencode(["acs:ram::${data.alicloud_account.this.id}:root"])
  services = jsonencode(SERVICES)
}
'''
HEREDOC = '''resource "alicloud_ram_role" "r" {
  role_name                   = "AliyunECSImageExportDefaultRole"
  assume_role_policy_document = <<EOF
  {
    "Statement": [{
      "Action": "sts:AssumeRole",
      "Effect": "Allow",
      "Principal": {"RAM": ${local.arns}, "Service": ${local.services}}
    }],
    "Version": "1"
  }
  EOF
}
'''
INLINE = (
    'resource "alicloud_ram_role" "r" {\n'
    '  role_name                   = "AliyunECSImageExportDefaultRole"\n'
    '  assume_role_policy_document = "{\\"Statement\\":[{\\"Action\\":\\"sts:AssumeRole\\",\\"Effect\\":\\"Allow\\",'
    '\\"Principal\\":{\\"RAM\\":${local.arns},\\"Service\\":${local.services}}}],\\"Version\\":\\"1\\"}"\n'
    '}\n'
)


@pytest.mark.parametrize("role", [HEREDOC, INLINE], ids=["heredoc", "quoted"])
@pytest.mark.parametrize(("services", "pf402"), [('["ecs.aliyuncs.com"]', "pass"), ('["fc.aliyuncs.com"]', "fail")])
def test_an_interpolated_partial_jsonencode_is_decided(cli: Callable[..., CliResult], tmp_path: Path, role: str,
                                                       services: str, pf402: str) -> None:
    (tmp_path / "main.tf").write_text(HEAD.replace("SERVICES", services) + role)
    result = cli("check", str(tmp_path), "-f", "json")
    assert result.code == 1, result.err
    status = {r["rule_id"]: r["status"] for r in result.json()["results"]}
    # whatever the account id, an account root may assume the role (PF502); ECS is trusted only if listed
    assert status["PF502"] == "fail" and status["PF402"] == pf402, status


TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FF), max_size=6)


@st.composite
def _partial(draw: Callable[..., Any]) -> PartialText:
    parts = draw(st.lists(st.one_of(TEXT, st.just(Hole("${x.y}"))), min_size=1, max_size=4))
    if not any(isinstance(p, Hole) for p in parts):
        parts.append(Hole("${x.y}"))
    return PartialText(tuple(parts))


LEAF = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), TEXT, _partial())
VALUES = st.recursive(LEAF, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                    st.dictionaries(TEXT, inner, max_size=3)), max_leaves=10)


def _filled(v: Any) -> Any:
    if isinstance(v, PartialText):
        return "".join(p if isinstance(p, str) else "HOLE" for p in v.parts)
    if isinstance(v, list):
        return [_filled(x) for x in v]
    if isinstance(v, dict):
        return {k: _filled(x) for k, x in v.items()}
    return v


@given(VALUES)
def test_json_parts_is_jsonencode_with_the_holes_in_place(value: Any) -> None:
    parts = _json_parts(value)
    text = "".join(p if isinstance(p, str) else "HOLE" for p in parts)
    assert text == json.dumps(_filled(value), separators=(",", ":"))
    assert not any(isinstance(a, str) and isinstance(b, str) for a, b in itertools.pairwise(parts))


CHOICE = '''provider "alicloud" {
  region = "cn-hangzhou"
}
data "alicloud_account" "this" {}
variable "trust_policy" {
  default = ""
}
variable "no_value" {}
variable "mfa" {
  default = false
}
locals {
  arns  = jsonencode(["acs:ram::${data.alicloud_account.this.id}:root"])
  plain = <<EOF
  {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": ${local.arns}}}], "Version": "1"}
  EOF
}
resource "alicloud_ram_role" "r" {
  name     = "AliyunECSImageExportDefaultRole"
  document = DOCUMENT
}
'''


@pytest.mark.parametrize(("document", "pf502"), [
    ("coalesce(var.trust_policy, local.plain)", "fail"),  # the module idiom: no policy given, the built one
    ('var.mfa ? "{}" : local.plain', "fail"),  # a known condition picks the branch known in part
    ("coalesce(var.trust_policy, var.mfa ? local.plain : local.plain)", "fail"),
    ("coalesce(var.no_value, local.plain)", "unknown"),  # an unknown before it: which one is not known
    ("data.alicloud_account.this.id == \"1\" ? local.plain : local.plain", "unknown"),  # unknown condition
])
def test_a_partly_known_trust_through_coalesce_and_conditionals(cli: Callable[..., CliResult], tmp_path: Path,
                                                                document: str, pf502: str) -> None:
    (tmp_path / "main.tf").write_text(CHOICE.replace("DOCUMENT", document))
    result = cli("check", str(tmp_path), "-f", "json")
    assert result.code in (0, 1), result.err
    status = {r["rule_id"]: r["status"] for r in result.json()["results"]}
    assert status["PF502"] == pf502, status
