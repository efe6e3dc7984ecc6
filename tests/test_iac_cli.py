"""IaC through the CLI: exit codes, --strict, locations in text and JSON output, the pre-commit hook run by
the real ``pre-commit`` tool in a temporary git repository (no socket may be opened)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, CliResult

SMALL = "tests/iac/terraform/small"
MODULE = "tests/iac/terraform/export_module"


@pytest.fixture(autouse=True)
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_module_with_failures_exits_1_and_names_file_and_line(cli: Callable[..., CliResult]) -> None:
    result = cli("check", MODULE)
    assert result.code == 1, result.err
    assert f"{MODULE}/buckets.tf:9" in result.out  # PF303 at sse_algorithm of the separate resource


def test_json_output_has_locations(cli: Callable[..., CliResult]) -> None:
    result = cli("check", MODULE, "-f", "json")
    report = result.json()
    assert report["mode"] == "iac"
    pf303 = next(r for r in report["results"] if r["rule_id"] == "PF303" and r["status"] == "fail")
    assert pf303["location"] == {"path": f"{MODULE}/buckets.tf", "line": 9}


def test_unknowns_do_not_fail_unless_strict(cli: Callable[..., CliResult]) -> None:
    assert cli("check", SMALL, "--fail-on", "error").code == 0
    assert cli("check", SMALL, "--strict").code == 1


def test_ros_template(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    # without an export in the template, only the default role is an export role...
    result = cli("check", "tests/iac/ros/export-role.yaml", "-f", "json")
    assert result.code == 0  # (its only finding is a warning)
    assert {r["subject"] for r in result.json()["results"]} == {"role AliyunECSImageExportDefaultRole"}
    # ...unless the config names the export roles and buckets
    config = tmp_path / ".preflight.yaml"
    config.write_text("export_roles: [ImageExportRole]\nexport_buckets: [corp-image-exports]\n")
    result = cli("check", "tests/iac/ros/export-role.yaml", "-f", "json", "--config", str(config))
    assert result.code == 1
    results = result.json()["results"]
    assert {r["subject"] for r in results} == {"role AliyunECSImageExportDefaultRole", "role ImageExportRole",
                                              "bucket oss://corp-image-exports"}
    status = {(r["rule_id"], r["subject"]): r["status"] for r in results}
    # the partner account is a parameter without a value, but whichever it is, its root may assume the role
    assert status[("PF502", "role ImageExportRole")] == "fail"
    assert status[("PF506", "bucket oss://corp-image-exports")] == "fail"
    assert status[("PF303", "bucket oss://corp-image-exports")] == "waived"  # the inline waiver


def test_syntax_error_exits_2_with_file_line(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    bad = tmp_path / "bad.tf"
    bad.write_text('resource "alicloud_oss_bucket" "b" {\n  bucket = \n}\n')
    result = cli("check", str(bad))
    assert result.code == 2 and "bad.tf:2" in result.err and "Traceback" not in result.err


def test_inline_waiver_is_reported_as_waived(cli: Callable[..., CliResult]) -> None:
    report = cli("check", MODULE, "-f", "json").json()
    pf501 = [r for r in report["results"] if r["rule_id"] == "PF501" and r["status"] != "pass"]
    assert pf501 and all(r["status"] == "waived" for r in pf501)
    assert pf501[0]["waiver"]["reason"].startswith("read-only mirror")


# ---------------------------------------------------------------------------------------------------------
# pre-commit


def _no_network_site(tmp_path: Path) -> Path:
    """A sitecustomize that makes any socket connection fail, for every Python process of the run."""
    site = tmp_path / "nonet"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import socket\n"
        "def _refuse(*a, **k):\n    raise OSError('preflight test: network access attempted')\n"
        "socket.socket.connect = _refuse\nsocket.socket.connect_ex = _refuse\n"
        "socket.create_connection = _refuse\n")
    return site


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})


@pytest.mark.slow
def test_pre_commit_hook_reports_only_changed_files_and_opens_no_socket(tmp_path: Path) -> None:
    pre_commit = Path(sys.executable).with_name("pre-commit")
    if not pre_commit.exists() or shutil.which("git") is None:
        pytest.skip("pre-commit (pip install pre-commit) and git are needed")
    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))[0]
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / MODULE, repo / "infra")
    (repo / "README.json").write_text('{"not": "iac"}\n')
    # a local hook with this checkout's hook definition; `system` so nothing is installed (no network)
    entry = hook["entry"].replace("preflight", str(Path(sys.executable).with_name("preflight")), 1)
    config = {"repos": [{"repo": "local", "hooks": [{**hook, "language": "system", "entry": entry}]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"),
           "PYTHONPATH": str(_no_network_site(tmp_path)), "PIP_NO_INDEX": "1"}
    run = subprocess.run([str(pre_commit), "run", "--files", "infra/exports.tf", "README.json"],
                         cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "infra/exports.tf:4" in out  # PF104 is located in the changed file
    assert "buckets.tf" not in out  # PF303 is located in a file that did not change
    assert "network access attempted" not in out
