"""The CLI's live mode end to end (``python -m preflight`` in a subprocess, the fake cloud on 127.0.0.1).

The round trip: ``check --live`` gives the same results as ``check`` on the snapshot ``preflight snapshot``
wrote, because live mode is "collect a snapshot document, then check it".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.fakecloud import FakeCloud, Fault

pytest_plugins = ("tests.fakecloud.plugin",)

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = [
    {"RegionId": "cn-hangzhou", "ImageId": "m-hzok0000000000001", "OSSBucket": "exports-hz", "OSSPrefix": "EcsExport"},
    {"RegionId": "cn-hangzhou", "ImageId": "m-hzwin000000000001", "OSSBucket": "exports-kms", "ImageFormat": "qcow2"},
    {
        "RegionId": "cn-hangzhou",
        "ImageId": "m-hzbusy00000000001",
        "OSSBucket": "exports-public",
        "RoleName": "ExportRoleWide",
    },
    {"RegionId": "cn-hangzhou", "ImageId": "m-hzmkt000000000001", "OSSBucket": "exports-archive"},
    {
        "RegionId": "cn-beijing",
        "ImageId": "m-bjok0000000000001",
        "OSSBucket": "exports-bj",
        "RoleName": "ExportRoleLegacy",
    },
    {
        "RegionId": "cn-beijing",
        "ImageId": "m-gone0000000000001",
        "OSSBucket": "no-such-bucket",
        "RoleName": "NoSuchRole",
    },
]


def env_for(cloud: FakeCloud, home: Path, **extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "PYTHONPATH": str(ROOT),
        "PREFLIGHT_LOOPBACK_ONLY": "1",  # never the real cloud, whatever the test forgets
        "ALIBABA_CLOUD_ACCESS_KEY_ID": cloud.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": cloud.access_key_secret,
        **{f"PREFLIGHT_ENDPOINT_{s.upper()}": url for s, url in cloud.endpoints.items()},
    }
    env.update(extra)
    return {k: v for k, v in env.items() if v}


def preflight(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "preflight", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def comparable(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Results without what legitimately differs: the file location a snapshot check points into, and the
    order (a snapshot's exports are reported in file order, live ones by subject)."""
    results = [{k: v for k, v in r.items() if k != "location"} for r in report["results"]]
    return sorted(results, key=lambda r: (r["subject"], r["rule_id"]))


def test_live_check_equals_the_check_of_the_snapshot_it_writes(fake_cloud: FakeCloud, tmp_path: Path) -> None:
    fake_cloud.add_fault(Fault(action="GetBucketPolicy", kind="deny", where={"bucket": "exports-bj"}))
    fake_cloud.add_fault(Fault(action="GetPolicy", kind="deny", where={"PolicyName": "legacy-export"}))
    requests_file = tmp_path / "requests.json"
    requests_file.write_text(json.dumps(REQUESTS))
    snap = tmp_path / "snap.json"
    env = env_for(fake_cloud, tmp_path)

    written = preflight(env, "snapshot", "--requests", str(requests_file), "-o", str(snap))
    assert written.returncode == 0, written.stderr
    live = preflight(env, "check", "--live", "--requests", str(requests_file), "-f", "json")
    offline = preflight(env, "check", str(snap), "-f", "json")

    assert live.returncode == offline.returncode == 1, (live.stderr, offline.stderr)
    live_report, offline_report = json.loads(live.stdout), json.loads(offline.stdout)
    assert live_report["mode"] == "live" and offline_report["mode"] == "snapshot"
    assert comparable(live_report) == comparable(offline_report)
    assert live_report["summary"] == offline_report["summary"]
    assert live_report["summary"]["unknown"] >= 1  # the role's denied policy document is unknown, in both
    document = json.loads(snap.read_text())
    assert document["exports"] == REQUESTS
    assert document["unknown"] == [
        {
            "section": "buckets",
            "match": {"Name": "exports-bj"},
            "field": "Policy",
            "reason": "AccessDenied: the credentials lack oss:GetBucketPolicy (AccessDenied)",
            "key": "live.denied",
            "values": {"permission": "oss:GetBucketPolicy", "code": "AccessDenied"},
        },
        {
            "section": "roles",
            "match": {"RoleName": "ExportRoleLegacy"},
            "field": "AttachedPolicies/legacy-export",
            "reason": "AccessDenied: the credentials lack ram:GetPolicy (NoPermission)",
            "key": "live.denied",
            "values": {"permission": "ram:GetPolicy", "code": "NoPermission"},
        },
    ]
    for text in (written.stdout, written.stderr, live.stdout, live.stderr, snap.read_text()):
        assert fake_cloud.access_key_secret not in text


def test_single_request_flags(fake_cloud: FakeCloud, tmp_path: Path) -> None:
    flags = ["--RegionId", "cn-beijing", "--ImageId", "m-bjok0000000000001", "--OSSBucket", "exports-bj"]
    proc = preflight(env_for(fake_cloud, tmp_path), "snapshot", *flags, "--RoleName", "ExportRoleLegacy")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["exports"] == [
        {
            "RegionId": "cn-beijing",
            "ImageId": "m-bjok0000000000001",
            "OSSBucket": "exports-bj",
            "RoleName": "ExportRoleLegacy",
        }
    ]
    assert [r["RoleName"] for r in doc["roles"]] == ["ExportRoleLegacy"]
    assert "unknown" not in doc


def test_no_credentials_exit_2_with_one_line(fake_cloud: FakeCloud, tmp_path: Path) -> None:
    env = env_for(fake_cloud, tmp_path, ALIBABA_CLOUD_ACCESS_KEY_ID="", ALIBABA_CLOUD_ACCESS_KEY_SECRET="")
    proc = preflight(env, "check", "--live", "--RegionId", "cn-beijing", "--ImageId", "m-1", "--OSSBucket", "b")
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in lines[0] and "--profile" in lines[0]
    assert fake_cloud.count() == 0


def test_profile_flag(fake_cloud: FakeCloud, tmp_path: Path) -> None:
    (tmp_path / ".aliyun").mkdir()
    profile = {
        "name": "fake",
        "mode": "AK",
        "access_key_id": fake_cloud.access_key_id,
        "access_key_secret": fake_cloud.access_key_secret,
    }
    (tmp_path / ".aliyun" / "config.json").write_text(json.dumps({"current": "", "profiles": [profile]}))
    env = env_for(fake_cloud, tmp_path, ALIBABA_CLOUD_ACCESS_KEY_ID="", ALIBABA_CLOUD_ACCESS_KEY_SECRET="")
    flags = ["--RegionId", "cn-beijing", "--ImageId", "m-bjok0000000000001", "--OSSBucket", "exports-bj"]
    proc = preflight(env, "snapshot", "--profile", "fake", *flags)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["account_id"] == "1234567890123456"


def test_bad_endpoint_exit_2(fake_cloud: FakeCloud, tmp_path: Path) -> None:
    flags = ["--RegionId", "cn-beijing", "--ImageId", "m-1", "--OSSBucket", "b"]
    proc = preflight(env_for(fake_cloud, tmp_path), "check", "--live", "--endpoint", "ecs=ftp://127.0.0.1:1", *flags)
    assert proc.returncode == 2
    assert "ecs" in proc.stderr and "Traceback" not in proc.stderr
    assert fake_cloud.count() == 0


def test_importing_the_live_source_loads_no_sdk() -> None:
    code = (
        "import sys, preflight.sources.live, preflight.sources.live_clients, preflight.sources.live_errors\n"
        "print([m for m in sys.modules if m.startswith(('alibabacloud', 'darabonba', 'Tea'))])"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
