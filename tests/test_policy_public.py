"""Public bucket policies (issue 10): every OSS action that reads, lists, writes or deletes objects or their
versions counts, wildcards and NotAction included; ``"Principal": []`` is everyone (OSS documents it as
``["*"]``); only a Condition that admits listed sources or identities narrows who; each grant is worded by
what it exposes, in English and Chinese."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from preflight import oss_actions
from preflight import policy as pol
from preflight.errors import Worded
from preflight.facts import Unknown
from preflight.i18n import render
from tests.conftest import Cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
OBJECTS = "acs:oss:*:*:b/*"
WORDS = {"read": "读取", "list": "列出", "write": "写入", "delete": "删除"}


def grants(*statements: dict[str, Any]) -> list[str]:
    got = pol.public_grants(pol.parse_policy({"Version": "1", "Statement": list(statements)}))
    assert not isinstance(got, Unknown)
    return got


def allow(action: Any = None, principal: Any = ("*",), **kw: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": list(principal) if isinstance(principal, tuple)
                                 else principal, "Resource": OBJECTS, **kw}
    if action is not None:
        statement["Action"] = action
    return statement


@pytest.mark.parametrize(("action", "exposure"), sorted(oss_actions.OBJECT_ACTIONS.items()))
def test_every_object_action_granted_to_anyone_is_public(action: str, exposure: oss_actions.Exposure) -> None:
    (grant,) = grants(allow(action))
    assert grant == f"statement 1 lets anyone {exposure.value} objects ({action})"
    assert isinstance(grant, Worded)
    assert render(grant.msg, "zh") == f"语句 1 允许任何人{WORDS[exposure.value]}对象（{action}）"


@pytest.mark.parametrize(("statement", "expected"), [
    # the two: anyone lists every key and version, or downloads earlier exports by version id
    (allow("oss:ListObjectVersions"), "statement 1 lets anyone list objects (oss:ListObjectVersions)"),
    (allow("oss:GetObjectVersion"), "statement 1 lets anyone read objects (oss:GetObjectVersion)"),
    # an empty Principal list is "*"
    (allow("oss:GetObject", principal=[]), "statement 1 lets anyone read objects (oss:GetObject)"),
    (allow("oss:GetObject", principal="*"), "statement 1 lets anyone read objects (oss:GetObject)"),
    (allow("oss:GetObject", principal=["1234567890123456", "*"]),
     "statement 1 lets anyone read objects (oss:GetObject)"),
    # wildcards: only the patterns that reach object actions are named
    (allow(["oss:Get*", "oss:PutBucketAcl"]), "statement 1 lets anyone read objects (oss:Get*)"),
    (allow("oss:*"), "statement 1 lets anyone read, list, write, delete objects (oss:*)"),
    (allow("*"), "statement 1 lets anyone read, list, write, delete objects (*)"),
    (allow("OSS:LIST*"), "statement 1 lets anyone list objects (OSS:LIST*)"),
    (allow("oss:Delete*"), "statement 1 lets anyone delete objects (oss:Delete*)"),
    (allow(["oss:Put*Acl"]), "statement 1 lets anyone write objects (oss:Put*Acl)"),
    # NotAction: everything but what it lists
    (allow(NotAction=["oss:GetObject"]),
     "statement 1 lets anyone read, list, write, delete objects (NotAction: every action but oss:GetObject)"),
    (allow(NotAction=["oss:Get*", "oss:List*", "oss:Delete*", "oss:Replicate*", "oss:Abort*"]),
     "statement 1 lets anyone write objects (NotAction: every action but oss:Get*, oss:List*, oss:Delete*, "
     "oss:Replicate*, oss:Abort*)"),
    # Conditions that do not narrow who
    (allow("oss:GetObject", Condition={"Bool": {"acs:SecureTransport": "true"}}),
     "statement 1 lets anyone read objects (oss:GetObject)"),
    (allow("oss:GetObject", Condition={"StringLike": {"acs:Referer": "https://example.com/*"}}),
     "statement 1 lets anyone read objects (oss:GetObject)"),
    (allow("oss:GetObject", Condition={"NotIpAddress": {"acs:SourceIp": "203.0.113.7/32"}}),
     "statement 1 lets anyone read objects (oss:GetObject)"),
    (allow("oss:GetObject", Condition={"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "0.0.0.0/0"]}}),
     "statement 1 lets anyone read objects (oss:GetObject)"),
    (allow("oss:GetObject", Condition={"StringLike": {"acs:SourceVpc": "**"}}),
     "statement 1 lets anyone read objects (oss:GetObject)"),
    (allow("oss:GetObject", Condition={"StringNotEquals": {"acs:AccessId": "LTAI-x"}}),
     "statement 1 lets anyone read objects (oss:GetObject)"),
])
def test_public_grants(statement: dict[str, Any], expected: str) -> None:
    assert grants(statement) == [expected]


@pytest.mark.parametrize("statement", [
    allow("oss:GetObject", principal=["1234567890123456"]),
    allow("oss:GetObject", principal={"RAM": ["acs:ram::1234567890123456:root"]}),
    {**allow("oss:*"), "Effect": "Deny"},
    allow(["oss:GetBucketInfo", "oss:PutBucketAcl", "oss:GetObjectAcl", "oss:GetObjectTagging"]),
    allow(NotAction=["oss:*"]),
    allow("oss:GetObject", Condition={"IpAddress": {"acs:SourceIp": "192.168.0.0/16"}}),
    allow("oss:GetObject", Condition={"StringEquals": {"acs:SourceVpc": "vpc-t4nlw426y44rd3iq4"}}),
    allow("oss:GetObject", Condition={"StringLike": {"acs:SourceVpc": "vpc-t4n*"}}),
    allow("oss:GetObject", Condition={"StringEquals": {"acs:UserId": "20214760404935"}}),
])
def test_not_public(statement: dict[str, Any]) -> None:
    assert grants(statement) == []


def test_grants_are_listed_per_statement() -> None:
    assert grants(allow("oss:ListObjects", principal=["1"]), allow("oss:ListObjects"),
                  allow(["oss:DeleteObjectVersion", "oss:GetObject"])) == [
        "statement 2 lets anyone list objects (oss:ListObjects)",
        "statement 3 lets anyone read, delete objects (oss:DeleteObjectVersion, oss:GetObject)",
    ]


def test_the_action_list_is_data_with_its_source() -> None:
    source = Path(oss_actions.__file__).read_text(encoding="utf-8")
    assert "https://www.alibabacloud.com/help/en/oss/user-guide/authorization-syntax-and-elements" in source
    assert all(name.startswith("oss:") for name in oss_actions.OBJECT_ACTIONS)
    assert set(oss_actions.OBJECT_ACTIONS.values()) == set(oss_actions.Exposure)
    # the export's own object actions are all among them
    assert {a for a in pol.EXPORT_ACTIONS if a not in ("oss:GetBucketLocation", "oss:GetBucketInfo")} <= set(
        oss_actions.OBJECT_ACTIONS)


# ---------------------------------------------------------------------------------------------------------
# PF506 end to end, in both languages


def _with_bucket_policy(tmp_path: Path, policy: dict[str, Any]) -> str:
    snapshot: dict[str, Any] = json.loads((EXAMPLES / "documented-setup.json").read_text(encoding="utf-8"))
    snapshot["buckets"][0]["Policy"] = json.dumps(policy)
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("statement", "en", "zh"), [
    ({"Effect": "Allow", "Action": "oss:ListObjectVersions", "Principal": ["*"],
      "Resource": "acs:oss:*:*:corp-image-exports"},
     "statement 1 lets anyone list objects (oss:ListObjectVersions)",
     "语句 1 允许任何人列出对象（oss:ListObjectVersions）"),
    ({"Effect": "Allow", "Action": ["oss:GetObjectVersion", "oss:DeleteObjectVersion"], "Principal": [],
      "Resource": "acs:oss:*:*:corp-image-exports/*"},
     "statement 1 lets anyone read, delete objects (oss:GetObjectVersion, oss:DeleteObjectVersion)",
     "语句 1 允许任何人读取、删除对象（oss:GetObjectVersion、oss:DeleteObjectVersion）"),
])
def test_pf506_fails_and_says_what_is_exposed(cli: Cli, tmp_path: Path, statement: dict[str, Any], en: str,
                                              zh: str) -> None:
    path = _with_bucket_policy(tmp_path, {"Version": "1", "Statement": [statement]})
    result = cli("check", path, "--format", "json")
    assert result.code == 1
    (pf506,) = [r for r in result.json()["results"] if r["rule_id"] == "PF506"]
    assert pf506["status"] == "fail"
    assert pf506["message"] == ("The bucket policy of corp-image-exports opens the exported disk images to anyone "
                                f"on the internet: {en}")
    assert pf506["evidence"]["bucket.public_grants"] == [en]
    text = cli("check", path, "--lang", "zh").out
    assert f"Bucket corp-image-exports 的 Bucket Policy 向互联网上的任何人开放导出的磁盘镜像：{zh}" in text
