"""Every error of rule files, named lists, rule directories, the error catalogue and YAML loading — and the
reason of an unknown count — is worded in Chinese under ``--lang zh``, with file and line, and unchanged in
English."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from preflight import yamlpos
from preflight.catalog import read_error_catalog
from preflight.errors import Foreign, Msg, PreflightError
from preflight.facts import Unknown
from preflight.i18n import render, t
from preflight.rules import COUNT_UNKNOWN, load_rules, schema_problems
from preflight.rules.operators import count_test, parse_count
from preflight.sources.common import display_path
from tests.conftest import EXAMPLE, Cli
from tests.zhcheck import assert_chinese

RULESET = load_rules()
PF104 = RULESET.get("PF104")
assert PF104 is not None
PF104_SOURCE = PF104.source
LISTS = ", ".join(sorted(RULESET.lists))
IMAGE_FIELDS = "ImageId, ImageOwnerAlias, OSName, OSType, Platform, ProductCode, RegionId, Status, data_disks, disks"
OPERATORS = ("all, any, contains, count, eq, exists, gt, gte, in, length, lt, lte, matches, ne, none, not_in, "
             "not_matches, unknown")
RULE_KEYS = "assert, category, description, evidence, id, locate, message, pass_evidence, prevents, references, " \
            "remediation, severity, title, when"

FIELDS = {
    "id": "USR001",
    "title": "{en: t, zh: 标题}",
    "severity": "error",
    "category": "precondition",
    "message": "{en: m, zh: 消息}",
    "remediation": "{en: r, zh: 修复}",
}


def rule(check: str | None = "{path: image.Status, eq: Available}", extra: str = "", **over: str | None) -> str:
    """A rule file: the fields above (one a line, ``assert`` on line 7), overridden, then ``extra`` lines."""
    fields = {**FIELDS, "assert": check, **over}
    return "".join(f"{k}: {v}\n" for k, v in fields.items() if v is not None) + extra


def both(run: Callable[[str], list[str]], where: str, english: str) -> None:
    """The one error line in English is ``where: english`` ("…" at the end: a prefix of it); in Chinese the
    same place, then a Chinese message."""
    (en,) = run("en")
    (zh,) = run("zh")
    prefix = f"{where}: "
    assert en.startswith(prefix), en
    assert zh.startswith(prefix), zh
    message = en[len(prefix):]
    if english.endswith("…"):
        assert message.startswith(english[:-1]), message
    else:
        assert message == english
    assert_chinese(zh[len(prefix):])
    assert zh != en


def cli_lines(cli: Cli, *args: str) -> Callable[[str], list[str]]:
    def run(lang: str) -> list[str]:
        r = cli(*args, "--lang", lang)
        assert r.code == 2, (r.code, r.out, r.err)
        lines = r.err.strip().splitlines()
        assert all(line.startswith("preflight: error: ") for line in lines), r.err
        return [line.removeprefix("preflight: error: ") for line in lines]

    return run


# ---------------------------------------------------------------------------------------------------------
# rule files, through `preflight check --rules DIR`

A = "{path: image.disks, any: {path: Size, gt: 1}}"  # a valid quantifier
RULE_CASES = [
    # paths
    ("path_type", rule('{path: "", exists: true}'), 7, "a path must be a non-empty string such as 'image.Status'"),
    ("path_no_field_list", rule("{path: image.disks.Size, lte: 500}"), 7,
     "path 'image.disks.Size': 'image.disks' is a list[Disk]; it has no field 'Size' "
     "(use a quantifier: any/all/none/count)"),
    ("path_no_field", rule("{path: image.Status.x, eq: a}"), 7,
     "path 'image.Status.x': 'image.Status' is a str; it has no field 'x'"),
    ("path_never", rule("{path: image.Statuss, eq: Available}"), 7,
     f"path 'image.Statuss' can never exist: Image has no field 'Statuss' (fields: {IMAGE_FIELDS})"),
    # conditions
    ("cond_shape", rule("[a]"), 7,
     "a condition must be a mapping: {path: ..., <operator>: ...}, all_of, any_of or not"),
    ("cond_alone", rule("{not: {path: image.Status, exists: true}, path: x}"), 7,
     "'not' must stand alone; also found ['path']"),
    ("cond_list", rule("{all_of: []}"), 7, "'all_of' takes a non-empty list of conditions"),
    ("cond_keys", rule("{foo: 1}"), 7,
     "unknown condition keys ['foo']: expected path + operator, all_of, any_of or not"),
    ("where_leaf", rule("{path: image.Status, eq: x, where: {path: a, eq: b}}"), 7,
     "'where' filters a quantifier (any/all/none/count)"),
    ("unknown_op", rule("{path: image.Status, equals: Available}"), 7,
     f"unknown operator 'equals' (operators: {OPERATORS})"),
    ("one_op", rule("{path: image.Status}"), 7, "a condition needs exactly one operator"),
    ("one_op_found", rule("{path: request.RegionId, exists: true, eq: x}"), 7,
     "a condition needs exactly one operator, found ['eq', 'exists']"),
    ("ignore_case", rule("{path: image.Status, eq: x, ignore_case: 1}"), 7, "ignore_case must be true or false"),
    ("ref_single", rule("{path: image.Status, eq: {ref: image.disks}}"), 7,
     "'image.disks' is a list[Disk], not a single value"),
    ("value_shape", rule("{path: image.Status, eq: {foo: 1}}"), 7,
     "a value is a literal, {ref: path} or {fmt: 'text {path}'}"),
    ("value_list", rule("{path: image.Status, eq: [a]}"), 7,
     "expected a single value, not a list (use 'in' for a set of values)"),
    ("op_bool", rule("{path: image.Status, exists: 1}"), 7, "'exists' takes true or false"),
    ("op_single", rule("{path: image.disks, eq: x}"), 7, "'eq' compares single values; 'image.disks' is a list[Disk]"),
    ("op_one_value", rule("{path: image.disks, in: [x]}"), 7,
     "'in' tests one value; 'image.disks' is a list[Disk] (use contains/any)"),
    ("op_string_path", rule("{path: image.disks, matches: x}"), 7,
     "'matches' needs a string path; 'image.disks' is a list[Disk]"),
    ("op_regex_type", rule("{path: image.Status, matches: 1}"), 7, "'matches' takes a regular expression string"),
    ("bad_regex", rule("{path: request.OSSPrefix, matches: '[a-z'}"), 7,
     "bad regular expression '[a-z': unterminated character set at position 0"),
    ("bad_regex_lines", rule('{path: request.OSSPrefix, matches: "x\\n(a"}'), 7,
     "bad regular expression 'x\\n(a': missing ), unterminated subpattern at position 2 (line 2, column 1)"),
    ("op_numbers", rule("{path: image.Status, gt: 3}"), 7, "'gt' compares numbers; 'image.Status' is a str"),
    ("op_number", rule("{path: image.disks, all: {path: Size, gt: x}}"), 7, "'gt' takes a number"),
    ("op_length", rule("{path: image, length: {lte: 1}}"), 7,
     "'length' needs a string or list path; 'image' is a Image"),
    ("op_contains", rule("{path: image.Status, contains: x}"), 7,
     "'contains' needs a list of values; 'image.Status' is a str"),
    ("no_list", rule("{path: request.RegionId, in: {list: no-such-list}}"), 7,
     f"no named list 'no-such-list' (lists: {LISTS})"),
    ("values_shape", rule("{path: request.RegionId, in: []}"), 7,
     "expected a non-empty list of values or {list: name}"),
    ("values_plain", rule("{path: request.RegionId, in: [[a]]}"), 7, "list values must be plain values"),
    ("never_equal", rule("{path: image.disks, any: {path: Size, eq: '40'}}"), 7,
     "'40' can never equal 'Size', which holds a int"),
    ("count_shape", rule("{path: image.disks, count: 3}"), 7,
     "expected one comparison such as {lte: 4} (eq, ne, gt, gte, lt, lte)"),
    ("count_op", rule("{path: image.disks, count: {le: 3}}"), 7, "unknown comparison 'le' (eq, ne, gt, gte, lt, lte)"),
    ("count_int", rule("{path: image.disks, count: {lte: 1.5}}"), 7, "a count is compared with a whole number"),
    ("quant_shape", rule("{path: image.disks, any: {path: Size, gt: 1}, all: {path: Size, gt: 1}}"), 7,
     "a quantifier takes path, optional where, and one of any/all/none/count"),
    ("quant_shape_extra", rule("{path: image.disks, any: {path: Size, gt: 1}, foo: 1}"), 7,
     "a quantifier takes path, optional where, and one of any/all/none/count; unexpected ['foo']"),
    ("quant_list", rule("{path: image.Status, any: {path: x, eq: y}}"), 7,
     "'any' needs a list; 'image.Status' is a str"),
    ("quant_plain", rule("{path: role.other_principals, any: {path: x, eq: y}}"), 7,
     "'role.other_principals' is a list of plain values: use 'contains' or 'length'"),
    # texts and their placeholders
    ("text_type", rule("{path: image.Status, eq: {fmt: 1}}"), 7, "expected a text"),
    ("unbalanced", rule('{path: image.Status, eq: {fmt: "a{"}}'), 7,
     "unbalanced '{' or '}' in text (write '{{' or '}}' for a literal brace)"),
    ("placeholder_list", rule('{path: image.Status, eq: {fmt: "{image.Status[*].x}"}}'), 7,
     "'image.Status' in {image.Status[*].x} is not a list of facts"),
    ("count_needs_list", rule('{path: image.Status, eq: {fmt: "{image.Status|count}"}}'), 7,
     "'|count' needs a list; 'image.Status' is a str"),
    ("bitext", rule(extra="description: {en: d}\n"), 8,
     "expected {en: '...', zh: '...'}: a non-empty text in each language"),
    ("message_placeholder", rule(message="{en: 'image {image.Statu}', zh: 镜像}"), 5,
     "path '$.image.Statu' can never exist: Image has no field 'Statu' …"),
    # the rule document
    ("doc_shape", "- a\n", 1, "a rule file must hold one mapping (id, title, severity, ...)"),
    ("unknown_key", rule(extra="extra_key: 1\n"), 8, f"unknown key 'extra_key' (allowed: {RULE_KEYS})"),
    ("required", rule(None), 1, "missing required key 'assert'"),
    ("id", rule(id="1x"), 1, "id must be 2-64 letters, digits, '.', '_' or '-', starting with a letter"),
    ("severity", rule(severity="fatal"), 3, "severity must be error, warning or info"),
    ("category", rule(category="other"), 4, "category must be precondition, security or hygiene"),
    ("prevents", rule(extra="prevents: [x-y]\n"), 8, "prevents is a list of distinct ExportImage error codes"),
    ("references", rule(extra="references: ['ftp://x']\n"), 8, "references is a list of http(s) URLs"),
    ("evidence", rule(extra="evidence: [1]\n"), 8, "evidence is a list of fact paths"),
    ("locate", rule(extra="locate: nowhere\n"), 8,
     "locate names a fact of the subject: request, account_id, region, image, tasks, bucket, role"),
    ("schema_deep", rule("{not: " * 250 + "{path: image.Status, exists: true}" + "}" * 250), 1,
     "the rule's conditions nest too deeply to validate"),
    # YAML
    ("yaml_duplicate_key", rule(extra="severity: info\n"), 8, "duplicate key 'severity'"),
    ("yaml_syntax", "id: A1\ntitle: [unclosed\n", 3, "not valid YAML: did not find expected ',' or ']'"),
    ("yaml_mapping_values", "id: a: b\n", 1, "not valid YAML: mapping values are not allowed in this context"),
    ("yaml_indent", "id: A1\n  title: x\n", 2, "not valid YAML: mapping values are not allowed in this context"),
    ("yaml_control", "id: \x01\n", 1, "not valid YAML: control characters are not allowed"),
    ("yaml_tab", "id:\n\t- b\n", 2, "not valid YAML: found character that cannot start any token"),
    ("yaml_two_documents", "id: A1\n---\nid: A2\n", 2, "not valid YAML: but found another document"),
    ("yaml_unknown_tag", "id: !foo A1\n", 1, "not valid YAML: could not determine a constructor for the tag '!foo'"),
    ("yaml_nesting", "id: " + "[" * 1100 + "]" * 1100 + "\n", 1, "not valid YAML: exceeded maximum nesting depth"),
    ("yaml_date", rule(extra="when: 2026-13-01\n"), 8,
     "not valid YAML: 2026-13-01 is not a valid date (YYYY-MM-DD); quote it if it is no date"),
]
# a value its tag cannot be: named by its line (yamlpos finds the scalar), no longer the whole file
RULE_CASES_NO_LINE = [
    ("yaml_bool", "id: !!bool maybe\n", "not valid YAML: 'maybe' cannot be read as tag:yaml.org,2002:bool"),
    ("yaml_int", "id: !!int abc\n", "not valid YAML: 'abc' cannot be read as tag:yaml.org,2002:int"),
]


def write_rules(tmp_path: Path, text: str, name: str = "USR001.yaml") -> tuple[Path, str]:
    d = tmp_path / "rules"
    d.mkdir(exist_ok=True)
    path = d / name
    path.write_text(text, encoding="utf-8")
    return d, display_path(path)


@pytest.mark.parametrize(("text", "line", "english"), [pytest.param(*c[1:], id=c[0]) for c in RULE_CASES])
def test_rule_file_errors(cli: Cli, tmp_path: Path, text: str, line: int, english: str) -> None:
    d, display = write_rules(tmp_path, text)
    both(cli_lines(cli, "check", "--rules", str(d), str(EXAMPLE)), f"{display}:{line}", english)


@pytest.mark.parametrize(("text", "english"), [pytest.param(*c[1:], id=c[0]) for c in RULE_CASES_NO_LINE])
def test_rule_file_errors_without_line(cli: Cli, tmp_path: Path, text: str, english: str) -> None:
    d, display = write_rules(tmp_path, text)
    both(cli_lines(cli, "check", "--rules", str(d), str(EXAMPLE)), f"{display}:1", english)


def test_duplicate_rule_id(cli: Cli, tmp_path: Path) -> None:
    d, display = write_rules(tmp_path, rule(id="PF104"), "mine.yaml")
    both(cli_lines(cli, "check", "--rules", str(d), str(EXAMPLE)), f"{display}:1",
         f"duplicate rule id 'PF104' (first defined at {PF104_SOURCE})")


def test_missing_rule_directory(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    both(cli_lines(cli, "check", "--rules", str(missing), str(EXAMPLE)), display_path(missing),
         "rule directory does not exist")


# -- named lists (DIR/lists/*.yaml) --------------------------------------------------------------------------

LIST_CASES = [
    ("list_shape", "foo", "name: foo\n", 1, "a named list needs 'name', 'description' and a 'values' list"),
    ("list_values", "foo", "name: foo\ndescription: d\nvalues: [1]\n", 3, "list values must be strings"),
    ("list_name", "foo", "name: bar\ndescription: d\nvalues: [a]\n", 1, "'name' must be the file's stem 'foo'"),
    ("list_redefined", "image-formats", "name: image-formats\ndescription: d\nvalues: [a]\n", None,
     "named list 'image-formats' is already defined by the bundled rules"),
]


@pytest.mark.parametrize(("stem", "text", "line", "english"), [pytest.param(*c[1:], id=c[0]) for c in LIST_CASES])
def test_named_list_errors(cli: Cli, tmp_path: Path, stem: str, text: str, line: int | None, english: str) -> None:
    d = tmp_path / "rules"
    (d / "lists").mkdir(parents=True)
    path = d / "lists" / f"{stem}.yaml"
    path.write_text(text, encoding="utf-8")
    where = display_path(path) if line is None else f"{display_path(path)}:{line}"
    both(cli_lines(cli, "check", "--rules", str(d), str(EXAMPLE)), where, english)


# -- the schema's problems, worded by schemas.problems() -------------------------------------------------------


def test_schema_problem_is_placed_and_worded(tmp_path: Path) -> None:
    # the compiler rejects this first on a real run; the schema's wording of it is tested directly
    _, display = write_rules(tmp_path, rule(severity="fatal"))
    doc, lines = yamlpos.load(rule(severity="fatal"), display)
    ((where, msg), *_) = schema_problems(doc, display, lines)
    assert where == f"{display}:3"
    assert msg.key == "rule.schema_at" and msg.values["pointer"] == "/severity"
    assert render(msg, "en").startswith("at /severity: ")
    zh = render(msg, "zh")
    assert zh.startswith("位于 /severity：")
    assert isinstance(msg.values["problem"], Msg)  # schemas.problems() words jsonschema's text as a message
    assert_chinese(zh)


# ---------------------------------------------------------------------------------------------------------
# the error catalogue (rules/errors/ExportImage.yaml)

CATALOG_HEAD = "api: ExportImage\nsource: https://help.aliyun.com/x\ncodes:\n"
ENTRY = ("  - code: InvalidImageId.NotFound\n    http_status: [404]\n    messages: [The image does not exist.]\n"
         "    description_zh: 镜像不存在\n")


def entry(**over: str | None) -> str:
    fields = {"code": "InvalidImageId.NotFound", "http_status": "[404]", "messages": "[The image does not exist.]",
              "description_zh": "镜像不存在", **over}
    return "".join(f"{'  - ' if i == 0 else '    '}{k}: {v}\n"
                   for i, (k, v) in enumerate((k, v) for k, v in fields.items() if v is not None))


CATALOG_CASES = [
    ("cat_shape", "- a\n", 1, "an error catalogue is a mapping with 'api', 'source' and 'codes'"),
    ("unknown_key", CATALOG_HEAD + ENTRY + "foo: 1\n", 8, "unknown key 'foo' (allowed: api, codes, source)"),
    ("required", "api: ExportImage\nsource: https://x\n", 1, "missing required key 'codes'"),
    ("cat_api", CATALOG_HEAD.replace("ExportImage", "Other") + ENTRY, 1, "'api' must be 'ExportImage'"),
    ("cat_source", CATALOG_HEAD.replace("https", "ftp") + ENTRY, 2, "'source' must be the URL of the API reference"),
    ("cat_codes", "api: ExportImage\nsource: https://x\ncodes: []\n", 3,
     "'codes' must be a non-empty list of error codes"),
    ("cat_duplicate", CATALOG_HEAD + ENTRY + ENTRY, 8,
     "duplicate error code 'InvalidImageId.NotFound' (one entry per code)"),
    ("cat_entry", CATALOG_HEAD + "  - x\n", 4,
     "an error code entry is a mapping: code, http_status, messages, description_zh"),
    ("entry_unknown_key", CATALOG_HEAD + entry(foo="1"), 8,
     "unknown key 'foo' (allowed: code, http_status, messages, description_zh, unpredictable)"),
    ("entry_required", CATALOG_HEAD + entry(description_zh=None), 4, "missing required key 'description_zh'"),
    ("cat_code", CATALOG_HEAD + entry(code="1x"), 4, "'code' must be an error code such as InvalidImageId.NotFound"),
    ("cat_status", CATALOG_HEAD + entry(http_status="[99]"), 5,
     "'http_status' must be a non-empty list of HTTP status codes"),
    ("cat_status_twice", CATALOG_HEAD + entry(http_status="[404, 404]"), 5, "'http_status' lists a status twice"),
    ("cat_messages", CATALOG_HEAD + entry(messages="[]"), 6, "'messages' must be a non-empty list of non-empty texts"),
    ("cat_messages_twice", CATALOG_HEAD + entry(messages="[a, a]"), 6, "'messages' lists a message twice"),
    ("cat_description", CATALOG_HEAD + entry(description_zh="1"), 7,
     "'description_zh' must be a text ('' when there is none)"),
    ("cat_unpredictable", CATALOG_HEAD + entry(unpredictable="x"), 8,
     "'unpredictable' must be {en: '...', zh: '...'}: a non-empty reason in each language"),
]


@pytest.mark.parametrize(("text", "line", "english"), [pytest.param(*c[1:], id=c[0]) for c in CATALOG_CASES])
def test_error_catalogue_errors(tmp_path: Path, text: str, line: int, english: str) -> None:
    path = tmp_path / "ExportImage.yaml"
    path.write_text(text, encoding="utf-8")

    def run(lang: str) -> list[str]:
        with pytest.raises(PreflightError) as info:
            read_error_catalog(path)
        return info.value.lines(lang)

    both(run, f"{display_path(path)}:{line}", english)


def test_the_catalogue_template_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "ExportImage.yaml"
    path.write_text(CATALOG_HEAD + entry(), encoding="utf-8")
    assert list(read_error_catalog(path)) == ["InvalidImageId.NotFound"]


# ---------------------------------------------------------------------------------------------------------
# YAML loading: every problem PyYAML (libyaml or the pure-Python parser) reports, worded in Chinese

BROKEN_YAML = [
    "a: *x\n", "a: &x 1\nb: &x 2\n", "a: 1\n---\nb: 2\n", "a: !foo 1\n", "id: A1\ntitle: [unclosed\n", "a: {b: 1\n",
    "a:\n\t- b\n", "a: \x01\n", "a: b: c\n", "? [a]\n: 1\n", "a: {<<: 1}\n", "a: {<<: [1]}\n", "!!pairs 1\n",
    "!!omap [1]\n", "!!omap [{a: 1, b: 2}]\n", "a: \"x\\q\"\n", "a:\n  b: 1\n c: 2\n", "- a\nb: 1\n",
    "a: 'unterminated\n", "%YAML 2.0\n---\na: 1\n", "%YAML 1.1\n%YAML 1.1\n---\na: 1\n", "a: &\n", "a: |0\n  x\n",
    "a: b\n- c\n", "a: @b\n", "a: `b\n", "[a, b]]\n", "%TAG ! tag:x,2000:\n%TAG ! tag:y,2000:\n---\na: 1\n",
    "a: !e!x 1\n", "a: \"\\x4\"\n", "a: \"\\uZZZZ\"\n", "a: !!int abc\n", "a: !!float abc\n", "a: !!bool maybe\n",
    "a: 2026-13-01\n", "a: !!str [1]\n", "a: !!seq 1\n", "a: !!map 1\n", "a: |x\n  b\n", "a: 'x'y\n",
    "'a\n---\nb'\n", "a: !<x 1\n", "a: " + "9" * 5000 + "\n",
    "a: !!python/name:os.system\n", "- !!set [1]\n", "{a: 1 b: 2}\n",
]


@pytest.mark.parametrize("loader", [None, yaml.SafeLoader], ids=["libyaml", "python"])
@pytest.mark.parametrize("text", BROKEN_YAML)
def test_yaml_problems_in_chinese(text: str, loader: type | None) -> None:
    def run(lang: str) -> list[str]:
        with pytest.raises(PreflightError) as info:
            yamlpos.load(text, "x.yaml", loader)
        return info.value.lines(lang)

    (en,) = run("en")
    (zh,) = run("zh")
    where = re.match(r"x\.yaml(:\d+)?: ", en)
    assert where and zh.startswith(where.group(0)), (en, zh)
    assert_chinese(zh[where.end():])


def test_yaml_nested_too_deeply_for_python() -> None:
    # the pure-Python parser (ROS templates may use it) recurses once per level
    both(lambda lang: _load_error("a: " + "[" * 800 + "]" * 800 + "\n", yaml.SafeLoader).lines(lang), "x.yaml",
         "not valid YAML: nested too deeply")


def test_yaml_malformed_without_problem_text() -> None:
    class Silent(yaml.SafeLoader):
        def get_single_node(self) -> yaml.Node:
            raise yaml.MarkedYAMLError()  # neither a problem nor a context

    both(lambda lang: _load_error("a: 1\n", Silent).lines(lang), "x.yaml", "not valid YAML: malformed YAML")


def test_self_referencing_alias_is_refused() -> None:
    """A node that contains itself expands without end (every consumer that walks it would loop or recurse
    until it fails): refused at load, with its line, like an alias bomb."""
    both(lambda lang: _load_error("a: &x [*x]\n", yamlpos._Loader).lines(lang), "x.yaml:1",
         "not valid YAML: an alias refers to a node that contains it")


def _load_error(text: str, loader: type) -> PreflightError:
    with pytest.raises(PreflightError) as info:
        yamlpos.load(text, "x.yaml", loader)
    return info.value


BAD_REGEX = [
    "[a-z", "(a", "a)", "*a", "a**", "\\", "\\q", "[z-a]", "a{3,1}", "(?<=a+)b", "(?x", "a(?i)", "(?P<n>a)(?P<n>b)",
    "(?P=x)", "\\2", "(?P<1a>x)", "(?P<a", "(?#x", "(?Z)", "(?<x)", "\\N{foo}", "\\x4", "\\u12", "(?i-i:a)",
    "x\n(a", "(?P", "\\777", "(?(1)a|b|c)", "(?-", "(?P<>a)", "\\N",
]


@pytest.mark.parametrize("pattern", BAD_REGEX)
def test_regular_expression_problems_in_chinese(pattern: str) -> None:
    with pytest.raises(re.error) as info:
        re.compile(pattern)
    msg = Msg("rule.bad_regex", regex=pattern, problem=Foreign("regex", str(info.value)))
    assert render(msg, "en") == f"bad regular expression {pattern!r}: {info.value}"
    assert_chinese(render(msg, "zh"))


# ---------------------------------------------------------------------------------------------------------
# the reason of an unknown result preflight words itself


def test_unknown_count_reason() -> None:
    test = count_test(parse_count({"lte": 4}, ()))
    assert test(3, 3) is True and test(5, 6) is False
    result = test(3, 6)  # between 3 and 6 elements match: at most 4 or not, depending on the unknown ones
    assert isinstance(result, Unknown) and result.reason == COUNT_UNKNOWN
    assert str(result.reason) == "the count depends on facts that are unknown"
    assert t("unknown_plain", "en", reason=result.reason) == (
        "could not be checked: the count depends on facts that are unknown")
    assert_chinese(t("unknown_plain", "zh", reason=result.reason))
