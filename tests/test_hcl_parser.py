"""The HCL front end (``sources/terraform/hcl.py``, on tree-sitter): HCL snippets → the expected preflight trees,
the lines of attributes and blocks, syntax errors at file:line:column in both languages, and its bounds.

Trees are compared by ``repr``: an :class:`Opaque` holds a :class:`Msg`, which compares by identity."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preflight.errors import Msg, PreflightError
from preflight.sources.terraform import hcl
from preflight.sources.terraform.syntax import (
    Call,
    Conditional,
    ForExpr,
    ObjectExpr,
    Opaque,
    Operation,
    Postfix,
    RawBlock,
    RawBody,
    Splat,
    StrIndex,
    Template,
    Traversal,
    TupleExpr,
)
from tests.zhcheck import assert_chinese


def T(root: str, *steps: Any) -> Traversal:
    return Traversal(root, steps)


DIRECTIVE = Opaque(Msg("iac.kind_directive"))

#: `x = <expression>` → the expression's tree
EXPRESSIONS: list[tuple[str, Any]] = [
    # literals
    ("1", 1), ("-1", -1), ("1.5", 1.5), ("- 2.5", -2.5), ("1e3", 1000.0), ("2E-3", 0.002), ("1.5e+2", 150.0),
    ("true", True), ("false", False), ("null", None),
    ("9" * 4001, Opaque(Msg("iac.kind_long_number", digits=4001, cap=4000))),
    # strings, escapes, unicode
    ('"abc"', "abc"), ('""', ""), ('"a\\nb\\tc\\"d\\\\e\\r"', 'a\nb\tc"d\\e\r'), ('"\\u00e9\\U0001F600"', "é😀"),
    ('"  spaced  out  "', "  spaced  out  "), ('"中文 ü"', "中文 ü"), ('"# not a comment // nor /* this */"',
                                                                      "# not a comment // nor /* this */"),
    ('"$${x}"', "${x}"), ('"%%{x}"', "%{x}"), ('"a$b%c"', "a$b%c"), ('"$${"', "${"), ('"$$${x}"', "$${x}"),
    # templates
    ('"${var.a}"', T("var", "a")), ('"a-${var.b} c"', Template(("a-", T("var", "b"), " c"))),
    ('"${a}${b}"', Template((T("a"), T("b")))), ('"x$${y}${z}"', Template(("x", "${y}", T("z")))),
    ('"a${b}%%{c}"', Template(("a", T("b"), "%{c}"))),
    ('"p%{ if a }q%{ else }r%{ endif }s"', Template(("p", DIRECTIVE, "q", DIRECTIVE, "r", DIRECTIVE, "s"))),
    ('"%{ for x in y }${x},%{ endfor }"', Template((DIRECTIVE, T("x"), ",", DIRECTIVE))),
    ('"${~ a ~}"', DIRECTIVE),
    # heredocs
    ("<<EOF\nhello ${name}\n  two\nEOF", Template(("hello ", T("name"), "\n  two\n"))),
    ("<<-EOT\n    a\n      b ${c}\n    EOT", Template(("a\n  b ", T("c"), "\n"))),
    ("<<-EOT\n\ta\n\n\t\tb\n\tEOT", "a\n\n\tb\n"),
    ("<<EOF\nx\n  EOF", "x\n"), ("<<EOF\nEOF", ""), ("<<EOF\n\nEOF", "\n"),
    ("<<EOF\nEOFX\nEOF", "EOFX\n"), ("<<EOF\n$${a} %%{b}\nEOF", "${a} %{b}\n"),
    ("<<EOF\na%{ if b }c%{ endif }d\nEOF", Template(("a", DIRECTIVE))),
    # traversals, indexes, postfix
    ("var.a", T("var", "a")), ("a.b[0].c", T("a", "b", 0, "c")), ('a["k"].b', T("a", StrIndex("k"), "b")),
    ("a.0.b", T("a", 0, "b")), ("a[b.c]", T("a", T("b", "c"))), ('a["${k}-x"]', T("a", Template((T("k"), "-x")))),
    ("a[-1]", T("a", -1)), ("a[" + "9" * 4001 + "]", Opaque(Msg("iac.kind_long_number", digits=4001, cap=4000))),
    ("(a).b.c", Postfix(T("a"), ("b", "c"))), ("f(x).y[0]", Postfix(Call("f", (T("x"),)), ("y", 0))),
    ("[1, 2][0]", Postfix(TupleExpr((1, 2)), (0,))), ("(a)", T("a")), ("((a)).b", Postfix(T("a"), ("b",))),
    # splats
    ("a.*.b", Splat(T("a"), ("b",))), ("a[*].b.c[0]", Splat(T("a"), ("b", "c", 0))), ("a.b[*]", Splat(T("a", "b"), ())),
    ("a[*].b[*].c", Splat(Splat(T("a"), ("b",)), ("c",))),
    # calls
    ("f()", Call("f", ())), ("f(a, 1)", Call("f", (T("a"), 1))), ("f(a...)", Call("f", (T("a"),), True)),
    ("f(\n  a,\n  b,\n)", Call("f", (T("a"), T("b")))), ("provider::ns::fn(1)", Call("provider::ns::fn", (1,))),
    # operators: precedence and associativity as HCL's
    ("a || b && c == d + e * f", Operation("||", (T("a"), Operation("&&", (T("b"), Operation("==", (
        T("c"), Operation("+", (T("d"), Operation("*", (T("e"), T("f")))))))))))),
    ("a - b - c", Operation("-", (Operation("-", (T("a"), T("b"))), T("c")))),
    ("!a", Operation("!", (T("a"),))), ("-a.b", Operation("neg", (T("a", "b"),))),
    ("!a == b", Operation("==", (Operation("!", (T("a"),)), T("b")))), ('a >= 1', Operation(">=", (T("a"), 1))),
    # conditionals: a chain is right-associative
    ("a ? b : c", Conditional(T("a"), T("b"), T("c"))),
    ("a ? b : c ? d : e", Conditional(T("a"), T("b"), Conditional(T("c"), T("d"), T("e")))),
    ("a ? 1 : b ? 2 : c ? 3 : 4", Conditional(T("a"), 1, Conditional(T("b"), 2, Conditional(T("c"), 3, 4)))),
    ("(a ? b : c) ? d : e", Conditional(Conditional(T("a"), T("b"), T("c")), T("d"), T("e"))),
    ("a ? b ? c : d : e", Conditional(T("a"), Conditional(T("b"), T("c"), T("d")), T("e"))),
    ('a == "" ? 0 : 1 + 2', Conditional(Operation("==", (T("a"), "")), 0, Operation("+", (1, 2)))),
    # collections
    ("[]", TupleExpr(())), ("[1, \"a\", [true],]", TupleExpr((1, "a", TupleExpr((True,))))),
    ('{ a = 1, "b" = 2, (c) = 3, d.e = 4, f: 5 }', ObjectExpr((("a", 1), ("b", 2), (T("c"), 3), (T("d", "e"), 4),
                                                                ("f", 5)))),
    ("{\n  a = 1\n  b = {}\n}", ObjectExpr((("a", 1), ("b", ObjectExpr(()))))),
    # for expressions
    ("[for v in xs : v]", ForExpr(None, "v", T("xs"), None, T("v"), None)),
    ("[for k, v in xs : v if k]", ForExpr("k", "v", T("xs"), None, T("v"), T("k"))),
    ("{for k, v in m : k => v}", ForExpr("k", "v", T("m"), T("k"), T("v"), None)),
    ("{for v in xs : v.k => v... if v.ok}", ForExpr(None, "v", T("xs"), T("v", "k"), T("v"), T("v", "ok"), True)),
]


@pytest.mark.parametrize(("expr", "expected"), EXPRESSIONS, ids=[e for e, _ in EXPRESSIONS])
def test_expressions(expr: str, expected: Any) -> None:
    body = hcl.parse_hcl(f"x = {expr}\n", "t.tf")
    assert repr(body.attrs["x"][0]) == repr(expected)
    if "\n" not in expr and "<<" not in expr:
        assert repr(hcl.parse_expression(expr)) == repr(expected)


FILE = """# a comment
// another
/* a block
   comment */
resource "alicloud_oss_bucket" "b" { # trailing
  bucket = "x" // trailing
  acl    = /* inline */ "private"

  server_side_encryption_rule {
    sse_algorithm = "AES256"
  }
}

locals {
  in  = 1
  a-b = "c"
}
block label "quoted label" {}
"""

FILE_BODY = RawBody({}, [
    RawBlock("resource", ("alicloud_oss_bucket", "b"), RawBody({"bucket": ("x", 6), "acl": ("private", 7)}, [
        RawBlock("server_side_encryption_rule", (), RawBody({"sse_algorithm": ("AES256", 10)}, []), "t.tf", 9, 11),
    ]), "t.tf", 5, 12),
    RawBlock("locals", (), RawBody({"in": (1, 15), "a-b": ("c", 16)}, []), "t.tf", 14, 17),
    RawBlock("block", ("label", "quoted label"), RawBody({}, []), "t.tf", 18, 18),
])


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_a_file_with_comments_of_all_three_kinds_and_its_lines(newline: str) -> None:
    assert repr(hcl.parse_hcl(FILE.replace("\n", newline), "t.tf")) == repr(FILE_BODY)


def test_crlf_heredoc_keeps_its_carriage_returns_as_terraform_does() -> None:
    body = hcl.parse_hcl("x = <<EOF\r\na\r\nEOF\r\ny = 2\r\n", "t.tf")
    assert body.attrs == {"x": ("a\r\n", 1), "y": (2, 4)}


def test_a_heredoc_closed_by_its_marker_then_spaces_or_at_the_end_of_the_file() -> None:
    assert hcl.parse_hcl("x = <<EOF\na\nEOF   \ny = 1\n", "t.tf").attrs == {"x": ("a\n", 1), "y": (1, 4)}
    assert hcl.parse_hcl("x = <<EOF\na\nEOF", "t.tf").attrs == {"x": ("a\n", 1)}


def test_empty_and_comment_only_files() -> None:
    assert hcl.parse_hcl("", "t.tf") == RawBody()
    assert hcl.parse_hcl("# nothing\n\n", "t.tf") == RawBody()


def test_a_unicode_byte_order_mark_and_unicode_before_an_attribute_keep_its_line() -> None:
    body = hcl.parse_hcl('\ufeffa = "é"\n# ü 中\nb = 1\n', "t.tf")
    assert body.attrs == {"a": ("é", 1), "b": (1, 3)}


ERRORS = [
    ("x = 1 @\n", "t.tf:1:7", "not valid HCL: unexpected character '@'"),
    ("x = 1 2\n", "t.tf:1:7", "not valid HCL: unexpected '2'"),
    ("x = 1 2\ny = 3\n", "t.tf:1:7", "not valid HCL: unexpected '2'"),
    ("a = 1 b = 2\n", "t.tf:1:7", "not valid HCL: unexpected 'b'"),
    ('resource "a" "b" {\n', "t.tf:2:1", "not valid HCL: unexpected end of input"),
    ('resource "a" "b" {\n  bucket = \n}\n', "t.tf:2:11", "not valid HCL: unexpected end of line"),
    ("a = [1, 2\n", "t.tf:2:1", "not valid HCL: unexpected end of input"),
    ("a = ${x}\n", "t.tf:1:5", "not valid HCL: unexpected '${'"),
    ('a = "${}"\n', "t.tf:1:8", "not valid HCL: unexpected '}'"),
    ('a = "\\d"\n', "t.tf:1:6", "not valid HCL: unknown escape sequence '\\\\d' in a string"),
    ("a = 0x1F\n", "t.tf:1:5", "not valid HCL: unexpected '0x1F'"),
    ('{ "a": 1 }\n', "t.tf:1:1", "not valid HCL: unexpected '{'"),
    ("a = 1\n}\n", "t.tf:2:1", "not valid HCL: unexpected '}'"),
    ("b {\n  c = = 2\n}\n", "t.tf:2:7", "not valid HCL: unexpected '='"),
    ("a = <<EOF\n${(}\nEOF\n", "t.tf:2:1", "not valid HCL: unexpected '${'"),
    ("x = 1\ny = [" + "[" * 300 + "]" * 300 + "]\n", "t.tf", "not valid HCL: nested too deeply"),
]


@pytest.mark.parametrize(("text", "where", "english"), ERRORS, ids=[t for t, _, _ in ERRORS])
def test_syntax_errors_name_file_line_and_column_in_both_languages(text: str, where: str, english: str) -> None:
    with pytest.raises(PreflightError) as e:
        hcl.parse_hcl(text, "t.tf")
    assert e.value.lines() == [f"{where}: {english}"]
    (zh,) = e.value.lines("zh")
    assert zh.startswith(f"{where}: ")
    assert_chinese(zh[len(where) + 2:])


@pytest.mark.parametrize(("text", "kind"), [
    ("(", "iac.kind_unparsed"), ("", "iac.kind_unparsed"), ("a b", "iac.kind_unparsed"), ("0x1", "iac.kind_unparsed"),
    ("[" * 1000 + "]" * 1000, "iac.kind_nested"), ("-" * 5000 + "1", "iac.kind_nested"),
])
def test_an_expression_given_as_text_that_cannot_be_read_is_opaque(text: str, kind: str) -> None:
    value = hcl.parse_expression(text)
    assert isinstance(value, Opaque) and value.kind.key == kind


def test_nesting_at_the_cap_is_read_and_past_it_refused() -> None:
    depth = hcl.MAX_DEPTH // 4  # each bracket is several levels of the converter (expression, collection, tuple)
    value = hcl.parse_hcl("x = " + "[" * depth + "]" * depth + "\n", "t.tf").attrs["x"][0]
    for _ in range(depth - 1):
        assert isinstance(value, TupleExpr)
        (value,) = value.items
    assert value == TupleExpr(())
    with pytest.raises(PreflightError, match="nested too deeply"):
        hcl.parse_hcl("x = " + "[" * hcl.MAX_DEPTH + "]" * hcl.MAX_DEPTH + "\n", "t.tf")


@pytest.mark.parametrize("text", [
    "x = " + "[" * 300_000 + "]" * 300_000 + "\n",  # deep: refused, never a RecursionError
    "x = " + "!" * 500_000 + "a\n",
    "x = " + " ? 1 : ".join(["a"] * 20_000) + " ? 1 : 2\n",  # a long chain is read without recursion
    '"' * 200_000,  # tree-sitter's error recovery: slow, cancelled past PARSE_SECONDS
    "}{)(" * 100_000,
])
def test_hostile_text_ends_within_bounds_with_a_tree_or_a_one_line_error(text: str) -> None:
    start = time.monotonic()
    try:
        hcl.parse_hcl(text, "t.tf")
    except PreflightError as e:
        assert len(e.lines()) == 1
    assert time.monotonic() - start < hcl.PARSE_SECONDS + len(text) / hcl.PARSE_BYTES_PER_SECOND + 5


def test_a_parse_past_its_time_is_refused_and_the_next_parse_starts_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hcl, "PARSE_SECONDS", -1.0)
    with pytest.raises(PreflightError) as e:
        hcl.parse_hcl("x = 1\n" * 10_000, "t.tf")  # 60,001 bytes: -1 + 0.12 s
    assert e.value.lines() == ["t.tf: not valid HCL: the parser gave up after -0.9 s recovering from its errors"]
    assert_chinese(e.value.lines("zh")[0])
    assert repr(hcl.parse_expression("1 + " * 10_000 + "1")) == repr(Opaque(Msg("iac.kind_unparsed")))
    monkeypatch.undo()
    assert hcl.parse_hcl("y = 2\n", "t.tf").attrs == {"y": (2, 1)}  # not the rest of the cancelled parse


NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(lambda n: n not in ("true", "false", "null",
                                                                                        "for", "in", "if"))
STRINGS = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)


def _quoted(s: str) -> str:
    out = s.replace("\\", "\\\\").replace('"', '\\"').replace("${", "$${").replace("%{", "%%{")
    return f'"{out}"'


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(NAMES, st.one_of(STRINGS, st.integers(-10**9, 10**9), st.booleans())), max_size=8),
       st.sampled_from(["\n", "\r\n"]), st.integers(0, 3))
def test_written_values_read_back_on_their_lines(items: list[tuple[str, Any]], newline: str, blank: int) -> None:
    """Any string (escaped as HCL wants), integer or bool written as an argument reads back as itself, on the
    line it is written, whatever the line endings and blank lines between."""
    lines: list[str] = []
    expected: dict[str, tuple[Any, int]] = {}
    for name, v in items:
        lines += [""] * blank
        text = _quoted(v) if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v)
        lines.append(f"{name} = {text}")
        expected[name] = (v, len(lines))
    body = hcl.parse_hcl(newline.join(lines) + newline, "t.tf")
    assert body.attrs == expected


@pytest.mark.parametrize(("expr", "value"), [
    ("true ? 1 : false ? 2 : 3", 1),  # read left-associatively, `(true ? 1 : false) ? 2 : 3` has no value
    ("false ? 1 : false ? 2 : 3", 3),
    ('var.create ? 1 : var.by_instance ? 1 : 0', 0),  # the alicloud image module's count
    ("1e3 + 2E-3", 1000.002),
    ('"$$${local.n}"', "$${local.n}"),
    ("[10, 20].1", 20),
])
def test_idioms_where_tree_sitter_hcl_reads_otherwise_evaluate_as_terraform_does(expr: str, value: Any) -> None:
    from preflight.sources import terraform

    text = ('variable "create" {\n  default = false\n}\nvariable "by_instance" {\n  default = false\n}\n'
            f'locals {{\n  n = 1\n  e = {expr}\n}}\n')
    assert terraform.Module(hcl.parse_hcl(text, "t.tf").blocks, {}).local("e") == value


def test_threads_parsing_at_once_each_get_their_own_tree() -> None:
    """A tree-sitter parser holds the state of its parse: each thread has its own."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"x{i} = [{', '.join(str(j) for j in range(i % 50))}]\n" * 50 for i in range(200)]
    expected = [repr(hcl.parse_hcl(t, "t.tf")) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(lambda t: repr(hcl.parse_hcl(t, "t.tf")), texts)) == expected
