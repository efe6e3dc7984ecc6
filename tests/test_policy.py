"""Table tests for preflight/policy.py: parsing RAM/OSS policy documents and the export-role analysis.

Examples come from the seed (the ExportImage API reference) and domain.md §5 (RAM policy language).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import pytest

from preflight import policy as pol
from preflight.facts import ConditionClause, Policy, Principal, Statement, Unknown

ECS = "ecs.aliyuncs.com"
OTHER_ROOT = "acs:ram::9876543210987654:root"
SAML = "acs:ram::1234567890123456:saml-provider/corp-idp"
ALL = list(pol.EXPORT_ACTIONS)
BUCKET_LEVEL = [a for a in ALL if a in pol.BUCKET_LEVEL_ACTIONS]
OBJECT_LEVEL = [a for a in ALL if a not in pol.BUCKET_LEVEL_ACTIONS]

#: the seed's trust policy for AliyunECSImageExportDefaultRole
SEED_TRUST: dict[str, Any] = {
    "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": [ECS]}}],
    "Version": "1",
}
#: the seed's custom-policy alternative to AliyunECSImageExportRolePolicy
SEED_CUSTOM: dict[str, Any] = {
    "Version": "1",
    "Statement": [{"Action": ALL, "Resource": "*", "Effect": "Allow"}],
}
#: domain.md §5.3, the least-privilege proposal, for bucket "exports" and OSSPrefix "EcsExport"
LEAST_PRIVILEGE: dict[str, Any] = {"Version": "1", "Statement": [
    {"Effect": "Allow", "Action": ["oss:GetBucketLocation", "oss:GetBucketInfo", "oss:ListMultipartUploads"],
     "Resource": ["acs:oss:*:1234567890123456:exports"]},
    {"Effect": "Allow",
     "Action": ["oss:PutObject", "oss:GetObject", "oss:DeleteObject", "oss:ListParts", "oss:AbortMultipartUpload"],
     "Resource": ["acs:oss:*:1234567890123456:exports/EcsExport*"]},
]}


def st(**kw: Any) -> dict[str, Any]:
    """A statement document, Effect Allow unless given."""
    return {"Effect": "Allow", **kw}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "1", "Statement": list(statements)}


def trust(*statements: dict[str, Any]) -> Policy:
    return pol.parse_policy(doc(*statements))


def assume(principal: Any, effect: str = "Allow", action: Any = "sts:AssumeRole", **kw: Any) -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Principal": principal, **kw}


def statement(action: list[str] | None = None, *, not_action: list[str] | None = None, effect: str = "Allow",
              resource: list[str] | None = None) -> Statement:
    return Statement(1, None, effect, action or [], not_action or [], resource or ["*"], [], None, [])


# ---------------------------------------------------------------------------------------------------------
# parse_policy


def test_json_string_and_object_parse_the_same() -> None:
    assert asdict(pol.parse_policy(json.dumps(SEED_TRUST))) == asdict(pol.parse_policy(SEED_TRUST))
    assert asdict(pol.parse_policy(json.dumps(SEED_CUSTOM, indent=2))) == asdict(pol.parse_policy(SEED_CUSTOM))


def test_seed_trust_policy_parsed() -> None:
    assert asdict(pol.parse_policy(SEED_TRUST)) == asdict(Policy(
        Version="1",
        Statement=[Statement(index=1, Sid=None, Effect="Allow", Action=["sts:AssumeRole"], NotAction=[], Resource=[],
                             NotResource=[], Principal=Principal(Service=[ECS], RAM=[], Federated=[], Any=False),
                             Condition=[])],
    ))


def test_statement_given_as_a_single_object() -> None:
    p = pol.parse_policy({"Version": "1", "Statement": {"Effect": "Deny", "Action": "oss:*", "Resource": "*"}})
    assert [(s.index, s.Effect, s.Action, s.Resource) for s in p.Statement] == [(1, "Deny", ["oss:*"], ["*"])]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("Action", "oss:GetObject", ["oss:GetObject"]),
        ("Action", ["oss:GetObject", "oss:PutObject"], ["oss:GetObject", "oss:PutObject"]),
        ("Action", None, []),
        ("Action", [], []),
        ("NotAction", "ram:*", ["ram:*"]),
        ("Resource", "*", ["*"]),
        ("Resource", ["acs:oss:*:*:b", "acs:oss:*:*:b/*"], ["acs:oss:*:*:b", "acs:oss:*:*:b/*"]),
        ("NotResource", "acs:oss:*:*:b/*", ["acs:oss:*:*:b/*"]),
    ],
)
def test_string_or_list_values(field: str, value: Any, expected: list[str]) -> None:
    (s,) = pol.parse_policy(doc(st(**{field: value}))).Statement
    assert getattr(s, field) == expected


@pytest.mark.parametrize(
    ("version", "expected"), [("1", "1"), (1, "1"), (None, None)]
)
def test_version(version: Any, expected: str | None) -> None:
    d: dict[str, Any] = {"Statement": []}
    if version is not None:
        d["Version"] = version
    assert pol.parse_policy(d).Version == expected


def test_statement_indexes_are_one_based_and_sid_kept_only_as_text() -> None:
    p = pol.parse_policy(doc(st(Sid="first"), st(Sid=7), st()))
    assert [(s.index, s.Sid) for s in p.Statement] == [(1, "first"), (2, None), (3, None)]


def test_missing_statement_is_an_empty_policy() -> None:
    assert pol.parse_policy({"Version": "1"}).Statement == []


@pytest.mark.parametrize(
    ("document", "pointer", "fragment"),
    [
        ("{not json", "", "not valid JSON"),
        ('{"Version": "1", "Statement": [}', "", "not valid JSON"),
        ("", "", "not valid JSON"),
        ("null", "", "must be an object"),
        ("[]", "", "must be an object"),
        ([], "", "must be an object"),
        (5, "", "must be an object"),
        ({"Statement": "Allow"}, "/Statement", "list of statements"),
        ({"Statement": None}, "/Statement", "list of statements"),
        ({"Statement": ["x"]}, "/Statement/0", "must be an object"),
        (doc({"Action": "*"}), "/Statement/0/Effect", "Effect must be Allow or Deny"),
        (doc(st(Effect="allow")), "/Statement/0/Effect", "Effect must be Allow or Deny"),
        (doc(st(), st(Effect="Permit")), "/Statement/1/Effect", "'Permit'"),
        (doc(st(Action=5)), "/Statement/0/Action", "string or a list of strings"),
        (doc(st(Resource=["a", 1])), "/Statement/0/Resource", "string or a list of strings"),
        (doc(st(Principal="acs:ram::1:root")), "/Statement/0/Principal", "Principal must be"),
        (doc(st(Principal=5)), "/Statement/0/Principal", "Principal must be"),
        (doc(st(Principal={"AWS": "*"})), "/Statement/0/Principal", "unknown Principal kind 'AWS'"),
        (doc(st(Principal={"service": ECS})), "/Statement/0/Principal", "unknown Principal kind 'service'"),
        (doc(st(Principal={"Service": 5})), "/Statement/0/Principal/Service", "string or a list of strings"),
        (doc(st(Principal=["123", 4])), "/Statement/0/Principal", "string or a list of strings"),
        (doc(st(Condition="x")), "/Statement/0/Condition", "Condition must be an object"),
        (doc(st(Condition={"Bool": True})), "/Statement/0/Condition/Bool", "must map keys to values"),
        (doc(st(Condition={"StringEquals": {"k": [1]}})), "/Statement/0/Condition/StringEquals/k",
         "string or a list of strings"),
    ],
)
def test_malformed_documents(document: Any, pointer: str, fragment: str) -> None:
    with pytest.raises(pol.PolicyError) as exc:
        pol.parse_policy(document)
    assert exc.value.pointer == pointer
    assert fragment in str(exc.value)


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        ("*", Principal(Service=[], RAM=[], Federated=[], Any=True)),
        ({"Service": ECS}, Principal(Service=[ECS], RAM=[], Federated=[], Any=False)),
        ({"Service": [ECS, "fc.aliyuncs.com"]}, Principal(Service=[ECS, "fc.aliyuncs.com"], RAM=[], Federated=[],
                                                          Any=False)),
        # UpdateRole's sample writes a bare string
        ({"RAM": OTHER_ROOT}, Principal(Service=[], RAM=[OTHER_ROOT], Federated=[], Any=False)),
        ({"RAM": [OTHER_ROOT, "acs:ram::1234567890123456:user/alice"]},
         Principal(Service=[], RAM=[OTHER_ROOT, "acs:ram::1234567890123456:user/alice"], Federated=[], Any=False)),
        ({"Federated": SAML}, Principal(Service=[], RAM=[], Federated=[SAML], Any=False)),
        ({"Service": [ECS], "RAM": [OTHER_ROOT]}, Principal(Service=[ECS], RAM=[OTHER_ROOT], Federated=[], Any=False)),
        # {"RAM": "*"} is every RAM identity, not anyone: only a bare "*" is
        ({"RAM": ["*"]}, Principal(Service=[], RAM=["*"], Federated=[], Any=False)),
        ({"Service": None}, Principal(Service=[], RAM=[], Federated=[], Any=False)),
        ({}, Principal(Service=[], RAM=[], Federated=[], Any=False)),
        # OSS bucket policies: a list of account UIDs or "*"
        (["1234567890123456"], Principal(Service=[], RAM=["1234567890123456"], Federated=[], Any=False)),
        (["1234567890123456", "*"], Principal(Service=[], RAM=["1234567890123456"], Federated=[], Any=True)),
        (["*"], Principal(Service=[], RAM=[], Federated=[], Any=True)),
        # OSS: "an empty list [ ] is equivalent to [\"*\"]"
        ([], Principal(Service=[], RAM=[], Federated=[], Any=True)),
    ],
)
def test_principal_forms(principal: Any, expected: Principal) -> None:
    (s,) = pol.parse_policy(doc(assume(principal))).Statement
    assert s.Principal is not None
    assert asdict(s.Principal) == asdict(expected)


def test_no_principal_is_none() -> None:
    (s,) = pol.parse_policy(doc(st(Action="oss:*", Resource="*"))).Statement
    assert s.Principal is None


def test_oss_bucket_policy_list_form() -> None:
    bucket_policy = {"Version": "1", "Statement": [{
        "Effect": "Allow", "Action": ["oss:GetObject"], "Principal": ["*"],
        "Resource": ["acs:oss:*:1234567890123456:exports/*"],
    }]}
    (s,) = pol.parse_policy(json.dumps(bucket_policy)).Statement
    assert s.Principal is not None and s.Principal.Any
    assert s.Resource == ["acs:oss:*:1234567890123456:exports/*"]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"StringEquals": {"acs:SourceVpc": "vpc-1"}}, [ConditionClause("StringEquals", "acs:SourceVpc", ["vpc-1"])]),
        ({"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}},
         [ConditionClause("IpAddress", "acs:SourceIp", ["10.0.0.0/8", "192.168.0.0/16"])]),
        ({"Bool": {"acs:SecureTransport": True}}, [ConditionClause("Bool", "acs:SecureTransport", ["true"])]),
        ({"Bool": {"acs:MFAPresent": False}}, [ConditionClause("Bool", "acs:MFAPresent", ["false"])]),
        ({"NumericLessThan": {"oss:max-keys": 100}}, [ConditionClause("NumericLessThan", "oss:max-keys", ["100"])]),
        ({"NumericLessThan": {"k": 1.5}}, [ConditionClause("NumericLessThan", "k", ["1.5"])]),
        ({"StringEquals": {"a": "1", "b": "2"}, "Bool": {"c": "true"}},
         [ConditionClause("StringEquals", "a", ["1"]), ConditionClause("StringEquals", "b", ["2"]),
          ConditionClause("Bool", "c", ["true"])]),
        ({}, []),
        (None, []),
    ],
)
def test_conditions(condition: Any, expected: list[ConditionClause]) -> None:
    (s,) = pol.parse_policy(doc(st(Action="*", Resource="*", Condition=condition))).Statement
    assert [asdict(c) for c in s.Condition] == [asdict(c) for c in expected]


@pytest.mark.parametrize(
    "document",
    [
        pytest.param('{"Version": ' + "1" * 5000 + "}", id="int-beyond-str-digits-limit"),
        pytest.param("[" * 100_000, id="nested-too-deeply"),
        pytest.param("[" * 5000 + "]" * 5000, id="nested-too-deeply-closed"),
    ],
)
def test_json_that_python_refuses_is_a_policy_error(document: str) -> None:
    """json.loads raises ValueError / RecursionError besides JSONDecodeError (was a crash; fixed)."""
    with pytest.raises(pol.PolicyError):
        pol.parse_policy(document)


# ---------------------------------------------------------------------------------------------------------
# glob_match


@pytest.mark.parametrize(
    ("pattern", "value", "ignore_case", "expected"),
    [
        ("*", "", False, True),
        ("*", "anything at all", False, True),
        ("*", "multi\nline", False, True),
        ("oss:*", "oss:GetObject", False, True),
        ("oss:*", "oss:", False, True),
        ("oss:*", "sts:AssumeRole", False, False),
        ("oss:Get*", "oss:GetObject", False, True),
        ("oss:Get*", "oss:PutObject", False, False),
        ("ecs:Describe*", "ecs:DescribeImages", False, True),
        ("oss:*Object", "oss:GetObject", False, True),
        ("oss:*Object", "oss:GetObjectAcl", False, False),
        ("oss:Get?bject", "oss:GetObject", False, True),
        ("oss:Get?bject", "oss:Getbject", False, False),
        ("oss:Get?bject", "oss:GetOObject", False, False),
        ("?", "", False, False),
        ("?", "x", False, True),
        ("??", "x", False, False),
        # no character classes: brackets are literal
        ("[a]", "a", False, False),
        ("[a]", "[a]", False, True),
        ("oss:[GP]utObject", "oss:PutObject", False, False),
        ("[!a]", "b", False, False),
        # other regular-expression characters are literal too
        ("a.c", "abc", False, False),
        ("a.c", "a.c", False, True),
        ("a+", "aa", False, False),
        ("(a|b)", "a", False, False),
        ("^a$", "^a$", False, True),
        ("a\\*", "a\\xyz", False, True),
        # resources
        ("acs:oss:*:*:exports/*", "acs:oss:*:*:exports/EcsExport_m-1_system.raw.tar.gz", False, True),
        ("acs:oss:*:*:exports/*", "acs:oss:*:*:exports/a/b", False, True),
        ("acs:oss:*:*:exports", "acs:oss:*:*:exports/a", False, False),
        ("acs:oss:*:*:exports/*", "acs:oss:*:*:exports", False, False),
        ("acs:oss:*:*:Exports/*", "acs:oss:*:*:exports/a", False, False),
        # case: actions are compared without regard to case, resources with
        ("oss:getobject", "oss:GetObject", False, False),
        ("oss:getobject", "oss:GetObject", True, True),
        ("OSS:*", "oss:PutObject", True, True),
        ("sts:assume?ole", "STS:AssumeRole", True, True),
    ],
)
def test_glob_match(pattern: str, value: str, ignore_case: bool, expected: bool) -> None:
    assert pol.glob_match(pattern, value, ignore_case=ignore_case) is expected


# ---------------------------------------------------------------------------------------------------------
# action_covered


@pytest.mark.parametrize(
    ("stmt", "action", "expected"),
    [
        (statement(["oss:GetObject"]), "oss:GetObject", True),
        (statement(["oss:GetObject"]), "oss:getobject", True),
        (statement(["OSS:GETOBJECT"]), "oss:GetObject", True),
        (statement(["oss:*"]), "oss:PutObject", True),
        (statement(["*"]), "sts:AssumeRole", True),
        (statement(["oss:Get*"]), "oss:PutObject", False),
        (statement([]), "oss:GetObject", False),
        (statement(not_action=["oss:DeleteObject"]), "oss:GetObject", True),
        (statement(not_action=["oss:DeleteObject"]), "oss:DeleteObject", False),
        (statement(not_action=["oss:DeleteObject"]), "OSS:deleteobject", False),
        (statement(not_action=["oss:*"]), "oss:PutObject", False),
        (statement(not_action=["oss:*"]), "sts:AssumeRole", True),
        (statement(not_action=["ram:*", "sts:*"]), "oss:ListParts", True),
        (statement(not_action=["ram:*", "sts:*"]), "sts:AssumeRole", False),
    ],
)
def test_action_covered(stmt: Statement, action: str, expected: bool) -> None:
    assert pol.action_covered(stmt, action) is expected


# ---------------------------------------------------------------------------------------------------------
# ecs_can_assume


CONDITION = {"IpAddress": {"acs:SourceIp": "203.0.113.0/24"}}

ASSUME_CASES: list[tuple[str, list[dict[str, Any]], bool | type[Unknown]]] = [
    ("seed trust policy", SEED_TRUST["Statement"], True),
    ("Service as a bare string", [assume({"Service": ECS})], True),
    ("service name in another case", [assume({"Service": ["ECS.Aliyuncs.com"]})], True),
    ("ECS among other services", [assume({"Service": ["fc.aliyuncs.com", ECS]})], True),
    ("legacy <uid>@ecs.aliyuncs.com", [assume({"Service": ["1234567890123456@ecs.aliyuncs.com"]})], True),
    ("another service only", [assume({"Service": ["fc.aliyuncs.com"]})], False),
    ("a look-alike service", [assume({"Service": ["ecs.aliyuncs.com.evil"]})], False),
    ("RAM principal only", [assume({"RAM": [OTHER_ROOT]})], False),
    ("Principal *", [assume("*")], True),
    ("Service *", [assume({"Service": "*"})], True),
    # RAM rejects a trust statement without Principal: a truncated document, not "nobody" (was: False)
    ("no Principal", [st(Action="sts:AssumeRole")], Unknown),
    ("action sts:*", [assume({"Service": [ECS]}, action="sts:*")], True),
    ("action *", [assume({"Service": [ECS]}, action="*")], True),
    ("action in other case", [assume({"Service": [ECS]}, action="STS:assumerole")], True),
    ("action list", [assume({"Service": [ECS]}, action=["sts:GetCallerIdentity", "sts:AssumeRole"])], True),
    ("another action", [assume({"Service": [ECS]}, action="sts:GetCallerIdentity")], False),
    ("NotAction that spares AssumeRole", [assume({"Service": [ECS]}, action=None, NotAction=["ram:*"])], True),
    ("NotAction of AssumeRole", [assume({"Service": [ECS]}, action=None, NotAction=["sts:AssumeRole"])], False),
    ("empty policy", [], False),
    ("deny wins", [assume({"Service": [ECS]}), assume({"Service": [ECS]}, "Deny")], False),
    ("deny first, allow after: deny still wins", [assume({"Service": [ECS]}, "Deny"), assume({"Service": [ECS]})],
     False),
    ("deny to everyone", [assume({"Service": [ECS]}), assume("*", "Deny")], False),
    ("deny of sts:*", [assume({"Service": [ECS]}), assume({"Service": ECS}, "Deny", action="sts:*")], False),
    ("deny to a RAM principal does not touch ECS", [assume({"Service": [ECS], "RAM": [OTHER_ROOT]}),
                                                    assume({"RAM": [OTHER_ROOT]}, "Deny")], True),
    ("deny of another action", [assume({"Service": [ECS]}), assume("*", "Deny", action="sts:GetCallerIdentity")],
     True),
    ("conditional deny: unknown", [assume({"Service": [ECS]}), assume({"Service": [ECS]}, "Deny",
                                                                      Condition=CONDITION)], Unknown),
    ("conditional deny without any allow", [assume({"Service": [ECS]}, "Deny", Condition=CONDITION)], False),
    ("conditional and unconditional deny", [assume({"Service": [ECS]}),
                                            assume({"Service": [ECS]}, "Deny", Condition=CONDITION),
                                            assume({"Service": [ECS]}, "Deny")], False),
]


@pytest.mark.parametrize(("statements", "expected"), [pytest.param(s, e, id=i) for i, s, e in ASSUME_CASES])
def test_ecs_can_assume(statements: list[dict[str, Any]], expected: bool | type[Unknown]) -> None:
    got = pol.ecs_can_assume(trust(*statements))
    if expected is Unknown:
        assert isinstance(got, Unknown)
        assert any(why in str(got.reason) for why in ("conditional Deny (statement 2)", "statement 1 has no Principal"))
    else:
        assert got is expected


def test_conditional_allow_is_taken_to_hold_and_reported() -> None:
    """Issue 6: a Condition on the ECS principal is a warning (PF503), not a failed precondition: the Allow
    is taken to hold for PF402, and the Condition is listed for PF503 to warn about."""
    policy = trust(assume({"Service": [ECS]}, Condition=CONDITION))
    assert pol.ecs_can_assume(policy) is True
    assert len(pol.ecs_trust_conditions(policy)) == 1


def test_conditional_allow_beside_an_unconditional_one_is_allowed() -> None:
    policy = trust(assume({"Service": [ECS]}, Condition=CONDITION), assume({"Service": [ECS]}))
    assert pol.ecs_can_assume(policy) is True


def test_trust_policy_as_ram_returns_it() -> None:
    """GetRole returns AssumeRolePolicyDocument as a JSON string."""
    text = '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["ecs.aliyuncs.com"]}}],' \
           '"Version":"1"}'
    assert pol.ecs_can_assume(pol.parse_policy(text)) is True


# ---------------------------------------------------------------------------------------------------------
# other_principals


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        (SEED_TRUST["Statement"], []),
        ([assume({"Service": ["1234567890123456@ecs.aliyuncs.com"]})], []),
        ([assume({"Service": [ECS], "RAM": [OTHER_ROOT]})], [f"RAM:{OTHER_ROOT}"]),
        ([assume({"RAM": OTHER_ROOT})], [f"RAM:{OTHER_ROOT}"]),
        ([assume({"RAM": ["acs:ram::1234567890123456:role/ci"]})], ["RAM:acs:ram::1234567890123456:role/ci"]),
        ([assume({"Federated": SAML}, Condition={"StringEquals": {"saml:recipient": "https://signin.aliyun.com/saml-role/sso"}})],
         [f"Federated:{SAML}"]),
        ([assume("*")], ["*"]),
        ([assume({"Service": "*"})], ["Service:*"]),
        ([assume({"RAM": ["*"]})], ["RAM:*"]),
        ([assume({"Service": [ECS, "fc.aliyuncs.com"]})], ["Service:fc.aliyuncs.com"]),
        ([assume({"Service": [ECS]}, action="sts:*"), assume({"RAM": [OTHER_ROOT]}, action="*")],
         [f"RAM:{OTHER_ROOT}"]),
        # sorted, each once
        ([assume({"RAM": [OTHER_ROOT], "Federated": [SAML]}), assume({"RAM": [OTHER_ROOT]}), assume("*")],
         ["*", f"Federated:{SAML}", f"RAM:{OTHER_ROOT}"]),
        # only Allows of sts:AssumeRole count
        ([assume({"Service": [ECS]}), assume({"RAM": [OTHER_ROOT]}, "Deny")], []),
        ([assume({"RAM": [OTHER_ROOT]}, action="sts:GetCallerIdentity")], []),
        ([assume({"RAM": [OTHER_ROOT]}, action=None, NotAction="sts:AssumeRole")], []),
        # (a statement without Principal makes the answer unknown: tests/test_policy_broken.py)
    ],
)
def test_other_principals(statements: list[dict[str, Any]], expected: list[str]) -> None:
    assert pol.other_principals(trust(*statements)) == expected


# ---------------------------------------------------------------------------------------------------------
# missing_export_actions


OWNER = "1234567890123456"


def missing(documents: Sequence[tuple[str, dict[str, Any] | str | None]], bucket: str = "exports",
            prefix: str | None = "EcsExport", image_id: str | None = "m-bp1abc", account: str | None = None
            ) -> list[str] | Unknown:
    """missing_export_actions; with ``account`` (the bucket owner, when known) through ExportPermissions."""
    parsed = [(name, None if d is None else pol.parse_policy(d)) for name, d in documents]
    if account is not None:
        return pol.ExportPermissions(parsed).missing(bucket, prefix, image_id, account)
    return pol.missing_export_actions(parsed, bucket, prefix, image_id)


def test_export_targets() -> None:
    assert pol.export_targets("exports", "EcsExport", "m-1") == (
        "acs:oss:*:*:exports", "acs:oss:*:*:exports/EcsExport_m-1_system.raw.tar.gz")
    assert pol.export_targets("exports", None, None) == (
        "acs:oss:*:*:exports", "acs:oss:*:*:exports/_m-image_system.raw.tar.gz")


def bucket_scoped(bucket: str, *, objects: str = "/*", account: str = "1234567890123456") -> dict[str, Any]:
    return doc(st(Action=ALL, Resource=[f"acs:oss:*:{account}:{bucket}", f"acs:oss:*:{account}:{bucket}{objects}"]))


MISSING_CASES: list[tuple[str, list[tuple[str, Any]], dict[str, Any], list[str]]] = [
    ("seed custom policy, Resource *", [("EcsImageExport", SEED_CUSTOM)], {}, []),
    ("seed custom policy as RAM's JSON string", [("EcsImageExport", json.dumps(SEED_CUSTOM))], {}, []),
    ("default system policy named without document", [(pol.DEFAULT_EXPORT_POLICY, None)], {}, []),
    ("no policies", [], {}, ALL),
    ("a policy with no statements", [("Empty", {"Version": "1", "Statement": []})], {}, ALL),
    ("scoped to the bucket, owner known", [("Scoped", bucket_scoped("exports"))], {"account": OWNER}, []),
    ("scoped to the bucket, any account", [("Scoped", bucket_scoped("exports", account="*"))], {}, []),
    ("scoped to the bucket of another account", [("Scoped", bucket_scoped("exports", account="9876543210987654"))],
     {"account": OWNER}, ALL),
    ("scoped with a region in the ARN", [("Scoped", doc(st(Action=ALL, Resource=[
        "acs:oss:cn-hangzhou:1234567890123456:exports", "acs:oss:cn-hangzhou:1234567890123456:exports/*"])))],
     {"account": OWNER}, []),
    ("scoped to another bucket", [("Scoped", bucket_scoped("other-bucket"))], {}, ALL),
    ("scoped to a bucket whose name is a prefix of ours", [("Scoped", bucket_scoped("exp"))], {}, ALL),
    ("scoped to the bucket's objects only", [("Objects", doc(st(Action=ALL, Resource="acs:oss:*:*:exports/*")))], {},
     BUCKET_LEVEL),
    ("scoped to the bucket itself only", [("Bucket", doc(st(Action=ALL, Resource="acs:oss:*:*:exports")))], {},
     OBJECT_LEVEL),
    ("least privilege (domain §5.3), matching prefix", [("LeastPrivilege", LEAST_PRIVILEGE)], {"account": OWNER},
     []),
    ("least privilege, another prefix", [("LeastPrivilege", LEAST_PRIVILEGE)], {"prefix": "Other"}, OBJECT_LEVEL),
    ("least privilege, no prefix", [("LeastPrivilege", LEAST_PRIVILEGE)], {"prefix": None}, OBJECT_LEVEL),
    ("oss:* on *", [("OssAll", doc(st(Action="oss:*", Resource="*")))], {}, []),
    ("* on *", [("Admin", doc(st(Action="*", Resource="*")))], {}, []),
    ("actions in other case", [("Upper", doc(st(Action=[a.upper() for a in ALL], Resource="*")))], {}, []),
    ("wildcard actions", [("Wild", doc(st(Action=["oss:Get*", "oss:Put*", "oss:Delete*", "oss:*Multipart*",
                                                   "oss:ListParts"], Resource="*")))], {}, []),
    ("only some actions", [("Partial", doc(st(Action=["oss:PutObject", "oss:GetObject"], Resource="*")))], {},
     [a for a in ALL if a not in ("oss:PutObject", "oss:GetObject")]),
    ("split across two policies", [("A", doc(st(Action=ALL[:4], Resource="*"))),
                                   ("B", doc(st(Action=ALL[4:], Resource="*")))], {}, []),
    ("Deny of oss:DeleteObject", [("EcsImageExport", SEED_CUSTOM),
                                  ("NoDelete", doc(st(Effect="Deny", Action="oss:DeleteObject", Resource="*")))], {},
     ["oss:DeleteObject"]),
    ("Deny in the same policy", [("P", doc(st(Action="oss:*", Resource="*"),
                                           st(Effect="Deny", Action=["oss:Delete*", "oss:Abort*"], Resource="*")))],
     {}, ["oss:DeleteObject", "oss:AbortMultipartUpload"]),
    ("Deny beside the default system policy", [(pol.DEFAULT_EXPORT_POLICY, None),
                                               ("NoPut", doc(st(Effect="Deny", Action="oss:PutObject",
                                                                Resource="*")))], {}, ["oss:PutObject"]),
    ("Deny of another bucket does not apply", [("EcsImageExport", SEED_CUSTOM),
                                               ("DenyOther", doc(st(Effect="Deny", Action="oss:*",
                                                                    Resource="acs:oss:*:*:other/*")))], {}, []),
    ("Deny of everything except the export bucket", [
        ("EcsImageExport", SEED_CUSTOM),
        ("Guard", doc(st(Effect="Deny", Action="oss:*",
                         NotResource=["acs:oss:*:*:exports", "acs:oss:*:*:exports/*"])))], {}, []),
    ("NotAction-based allow", [("Broad", doc(st(NotAction=["ram:*", "sts:*"], Resource="*")))], {}, []),
    ("NotAction that excludes deletes", [("Broad", doc(st(NotAction="oss:Delete*", Resource="*")))], {},
     ["oss:DeleteObject"]),
    ("NotResource allow that excludes the objects", [("P", doc(st(Action=ALL, NotResource="acs:oss:*:*:exports/*")))],
     {}, OBJECT_LEVEL),
    ("NotResource allow that excludes another bucket", [("P", doc(st(Action=ALL, NotResource="acs:oss:*:*:other*")))],
     {}, []),
    ("definitely missing wins over conditional", [("P", doc(st(Action=ALL[1:], Resource="*", Condition=CONDITION)))],
     {}, ALL[:1]),
]


@pytest.mark.parametrize(("documents", "target", "expected"),
                         [pytest.param(d, t, e, id=i) for i, d, t, e in MISSING_CASES])
def test_missing_export_actions(documents: list[tuple[str, Any]], target: dict[str, Any], expected: list[str]) -> None:
    assert missing(documents, **target) == expected


@pytest.mark.parametrize("others", [[], [("EcsImageExport", SEED_CUSTOM)]])
def test_another_policy_without_document_is_unknown_not_nothing(others: list[tuple[str, Any]]) -> None:
    # it may Deny what the others grant: neither "grants nothing" (all missing) nor left out (nothing missing)
    got = missing([*others, ("SomethingElse", None)])
    assert isinstance(got, Unknown) and "SomethingElse" in str(got)


@pytest.mark.parametrize(
    ("documents", "actions"),
    [
        pytest.param([("Conditional", doc(st(Action=ALL, Resource="*", Condition=CONDITION)))], ALL,
                     id="conditional allow"),
        pytest.param([("EcsImageExport", SEED_CUSTOM),
                      ("MaybeDeny", doc(st(Effect="Deny", Action="oss:DeleteObject", Resource="*",
                                           Condition={"Bool": {"acs:SecureTransport": False}})))],
                     ["oss:DeleteObject"], id="conditional deny"),
        pytest.param([("A", doc(st(Action=ALL[:2], Resource="*", Condition=CONDITION))),
                      ("B", doc(st(Action=ALL[2:], Resource="*")))], ALL[:2], id="partly conditional"),
    ],
)
def test_conditions_make_the_answer_unknown(documents: list[tuple[str, Any]], actions: list[str]) -> None:
    got = missing(documents)
    assert isinstance(got, Unknown)
    assert str(got.reason) == "whether ECS may use " + ", ".join(actions) + " depends on policy Conditions"


@pytest.mark.parametrize("documents", [
    pytest.param([("Scoped", bucket_scoped("exports"))], id="scoped to the bucket"),
    pytest.param([("LeastPrivilege", LEAST_PRIVILEGE)], id="least privilege"),
])
def test_account_scoped_resources_need_the_bucket_owner(documents: list[tuple[str, Any]]) -> None:
    """A Resource naming an account covers the bucket only if that account owns it: unknown without the owner."""
    got = missing(documents)
    assert isinstance(got, Unknown)
    assert "account that owns bucket exports is not known" in str(got.reason)


def test_a_conditional_allow_beside_an_unconditional_one_is_enough() -> None:
    documents = [("Conditional", doc(st(Action=ALL, Resource="*", Condition=CONDITION))),
                 ("EcsImageExport", SEED_CUSTOM)]
    assert missing(documents) == []
