"""Hostile and odd files: what a walk reads and skips, the size cap, directories that cannot be listed, YAML
alias bombs and bad tags, lone surrogates, regexes beyond re's limits, output that cannot be written,
internal errors, files that are not IaC (pre-commit), config files naming files outside the repository,
and JSON line look-ups that index a document once."""

from __future__ import annotations

import copy
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preflight import config, yamlpos
from preflight.errors import PreflightError
from preflight.sources import common, jsonpos
from tests.conftest import BASE, ROOT, Cli, both_languages
from tests.zhcheck import assert_chinese

BUCKET_TF = 'resource "alicloud_oss_bucket" "b" {\n  bucket = "x"\n}\n'


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _snapshot(path: Path, **changes: Any) -> Path:
    doc = copy.deepcopy(BASE)
    doc.update(changes)
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def _one_error(r: Any, start: str) -> str:
    assert r.code == 2, r
    lines = [line for line in r.err.splitlines() if "warning:" not in line]
    assert len(lines) == 1, r.err
    assert lines[0].startswith(f"preflight: error: {start}"), r.err
    assert "internal error" not in r.err and "内部错误" not in r.err and "Traceback" not in r.err
    return lines[0]


# ---------------------------------------------------------------------------------------------------------
# 1. A walk reads regular files only, within the size cap, and says what it skipped


@pytest.mark.parametrize("name", ["terraform.tfvars", "extra.tf", "x.auto.tfvars.json"])
def test_a_module_file_that_cannot_be_read_is_an_error_not_a_skip(cli: Cli, here: Path, name: str) -> None:
    """Leaving out a file Terraform reads as part of the module changes what the module declares (a variable's
    value, a resource): the run would check a different module and could say go."""
    (here / "d").mkdir()
    (here / "d" / "main.tf").write_text(BUCKET_TF, encoding="utf-8")
    (here / "d" / name).symlink_to("/dev/zero")
    _one_error(cli("check", "d"), f"d/{name}: not read: ")


def _hostile_dir(root: Path) -> Path:
    d = root / "d"
    d.mkdir()
    _snapshot(d / "snap.json")
    (d / "zero.json").symlink_to("/dev/zero")
    (d / "main.tf").write_text(BUCKET_TF, encoding="utf-8")
    os.mkfifo(d / "stack.yaml")
    (root / "secret.json").write_text('{"version": 1, "exports": []}', encoding="utf-8")
    (d / "out.json").symlink_to(root / "secret.json")
    (d / "in.json").symlink_to(d / "snap.json")  # a symlink inside the walked directory is read
    return d


SKIPS = {
    "d/zero.json": "a device, not a regular file",
    "d/stack.yaml": "a FIFO (named pipe), not a regular file",
    "d/out.json": "a symbolic link to a file outside the directory being read",
}


def test_a_walk_skips_what_is_not_a_regular_file_inside_and_says_so(cli: Cli, here: Path) -> None:
    _hostile_dir(here)
    en, zh = both_languages(cli, "check", "d", "-f", "json")
    assert en.code in (0, 1), en.err
    said = [line.removeprefix("preflight: warning: ").split(": skipped: ") for line in en.err.splitlines()]
    assert dict(said) == SKIPS and len(said) == len(SKIPS)  # each said once, though two walks meet it
    assert len(zh.err.splitlines()) == len(SKIPS)
    for line in zh.err.splitlines():
        assert_chinese(line.split(": ", 2)[2])
    # the snapshot, and the symlink to it inside the directory, are both read
    assert [p.name for p in common.walk(here / "d", (".json",))] == ["in.json", "snap.json"]


@pytest.mark.parametrize("name", ["big.json", "big.tf", "big.yaml"])
def test_a_file_over_the_cap_is_an_error_in_a_walk_and_when_named(cli: Cli, here: Path, name: str) -> None:
    """Too big is not "not ours": the file may hold an input (a template, a module file), and a lower cap (a
    config from the pull request may set one) must not make the run say go for what it left out."""
    (here / "d").mkdir()
    _snapshot(here / "d" / "snap.json")
    big = here / "d" / name
    big.write_text("#" * 10_000 if name.endswith((".tf", ".yaml")) else json.dumps({"x": "y" * 9991}))
    assert big.stat().st_size == 10_000
    line = _one_error(cli("check", "d", "--max-file-size", "8KiB"), f"d/{name}: not read: ")
    assert line.endswith("10000 bytes, more than the limit of 8192 bytes (--max-file-size)")
    line = _one_error(cli("check", f"d/{name}", "--max-file-size", "5000"), f"d/{name}: not read: ")
    assert line.endswith("10000 bytes, more than the limit of 5000 bytes (--max-file-size)")
    (here / ".preflight.yaml").write_text("max_file_size: 5KB\n", encoding="utf-8")
    _one_error(cli("check", f"d/{name}"), f"d/{name}: not read: ")
    _one_error(cli("check", "d"), f"d/{name}: not read: ")


@pytest.mark.parametrize("value", ["0", "lots", "-1", "1.5MB"])
def test_a_bad_size_flag(cli: Cli, here: Path, value: str) -> None:
    _snapshot(here / "s.json")
    en, zh = both_languages(cli, "check", "s.json", "--max-file-size", value)
    assert (en.code, en.err) == (2, f"preflight: error: --max-file-size {value}: expected a size in bytes, or "
                                    "with a unit such as 50MB or 512KiB\n")
    assert zh.code == 2 and "--max-file-size" in zh.err


@pytest.mark.parametrize(("text", "size"), [
    (1, 1), ("1000", 1000), ("50MB", 50_000_000), ("50MiB", 50 * 1024 * 1024), ("2 G", 2 * 10**9),
    ("1k", None), ("5kB", None),
    ("", None), ("0", None), (True, None), (None, None), ("9" * 16, None), ("1KB ", 1000),
])
def test_parse_size(text: object, size: int | None) -> None:
    assert config.parse_size(text) == size


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_named_file_that_is_not_regular_is_an_error(cli: Cli, here: Path, kind: str) -> None:
    if kind == "fifo":
        os.mkfifo(here / "stack.yaml")
    else:
        (here / "stack.yaml").symlink_to("/dev/zero")
    what = "a FIFO (named pipe)" if kind == "fifo" else "a device"
    en, zh = both_languages(cli, "check", "stack.yaml")
    assert _one_error(en, "stack.yaml") == f"preflight: error: stack.yaml: not read: {what}, not a regular file"
    assert_chinese(_one_error(zh, "stack.yaml").split(": ", 3)[3])
    # and as a config, waivers, baseline or requests file
    for flag in ("--config", "--waivers", "--baseline"):
        _snapshot(here / "s.json")
        _one_error(cli("check", "s.json", flag, "stack.yaml"), "stack.yaml: not read: ")


def test_the_reader_accepts_a_bom_and_refuses_a_file_that_grows(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (here / "a.json").write_bytes(b"\xef\xbb\xbf{}")
    assert common.read_text(here / "a.json") == "{}"
    (here / "b.json").write_bytes(b"\xef\xbb\xbf{\xff}")
    with pytest.raises(PreflightError, match="byte 4"):
        common.read_text(here / "b.json")
    (here / "c.json").write_text("x" * 100)
    real_fstat = os.fstat
    monkeypatch.setattr(os, "fstat", lambda fd: os.stat_result((stat.S_IFREG | 0o644, *real_fstat(fd)[1:6], 10,
                                                                 *real_fstat(fd)[7:])))
    with common.file_size_cap(50), pytest.raises(PreflightError, match="not read: 51 bytes, more than the limit of 50"):
        common.read_text(here / "c.json")  # says 10 bytes, holds 100: reading stops one byte past the cap


def test_a_snapshot_with_a_bom_is_a_snapshot(cli: Cli, here: Path) -> None:
    path = _snapshot(here / "s.json")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    r = cli("check", "s.json", "-f", "json")
    assert r.code == 0, r.err
    assert r.json()["mode"] == "snapshot" and r.json()["results"]


# ---------------------------------------------------------------------------------------------------------
# 2. A sub-directory that cannot be listed is an error, not a silent skip


@pytest.mark.parametrize("where", ["d/sub", "d"])
def test_a_directory_that_cannot_be_listed(cli: Cli, here: Path, monkeypatch: pytest.MonkeyPatch,
                                           where: str) -> None:
    (here / "d" / "sub").mkdir(parents=True)
    _snapshot(here / "d" / "snap.json")
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if os.fspath(path) == where:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    en, zh = both_languages(cli, "check", "d")
    assert _one_error(en, where) == f"preflight: error: {where}: cannot list the directory: Permission denied"
    _one_error(zh, where)


# ---------------------------------------------------------------------------------------------------------
# 3. JSON line look-ups: one index per document, answers as a rescan would give


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=25,
)


def _pointers(doc: Any, prefix: str = "") -> list[tuple[str, Any]]:
    out = [(prefix, doc)]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _pointers(v, f"{prefix}/{k.replace('~', '~0').replace('/', '~1')}")
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _pointers(v, f"{prefix}/{i}")
    return out


@settings(max_examples=150, deadline=None)
@given(doc=json_values, indent=st.sampled_from([None, 0, 2]), ascii_only=st.booleans())
def test_every_pointer_finds_its_value(doc: Any, indent: int | None, ascii_only: bool) -> None:
    text = json.dumps(doc, indent=indent, ensure_ascii=ascii_only)
    decoder = json.JSONDecoder()
    for pointer, value in _pointers(doc):
        offset = jsonpos.pointer_offset(text, pointer)
        assert decoder.raw_decode(text, offset)[0] == value, (pointer, text)
        assert jsonpos.pointer_line(text, pointer) == text.count("\n", 0, offset) + 1
    assert jsonpos.pointer_offset(text, "/no such/thing") == 0 or isinstance(doc, dict | list)


def test_a_missing_pointer_answers_its_deepest_ancestor_and_duplicates_the_last() -> None:
    text = '{\n "a": {\n  "b": 1\n },\n "a": {\n  "c": 2\n }\n}'
    assert jsonpos.pointer_line(text, "/a") == 5
    assert jsonpos.pointer_line(text, "/a/c/deeper") == 6
    assert jsonpos.pointer_line(text, "/zz") == 1
    assert jsonpos.pointer_line("not json [", "/a") == 1
    assert jsonpos.pointer_line('{"a": "unterminated', "/a") == 1


def test_a_document_is_indexed_once() -> None:
    doc = {"resources": [{"name": f"r{i}", "values": {"k": i}} for i in range(3000)]}
    text = json.dumps(doc, indent=1)
    jsonpos._index.cache_clear()
    lines = [jsonpos.pointer_line(text, f"/resources/{i}/values/k") for i in range(3000)]
    assert jsonpos._index.cache_info().misses == 1
    assert lines == sorted(lines) and len(set(lines)) == 3000


def test_a_hostile_unterminated_text_is_indexed_in_one_pass() -> None:
    text = '"\\"' * 20000  # every quote opens a string that never ends: a retried scan would be quadratic
    index = jsonpos._Index(text)
    assert index.offsets == {"": 0}


# ---------------------------------------------------------------------------------------------------------
# 4. YAML: alias bombs, self-containing aliases, values their tag cannot be


def _bomb(levels: int = 9) -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels + 1):
        name, prev = chr(ord("a") + i), chr(ord("a") + i - 1)
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 10)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("text", "line", "english"), [
    (_bomb(), 5, "not valid YAML: its aliases expand it by more than 100000 nodes (an alias bomb?)"),
    ("a: &x [1, *x]\n", 1, "not valid YAML: an alias refers to a node that contains it"),
    ("a:\n  b: &y {c: *y}\n", 2, "not valid YAML: an alias refers to a node that contains it"),
    ("a: 1\nb: !!timestamp x\n", 2, "not valid YAML: x is not a valid date (YYYY-MM-DD); quote it if it is no date"),
    ("a: !!bool maybe\n", 1, "not valid YAML: 'maybe' cannot be read as tag:yaml.org,2002:bool"),
    ("a:\n- !!int 0x\n", 2, "not valid YAML: '0x' cannot be read as tag:yaml.org,2002:int"),
    ("a: !!float x\n", 1, "not valid YAML: 'x' cannot be read as tag:yaml.org,2002:float"),
], ids=["bomb", "cycle", "cycle-map", "timestamp", "bool", "int", "float"])
def test_yaml_that_cannot_be_read_safely(text: str, line: int, english: str) -> None:
    for load in (lambda: yamlpos.load(text, "f.yaml"), lambda: yamlpos.load_fast(text, "f.yaml")):
        with pytest.raises(PreflightError) as e:
            load()
        assert e.value.lines("en") == [f"f.yaml:{line}: {english}"]
        assert_chinese(e.value.lines("zh")[0].split(": ", 1)[1])


def test_aliases_within_the_bound_are_read() -> None:
    data, _ = yamlpos.load("base: &b {k: 1}\nc: {<<: *b, d: 2}\nl: [*b, *b]\n", "f.yaml")
    assert data == {"base": {"k": 1}, "c": {"k": 1, "d": 2}, "l": [{"k": 1}, {"k": 1}]}
    yamlpos.check_aliases(yamlpos.load(_bomb(3), "f")[1].node, "f")  # 10^4 nodes: under the bound
    with pytest.raises(PreflightError):
        yamlpos.check_aliases(yamlpos.load(_bomb(3), "f")[1].node, "f", limit=1000)


@pytest.mark.parametrize("where", ["config", "waivers", "ros", "rules", "requests"])
def test_an_alias_bomb_in_any_yaml_we_load(cli: Cli, here: Path, where: str) -> None:
    _snapshot(here / "s.json")
    bomb = _bomb()
    if where == "config":
        (here / ".preflight.yaml").write_text(f"x:\n  {bomb.replace(chr(10), chr(10) + '  ')}")
        args: tuple[str, ...] = ("check", "s.json")
        name = ".preflight.yaml"
    elif where == "waivers":
        (here / "w.yaml").write_text(bomb)
        args, name = ("check", "s.json", "--waivers", "w.yaml"), "w.yaml"
    elif where == "ros":
        (here / "t.yaml").write_text("ROSTemplateFormatVersion: '2015-09-01'\n" + bomb)
        args, name = ("check", "t.yaml"), "t.yaml"
    elif where == "rules":
        (here / "r").mkdir()
        (here / "r" / "PX1-x.yaml").write_text(bomb)
        args, name = ("rules", "list", "--rules", "r"), "r/PX1-x.yaml"
    else:
        (here / "q.yaml").write_text(bomb)
        args, name = ("check", "--live", "--requests", "q.yaml"), "q.yaml"
    line = _one_error(cli(*args), name)
    assert "alias" in line


# ---------------------------------------------------------------------------------------------------------
# 5. Bad input that once ended in "internal error"


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_a_lone_surrogate_in_a_snapshot(cli: Cli, here: Path, fmt: str) -> None:
    path = _snapshot(here / "s.json")
    path.write_text(path.read_text().replace('"ImageId": "', '"ImageId": "\\ud800', 1))
    line_no = next(i for i, line in enumerate(path.read_text().splitlines(), 1) if "\\ud800" in line)
    en, zh = both_languages(cli, "check", "s.json", "-f", fmt)
    assert _one_error(en, f"s.json:{line_no}: ") == (
        f"preflight: error: s.json:{line_no}: /exports/0/ImageId: a string holds a lone UTF-16 surrogate "
        "(\\uD800-\\uDFFF), which is no character")
    assert en.out == "" and zh.out == ""  # nothing, rather than half a report
    _one_error(zh, f"s.json:{line_no}: ")


@pytest.mark.parametrize(("files", "args"), [
    ({"s.json": "snapshot"}, ["s.json"]),
    ({"d/s.json": "snapshot"}, ["d"]),
    ({"p.json": "tests/iac/plan/export.plan.json"}, ["p.json"]),
    ({"d/p.json": "tests/iac/plan/export.plan.json"}, ["d"]),
    ({"r.json": "tests/iac/ros/managed-policy.json"}, ["r.json"]),
    ({"s.json": "snapshot", "d/p.json": "tests/iac/plan/export.plan.json"}, ["s.json", "d"]),
])
def test_each_json_input_s_characters_are_checked_once(files: dict[str, str], args: list[str], here: Path,
                                                       cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """By whoever reads it as an input (the snapshot loader, the IaC source), once; not also while looking."""
    from preflight.sources import jsonpos
    from tests.conftest import ROOT

    for name, what in files.items():
        (here / name).parent.mkdir(exist_ok=True)
        if what == "snapshot":
            _snapshot(here / name)
        else:
            (here / name).write_text((ROOT / what).read_text(encoding="utf-8"), encoding="utf-8")
    checked: list[str] = []
    lone_surrogate = jsonpos.lone_surrogate

    def counting(doc: Any, text: str) -> str | None:
        checked.append(text)
        return lone_surrogate(doc, text)

    monkeypatch.setattr(jsonpos, "lone_surrogate", counting)
    assert cli("check", *args).code in (0, 1)
    assert sorted(checked) == sorted((here / name).read_text(encoding="utf-8") for name in files)


def test_a_snapshot_file_loaded_on_its_own_is_checked_for_lone_surrogates(here: Path) -> None:
    from preflight.errors import PreflightError
    from preflight.sources.snapshot import load_file

    path = _snapshot(here / "s.json")
    path.write_text(path.read_text().replace('"ImageId": "', '"ImageId": "\\ud800', 1))
    with pytest.raises(PreflightError, match="lone UTF-16 surrogate"):
        load_file(path)


def test_a_surrogate_pair_is_a_character(cli: Cli, here: Path) -> None:
    path = _snapshot(here / "s.json")
    path.write_text(path.read_text().replace('"OSSPrefix": "', '"OSSPrefix": "\\ud83d\\ude00', 1))
    assert cli("check", "s.json", "-f", "json").code in (0, 1)


@given(st.text())
def test_output_is_always_writable(text: str) -> None:
    from preflight.cli import _printable

    doc = json.dumps({"v": text}, ensure_ascii=False)
    shown = _printable(doc)
    shown.encode("utf-8")  # never a UnicodeEncodeError half-way through a report
    assert json.loads(shown) == {"v": text}


@pytest.mark.parametrize("regex", ["a{4294967296}", "a{1,99999999999999999999}"])
def test_a_rule_regex_beyond_the_limits_of_re(cli: Cli, here: Path, regex: str) -> None:
    (here / "r").mkdir()
    text = (ROOT / "rules" / "PF104-oss-prefix-format.yaml").read_text().replace("id: PF104", "id: PX104")
    lines = text.splitlines()
    n = next(i for i, line in enumerate(lines, 1) if "matches:" in line)
    lines[n - 1] = "assert: {path: request.OSSPrefix, matches: '" + regex + "'}"
    (here / "r" / "PX104-x.yaml").write_text("\n".join(lines) + "\n")
    en, zh = both_languages(cli, "rules", "list", "--rules", "r")
    assert _one_error(en, f"r/PX104-x.yaml:{n}: ") == (
        f"preflight: error: r/PX104-x.yaml:{n}: bad regular expression '{regex}': a repetition count or a "
        "nesting deeper than Python's regular expressions allow")
    _one_error(zh, f"r/PX104-x.yaml:{n}: ")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_writing_the_report_to_a_full_disk(cli: Cli, here: Path) -> None:
    _snapshot(here / "s.json")
    r = cli("check", "s.json", "-o", "/dev/full")
    assert (r.code, r.err) == (2, "preflight: error: cannot write /dev/full: No space left on device\n")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_standard_output_on_a_full_disk(here: Path) -> None:
    import subprocess
    import sys

    _snapshot(here / "s.json")
    with open("/dev/full", "w") as full:
        r = subprocess.run([sys.executable, "-m", "preflight", "check", "s.json", "--lang", "en"], stdout=full,
                           stderr=subprocess.PIPE, text=True, timeout=120, check=False)
    assert (r.returncode, r.stderr) == (2, "preflight: error: cannot write <stdout>: No space left on device\n")


# ---------------------------------------------------------------------------------------------------------
# 6. Internal errors: one line that says so; the traceback only when asked


@pytest.mark.parametrize(("args", "env", "traceback"), [
    ((), None, False), (("--debug",), None, True), ((), "1", True), ((), "0", False), ((), "", False),
])
def test_an_internal_error(cli: Cli, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], env: str | None,
                           traceback: bool) -> None:
    import preflight.sources.live as live

    def boom(*_: object, **__: object) -> dict[str, Any]:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("preflight.sources.live.required_permissions_policy", boom)
    assert live.required_permissions_policy is boom
    if env is None:
        monkeypatch.delenv("PREFLIGHT_DEBUG", raising=False)
    else:
        monkeypatch.setenv("PREFLIGHT_DEBUG", env)
    r = cli("permissions", *args)
    assert r.code == 2
    first = r.err.splitlines()[0]
    assert first.startswith("preflight: internal error: ZeroDivisionError: boom (this is a bug in preflight")
    assert "report it" in first and "--debug" in first
    assert ("Traceback (most recent call last)" in r.err) is traceback
    assert len(r.err.splitlines()) == 1 or traceback


# ---------------------------------------------------------------------------------------------------------
# 7. What is not IaC is skipped (pre-commit, walks); IaC that exports nothing is read, and said


NOT_OURS = {
    "package.json": json.dumps({"name": "x", "version": "1.0.0", "exports": {".": "./index.js"}}),
    "other.json": json.dumps({"version": 1, "exports": ["./a.js"]}),  # a list, but not of request objects
    "tsconfig.json": '{\n  // comments\n  "compilerOptions": {"strict": true}, "exports": 1,\n}\n',
    "list.yaml": "- a\n- b\n",
    "flow.yaml": "[a, b]\n",
    "map.yml": "{a: b}\n",
}


@pytest.mark.parametrize("name", sorted(NOT_OURS))
def test_pre_commit_skips_what_is_not_ours(cli: Cli, here: Path, name: str) -> None:
    (here / name).write_text(NOT_OURS[name])
    r = cli("check", "--pre-commit", name)
    assert (r.code, r.err) == (0, ""), r


def test_a_walk_skips_what_is_not_ours_but_not_a_broken_snapshot(cli: Cli, here: Path) -> None:
    (here / "d").mkdir()
    for name, text in NOT_OURS.items():
        (here / "d" / name).write_text(text)
    _snapshot(here / "d" / "snap.json")
    r = cli("check", "d", "-f", "json")
    assert r.code == 0 and r.err == "", r
    (here / "d" / "broken.json").write_text('{"version": 1, "exports": [{"RegionId": "cn-hangzhou",')
    _one_error(cli("check", "d"), "d/broken.json:1: not valid JSON")


@pytest.mark.parametrize(("doc", "error"), [
    ({"version": 2}, "d/b.json:1: at /version"),  # a wrong version: its exports would go unchecked
    ({"exports_extra": ["oops"]}, "d/b.json:1: at /exports/1"),  # one malformed entry among requests
], ids=["version 2", "one bad export"])
def test_a_walk_reads_a_snapshot_that_is_meant_as_one_and_says_what_is_wrong(cli: Cli, here: Path,
                                                                           doc: dict[str, Any], error: str) -> None:
    """Skipping it would leave its exports unchecked: with IaC beside it the run would even say go."""
    (here / "d").mkdir()
    (here / "d" / "main.tf").write_text(BUCKET_TF)
    _snapshot(here / "d" / "b.json")
    snap = json.loads((here / "d" / "b.json").read_text())
    if "exports_extra" in doc:
        snap["exports"] = [*snap["exports"][:1], *doc["exports_extra"]]
    else:
        snap.update(doc)
    (here / "d" / "b.json").write_text(json.dumps(snap))
    _one_error(cli("check", "d"), error)


@pytest.mark.parametrize("what", ["dir", "file"])
def test_iac_with_nothing_export_related(cli: Cli, here: Path, what: str) -> None:
    (here / "infra").mkdir()
    (here / "infra" / "main.tf").write_text(BUCKET_TF)
    (here / "infra" / "vars.tf").write_text('variable "v" {}\n')
    en, zh = both_languages(cli, "check", "infra" if what == "dir" else "infra/main.tf")
    assert en.code == 0, en
    assert zh.code == 0, zh
    assert "read 2 IaC file(s): nothing in them exports an image" in en.out
    (here / "empty").mkdir()
    _one_error(cli("check", "empty"), "empty: no snapshot, Terraform, plan or ROS file found")


# ---------------------------------------------------------------------------------------------------------
# 8. A config may name files inside its repository only


@pytest.mark.parametrize(("target", "ok"), [
    ("w.yaml", True), ("sub/w.yaml", True), ("../outside.yaml", False), ("/etc/hostname", False),
    ("link.yaml", False),
])
def test_config_waivers_stay_in_the_repository(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               target: str, ok: bool) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    for w in (repo / "w.yaml", repo / "sub" / "w.yaml", tmp_path / "outside.yaml"):
        w.write_text("waivers: []\n")
    (repo / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    (repo / ".preflight.yaml").write_text(f"waivers: {target}\n")
    _snapshot(repo / "sub" / "s.json")
    en, zh = both_languages(cli, "check", "s.json")
    if ok:
        assert en.code == 0, en
        return
    shown = f"{repo.resolve()}/.preflight.yaml:1: "
    assert _one_error(en, shown) == (
        f"preflight: error: {shown}waivers names a file outside the repository ({repo.resolve()}); a "
        "configuration file may only name files inside it (give another file on the command line)")
    _one_error(zh, shown)
    # given on the command line, the same file is the user's choice
    (repo / ".preflight.yaml").write_text("fail_on: error\n")
    assert cli("check", "s.json", "--waivers", str(tmp_path / "outside.yaml")).code == 0


@pytest.mark.parametrize("text", ['{"ROSTemplateFormatVersion": "2015-09-01", "Resources": {',
                                  '{"format_version": "1.2", "planned_values": {"root_module": '],
                         ids=["ros", "plan"])
def test_a_broken_template_or_plan_in_a_walk_is_an_error_not_a_skip(cli: Cli, here: Path, text: str) -> None:
    (here / "d").mkdir()
    (here / "d" / "main.tf").write_text(BUCKET_TF)
    (here / "d" / "t.json").write_text(text)
    _one_error(cli("check", "d"), "d/t.json:1: not valid JSON")
