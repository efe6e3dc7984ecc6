"""The least-privilege fix for an export: the role's trust policy and a permission policy scoped to the
export bucket and prefix, as JSON, Terraform and ROS text (the ``fix`` facts the rules' remediation templates
print, next to the aliyun CLI commands written in the rules themselves).

Every value that comes from the input (role, bucket and prefix names) is escaped for the literal it lands in:
a hostile name stays data and cannot add statements, resources or Terraform interpolations.
"""

from __future__ import annotations

import functools
import json
import re
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


#: how a value is written inside a string literal of each fix text
_STRING_BODY: dict[str, Callable[[str], str]] = {
    "trust_policy": lambda v: json.dumps(v)[1:-1],
    "permission_policy": lambda v: json.dumps(v)[1:-1],
    "ros": lambda v: json.dumps(v)[1:-1],
    "terraform": lambda v: _hcl_template_escape(json.dumps(v)[1:-1]),
}


def policy_name(bucket: str | None) -> str:
    """The scoped policy's name: ``EcsImageExport`` and the bucket name's letters and digits (ASCII only)."""
    letters = "".join(c for c in bucket.title() if c.isascii() and c.isalnum()) if bucket else ""
    return "EcsImageExport" + letters[:40]


def write_fix(role: str, bucket: str, prefix: str | None, account: str | None, name: str) -> dict[str, str]:
    """The fix texts written straight from the values (what :func:`least_privilege_fix` returns, slower)."""
    trust = trust_policy_document()
    perms = scoped_permission_policy(bucket, prefix, account)
    terraform = (
        f'resource "alicloud_ram_role" "image_export" {{\n  role_name = {_hcl_str(role)}\n'
        f"  assume_role_policy_document = jsonencode({_hcl(trust)})\n}}\n\n"
        f'resource "alicloud_ram_policy" "image_export" {{\n  policy_name = {_hcl_str(name)}\n'
        f"  policy_document = jsonencode({_hcl(perms)})\n}}\n\n"
        'resource "alicloud_ram_role_policy_attachment" "image_export" {\n'
        "  role_name   = alicloud_ram_role.image_export.role_name\n"
        "  policy_name = alicloud_ram_policy.image_export.policy_name\n"
        '  policy_type = "Custom"\n}\n'
    )
    ros = json.dumps({"ImageExportRole": {"Type": "ALIYUN::RAM::Role", "Properties": {
        "RoleName": role, "AssumeRolePolicyDocument": trust,
        "Policies": [{"PolicyName": name, "PolicyDocument": perms}]}}}, indent=2)
    return {
        "trust_policy": json.dumps(trust, separators=(",", ":")),
        "permission_policy": json.dumps(perms, separators=(",", ":")),
        "terraform": terraform,
        "ros": ros,
    }


#: what stands for each value in the texts written once (:func:`_templates`); each sits inside a string literal
_MARKS = ("@@ROLE@@", "@@BUCKET@@", PREFIX_MARK, "@@ACCOUNT@@", "@@POLICYNAME@@")
_MARK_PATTERN = re.compile("|".join(re.escape(m) for m in _MARKS))  # fixed: our markers, never input


@functools.cache
def _templates() -> dict[str, tuple[tuple[str, ...], tuple[int, ...]]]:
    """Each fix text written once with markers: its literal pieces and, between them, which value goes where.

    Writing indented JSON is pure Python (~0.2 ms a text); exports then differ only in the values, which are
    put in by one pass over the pieces, so a value is never scanned again (one that holds a marker's text
    stays as given)."""
    role, bucket, prefix, account, name = _MARKS
    out = {}
    for kind, text in write_fix(role, bucket, prefix, account, name).items():
        parts = _MARK_PATTERN.split(text)
        marks = tuple(_MARKS.index(m) for m in _MARK_PATTERN.findall(text))
        out[kind] = (tuple(parts), marks)
    return out


def least_privilege_fix(role: str, bucket: str | None, prefix: str | None, account: str | None
                        ) -> dict[str, str | None]:
    """The exact trust and permission policies for this export, as JSON, Terraform and ROS.

    A role checked on its own (IaC, no export uses it) has no bucket: a placeholder stands for it."""
    name = policy_name(bucket)
    values = (role, bucket or "<export-bucket>", prefix or "", account or "*", name)
    out: dict[str, str | None] = {}
    for kind, (parts, marks) in _templates().items():
        body = _STRING_BODY[kind]
        pieces = [parts[0]]
        for mark, literal in zip(marks, parts[1:], strict=True):
            pieces.append(body(values[mark]))
            pieces.append(literal)
        out[kind] = "".join(pieces)
    out["policy_name"] = name
    return out
