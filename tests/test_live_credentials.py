"""Where live mode's credentials come from: the standard chain, --profile, and the errors when there are none.

The live source builds the chain from the environment as it is at call time (the credentials package reads
it once, at import), so most cases run in-process with a patched environment; one subprocess proves the
real-world order (environment set before Python starts, package imported once, several profiles used).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from preflight.errors import PreflightError
from preflight.sources.live import collect
from tests.fakecloud import FakeCloud

pytest_plugins = ("tests.fakecloud.plugin",)

ROOT = Path(__file__).resolve().parent.parent
REQUEST = [{"RegionId": "cn-beijing", "ImageId": "m-bjok0000000000001", "OSSBucket": "exports-bj"}]
CHAIN_VARS = (
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ALIBABA_CLOUD_PROFILE",
    "ALIBABA_CLOUD_CREDENTIALS_FILE",
    "ALIBABA_CLOUD_ROLE_ARN",
    "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
    "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
    "ALIBABA_CLOUD_ECS_METADATA",
    "ALIBABA_CLOUD_ECS_METADATA_DISABLED",
    "ALIBABA_CLOUD_CREDENTIALS_URI",
    "ALIBABA_CLOUD_CLI_PROFILE_DISABLED",
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HOME and no credential variables: nothing to find unless a test puts it there."""
    for name in CHAIN_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def write_cli_config(home: Path, cloud: FakeCloud, current: str = "wrong") -> None:
    profiles = [
        {"name": "wrong", "mode": "AK", "access_key_id": cloud.access_key_id, "access_key_secret": "not-it-000"},
        {
            "name": "fake",
            "mode": "AK",
            "access_key_id": cloud.access_key_id,
            "access_key_secret": cloud.access_key_secret,
            "region_id": "cn-hangzhou",
        },
    ]
    (home / ".aliyun").mkdir()
    (home / ".aliyun" / "config.json").write_text(json.dumps({"current": current, "profiles": profiles}))


def run(cloud: FakeCloud, **kwargs: Any) -> dict[str, Any]:
    return collect(REQUEST, endpoints=cloud.endpoints, backoff_s=0.01, timeout_s=3.0, **kwargs)


def test_environment_access_key(fake_cloud: FakeCloud, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", fake_cloud.access_key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", fake_cloud.access_key_secret)
    doc = run(fake_cloud)
    assert doc["account_id"] == "1234567890123456" and "unknown" not in doc


def test_no_credentials_is_a_preflight_error_saying_what_to_set(fake_cloud: FakeCloud, home: Path) -> None:
    before = {t.name for t in threading.enumerate()}
    with pytest.raises(PreflightError) as info:
        run(fake_cloud)
    message = str(info.value)
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in message and "ALIBABA_CLOUD_ACCESS_KEY_SECRET" in message
    assert "--profile" in message and "\n" not in message
    assert fake_cloud.count() == 0  # stopped before any call
    started = {t.name for t in threading.enumerate()} - before
    assert not [n for n in started if "APScheduler" in n or "scheduler" in n.lower()]  # no ECS-metadata poller


def test_profile_from_the_aliyun_cli_config(fake_cloud: FakeCloud, home: Path) -> None:
    write_cli_config(home, fake_cloud, current="wrong")
    doc = run(fake_cloud, profile="fake")
    assert doc["account_id"] == "1234567890123456" and "unknown" not in doc


def test_the_chain_uses_the_current_profile_and_alibaba_cloud_profile(
    fake_cloud: FakeCloud, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_cli_config(home, fake_cloud, current="wrong")
    with pytest.raises(PreflightError, match="rejected the credentials from profile 'current'"):
        run(fake_cloud)  # "current" is the wrong key: the cloud says so, and the message says where it came from
    monkeypatch.setenv("ALIBABA_CLOUD_PROFILE", "fake")  # set after the credentials package was imported
    assert "unknown" not in run(fake_cloud)


def test_a_profile_that_does_not_exist(fake_cloud: FakeCloud, home: Path) -> None:
    write_cli_config(home, fake_cloud)
    with pytest.raises(PreflightError, match=r"profile 'nope' not found in .*config\.json"):
        run(fake_cloud, profile="nope")


def test_credentials_ini_default_profile(fake_cloud: FakeCloud, home: Path) -> None:
    (home / ".alibabacloud").mkdir()
    (home / ".alibabacloud" / "credentials.ini").write_text(
        "[default]\ntype = access_key\n"
        f"access_key_id = {fake_cloud.access_key_id}\naccess_key_secret = {fake_cloud.access_key_secret}\n"
    )
    assert "unknown" not in run(fake_cloud)


def test_environment_comes_before_the_config_file(
    fake_cloud: FakeCloud, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_cli_config(home, fake_cloud, current="wrong")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", fake_cloud.access_key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", fake_cloud.access_key_secret)
    assert "unknown" not in run(fake_cloud)


SUBPROCESS_SCRIPT = """
import json, sys
from preflight.errors import PreflightError
from preflight.sources.live import collect
endpoints = json.loads(sys.argv[1])
request = [{"RegionId": "cn-beijing", "ImageId": "m-bjok0000000000001", "OSSBucket": "exports-bj"}]
out = {}
for name, profile in (("env", None), ("profile", "fake"), ("missing", "nope")):
    try:
        doc = collect(request, profile=profile, endpoints=endpoints, backoff_s=0.01)
        out[name] = {"account_id": doc.get("account_id"), "unknown": doc.get("unknown", [])}
    except PreflightError as exc:
        out[name] = {"error": str(exc)}
print(json.dumps(out))
"""


def test_chain_and_profile_in_a_fresh_interpreter(fake_cloud: FakeCloud, tmp_path: Path) -> None:
    write_cli_config(tmp_path, fake_cloud, current="wrong")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "PREFLIGHT_LOOPBACK_ONLY": "1",
        "ALIBABA_CLOUD_ACCESS_KEY_ID": fake_cloud.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "a-wrong-secret-0000",  # --profile must win over it
    }
    proc = subprocess.run(
        [sys.executable, "-c", SUBPROCESS_SCRIPT, json.dumps(fake_cloud.endpoints)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no tracebacks from any background thread
    out = json.loads(proc.stdout)
    assert "rejected the credentials from environment variables" in out["env"]["error"]
    assert out["profile"] == {"account_id": "1234567890123456", "unknown": []}  # --profile beats the env key
    assert "profile 'nope' not found" in out["missing"]["error"]
    assert fake_cloud.access_key_secret not in proc.stdout
    assert "a-wrong-secret-0000" not in proc.stdout
