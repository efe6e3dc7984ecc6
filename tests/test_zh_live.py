"""Live mode and the command line speak Chinese under ``--lang zh`` / ``LANG=zh_CN.UTF-8``: every error that stops
a live run (credentials, endpoints, the SDK), every reason live mode gives for an unknown fact, click's usage
errors and the CLI's last-resort lines — while the English stays exactly what it was, and a snapshot written by
``preflight snapshot`` keeps its reasons in English."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import pytest
import typer

from preflight import cli
from preflight.errors import Foreign, Msg, PreflightError, Worded
from preflight.i18n import render, t
from preflight.sources import live
from preflight.sources.live_clients import (
    AccessKey,
    Clients,
    Identity,
    parse_endpoint,
    redact_url,
    resolve_endpoints,
    resolve_identity,
)
from preflight.sources.live_errors import CallError, Kind, Outcome, RetryPolicy, reason, reason_msg
from tests.fakecloud import FakeCloud, Fault, default_fixture
from tests.fakecloud.support import collect_from
from tests.zhcheck import assert_chinese

pytest_plugins = ("tests.fakecloud.plugin",)

ROOT = Path(__file__).resolve().parent.parent
BJ = "cn-beijing"
REQUEST = {"RegionId": BJ, "ImageId": "m-bjok0000000000001", "OSSBucket": "exports-bj", "RoleName": "ExportRoleLegacy"}
FLAGS = ["--RegionId", BJ, "--ImageId", "m-bjok0000000000001", "--OSSBucket", "exports-bj"]


def both(err: PreflightError) -> tuple[str, str]:
    (en,) = err.lines("en")
    (zh,) = err.lines("zh")
    assert_chinese(zh)
    return en, zh


# ---- reasons of unknown facts -----------------------------------------------------------------------------

REASONS: list[tuple[CallError, str | None, str, float | None, str]] = [
    (CallError(Kind.DENIED, "Forbidden.RAM", 403), "ecs:DescribeImages", "", None,
     "AccessDenied: the credentials lack ecs:DescribeImages (Forbidden.RAM)"),
    (CallError(Kind.DENIED, "AccessDenied", 403), None, "", None, "AccessDenied: access denied (AccessDenied)"),
    (CallError(Kind.THROTTLED, "Throttling.User", 400, attempts=3), "ecs:DescribeImages", "", None,
     "throttled after 2 retries (Throttling.User)"),
    (CallError(Kind.SERVER, "ServiceUnavailable", 503, attempts=3), "ram:GetRole", "", None,
     "HTTP 503 after 2 retries (ServiceUnavailable)"),
    (CallError(Kind.TIMEOUT, attempts=2), "oss:GetBucketInfo", "", 0.3, "timed out after 1 retries (limit 0.3 s)"),
    (CallError(Kind.TIMEOUT, attempts=2), "oss:GetBucketInfo", "", None, "timed out after 1 retries"),
    (CallError(Kind.UNREACHABLE, attempts=2), "oss:GetBucketInfo", "oss http://127.0.0.1:9", None,
     "endpoint oss http://127.0.0.1:9 unreachable after 1 retries"),
    (CallError(Kind.UNREACHABLE, attempts=4), None, "", None, "endpoint unreachable after 3 retries"),
    (CallError(Kind.OTHER, "InvalidParameter", 400), "ecs:DescribeTasks", "", None, "HTTP 400 InvalidParameter"),
    (CallError(Kind.OTHER, "InvalidParameter"), "ecs:DescribeTasks", "", None, "InvalidParameter"),
    (CallError(Kind.OTHER, detail="RetryError"), "ecs:DescribeTasks", "", None, "failed: RetryError"),
    (CallError(Kind.OTHER), "ecs:DescribeTasks", "", None, "failed: unexpected error"),
]


@pytest.mark.parametrize(("err", "permission", "where", "timeout_s", "english"), REASONS,
                         ids=[r[4] for r in REASONS])
def test_every_reason_is_worded_in_both_languages(
    err: CallError, permission: str | None, where: str, timeout_s: float | None, english: str
) -> None:
    msg = reason_msg(err, permission, where=where, timeout_s=timeout_s)
    assert render(msg, "en") == english
    assert_chinese(render(msg, "zh"))
    for kept in (err.code, permission, where, err.detail):
        if kept and kept in english:  # identifiers stay as they are
            assert kept in render(msg, "zh")
    why = reason(err, permission, where=where, timeout_s=timeout_s)
    assert isinstance(why, Worded) and why == english and why.msg == msg


def test_a_reason_is_the_english_text_that_keeps_its_message() -> None:
    why = Worded(Msg("live.throttled", retries=2, code="SlowDown"))
    assert why == "throttled after 2 retries (SlowDown)" and why.startswith("throttled")
    assert json.dumps({"reason": why}) == '{"reason": "throttled after 2 retries (SlowDown)"}'
    copied = pickle.loads(pickle.dumps(why))
    assert copied == why and copied.msg == why.msg
    assert str(why) == why and type(str(why)) is str


@pytest.mark.parametrize(
    ("found", "english"),
    [
        (live.Findings(roles={"R": {"RoleName": "R"}}), "the attached policies were not listed"),
        (live.Findings(roles={"R": {"RoleName": "R"}}, attached={"R": [{"PolicyType": "Custom", "PolicyName": "p"}]}),
         "the policy document was not fetched"),
        (live.Findings(buckets={"b": {"Name": "b"}}), "the bucket policy was not fetched"),
    ],
)
def test_fallback_reasons_of_the_document(found: live.Findings, english: str) -> None:
    doc = live.assemble([REQUEST], found, "2024-01-01T00:00:00Z")
    (entry,) = doc["unknown"]
    assert entry["reason"] == english
    assert_chinese(render(entry["reason"].msg, "zh"))


def test_policy_version_without_a_document() -> None:
    run = live._Run(live.plan_requests([REQUEST]), cast(Any, None), cast(Any, None), RetryPolicy(), 1.0)
    run.on_policy_version(("Custom", "p"), Outcome(value={"PolicyVersion": {}}))
    why = run.found.document_errors[("Custom", "p")]
    assert why == "GetPolicyVersion answered without a PolicyDocument"
    assert_chinese(render(why.msg, "zh"))


def test_reasons_collected_from_the_cloud_are_chinese_and_stay_english_in_the_document(
    fake_cloud: FakeCloud,
) -> None:
    fake_cloud.add_fault(Fault(action="GetPolicy", kind="deny"))
    fake_cloud.add_fault(Fault(action="GetBucketPolicy", kind="throttle"))
    fake_cloud.add_fault(Fault(action="GetRole", kind="unavailable"))
    fake_cloud.add_fault(Fault(action="DescribeTasks", kind="error", status=400, code="InvalidParameter"))
    fake_cloud.add_fault(Fault(action="GetCallerIdentity", kind="deny"))
    doc = collect_from(fake_cloud, [REQUEST], retries=1)
    reasons = {(e["section"], e.get("field")): e["reason"] for e in doc["unknown"]}
    assert reasons == {
        ("account_id", None): "AccessDenied: access denied (NoPermission)",
        ("buckets", "Policy"): "throttled after 1 retries (SlowDown)",
        ("roles", None): "HTTP 503 after 1 retries (ServiceUnavailable)",
        ("tasks", None): "HTTP 400 InvalidParameter",
    }
    for why in reasons.values():
        assert isinstance(why, Worded)
        assert_chinese(render(why.msg, "zh"))
    assert "Worded" not in json.dumps(doc)


def test_unreachable_and_timed_out_reasons(fake_cloud: FakeCloud) -> None:
    fake_cloud.add_fault(Fault(action="DescribeTasks", kind="slow", delay_s=1.0))
    endpoints = {**fake_cloud.endpoints, "oss": "http://127.0.0.1:9"}
    doc = collect_from(fake_cloud, [REQUEST], endpoints=endpoints, timeout_s=0.3, retries=0)
    reasons = {e["section"]: e["reason"] for e in doc["unknown"] if e.get("field") is None}
    assert reasons["tasks"] == "timed out after 0 retries (limit 0.3 s)"
    assert reasons["buckets"] == "endpoint oss http://127.0.0.1:9 unreachable after 0 retries"
    for why in reasons.values():
        zh = render(why.msg, "zh")
        assert_chinese(zh)
    assert "http://127.0.0.1:9" in render(reasons["buckets"].msg, "zh")


# ---- errors that stop a live run --------------------------------------------------------------------------

ENDPOINTS = [
    ({"ecs": "ftp://127.0.0.1:1"},
     "--endpoint ecs=ftp://127.0.0.1:1: scheme 'ftp' (use http or https); expected e.g. "
     "ecs=https://ecs.example.com or ecs=http://127.0.0.1:8765"),
    ({"ecs": "http://127.0.0.1:1/path"},
     "--endpoint ecs=http://127.0.0.1:1/path: a path or query (give scheme://host[:port] only); expected e.g. "
     "ecs=https://ecs.example.com or ecs=http://127.0.0.1:8765"),
    ({"oss": "http://127.0.0.1:notaport"},
     "--endpoint oss=http://127.0.0.1:notaport: malformed host or port; expected e.g. "
     "oss=https://oss.example.com or oss=http://127.0.0.1:8765"),
    ({"ram": "http://"},
     "--endpoint ram=http://: no host; expected e.g. ram=https://ram.example.com or ram=http://127.0.0.1:8765"),
    ({"sts": "http://user:pw@127.0.0.1:1"},
     "--endpoint sts=http://…@127.0.0.1:1: user info in the URL; expected e.g. "
     "sts=https://sts.example.com or sts=http://127.0.0.1:8765"),
    ({"s3": "http://127.0.0.1:1"},
     "--endpoint s3=http://127.0.0.1:1: unknown service 's3'; expected one of ecs, ram, oss, sts, resourcemanager"),
]


@pytest.mark.parametrize(("endpoints", "english"), ENDPOINTS, ids=[e[1].split(": ")[1][:20] for e in ENDPOINTS])
def test_bad_endpoints(endpoints: dict[str, str], english: str) -> None:
    with pytest.raises(PreflightError) as info:
        resolve_endpoints(endpoints, {})
    en, zh = both(info.value)
    assert en == english
    assert zh.startswith("--endpoint ") and redact_url(next(iter(endpoints.values()))) in zh


def test_bad_endpoint_from_the_environment() -> None:
    with pytest.raises(PreflightError) as info:
        resolve_endpoints({}, {"PREFLIGHT_ENDPOINT_ECS": "ftp://x"})
    en, _ = both(info.value)  # the variable the user set is named, not a flag they never typed
    assert en == ("PREFLIGHT_ENDPOINT_ECS=ftp://x: scheme 'ftp' (use http or https); "
                  "expected e.g. https://ecs.example.com or http://127.0.0.1:8765")
    with pytest.raises(PreflightError):
        parse_endpoint("ecs", "ftp://x")


def test_loopback_only() -> None:
    clients = Clients(Identity(None, Msg("live.source_env")), {}, timeout_s=1.0, proxies={}, pool_size=1,
                      require_loopback=True)
    with pytest.raises(PreflightError) as info:
        clients.check("ram", None)
    en, zh = both(info.value)
    assert en == ("PREFLIGHT_LOOPBACK_ONLY is set but the ram endpoint is https://ram.aliyuncs.com; "
                  "pass --endpoint ram=http://127.0.0.1:PORT")
    assert "https://ram.aliyuncs.com" in zh


def _cred_files(home: Path) -> None:
    (home / ".aliyun").mkdir()
    profiles = {"current": "x", "profiles": [{"name": "x", "mode": "AK"}]}  # no key in it
    (home / ".aliyun" / "config.json").write_text(json.dumps(profiles))
    (home / ".alibabacloud").mkdir()
    (home / ".alibabacloud" / "credentials.ini").write_text("[default]\ntype = access_key\n")


class _EmptyProvider:
    def get_credentials(self) -> Any:
        class Creds:
            def get_access_key_id(self) -> str:
                return ""

            def get_access_key_secret(self) -> str:
                return ""

        return Creds()


CREDENTIALS = [
    ("none", None, None, "no Alibaba Cloud credentials found (looked at the environment"),
    ("profile-missing", None, "nope", "profile 'nope' not found in "),
    ("bad-object", 42, None, "credential must be an AccessKey or an alibabacloud_credentials provider"),
    ("empty-key", _EmptyProvider(), None,
     "the credentials chain gave no usable credentials (the given credentials provider: empty AccessKey); "),
    ("chain-broken", "files", None, "the credentials chain gave no usable credentials (profile 'current' in "),
    ("profile-broken", "files", "x", "profile 'x' gave no usable credentials (profile 'x' in "),
]


@pytest.mark.parametrize(("credential", "profile", "english"), [c[1:] for c in CREDENTIALS],
                         ids=[c[0] for c in CREDENTIALS])
def test_credential_errors(tmp_path: Path, credential: object, profile: str | None, english: str) -> None:
    if credential == "files":
        _cred_files(tmp_path)
        credential = None
    with pytest.raises(PreflightError) as info:
        resolve_identity(credential, profile, {"HOME": str(tmp_path)})
    en, _ = both(info.value)
    assert en.startswith(english)


def test_a_missing_sdk_is_a_preflight_error(monkeypatch: pytest.MonkeyPatch) -> None:
    clients = Clients(Identity(None, Msg("live.source_env")), {}, timeout_s=1.0, proxies={}, pool_size=1)
    monkeypatch.setitem(sys.modules, "alibabacloud_oss_v2", None)
    with pytest.raises(PreflightError) as info:
        clients.client("oss", "cn-hangzhou")
    en, zh = both(info.value)
    assert en.startswith("the Alibaba Cloud SDK cannot be imported (alibabacloud_oss_v2: import of")
    assert "alibabacloud_oss_v2" in zh
    monkeypatch.setitem(sys.modules, "alibabacloud_credentials.provider", None)
    with pytest.raises(PreflightError) as info:
        resolve_identity(AccessKey("id", "secret"), None, {})
    en, _ = both(info.value)
    assert en.startswith("the Alibaba Cloud SDK cannot be imported (alibabacloud_credentials.provider")
    assert render(Foreign("live_import", "No module named 'x'"), "zh") == "找不到模块 'x'"


def test_rejected_credentials_and_nothing_reachable(fake_cloud: FakeCloud) -> None:
    secret = "not-the-secret-0000"
    with pytest.raises(PreflightError) as info:
        collect_from(fake_cloud, [REQUEST], credential=AccessKey(fake_cloud.access_key_id, secret))
    en, zh = both(info.value)
    assert en.startswith("the cloud rejected the credentials from the given AccessKey (")
    assert secret not in en + zh and "ALIBABA_CLOUD_ACCESS_KEY_ID" in zh

    closed = FakeCloud(default_fixture()).start()
    url = closed.url
    closed.stop()
    with pytest.raises(PreflightError) as info:
        collect_from(fake_cloud, [REQUEST], endpoints={s: url for s in ("ecs", "ram", "sts", "oss")}, retries=0)
    en, zh = both(info.value)
    assert en.startswith("no endpoint reachable (") and url in zh


# ---- the CLI: live runs end to end ------------------------------------------------------------------------


def _env(cloud: FakeCloud, home: Path, **extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "PYTHONPATH": str(ROOT),
        "PREFLIGHT_LOOPBACK_ONLY": "1",
        "ALIBABA_CLOUD_ACCESS_KEY_ID": cloud.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": cloud.access_key_secret,
        **{f"PREFLIGHT_ENDPOINT_{s.upper()}": url for s, url in cloud.endpoints.items()},
    }
    env.update(extra)
    return {k: v for k, v in env.items() if v}


def _preflight(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "preflight", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)


@pytest.mark.parametrize("how", ["--lang", "LANG"])
def test_cli_live_errors_in_chinese(fake_cloud: FakeCloud, tmp_path: Path, how: str) -> None:
    lang = {"LANG": "zh_CN.UTF-8"} if how == "LANG" else {}
    args = ["--lang", "zh"] if how == "--lang" else []
    env = _env(fake_cloud, tmp_path, ALIBABA_CLOUD_ACCESS_KEY_ID="", ALIBABA_CLOUD_ACCESS_KEY_SECRET="", **lang)
    proc = _preflight(env, "check", "--live", *FLAGS, *args)
    assert proc.returncode == 2 and proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line.startswith("preflight: error: ") and "ALIBABA_CLOUD_ACCESS_KEY_ID" in line
    assert_chinese(line)
    proc = _preflight(_env(fake_cloud, tmp_path, **lang), "snapshot", *FLAGS, "--endpoint", "ecs=ftp://x", *args)
    (line,) = proc.stderr.splitlines()
    assert proc.returncode == 2 and line.startswith("preflight: error: --endpoint ecs=ftp://x：")
    assert_chinese(line)
    assert fake_cloud.count() == 0


def test_cli_live_unknown_reasons(
    fake_cloud: FakeCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_cloud.add_fault(Fault(action="GetBucketPolicy", kind="deny", where={"bucket": "exports-bj"}))
    for name, value in _env(fake_cloud, tmp_path, LANG="zh_CN.UTF-8").items():
        if name != "PATH":
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    denied = "AccessDenied: the credentials lack oss:GetBucketPolicy (AccessDenied)"
    snap = tmp_path / "snap.json"
    assert cli.main(["snapshot", *FLAGS, "-o", str(snap)]) == 0
    (entry,) = json.loads(snap.read_text(encoding="utf-8"))["unknown"]
    assert entry["reason"] == denied  # English in the file, whatever the language of the run
    assert cli.main(["check", "--live", *FLAGS, "--lang", "en"]) == 1  # the unknown fails the run
    assert denied in capsys.readouterr().out
    assert cli.main(["check", "--live", *FLAGS]) == 1
    report = capsys.readouterr().out
    assert [ln for ln in report.splitlines() if "oss:GetBucketPolicy" in ln], report
    assert denied not in report
    assert "凭证缺少 oss:GetBucketPolicy 权限" in report


# ---- the CLI: usage errors and last-resort lines ----------------------------------------------------------

USAGE = [
    (["check", "--formt", "json"],
     "No such option: --formt (Possible options: --ImageFormat, --format, --report)", "--formt"),
    (["check", "-x"], "No such option: -x", "-x"),
    (["check", "--format"], "Option '--format' requires an argument.", "'--format'"),
    (["check", "--live=1"], "Option '--live' does not take a value.", "'--live'"),
    (["rules", "show"], "Missing argument 'rule_id'.", "'rule_id'"),
    (["rules", "show", "PF101", "PF102"], "Got unexpected extra argument(s) (PF102)", "PF102"),
    (["nosuch"], "No such command 'nosuch'.", "'nosuch'"),
    (["chek"], "No such command 'chek'. Did you mean 'check'?", "'check'"),
    (["rules", "lst"], "No such command 'lst'. Did you mean 'list'?", "'list'"),
    (["--versio"], "No such option: --versio (Possible options: --version)", "--version"),
    (["waivers", "lint", "--strict=yes"], "Option '--strict' does not take a value.", "'--strict'"),
]


def _main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert out == ""
    return code, err


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(("argv", "message", "kept"), USAGE, ids=[" ".join(u[0]) for u in USAGE])
def test_usage_errors(
    argv: list[str], message: str, kept: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _main(argv, capsys) == (2, f"preflight: error: {message} (see: preflight --help)\n")
    # after the flag that lacks its value, "--lang" would be taken for that value
    zh_argv = [*argv[:-1], "--lang", "zh", argv[-1]] if argv[-1] == "--format" else [*argv, "--lang", "zh"]
    code, err = _main(zh_argv, capsys)
    assert code == 2
    line = err.rstrip("\n")
    assert line.startswith("preflight: error: ") and line.endswith("（参见：preflight --help）") and kept in line
    assert_chinese(line)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    code, err = _main(argv, capsys)
    assert code == 2
    assert_chinese(err.rstrip("\n"))


def test_usage_error_in_a_subprocess_with_the_locale() -> None:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "LANG": "zh_CN.UTF-8"}
    proc = subprocess.run([sys.executable, "-m", "preflight", "chek"], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert proc.stderr == "preflight: error: 没有命令 'chek'；您是否想输入 'check'？（参见：preflight --help）\n"


def _exc(name: str, *args: Any, **kwargs: Any) -> Exception:
    return cast(Exception, getattr(typer._click.exceptions, name)(*args, **kwargs))


CLICK = [
    (_exc("BadParameter", "'x' is not a valid int.", param_hint="'--n'"), "'--n'"),
    (_exc("BadParameter", "'x' is not a valid integer range.", param_hint="'--n'"), "'x'"),
    (_exc("BadParameter", "'/x/y': No such file or directory", param_hint="'--p'"), "'/x/y'"),
    (_exc("BadParameter", "'x' is not a valid float.", param_hint=["--n", "-n"]), "'--n' / '-n'"),
    (_exc("BadParameter", "'x' is not one of 'a', 'b'."), "'a', 'b'"),
    (_exc("BadParameter", "'maybe' is not a valid boolean. Recognized values: 0, 1, false"), "'maybe'"),
    (_exc("BadParameter", "5 is not in the range 0<=x<=3.", param_hint="'--n'"), "0<=x<=3"),
    (_exc("BadParameter", "'x' is not a valid UUID.", param_hint="'--n'"), "'x'"),
    (_exc("BadParameter", "'x' does not match the formats '%Y-%m-%d'.", param_hint="'--n'"), "'%Y-%m-%d'"),
    (_exc("BadParameter", "File 'a.json' does not exist.", param_hint="'PATHS'"), "'a.json'"),
    (_exc("BadParameter", "Directory 'd' is a file.", param_hint="'PATHS'"), "'d'"),
    (_exc("BadParameter", "Takes 2 values but 1 given.", param_hint="'--n'"), "2"),
    (_exc("BadParameter", "Value must be an iterable.", param_hint="'--n'"), "'--n'"),
    (_exc("MissingParameter", param_hint="'--n'", param_type="option"), "'--n'"),
    (_exc("MissingParameter", param_hint="'X'", param_type="argument"), "'X'"),
    (_exc("UsageError", "Missing command."), ""),
    (_exc("BadOptionUsage", "--n", "Option '--n' requires 2 arguments."), "'--n'"),
    (_exc("BadArgumentUsage", "Argument 'x' takes 2 values."), "'x'"),
    (_exc("FileError", "a.json", "No such file or directory"), "'a.json'"),
]


@pytest.mark.parametrize(("exc", "kept"), CLICK, ids=[cli._usage_error(e) for e, _ in CLICK])
def test_click_texts(exc: Exception, kept: str) -> None:
    message = cli._usage_message(exc)
    assert str(message) == cli._usage_error(exc)  # click's English, exactly
    zh = t("err_usage", "zh", message=message)
    assert kept in zh
    assert_chinese(zh)


def test_an_unknown_click_text_is_quoted_verbatim() -> None:
    exc = _exc("UsageError", "Something new in a later click.")
    shown = t("err_usage", "zh", message=cli._usage_message(exc))
    assert shown == "命令行解析器报告（英文原文）：“Something new in a later click.”（参见：preflight --help）"


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    ("raised", "code", "english"),
    [
        (RuntimeError("boom"), 2,
         "preflight: internal error: RuntimeError: boom (this is a bug in preflight, not a problem with your input; "
         "please report it to the preflight maintainers with the traceback that --debug or PREFLIGHT_DEBUG=1 "
         "prints)"),
        (KeyboardInterrupt(), 130, "preflight: interrupted"),  # outside a command (typer turns it into exit 130)
        (typer.Abort(), 2, "preflight: aborted"),
    ],
    ids=["internal", "interrupted", "aborted"],
)
def test_last_resort_lines(
    raised: BaseException, code: int, english: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    class Command:
        def main(self, **_: object) -> None:
            raise raised

    monkeypatch.delenv("PREFLIGHT_DEBUG", raising=False)
    monkeypatch.setattr(typer.main, "get_command", lambda _: Command())
    assert _main(["permissions"], capsys) == (code, english + "\n")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    got, err = _main(["permissions"], capsys)
    assert got == code and err.startswith("preflight: ")
    assert_chinese(err.rstrip("\n"))


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("target", ["missing/dir/report.txt", "."], ids=["no-such-dir", "is-a-directory"])
def test_a_report_that_cannot_be_written(target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / target
    argv = ["check", str(ROOT / "examples" / "snapshot.json"), "-o", str(out)]
    code, err = _main(argv, capsys)
    assert code == 2 and err.startswith(f"preflight: error: cannot write {out}: ")
    assert err.rstrip("\n").endswith(("No such file or directory", "Is a directory"))
    code, err = _main([*argv, "--lang", "zh"], capsys)
    assert code == 2 and err.startswith(f"preflight: error: 无法写入 {out}：")
    assert_chinese(err.rstrip("\n"))


def test_snapshot_writes_messages_in_english(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = {"version": 1, "unknown": [{"reason": Msg("live.document_not_fetched")},
                                     {"reason": Worded(Msg("live.bucket_policy_not_fetched"))}]}
    monkeypatch.setattr("preflight.run.collect_live", lambda options: doc)
    assert cli.main(["snapshot", *FLAGS, "--lang", "zh"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [u["reason"] for u in out["unknown"]] == ["the policy document was not fetched",
                                                    "the bucket policy was not fetched"]


def test_the_list_of_credential_sources_tried() -> None:
    from preflight.sources.live_credentials import _tried

    env, key = Msg("live.source_env"), Msg("live.source_access_key")
    tried = _tried([(env, None), (key, "ValueError"), (env, None)])
    assert str(tried) == ("environment variables: empty AccessKey; the given AccessKey: ValueError; "
                          "environment variables: empty AccessKey")
    assert_chinese(render(tried, "zh"))
    assert str(_tried([])) == "nothing to try"
    assert_chinese(render(_tried([]), "zh"))
