"""The HCL front end: ``.tf`` and ``.tfvars`` text → the syntax tree of :mod:`.syntax`, over python-hcl2's
Lark parser. Everything Lark-specific lives in this module and nowhere else.

Its whole interface (what another front end replacing this module provides):

* :func:`parse_hcl` ``(text, display, limits) -> RawBody`` — a file: its attributes (expression, line) and
  blocks (type, labels, body, path, first and last line). A syntax error, a file over ``limits.hcl_chars``
  or nested too deep is a one-line :class:`~preflight.errors.PreflightError` at ``display:line``, worded
  in the catalogue (``iac.hcl_*``), never a traceback.
* :func:`parse_expression` ``(text) -> expression`` — one expression given as text (a ``TF_VAR_`` value, an
  interpolation); an unparsable one is :class:`~.syntax.Opaque`, never an error. Within
  :func:`~.load.load_module`, at most ``Limits.expressions`` of them are parsed (``limits.PARSES``).
* :func:`parse_template` ``(text) -> expression`` — a string template given as text (a ``.tf.json``
  string): literal parts and ``${…}`` interpolations, each parsed with :func:`parse_expression`.

python-hcl2 (8.x) is imported lazily: its dict API neither keeps line numbers (``with_meta`` is declared
but not implemented in 8.1) nor gives expressions as a tree (``jsonencode({...})`` comes back as HCL text),
so this module walks the raw Lark parse tree (``hcl2.parses_to_tree``, built with positions) itself.
Loading the parser skips the ``hcl2`` package's ``__init__`` and lark's use of ``regex`` (start-up time).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from preflight.errors import Foreign, Msg, PreflightError
from preflight.sources.terraform.limits import LIMITS, MAX_INT_DIGITS, PARSES, Limits
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

#: a node of the Lark parse tree (``lark.Tree`` or ``lark.Token``); dynamic, so typed loosely
Tree = Any


_KIND_NAMES = {"template_string": "iac.kind_directive"}


def _is_token(node: Any) -> bool:
    return not hasattr(node, "data")


def _subtrees(tree: Tree) -> list[Tree]:
    return [c for c in tree.children if not _is_token(c) and c.data != "new_line_or_comment"]


_ESCAPE = re.compile(r"\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    """HCL's escapes in a quoted string (``\\n``, ``\\"``, ``\\uNNNN`` …); unknown ones stay as written."""
    if "\\" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        e = m.group()[1:]
        if e[0] in "uU" and len(e) > 1:
            code = int(e[1:], 16)
            return chr(code) if code <= 0x10FFFF and not 0xD800 <= code < 0xE000 else m.group()
        return _SIMPLE_ESCAPES.get(e, m.group())

    return _ESCAPE.sub(one, text)


@functools.cache
def _import_lark() -> None:
    """Import lark without the third-party ``regex`` module.

    lark imports ``regex`` whenever it is installed (python-hcl2 depends on it for its deserialiser, which
    preflight does not use), but uses it only for ``Lark(regex=True)``, which this parser does not ask for:
    keeping it out saves ~14 ms of every IaC run's start-up. Nothing else is affected: a later
    ``import regex`` anywhere works as usual.
    """
    import sys

    if "lark" in sys.modules or "regex" in sys.modules:
        return
    sys.modules["regex"] = None  # type: ignore[assignment]  # makes `import regex` raise ImportError
    try:
        import lark  # noqa: F401
    finally:
        del sys.modules["regex"]


@functools.cache
def _parser() -> Any:
    """python-hcl2's Lark parser (its grammar, post-lexer and parse-table cache), loaded without importing
    the ``hcl2`` package: its ``__init__`` pulls in the dict, formatting and serialisation layers (~20 ms of
    start-up) that this module does not use. Falls back to ``hcl2.parser.parser()`` if the layout differs."""
    import importlib.util

    spec = importlib.util.find_spec("hcl2")
    base = Path(spec.submodule_search_locations[0]) if spec and spec.submodule_search_locations else None
    _import_lark()
    if base is not None and (base / "hcl2.lark").is_file() and (base / "postlexer.py").is_file():
        from lark import Lark
        from lark.exceptions import LarkError

        try:

            post_spec = importlib.util.spec_from_file_location("_preflight_hcl2_postlexer", base / "postlexer.py")
            if post_spec is not None and post_spec.loader is not None:
                post = importlib.util.module_from_spec(post_spec)
                post_spec.loader.exec_module(post)
                # the same options as hcl2.parser.parser(), so its cache file (.lark_cache.bin) applies
                return Lark.open(str(base / "hcl2.lark"), parser="lalr", cache=str(base / ".lark_cache.bin"),
                                 propagate_positions=True, postlex=post.PostLexer())
        except (ImportError, OSError, AttributeError, SyntaxError, LarkError):
            pass  # a layout of hcl2 this code does not know (moved files, no PostLexer): use its own entry point
    from hcl2.parser import parser

    return parser()


def parse_tree(text: str) -> Tree:
    """The raw Lark tree of HCL text (what ``hcl2.parses_to_tree`` returns)."""
    # hcl2 appends a newline too: its grammar needs one at the end of the last line
    return _parser().parse(_heredoc_closers(text) + "\n")


_HEREDOC_OPEN = re.compile(r"<<-?([A-Za-z][A-Za-z0-9._-]*)[ \t]*\r?$")


def _heredoc_closers(text: str) -> str:
    """The text with the spaces and tabs after each heredoc's closing marker removed: Terraform accepts
    ``EOF   `` as the end of a heredoc, python-hcl2's grammar only ``EOF`` then the end of the line. Lines keep
    their numbers, and a heredoc's body is unchanged."""
    if "<<" not in text:
        return text
    lines = text.split("\n")
    marker: str | None = None
    changed = False
    for i, line in enumerate(lines):
        if marker is None:
            if "<<" in line:
                m = _HEREDOC_OPEN.search(line)
                marker = m.group(1) if m else None
            continue
        if line.strip() == marker:
            cr = "\r" if line.endswith("\r") else ""
            closed = line.rstrip("\r").rstrip(" \t") + cr
            if closed != line:
                lines[i], changed = closed, True
            marker = None
    return "\n".join(lines) if changed else text


def convert(node: Any) -> Any:
    """A Lark expression tree → literal value or expression object."""
    if _is_token(node):
        return str(node)
    kind = node.data
    if kind == "expr_term":
        subs = _subtrees(node)
        return convert(subs[0]) if subs else Opaque(Msg("iac.kind_empty"))
    if kind == "int_lit":
        return _integer(str(node.children[0]))
    if kind == "float_lit":
        return float(node.children[0])
    if kind == "literal_value":
        return {"true": True, "false": False, "null": None}[str(node.children[0])]
    if kind == "string":
        return _template(_string_parts(node))
    if kind in ("heredoc_template", "heredoc_template_trim"):
        return _template(_heredoc_parts(str(node.children[0]), trim=kind.endswith("trim")))
    if kind == "identifier":
        return Traversal(str(node.children[0]), ())
    if kind == "tuple":
        return TupleExpr(tuple(convert(c) for c in _subtrees(node)))
    if kind == "object":
        return ObjectExpr(tuple(_object_elem(e) for e in _subtrees(node)))
    if kind == "function_call":
        subs = _subtrees(node)
        names = [str(s.children[0]) for s in subs if s.data == "identifier"]
        args_node = subs[-1] if subs[-1].data == "arguments" else None
        args = tuple(convert(a) for a in _subtrees(args_node)) if args_node is not None else ()
        expand = args_node is not None and any(_is_token(c) and str(c) == "..." for c in args_node.children)
        return Call("::".join(names), args, expand)
    if kind in ("get_attr_expr_term", "index_expr_term"):
        return _traversal(node)
    if kind in ("attr_splat_expr_term", "full_splat_expr_term"):
        base, splat = _subtrees(node)
        return Splat(convert(base), tuple(_step(s) for s in _subtrees(splat)))
    if kind == "unary_op":
        op, operand = str(node.children[0]), convert(node.children[1])
        if op == "-" and isinstance(operand, int | float) and not isinstance(operand, bool):
            return -operand
        return Operation("neg" if op == "-" else op, (operand,))
    if kind == "conditional":
        cond, then, other = _subtrees(node)
        return Conditional(convert(cond), convert(then), convert(other))
    if kind == "binary_op":
        left, term = _subtrees(node)
        operator, right = _subtrees(term)
        return Operation(str(operator.children[0]), (convert(left), convert(right)))
    if kind in ("for_tuple_expr", "for_object_expr"):
        return _for(node)
    return Opaque(Msg(_KIND_NAMES[kind]) if kind in _KIND_NAMES else Msg("iac.kind_other", kind=kind))


def _integer(text: str) -> int | Opaque:
    digits = text.lstrip("+-")
    if len(digits) > MAX_INT_DIGITS or not digits.isascii() or not digits.isdigit():
        return Opaque(Msg("iac.kind_long_number", digits=len(digits), cap=MAX_INT_DIGITS))
    return int(text)


def _template(parts: list[Any]) -> Any:
    """A string with no interpolation is a plain string; a lone ``"${x}"`` is ``x`` itself."""
    if all(isinstance(p, str) for p in parts):
        return "".join(parts)
    if len(parts) == 1:
        return parts[0]
    return Template(tuple(parts))


def _string_parts(node: Tree) -> list[Any]:
    parts: list[Any] = []
    for part in node.children:
        if _is_token(part):
            continue  # the quotes
        inner = part.children[0]
        if _is_token(inner):
            kind = inner.type
            if kind == "STRING_CHARS":
                parts.append(_unescape(str(inner)))
            elif kind in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                parts.append(str(inner)[1:])  # $${x} is the literal text ${x}
            continue
        if inner.data == "interpolation":
            parts.append(convert(_subtrees(inner)[0]))
        else:  # %{if}/%{for} directives
            parts.append(Opaque(Msg("iac.kind_directive")))
    return parts


def _heredoc_parts(token: str, *, trim: bool) -> list[Any]:
    """The body of ``<<EOF … EOF`` (``<<-`` strips the common indentation). The grammar keeps a heredoc as
    one token, so interpolations inside it are parsed here."""
    lines = token.split("\n")
    body = lines[1:-2] if lines[-1] == "" else lines[1:-1]
    if trim:
        indent = min((len(x) - len(x.lstrip()) for x in body if x.strip()), default=0)
        body = [x[indent:] for x in body]
    text = "\n".join(body) + ("\n" if body else "")
    return _interpolations(text)


_INTERP = re.compile(r"\$\$\{|%%\{|\$\{|%\{")


def _interpolations(text: str) -> list[Any]:
    parts: list[Any] = []
    pos = 0
    for m in _INTERP.finditer(text):
        if m.start() < pos:
            continue
        parts.append(text[pos:m.start()])
        if m.group() in ("$${", "%%{"):
            parts.append(m.group()[1:])
            pos = m.end()
            continue
        end = _closing_brace(text, m.end())
        if m.group() == "%{" or end < 0:
            return [*parts, Opaque(Msg("iac.kind_directive"))]
        parts.append(parse_expression(text[m.end():end]))
        pos = end + 1
    parts.append(text[pos:])
    return [p for p in parts if p != ""]


def _closing_brace(text: str, start: int) -> int:
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                return i
            depth -= 1
    return -1


def parse_expression(text: str) -> Any:
    """One HCL expression given as text (heredoc interpolations, ``.tf.json`` strings); within
    :func:`load_module`, at most ``Limits.expressions`` of them (the others are unknown)."""
    parses = PARSES.get()
    if parses is not None:
        if parses.left <= 0:
            return Opaque(Msg("iac.kind_cap_expressions", cap=parses.cap))
        parses.left -= 1
    _import_lark()
    from lark.exceptions import LarkError

    try:
        tree = parse_tree(f"x = {text}\n")
        attr = _subtrees(_subtrees(tree)[0])[0]
        return convert(attr.children[-1])
    except LarkError:
        return Opaque(Msg("iac.kind_unparsed"))
    except RecursionError:  # nested deeper than the parser or the converter goes (a .tf.json string, TF_VAR_x)
        return Opaque(Msg("iac.kind_nested"))


def _object_elem(elem: Tree) -> tuple[Any, Any]:
    key_node, value_node = elem.children[0], elem.children[-1]
    key_tree = key_node.children[0]
    if _is_token(key_tree) or key_tree.data == "keyword":  # `in = …`, `for = …`
        return str(key_tree if _is_token(key_tree) else key_tree.children[0]), convert(value_node)
    key = convert(key_tree)
    # a bare name is the key itself (`Version = "1"`), not a reference
    if isinstance(key, Traversal) and not key.steps and not _parenthesised(key_tree):
        key = key.root
    return key, convert(value_node)


def _parenthesised(expr_term: Tree) -> bool:
    return any(_is_token(c) and str(c) == "(" for c in expr_term.children)


def _traversal(node: Tree) -> Any:
    base, step_node = _subtrees(node)
    inner = convert(base)
    step = _step(step_node)
    if isinstance(step, Opaque):
        return step
    if isinstance(inner, Traversal) and not _parenthesised(base):
        return Traversal(inner.root, (*inner.steps, step))
    if isinstance(inner, Postfix):
        return Postfix(inner.base, (*inner.steps, step))
    return Postfix(inner, (step,))


def _step(step: Tree) -> Any:
    """One attribute or index step: a name, an integer, a :class:`StrIndex` or an index expression."""
    if step.data == "get_attr":
        name = step.children[-1]
        return str(name if _is_token(name) else name.children[0])
    if step.data == "short_index":
        return _integer(str(step.children[-1]))
    index = convert(_subtrees(step)[0])
    return StrIndex(index) if isinstance(index, str) else index


def _for(node: Tree) -> ForExpr:
    subs = _subtrees(node)
    intro, rest = subs[0], subs[1:]
    names = [str(s.children[0]) for s in _subtrees(intro) if s.data == "identifier"]
    collection = convert(_subtrees(intro)[-1])
    cond = None
    if rest and rest[-1].data == "for_cond":
        cond = convert(_subtrees(rest.pop())[0])
    key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
    if node.data == "for_tuple_expr":
        return ForExpr(key_var, value_var, collection, None, convert(rest[0]), cond)
    group = any(_is_token(c) and str(c) == "..." for c in node.children)
    return ForExpr(key_var, value_var, collection, convert(rest[0]), convert(rest[1]), cond, group)


def parse_template(text: str) -> Any:
    """A string template given as text (a ``.tf.json`` string): its literal parts and ``${…}`` interpolations,
    each parsed with :func:`parse_expression` (``$${`` is a literal ``${``); a lone ``"${x}"`` is ``x`` itself,
    a string without interpolation that string."""
    return _template(_interpolations(text))


def _label(node: Any) -> str:
    if _is_token(node):
        return str(node)
    if node.data == "string":
        return "".join(p for p in _string_parts(node) if isinstance(p, str))
    return str(node.children[0])


def _body(tree: Tree, path: str) -> RawBody:
    out = RawBody()
    for item in _subtrees(tree):
        if item.data == "attribute":
            name = _label(item.children[0])
            out.attrs[name] = (convert(item.children[-1]), item.meta.line)
        elif item.data == "block":
            subs = [c for c in item.children if not _is_token(c) and c.data != "new_line_or_comment"]
            *names, body = subs
            out.blocks.append(RawBlock(_label(names[0]), tuple(_label(n) for n in names[1:]),
                                       _body(body, path), path, item.meta.line, item.meta.end_line))
    return out


def parse_hcl(text: str, display: str, limits: Limits = LIMITS) -> RawBody:
    """Parse HCL text; a syntax error is a one-line :class:`PreflightError` at file:line."""
    if len(text) > limits.hcl_chars:
        raise PreflightError(Msg("iac.cap_hcl_chars", size=len(text), cap=limits.hcl_chars), display)
    _import_lark()
    from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

    try:
        tree = parse_tree(text)
    except UnexpectedToken as e:
        raise PreflightError(_unexpected(str(e.token)), f"{display}:{e.line}") from None
    except UnexpectedCharacters as e:
        raise PreflightError(Msg("iac.hcl_unexpected_char", char=e.char), f"{display}:{e.line}") from None
    except UnexpectedInput as e:
        raise PreflightError(Msg("iac.hcl_unexpected_end"), f"{display}:{e.line}") from None
    except LarkError as e:
        first = (str(e).splitlines() or [""])[0]
        raise PreflightError(Msg("iac.hcl_error", reason=Foreign("hcl", first)), display) from None
    except RecursionError:
        raise PreflightError(Msg("iac.hcl_too_deep"), display) from None
    try:
        return _body(_subtrees(tree)[0], display)
    except RecursionError:  # expressions nested deeper than the converter goes
        raise PreflightError(Msg("iac.hcl_too_deep"), display) from None


def _unexpected(token: str) -> Msg:
    token = token.strip()
    return Msg("iac.hcl_unexpected_token", token=token[:30]) if token else Msg("iac.hcl_unexpected_eol")
