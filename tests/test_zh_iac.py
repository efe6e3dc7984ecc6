"""IaC sources in Chinese (``--lang zh``): every error of a Terraform, plan or ROS input (exit 2, "file:line: "
first), every reason a value of the files is unknown, and every problem of an inline waiver comment — while the
English stays word for word what it was."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from preflight.errors import Msg, PreflightError
from preflight.i18n import render, t
from preflight.sources import iac, ros, terraform
from preflight.sources import plan as tfplan
from preflight.sources.terraform import mapping
from preflight.texts import iac as texts
from tests.conftest import Cli, both_languages
from tests.zhcheck import assert_chinese, unknown_lines


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------
# Errors of the run (exit 2)

DEEP = "locals {\n  x = " + "[" * 3000 + "]" * 3000 + "\n}\n"
#: the export role (its trust policy feeds an export's facts, so a malformed one is an input error)
ROLE = ('resource "alicloud_ram_role" "r" {\n  role_name = "AliyunECSImageExportDefaultRole"\n'
        '  assume_role_policy_document = "{not json"\n}\n')
ROS_BAD_POLICY = ("ROSTemplateFormatVersion: '2015-09-01'\nResources:\n  Role:\n    Type: ALIYUN::RAM::Role\n"
                  "    Properties:\n      RoleName: AliyunECSImageExportDefaultRole\n"
                  "      AssumeRolePolicyDocument: {Statement: 3}\n")

ERRORS = [
    pytest.param({"main.tf": "x = 1 @\n"}, ".", "main.tf:1:7", "not valid HCL: unexpected character '@'",
                 id="hcl-character"),
    pytest.param({"main.tf": "x = 1 2\n"}, ".", "main.tf:1:7", "not valid HCL: unexpected '2'", id="hcl-token"),
    pytest.param({"main.tf": 'resource "a" "b" {\n'}, ".", "main.tf:2:1", "not valid HCL: unexpected end of input",
                 id="hcl-end-of-input"),
    pytest.param({"main.tf": 'x = "a\\qb"\n'}, ".", "main.tf:1:7",
                 "not valid HCL: unknown escape sequence '\\\\q' in a string", id="hcl-escape"),
    pytest.param({"main.tf": DEEP}, ".", "main.tf", "not valid HCL: nested too deeply", id="hcl-too-deep"),
    pytest.param({"main.tf.json": "[]"}, ".", "main.tf.json:1", "a .tf.json file must hold a JSON object",
                 id="tf-json-object"),
    pytest.param({"main.tf": "", "terraform.tfvars.json": "[1]"}, ".", "terraform.tfvars.json:1",
                 "a .tfvars.json file must hold a JSON object", id="tfvars-json-object"),
    pytest.param({"t.yaml": "- ROSTemplateFormatVersion: '2015-09-01'\n"}, "t.yaml", "t.yaml:1",
                 "a ROS template must be a mapping", id="ros-mapping"),
    pytest.param({"main.tf": ROLE}, ".", "main.tf:3", "not a valid policy document: policy document is not valid "
                 "JSON (Expecting property name enclosed in double quotes at line 1)", id="policy-terraform"),
    pytest.param({"t.yaml": ROS_BAD_POLICY}, "t.yaml", "t.yaml:7", "not a valid policy document: ", id="policy-ros"),
    pytest.param({"main.tf": 'resource "alicloud_oss_bucket" "b" {\n  bucket = "x"\n  storage_class = ["a"]\n}\n'},
                 ".", "main.tf:3", "cannot read /buckets/0/StorageClass: ['a'] is not of type 'string'",
                 id="cannot-read"),
]


@pytest.mark.parametrize(("files", "target", "where", "english"), ERRORS)
def test_input_errors_name_file_and_line_in_both_languages(cli: Cli, tmp_path: Path, files: dict[str, str],
                                                           target: str, where: str, english: str) -> None:
    _write(tmp_path, files)
    en, zh = both_languages(cli, "check", str(tmp_path / target))
    assert (en.code, zh.code) == (2, 2), (en.err, zh.err)
    prefix = f"preflight: error: {tmp_path / where}: "
    assert en.err.startswith(prefix + english), en.err
    line = zh.err.strip()
    assert line.startswith(prefix), line
    assert_chinese(line[len(prefix):])


def test_a_missing_path_given_to_the_iac_loader(tmp_path: Path) -> None:
    with pytest.raises(PreflightError) as e:
        iac.load([tmp_path / "nope.tf"])
    assert e.value.lines() == [f"{tmp_path / 'nope.tf'}: no such file or directory"]
    (line,) = e.value.lines("zh")
    assert line.startswith(f"{tmp_path / 'nope.tf'}: ")
    assert_chinese(line)


def test_a_json_ros_template_that_is_no_mapping() -> None:
    with pytest.raises(PreflightError) as e:
        ros.load_template("[1]", "t.json", [1])
    assert e.value.lines() == ["t.json:1: a ROS template must be a mapping"]
    assert_chinese(e.value.lines("zh")[0])


# ---------------------------------------------------------------------------------------------------------
# Inline waiver comments that are not honoured (notes)

WAIVERS = [
    ("# preflight:ignore=PF104", 'has no reason="…": it is not honoured'),
    ('# preflight:ignore= reason="x"', "names no rule id (preflight:ignore=RULE_ID[,RULE_ID])"),
    ('# preflight:ignore=PF104,9x reason="x"', "'9x' is not a rule id"),
    ('# preflight:ignore=PF104 reason="x" !!', "cannot read '!!' (expected key=value)"),
    ('# preflight:ignore=PF104 reason="x" expires=31/12/2026', "expires='31/12/2026' is not a date (YYYY-MM-DD)"),
    ('# preflight:ignore=PF104 reason="x" owner=me', "unknown key 'owner' (expected reason, expires)"),
    ('# preflight:ignore=PF104 reason="x"\n\n', "is not on or just above a resource: it applies to nothing"),
]


@pytest.mark.parametrize(("comment", "english"), WAIVERS, ids=[e for _, e in WAIVERS])
def test_inline_waiver_problems(cli: Cli, tmp_path: Path, comment: str, english: str) -> None:
    _write(tmp_path, {"main.tf": f'provider "alicloud" {{\n  region = "cn-hangzhou"\n}}\n{comment}\n'
                                 'resource "alicloud_image_export" "e" {\n  image_id = "m-1"\n'
                                 '  oss_bucket = "b"\n  oss_prefix = "p"\n}\n'})
    en, zh = both_languages(cli, "check", str(tmp_path))
    at = f"{tmp_path / 'main.tf'}:4: "
    assert f"warning: {at}inline waiver not honoured: {english}" in en.out
    (line,) = [x for x in zh.out.splitlines() if at in x]
    assert_chinese(line.split(at, 1)[1])


# ---------------------------------------------------------------------------------------------------------
# Why a value is unknown: expressions

LOCALS = ('locals {{\n  x = "X"\n  m = {{ k = "v" }}\n  l = [1]\n  e = {expr}\n}}\nvariable "nodefault" {{}}\n'
          'resource "alicloud_oss_bucket" "b" {{\n  bucket = "b"\n}}\n')
EXPRESSIONS = [
    ('local.x ? "a" : "b"', "condition: a bool is required (Terraform would stop with an error)"),
    ('"a" + 2', "+: a number is required (Terraform would stop with an error)"),
    ('!"x"', "!: a bool is required (Terraform would stop with an error)"),
    ('[for s in "abc" : s]', "for: not a collection (Terraform would stop with an error)"),
    ("alicloud_oss_bucket.b[*].arn", "alicloud_oss_bucket.b.arn is computed when Terraform applies"),
    ('format("%.2f", 1.5)', "format() with the verb %.2f is not evaluated statically"),
    ('replace("a", "/a+/", "b")', "replace() with a regular expression is not evaluated statically"),
    ('coalesce("", null)', "coalesce: no non-null, non-empty argument (Terraform would stop with an error)"),
    ('"%{ if true }a%{ endif }"', "a template directive is not evaluated statically"),
    ("<<EOF\n%{ if true }x%{ endif }\nEOF", "a template directive is not evaluated statically"),
    ("[1, 2][5]", "(…)[5] does not exist"),
    ('"a-${local.m}"', "a template interpolates a value that is not a string"),
    ("upper(local.m)", "upper: a string is required (Terraform would stop with an error)"),
    ('file("policy.json")', "the function file() is not evaluated statically"),
    ("data.alicloud_images.x.images[0].id", "data.alicloud_images.x is read from the account when Terraform runs"),
    ("path.module", "path.module is known only when Terraform runs"),
    ("alicloud_oss_bucket.nope.bucket", "alicloud_oss_bucket.nope is not defined in the Terraform files checked"),
    ("alicloud_oss_bucket.b", "alicloud_oss_bucket.b is an object known only when Terraform runs"),
    ("local.m.nokey", "local.m.nokey does not exist"),
    ("local.m[local.x]", "local.m[…] does not exist"),
    ("var.nope", "var.nope is not declared in the module"),
    ("var.nodefault", "var.nodefault has no default and no value in a .tfvars file"),
    ("local.nope", "local.nope is not defined in the module"),
    ("alicloud_oss_bucket.b.arn", "alicloud_oss_bucket.b.arn is computed when Terraform applies"),
    ("local.e", "local.e refers to itself"),
]


@pytest.mark.parametrize(("expr", "english"), EXPRESSIONS, ids=[e for e, _ in EXPRESSIONS])
def test_unresolved_expressions(expr: str, english: str) -> None:
    body = terraform.parse_hcl(LOCALS.format(expr=expr), "t.tf")
    value = terraform.Module(body.blocks, {}).local("e")
    assert isinstance(value, terraform.Unresolved)
    assert str(value.reason) == english
    assert_chinese(render(value.reason, "zh"))


def test_expressions_no_input_makes() -> None:
    module = terraform.Module([], {})
    for expr, english in ((object(), "an expression that is not evaluated statically"),
                          (terraform.Opaque(Msg("iac.kind_empty")), "an empty expression is not evaluated statically"),
                          (terraform.Opaque(Msg("iac.kind_other", kind="new_rule")),
                           "a new_rule expression is not evaluated statically")):
        value = module.eval(expr)
        assert isinstance(value, terraform.Unresolved) and str(value.reason) == english
        assert_chinese(render(value.reason, "zh"))
    targets = mapping._Targets({})
    for attr, english in ((None, "the reference is missing"), (terraform.Attr([1]), "the reference is not a name")):
        found = targets.find(attr)
        assert isinstance(found, terraform.Unresolved) and str(found.reason) == english
        assert_chinese(render(found.reason, "zh"))


# ---------------------------------------------------------------------------------------------------------
# Why a value is unknown: what the files leave open (the document's annotations)

TF = {
    "providers.tf": 'provider "alicloud" {\n  region = "cn-hangzhou"\n}\n'
                    'provider "alicloud" {\n  alias = "noregion"\n}\n',
    "images.tf": 'resource "alicloud_image" "from_instance" {\n  instance_id = "i-1"\n}\n'
                 'resource "alicloud_image" "bare" {\n}\n',
    "buckets.tf": 'variable "nodefault" {}\n'
                  'resource "alicloud_oss_bucket" "b" {\n  bucket = "b1"\n  provider = alicloud.noregion\n}\n'
                  'resource "alicloud_oss_bucket_acl" "stray" {\n  bucket = var.nodefault\n  acl = "private"\n}\n'
                  'resource "alicloud_oss_bucket" "c" {\n  bucket = "c1"\n  server_side_encryption_rule {\n'
                  '    kms_master_key_id = "k"\n  }\n}\n'
                  'resource "alicloud_oss_bucket" "n" {\n  bucket = var.nodefault\n}\n'
                  'resource "alicloud_image_export" "e" {\n  image_id = "m-1"\n'
                  '  oss_bucket = alicloud_oss_bucket.n.id\n'
                  '  provider = alicloud.nope\n}\n',
    "roles.tf": 'resource "alicloud_ram_role" "r" {\n  role_name = "R"\n}\n'
                'resource "alicloud_ram_policy" "p" {\n  policy_name = "P"\n'
                '  statement {\n    effect = "Allow"\n  }\n}\n'
                'resource "alicloud_ram_role_policy_attachment" "a0" {\n  role_name = "R"\n  policy_name = "P"\n'
                '  policy_type = "Custom"\n}\n'
                'resource "alicloud_ram_role_policy_attachment" "a1" {\n  role_name = alicloud_ram_role.r.role_name\n'
                '  policy_name = "Undefined"\n  policy_type = "Custom"\n}\n'
                'resource "alicloud_ram_role_policy_attachment" "a2" {\n  role_name = "R"\n'
                '  policy_name = var.nodefault\n}\n',
}
TF_REASONS = [
    'no provider "alicloud.nope" block in the module: the region comes from the environment or the calling module',
    'provider "alicloud.noregion" sets no region: it comes from the environment',
    "the status of an image is known only once it is created",
    "whether the image derives from a Marketplace image depends on its source disks",
    "the image sets no platform: it comes from its source instance or snapshots",
    "the image lists no disk_device_mapping: its disks come from its source instance",
    "the image lists no disk_device_mapping: its disks come from what it is created from",
    "alicloud_oss_bucket_acl.stray configures a bucket that cannot be resolved statically",
    "the owner is the account Terraform runs as, which the files do not name",
    "sse_algorithm is not set",
    "the name of alicloud_oss_bucket.n cannot be resolved statically",
    "the ARN is assigned when the role is created",
    "the role sets no assume_role_policy_document",
    "alicloud_ram_policy.p writes its document as statement blocks",
    "the Custom policy Undefined is not defined in the Terraform files checked",
    "alicloud_ram_role_policy_attachment.a2: the policy name cannot be resolved statically",
    "not defined in the Terraform files checked",
]
TF_STRAY_ROLE = {"main.tf": 'variable "nodefault" {}\nresource "alicloud_ram_role" "r" {\n  role_name = "R"\n}\n'
                            'resource "alicloud_ram_role_policy_attachment" "a" {\n  role_name = var.nodefault\n'
                            '  policy_name = "P"\n}\n'}

PLAN: dict[str, Any] = {
    "format_version": "1.2",
    "planned_values": {"root_module": {"resources": [
        {"address": f"alicloud_oss_bucket.{n}", "mode": "managed", "type": "alicloud_oss_bucket", "name": n,
         "values": {"bucket": f"{n}1"}} for n in ("a", "b", "c", "d")]}},
    "resource_changes": [
        {"address": "alicloud_oss_bucket.a", "mode": "managed", "type": "alicloud_oss_bucket",
         "change": {"actions": ["create"], "after": {"bucket": "a1"}, "after_unknown": {"acl": True}}},
        {"address": "alicloud_image_export.e", "mode": "managed", "type": "alicloud_image_export",
         "change": {"actions": ["create"], "after": {"image_id": "m-1", "oss_bucket": "a1"},
                    "after_unknown": {"oss_prefix": True}}},
    ],
    "configuration": {
        "provider_config": {
            "alicloud": {"name": "alicloud", "expressions": {"region": {"constant_value": "cn-hangzhou"}}},
            "alicloud.noregion": {"name": "alicloud", "alias": "noregion"},
            "alicloud.expr": {"name": "alicloud", "alias": "expr",
                              "expressions": {"region": {"references": ["local.r"]}}},
        },
        "root_module": {"resources": [
            {"address": "alicloud_oss_bucket.b", "provider_config_key": "alicloud.noregion"},
            {"address": "alicloud_oss_bucket.c", "provider_config_key": "alicloud.expr"},
            {"address": "alicloud_oss_bucket.d", "provider_config_key": "alicloud.none"},
        ]},
    },
}
PLAN_REASONS = [
    "acl: known only after apply (the plan says so)",
    "oss_prefix: known only after apply (the plan says so)",
    "provider alicloud.noregion sets no region: it comes from the environment",
    "the region of provider alicloud.expr is an expression the plan does not resolve",
    "the plan has no configuration for provider alicloud.none",
    "not defined in the Terraform plan checked",
]

NESTED = "[" * 52 + "]" * 52
ROS_TEMPLATE = f"""ROSTemplateFormatVersion: '2015-09-01'
Parameters:
  P:
    Type: String
Resources:
  Role:
    Type: ALIYUN::RAM::Role
    Properties:
      RoleName: R
      Policies:
        - PolicyName: Inline
          PolicyDocument: !Ref P
      PolicyAttachments:
        System: [Sys1]
        Custom: [Nope]
  Attach:
    Type: ALIYUN::RAM::AttachPolicyToRole
    Properties: {{RoleName: R, PolicyName: Other, PolicyType: Custom}}
  Managed:
    Type: ALIYUN::RAM::ManagedPolicy
    Properties: {{PolicyName: NoDoc, Roles: [R]}}
  Bucket:
    Type: ALIYUN::OSS::Bucket
    Properties:
      BucketName: b1
      AccessControl: !If [Cond, private, public-read]
      StorageClass: !Ref ALIYUN::Region
      VersioningConfiguration: {{Status: !Ref Undefined}}
      Policy: !GetAtt [Role, Arn]
  Nameless:
    Type: ALIYUN::OSS::Bucket
  Vpc:
    Type: ALIYUN::ECS::VPC
  Image1:
    Type: ALIYUN::ECS::CustomImage
  Image2:
    Type: ALIYUN::ECS::CustomImage
    Properties:
      Platform: {{"Fn::Sub": 5}}
      DiskDeviceMapping: {{"Fn::Join": x}}
  Image3:
    Type: ALIYUN::ECS::CustomImage
    Properties:
      Platform: {{"Fn::Join": ["-", notalist]}}
      DiskDeviceMapping: {{Ref: 5}}
  Image4:
    Type: ALIYUN::ECS::CustomImage
    Properties:
      Platform: !GetAtt Role
      DiskDeviceMapping: !Ref Vpc
  Image5:
    Type: ALIYUN::ECS::CustomImage
    Properties:
      Platform: !Ref Nameless
      DiskDeviceMapping: {NESTED}
"""
ROS_REASONS = [
    "the ARN is assigned when the stack creates the role",
    "the role has no AssumeRolePolicyDocument",
    "parameter P has no Default: its value is given when the stack is created",
    "the System policy Sys1 is not in the template",
    "the Custom policy Nope is not defined in the ROS template checked",
    "the Custom policy Other is not in the template",
    "the policy NoDoc has no PolicyDocument",
    "the region of a ROS stack is chosen when it is created",
    "the owner is the account the stack is created in",
    "cross-region replication may be configured outside the template",
    "Fn::If is not evaluated statically",
    "the pseudo parameter ALIYUN::Region is known only when the stack is created",
    "Undefined is neither a parameter nor a resource of the template",
    "Role.Arn is known only when the stack is created",
    "the image sets no Platform: it comes from its source instance or snapshots",
    "the image lists no DiskDeviceMapping: its disks come from its source",
    "Fn::Sub takes a string or [string, {variables}]",
    "Fn::Join takes [delimiter, [values]]",
    "Fn::Join of something that is not a list",
    "Ref of something that is not a name",
    "Fn::GetAtt takes [resource, attribute]",
    "Vpc has a value known only when the stack is created",
    "Nameless has no BucketName: ROS names it when the stack is created",
    "the value is nested more than 50 deep (the cap)",
    "not defined in the ROS template checked",
]


def _reasons(doc: dict[str, Any], ann: Any) -> dict[str, Msg]:
    """Every reason of a document built from IaC: by English text, the message."""
    found = [*ann.unknown.values(), ann.absent_reason]
    assert all(isinstance(m, Msg) for m in found), [m for m in found if not isinstance(m, Msg)]
    # the document's own "unknown" entries say the same as the annotations, in English
    annotated = {str(m) for m in found}
    assert all(e["reason"] in annotated for e in doc.get("unknown", [])), doc.get("unknown")
    return {str(m): m for m in found}


def _tf_doc(tmp_path: Path, files: dict[str, str]) -> dict[str, Msg]:
    _write(tmp_path, files)
    module = terraform.load_module(sorted(tmp_path.glob("*.tf")), [])
    return _reasons(*terraform.build_document(module.resources, source="Terraform files"))


def _check(reasons: dict[str, Msg], expected: list[str]) -> None:
    missing = [e for e in expected if e not in reasons]
    assert not missing, f"not among the reasons: {missing}; found {sorted(reasons)}"
    for english, msg in reasons.items():
        zh = render(msg, "zh")
        assert zh != english
        assert_chinese(zh)


def test_terraform_reasons(tmp_path: Path) -> None:
    _check(_tf_doc(tmp_path, TF), TF_REASONS)


def test_terraform_role_with_an_attachment_to_an_unresolved_role(tmp_path: Path) -> None:
    _check(_tf_doc(tmp_path, TF_STRAY_ROLE),
           ["alicloud_ram_role_policy_attachment.a attaches a policy to a role that cannot be resolved statically"])


def test_plan_reasons() -> None:
    text = json.dumps(PLAN, indent=2)
    _check(_reasons(*tfplan.document(PLAN, text, "p.json")), PLAN_REASONS)


def test_ros_reasons() -> None:
    template = ros.load_template(ROS_TEMPLATE, "t.yaml")
    _check(_reasons(*ros.document(template)), ROS_REASONS)


@pytest.mark.parametrize("key", sorted(texts.TEXTS))
def test_every_message_is_chinese_and_keeps_its_placeholders(key: str) -> None:
    en, zh = texts.TEXTS[key]["en"], texts.TEXTS[key]["zh"]
    names = re.compile(r"(?<!\{)\{(\w+)(?:![rs])?\}")
    assert sorted(names.findall(en)) == sorted(names.findall(zh)), key
    values = dict.fromkeys(names.findall(en), "x_1")
    assert_chinese(t(key, "zh", **values))


# ---------------------------------------------------------------------------------------------------------
# Through the CLI: the reasons in the text report


@pytest.mark.parametrize(("files", "target", "english", "chinese"), [
    pytest.param(TF, ".", "configures a bucket that cannot be resolved statically", "所配置的 Bucket 无法静态解析",
                 id="terraform"),
    pytest.param({"main.tf": 'resource "alicloud_image_export" "e" {\n  image_id = "m-1"\n  oss_bucket = "b"\n'
                             '  oss_prefix = local.x == "a" ? "p" : var.q\n}\n'}, ".",
                 'no provider "alicloud" block in the module', "模块中没有 provider", id="terraform-unresolved"),
    pytest.param({"p.json": json.dumps(PLAN, indent=2)}, "p.json", "oss_prefix: known only after apply",
                 "oss_prefix：要在 apply 之后才能确定", id="plan"),
    pytest.param({"p.json": json.dumps(PLAN, indent=2)}, "p.json", "not defined in the Terraform plan checked",
                 "未在所检查的 Terraform 计划中定义", id="plan-absent"),
    pytest.param({"t.yaml": ROS_TEMPLATE.replace("RoleName: R", "RoleName: AliyunECSImageExportDefaultRole")
                  .replace("Roles: [R]", "Roles: [AliyunECSImageExportDefaultRole]")}, "t.yaml",
                 "the role has no AssumeRolePolicyDocument", "角色没有 AssumeRolePolicyDocument", id="ros"),
])
def test_unknown_results_in_the_report(cli: Cli, tmp_path: Path, files: dict[str, str], target: str,
                                       english: str, chinese: str) -> None:
    _write(tmp_path, files)
    en, zh = both_languages(cli, "check", str(tmp_path / target))
    assert en.code in (0, 1) and zh.code == en.code, (en.err, zh.err)
    assert english in en.out
    lines = unknown_lines(zh.out)
    assert len(lines) == len(unknown_lines(en.out)) > 0
    assert any(chinese in line for line in lines), lines
    for line in lines:
        assert_chinese(line)
