"""Resources referenced by attribute are linked whatever their names evaluate to (issue 13, item 6): the
provider documentation's idiom ``policy_name = "x-${random_integer.default.result}"`` with the attachment's
``policy_name = alicloud_ram_policy.p.policy_name``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

EXPORT_ROLE = "AliyunECSImageExportDefaultRole"
TRUST = ('{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",'
         '"Principal":{"Service":["ecs.aliyuncs.com"]}}]}')
MODULE = '''
provider "alicloud" {
  region = "cn-hangzhou"
}
resource "random_integer" "default" {
  min = 10000
  max = 99999
}
resource "alicloud_ram_policy" "p" {
  policy_name     = "POLICY_NAME"
  policy_document = jsonencode({
    Version   = "1"
    Statement = [{ Effect = "Allow", Action = ["ACTION"], Resource = ["*"] }]
  })
}
resource "alicloud_ram_role" "r" {
  role_name                   = "ROLE_NAME"
  assume_role_policy_document = <<-JSON
    TRUST
  JSON
}
resource "alicloud_image_export" "e" {
  image_id   = "m-1"
  oss_bucket = "exports"
}
resource "alicloud_ram_role_policy_attachment" "a" {
  policy_name = alicloud_ram_policy.p.ATTR
  policy_type = "Custom"
  role_name   = alicloud_ram_role.r.name
}
'''.replace("TRUST", TRUST)


def _statuses(cli: Callable[..., CliResult], tmp_path: Path, **values: str) -> dict[str, str]:
    text = MODULE
    for key, value in values.items():
        text = text.replace(key.upper(), value)
    (tmp_path / "main.tf").write_text(text)
    result = cli("check", str(tmp_path / "main.tf"), "-f", "json")
    assert result.code in (0, 1), result.err
    return {r["rule_id"]: r["status"] for r in result.json()["results"] if "→" in r["subject"]}


@pytest.mark.parametrize("policy_name", ["x-${random_integer.default.result}", "fixed", "${var.nope}"])
@pytest.mark.parametrize("attr", ["policy_name", "name", "id"])
def test_policy_linked_by_reference_whatever_its_name(cli: Callable[..., CliResult], tmp_path: Path,
                                                      policy_name: str, attr: str) -> None:
    status = _statuses(cli, tmp_path, policy_name=policy_name, attr=attr, action="oss:*",
                       role_name=EXPORT_ROLE)
    # the policy is read: oss:* on * is more than export needs (PF504) and not scoped to the bucket (PF505)
    assert status["PF504"] == "fail" and status["PF505"] == "fail", status


def test_linked_policy_without_the_actions_fails_pf403(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    status = _statuses(cli, tmp_path, policy_name="x-${random_integer.default.result}", attr="policy_name",
                       action="ecs:DescribeImages", role_name=EXPORT_ROLE)
    assert status["PF403"] == "fail", status  # not unknown for want of the document


def test_role_and_policy_linked_by_reference_whatever_their_names(tmp_path: Path) -> None:
    from preflight.sources import terraform

    text = (MODULE.replace("POLICY_NAME", "p-${random_integer.default.result}").replace("ATTR", "policy_name")
            .replace("ACTION", "oss:*").replace("ROLE_NAME", "r-${random_integer.default.result}"))
    (tmp_path / "main.tf").write_text(text)
    module = terraform.load_module([tmp_path / "main.tf"], [])
    doc, _ = terraform.build_document(module.resources, source="Terraform files")
    (role,) = doc["roles"]
    assert role["RoleName"] == "alicloud_ram_role.r"
    (policy,) = role["AttachedPolicies"]
    assert policy["PolicyName"] == "alicloud_ram_policy.p" and "oss:*" in policy["PolicyDocument"]
