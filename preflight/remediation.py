"""The least-privilege fix for an export: the role's trust policy and a permission policy scoped to the
export bucket and prefix, as JSON, Terraform and ROS text (the ``fix`` facts the rules' remediation templates
print, next to the aliyun CLI commands written in the rules themselves).

Every value that comes from the input (role, bucket and prefix names) is escaped for the literal it lands in:
a hostile name stays data and cannot add statements, resources or Terraform interpolations.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from preflight.export_role import ASSUME_ROLE, BUCKET_LEVEL_ACTIONS, ECS_SERVICE, EXPORT_ACTIONS

#: stands for the export's OSSPrefix in a fix written before the prefix is known (letters and digits only)
PREFIX_MARK = "@@OSSPREFIX@@"


def trust_policy_document() -> dict[str, Any]:
    return {"Version": "1", "Statement": [{"Action": ASSUME_ROLE, "Effect": "Allow",
                                           "Principal": {"Service": [ECS_SERVICE]}}]}


def scoped_permission_policy(bucket: str, prefix: str | None, account: str | None) -> dict[str, Any]:
    """The export actions on the export bucket only (domain.md §5.3). Without a prefix the object names are
    not predictable, so objects are scoped to ``bucket/*``."""
    acct = account or "*"
    objects = f"acs:oss:*:{acct}:{bucket}/{prefix}*" if prefix else f"acs:oss:*:{acct}:{bucket}/*"
    return {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": sorted(BUCKET_LEVEL_ACTIONS), "Resource": [f"acs:oss:*:{acct}:{bucket}"]},
        {"Effect": "Allow", "Action": [a for a in EXPORT_ACTIONS if a not in BUCKET_LEVEL_ACTIONS],
         "Resource": [objects]},
    ]}


def _hcl_template_escape(text: str) -> str:
    """JSON text made literal inside HCL: ``${`` and ``%{`` start interpolations and directives in every HCL
    quoted string, so a name holding them would run as Terraform when the snippet is pasted."""
    return text.replace("${", "$${").replace("%{", "%%{")


def _hcl(value: Any, indent: int = 2) -> str:
    """A JSON-compatible value as an HCL expression for ``jsonencode(...)``: HCL's object constructor takes
    ``"key": value`` as well as ``key = value``, so JSON text is valid HCL once its template sequences are
    escaped (JSON's string escapes are HCL's too)."""
    return _hcl_template_escape(json.dumps(value, indent=2).replace("\n", "\n" + " " * indent))


def _hcl_str(text: str) -> str:
    """A string as an HCL quoted string literal."""
    return _hcl_template_escape(json.dumps(text))


#: how a value is written inside a string literal of each fix text (see :func:`fill_prefix`)
_STRING_BODY: dict[str, Callable[[str], str]] = {
    "trust_policy": lambda v: json.dumps(v)[1:-1],
    "permission_policy": lambda v: json.dumps(v)[1:-1],
    "ros": lambda v: json.dumps(v)[1:-1],
    "terraform": lambda v: _hcl_template_escape(json.dumps(v)[1:-1]),
}


def fill_prefix(kind: str, text: str, prefix: str) -> str:
    """Put an export's OSSPrefix where :data:`PREFIX_MARK` stands in a fix text written by
    :func:`least_privilege_fix`: the marker sits inside a string literal (JSON or HCL), so the prefix is
    escaped for that literal; a hostile prefix stays data and cannot add statements or interpolations."""
    return text.replace(PREFIX_MARK, _STRING_BODY[kind](prefix))


def least_privilege_fix(role: str, bucket: str | None, prefix: str | None, account: str | None
                        ) -> dict[str, str | None]:
    """The exact trust and permission policies for this export, as JSON, Terraform and ROS."""
    trust = trust_policy_document()
    # a role checked on its own (IaC, no export uses it): the bucket is a placeholder to fill in
    perms = scoped_permission_policy(bucket or "<export-bucket>", prefix, account)
    letters = "".join(c for c in bucket.title() if c.isascii() and c.isalnum()) if bucket else ""
    policy_name = "EcsImageExport" + letters[:40]
    terraform = (
        f'resource "alicloud_ram_role" "image_export" {{\n  role_name = {_hcl_str(role)}\n'
        f"  assume_role_policy_document = jsonencode({_hcl(trust)})\n}}\n\n"
        f'resource "alicloud_ram_policy" "image_export" {{\n  policy_name = {_hcl_str(policy_name)}\n'
        f"  policy_document = jsonencode({_hcl(perms)})\n}}\n\n"
        'resource "alicloud_ram_role_policy_attachment" "image_export" {\n'
        "  role_name   = alicloud_ram_role.image_export.role_name\n"
        "  policy_name = alicloud_ram_policy.image_export.policy_name\n"
        '  policy_type = "Custom"\n}\n'
    )
    ros = json.dumps({"ImageExportRole": {"Type": "ALIYUN::RAM::Role", "Properties": {
        "RoleName": role, "AssumeRolePolicyDocument": trust,
        "Policies": [{"PolicyName": policy_name, "PolicyDocument": perms}]}}}, indent=2)
    return {
        "trust_policy": json.dumps(trust, separators=(",", ":")),
        "permission_policy": json.dumps(perms, separators=(",", ":")),
        "policy_name": policy_name,
        "terraform": terraform,
        "ros": ros,
    }
