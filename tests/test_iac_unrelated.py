"""Only what feeds an export's facts is validated strictly (issue 13, item 5): a malformed policy of a resource
no export reads (a RAM policy attached only to a group, another role's trust, another bucket's policy) never
aborts the run; the same policy on the export role or bucket is an input error at its line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

EXPORT_ROLE = "AliyunECSImageExportDefaultRole"
#: the provider examples' idiom: the statement's Effect from a variable defaulting to ""
POLICY = '''
variable "effect" {
  default = ""
}
resource "alicloud_ram_policy" "p" {
  policy_name     = "p"
  policy_document = jsonencode({
    Version   = "1"
    Statement = [{ Effect = var.effect, Action = ["oss:GetObject"], Resource = ["*"] }]
  })
}
'''
GROUP = POLICY + '''
resource "alicloud_ram_group" "g" {
  name = "g"
}
resource "alicloud_ram_group_policy_attachment" "a" {
  policy_name = alicloud_ram_policy.p.policy_name
  policy_type = "Custom"
  group_name  = alicloud_ram_group.g.name
}
'''
TRUST = ('{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",'
         '"Principal":{"Service":["ecs.aliyuncs.com"]}}]}')
ROLE = POLICY + '''
resource "alicloud_ram_role" "r" {
  role_name                   = "NAME"
  assume_role_policy_document = <<EOF
TRUST
EOF
}
resource "alicloud_ram_role_policy_attachment" "a" {
  policy_name = alicloud_ram_policy.p.policy_name
  policy_type = "Custom"
  role_name   = alicloud_ram_role.r.role_name
}
'''.replace("TRUST", TRUST)
BUCKET = '''
provider "alicloud" {
  region = "cn-hangzhou"
}
resource "alicloud_oss_bucket" "logs" {
  bucket = "logs"
}
resource "alicloud_oss_bucket_policy" "p" {
  bucket = alicloud_oss_bucket.logs.bucket
  policy = "{\\"Statement\\": 3}"
}
resource "alicloud_image_export" "e" {
  image_id   = "m-1"
  oss_bucket = "BUCKET"
}
'''
ROS = '''ROSTemplateFormatVersion: '2015-09-01'
Resources:
  Policy:
    Type: ALIYUN::RAM::ManagedPolicy
    Properties:
      PolicyName: p
      PolicyDocument: {Version: '1', Statement: [{Effect: '', Action: ['oss:GetObject'], Resource: ['*']}]}
      Roles: [NAME]
  Role:
    Type: ALIYUN::RAM::Role
    Properties:
      RoleName: NAME
      AssumeRolePolicyDocument: TRUST
  Bucket:
    Type: ALIYUN::OSS::Bucket
    Properties:
      BucketName: logs
      Policy: {Statement: 3}
'''.replace("TRUST", TRUST)


@pytest.mark.parametrize(("name", "text", "export"), [
    ("main.tf", GROUP, False),
    ("main.tf", ROLE.replace("NAME", "AppRole"), False),
    ("main.tf", ROLE.replace("NAME", EXPORT_ROLE), True),
    ("main.tf", BUCKET.replace("BUCKET", "images"), False),
    ("main.tf", BUCKET.replace("BUCKET", "logs"), True),
    ("t.yaml", ROS.replace("NAME", "AppRole"), False),
    ("t.yaml", ROS.replace("NAME", EXPORT_ROLE), True),
])
def test_malformed_policy_aborts_only_when_it_feeds_an_export(
        tmp_path: Path, cli: Callable[..., CliResult], name: str, text: str, export: bool) -> None:
    (tmp_path / name).write_text(text)
    result = cli("check", str(tmp_path), "-f", "json")
    if export:
        assert result.code == 2
        assert "not a valid policy document" in result.err and f"{name}:" in result.err
    else:
        assert result.code in (0, 1), result.err
        assert "Traceback" not in result.err


def test_export_buckets_in_the_config_are_strict(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    (tmp_path / "t.yaml").write_text(ROS.replace("NAME", "AppRole"))
    config = tmp_path / "c.yaml"
    config.write_text("export_buckets: [logs]\n")
    result = cli("check", str(tmp_path / "t.yaml"), "--config", str(config))
    assert result.code == 2 and "t.yaml:18" in result.err, result.err
