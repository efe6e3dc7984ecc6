"""Untrusted text in every report format: values from input (an OSSPrefix, a bucket or role name, a file name)
can add no line, CI command, terminal sequence, Markdown/HTML structure or XML-invalid character, and a copied
remediation command runs exactly the arguments it shows."""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import re
import shlex
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import junitparser
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from preflight.cli import main
from preflight.escape import (
    ValuedText,
    controls,
    controls_but_breaks,
    github_data,
    github_property,
    markdown_cell,
    markdown_code,
    markdown_rich,
    markdown_text,
    text_block,
    text_line,
    xml_text,
)
from preflight.i18n import t
from tests.conftest import EXAMPLE, ROOT

_SETTINGS = settings(deadline=None, database=None, derandomize=bool(os.environ.get("CI")),
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def examples(n: int, *, shrink: bool = True) -> settings:
    """``n`` examples; an end-to-end property runs the whole CLI per example, too slow to shrink a failure."""
    phases = tuple(Phase) if shrink else (Phase.explicit, Phase.reuse, Phase.generate)
    return settings(_SETTINGS, max_examples=n, phases=phases)

#: what an attacker would put in a value: CI workflow commands after a line break, terminal sequences (CSI,
#: OSC hyperlink, BEL, C1 CSI), bidi overrides, Markdown/HTML, shell metacharacters, percent-encoding
FRAGMENTS = ("\n::error file=x::pwned", "\r\n::add-mask::secret", "\n##[error]x", "\n##vso[task.setvariable]x",
             "\x1b[31m", "\x1b]8;;http://evil\x07link\x1b]8;;\x07", "\x07", "\x9b2J", "\x85", "\u202e", "\u2066",
             "\u2028", "\x00", "\t", "\x7f", "<img src=x onerror=alert(1)>", "<script>", "</testcase>", "`", "```",
             "\n# Heading", "\n```\n<b>x</b>\n```", "|", "%0A", "%", ":", ",", "'", '"', ";", "$(id)", "\\",
             "[a](http://e)", "![i](http://e/i.png)", "&amp;", "<!--", "]]>", "\n- item", "\n---", "  ", "*_~")
#: any character but a surrogate (no UTF-8 file can hold one; the loaders' own tests cover them)
_CHARS = st.characters(blacklist_categories=("Cs",))
hostile = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(_CHARS, max_size=4)), min_size=1, max_size=5
                   ).map("".join).filter(bool)
#: the same, possibly empty, and with lone surrogates (which a str in memory can hold)
mixed = st.lists(st.one_of(st.sampled_from((*FRAGMENTS, "\ud800", "\udfff")), st.text(_CHARS, max_size=4)),
                 max_size=5).map("".join)

#: raw characters no text report may hold: C0 but \n, DEL, C1, bidi controls, line/paragraph separators
_RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _replace(node: Any, names: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: _replace(v, names) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace(v, names) for v in node]
    return names.get(node, node) if isinstance(node, str) else node


def _file_name(text: str) -> str:
    """A file name holding ``text`` (a name cannot hold '/' or NUL, and is at most 255 bytes)."""
    name = "s" + text.replace("/", "_").replace("\0", "_") + ".json"
    while len(name.encode("utf-8", "surrogatepass")) > 250:
        name = name[:-6] + ".json"
    return name


def run_all_formats(prefix: str, bucket: str, role: str, file_text: str) -> dict[str, str]:
    """The example snapshot with one export's prefix, bucket and role (and the snapshot's file name) hostile,
    checked once with every format written; the outputs by format."""
    doc = _replace(json.loads(EXAMPLE.read_text(encoding="utf-8")),
                   {"BigData": prefix, "shared-downloads": bucket, "ImageExportRole": role})
    formats = ("text", "github", "markdown", "junit", "json", "sarif")
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        name = _file_name(file_text)
        Path(name).write_text(json.dumps(doc), encoding="utf-8")
        Path("config.yaml").write_text("{}\n", encoding="utf-8")  # no configuration from the surroundings
        args = ["check", name, "--lang", "en", "--config", "config.yaml"]
        for fmt in formats:
            args += ["--report", f"{fmt}=out.{fmt}"]
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
            code = main(args)
        assert code == 1, code  # a report was made (the example fails)
        return {fmt: Path(f"out.{fmt}").read_text(encoding="utf-8") for fmt in formats}


def _check_text(out: str) -> None:
    assert not _RAW_CONTROL.search(out), repr(_RAW_CONTROL.search(out))
    for line in out.split("\n"):
        assert not line.lstrip().startswith(("::", "##")), line


def _check_github(out: str, report: dict[str, Any]) -> None:
    assert not _RAW_CONTROL.search(out.replace("\n", ""))
    lines = out.rstrip("\n").split("\n")
    annotations = [line for line in lines if line.startswith("::")]
    # one line per annotation: every finding that is not a pass or skip (waived and baselined ones included)
    findings = [r for r in report["results"] if r["status"] in ("fail", "unknown", "waived")]
    assert len(annotations) >= len(findings)
    assert lines[:len(annotations)] == annotations  # nothing else until the summary lines at the end
    assert len(lines) - len(annotations) <= 3 and not any(line.startswith("::") for line in lines[len(annotations):])
    for line in annotations:
        head, _, _message = line[2:].partition("::")
        kind, _, props = head.partition(" ")
        assert kind in ("error", "warning", "notice")
        for prop in props.split(","):
            key, _, value = prop.partition("=")
            assert key in ("file", "line", "title") and ":" not in value and "," not in value


def _check_markdown(out: str) -> None:
    assert not _RAW_CONTROL.search(out)
    tokens = MarkdownIt("commonmark").enable("table").parse(out)
    ours = {t(key, "en") for key in ("md_failures", "md_other", "md_waived", "md_warnings")}
    for i, tok in enumerate(tokens):
        assert tok.type != "html_block", tok.content
        if tok.type == "heading_open":
            title = tokens[i + 1].content
            assert (tok.tag == "h2" and title.startswith(("✅", "❌"))) or \
                   (tok.tag == "h3" and any(title.startswith(o) for o in ours)) or \
                   (tok.tag == "h4" and title.startswith(("error · ", "warning · ", "info · "))), (tok.tag, title)
        if tok.type == "fence":
            assert tok.info in ("hcl", "json"), tok.info
        for child in tok.children or ():
            assert child.type not in ("image", "link_open"), child
            assert child.type != "html_inline" or child.content == "<br>", child.content


def _check_junit(out: str, report: dict[str, Any]) -> None:
    root = ET.fromstring(out.encode("utf-8"))
    assert len(root.findall("./testsuite/testcase")) == len(report["results"])
    suites = junitparser.JUnitXml.fromstring(out)
    assert sum(1 for suite in suites for _ in suite) == len(report["results"])
    assert not re.search("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]", out)


@examples(12, shrink=False)
@given(prefix=hostile, bucket=hostile, role=hostile, file_text=hostile)
def test_hostile_values_stay_values_in_every_format(prefix: str, bucket: str, role: str, file_text: str) -> None:
    outs = run_all_formats(prefix, bucket, role, file_text)
    report = json.loads(outs["json"])
    sarif = json.loads(outs["sarif"])  # JSON and SARIF escape by themselves: they parse, values intact
    assert sarif["runs"][0]["results"] and report["results"]
    _check_text(outs["text"])
    _check_github(outs["github"], report)
    _check_markdown(outs["markdown"])
    _check_junit(outs["junit"], report)


@pytest.mark.parametrize("value", ["x\n::error::pwned", "x\r\n::add-mask::s", "x\u2028::error::y", "\x1b]0;t\x07",
                                   "<img src=x onerror=alert(1)>\n# h", "a`b``c```\n```\n<b>", "\x00"])
def test_each_attack_once(value: str) -> None:
    """The same checks on fixed inputs, so a regression shows the exact attack that got through."""
    outs = run_all_formats(value, "b" + value, "R" + value, value)
    report = json.loads(outs["json"])
    _check_text(outs["text"])
    _check_github(outs["github"], report)
    _check_markdown(outs["markdown"])
    _check_junit(outs["junit"], report)
    # the JSON report keeps the value itself in the evidence and the subject; its message shows it escaped
    assert any(value in r["subject"] for r in report["results"])
    assert not any("\n::" in r["message"] for r in report["results"])


# ---------------------------------------------------------------------------------------------------------
# Remediation commands


_PRINTABLE = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp", "Cf")), min_size=1, max_size=20)


def _between(text: str, start: str, end: str) -> str:
    i = text.index(start) + len(start)
    return text[i:text.index(end, i)]


@examples(15, shrink=False)
@given(role=_PRINTABLE, bucket=_PRINTABLE, prefix=st.from_regex(r"[A-Za-z0-9]{1,12}", fullmatch=True))
def test_a_copied_command_runs_exactly_its_arguments(role: str, bucket: str, prefix: str) -> None:
    _check_commands(role, bucket, prefix)


@pytest.mark.parametrize("prefix", ['x"],"Action":["*', "a\\b", "${file(\"/etc/passwd\")}", "%{if 1}x%{endif}"])
def test_a_hostile_prefix_reaches_the_policy_document_as_data(prefix: str) -> None:
    _check_commands("R", "b", prefix)


@pytest.mark.parametrize("value", ['x"],"Action":["*', "${file(\"/etc/passwd\")}", "%{for x in y}", "a\\b\n"])
def test_fix_texts_keep_hostile_names_and_prefixes_as_data(value: str) -> None:
    """The least-privilege fix as JSON, ROS and Terraform: a role, bucket or prefix is one string value in each,
    never more statements, and never a Terraform interpolation or directive."""
    from preflight import policy as pol

    parts = pol.least_privilege_fix(value, value, value, "123")  # the path exports take (facts/derive.py)
    document = json.loads(str(parts["permission_policy"]))
    resources = [r for st in document["Statement"] for r in st["Resource"]]
    assert set(resources) <= {f"acs:oss:*:123:{value}", f"acs:oss:*:123:{value}/{value}*"}
    assert f"acs:oss:*:123:{value}/{value}*" in resources
    assert all(st["Action"] != ["*"] and "*" not in st["Action"] for st in document["Statement"])
    ros = json.loads(str(parts["ros"]))
    assert ros["ImageExportRole"]["Properties"]["RoleName"] == value
    terraform = str(parts["terraform"])
    # every ${ or %{ in the snippet is escaped ($${, %%{): HCL reads it as literal text
    assert terraform.count("${") == terraform.count("$${") and terraform.count("%{") == terraform.count("%%{")


def _check_commands(role: str, bucket: str, prefix: str) -> None:
    report = json.loads(run_all_formats(prefix, bucket, role, "snap")["json"])
    fixes = [r["remediation"] for r in report["results"]
             if r["rule_id"] == "PF403" and r["subject"].endswith(f"oss://{bucket}/{prefix}")]
    assert fixes
    for lang_fix in fixes:
        attach = shlex.split(_between(lang_fix, "then `", "`. Whether ECS"))
        assert attach[:6] == ["aliyun", "ram", "AttachPolicyToRole", "--PolicyType", "Custom", "--PolicyName"]
        assert attach[7:] == ["--RoleName", role]
        create = shlex.split(_between(lang_fix, "with `", "` then `"))
        assert create[:3] == ["aliyun", "ram", "CreatePolicy"] and create[3] == "--PolicyName"
        assert create[4] == attach[6] and create[5] == "--PolicyDocument" and len(create) == 7
        document = json.loads(create[6])  # the policy document arrives whole, bucket name and all
        resources = [res for statement in document["Statement"] for res in statement["Resource"]]
        assert any(res.endswith(f":{bucket}/{prefix}*") for res in resources), resources
        assert all(statement["Action"] != ["*"] for statement in document["Statement"])


#: a command pasted into a remediation: `aliyun …`, `ossutil …`, `terraform import …`
_COMMAND = re.compile(r"`((?:aliyun|ossutil|terraform) [^`]*)`")
_PLACEHOLDER = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")


def _bundled_rules() -> list[Path]:
    return sorted((ROOT / "rules").glob("PF*.yaml"))


@pytest.mark.parametrize("path", _bundled_rules(), ids=lambda p: p.stem.split("-")[0])
def test_every_shell_command_in_a_bundled_rule_quotes_its_values(path: Path) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for lang in ("en", "zh"):
        for command in _COMMAND.findall(doc["remediation"][lang]):
            for expr in _PLACEHOLDER.findall(command):
                assert "sh" in [f.strip() for f in expr.split("|")[1:]], (lang, command, expr)


def test_the_commands_are_found() -> None:
    """(the test above would pass on rules it cannot read: it must see the commands it checks)"""
    docs = [yaml.safe_load(p.read_text("utf-8")) for p in _bundled_rules()]
    texts = [doc["remediation"][lang] for doc in docs for lang in ("en", "zh")]
    found = [c for text in texts for c in _COMMAND.findall(text) if "{" in c]
    assert len(found) >= 40


# ---------------------------------------------------------------------------------------------------------
# The medium functions themselves


@pytest.mark.parametrize(("raw", "shown"), [
    ("a\nb", "a\\nb"), ("\x1b[31m", "\\x1b[31m"), ("\x07", "\\x07"), ("\x9b", "\\x9b"), ("\u202e", "\\u202e"),
    ("\t", "\\t"), ("\r", "\\r"), ("\ud800", "\\ud800"), ("\u2028", "\\u2028"), ("plain 中文", "plain 中文"),
])
def test_controls_are_shown_escaped(raw: str, shown: str) -> None:
    assert controls(raw) == shown


@pytest.mark.parametrize(("raw", "shown"), [
    ("::error::x", "\\x3a:error::x"), ("  ::warning::x", "  \\x3a:warning::x"), ("##[error]x", "\\x23#[error]x"),
    ("a ::b", "a ::b"),
])
def test_a_line_a_runner_would_run_is_defused(raw: str, shown: str) -> None:
    assert text_line(raw) == shown


@examples(100)
@given(mixed)
def test_text_block_lines_are_indented_and_inert(text: str) -> None:
    out = text_block(text, "    ")
    assert not _RAW_CONTROL.search(out)
    lines = out.split("\n")
    assert len(lines) == text.count("\n") + 1  # the text's own line breaks, no other
    assert all(line == "" or line.startswith("    ") for line in lines[1:])
    assert not any(line.lstrip().startswith(("::", "##")) for line in lines)


_MD = MarkdownIt("commonmark")


def _inline(md: str) -> list[Any]:
    blocks = _MD.parse(md)
    assert [t.type for t in blocks] == ["paragraph_open", "inline", "paragraph_close"], md
    return list(blocks[1].children or ())


@examples(100)
@given(st.text(_CHARS, min_size=1))
def test_a_code_span_holds_exactly_its_text(text: str) -> None:
    children = _inline("x " + markdown_code(text))
    code = [c for c in children if c.type == "code_inline"]
    assert len(code) == 1 and code[0].content == controls(text).replace("\n", " ")


@examples(100)
@given(hostile)
def test_markdown_text_renders_as_itself(text: str) -> None:
    if not controls(text).strip():
        return
    children = _inline("x " + markdown_text(text))
    assert all(c.type in ("text", "softbreak") for c in children), [c.type for c in children]
    assert "".join(c.content for c in children) == ("x " + controls(text)).rstrip(" ")


@examples(100)
@given(st.lists(mixed, max_size=4))
def test_rule_text_keeps_its_code_and_nothing_else(values: list[str]) -> None:
    text = "Run `aliyun x --Name {}` then\n```hcl\nname = \"{}\"\n```\nand {}".format(*(values + ["v"] * 3)[:3])
    for md in (markdown_rich(text), markdown_cell(text)):
        tokens = MarkdownIt("commonmark").enable("table").parse(md)
        assert not [t for t in tokens if t.type in ("html_block", "heading_open")]
        children = [c for t in tokens for c in t.children or ()]
        assert not [c for c in children if c.type in ("image", "link_open")]
        assert all(c.content == "<br>" for c in children if c.type == "html_inline")


def test_rule_text_examples() -> None:
    assert markdown_rich("Use `a|b` and *x*") == "Use `a|b` and \\*x\\*"
    assert markdown_cell("Use `a|b`\nthen") == "Use `a\\|b`<br>then"
    assert markdown_rich("x\n```json\n{}\n```") == "x\n```json\n{}\n```"
    assert markdown_rich("# not a heading") == "\\# not a heading"
    assert markdown_rich("1. not a list") == "1\\. not a list"
    assert markdown_code("a`b") == "``a`b``" and markdown_code("`a") == "`` `a ``"


@examples(100)
@given(mixed)
def test_xml_text_is_always_well_formed(text: str) -> None:
    element = ET.Element("t", {"a": xml_text(text)})
    element.text = xml_text(text)
    parsed = ET.fromstring(ET.tostring(element, encoding="unicode").encode("utf-8", "surrogatepass"))
    assert parsed.text is None or "\x1b" not in parsed.text


@examples(100)
@given(mixed)
def test_github_data_is_one_line_and_decodes_back(text: str) -> None:
    data, prop = github_data(text), github_property(text)
    assert "\n" not in data and "\r" not in data and "\n" not in prop and ":" not in prop and "," not in prop
    decoded = data.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")  # as the runner decodes it
    assert decoded == controls_but_breaks(text)


@examples(300)
@given(st.lists(st.one_of(mixed, st.sampled_from(("\n", "\n  ::x", "\n##", "\n\n", " \u3000::"))), max_size=6)
       .map("".join), st.sampled_from(("", "  ", " " * 18)))
def test_text_block_fast_path_is_the_line_by_line_one(text: str, indent: str) -> None:
    first, *rest = text.split("\n")
    by_line = "\n".join([text_line(first), *(indent + text_line(line) if line else "" for line in rest)])
    assert text_block(text, indent) == by_line


# ---------------------------------------------------------------------------------------------------------
# A value's backticks stay inside the rule's code span


@examples(200)
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp", "Cf")), min_size=1, max_size=30))
def test_a_value_cannot_close_the_rules_code_span(value: str) -> None:
    head = "Run `cmd --Name "
    text = ValuedText(f"{head}{value} --x` now", ((len(head), len(head) + len(value)),))
    # (a table cell as GitHub reads it: each escaped pipe unescaped first, even inside a code span)
    for md in (markdown_rich(text), markdown_cell(text).replace("\\|", "|")):
        children = _inline("x " + md)
        code = [c.content for c in children if c.type == "code_inline"]
        assert code == [f"cmd --Name {value} --x"], (md, code)


def test_valued_text_is_a_plain_string_elsewhere() -> None:
    text = ValuedText("a `b` c", ((3, 4),))
    assert text == "a `b` c" and json.dumps(text) == json.dumps("a `b` c") and text.values == ((3, 4),)
    again = pickle.loads(pickle.dumps(text))
    assert again == text and again.values == text.values


@pytest.mark.parametrize("role", ["R`x", "a``b", "`", "x` <img src=y> `"])
def test_a_role_name_with_backticks_stays_in_the_command_span(role: str) -> None:
    md = run_all_formats("BigData", "shared-downloads", role, "snap")["markdown"]
    tokens = MarkdownIt("commonmark").parse(md)
    spans = [c.content for t in tokens for c in t.children or () if c.type == "code_inline"
             and c.content.startswith("aliyun ram AttachPolicyToRole --PolicyType Custom")
             and "SharedDownloads" in c.content]  # (the export whose role is hostile)
    assert spans and all(shlex.split(span)[-2:] == ["--RoleName", role] for span in spans), spans


@pytest.mark.parametrize("text", ["0\xa0", "a \u2003", "b\xa0 ", "\u3000x\u3000"])
def test_markdown_text_keeps_trailing_unicode_whitespace(text: str) -> None:
    children = _inline("x " + markdown_text(text))
    assert "".join(c.content for c in children) == ("x " + controls(text)).rstrip(" ")
