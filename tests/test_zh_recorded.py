"""A snapshot keeps the reasons of its unknown facts in English (`preflight snapshot` writes them so); where
preflight worded a reason itself, a check in Chinese words it again from the catalogue; any other is kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from preflight.i18n import render
from preflight.msg import Foreign
from preflight.texts.foreign import WORDED
from tests.conftest import EXAMPLE, Cli
from tests.zhcheck import assert_chinese


@pytest.mark.parametrize(("english", "chinese"), [
    ("AccessDenied: the credentials lack oss:GetBucketPolicy (AccessDenied)",
     "AccessDenied：凭证缺少 oss:GetBucketPolicy 权限（AccessDenied）"),
    ("throttled after 3 retries (Throttling.User)", "重试 3 次后仍被限流（Throttling.User）"),
    ("HTTP 503 after 3 retries (ServiceUnavailable)", "重试 3 次后服务端仍返回 HTTP 503（ServiceUnavailable）"),
    ("endpoint https://ecs.example:443 unreachable after 2 retries", "重试 2 次后仍无法连接端点 https://ecs.example:443"),
    ("timed out after 2 retries (limit 10 s)", "重试 2 次后仍然超时（时限 10 秒）"),
    ("our CMDB says so", "快照文件报告（英文原文）：“our CMDB says so”"),  # not preflight's: quoted as written
    ("InternalError", "快照文件报告（英文原文）：“InternalError”"),  # a bare code matches every "{code}" message
])
def test_recorded_reasons_are_worded_again(english: str, chinese: str) -> None:
    assert render(Foreign(WORDED, english), "zh") == chinese
    assert render(Foreign(WORDED, english), "en") == english


def test_offline_check_of_a_captured_snapshot_speaks_chinese(cli: Cli, tmp_path: Path) -> None:
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    bucket = doc["buckets"][0]
    bucket.pop("Policy", None)
    doc.setdefault("unknown", []).append({
        "section": "buckets", "match": {"Name": bucket["Name"]}, "field": "Policy",
        "reason": "AccessDenied: the credentials lack oss:GetBucketPolicy (AccessDenied)"})
    path = tmp_path / "captured.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    zh = cli("check", str(path), "--lang", "zh").out.splitlines()
    lines = [x for x in zh if "GetBucketPolicy" in x]
    assert lines, "\n".join(zh)
    for line in lines:
        assert "凭证缺少 oss:GetBucketPolicy 权限" in line
        assert_chinese(line)
    en = cli("check", str(path), "-f", "json").json()
    reasons = [v for r in en["results"] for v in r["evidence"].values()
               if isinstance(v, dict) and "GetBucketPolicy" in str(v.get("unknown"))]
    assert reasons and all(v["unknown"] == "AccessDenied: the credentials lack oss:GetBucketPolicy (AccessDenied)"
                           for v in reasons)  # machine-readable evidence stays as recorded
