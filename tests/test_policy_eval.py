"""The RAM policy evaluator: table tests per element and operator, and a comparison with a small,
obviously correct reference evaluation on generated policies and requests (hypothesis).

Examples follow the RAM documentation's policy-element pages (domain.md §5) where one exists.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preflight import policy as pol
from preflight.policy import Effect, PrincipalRef, Request

BUCKET = "acs:oss:*:1234567890123456:exports"
OBJECT = f"{BUCKET}/EcsExport_m-1_system.raw.tar.gz"


def decide(*statements: dict[str, Any], request: Request) -> Effect:
    policy = pol.parse_policy({"Version": "1", "Statement": list(statements)})
    return pol.evaluate([("P", policy)], request).effect


def allow(**kw: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Resource": "*", **kw}


def deny(**kw: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Resource": "*", **kw}


# -- Effect, Action, Resource -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("statements", "request_", "expected"),
    [
        ([allow(Action="oss:GetObject")], Request("oss:GetObject", OBJECT), Effect.ALLOW),
        ([allow(Action="oss:GetObject")], Request("oss:PutObject", OBJECT), Effect.IMPLICIT_DENY),
        # "the Deny statement takes precedence over the Allow statement"
        ([allow(Action="oss:*"), deny(Action="oss:DeleteObject")], Request("oss:DeleteObject", OBJECT), Effect.DENY),
        ([allow(Action="oss:*"), deny(Action="oss:DeleteObject")], Request("oss:PutObject", OBJECT), Effect.ALLOW),
        # wildcards: `*` any run of characters, `?` exactly one; actions are not case-sensitive
        ([allow(Action="ecs:Describe*")], Request("ecs:DescribeImages"), Effect.ALLOW),
        ([allow(Action="oss:?etObject")], Request("oss:GetObject", OBJECT), Effect.ALLOW),
        ([allow(Action="oss:?etObject")], Request("oss:GGetObject", OBJECT), Effect.IMPLICIT_DENY),
        ([allow(Action="OSS:getobject")], Request("oss:GetObject", OBJECT), Effect.ALLOW),
        ([allow(Action="*")], Request("ram:CreateUser"), Effect.ALLOW),
        # NotAction "can result in granting broad permissions": everything but the listed actions
        ([allow(NotAction="ram:*")], Request("oss:PutObject", OBJECT), Effect.ALLOW),
        ([allow(NotAction="ram:*")], Request("ram:CreateUser"), Effect.IMPLICIT_DENY),
        # Resource and NotResource; resources are case-sensitive
        ([{"Effect": "Allow", "Action": "oss:GetObject", "Resource": f"{BUCKET}/*"}],
         Request("oss:GetObject", OBJECT), Effect.ALLOW),
        ([{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "acs:oss:*:*:other/*"}],
         Request("oss:GetObject", OBJECT), Effect.IMPLICIT_DENY),
        ([{"Effect": "Allow", "Action": "oss:GetObject", "Resource": f"{BUCKET.upper()}/*"}],
         Request("oss:GetObject", OBJECT), Effect.IMPLICIT_DENY),
        ([{"Effect": "Allow", "Action": "oss:GetObject", "NotResource": "acs:oss:*:*:other/*"}],
         Request("oss:GetObject", OBJECT), Effect.ALLOW),
        # OSS ARNs take only `*` as region: a region in the pattern does not narrow it
        ([{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "acs:oss:cn-hangzhou:*:exports/*"}],
         Request("oss:GetObject", OBJECT), Effect.ALLOW),
        # another account's bucket of the same name is not covered
        ([{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "acs:oss:*:999:exports/*"}],
         Request("oss:GetObject", OBJECT), Effect.IMPLICIT_DENY),
        # a permission statement without Resource is a broken document (RAM rejects it): nothing can be told
        ([{"Effect": "Allow", "Action": "oss:GetObject"}], Request("oss:GetObject", OBJECT), Effect.BROKEN),
    ],
)
def test_effect_action_resource(statements: list[dict[str, Any]], request_: Request, expected: Effect) -> None:
    assert decide(*statements, request=request_) is expected


# -- Condition operators ----------------------------------------------------------------------------------

def ctx(**values: str | tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return {k.replace("__", ":"): v if isinstance(v, tuple) else (v,) for k, v in values.items()}


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        ({"Bool": {"acs:SecureTransport": "true"}}, ctx(acs__SecureTransport="true"), Effect.ALLOW),
        ({"Bool": {"acs:SecureTransport": "true"}}, ctx(acs__SecureTransport="false"), Effect.IMPLICIT_DENY),
        ({"Bool": {"acs:SecureTransport": True}}, ctx(acs__SecureTransport="true"), Effect.ALLOW),
        ({"IpAddress": {"acs:SourceIp": ["192.168.0.0/16", "10.0.0.1"]}}, ctx(acs__SourceIp="192.168.3.4"),
         Effect.ALLOW),
        ({"IpAddress": {"acs:SourceIp": "192.168.0.0/16"}}, ctx(acs__SourceIp="172.16.0.1"), Effect.IMPLICIT_DENY),
        ({"NotIpAddress": {"acs:SourceIp": "192.168.0.0/16"}}, ctx(acs__SourceIp="172.16.0.1"), Effect.ALLOW),
        ({"StringEquals": {"acs:UserAgent": ["a", "b"]}}, ctx(acs__UserAgent="b"), Effect.ALLOW),
        ({"StringNotEquals": {"acs:UserAgent": ["a", "b"]}}, ctx(acs__UserAgent="b"), Effect.IMPLICIT_DENY),
        ({"StringNotEquals": {"acs:UserAgent": ["a", "b"]}}, ctx(acs__UserAgent="c"), Effect.ALLOW),
        ({"StringEqualsIgnoreCase": {"acs:UserAgent": "ABC"}}, ctx(acs__UserAgent="abc"), Effect.ALLOW),
        ({"StringNotEqualsIgnoreCase": {"acs:UserAgent": "ABC"}}, ctx(acs__UserAgent="abc"), Effect.IMPLICIT_DENY),
        ({"StringLike": {"oss:Prefix": "EcsExport*"}}, ctx(oss__Prefix="EcsExport1"), Effect.ALLOW),
        ({"StringNotLike": {"oss:Prefix": "EcsExport*"}}, ctx(oss__Prefix="EcsExport1"), Effect.IMPLICIT_DENY),
        ({"NumericLessThan": {"oss:max-keys": "100"}}, {"oss:max-keys": ("20",)}, Effect.ALLOW),
        ({"NumericGreaterThanEquals": {"oss:max-keys": "100"}}, {"oss:max-keys": ("20",)}, Effect.IMPLICIT_DENY),
        ({"NumericEquals": {"oss:max-keys": "20"}}, {"oss:max-keys": ("20.0",)}, Effect.ALLOW),
        ({"DateLessThan": {"acs:CurrentTime": "2027-01-01T00:00:00Z"}}, ctx(acs__CurrentTime="2026-11-27T10:00:00Z"),
         Effect.ALLOW),
        ({"DateGreaterThan": {"acs:CurrentTime": "2027-01-01T00:00:00Z"}},
         ctx(acs__CurrentTime="2026-11-27T10:00:00Z"), Effect.IMPLICIT_DENY),
        # keys are AND'd, values OR'd
        ({"Bool": {"acs:SecureTransport": "true"}, "IpAddress": {"acs:SourceIp": "10.0.0.0/8"}},
         ctx(acs__SecureTransport="true", acs__SourceIp="192.168.1.1"), Effect.IMPLICIT_DENY),
        # condition keys are not case-sensitive
        ({"Bool": {"ACS:securetransport": "true"}}, ctx(acs__SecureTransport="true"), Effect.ALLOW),
        # a key the request does not know, or an operator preflight does not understand: conditional
        ({"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}, {}, Effect.CONDITIONAL),
        ({"Frobnicate": {"acs:SourceIp": "10.0.0.0/8"}}, ctx(acs__SourceIp="10.0.0.1"), Effect.CONDITIONAL),
    ],
)
def test_condition_operators(condition: dict[str, Any], context: dict[str, tuple[str, ...]],
                             expected: Effect) -> None:
    request = Request("oss:GetObject", OBJECT, context=context)
    assert decide(allow(Action="oss:GetObject", Condition=condition), request=request) is expected


def test_conditional_deny_and_certain_deny() -> None:
    cond = {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}
    r = Request("oss:GetObject", OBJECT)
    assert decide(allow(Action="oss:*"), deny(Action="oss:GetObject", Condition=cond), request=r) is Effect.CONDITIONAL
    assert decide(allow(Action="oss:*"), deny(Action="oss:GetObject", Condition=cond), deny(Action="oss:Get*"),
                  request=r) is Effect.DENY
    # a conditional Deny with no Allow at all: denied whatever the condition says
    assert decide(deny(Action="oss:GetObject", Condition=cond), request=r) is Effect.IMPLICIT_DENY


# -- Principal --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("principal", "who", "expected"),
    [
        ({"Service": ["ecs.aliyuncs.com"]}, pol.ECS_PRINCIPAL, True),
        ({"Service": "ecs.aliyuncs.com"}, pol.ECS_PRINCIPAL, True),  # a bare string, as UpdateRole samples show
        ({"Service": ["1234567890123456@ecs.aliyuncs.com"]}, pol.ECS_PRINCIPAL, True),  # legacy form
        ({"Service": ["oss.aliyuncs.com"]}, pol.ECS_PRINCIPAL, False),
        ("*", pol.ECS_PRINCIPAL, True),
        ("*", pol.ANONYMOUS, True),
        ({"RAM": ["acs:ram::123:root"]}, PrincipalRef("RAM", "acs:ram::123:user/bob"), True),
        ({"RAM": "acs:ram::123:root"}, PrincipalRef("RAM", "acs:ram::456:user/bob"), False),
        ({"RAM": ["acs:ram::123:role/ops"]}, PrincipalRef("RAM", "acs:ram::123:role/ops"), True),
        ({"RAM": ["acs:ram::123:role/ops"]}, PrincipalRef("RAM", "acs:ram::123:user/bob"), False),
        ({"Federated": ["acs:ram::123:saml-provider/idp"]}, PrincipalRef("Federated", "acs:ram::123:saml-provider/idp"),
         True),
        (["123"], PrincipalRef("RAM", "123"), True),  # OSS bucket policies: a list of UIDs
        (["123"], pol.ANONYMOUS, False),
    ],
)
def test_principals(principal: Any, who: PrincipalRef, expected: bool) -> None:
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}
    effect = decide(statement, request=Request("sts:AssumeRole", "*", who))
    assert (effect is Effect.ALLOW) is expected


def test_decisions_name_the_deciding_statement() -> None:
    policy = pol.parse_policy({"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "oss:*", "Resource": "acs:oss:*:*:exports/*"},
        {"Effect": "Deny", "Action": "oss:DeleteObject", "Resource": "*"}]})
    request = Request("oss:DeleteObject", OBJECT)
    decision = pol.evaluate([("ExportWriter", policy)], request)
    assert decision.effect is Effect.DENY
    assert decision.explain(request) == f"oss:DeleteObject on {OBJECT}: denied by statement 2 of policy ExportWriter"
    request = Request("oss:PutObject", OBJECT)
    assert pol.evaluate([("ExportWriter", policy)], request).explain(request) == (
        f"oss:PutObject on {OBJECT}: allowed by statement 1 of policy ExportWriter")


def test_export_permissions_report_excess_and_wildcards() -> None:
    broad = pol.parse_policy({"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["oss:*", "ram:PassRole"], "Resource": "*"},
        {"Effect": "Allow", "NotAction": "ram:*", "Resource": "*"}]})
    perms = pol.ExportPermissions([("Broad", broad)])
    assert perms.missing("exports", "EcsExport", "m-1", "123") == []
    excess = perms.excess()
    assert "oss:* in statement 1 of policy Broad" in excess and "ram:PassRole in statement 1 of policy Broad" in excess
    assert any(e.startswith("NotAction") for e in excess)
    assert perms.wildcard_resources() == ["statement 1 of policy Broad", "statement 2 of policy Broad"]
    default = pol.ExportPermissions([(pol.DEFAULT_EXPORT_POLICY, None)])
    assert default.excess() == []
    assert default.wildcard_resources() == [f"statement 1 of policy {pol.DEFAULT_EXPORT_POLICY}"]


def test_least_privilege_fix_is_valid_and_sufficient() -> None:
    import json

    fix = pol.least_privilege_fix("AliyunECSImageExportDefaultRole", "exports", "EcsExport", "123")
    scoped = pol.parse_policy(fix["permission_policy"])
    perms = pol.ExportPermissions([("Scoped", scoped)])
    assert perms.missing("exports", "EcsExport", "m-1", "123") == []
    assert perms.missing("other", "EcsExport", "m-1", "123") == list(pol.EXPORT_ACTIONS)
    assert perms.excess() == [] and perms.wildcard_resources() == []
    trust = pol.parse_policy(fix["trust_policy"])
    assert pol.ecs_can_assume(trust) is True and pol.other_principals(trust) == []
    assert 'resource "alicloud_ram_role"' in fix["terraform"] and "jsonencode(" in fix["terraform"]
    ros = json.loads(fix["ros"])
    assert ros["ImageExportRole"]["Type"] == "ALIYUN::RAM::Role"


def test_public_bucket_policy_grants() -> None:
    public = pol.parse_policy({"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["oss:GetObject"], "Principal": ["*"], "Resource": ["acs:oss:*:*:b/*"]},
        {"Effect": "Allow", "Action": ["oss:GetObject"], "Principal": ["*"], "Resource": ["acs:oss:*:*:b/*"],
         "Condition": {"IpAddress": {"acs:SourceIp": ["10.0.0.0/8"]}}},
        {"Effect": "Allow", "Action": ["oss:*"], "Principal": ["*"], "Resource": ["acs:oss:*:*:b/*"],
         "Condition": {"Bool": {"acs:SecureTransport": ["true"]}}},
        {"Effect": "Allow", "Action": ["oss:GetObject"], "Principal": ["20214760404935"], "Resource": ["*"]}]})
    assert pol.public_grants(public) == [
        "statement 1 lets anyone read objects (oss:GetObject)",
        "statement 3 lets anyone read, list, write, delete objects (oss:*)",
    ]


# -- a reference evaluator, and hypothesis ------------------------------------------------------------------

def ref_match(pattern: str, value: str) -> bool:
    """Wildcard matching by the definition: `*` any run (also empty), `?` exactly one character."""
    if not pattern:
        return not value
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        return any(ref_match(rest, value[i:]) for i in range(len(value) + 1))
    if not value:
        return False
    return (head == "?" or head == value[0]) and ref_match(rest, value[1:])


def ref_evaluate(statements: list[dict[str, Any]], action: str, resource: str,
                 context: dict[str, tuple[str, ...]]) -> Effect:
    def listed(s: dict[str, Any], key: str) -> list[str]:
        v = s.get(key, [])
        return [v] if isinstance(v, str) else list(v)

    outcomes = []
    for s in statements:
        if "NotAction" in s:
            acts = not any(ref_match(p.lower(), action.lower()) for p in listed(s, "NotAction"))
        else:
            acts = any(ref_match(p.lower(), action.lower()) for p in listed(s, "Action"))
        if "NotResource" in s:
            res = not any(ref_match(p, resource) for p in listed(s, "NotResource"))
        else:
            res = any(ref_match(p, resource) for p in listed(s, "Resource"))
        if not (acts and res):
            continue
        cond: bool | None = True
        for key, wanted in s.get("Condition", {}).get("StringEquals", {}).items():
            if key not in context:
                cond = None if cond is not False else False
            elif not any(v in wanted for v in context[key]):
                cond = False
        outcomes.append((s["Effect"], cond))
    if ("Deny", True) in outcomes:
        return Effect.DENY
    if not any(e == "Allow" and c is not False for e, c in outcomes):
        return Effect.IMPLICIT_DENY
    if ("Deny", None) in outcomes or ("Allow", True) not in outcomes:
        return Effect.CONDITIONAL
    return Effect.ALLOW


ACTIONS = ["oss:GetObject", "oss:PutObject", "oss:DeleteObject", "ram:CreateUser", "ecs:DescribeImages"]
ACTION_PATTERNS = [*ACTIONS, "oss:*", "*", "oss:Get*", "oss:?utObject", "OSS:getobject", "ecs:Describe*", "ram:*"]
RESOURCES = ["acs:oss:*:*:b", "acs:oss:*:*:b/p1", "acs:oss:*:*:b/q", "acs:oss:*:*:c/p1"]
RESOURCE_PATTERNS = ["*", "acs:oss:*:*:b", "acs:oss:*:*:b/*", "acs:oss:*:*:b/p*", "acs:oss:*:*:?/*", "acs:oss:*:*:c*"]
KEY = "acs:UserAgent"


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    s: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Deny"]))}
    action_key = draw(st.sampled_from(["Action", "NotAction"]))
    s[action_key] = draw(st.one_of(st.sampled_from(ACTION_PATTERNS),
                                   st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3)))
    resource_key = draw(st.sampled_from(["Resource", "Resource", "NotResource"]))
    s[resource_key] = draw(st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=2))
    if draw(st.booleans()):
        s["Condition"] = {"StringEquals": {KEY: draw(st.lists(st.sampled_from(["a", "b"]), min_size=1, max_size=2))}}
    return s


@settings(max_examples=400, deadline=None, database=None)
@given(
    policy=st.lists(statements(), min_size=1, max_size=4),
    action=st.sampled_from(ACTIONS),
    resource=st.sampled_from(RESOURCES),
    context=st.sampled_from([{}, {KEY: ("a",)}, {KEY: ("b",)}, {KEY: ("c",)}]),
)
def test_evaluator_agrees_with_the_reference(policy: list[dict[str, Any]], action: str, resource: str,
                                             context: dict[str, tuple[str, ...]]) -> None:
    got = decide(*policy, request=Request(action, resource, context=context))
    assert got is ref_evaluate(policy, action, resource, context)


# -- a policy whose document could not be read makes the answers it could change unknown, never vanishes ----

SCOPED = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": list(pol.EXPORT_ACTIONS),
                                         "Resource": ["acs:oss:*:*:exports", "acs:oss:*:*:exports/*"]}]}
BROAD = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:*", "Resource": "*"}]}


@pytest.mark.parametrize("how", ["none", "unread"])
@pytest.mark.parametrize(("known", "certain"), [
    ([], {}),  # nothing read: all missing before, now unknown
    ([("Scoped", SCOPED)], {}),  # read ones allow all: the unread one may Deny
    ([("Broad", BROAD)], {"excess": True, "wildcard": True}),  # what is read to be too broad stays a finding
    ([(pol.DEFAULT_EXPORT_POLICY, None)], {"wildcard": True}),  # the documented system policy is read as such
])
def test_a_policy_not_read_makes_the_answer_unknown(how: str, known: list[tuple[str, Any]],
                                                     certain: dict[str, bool]) -> None:
    documents = [(name, pol.parse_policy(doc) if doc is not None else None) for name, doc in known]
    perms = (pol.ExportPermissions([*documents, ("CustomDeny", None)]) if how == "none"
             else pol.ExportPermissions(documents, ["CustomDeny"]))
    missing = perms.missing("exports", "EcsExport", "m-1", "123")
    assert isinstance(missing, pol.Unknown) and "CustomDeny" in str(missing)
    assert isinstance(perms.decisions("exports", "EcsExport", "m-1", "123"), list)  # evidence of what was read
    for name, found in (("excess", perms.excess()), ("wildcard", perms.wildcard_resources())):
        if certain.get(name):
            assert isinstance(found, list) and found, name
        else:
            assert isinstance(found, pol.Unknown) and "CustomDeny" in str(found), name
    assert isinstance(pol.missing_export_actions([*documents, ("CustomDeny", None)], "exports", "EcsExport", "m-1"),
                      pol.Unknown)


def test_every_document_read_keeps_the_answer() -> None:
    perms = pol.ExportPermissions([("Scoped", pol.parse_policy(SCOPED))], [])
    assert perms.missing("exports", "EcsExport", "m-1", "123") == [] and perms.unread is None
    assert pol.ExportPermissions([]).missing("exports", "EcsExport", "m-1", "123") == list(pol.EXPORT_ACTIONS)
