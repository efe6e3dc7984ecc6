"""The security review end to end: a deliberately over-permissive export setup fails with evidence and the
scoped fix; the default documented setup passes every precondition and gets only the `Resource: "*"` warning.

The expected policies are written out here rather than taken from preflight.policy, so a change in what the
fix proposes shows up as a test failure to review.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from preflight.sources.snapshot import schema_problems
from tests.conftest import ROOT, Cli

OVERPERMISSIVE = ROOT / "examples" / "overpermissive.json"
DOCUMENTED = ROOT / "examples" / "documented-setup.json"
ACCOUNT = "1234567890123456"

TRUST = {"Version": "1", "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                                        "Principal": {"Service": ["ecs.aliyuncs.com"]}}]}


def scoped(bucket: str, prefix: str) -> dict[str, Any]:
    """The least-privilege export policy of domain.md §5.3 for one bucket and prefix."""
    return {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["oss:GetBucketInfo", "oss:GetBucketLocation", "oss:ListMultipartUploads"],
         "Resource": [f"acs:oss:*:{ACCOUNT}:{bucket}"]},
        {"Effect": "Allow",
         "Action": ["oss:GetObject", "oss:PutObject", "oss:DeleteObject", "oss:AbortMultipartUpload", "oss:ListParts"],
         "Resource": [f"acs:oss:*:{ACCOUNT}:{bucket}/{prefix}*"]},
    ]}


def check(cli: Cli, path: Path, *extra: str) -> tuple[int, dict[str, dict[str, Any]]]:
    r = cli("check", str(path), "-f", "json", *extra)
    assert r.err == ""
    results = r.json()["results"]
    by_rule = {x["rule_id"]: x for x in results}
    assert len(by_rule) == len(results), "one export per example"
    return r.code, by_rule


def documents(remediation: str, option: str) -> list[Any]:
    """The JSON documents a remediation passes to ``aliyun ram ... --<option> '<json>'`` (placeholders such
    as ``'...'`` left out)."""
    return [json.loads(m) for m in re.findall(rf"--{option} '(\{{[^']*)'", remediation)]


@pytest.mark.parametrize("path", [OVERPERMISSIVE, DOCUMENTED], ids=lambda p: p.name)
def test_examples_are_valid_snapshots(path: Path) -> None:
    assert schema_problems(json.loads(path.read_text(encoding="utf-8"))) == []


# -- the over-permissive setup ------------------------------------------------------------------------------


@pytest.fixture
def over(cli: Cli) -> tuple[int, dict[str, dict[str, Any]]]:
    return check(cli, OVERPERMISSIVE)


def test_overpermissive_fails_the_run_on_security_only(over: tuple[int, dict[str, dict[str, Any]]]) -> None:
    code, by_rule = over
    assert code == 1
    failing = {rid for rid, x in by_rule.items() if x["status"] not in ("pass", "skip")}
    assert failing == {"PF501", "PF502", "PF504", "PF505", "PF506"}
    assert {by_rule[r]["severity"] for r in ("PF501", "PF502", "PF506")} == {"error"}
    assert {by_rule[r]["severity"] for r in ("PF504", "PF505")} == {"warning"}
    # the export itself would succeed: oss:* on "*" covers every action it needs
    assert all(x["status"] in ("pass", "skip") for x in by_rule.values() if x["category"] == "precondition")
    assert by_rule["PF403"]["status"] == "pass"


def test_overpermissive_evidence_names_the_statements(over: tuple[int, dict[str, dict[str, Any]]]) -> None:
    _, by_rule = over
    trust = by_rule["PF502"]["evidence"]
    assert trust["role.other_principals"] == ["RAM:acs:ram::9876543210987654:root"]
    second = trust["role.trust_policy"]["Statement"][1]
    assert (second["index"], second["Principal"]["RAM"]) == (2, ["acs:ram::9876543210987654:root"])
    assert by_rule["PF504"]["evidence"]["role.excess_permissions"] == [
        "oss:* in statement 1 of policy OssFullAccessForExports"]
    assert by_rule["PF505"]["evidence"]["role.wildcard_resources"] == ["statement 1 of policy OssFullAccessForExports"]
    bucket = by_rule["PF506"]["evidence"]
    assert bucket["bucket.public_grants"] == [
        "statement 1 lets anyone read, list objects (oss:GetObject, oss:ListObjects)"]
    assert bucket["bucket.Policy"]["Statement"][0]["Principal"]["Any"] is True
    # a public ACL that Block Public Access may neutralise: the evidence says that was not learned
    assert by_rule["PF501"]["evidence"] == {
        "bucket.Grant": "public-read",
        "bucket.public_access_blocked": {"unknown": "/buckets/0 has no 'BlockPublicAccess'"}}


def terraform_policy(hcl: str) -> Any:
    """The policy document of the snippet's alicloud_ram_policy: the HCL parsed by tree-sitter-hcl's grammar
    itself, the ``jsonencode({...})`` argument read from its tree (HCL objects as JSON, nothing evaluated)."""
    import tree_sitter
    import tree_sitter_hcl

    src = hcl.encode()
    root = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language())).parse(src).root_node
    assert not root.has_error

    def text(n: Any) -> str:
        return src[n.start_byte:n.end_byte].decode()

    def value(n: Any) -> Any:
        while n.type in ("expression", "collection_value", "literal_value") or n.type == "template_expr":
            n = next(c for c in n.named_children if c.type != "comment")
        if n.type in ("string_lit", "quoted_template"):
            return json.loads(text(n))
        if n.type == "tuple":
            return [value(c) for c in n.named_children if c.type == "expression"]
        if n.type == "object":
            elems = [c for c in n.named_children if c.type == "object_elem"]
            return {value(e.child_by_field_name("key")) if e.child_by_field_name("key").named_children[0].type
                    != "variable_expr" else text(e.child_by_field_name("key")): value(e.child_by_field_name("val"))
                    for e in elems}
        raise AssertionError(f"not a JSON-like value: {n.type} {text(n)!r}")

    stack = [root]
    while stack:
        n = stack.pop()
        if n.type == "attribute" and text(n.named_children[0]) == "policy_document":
            call = n.named_children[-1].named_children[0]
            assert call.type == "function_call" and text(call.named_children[0]) == "jsonencode", text(n)
            return value(next(c for c in call.named_children if c.type == "function_arguments").named_children[0])
        stack.extend(n.children)
    raise AssertionError("no policy_document")


def test_overpermissive_remediation_is_the_scoped_fix(over: tuple[int, dict[str, dict[str, Any]]]) -> None:
    _, by_rule = over
    assert documents(by_rule["PF502"]["remediation"], "NewAssumeRolePolicyDocument") == [TRUST]
    assert "aliyun ram UpdateRole --RoleName AliyunECSImageExportDefaultRole" in by_rule["PF502"]["remediation"]
    for rule_id in ("PF504", "PF505"):
        fix = by_rule[rule_id]["remediation"]
        assert documents(fix, "PolicyDocument") == [scoped("team-shared-exports", "WebTier")]
        assert "AttachPolicyToRole --PolicyType Custom --PolicyName EcsImageExport" in fix
        assert "DetachPolicyFromRole" in fix
        # the same fix as Terraform and ROS, in full
        assert 'resource "alicloud_ram_policy" "image_export"' in fix
        hcl = fix.split("```hcl\n", 1)[1].split("\n```", 1)[0]
        policy_doc = terraform_policy(hcl)
        assert policy_doc == scoped("team-shared-exports", "WebTier")
        ros = json.loads(fix.split("```json\n", 1)[1].split("\n```", 1)[0])
        role = ros["ImageExportRole"]
        assert role["Type"] == "ALIYUN::RAM::Role"
        assert role["Properties"]["AssumeRolePolicyDocument"] == TRUST
        assert role["Properties"]["Policies"][0]["PolicyDocument"] == scoped("team-shared-exports", "WebTier")
        assert "unverified" in fix
    assert "ossutil api delete-bucket-policy --bucket team-shared-exports" in by_rule["PF506"]["remediation"]


def test_overpermissive_in_chinese_keeps_the_exact_fix(cli: Cli) -> None:
    _, by_rule = check(cli, OVERPERMISSIVE, "--lang", "zh")
    fix = by_rule["PF504"]["remediation"]
    assert documents(fix, "PolicyDocument") == [scoped("team-shared-exports", "WebTier")]
    assert "ALIYUN::RAM::Role" in fix and "alicloud_ram_role" in fix
    assert documents(by_rule["PF502"]["remediation"], "NewAssumeRolePolicyDocument") == [TRUST]


# -- the default documented setup ---------------------------------------------------------------------------


def test_documented_setup_gets_only_the_wildcard_warning(cli: Cli) -> None:
    code, by_rule = check(cli, DOCUMENTED)
    assert code == 0
    assert all(x["status"] in ("pass", "skip") for x in by_rule.values() if x["category"] == "precondition")
    not_passing = {(rid, x["status"]) for rid, x in by_rule.items() if x["status"] not in ("pass", "skip")}
    assert not_passing == {("PF505", "fail")}
    warning = by_rule["PF505"]
    assert warning["severity"] == "warning"
    assert warning["evidence"]["role.wildcard_resources"] == ["statement 1 of policy AliyunECSImageExportRolePolicy"]
    assert documents(warning["remediation"], "PolicyDocument") == [scoped("corp-image-exports", "WebTier")]


def test_a_deny_shows_in_the_permission_evidence(cli: Cli, write_json: Callable[[Any, str], Path]) -> None:
    doc = json.loads(DOCUMENTED.read_text(encoding="utf-8"))
    doc["roles"][0]["AttachedPolicies"]["Policy"].append({
        "PolicyName": "NoOverwrites", "PolicyType": "Custom",
        "PolicyDocument": json.dumps({"Version": "1", "Statement": [
            {"Effect": "Allow", "Action": "oss:ListObjects", "Resource": "*"},
            {"Effect": "Deny", "Action": ["oss:PutObject", "oss:DeleteObject"], "Resource": "*"}]})})
    code, by_rule = check(cli, write_json(doc, "deny.json"))
    assert code == 1
    result = by_rule["PF403"]
    assert result["status"] == "fail" and "oss:PutObject, oss:DeleteObject" in result["message"]
    decisions = result["evidence"]["role.export_decisions"]
    obj = f"acs:oss:*:{ACCOUNT}:corp-image-exports/WebTier_m-bp1web0tier00000001_system.raw.tar.gz"
    assert f"oss:PutObject on {obj}: denied by statement 2 of policy NoOverwrites" in decisions
    assert (f"oss:GetBucketInfo on acs:oss:*:{ACCOUNT}:corp-image-exports: allowed by statement 1 of policy "
            "AliyunECSImageExportRolePolicy") in decisions
    assert documents(result["remediation"], "PolicyDocument") == [scoped("corp-image-exports", "WebTier")]
