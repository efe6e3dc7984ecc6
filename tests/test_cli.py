"""The command line: exit codes and output together, every error one line with file and place."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from preflight.errors import PreflightError
from preflight.rules import load_rules
from preflight.schemas import validator
from tests.conftest import BASE, EXAMPLE, ROOT, Cli, CliResult

N_RULES = len(load_rules().rules)


def one_line_error(result: CliResult) -> str:
    assert result.code == 2, (result.code, result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) >= 1 and all(line.startswith("preflight: error: ") for line in lines), result.err
    assert "Traceback" not in result.err
    return result.err


def test_version(cli: Cli) -> None:
    r = cli("--version")
    assert (r.code, r.out) == (0, "preflight 0.1.0\n")


def test_example_fails_with_a_report_of_every_rule(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    r = cli("check", str(EXAMPLE), "-f", "json")
    assert r.code == 1, r.err
    report = r.json()
    assert list(validator("report").iter_errors(report)) == []
    exports = json.loads(EXAMPLE.read_text())["exports"]
    assert len(report["results"]) == N_RULES * len(exports)
    assert report["ok"] is False and report["mode"] == "snapshot"
    statuses = {x["status"] for x in report["results"]}
    assert {"pass", "fail", "skip"} <= statuses
    summary = report["summary"]
    assert sum(summary.values()) == len(report["results"])
    # paths in reports are relative to the working directory when the file is under it
    assert {x["location"]["path"] for x in report["results"]} == {"examples/snapshot.json"}


def test_clean_snapshot_exits_0(cli: Cli, write_json: Callable[..., Path]) -> None:
    r = cli("check", str(write_json(BASE)))
    assert r.code == 0, r.out
    assert "OK:" in r.out and "0 failed" in r.out


def test_unknown_fails_the_run_in_snapshot_mode(cli: Cli, write_json: Callable[..., Path]) -> None:
    doc = copy.deepcopy(BASE)
    del doc["images"]
    r = cli("check", str(write_json(doc)), "-f", "json")
    assert r.code == 1
    unknown = [x for x in r.json()["results"] if x["status"] == "unknown"]
    assert unknown and all("images" in x["message"] for x in unknown)


def test_text_report_groups_and_explains(cli: Cli) -> None:
    r = cli("check", str(EXAMPLE))
    assert r.code == 1
    assert r.out.count("● ") == len(json.loads(EXAMPLE.read_text())["exports"])
    assert "fix: " in r.out and "prevents " in r.out
    assert "\x1b[" not in r.out  # no colour when not on a terminal
    assert r.out.rstrip().splitlines()[-1].startswith("NOT OK")


def test_chinese_from_flag_and_locale(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    r = cli("check", str(EXAMPLE), "--lang", "zh")
    assert "项检查" in r.out and "修复" in r.out
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert "项检查" in cli("check", str(EXAMPLE)).out


def test_output_file(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    r = cli("check", str(EXAMPLE), "-f", "json", "-o", str(out))
    assert r.code == 1 and r.out == ""
    assert json.loads(out.read_text())["schema_version"] == 1


def test_directory_is_walked(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "snap.json").write_text(json.dumps(BASE))
    (tmp_path / "package.json").write_text('{"name": "not a snapshot"}')
    r = cli("check", str(tmp_path), "-f", "json")
    assert r.code == 0 and len(r.json()["results"]) == N_RULES


def test_user_rules(cli: Cli, tmp_path: Path) -> None:
    d = tmp_path / "corp"
    d.mkdir()
    (d / "CORP001.yaml").write_text(
        "id: CORP001\ntitle: {en: Prefix starts with Corp, zh: 前缀以 Corp 开头}\nseverity: error\n"
        "category: hygiene\nassert: {path: request.OSSPrefix, matches: '^Corp'}\n"
        "message: {en: 'prefix {request.OSSPrefix}', zh: '前缀 {request.OSSPrefix}'}\n"
        "remediation: {en: Use Corp, zh: 使用 Corp}\n")
    r = cli("check", str(EXAMPLE), "--rules", str(d), "-f", "json")
    ours = [x for x in r.json()["results"] if x["rule_id"] == "CORP001"]
    assert ours and {x["status"] for x in ours} == {"fail"}
    assert "prefix WebTier" in {x["message"] for x in ours}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["check", "--bogus"], "No such option: --bogus"),
        (["check", "/nonexistent/snap.json"], "/nonexistent/snap.json: no such file"),
        (["check", "-f", "yaml", "x.json"], "--format 'yaml'"),
        (["check", "--lang", "fr", "x.json"], "--lang 'fr'"),
        (["check"], "nothing to check"),
        (["check", "--RegionId", "cn-hangzhou"], "go with --live"),
        (["rules", "show", "NOPE"], "no rule 'NOPE'"),
        (["check", "--live", "--endpoint", "foo=http://127.0.0.1:1", "--RegionId", "r"], "--endpoint"),
    ],
)
def test_usage_errors(cli: Cli, args: list[str], expected: str) -> None:
    assert expected in one_line_error(cli(*args))


def test_not_a_snapshot(cli: Cli, tmp_path: Path) -> None:
    p = tmp_path / "package.json"
    p.write_text('{"name": "x"}')
    assert "neither a preflight snapshot" in one_line_error(cli("check", str(p)))
    p.write_text("{broken")
    assert "package.json:1: not valid JSON" in one_line_error(cli("check", str(p)))


def test_malformed_snapshot_reports_every_problem(cli: Cli, write_json: Callable[..., Path]) -> None:
    doc = copy.deepcopy(BASE)
    doc["exports"][0]["ImageId"] = ["m-1"]
    doc["buckets"][0]["StorageClass"] = 3
    err = one_line_error(cli("check", str(write_json(doc))))
    assert len(err.strip().splitlines()) == 2
    assert "/exports/0/ImageId" in err and "/buckets/0/StorageClass" in err


def test_bad_rule_file_exits_2(cli: Cli, tmp_path: Path) -> None:
    d = tmp_path / "r"
    d.mkdir()
    (d / "x.yaml").write_text("id: X1\n")
    err = one_line_error(cli("check", str(EXAMPLE), "--rules", str(d)))
    assert "x.yaml:" in err


def test_rules_list_and_show(cli: Cli) -> None:
    r = cli("rules", "list")
    assert r.code == 0 and len(r.out.strip().splitlines()) == N_RULES
    r = cli("rules", "list", "-f", "json")
    assert {x["id"] for x in r.json()} >= {"PF104"}
    r = cli("rules", "show", "PF104")
    assert r.code == 0 and "InvalidOSSPrefix.Malformed (HTTP 400)" in r.out and "condition:" in r.out
    assert "OSSPrefix" in cli("rules", "show", "PF104", "--lang", "zh").out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_rules_commands_are_library_calls_the_cli_prints(cli: Cli, lang: str) -> None:
    """``rules list``/``rules show`` live in run.py beside ``check``; the CLI writes what they return."""
    from preflight.run import list_rules, show_rule

    assert cli("rules", "show", "PF104", "--lang", lang).out == show_rule("PF104", (), lang)
    for fmt in ("text", "json"):
        assert cli("rules", "list", "-f", fmt, "--lang", lang).out == list_rules((), lang, fmt)
    with pytest.raises(PreflightError):
        show_rule("NOPE", (), lang)


def test_offline_check_imports_no_sdk_and_no_jsonschema() -> None:
    code = (
        "import sys\nfrom preflight.cli import main\n"
        f"rc = main(['check', {str(EXAMPLE)!r}, '-f', 'json', '-o', '/dev/null'])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('alibabacloud_ecs20140526', 'alibabacloud_ram20150501', 'alibabacloud_oss_v2', 'alibabacloud_credentials',"
        " 'alibabacloud_tea_openapi', 'darabonba', 'Tea', 'jsonschema', 'tree_sitter', 'rich',"
        " 'hashlib', '_hashlib'))\n"
        "print(rc, heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "1 []", out.stdout + out.stderr


def test_version_loads_no_model_rules_or_texts_beyond_the_cli() -> None:
    """``preflight --version`` (and flag errors) must stay cheap: the fact model, rules, engine and reporters
    are imported by the commands that use them."""
    code = (
        "import sys\nfrom preflight.cli import main\n"
        "rc = main(['--version'])\n"
        "print(rc, sorted(m for m in sys.modules if m in ('preflight.model', 'preflight.facts', 'preflight.rules',"
        " 'preflight.engine', 'preflight.run', 'preflight.reporters', 'preflight.sources.common', 'yaml',"
        " 'jsonschema')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "0 []", out.stdout + out.stderr


# -- start-up: a run builds the one command it runs, and compiles the escapes of its one medium --------------


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the commands typer turns into click commands (each signature resolved: the cost)."""
    import typer.main

    names: list[str] = []
    build = typer.main.get_command_from_info

    def counting(command_info: object, **kwargs: object) -> object:
        command = build(command_info, **kwargs)  # type: ignore[arg-type]
        names.append(str(command.name))
        return command

    monkeypatch.setattr(typer.main, "get_command_from_info", counting)
    return names


@pytest.mark.parametrize(("args", "code", "commands"), [
    (["check", str(EXAMPLE), "-o", "/dev/null"], 1, ["check"]),
    (["rules", "list"], 0, ["list", "show"]),
    (["rules", "show", "PF104"], 0, ["list", "show"]),
    (["--version"], 0, []),
    (["--debug", "permissions"], 0, ["permissions"]),
])
def test_a_run_builds_only_the_command_it_runs(cli: Cli, built: list[str], args: list[str], code: int,
                                               commands: list[str]) -> None:
    assert cli(*args).code == code
    assert sorted(built) == commands


@pytest.mark.parametrize("args", [[], ["--help"], ["--help", "check"], ["nonsense"], ["check", "--help"]])
def test_help_and_unknown_commands_see_the_whole_app(cli: Cli, built: list[str], args: list[str]) -> None:
    from preflight.cli import app

    got = cli(*args)
    if args == ["check", "--help"]:
        assert got.code == 0 and "--max-file-size" in got.out and built == ["check"]
        return
    assert len(built) == len(app.registered_commands) + 3  # the two groups' commands: rules list/show, waivers lint
    assert "nonsense" not in args or (got.code == 2 and "nonsense" in got.err)
    assert args == ["nonsense"] or all(n in got.out for n in ("check", "snapshot", "audit", "rules", "waivers"))


def test_a_command_built_alone_is_the_command_of_the_whole_app() -> None:
    import typer.main

    from preflight.cli import _click_command, app

    whole = typer.main.get_command(app)
    for name, command in whole.commands.items():  # type: ignore[attr-defined]
        named, alone = _click_command([name])
        assert named and list(alone.commands) == [name]
        mine = alone.commands[name]
        assert (mine.help, [(p.name, p.opts, p.default) for p in mine.params]) == \
            (command.help, [(p.name, p.opts, p.default) for p in command.params]), name
        assert [(p.name, p.opts) for p in alone.params] == [(p.name, p.opts) for p in whole.params]


def test_escapes_are_compiled_on_first_use_for_the_medium_printed(cli: Cli, monkeypatch: pytest.MonkeyPatch
                                                                    ) -> None:
    from preflight import escape

    code = "import preflight.escape as e; print(e._re.cache_info().currsize)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "0"  # importing compiles none
    compiled: set[str] = set()
    original = escape._re

    def recording(pattern: str) -> object:
        compiled.add(pattern)
        return original(pattern)

    monkeypatch.setattr(escape, "_re", recording)
    assert cli("check", str(EXAMPLE)).code == 1
    others = {escape._MD_INLINE, escape._MD_BLOCK_START, escape._FENCE_OPEN, escape._BACKTICKS, escape._XML_BAD,
              escape._HTML_BAD, escape._HTML_BAD_ASTRAL}
    assert compiled and not compiled & others
    assert cli("check", str(EXAMPLE), "-f", "markdown").code == 1
    assert escape._MD_INLINE in compiled


def test_console_script_entry_point() -> None:
    out = subprocess.run([sys.executable, "-m", "preflight", "check", str(EXAMPLE), "-f", "json"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 1 and out.stderr == ""
    assert json.loads(out.stdout)["tool"]["name"] == "preflight"
