"""Policy documents with a missing element (issue 10, item 3).

RAM and OSS reject a statement without Action/NotAction, without Resource/NotResource (permission and bucket
policies) or without Principal (trust and bucket policies), and a document without Statement. In a snapshot or
an IaC file such a document is truncated or broken: every answer read from it is unknown, with a reason naming
the statement and the element, and never "the statement does not exist" (which let an Allow win over a Deny
whose Resource was lost, or made a public bucket private when its Principal was lost).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preflight import policy as pol
from preflight.facts import Policy, Unknown
from preflight.i18n import render
from tests.conftest import Cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ECS = "ecs.aliyuncs.com"
ALL = list(pol.EXPORT_ACTIONS)

TRUST_OK = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": [ECS]}}
EXPORT_ALLOW = {"Effect": "Allow", "Action": ALL, "Resource": "*"}
PUBLIC_READ = {"Effect": "Allow", "Action": "oss:GetObject", "Principal": ["*"], "Resource": "acs:oss:*:*:b/*"}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "1", "Statement": list(statements)}


def without(statement: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in statement.items() if k not in keys}


# every answer read from each kind of document
TRUST_ANSWERS: dict[str, Callable[[Policy], Any]] = {
    "ecs_can_assume": pol.ecs_can_assume,
    "other_principals": pol.other_principals,
    "ecs_trust_conditions": pol.ecs_trust_conditions,
}
PERMISSION_ANSWERS: dict[str, Callable[[pol.ExportPermissions], Any]] = {
    "missing": lambda p: p.missing("b", "EcsExport", "m-1", "1234567890123456"),
    "decisions": lambda p: p.decisions("b", "EcsExport", "m-1", "1234567890123456"),
    "excess": lambda p: p.excess(),
    "wildcard_resources": lambda p: p.wildcard_resources(),
}


@pytest.mark.parametrize(("statements", "reason"), [
    # the Deny that shuts ECS out lost its Principal: before, it was ignored and ECS could assume the role
    ([TRUST_OK, without({**TRUST_OK, "Effect": "Deny"}, "Principal")], "statement 2 has no Principal"),
    ([without(TRUST_OK, "Action")], "statement 1 has no Action/NotAction"),
    ([TRUST_OK, {**TRUST_OK, "Principal": {}}], "statement 2 has no Principal"),
    ([TRUST_OK, {**TRUST_OK, "Principal": {"RAM": []}}], "statement 2 has no Principal"),
    ([without(TRUST_OK, "Action"), without(TRUST_OK, "Principal")],
     "statement 1 has no Action/NotAction, statement 2 has no Principal"),
])
@pytest.mark.parametrize("answer", list(TRUST_ANSWERS))
def test_broken_trust_policy_answers_unknown(statements: list[dict[str, Any]], reason: str, answer: str) -> None:
    got = TRUST_ANSWERS[answer](pol.parse_policy(doc(*statements)))
    assert isinstance(got, Unknown)
    assert str(got.reason).startswith("the trust policy cannot be read as RAM/OSS would (")
    assert reason in str(got.reason)


def test_trust_statements_need_no_resource() -> None:
    """A trust statement has no Resource: that is not a gap for a trust policy."""
    policy = pol.parse_policy(doc(TRUST_OK))
    assert pol.ecs_can_assume(policy) is True and pol.other_principals(policy) == []
    assert pol.broken(policy, pol.Kind.TRUST) is None
    assert isinstance(pol.broken(policy, pol.Kind.PERMISSION), Unknown)


@pytest.mark.parametrize(("documents", "reason"), [
    # a Deny of everything whose Resource was lost: before, the Allow won (nothing missing: go)
    ([("Allow", doc(EXPORT_ALLOW)), ("Guard", doc({"Effect": "Deny", "Action": "oss:*"}))],
     "policy Guard cannot be read as RAM/OSS would (statement 1 has no Resource/NotResource;"),
    ([("Allow", doc(EXPORT_ALLOW)), ("Guard", doc({"Effect": "Deny", "Resource": "*"}))],
     "statement 1 has no Action/NotAction"),
    ([("Allow", doc(EXPORT_ALLOW, {"Effect": "Deny", "Action": [], "Resource": []}))],
     "statement 2 has no Action/NotAction, statement 2 has no Resource/NotResource"),
    ([("Allow", doc(EXPORT_ALLOW)), ("Empty", {"Version": "1"})], "policy Empty has no Statement"),
])
@pytest.mark.parametrize("answer", list(PERMISSION_ANSWERS))
def test_broken_permission_policy_answers_unknown(documents: list[tuple[str, dict[str, Any]]], reason: str,
                                                  answer: str) -> None:
    perms = pol.ExportPermissions([(name, pol.parse_policy(d)) for name, d in documents])
    got = PERMISSION_ANSWERS[answer](perms)
    assert isinstance(got, Unknown)
    assert reason in str(got.reason)


def test_permission_statements_need_no_principal() -> None:
    perms = pol.ExportPermissions([("Allow", pol.parse_policy(doc(EXPORT_ALLOW)))])
    assert perms.missing("b", "EcsExport", "m-1") == []


@pytest.mark.parametrize(("statements", "reason"), [
    # the public statement lost its Principal: before, the bucket read as private (go)
    ([without(PUBLIC_READ, "Principal")], "statement 1 has no Principal"),
    ([without(PUBLIC_READ, "Resource")], "statement 1 has no Resource/NotResource"),
    ([without(PUBLIC_READ, "Action")], "statement 1 has no Action/NotAction"),
    ([PUBLIC_READ, without(PUBLIC_READ, "Principal")], "statement 2 has no Principal"),
])
def test_broken_bucket_policy_is_unknown_not_private(statements: list[dict[str, Any]], reason: str) -> None:
    got = pol.public_grants(pol.parse_policy(doc(*statements)))
    assert isinstance(got, Unknown)
    assert str(got.reason).startswith("the bucket policy cannot be read as RAM/OSS would (")
    assert reason in str(got.reason)


def test_bucket_policy_without_statement_is_unknown() -> None:
    got = pol.public_grants(pol.parse_policy({"Version": "1"}))
    assert isinstance(got, Unknown)
    assert str(got.reason) == ("the bucket policy has no Statement (RAM/OSS reject such a document), so what it "
                               "allows is not known")
    assert not isinstance(got.reason, str)
    assert render(got.reason, "zh") == ("Bucket 授权策略：没有 Statement（RAM/OSS 不接受这样的文档），"
                                       "因此不知道它允许什么")


def test_an_empty_statement_list_is_whole() -> None:
    """``"Statement": []`` is written out, not lost: it grants nothing."""
    assert pol.public_grants(pol.parse_policy({"Version": "1", "Statement": []})) == []


def test_evaluate_says_broken_and_explains_it() -> None:
    policy = pol.parse_policy(doc(EXPORT_ALLOW, {"Effect": "Deny", "Action": "oss:*"}))
    request = pol.Request("oss:PutObject", "acs:oss:*:*:b/x")
    decision = pol.evaluate([("P", policy)], request)
    assert decision.effect is pol.Effect.BROKEN and not decision.allowed
    assert decision.explain(request) == (
        "oss:PutObject on acs:oss:*:*:b/x: cannot tell (policy P cannot be read as RAM/OSS would (statement 2 has "
        "no Resource/NotResource; they reject such a document), so what it allows is not known)")
    # the same document read as a trust policy lacks a Principal in both statements instead
    trust = pol.evaluate([("trust", policy)], pol.Request(pol.ASSUME_ROLE, "*", pol.ECS_PRINCIPAL))
    assert trust.effect is pol.Effect.BROKEN and trust.unknown is not None
    assert "statement 1 has no Principal, statement 2 has no Principal" in str(trust.unknown.reason)


@pytest.mark.parametrize(("document", "kind", "pointer", "text"), [
    (doc(without(PUBLIC_READ, "Principal")), pol.Kind.BUCKET, "/Statement/0/Principal",
     "the statement has no Principal"),
    (doc(PUBLIC_READ, without(PUBLIC_READ, "Resource")), pol.Kind.BUCKET, "/Statement/1/Resource",
     "the statement has no Resource/NotResource"),
    (doc(without(EXPORT_ALLOW, "Action")), pol.Kind.PERMISSION, "/Statement/0/Action",
     "the statement has no Action/NotAction"),
    ({"Version": "1"}, pol.Kind.TRUST, "", "the policy document has no Statement"),
])
def test_require_makes_a_gap_bad_input(document: dict[str, Any], kind: pol.Kind, pointer: str, text: str) -> None:
    """For a caller that knows the kind (an IaC resource) a gap can be bad input, at its JSON pointer."""
    with pytest.raises(pol.PolicyError) as exc:
        pol.parse_policy(document, require=kind)
    assert (exc.value.pointer, str(exc.value)) == (pointer, text)
    # what the kind does not require is no error
    pol.parse_policy(doc(TRUST_OK), require=pol.Kind.TRUST)
    pol.parse_policy(doc(EXPORT_ALLOW), require=pol.Kind.PERMISSION)


def test_reasons_in_chinese() -> None:
    got = pol.public_grants(pol.parse_policy(doc(without(PUBLIC_READ, "Principal"))))
    assert isinstance(got, Unknown) and not isinstance(got.reason, str)
    assert render(got.reason, "zh") == ("Bucket 授权策略：无法按 RAM/OSS 的方式解读（语句 1 没有 Principal；"
                                       "RAM/OSS 不接受这样的文档），因此不知道它允许什么")


def test_evidence_still_shows_the_document_as_written() -> None:
    """The gaps are not a fact field: the JSON evidence of a parsed policy is unchanged."""
    from preflight.engine import to_json

    policy = pol.parse_policy(doc(without(PUBLIC_READ, "Principal")))
    assert set(to_json(policy)) == {"Version", "Statement"}


# ---------------------------------------------------------------------------------------------------------
# The property: removing one required element from any statement of a whole document never leaves an answer
# that reads as known


actions = st.sampled_from(["oss:*", "oss:GetObject", "oss:Get*", "sts:AssumeRole", "*", "oss:ListObjectVersions"])
resources = st.sampled_from(["*", "acs:oss:*:*:b", "acs:oss:*:*:b/*", "acs:oss:*:*:other/*"])
principals = st.sampled_from([["*"], [], ["1234567890123456"], {"Service": [ECS]}, {"RAM": ["acs:ram::1:root"]},
                              "*"])


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Deny"]))}
    out["NotAction" if draw(st.booleans()) else "Action"] = draw(st.lists(actions, min_size=1, max_size=2))
    out["NotResource" if draw(st.booleans()) else "Resource"] = draw(st.lists(resources, min_size=1, max_size=2))
    out["Principal"] = draw(principals)
    return out


ELEMENT_KEYS = {"Action": ("Action", "NotAction"), "Resource": ("Resource", "NotResource"),
                "Principal": ("Principal",)}


def answers(policy: Policy, kind: pol.Kind) -> list[Any]:
    if kind is pol.Kind.TRUST:
        return [f(policy) for f in TRUST_ANSWERS.values()]
    if kind is pol.Kind.BUCKET:
        return [pol.public_grants(policy)]
    perms = pol.ExportPermissions([("P", policy)])
    return [f(perms) for f in PERMISSION_ANSWERS.values()]


@settings(max_examples=300)
@given(body=st.lists(statements(), min_size=1, max_size=4), data=st.data())
def test_losing_a_required_element_makes_every_answer_unknown(body: list[dict[str, Any]], data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(list(pol.Kind)))
    whole = pol.parse_policy(doc(*body))
    assert not any(isinstance(a, Unknown) and "cannot be read" in str(a.reason) for a in answers(whole, kind))
    victim = data.draw(st.integers(0, len(body) - 1))
    element = data.draw(st.sampled_from(kind.required))
    cut = copy.deepcopy(body)
    for key in ELEMENT_KEYS[element]:
        cut[victim].pop(key, None)
    for got in answers(pol.parse_policy(json.dumps(doc(*cut))), kind):
        assert isinstance(got, Unknown), (kind, element, victim, got)
        assert f"statement {victim + 1} has no" in str(got.reason)


# ---------------------------------------------------------------------------------------------------------
# End to end: a snapshot of the documented setup says go; each lost element turns it into no-go (unknown)


def _documented() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EXAMPLES / "documented-setup.json").read_text(encoding="utf-8"))
    return loaded


def _with_custom_policies(snapshot: dict[str, Any], *documents: dict[str, Any]) -> None:
    snapshot["roles"][0]["AttachedPolicies"]["Policy"] = [
        {"PolicyName": f"P{i}", "PolicyType": "Custom", "DefaultVersion": "v1", "PolicyDocument": json.dumps(d)}
        for i, d in enumerate(documents, 1)]


def _lost_deny_resource(s: dict[str, Any]) -> None:
    _with_custom_policies(s, doc(EXPORT_ALLOW), doc({"Effect": "Deny", "Action": "oss:*"}))


def _lost_trust_principal(s: dict[str, Any]) -> None:
    s["roles"][0]["AssumeRolePolicyDocument"] = json.dumps(
        doc(TRUST_OK, without({**TRUST_OK, "Effect": "Deny"}, "Principal")))


def _lost_bucket_principal(s: dict[str, Any]) -> None:
    s["buckets"][0]["Policy"] = doc(without({**PUBLIC_READ, "Resource": "acs:oss:*:*:corp-image-exports/*"},
                                            "Principal"))


def _lost_bucket_statement(s: dict[str, Any]) -> None:
    s["buckets"][0]["Policy"] = json.dumps({"Version": "1"})


@pytest.mark.parametrize(("damage", "rule"), [
    (_lost_deny_resource, "PF403"),
    (_lost_trust_principal, "PF402"),
    (_lost_bucket_principal, "PF506"),
    (_lost_bucket_statement, "PF506"),
])
def test_a_lost_element_is_no_go(cli: Cli, tmp_path: Path, damage: Callable[[dict[str, Any]], None],
                                 rule: str) -> None:
    whole = tmp_path / "whole.json"
    whole.write_text(json.dumps(_documented()), encoding="utf-8")
    assert cli("check", str(whole)).code == 0
    snapshot = _documented()
    damage(snapshot)
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    result = cli("check", str(path), "--format", "json")
    assert result.code == 1
    (found,) = [r for r in result.json()["results"] if r["rule_id"] == rule]
    assert found["status"] == "unknown"
    assert "cannot be read as RAM/OSS would" in found["message"] or "has no Statement" in found["message"]
