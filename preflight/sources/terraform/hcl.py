"""The HCL front end: ``.tf`` and ``.tfvars`` text → the syntax tree of :mod:`.syntax`, on tree-sitter
(``tree-sitter`` + ``tree-sitter-hcl``). Everything tree-sitter-specific lives in this module and nowhere else.

Its whole interface (what another front end replacing this module provides):

* :func:`parse_hcl` ``(text, display, limits) -> RawBody`` — a file: its attributes (expression, line) and
  blocks (type, labels, body, path, first and last line). A syntax error, a file over ``limits.hcl_chars``
  or nested too deep is a one-line :class:`~preflight.errors.PreflightError` at ``display:line:column``
  (``display`` alone when nested too deep), worded in the catalogue (``iac.hcl_*``), never a traceback.
* :func:`parse_expression` ``(text) -> expression`` — one expression given as text (a ``TF_VAR_`` value, an
  interpolation); an unparsable one is :class:`~.syntax.Opaque`, never an error. Within
  :func:`~.load.load_module`, at most ``Limits.expressions`` of them are parsed (``limits.PARSES``).
* :func:`parse_template` ``(text) -> expression`` — a string template given as text (a ``.tf.json``
  string): literal parts and ``${…}`` interpolations, each parsed with :func:`parse_expression`.

tree-sitter parses in C, without Python recursion, and recovers from errors: a file whose tree holds an
``ERROR`` or ``MISSING`` node is refused at the first of them, never read in part. The tree is converted
here with a cap on nesting (:data:`MAX_DEPTH`), past which the file is refused (``iac.hcl_too_deep``) or an
expression given as text is an :class:`~.syntax.Opaque` (``iac.kind_nested``). Three readings of
tree-sitter-hcl 1.2 that differ from HCL's are corrected here: a chain of conditionals (it nests them to the
left), an odd run of ``$`` before ``{`` (``$$${x}`` is the text ``$${x}``) and a number with an exponent but no
fraction (``1e5``: mended and parsed again, up to :data:`EXPONENT_PASSES` times). HCL that Terraform accepts
and this front end still refuses (none met in 5,600 real files): ``%%%{`` in a quoted string, ``for`` as
an object key, more exponent numbers chained by operators in one expression than there are passes.

Template text is taken from the source between the nodes that are not literal text (the scanner of
tree-sitter-hcl leaves whitespace out of its literal chunks), then unescaped. A heredoc's body is taken as
text, ``<<-`` trims its common indentation, and its interpolations are parsed as expressions given as text.

``tree_sitter`` is imported on the first parse only: a snapshot check or ``--version`` never loads it.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from typing import Any

from preflight.errors import Msg, PreflightError
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

#: a tree-sitter node (``tree_sitter.Node``); the module is imported lazily, so typed loosely here
Node = Any

#: the longest one parse may take, in seconds: this plus one more per :data:`PARSE_BYTES_PER_SECOND` of text.
#: A valid file at the size cap (1 MB) parses in well under a second, but tree-sitter's error recovery on
#: hostile text takes much longer and memory grows with it (a megabyte of ``"``: ~14 s, 500 MB at 5 s), so
#: past this the parse is cancelled and the file refused (``iac.hcl_too_slow``)
PARSE_SECONDS = 1.0
PARSE_BYTES_PER_SECOND = 500_000

#: how deep expressions may nest inside each other (brackets, calls, operators, templates); each level costs a
#: few Python frames in the converter, so this stays far below Python's recursion limit
MAX_DEPTH = 200

_BINARY = frozenset({"*", "/", "%", "+", "-", ">", ">=", "<", "<=", "==", "!=", "&&", "||"})
#: the parts of a template directive that stand for it (each one an Opaque, as the text between stays text)
_DIRECTIVE_PARTS = frozenset({"template_if_intro", "template_else_intro", "template_if_end", "template_for_start",
                              "template_for_end"})
#: ``$${`` and ``%%{`` escape an interpolation or a directive: the text up to the next ``}`` is one literal part
_ESCAPED = re.compile(r"\$\$\{|%%\{")
_INTERP = re.compile(r"\$\$\{|%%\{|\$\{|%\{")


class _TooDeep(Exception):
    """Expressions nested deeper than :data:`MAX_DEPTH`."""


class _TooSlow(Exception):
    """The parse took longer than it may (tree-sitter recovering from a mass of errors); the seconds it had."""


class _Syntax(Exception):
    """A construct tree-sitter-hcl accepts but HCL does not (``0x1F``, an empty ``${}``), at a node."""

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node = node


@functools.cache
def _language() -> Any:
    import tree_sitter
    import tree_sitter_hcl

    return tree_sitter.Language(tree_sitter_hcl.language())


#: one tree-sitter parser per thread: a parser holds the state of the parse it is doing (and of a cancelled one
#: until reset), so two threads must never share one
_PARSERS = threading.local()


def _parser() -> Any:
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        import tree_sitter

        parser = _PARSERS.parser = tree_sitter.Parser(_language())
    return parser


def _kids(node: Node) -> list[Node]:
    """The children of a node without comments."""
    return [c for c in node.children if not c.is_extra]


def _text(src: bytes, node: Node) -> str:
    return src[node.start_byte:node.end_byte].decode("utf-8", "surrogateescape")


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


# ---------------------------------------------------------------------------------------------------------
# Expressions


class _Converter:
    """Converts the tree of one source text (``src``, as UTF-8 bytes) into preflight's expressions."""

    def __init__(self, src: bytes) -> None:
        self.src = src

    def expr(self, node: Node, depth: int) -> Any:
        """An ``expression`` node (or any node standing for an expression term)."""
        if depth > MAX_DEPTH:
            raise _TooDeep
        kind = node.type
        if kind == "expression":
            kids = _kids(node)
            if len(kids) == 1 and kids[0].type == "conditional":
                return self.expr(kids[0], depth + 1)
            return self.term(kids, depth + 1)
        if kind == "conditional":
            return self.conditional(node, depth)
        # wrappers of one node (nothing else fits inside, not even a comment): child(0) builds no list
        if kind == "literal_value":
            return self.literal(node.child(0))
        if kind == "template_expr":
            return self.template(node.child(0), depth + 1)
        if kind == "collection_value":
            return self.collection(node.child(0), depth + 1)
        if kind == "variable_expr":
            return Traversal(_text(self.src, node), ())
        if kind == "function_call":
            return self.call(node, depth + 1)
        if kind == "for_expr":
            return self.for_expr(node.child(0), depth + 1)
        if kind == "operation":
            return self.operation(node.child(0), depth + 1)
        raise _Syntax(node)

    def conditional(self, node: Node, depth: int) -> Any:
        """``a ? b : c ? d : e`` is ``a ? b : (c ? d : e)`` in HCL; tree-sitter-hcl 1.2 declares the rule
        left-associative and gives ``(a ? b : c) ? d : e``, so a chain is read back in the order written (a
        condition written in parentheses is an ``expression`` of its own and is not taken apart)."""
        chain: list[tuple[Node, Node]] = []  # (then, else) from the outermost conditional inwards
        while True:
            cond, then, other = (c for c in _kids(node) if c.type == "expression")
            chain.append((then, other))
            inner = _kids(cond)
            if len(inner) == 1 and inner[0].type == "conditional":
                node = inner[0]
                continue
            break
        chain.reverse()  # in the order written: a ? b : c ? d : e → [(b, c), (d, e)]
        conds = [cond, *(other for _, other in chain[:-1])]
        result = self.expr(chain[-1][1], depth + 1)
        for c, (then, _) in zip(reversed(conds), reversed(chain), strict=True):
            result = Conditional(self.expr(c, depth + 1), self.expr(then, depth + 1), result)
        return result

    def term(self, kids: list[Node], depth: int) -> Any:
        """A flat run of children standing for one expression term: a head (``(expr)`` or a node) and the
        attribute, index and splat steps after it (tree-sitter-hcl keeps ``_expr_term`` hidden, so a term
        with steps is a run of siblings)."""
        if kids and kids[0].type == "(":
            value, rest, paren = self.expr(kids[1], depth + 1), kids[3:], True
        elif kids:
            value, rest, paren = self.expr(kids[0], depth + 1), kids[1:], False
        else:
            return Opaque(Msg("iac.kind_empty"))
        for step_node in rest:
            inner = _kids(step_node)[0]
            if step_node.type == "splat":
                value = Splat(value, tuple(self.step(s, depth + 1) for s in _kids(inner)[1:]))
            elif step_node.type in ("get_attr", "index"):
                step = self.step(step_node, depth + 1)
                if isinstance(step, Opaque):
                    value = step
                elif isinstance(value, Traversal) and not paren:
                    value = Traversal(value.root, (*value.steps, step))
                elif isinstance(value, Postfix):
                    value = Postfix(value.base, (*value.steps, step))
                else:
                    value = Postfix(value, (step,))
            else:
                raise _Syntax(step_node)
            paren = False
        return value

    def step(self, node: Node, depth: int) -> Any:
        """One attribute or index step: a name, an integer, a :class:`StrIndex` or an index expression."""
        if node.type == "get_attr":
            return _text(self.src, _kids(node)[-1])
        inner = _kids(node)[0]
        if inner.type == "legacy_index":
            return _integer(_text(self.src, inner)[1:].strip())  # `.0`
        index = self.expr(_kids(inner)[1], depth + 1)
        return StrIndex(index) if isinstance(index, str) else index

    def literal(self, node: Node) -> Any:
        kind = node.type
        if kind == "numeric_lit":
            text = _text(self.src, node)
            if text.isascii() and text.isdigit():
                return _integer(text)
            if text[:2] in ("0x", "0X"):
                raise _Syntax(node)  # HCL has no hexadecimal literals
            return float(text)
        if kind == "bool_lit":
            return _text(self.src, node) == "true"
        if kind == "null_lit":
            return None
        return _template(self.parts(node, 0))  # string_lit

    def collection(self, node: Node, depth: int) -> Any:
        items = [c for c in _kids(node) if c.type not in ("tuple_start", "tuple_end", "object_start", "object_end",
                                                          ",")]
        if node.type == "tuple":
            return TupleExpr(tuple(self.expr(c, depth + 1) for c in items))
        return ObjectExpr(tuple(self.object_elem(e, depth + 1) for e in items))

    def object_elem(self, node: Node, depth: int) -> tuple[Any, Any]:
        key_node, value_node = node.child_by_field_name("key"), node.child_by_field_name("val")
        key_kids = _kids(key_node)
        # a bare name is the key itself (`Version = "1"`), not a reference; `(name)` is a reference
        if len(key_kids) == 1 and key_kids[0].type == "variable_expr":
            key: Any = _text(self.src, key_kids[0])
        else:
            key = self.expr(key_node, depth + 1)
        return key, self.expr(value_node, depth + 1)

    def call(self, node: Node, depth: int) -> Call:
        kids = _kids(node)
        name = _text(self.src, kids[0])
        args_node = next((c for c in kids if c.type == "function_arguments"), None)
        if args_node is None:
            return Call(name, ())
        arg_kids = _kids(args_node)
        args = tuple(self.expr(a, depth + 1) for a in arg_kids if a.type == "expression")
        return Call(name, args, any(a.type == "ellipsis" for a in arg_kids))

    def for_expr(self, node: Node, depth: int) -> ForExpr:
        kids = _kids(node)
        intro = kids[1]
        intro_kids = _kids(intro)
        names = [_text(self.src, c) for c in intro_kids if c.type == "identifier"]
        collection = self.expr(next(c for c in intro_kids if c.type == "expression"), depth + 1)
        exprs = [c for c in kids if c.type == "expression"]
        cond_node = next((c for c in kids if c.type == "for_cond"), None)
        cond = None if cond_node is None else self.expr(_kids(cond_node)[-1], depth + 1)
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        if node.type == "for_tuple_expr":
            return ForExpr(key_var, value_var, collection, None, self.expr(exprs[0], depth + 1), cond)
        group = any(c.type == "ellipsis" for c in kids)
        return ForExpr(key_var, value_var, collection, self.expr(exprs[0], depth + 1),
                       self.expr(exprs[1], depth + 1), cond, group)

    def operation(self, node: Node, depth: int) -> Any:
        kids = _kids(node)
        if node.type == "unary_operation":
            op, operand = _text(self.src, kids[0]), self.term(kids[1:], depth + 1)
            if op == "-" and isinstance(operand, int | float) and not isinstance(operand, bool):
                return -operand
            return Operation("neg" if op == "-" else op, (operand,))
        at = next(i for i, c in enumerate(kids) if not c.is_named and c.type in _BINARY)
        left, right = self.term(kids[:at], depth + 1), self.term(kids[at + 1:], depth + 1)
        return Operation(kids[at].type, (left, right))

    # -- templates ------------------------------------------------------------------------------------------

    def template(self, node: Node, depth: int) -> Any:
        if node.type == "heredoc_template":
            kids = _kids(node)
            trim = _text(self.src, kids[0]) == "<<-"
            opener, closer = kids[1], kids[-1]
            text = self.src[opener.end_byte:closer.start_byte].decode("utf-8", "surrogateescape")
            # the rest of the opening line, the body lines, the closing line's indentation
            return _template(_heredoc_parts(text.split("\n")[1:-1], trim=trim))
        return _template(self.parts(node, depth))

    def parts(self, node: Node, depth: int) -> list[Any]:
        """The parts of a quoted template: literal text (unescaped), expressions, and an Opaque for each part
        of a directive (``%{if …}``, ``%{else}``, ``%{endif}`` …) with the text between them as text."""
        kids = _kids(node)
        start, end = kids[0].end_byte, kids[-1].start_byte  # inside the quotes
        spans: list[tuple[int, int, Any]] = []
        stack = list(reversed(kids[1:-1]))
        while stack:
            c = stack.pop()
            if c.type == "template_interpolation":
                if self.src[c.start_byte - 1:c.start_byte] == b"$":
                    # `$$${x}` is `$` then the escape `$${`: the text `$${x}`; tree-sitter-hcl 1.2 scans an odd run
                    # of `$` before `{` as `$$` then an interpolation. Left as text, it is split as HCL does.
                    continue
                inner = _kids(c)
                if len(inner) != 3 or inner[1].type != "expression":  # `${}`, strip markers `${~ x ~}`
                    if len(inner) == 2:
                        raise _Syntax(inner[1])
                    spans.append((c.start_byte, c.end_byte, Opaque(Msg("iac.kind_directive"))))
                else:
                    spans.append((c.start_byte, c.end_byte, self.expr(inner[1], depth + 1)))
            elif c.type in ("template_directive", "template_if", "template_for"):
                stack.extend(reversed(_kids(c)))
            elif c.type in _DIRECTIVE_PARTS:
                spans.append((c.start_byte, c.end_byte, Opaque(Msg("iac.kind_directive"))))
        out: list[Any] = []
        pos = start
        for s, e, value in spans:
            out.extend(_literal(self.src[pos:s]))
            out.append(value)
            pos = e
        out.extend(_literal(self.src[pos:end]))
        return out


def _heredoc_parts(body: list[str], *, trim: bool) -> list[Any]:
    """The parts of a heredoc's body lines (``<<-`` strips their common indentation); interpolations inside
    it are parsed as expressions given as text."""
    if trim:
        indent = min((len(x) - len(x.lstrip()) for x in body if x.strip()), default=0)
        body = [x[indent:] for x in body]
    return _interpolations("\n".join(body) + ("\n" if body else ""))


def _interpolations(text: str) -> list[Any]:
    """Literal text and ``${…}`` interpolations (each parsed by :func:`parse_expression`); a directive makes
    the rest of the text one Opaque."""
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


def parse_template(text: str) -> Any:
    """A string template given as text (a ``.tf.json`` string): its literal parts and ``${…}`` interpolations,
    each parsed with :func:`parse_expression` (``$${`` is a literal ``${``); a lone ``"${x}"`` is ``x`` itself,
    a string without interpolation that string."""
    return _template(_interpolations(text))


def _literal(raw: bytes) -> list[str]:
    """Literal template text as parts: unescaped text, with each ``$${…}``/``%%{…}`` (up to the next ``}``) a
    part of its own that is the text with one ``$``/``%`` less."""
    if not raw:
        return []
    text = raw.decode("utf-8", "surrogateescape")
    out: list[str] = []
    pos = 0
    for m in _ESCAPED.finditer(text):
        if m.start() < pos:
            continue
        if m.start() > pos:
            out.append(_unescape(text[pos:m.start()]))
        close = text.find("}", m.end())
        end = m.end() if close < 0 else close + 1  # `$${` with no `}` after it is the text `${`
        out.append(text[m.start() + 1:end])
        pos = end
    if pos < len(text):
        out.append(_unescape(text[pos:]))
    return out


# ---------------------------------------------------------------------------------------------------------
# Errors


def _first_error(root: Node) -> Node | None:
    """The first ``ERROR`` or ``MISSING`` node in document order, None when the tree has none."""
    if not root.has_error:
        return None
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            return node
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_missing]))
    return root


#: tokens of tree-sitter-hcl's external scanner (templates, heredocs): met outside their place, they are where
#: the parser lost its way (an ``@`` comes back as an empty heredoc identifier, ``${`` outside a string as itself)
_SCANNER_TOKENS = frozenset({"heredoc_identifier", "template_interpolation_start", "template_interpolation_end",
                             "template_directive_start", "template_directive_end", "quoted_template_start",
                             "quoted_template_end", "template_literal"})


def _culprit(node: Node) -> Node:
    """The leaf where the text stops fitting the grammar: in an ERROR node, the first zero-width, error or
    scanner token; an ERROR node of ordinary tokens holds a start the parser gave up on when it met the
    token after it, so that one (at the end of the input, a closing bracket it ends with, else the end)."""
    if _first_leaf(node).start_point[0] > node.start_point[0]:  # a line's end skipped without a token for it
        return _Skipped(node.start_byte)
    stack = [node]
    while stack:
        n = stack.pop()
        if n.child_count == 0:
            if n.start_byte == n.end_byte or n.is_error or n.type in _SCANNER_TOKENS:
                return n
            continue
        stack.extend(reversed(n.children))
    after = node
    while after is not None and after.next_sibling is None:
        after = after.parent
    if after is None:  # nothing after it: a stray closing bracket at the end, or the input ended too early
        last = node
        while last.child_count:
            last = last.children[-1]
        return last if last.type in ("}", "]", ")") else _EndOfInput(node.end_byte)
    leaf = after.next_sibling
    while leaf.child_count:
        leaf = leaf.children[0]
    return leaf


class _EndOfInput:
    """Where the input ended while the parser still expected more (stands for a leaf in :func:`_error`)."""

    child_count = 0
    is_missing = True

    def __init__(self, at: int) -> None:
        self.start_byte = self.end_byte = at


class _Skipped(_EndOfInput):
    """Text an ERROR node starts with, up to the end of its line, that no token of it covers (stands for a leaf
    in :func:`_error`)."""

    is_missing = False


def _first_leaf(node: Node) -> Node:
    while node.child_count:
        node = node.children[0]
    return node


def _word(text: str, at: int) -> str:
    """The token written at a position: a name or number, else one character."""
    end = at
    while end < len(text) and end - at < 30 and (text[end].isalnum() or text[end] in "_-."):
        end += 1
    return text[at:max(end, at + 1)]


def _where(text: str, display: str, at: int) -> str:
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    return f"{display}:{line}:{column}"


#: characters that start a token of HCL; any other is an unexpected character
_TOKEN_START = frozenset("\"=+-*/%!<>&|?:.,()[]{}$#~")


def _error(src: bytes, text: str, display: str, node: Node, *, exact: bool = False) -> PreflightError:
    """The one-line error, at file:line:column, for the first node tree-sitter could not fit into the grammar
    (an ERROR node, a MISSING one, or with ``exact`` a node that is wrong where it is, :class:`_Syntax`)."""
    leaf = node if node.is_missing else _culprit(node) if not exact else _first_leaf(node)
    if not exact and not node.is_missing and not isinstance(leaf, _EndOfInput) and leaf.start_byte >= node.end_byte \
            and b"\n" in src[node.end_byte:leaf.start_byte] and _first_leaf(node).type != "ERROR":
        # the parser gave up on a start (`bucket =`) at the next line's token: the line ended too early
        at = len(src[:node.end_byte].decode("utf-8", "surrogateescape"))
        return PreflightError(Msg("iac.hcl_unexpected_eol"), _where(text, display, min(at, len(text))))
    at = min(len(src[:leaf.start_byte].decode("utf-8", "surrogateescape")), len(text))
    rest = text[at:]
    if not rest.strip():
        return PreflightError(Msg("iac.hcl_unexpected_end"), _where(text, display, len(text)))
    if not rest[0].strip():  # the culprit starts on whitespace: say what comes next
        at += len(rest) - len(rest.lstrip())
        rest = text[at:]
    where = _where(text, display, at)
    if rest[0] == "\\":
        return PreflightError(Msg("iac.hcl_bad_escape", escape=rest[:2]), where)
    if not (rest[0].isalnum() or rest[0] == "_" or rest[0] in _TOKEN_START):
        return PreflightError(Msg("iac.hcl_unexpected_char", char=rest[0]), where)
    token = _text(src, leaf).strip() if leaf.end_byte > leaf.start_byte and not leaf.is_missing else ""
    return PreflightError(Msg("iac.hcl_unexpected_token", token=(token or _word(text, at)).split("\n")[0][:30]),
                          where)


# ---------------------------------------------------------------------------------------------------------
# Files → blocks


def _label(src: bytes, conv: _Converter, node: Node) -> str:
    if node.type == "string_lit":
        return "".join(p for p in conv.parts(node, 0) if isinstance(p, str))
    return _text(src, node)


def _body(conv: _Converter, node: Node | None, path: str) -> RawBody:
    out = RawBody()
    if node is None:
        return out
    src = conv.src
    previous_end = -1
    for item in _kids(node):
        if item.start_point[0] <= previous_end:  # two arguments or blocks on one line
            raise _Syntax(item)
        previous_end = item.end_point[0]
        kids = _kids(item)
        if item.type == "attribute":
            out.attrs[_text(src, kids[0])] = (conv.expr(kids[-1], 0), item.start_point[0] + 1)
        elif item.type == "block":
            at = next(i for i, c in enumerate(kids) if c.type == "block_start")
            names = kids[:at]
            inner = next((c for c in kids[at:] if c.type == "body"), None)
            out.blocks.append(RawBlock(_text(src, names[0]), tuple(_label(src, conv, n) for n in names[1:]),
                                       _body(conv, inner, path), path, item.start_point[0] + 1,
                                       kids[-1].start_point[0] + 1))
    return out


#: how many times a text is parsed again with its exponents mended (each pass mends the numbers it can see:
#: the tokens after an error are not numbers in its tree, so ``1e3 + 2e3`` takes two)
EXPONENT_PASSES = 4


def _tree(src: bytes) -> tuple[bytes, Node]:
    """The source (as parsed) and the root of its tree. tree-sitter-hcl 1.2 reads a number only with a fraction
    before its exponent: ``1e5``, valid HCL, is the number ``1`` then a stray ``e5``. When the tree has an
    error, ``.0`` is put before each exponent that follows a number node (code, never a string or a comment:
    the nodes say so) and the text parsed again, up to :data:`EXPONENT_PASSES` times; the lines stay."""
    root = _parse(src)
    for _ in range(EXPONENT_PASSES):
        if not root.has_error:
            break
        cuts = _exponents(src, root)
        if not cuts:
            break
        src = b"".join(src[a:b] + (b".0" if b in cuts else b"")
                       for a, b in zip([0, *cuts], [*cuts, len(src)], strict=True))
        root = _parse(src)
    return src, root


def _exponents(src: bytes, root: Node) -> list[int]:
    """Where an exponent follows a number node without a fraction (``1e5``), in order."""
    cuts: list[int] = []
    stack = [root]
    while stack:
        n = stack.pop()
        if n.type == "numeric_lit":
            end = n.end_byte
            if src[end:end + 1] in (b"e", b"E") and src[n.start_byte:end].isdigit() and (
                    src[end + 1:end + 2].isdigit() or (src[end + 1:end + 2] in (b"+", b"-")
                                                       and src[end + 2:end + 3].isdigit())):
                cuts.append(end)
        else:
            stack.extend(n.children)
    return sorted(cuts)


def _parse(src: bytes) -> Node:
    """The root of the tree of ``src``, within :data:`PARSE_SECONDS` and a second a
    :data:`PARSE_BYTES_PER_SECOND` (else :class:`_TooSlow`)."""
    parser = _parser()
    view = memoryview(src)
    seconds = _seconds(len(src))
    deadline = time.monotonic() + seconds

    def past_deadline(offset: int, has_error: bool) -> bool:
        return time.monotonic() > deadline

    try:
        return parser.parse(lambda offset, _point: view[offset:offset + 65536],
                            progress_callback=past_deadline).root_node
    except ValueError:  # cancelled: tree-sitter says "Parsing failed"
        parser.reset()  # or the next parse would resume this one
        raise _TooSlow(seconds) from None


def _seconds(size: int) -> float:
    return round(PARSE_SECONDS + size / PARSE_BYTES_PER_SECOND, 1)


def parse_hcl(text: str, display: str, limits: Limits = LIMITS) -> RawBody:
    """Parse HCL text; a syntax error is a one-line :class:`PreflightError` at file:line:column."""
    if len(text) > limits.hcl_chars:
        raise PreflightError(Msg("iac.cap_hcl_chars", size=len(text), cap=limits.hcl_chars), display)
    # a newline at the end, as Terraform reads a last line (a heredoc closed on the last line of the file)
    try:
        src, root = _tree((text + "\n").encode("utf-8", "surrogateescape"))
    except _TooSlow as e:
        raise PreflightError(Msg("iac.hcl_too_slow", seconds=e.args[0]), display) from None
    if len(src) != len(text.encode("utf-8", "surrogateescape")) + 1:
        text = src[:-1].decode("utf-8", "surrogateescape")  # columns are those of the text parsed
    bad = _first_error(root)
    if bad is not None:
        raise _error(src, text, display, bad)
    kids = _kids(root)
    if kids and kids[0].type != "body":  # a bare object: a .tfvars.json shape, not HCL
        raise _error(src, text, display, kids[0], exact=True)  # the `{` of the object
    conv = _Converter(src)
    try:
        return _body(conv, kids[0] if kids else None, display)
    except _TooDeep:
        raise PreflightError(Msg("iac.hcl_too_deep"), display) from None
    except _Syntax as e:
        raise _error(src, text, display, e.node, exact=True) from None


def parse_expression(text: str) -> Any:
    """One HCL expression given as text (heredoc interpolations, ``.tf.json`` strings, ``TF_VAR_`` values);
    within ``load_module``, at most ``Limits.expressions`` of them (the others are unknown)."""
    parses = PARSES.get()
    if parses is not None:
        if parses.left <= 0:
            return Opaque(Msg("iac.kind_cap_expressions", cap=parses.cap))
        parses.left -= 1
    try:
        src, root = _tree(f"x = {text}\n".encode("utf-8", "surrogateescape"))
    except _TooSlow:
        return Opaque(Msg("iac.kind_unparsed"))
    kids = _kids(root)
    if root.has_error or not kids or kids[0].type != "body":
        return Opaque(Msg("iac.kind_unparsed"))
    attrs = _kids(kids[0])
    if attrs[0].type != "attribute":
        return Opaque(Msg("iac.kind_unparsed"))
    try:
        return _Converter(src).expr(_kids(attrs[0])[-1], 0)
    except _TooDeep:
        return Opaque(Msg("iac.kind_nested"))
    except _Syntax:
        return Opaque(Msg("iac.kind_unparsed"))


__all__ = ["MAX_DEPTH", "parse_expression", "parse_hcl", "parse_template"]
