"""What the policy analysis found (PF403's decisions, PF503's conditions, PF504's excess permissions, PF505's
wildcard resources, PF506's public grants), worded in Chinese in a Chinese report — while the English text,
the evidence and the JSON stay word for word what they were."""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from preflight import policy as pol
from preflight.engine import to_json
from preflight.errors import Foreign, Msg
from preflight.i18n import render
from preflight.rules import format_value
from tests.conftest import Cli, CliResult
from tests.zhcheck import assert_chinese, english_prose

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _lines(out: str, rule_id: str) -> list[str]:
    """The message lines of a rule in a text report (the line holding its id)."""
    found = [line for line in out.splitlines() if f" {rule_id} " in line]
    assert found, f"{rule_id} not in the report"
    return found


def _snapshot(trust: list[dict[str, Any]], policies: dict[str, dict[str, Any]], bucket_policy: dict[str, Any]
              ) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((EXAMPLES / "overpermissive.json").read_text(encoding="utf-8"))
    role = doc["roles"][0]
    role["AssumeRolePolicyDocument"] = json.dumps({"Version": "1", "Statement": trust})
    role["AttachedPolicies"]["Policy"] = [
        {"PolicyName": name, "PolicyType": "Custom", "DefaultVersion": "v1", "PolicyDocument": json.dumps(d)}
        for name, d in policies.items()
    ]
    doc["buckets"][0]["Policy"] = json.dumps(bucket_policy)
    return doc


ECS_TRUST = {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": ["ecs.aliyuncs.com"]}}
CONDITIONAL_TRUST = {**ECS_TRUST, "Condition": {"IpAddress": {"acs:SourceIp": ["10.0.0.0/8"]}}}
WEIRD = {"Version": "1", "Statement": [
    {"Effect": "Allow", "Action": ["oss:GetObject", "oss:PutObject"], "Resource": "*"},
    {"Effect": "Allow", "NotAction": "ram:*", "Resource": "acs:oss:*:*:team-shared-exports/*"},
    {"Effect": "Allow", "Action": ["ram:CreateUser", "oss:PutBucketPolicy", "oss:DeleteObject"], "Resource": "*"},
]}
PUBLIC = {"Version": "1", "Statement": [
    {"Effect": "Allow", "Action": "oss:*", "Principal": ["*"], "Resource": "acs:oss:*:*:team-shared-exports/*"},
]}

# (snapshot, rule, the English message exactly as before, the Chinese message)
CASES = [
    pytest.param(
        None, "PF504",
        "RAM role AliyunECSImageExportDefaultRole is allowed more than export needs: oss:* in statement 1 of policy "
        "OssFullAccessForExports; anyone who can",
        "RAM 角色 AliyunECSImageExportDefaultRole 拥有超出导出所需的权限：策略 OssFullAccessForExports 的语句 1 中的 "
        "oss:*；任何能让 ECS 扮演该角色的人也会获得这些权限",
        id="PF504-example"),
    pytest.param(
        None, "PF505",
        "RAM role AliyunECSImageExportDefaultRole may use the export actions on every bucket of the account "
        '("Resource": "*" in statement 1 of policy OssFullAccessForExports)',
        "（策略 OssFullAccessForExports 的语句 1 中的 \"Resource\": \"*\"）",
        id="PF505-example"),
    pytest.param(
        None, "PF506",
        "The bucket policy of team-shared-exports opens the exported disk images to anyone on the internet: "
        "statement 1 lets anyone read, list objects (oss:GetObject, oss:ListObjects)",
        "向互联网上的任何人开放导出的磁盘镜像：语句 1 允许任何人读取、列出对象（oss:GetObject、oss:ListObjects）",
        id="PF506-example"),
    pytest.param(
        _snapshot([CONDITIONAL_TRUST], {"Weird": WEIRD}, PUBLIC), "PF504",
        "is allowed more than export needs: NotAction (allows everything but ram:*) in statement 2 of policy Weird, "
        "ram:CreateUser in statement 3 of policy Weird, oss:PutBucketPolicy in statement 3 of policy Weird;",
        "拥有超出导出所需的权限：策略 Weird 的语句 2 中的 NotAction（允许除 ram:* 之外的一切操作）、"
        "策略 Weird 的语句 3 中的 ram:CreateUser、策略 Weird 的语句 3 中的 oss:PutBucketPolicy；",
        id="PF504-not-action"),
    pytest.param(
        _snapshot([CONDITIONAL_TRUST], {"Weird": WEIRD}, PUBLIC), "PF505",
        '("Resource": "*" in statement 1 of policy Weird, statement 3 of policy Weird)',
        '（策略 Weird 的语句 1、策略 Weird 的语句 3 中的 "Resource": "*"）',
        id="PF505-two"),
    pytest.param(
        _snapshot([CONDITIONAL_TRUST], {"Weird": WEIRD}, PUBLIC), "PF506",
        "statement 1 lets anyone read, list, write, delete objects (oss:*)",
        "语句 1 允许任何人读取、列出、写入、删除对象（oss:*）",
        id="PF506-all"),
    pytest.param(
        _snapshot([CONDITIONAL_TRUST], {"Weird": WEIRD}, PUBLIC), "PF503",
        "ecs.aliyuncs.com (statement 1: IpAddress acs:SourceIp ['10.0.0.0/8']);",
        "（语句 1：IpAddress acs:SourceIp ['10.0.0.0/8']）",
        id="PF503"),
]


def _run(cli: Cli, tmp_path: Path, doc: dict[str, Any] | None, *args: str) -> CliResult:
    if doc is None:
        path = EXAMPLES / "overpermissive.json"
    else:
        path = tmp_path / "snap.json"
        path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return cli("check", str(path), *args)


@pytest.mark.parametrize(("doc", "rule_id", "en", "zh"), CASES)
def test_policy_findings_in_both_languages(cli: Cli, tmp_path: Path, doc: dict[str, Any] | None, rule_id: str,
                                           en: str, zh: str) -> None:
    english = " ".join(_run(cli, tmp_path, doc, "--lang", "en").out.split())
    assert en in english
    (line,) = _lines(_run(cli, tmp_path, doc, "--lang", "zh").out, rule_id)
    assert zh in line
    assert_chinese(line)


def test_documented_setup_wildcard_in_chinese(cli: Cli) -> None:
    (line,) = _lines(cli("check", str(EXAMPLES / "documented-setup.json"), "--lang", "zh").out, "PF505")
    assert "（策略 AliyunECSImageExportRolePolicy 的语句 1 中的 \"Resource\": \"*\"）" in line
    assert_chinese(line)


def test_evidence_and_json_stay_english(cli: Cli) -> None:
    path = str(EXAMPLES / "overpermissive.json")
    en, zh = (cli("check", path, "--format", "json", "--lang", lang).json() for lang in ("en", "zh"))
    evidence = [{r["rule_id"]: r["evidence"] for r in doc["results"]} for doc in (en, zh)]
    assert evidence[0] == evidence[1]
    assert evidence[1]["PF504"]["role.excess_permissions"] == ["oss:* in statement 1 of policy OssFullAccessForExports"]
    assert evidence[1]["PF505"]["role.wildcard_resources"] == ["statement 1 of policy OssFullAccessForExports"]
    assert evidence[1]["PF506"]["bucket.public_grants"] == [
        "statement 1 lets anyone read, list objects (oss:GetObject, oss:ListObjects)"]


RULE = """\
id: XP001
title: {en: Decisions shown, zh: 显示决定}
severity: info
category: security
when: {path: role, exists: true}
assert:
  not: {path: role.excess_permissions, contains: "oss:* in statement 1 of policy OssFullAccessForExports"}
message:
  en: "Decisions: {role.export_decisions}"
  zh: 决定：{role.export_decisions}
remediation: {en: Nothing., zh: 无需处理。}
"""


def test_decisions_in_a_rule_message_and_conditions_on_the_text(cli: Cli, tmp_path: Path) -> None:
    """A rule may show PF403's decisions (worded in the language of the report) and compare the English text
    of these facts (``contains`` still matches it)."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "XP001.yaml").write_text(RULE, encoding="utf-8")
    path = str(EXAMPLES / "overpermissive.json")
    (en,) = _lines(cli("check", path, "--rules", str(rules), "--lang", "en").out, "XP001")
    assert ("Decisions: oss:GetObject on acs:oss:*:1234567890123456:team-shared-exports/WebTier_m-bp1shared0web"
            "000001_system.raw.tar.gz: allowed by statement 1 of policy OssFullAccessForExports, ") in en
    (zh,) = _lines(cli("check", path, "--rules", str(rules), "--lang", "zh").out, "XP001")
    assert ("决定：对 acs:oss:*:1234567890123456:team-shared-exports/WebTier_m-bp1shared0web000001_system.raw.tar.gz"
            " 执行 oss:GetObject：允许（策略 OssFullAccessForExports 的语句 1）、") in zh
    assert_chinese(zh)
    doc = cli("check", path, "--rules", str(rules), "--format", "json", "--lang", "zh").json()
    (result,) = [r for r in doc["results"] if r["rule_id"] == "XP001"]
    assert result["status"] == "fail"


# ---------------------------------------------------------------------------------------------------------
# The decisions of the evaluator, one per effect

OBJECT = "acs:oss:*:*:b/p_m-image_system.raw.tar.gz"


def _decide(*statements: dict[str, Any], name: str = "P", context: dict[str, tuple[str, ...]] | None = None
            ) -> pol.Worded:
    policy = pol.parse_policy({"Version": "1", "Statement": list(statements)})
    request = pol.Request("oss:GetObject", OBJECT, context=context or {})
    return pol.evaluate([(name, policy)], request).explain(request)


ALLOW = {"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*"}
DENY = {"Effect": "Deny", "Action": "oss:*", "Resource": "*"}
IF_IP = {"IpAddress": {"acs:SourceIp": ["10.0.0.0/8"]}}
DECISIONS = [
    pytest.param((ALLOW,), f"oss:GetObject on {OBJECT}: allowed by statement 1 of policy P",
                 f"对 {OBJECT} 执行 oss:GetObject：允许（策略 P 的语句 1）", id="allow"),
    pytest.param((ALLOW, ALLOW),
                 f"oss:GetObject on {OBJECT}: allowed by statement 1 of policy P, statement 2 of policy P",
                 f"对 {OBJECT} 执行 oss:GetObject：允许（策略 P 的语句 1、策略 P 的语句 2）", id="allow-two"),
    pytest.param((ALLOW, DENY), f"oss:GetObject on {OBJECT}: denied by statement 2 of policy P",
                 f"对 {OBJECT} 执行 oss:GetObject：拒绝（策略 P 的语句 2）", id="deny"),
    pytest.param(({**ALLOW, "Condition": IF_IP},),
                 f"oss:GetObject on {OBJECT}: depends on acs:SourceIp (statement 1 of policy P (under its Condition))",
                 f"对 {OBJECT} 执行 oss:GetObject：取决于 acs:SourceIp（策略 P 的语句 1（在其 Condition 成立时））",
                 id="depends"),
    pytest.param(({"Effect": "Allow", "Action": "oss:PutObject", "Resource": "*"},),
                 f"oss:GetObject on {OBJECT}: no statement allows it",
                 f"对 {OBJECT} 执行 oss:GetObject：没有任何语句允许", id="none"),
]


@pytest.mark.parametrize(("statements", "en", "zh"), DECISIONS)
def test_decisions(statements: tuple[dict[str, Any], ...], en: str, zh: str) -> None:
    worded = _decide(*statements)
    assert worded == en and str(worded) == en
    assert render(worded, "zh") == zh == format_value(worded, "zh")
    assert_chinese(zh)


def test_decision_depending_on_its_condition_alone() -> None:
    ref = pol.StatementRef("P", 1, "Allow", True)
    request = pol.Request("oss:GetObject", OBJECT)
    worded = pol.Decision(pol.Effect.CONDITIONAL, (ref,)).explain(request)
    assert worded == (f"oss:GetObject on {OBJECT}: depends on its Condition "
                      "(statement 1 of policy P (under its Condition))")
    assert_chinese(render(worded, "zh"))
    assert str(ref) == "statement 1 of policy P (under its Condition)"


# ---------------------------------------------------------------------------------------------------------
# Worded: the English string everywhere but in a message of another language


def test_worded_is_its_english_text() -> None:
    (worded,) = pol.ExportPermissions([("Broad", pol.parse_policy(
        {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:*", "Resource": "*"}]}))]).excess()
    text = "oss:* in statement 1 of policy Broad"
    assert isinstance(worded, pol.Worded) and worded == text and hash(worded) == hash(text)
    assert sorted([worded, "a"]) == ["a", text] and f"{worded}" == text and json.dumps(worded) == json.dumps(text)
    for again in (copy.deepcopy(worded), pickle.loads(pickle.dumps(worded))):
        assert again == text and isinstance(again, pol.Worded) and render(again, "zh") == render(worded, "zh")
    # JSON and evidence get plain English strings
    converted = to_json([worded, Msg("snap.statement_ref", index=2, policy="P"), Foreign("json", "Extra data")])
    assert converted == [text, "statement 2 of policy P", "Extra data"]
    assert all(type(v) is str for v in converted)


def test_format_value_words_messages_in_the_language_of_the_text() -> None:
    msg = Msg("snap.public_grant", index=1, exposed=Msg("snap.exposure_read"), by="oss:GetObject")
    worded = pol.Worded(msg)
    assert format_value([worded, msg], "en") == ("statement 1 lets anyone read objects (oss:GetObject), "
                                                  "statement 1 lets anyone read objects (oss:GetObject)")
    assert format_value([worded, msg], "zh") == ("语句 1 允许任何人读取对象（oss:GetObject）、"
                                                  "语句 1 允许任何人读取对象（oss:GetObject）")
    assert format_value(Foreign("json", "Extra data"), "zh") == "JSON 值之后还有多余的内容"
    assert format_value("plain", "zh") == "plain"


# ---------------------------------------------------------------------------------------------------------
# tests/zhcheck.py: a bare number inside a run of English words does not hide it


@pytest.mark.parametrize("text", [
    "拥有超出导出所需的权限：oss:* in statement 1 of policy OssFullAccessForExports；",
    "（statement 1 of policy OssFullAccessForExports 中的 \"Resource\": \"*\"）",
    "NotAction (allows everything but ram:*) in statement 2 of policy Weird",
    "取决于 10 of the 12 statements",
])
def test_zhcheck_sees_english_across_numbers(text: str) -> None:
    assert english_prose(text)


@pytest.mark.parametrize("text", [
    "第 3 行 第 12 列：无效的值",
    "镜像 m-bp1abc 的 3 块数据盘：/dev/xvdb 500 GiB",
    "api-ecs-2014-05-26 ecs 2014 05 26",
    "v1 2 3 t5 x86_64 的 ImageFormat",
    "语句 1 允许任何人执行 oss:GetObject, oss:ListObjects",
])
def test_zhcheck_leaves_numbers_and_identifiers(text: str) -> None:
    assert not english_prose(text)
