"""Terraform configuration (``.tf``, ``.tf.json``, ``.tfvars``) → the snapshot-shaped document + annotations.

A module is the Terraform files of one directory, parsed together. Expressions are evaluated only as far
as the files decide them, with Terraform's semantics: literals, string templates, heredocs, variables
(defaults, ``TF_VAR_`` environment variables, ``terraform.tfvars``, ``*.auto.tfvars``, var files given
explicitly, in Terraform's precedence), ``locals``, references to arguments of resources in the module,
conditionals, operators, ``for`` expressions, splats, ``dynamic`` blocks and the functions of
:mod:`preflight.sources.tffunctions` (``try``/``can``/``coalesce`` here). Anything else (data sources,
variables without a value, attributes computed at apply time, other functions) is :class:`Unresolved` with
the reason, and becomes an unknown fact; nothing is guessed. An error Terraform would stop on (an index out
of range) is an Unresolved marked ``error`` (``try`` moves past it); a string with unknown parts is a
:class:`Partial` that keeps its literal parts for the policy reader and is unknown to everything else.
Each file is read and parsed once per run (:class:`ParseCache`).

A resource (or module call) with a known ``count``/``for_each`` is expanded into its instances
(:class:`Expansion`, addresses ``type.name[0]``, ``type.name["k"]``); an unknown one stays one resource whose
``count.index``/``each.*`` are unresolved. A ``module`` block with a local source loads that directory as a
child :class:`Module` (inputs evaluated in the caller, resources under ``module.NAME.``, outputs readable
from the caller); a remote source, a missing directory or a cycle leaves the call Unresolved.

python-hcl2 (8.x) is imported lazily: its dict API neither keeps line numbers (``with_meta`` is declared
but not implemented in 8.1) nor gives expressions as a tree (``jsonencode({...})`` comes back as HCL text),
so this module walks the raw Lark parse tree (``hcl2.parses_to_tree``, built with positions) itself.

Files from a pull request are untrusted, so evaluation is bounded (:class:`Limits`, one :class:`Budget` per
root module or run): variables, locals, outputs and arguments are evaluated once per module instance
(memoised), and instances per block and in all, module depth, evaluation steps and depth, the size and depth
of a value and the interpolations parsed are capped. Past a cap the value, instances or module call are
Unresolved with a reason naming the cap and its value; an HCL file over its size cap is an error.

The resource → document mapping (:func:`build_document`) works on source-neutral :class:`Resource`
values, so the plan source (``plan.py``) shares it.
"""

from __future__ import annotations

import contextvars
import functools
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from preflight import policy as pol
from preflight.errors import Foreign, Msg, PreflightError
from preflight.facts import DEFAULT_ROLE_NAME
from preflight.model import Location
from preflight.sources import jsonpos
from preflight.sources.common import display_path, read_text
from preflight.sources.registry import Files
from preflight.sources.snapshot import Annotations

#: a node of the Lark parse tree (``lark.Tree`` or ``lark.Token``); dynamic, so typed loosely
Tree = Any

# ---------------------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True, slots=True, eq=False)
class Unresolved:
    """A value the files do not decide, with the reason (shown to the user as the unknown's reason).

    Two are equal when they say the same (in English), whichever way the reason was built."""

    reason: Msg
    #: Terraform would stop with an error here (an index out of range, a function refusing its arguments),
    #: which ``try``/``can`` catch; otherwise the value is only not known before apply
    error: bool = False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unresolved) and str(self.reason) == str(other.reason)

    def __hash__(self) -> int:
        return hash(str(self.reason))


@dataclass(frozen=True, slots=True)
class PartialText:
    """A string known in part: literal parts and, for each unknown part, the text that stands for it
    (``acs:ram::${data.alicloud_account.current.id}:root``, ``acs:ram::${ALIYUN::TenantId}:root``)."""

    parts: tuple[str | Hole, ...]

    @property
    def text(self) -> str:
        return "".join(p if isinstance(p, str) else p.text for p in self.parts)


@dataclass(frozen=True, slots=True)
class Hole:
    """The unknown part of a :class:`PartialText`, with the text written for it."""

    text: str


@dataclass(frozen=True, slots=True, eq=False)
class Partial(Unresolved):
    """A value with known and unknown parts. It *is* an :class:`Unresolved` (everything that does not look
    inside sees an unknown value, with the reason of its first unknown part); ``value`` is the value with
    each string known only in part a :class:`PartialText`, which the policy reader may use
    (``policy.decidable_trust``). Only templates, lists, objects and ``jsonencode`` build one: any other
    reader gets the plain Unresolved (see ``Module.eval``)."""

    value: Any = None


def placeholder(v: Any) -> str | None:
    """The text standing for a partly known string, None for any other value (for ``policy.decidable_trust``)."""
    return v.text if isinstance(v, PartialText) else None


def plain(v: Any) -> Any:
    """A partly known value as a plain unknown one (for readers that do not look inside)."""
    return Unresolved(v.reason) if isinstance(v, Partial) else v


def partial_collection(items: Sequence[Any], build: Callable[[list[Any]], Any]) -> Any:
    """A list or object of values some of which are partly known: Partial (of ``build`` of the values, each
    Partial replaced by what it holds) when every unknown among them is partly known and none an error, the
    first plain unknown otherwise; None when all are known."""
    first: Unresolved | None = None
    for v in items:
        if isinstance(v, Unresolved):
            if not isinstance(v, Partial) or v.error:
                return plain(v)
            first = first or v
    if first is None:
        return None
    return Partial(first.reason, value=build([v.value if isinstance(v, Partial) else v for v in items]))


@dataclass(frozen=True, slots=True)
class Attr:
    """One argument as a source sees it: its value, where it is written, the resource it references."""

    value: Any  # str | int | float | bool | None | list | dict | Unresolved
    location: Location | None = None
    #: the address of the resource the expression refers to (``alicloud_image.web``), for joins
    target: str | None = None


@dataclass(frozen=True, slots=True)
class Block:
    attrs: Mapping[str, Attr]
    blocks: Mapping[str, tuple[Block, ...]]
    location: Location | None
    #: nested block types some of whose blocks are not known (a ``dynamic`` block whose ``for_each`` is not),
    #: with why: the blocks of that type listed in ``blocks`` are then not all of them
    unknown_blocks: Mapping[str, Msg] = field(default_factory=dict)

    def nested(self, name: str) -> tuple[Block, ...] | Unresolved:
        """The nested blocks of a type, or Unresolved when a dynamic block may add blocks not known."""
        if name in self.unknown_blocks:
            return Unresolved(self.unknown_blocks[name])
        return self.blocks.get(name, ())

    def value(self, name: str) -> Any:
        a = self.attrs.get(name)
        return MISSING if a is None else a.value

    def loc(self, name: str) -> Location | None:
        a = self.attrs.get(name)
        return a.location if a is not None and a.location is not None else None


@dataclass(frozen=True, slots=True)
class Resource:
    """A managed resource, source-neutral (HCL or plan)."""

    type: str
    address: str
    body: Block
    #: the provider's region for this resource (value and where it is written)
    region: Attr
    #: where ``provider = alicloud.x`` is written in the resource, if it is
    provider_location: Location | None = None

    @property
    def location(self) -> Location | None:
        return self.body.location


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


#: an argument that is not written at all
MISSING: Any = _Missing()


def is_known(v: Any) -> bool:
    return v is not MISSING and not isinstance(v, Unresolved)


# ---------------------------------------------------------------------------------------------------------
# Caps: files from a pull request are untrusted, so evaluation is bounded in time and memory


@dataclass(frozen=True, slots=True)
class Limits:
    """The caps on evaluating one root module (with the modules it calls). Past a cap the value, the
    instances or the module call concerned are :class:`Unresolved` with a reason naming the cap and its
    value: never a hang, never a guess."""

    #: instances one ``count``/``for_each`` may give (a resource or a module call)
    instances_per_block: int = 1_000
    #: instances of resources and module calls in all, over every module instance
    instances_total: int = 10_000
    #: how deep ``module`` blocks may nest (the root module is depth 1)
    module_depth: int = 16
    #: expressions evaluated in all (each variable, local, output or argument read counts, memoised or not)
    eval_steps: int = 1_000_000
    #: how deep evaluation may nest (expressions inside expressions, references followed)
    eval_depth: int = 100
    #: the size of one value: characters of its strings plus its elements and keys
    value_size: int = 1_000_000
    #: how deep one value (lists and maps inside each other) may nest
    value_depth: int = 64
    #: characters of one HCL file (``.tf``, ``.tfvars``): the parser takes time and memory in proportion
    #: (~1 s and ~300 MB a megabyte on a quiet machine), so a larger file is refused with an error
    hcl_chars: int = 1_000_000
    #: interpolations (``${…}`` in a heredoc, a ``.tf.json`` string or a ``TF_VAR_`` value) parsed as
    #: expressions while one root module is loaded; each costs a parse, and past the cap one is unknown
    expressions: int = 20_000


LIMITS = Limits()


class Budget:
    """What one root module's evaluation has spent, shared by every module instance it loads."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.steps = 0
        self.depth = 0
        self.instances = 0
        #: id -> (the value, kept alive so its id is not reused; its size; its depth)
        self._measured: dict[int, tuple[Any, int, int]] = {}

    def instances_left(self) -> int:
        return self.limits.instances_total - self.instances

    def measure(self, v: Any, levels: int = 0) -> tuple[int, int]:
        """The size and depth of a value (a shared part counted each time it appears, as a copy would be;
        measured once, so a structure of shared parts is measured in the time of its distinct parts);
        ``levels``: how deep inside the value measured first this one is."""
        if isinstance(v, str):
            return len(v) + 1, 0
        if not isinstance(v, list | Mapping):
            return 1, 0
        known = self._measured.get(id(v))
        if known is not None and known[0] is v:
            return known[1], known[2]
        if levels > self.limits.value_depth:  # deeper than allowed: not worth (nor safe) to go further
            return 1, self.limits.value_depth + 1
        size, depth = 1, 0
        for k, x in (v.items() if isinstance(v, Mapping) else enumerate(v)):
            s, d = self.measure(x, levels + 1)
            size += s + (len(k) if isinstance(k, str) else 0)
            depth = max(depth, d)
            if size > self.limits.value_size or depth > self.limits.value_depth:
                break  # already too large: no need to look further
        self._measured[id(v)] = (v, size, depth + 1)
        return size, depth + 1

    def checked_partial(self, p: Any) -> Any:
        """A :class:`Partial` whose known parts are within the caps (they are walked by the policy reader),
        else the Unresolved naming the cap; any other value as it is."""
        if not isinstance(p, Partial):
            return p
        c = self.checked(p.value)
        return c if isinstance(c, Unresolved) else p

    def checked(self, v: Any) -> Any:
        """The value, or Unresolved when it is past the caps on a value's size and depth."""
        size, depth = self.measure(v)
        if size > self.limits.value_size:
            return Unresolved(Msg("iac.cap_value_size", cap=self.limits.value_size))
        if depth > self.limits.value_depth:
            return Unresolved(Msg("iac.cap_value_depth", cap=self.limits.value_depth))
        return v


# ---------------------------------------------------------------------------------------------------------
# Expressions (converted from the Lark tree)


@dataclass(frozen=True, slots=True)
class Template:
    parts: tuple[Any, ...]  # str | expression


@dataclass(frozen=True, slots=True)
class Traversal:
    """``var.x``, ``local.y``, ``alicloud_oss_bucket.b.bucket``, ``data.t.n.attr``; steps are names or
    indexes (an index that is an expression is kept as an expression)."""

    root: str
    steps: tuple[Any, ...]

    @property
    def text(self) -> str:
        out = self.root
        for s in self.steps:
            out += f".{s}" if isinstance(s, str) else f"[{s}]" if isinstance(s, int) else "[…]"
        return out


@dataclass(frozen=True, slots=True)
class StrIndex:
    """A string key written as an index (``x["k"]``), kept apart from an attribute name (``x.k``): the two
    differ for a resource with ``for_each`` (``type.name["k"].attr``)."""

    value: str


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Any, ...]
    #: the last argument is written ``list...`` (its elements are the arguments)
    expand: bool = False


@dataclass(frozen=True, slots=True)
class Conditional:
    cond: Any
    then: Any
    other: Any


@dataclass(frozen=True, slots=True)
class Operation:
    """``a op b`` (``+``, ``==``, ``&&`` …) or a unary ``!a`` / ``-a`` (op ``"!"``/``"neg"``, one operand)."""

    op: str
    operands: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Postfix:
    """Attribute and index steps after an expression that is not a name (``f(x)[0]``, ``(a).b``)."""

    base: Any
    steps: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Splat:
    """``base[*].a.b`` / ``base.*.a``: the steps applied to each element of ``base``."""

    base: Any
    steps: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class ForExpr:
    """``[for k, v in coll : value if cond]`` or ``{for k, v in coll : key => value... if cond}``."""

    key_var: str | None
    value_var: str
    collection: Any
    key: Any  # the key expression of an object ``for``; None for a tuple ``for``
    value: Any
    cond: Any  # None without ``if``
    group: bool = False


@dataclass(frozen=True, slots=True)
class TupleExpr:
    items: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class ObjectExpr:
    items: tuple[tuple[Any, Any], ...]


@dataclass(frozen=True, slots=True)
class Opaque:
    """An expression that is not evaluated statically (conditional, for, splat, operator, directive)."""

    kind: Msg


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


#: the most digits an integer literal may have to be evaluated (Python converts at most 4,300 digits between
#: text and int; Terraform's numbers are arbitrary-precision, so a longer one is unknown, not an error)
MAX_INT_DIGITS = 4_000


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


class _Parses:
    """How many more expressions given as text may be parsed while a root module is loaded."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.left = cap


_PARSES: contextvars.ContextVar[_Parses | None] = contextvars.ContextVar("preflight_tf_parses", default=None)


def parse_expression(text: str) -> Any:
    """One HCL expression given as text (heredoc interpolations, ``.tf.json`` strings); within
    :func:`load_module`, at most ``Limits.expressions`` of them (the others are unknown)."""
    parses = _PARSES.get()
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


# ---------------------------------------------------------------------------------------------------------
# Files → blocks


@dataclass(slots=True)
class RawBody:
    attrs: dict[str, tuple[Any, int]] = field(default_factory=dict)  # name -> (expression, line)
    blocks: list[RawBlock] = field(default_factory=list)


@dataclass(slots=True)
class RawBlock:
    type: str
    labels: tuple[str, ...]
    body: RawBody
    path: str
    line: int
    end_line: int


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


# -- .tf.json ---------------------------------------------------------------------------------------------

#: nested blocks of the resources read here, which ``.tf.json`` writes as objects (or lists of them)
JSON_BLOCKS = frozenset({"server_side_encryption_rule", "disk_device_mapping", "versioning", "lifecycle_rule",
                         "statement", "features", "timeouts", "lifecycle", "logging", "transitions",
                         "expiration", "access_monitor", "transfer_acceleration"})


def _json_value(v: Any, depth: int = 0) -> Any:
    """A ``.tf.json`` value: strings are templates (``"${var.x}"``), the rest literal."""
    if isinstance(v, str):
        if "${" not in v and "%{" not in v:
            return v.replace("$${", "${")
        return _template(_interpolations(v))
    if isinstance(v, list | dict) and depth >= LIMITS.value_depth:
        return Opaque(Msg("iac.kind_too_deep", cap=LIMITS.value_depth))
    if isinstance(v, list):
        return TupleExpr(tuple(_json_value(x, depth + 1) for x in v))
    if isinstance(v, dict):
        return ObjectExpr(tuple((k, _json_value(x, depth + 1)) for k, x in v.items()))
    return v


@dataclass(frozen=True, slots=True)
class _JsonFile:
    """A ``.tf.json`` file being read: its text (for lines) and name (for errors)."""

    text: str
    display: str

    def line(self, pointer: str) -> int:
        return jsonpos.pointer_line(self.text, pointer)

    def not_a_block(self, pointer: str) -> PreflightError:
        return PreflightError(Msg("iac.tf_json_expected_block", pointer=pointer),
                              f"{self.display}:{self.line(pointer)}")


def _json_body(obj: Mapping[str, Any], pointer: str, f: _JsonFile, strict: bool) -> RawBody:
    """The arguments and nested blocks of a block. ``strict``: the block may feed an export's facts, so a
    nested block of the wrong shape (a string where ``disk_device_mapping {…}`` is expected) is an error."""
    out = RawBody()
    for key, v in obj.items():
        ptr = f"{pointer}/{_escape(key)}"
        items = v if isinstance(v, list) else [v]
        if key in JSON_BLOCKS and items and all(isinstance(x, dict) for x in items):
            for i, x in enumerate(items):
                p = f"{ptr}/{i}" if isinstance(v, list) else ptr
                line = f.line(p)
                out.blocks.append(RawBlock(key, (), _json_body(x, p, f, strict), f.display, line, line))
        elif key in JSON_BLOCKS and strict and v is not None and v != []:
            bad = next((f"{ptr}/{i}" for i, x in enumerate(v) if not isinstance(x, dict)), ptr) if (
                isinstance(v, list)) else ptr
            raise f.not_a_block(bad)
        elif key != "//":
            out.attrs[key] = (_json_value(v), f.line(ptr))
    return out


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _labelled(v: Any, pointer: str, depth: int, labels: tuple[str, ...], strict: Callable[[tuple[str, ...]], bool],
              f: _JsonFile, listed: bool = False) -> Iterator[tuple[tuple[str, ...], dict[str, Any], str]]:
    """Walk ``{"label": {"label": body}}`` ``depth`` levels down (at each level a list of objects may stand
    for an object). A value of another shape is an error where ``strict(labels)`` says the block may feed
    an export's facts, and is left out where it cannot (``data``, resources of other types)."""
    if isinstance(v, list) and not listed:
        for i, x in enumerate(v):
            yield from _labelled(x, f"{pointer}/{i}", depth, labels, strict, f, listed=True)
        return
    if not isinstance(v, dict):
        if v is not None and strict(labels):
            raise f.not_a_block(pointer)
        return
    if depth == 0:
        yield labels, v, pointer
        return
    for k, x in v.items():
        yield from _labelled(x, f"{pointer}/{_escape(k)}", depth - 1, (*labels, k), strict, f)


_JSON_LABELS = {"resource": 2, "data": 2, "provider": 1, "variable": 1, "output": 1, "module": 1, "locals": 0}


def _json_strict(kind: str) -> Callable[[tuple[str, ...]], bool]:
    """Which blocks of a kind may feed an export's facts (their shape is then checked): the resources this
    tool reads, the ``alicloud`` provider (regions), and every variable, local, output and module call;
    never a data source (its values are unknown anyway)."""
    if kind == "resource":
        return lambda labels: not labels or labels[0] in TYPES
    if kind == "provider":
        return lambda labels: not labels or labels[0] == "alicloud"
    return lambda labels: kind != "data"


def parse_tf_json(text: str, display: str) -> RawBody:
    from preflight.sources.snapshot import parse_json

    doc = parse_json(text, display)
    if not isinstance(doc, dict):
        raise PreflightError(Msg("iac.tf_json_object"), f"{display}:1")
    f = _JsonFile(text, display)
    out = RawBody()
    for kind, depth in _JSON_LABELS.items():
        if kind not in doc:
            continue
        strict = _json_strict(kind)
        for labels, body, pointer in _labelled(doc[kind], f"/{kind}", depth, (), strict, f):
            line = f.line(pointer)
            out.blocks.append(RawBlock(kind, labels, _json_body(body, pointer, f, strict(labels)), display,
                                       line, line))
    return out


def parse_tfvars(path: Path, limits: Limits = LIMITS) -> dict[str, tuple[Any, Location]]:
    """Variable values from a ``.tfvars`` (HCL) or ``.tfvars.json`` file."""
    display = display_path(path)
    text = read_text(path)
    if path.name.endswith(".json"):
        from preflight.sources.snapshot import parse_json

        doc = parse_json(text, display)
        if not isinstance(doc, dict):
            raise PreflightError(Msg("iac.tfvars_json_object"), f"{display}:1")
        return {k: (_json_value(v), Location(display, jsonpos.pointer_line(text, f"/{_escape(k)}")))
                for k, v in doc.items()}
    body = parse_hcl(text, display, limits)
    return {k: (v, Location(display, line)) for k, (v, line) in body.attrs.items()}


# ---------------------------------------------------------------------------------------------------------
# A module and the evaluation of its expressions

#: resource types whose ``id`` is one of their arguments (provider semantics), and their name arguments
ID_ARGUMENT = {
    "alicloud_oss_bucket": ("bucket",),
    "alicloud_ram_role": ("role_name", "name"),
    "alicloud_ram_policy": ("policy_name", "name"),
}
#: deprecated names of the same argument
ALIASES = {("alicloud_ram_role", "name"): "role_name", ("alicloud_ram_role", "role_name"): "name",
           ("alicloud_ram_policy", "name"): "policy_name", ("alicloud_ram_policy", "policy_name"): "name",
           ("alicloud_ram_role", "document"): "assume_role_policy_document",
           ("alicloud_ram_policy", "document"): "policy_document"}
_RUNTIME_ROOTS = {"path", "terraform", "self"}
#: arguments of a ``module`` block that are not the child's input variables
_MODULE_META = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})
#: type constraints whose ``TF_VAR_`` value Terraform takes literally (any other type is parsed as HCL)
_PRIMITIVE_TYPES = frozenset({"string", "number", "bool"})


@dataclass(frozen=True, slots=True, eq=False)
class Instance:
    """One instance of a resource (or module call) with ``count`` or ``for_each``: what ``count.index``, or
    ``each.key`` and ``each.value``, are in its expressions. ``values`` is Unresolved when the count or
    for_each is not known statically: the resource then stays one, its instance-dependent values unknown."""

    address: str  # of the resource or call, without the instance key
    meta: str  # "count" | "for_each"
    values: Mapping[str, Any] | Unresolved
    key: int | str | None = None

    @property
    def suffix(self) -> str:
        """``[0]`` or ``["key"]``, as Terraform writes the instance's address."""
        if self.key is None:
            return ""
        return f"[{self.key}]" if isinstance(self.key, int) else f"[{json.dumps(self.key, ensure_ascii=False)}]"


@dataclass(frozen=True, slots=True)
class Expansion:
    """The instances of a block with ``count``/``for_each`` (none for ``count = 0``), or why they are unknown."""

    meta: str
    instances: tuple[Instance, ...] | Unresolved


@dataclass
class ModuleCall:
    """A ``module`` block: its instances, each a child :class:`Module`, or why its contents are unknown."""

    name: str
    expansion: Expansion | None
    children: list[tuple[Instance | None, Module]] | Unresolved


class ParseCache:
    """The Terraform files of one run, each read and parsed once however many root modules read it or
    module blocks call its directory (a repository's examples all calling its root module), by display path
    (which is the resolved path, relative to the working directory when under it). The parsed blocks are
    never changed by their readers, so one copy serves them all."""

    def __init__(self, files: Files | None = None) -> None:
        self._files: dict[str, tuple[str, RawBody]] = {}
        #: the run's store (:mod:`preflight.sources.registry`): a file the run already read is not read again
        self._store = files
        #: files parsed (for tests and the bench)
        self.parsed = 0

    def get(self, path: Path, limits: Limits) -> tuple[str, str, RawBody]:
        """(display path, text, parsed body) of a ``.tf`` or ``.tf.json`` file."""
        display = display_path(path)
        known = self._files.get(display)
        if known is None:
            text = self._store.text(path) if self._store is not None else read_text(path)
            body = (parse_tf_json(text, display) if path.name.endswith(".json")
                    else parse_hcl(text, display, limits))
            self.parsed += 1
            known = self._files[display] = (text, body)
        return display, known[0], known[1]


@dataclass
class _Reader:
    """Reads the files of the modules of one tree (through the run's :class:`ParseCache`), and remembers
    them (for inline waivers)."""

    files: dict[str, tuple[str, list[tuple[int, int]]]] = field(default_factory=dict)
    parsed: dict[Path, list[RawBlock]] = field(default_factory=dict)
    #: the directories loaded as child modules (resolved)
    called: set[Path] = field(default_factory=set)
    limits: Limits = LIMITS
    cache: ParseCache = field(default_factory=ParseCache)

    def read(self, tf_files: Sequence[Path]) -> list[RawBlock]:
        blocks: list[RawBlock] = []
        for path in tf_files:
            display, text, body = self.cache.get(path, self.limits)
            blocks += body.blocks
            self.files[display] = (text, [(b.line, b.end_line) for b in body.blocks])
        return blocks

    def directory(self, directory: Path) -> list[RawBlock] | None:
        """The blocks of a module directory; None when it is not a directory of Terraform files."""
        if directory not in self.parsed:
            try:
                names = sorted(n for n in os.listdir(directory) if n.endswith((".tf", ".tf.json")))
            except OSError:
                return None
            files = [directory / n for n in names if (directory / n).is_file()]
            if not files:
                return None
            self.parsed[directory] = self.read(files)
        self.called.add(directory)
        return self.parsed[directory]


class Module:
    """The Terraform files of one directory, with what their expressions evaluate to.

    The root module takes its variables from ``tfvars`` (the values of ``.tfvars`` files and ``TF_VAR_``
    variables, by precedence) and their defaults; a child module (``module`` block with a local source) from
    ``inputs``, the block's arguments already evaluated in the caller, and addresses its resources under
    ``prefix`` (``module.NAME.``)."""

    def __init__(self, blocks: Sequence[RawBlock], tfvars: Mapping[str, tuple[Any, Location]], *,
                 inputs: Mapping[str, tuple[Any, Location]] | None = None,
                 providers: Mapping[str, tuple[Module, RawBlock]] | None = None, prefix: str = "",
                 reader: _Reader | None = None, chain: tuple[Path, ...] | None = None,
                 budget: Budget | None = None) -> None:
        self.blocks = list(blocks)
        self.tfvars = dict(tfvars)
        self.inputs = None if inputs is None else dict(inputs)
        self.prefix = prefix
        self.variables: dict[str, RawBlock] = {}
        self.locals: dict[str, tuple[Any, Location]] = {}
        #: provider key -> (the module it is written in, its block)
        self.providers: dict[str, tuple[Module, RawBlock]] = dict(providers or {})
        self.resources: dict[str, RawBlock] = {}
        self.outputs: dict[str, RawBlock] = {}
        self.module_blocks: dict[str, RawBlock] = {}
        for b in self.blocks:
            if b.type == "variable" and b.labels:
                self.variables[b.labels[0]] = b
            elif b.type == "locals":
                for name, (expr, line) in b.body.attrs.items():
                    self.locals[name] = (expr, Location(b.path, line))
            elif b.type == "provider" and b.labels:
                alias = b.body.attrs.get("alias")
                key = b.labels[0] if alias is None else f"{b.labels[0]}.{alias[0]}"
                self.providers[key] = (self, b)
            elif b.type == "resource" and len(b.labels) == 2:
                self.resources[f"{b.labels[0]}.{b.labels[1]}"] = b
            elif b.type == "output" and b.labels:
                self.outputs[b.labels[0]] = b
            elif b.type == "module" and b.labels:
                self.module_blocks[b.labels[0]] = b
        self._evaluating: set[str] = set()
        #: the instance whose expressions are being evaluated (count.index, each.key, each.value)
        self._ctx: Instance | None = None
        self._expansions: dict[str, Expansion | None] = {}
        self._calls: dict[str, ModuleCall] = {}
        self._reader = reader
        self._chain = chain
        self._budget = budget if budget is not None else Budget(LIMITS)
        #: what a variable, local, output or argument evaluated to, by its key and the instance
        self._memo: dict[tuple[str, Instance | None], Any] = {}
        #: names bound by the for expressions and dynamic blocks being evaluated
        self._scope: dict[str, Any] = {}
        self._unknown: dict[str, Instance] = {}

    @property
    def label(self) -> str:
        """``module.NAME`` for a child module (its address), ``the root module`` never shown."""
        return self.prefix.rstrip(".")

    # -- evaluation -------------------------------------------------------------------------------------
    def eval(self, expr: Any) -> Any:
        """What an expression evaluates to; a partly known value is a plain Unresolved here."""
        v = self.eval_partial(expr)
        return Unresolved(v.reason, v.error) if isinstance(v, Partial) else v

    def eval_partial(self, expr: Any) -> Any:
        """What an expression evaluates to, a partly known value as a :class:`Partial`."""
        if expr is None or isinstance(expr, str | int | float | bool):
            return expr
        budget = self._budget
        budget.steps += 1
        if budget.steps > budget.limits.eval_steps:
            return Unresolved(Msg("iac.cap_steps", cap=budget.limits.eval_steps))
        if budget.depth >= budget.limits.eval_depth:
            return Unresolved(Msg("iac.cap_eval_depth", cap=budget.limits.eval_depth))
        budget.depth += 1
        try:
            return self._eval(expr)
        finally:
            budget.depth -= 1

    def _eval(self, expr: Any) -> Any:
        if isinstance(expr, Template):
            return self._template(expr)
        if isinstance(expr, TupleExpr):
            items = [self.eval_partial(x) for x in expr.items]
            partial = partial_collection(items, list)
            return self._budget.checked_partial(partial) if partial is not None else self._checked(items)
        if isinstance(expr, ObjectExpr):
            return self._object(expr)
        if isinstance(expr, Call):
            return self._call(expr)
        if isinstance(expr, Traversal):
            return self._traversal(expr)
        if isinstance(expr, StrIndex):
            return expr.value
        if isinstance(expr, Conditional):
            return self._conditional(expr)
        if isinstance(expr, Operation):
            return self._operation(expr)
        if isinstance(expr, Postfix):
            return self._index(self.eval(expr.base), expr.steps, "(…)" + _steps_text(expr.steps))
        if isinstance(expr, Splat):
            return self._splat(expr)
        if isinstance(expr, ForExpr):
            return self._for(expr)
        if isinstance(expr, Opaque):
            return Unresolved(Msg("iac.not_static", what=expr.kind))
        return Unresolved(Msg("iac.expr_not_static"))

    def _checked(self, v: Any) -> Any:
        return v if isinstance(v, Unresolved) else self._budget.checked(v)

    def _spend(self, *values: Any, steps: int = 0) -> Unresolved | None:
        """Count work that is not one evaluation step (a function's or an operator's, proportional to the size
        of its values; a for or splat element) against the cap on steps; past it, the Unresolved to return."""
        budget = self._budget
        budget.steps += steps + sum(budget.measure(v)[0] for v in values)
        if budget.steps > budget.limits.eval_steps:
            return Unresolved(Msg("iac.cap_steps", cap=budget.limits.eval_steps))
        return None

    def _template(self, t: Template) -> Any:
        """A string template; with unknown parts (not errors), a :class:`Partial` keeping the literal ones."""
        out: list[str | Hole] = []
        first: Unresolved | None = None
        size, cap = 0, self._budget.limits.value_size
        for p in t.parts:
            v = self.eval_partial(p)
            if isinstance(v, Unresolved):
                if v.error:
                    return plain(v)
                first = first or v
                if isinstance(v, Partial) and isinstance(v.value, PartialText):
                    out += v.value.parts
                else:
                    out.append(Hole("${" + (p.text if isinstance(p, Traversal) else "…") + "}"))
                continue
            if isinstance(v, bool):
                out.append("true" if v else "false")
            elif isinstance(v, str | int | float):
                out.append(str(v))
            else:
                return Unresolved(Msg("iac.template_non_string"))
            size += len(out[-1]) if isinstance(out[-1], str) else 0
            if size > cap:
                return Unresolved(Msg("iac.cap_value_size", cap=cap))
        if first is not None:
            return Partial(first.reason, value=PartialText(tuple(out)))
        return "".join(x for x in out if isinstance(x, str))

    def _object(self, o: ObjectExpr) -> Any:
        keys: list[str] = []
        values: list[Any] = []
        for k, v in o.items:
            key = self.eval(k)
            if isinstance(key, Unresolved):
                return key
            keys.append(str(key))
            values.append(self.eval_partial(v))
        partial = partial_collection(values, lambda vs: dict(zip(keys, vs, strict=True)))
        if partial is not None:
            return self._budget.checked_partial(partial)
        return self._checked(dict(zip(keys, values, strict=True)))

    def _call(self, c: Call) -> Any:
        """A function call, as Terraform evaluates it: ``try``/``can`` catch errors, ``coalesce`` takes the
        first argument that is neither null nor empty; any other function of an unknown argument is unknown."""
        from preflight.sources import tffunctions as tff

        if c.name in ("try", "can") and c.args and not c.expand:
            return self._try(c)
        if c.name == "jsonencode" and len(c.args) == 1 and not c.expand:
            arg = self.eval_partial(c.args[0])
            if isinstance(arg, Partial) and not isinstance(arg.value, PartialText):
                return arg  # a document known in part: the policy reader reads it as the object it encodes
        if c.name == "length" and len(c.args) == 1:
            instances = self._instances_of(c.args[0])
            if instances is not None:
                return len(instances)
        fn = tff.FUNCTIONS.get(c.name)
        if fn is None and c.name != "coalesce":
            return Unresolved(Msg("iac.function_not_static", name=c.name))
        args = [self.eval(a) for a in c.args]
        if c.expand and args:
            last = args.pop()
            if isinstance(last, list):
                args += last
            else:
                args.append(last if isinstance(last, Unresolved) else Unresolved(
                    Msg("iac.call_error", name=c.name, what=Msg("iac.why_expand")), error=True))
        if c.name == "coalesce":
            return self._coalesce(args)
        assert fn is not None
        for a in args:
            if isinstance(a, Unresolved):
                return a
        over = self._spend(*args)
        if over is not None:
            return over
        try:
            result = fn(args, self._budget.limits.value_size)
            return self._spend(result) or self._checked(result)
        except tff.CallError as e:
            return Unresolved(e.msg, error=True)
        except tff.NotStatic as e:
            return Unresolved(e.msg)
        except RecursionError:
            return Unresolved(Msg("iac.kind_nested"))

    def _try(self, c: Call) -> Any:
        """``try(a, b, …)``: the first argument that evaluates without an error; unknown as soon as one is
        unknown (Terraform cannot tell before apply whether it would fail). ``can(a)``: whether it does."""
        last: Any = None
        for arg in c.args:
            v = self.eval(arg)
            if isinstance(v, Unresolved) and v.error:
                if c.name == "can":
                    return False
                last = v
                continue
            if c.name == "can":
                return v if isinstance(v, Unresolved) else True
            return v
        return Unresolved(Msg("iac.call_error", name="try", what=Msg("iac.why_try")),
                          error=True) if last is not None else last

    @staticmethod
    def _coalesce(args: list[Any]) -> Any:
        for a in args:
            if isinstance(a, Unresolved):
                return a  # an unknown before any known value decides: unknown
            if a is not None and a != "":
                return a
        return Unresolved(Msg("iac.call_error", name="coalesce", what=Msg("iac.why_coalesce")), error=True)

    def _conditional(self, c: Conditional) -> Any:
        from preflight.sources import tffunctions as tff

        cond = self.eval(c.cond)
        if isinstance(cond, Unresolved):
            return cond
        try:
            chosen = tff.to_bool(cond, "condition")
        except tff.CallError as e:
            return Unresolved(e.msg, error=True)
        return self.eval(c.then if chosen else c.other)

    def _operation(self, o: Operation) -> Any:
        from preflight.sources import tffunctions as tff

        values = [self.eval(x) for x in o.operands]
        if o.op in ("&&", "||"):  # a known operand that decides the result decides it, the other unknown or not
            decisive = o.op == "||"
            for v in values:
                if v is decisive or v == ("true" if decisive else "false"):
                    return decisive
        for v in values:
            if isinstance(v, Unresolved):
                return v
        over = self._spend(*values) if o.op in ("==", "!=") else None  # comparing lists and maps takes time
        if over is not None:
            return over
        try:
            return _operate(o.op, values)
        except tff.CallError as e:
            return Unresolved(e.msg, error=True)

    def _splat(self, sp: Splat) -> Any:
        """``base[*].steps``: the steps applied to each element; a resource (or module call) with a known
        ``count`` is the list of its instances, one without ``count`` a list of one, null an empty list."""
        base = sp.base
        if isinstance(base, Traversal) and len(base.steps) == 1 and isinstance(base.steps[0], str):
            address = f"{base.root}.{base.steps[0]}"
            expansion: Expansion | None | Unresolved = MISSING
            if base.root == "module" and base.steps[0] in self.module_blocks:
                call = self.call(base.steps[0])
                expansion = None if call is None else call.expansion
            elif address in self.resources:
                expansion = self.expansion(address)
            if expansion is None:
                return self._collected([self.eval(Traversal(base.root, (base.steps[0], *sp.steps)))])
            if isinstance(expansion, Expansion):
                if isinstance(expansion.instances, Unresolved):
                    return expansion.instances
                if expansion.meta != "count":  # a map of instances: a splat of it is not theirs
                    return Unresolved(Msg("iac.call_error", name="[*]", what=Msg("iac.why_list")), error=True)
                return self._collected([self.eval(Traversal(base.root, (base.steps[0], inst.key, *sp.steps)))
                                        for inst in expansion.instances])
        v = self.eval(base)
        if isinstance(v, Unresolved):
            return v
        if v is None:
            return []
        items = v if isinstance(v, list) else [v]
        over = self._spend(steps=len(items))
        if over is not None:
            return over
        text = "[*]" + _steps_text(sp.steps)
        return self._collected([self._index(x, sp.steps, text) for x in items])

    def _collected(self, items: list[Any]) -> Any:
        return self._checked(_collect(items))

    def _for(self, f: ForExpr) -> Any:
        """A ``for`` expression over a known collection (a map in key order), each element evaluated with the
        iteration names bound; unknown when the collection, or a condition, key or value it needs, is."""
        coll = self.eval(f.collection)
        if isinstance(coll, Unresolved):
            return coll
        if isinstance(coll, dict):
            pairs: list[tuple[Any, Any]] = sorted(coll.items())
        elif isinstance(coll, list):
            pairs = list(enumerate(coll))
        else:
            return Unresolved(Msg("iac.call_error", name="for", what=Msg("iac.why_not_collection")), error=True)
        out_list: list[Any] = []
        out_map: dict[str, Any] = {}
        outer = self._scope
        try:
            for k, v in pairs:
                over = self._spend(steps=1)  # an element whose value is a literal is not an evaluation step
                if over is not None:
                    return over
                self._scope = {**outer, f.value_var: v, **({f.key_var: k} if f.key_var else {})}
                if f.cond is not None:
                    keep = self.eval(f.cond)
                    if isinstance(keep, Unresolved):
                        return keep
                    if not isinstance(keep, bool):
                        return Unresolved(Msg("iac.call_error", name="for", what=Msg("iac.why_cond_bool")),
                                          error=True)
                    if not keep:
                        continue
                value = self.eval(f.value)
                if isinstance(value, Unresolved):
                    return value
                if f.key is None:
                    out_list.append(value)
                    continue
                key = self.eval(f.key)
                if isinstance(key, Unresolved):
                    return key
                if not isinstance(key, str | int | float | bool):
                    return Unresolved(Msg("iac.call_error", name="for", what=Msg("iac.why_key_string")), error=True)
                from preflight.sources.tffunctions import to_string

                skey = to_string(key)
                if f.group:
                    out_map.setdefault(skey, []).append(value)
                elif skey in out_map:
                    return Unresolved(Msg("iac.call_error", name="for", what=Msg("iac.why_duplicate_key")), error=True)
                else:
                    out_map[skey] = value
        finally:
            self._scope = outer
        return self._checked(out_list if f.key is None else out_map)

    def _traversal(self, t: Traversal) -> Any:
        root, steps = t.root, t.steps
        if root in self._scope:  # a name bound by a for expression or a dynamic block's iterator
            return self._index(self._scope[root], steps, t.text)
        if root == "var" and steps and isinstance(steps[0], str):
            return self._index(self.variable(steps[0]), steps[1:], t.text)
        if root == "local" and steps and isinstance(steps[0], str):
            return self._index(self.local(steps[0]), steps[1:], t.text)
        if root == "data":
            name = ".".join(str(s) for s in steps[:2])
            return Unresolved(Msg("iac.data_source", name=name))
        if root in ("count", "each"):
            return self._instance_value(t)
        if root == "module" and steps and isinstance(steps[0], str):
            return self._module_output(steps[0], list(steps[1:]), t)
        if root in _RUNTIME_ROOTS or root == "module" or not steps or not isinstance(steps[0], str):
            return Unresolved(Msg("iac.runtime_value", ref=t.text))
        address = f"{root}.{steps[0]}"
        rest = list(steps[1:])
        if address not in self.resources:
            return Unresolved(Msg("iac.resource_undefined", address=self.prefix + address))
        expansion = self.expansion(address)
        ctx: Instance | None = None
        shown = self.prefix + address
        if expansion is not None and not isinstance(expansion.instances, Unresolved):
            picked = self._pick(expansion, shown, rest, t)
            if isinstance(picked, Unresolved):
                return picked
            ctx, rest = picked
            shown += ctx.suffix
        else:
            while rest and not isinstance(rest[0], str):  # an index into a count/for_each not known
                rest.pop(0)
            if expansion is not None and isinstance(expansion.instances, Unresolved):
                ctx = self._unknown_instance(address, expansion)
        if not rest:
            return Unresolved(Msg("iac.resource_object", address=shown))
        return self._index(self.resource_attr(address, rest[0], ctx), rest[1:], t.text)

    def _instances_of(self, expr: Any) -> list[Any] | None:
        """``type.name`` of a resource with a known count/for_each, as a list of its instances (for
        ``length(...)``); None for anything else."""
        if not isinstance(expr, Traversal) or len(expr.steps) != 1 or not isinstance(expr.steps[0], str):
            return None
        address = f"{expr.root}.{expr.steps[0]}"
        expansion = self.expansion(address) if address in self.resources else None
        if expansion is None or isinstance(expansion.instances, Unresolved):
            return None
        return [inst.key for inst in expansion.instances]

    def _pick(self, expansion: Expansion, shown: str, rest: list[Any], t: Traversal
              ) -> tuple[Instance, list[Any]] | Unresolved:
        """The instance a reference names (``x.y[0]``, ``x.y["k"]``) and the steps after its key."""
        assert not isinstance(expansion.instances, Unresolved)
        if not rest or isinstance(rest[0], str):
            return Unresolved(Msg("iac.instance_key_missing", address=shown, meta=expansion.meta))
        key = rest[0] if isinstance(rest[0], int) else self.eval(rest[0])
        if isinstance(key, Unresolved):
            return key
        if expansion.meta == "count" and isinstance(key, str) and key.isascii() and key.isdigit():
            key = _whole(key)
        for inst in expansion.instances:
            if inst.key == key and type(inst.key) is type(key):
                return inst, rest[1:]
        return Unresolved(Msg("iac.no_such_element", ref=t.text))

    def _instance_value(self, t: Traversal) -> Any:
        meta = "count" if t.root == "count" else "for_each"
        inst = self._ctx
        if inst is None or inst.meta != meta:
            return Unresolved(Msg("iac.instance_outside", ref=t.text, meta=meta))
        if isinstance(inst.values, Unresolved):
            return Unresolved(Msg("iac.instance_unknown", ref=t.text, meta=meta, address=self.prefix + inst.address,
                                  reason=inst.values.reason))
        steps = t.steps
        if not steps or not isinstance(steps[0], str) or steps[0] not in inst.values:
            return Unresolved(Msg("iac.no_such_element", ref=t.text))
        return self._index(inst.values[steps[0]], steps[1:], t.text)

    def _index(self, v: Any, steps: Sequence[Any], ref: str) -> Any:
        for s in steps:
            if isinstance(v, Unresolved):
                return plain(v)  # a part of a value known in part is not known
            if not isinstance(s, str | int):
                s = self.eval(s)
                if isinstance(s, Unresolved):
                    return s
            if isinstance(v, list) and isinstance(s, str) and s.isascii() and s.isdigit() and len(s) < 20:
                s = int(s)  # a list indexed by a string of digits, as Terraform converts it
            in_map = isinstance(v, dict) and isinstance(s, str) and s in v
            in_list = isinstance(v, list) and isinstance(s, int) and not isinstance(s, bool) and 0 <= s < len(v)
            if in_map or in_list:
                v = v[s]
            else:
                return Unresolved(Msg("iac.no_such_element", ref=ref), error=True)
        return v

    def variable(self, name: str) -> Any:
        if self.inputs is not None:  # a child module: the calling block sets its variables
            block = self.variables.get(name)
            if block is None:
                return Unresolved(Msg("iac.var_undeclared", name=name))
            if name in self.inputs:
                return self.inputs[name][0]
            if "default" in block.body.attrs:
                return self._guarded(f"var.{name}", block.body.attrs["default"][0], None)
            return Unresolved(Msg("iac.module_var_missing", name=name, module=self.label))
        if name in self.tfvars:
            return self._guarded(f"tfvar.{name}", self.tfvars[name][0], None)
        block = self.variables.get(name)
        if block is None:
            return Unresolved(Msg("iac.var_undeclared", name=name))
        if "default" not in block.body.attrs:
            return Unresolved(Msg("iac.var_no_value", name=name))
        return self._guarded(f"var.{name}", block.body.attrs["default"][0], None)

    def local(self, name: str) -> Any:
        if name not in self.locals:
            return Unresolved(Msg("iac.local_undefined", name=name))
        return self._guarded(f"local.{name}", self.locals[name][0], None)

    def resource_attr(self, address: str, name: str, ctx: Instance | None = None) -> Any:
        block = self.resources[address]
        rtype = block.labels[0]
        attrs = block.body.attrs
        shown = self.prefix + address + (ctx.suffix if ctx is not None else "")
        if name == "id" and rtype in ID_ARGUMENT:
            for arg in ID_ARGUMENT[rtype]:
                if arg in attrs:
                    return self._guarded(f"{shown}.{arg}", attrs[arg][0], ctx)
        if name not in attrs and (rtype, name) in ALIASES:
            name = ALIASES[(rtype, name)]
        if name in attrs and name not in ("count", "for_each"):
            return self._guarded(f"{shown}.{name}", attrs[name][0], ctx)
        return Unresolved(Msg("iac.computed_attr", address=shown, name=name))

    def _guarded(self, key: str, expr: Any, ctx: Instance | None) -> Any:
        """The value of a named expression (a variable, local, output or argument of an instance), evaluated
        once: a local that two others use is not evaluated twice (nor 2^31 times down a chain of them)."""
        memo = (key, ctx)
        if memo in self._memo:
            self._budget.steps += 1
            return self._memo[memo]
        if key in self._evaluating:
            return Unresolved(Msg("iac.self_reference", key=key))
        self._evaluating.add(key)
        outer, self._ctx = self._ctx, ctx
        scope, self._scope = self._scope, {}  # a named expression sees no for/iterator names of its reader
        try:
            value = self.eval_partial(expr)
        finally:
            self._evaluating.discard(key)
            self._ctx = outer
            self._scope = scope
        self._memo[memo] = value
        return value

    def target(self, expr: Any, depth: int = 0) -> str | None:
        """The managed resource (instance) an expression refers to (through locals), for joins."""
        if isinstance(expr, Template) and len(expr.parts) == 1:
            expr = expr.parts[0]
        if not isinstance(expr, Traversal) or depth > 10:
            return None
        if expr.root == "local" and expr.steps and len(expr.steps) == 1 and isinstance(expr.steps[0], str):
            local = self.locals.get(expr.steps[0])
            if not local:
                return None
            outer, self._ctx = self._ctx, None
            try:
                return self.target(local[0], depth + 1)
            finally:
                self._ctx = outer
        if expr.steps and isinstance(expr.steps[0], str):
            address = f"{expr.root}.{expr.steps[0]}"
            if address in self.resources:
                expansion = self.expansion(address)
                if expansion is None or isinstance(expansion.instances, Unresolved):
                    return self.prefix + address
                picked = self._pick(expansion, address, list(expr.steps[1:]), expr)
                return None if isinstance(picked, Unresolved) else self.prefix + address + picked[0].suffix
        return None

    # -- count and for_each -----------------------------------------------------------------------------
    def expansion(self, address: str) -> Expansion | None:
        """The instances of a resource (``type.name``) or module call (``module.name``); None without
        ``count``/``for_each``."""
        if address not in self._expansions:
            block = self.module_blocks[address[7:]] if address.startswith("module.") else self.resources[address]
            self._expansions[address] = None  # a count that refers to its own resource is not resolved
            self._expansions[address] = self._expand(address, block)
        return self._expansions[address]

    def _expand(self, address: str, block: RawBlock) -> Expansion | None:
        attrs = block.body.attrs
        shown = self.prefix + address
        if "count" in attrs:
            v = self._guarded(f"{shown}.count", attrs["count"][0], None)
            if isinstance(v, Unresolved):
                return Expansion("count", v)
            n = _whole(v)
            if n is None:
                return Expansion("count", Unresolved(Msg("iac.count_invalid", address=shown)))
            capped = self._charge(shown, "count", n)
            if capped is not None:
                return capped
            return Expansion("count", tuple(Instance(address, "count", {"index": i}, i) for i in range(n)))
        if "for_each" in attrs:
            expr = attrs["for_each"][0]
            v = self._guarded(f"{shown}.for_each", expr, None)
            if isinstance(v, Unresolved):
                return Expansion("for_each", v)
            items: list[tuple[str, Any]] | None = None
            if isinstance(v, dict | list):
                capped = self._charge(shown, "for_each", len(v))
                if capped is not None:
                    return capped
            if isinstance(v, dict):
                items = sorted(v.items())
            elif isinstance(v, list) and not isinstance(expr, TupleExpr) and all(isinstance(x, str) for x in v):
                items = [(x, x) for x in _as_set(v)]  # a set of strings (a tuple literal is not one)
            if items is None:
                return Expansion("for_each", Unresolved(Msg("iac.for_each_invalid", address=shown)))
            return Expansion("for_each", tuple(Instance(address, "for_each", {"key": k, "value": x}, k)
                                               for k, x in items))
        return None

    def _unknown_instance(self, address: str, expansion: Expansion) -> Instance:
        """The one instance standing for all of a block whose count/for_each is unknown (the same object each
        time, so what its arguments evaluate to is memoised)."""
        assert isinstance(expansion.instances, Unresolved)
        if address not in self._unknown:
            self._unknown[address] = Instance(address, expansion.meta, expansion.instances)
        return self._unknown[address]

    def _charge(self, shown: str, meta: str, n: int) -> Expansion | None:
        """Count ``n`` instances against the caps; past one, the expansion that is unknown for it."""
        limits = self._budget.limits
        if n > limits.instances_per_block:
            return Expansion(meta, Unresolved(Msg("iac.cap_instances_block", address=shown, meta=meta,
                                                  cap=limits.instances_per_block)))
        if n > self._budget.instances_left():
            return Expansion(meta, Unresolved(Msg("iac.cap_instances_total", address=shown,
                                                  cap=limits.instances_total)))
        self._budget.instances += n
        return None

    # -- child modules ----------------------------------------------------------------------------------
    def call(self, name: str) -> ModuleCall | None:
        """The ``module "name"`` block, loaded (lazily, once) with its instances."""
        if name not in self.module_blocks:
            return None
        if name not in self._calls:
            key = f"module.{name}"
            if key in self._evaluating:  # its arguments refer to its own outputs
                return ModuleCall(name, None, Unresolved(Msg("iac.self_reference", key=self.prefix + key)))
            self._evaluating.add(key)
            try:
                self._calls[name] = self._load_call(name, self.module_blocks[name])
            finally:
                self._evaluating.discard(key)
        return self._calls[name]

    def _load_call(self, name: str, block: RawBlock) -> ModuleCall:
        shown = f"{self.prefix}module.{name}"
        source_attr = block.body.attrs.get("source")
        source = source_attr[0] if source_attr is not None else None
        if not isinstance(source, str) or not source.startswith(("./", "../")):
            text = source if isinstance(source, str) else "…"
            return ModuleCall(name, None, Unresolved(Msg("iac.module_remote", module=shown, source=text)))
        reader = self._reader if self._reader is not None else _Reader()
        try:
            directory = (Path(block.path).parent / source).resolve()
            chain = self._chain if self._chain is not None else (Path(block.path).parent.resolve(),)
            if directory in chain:
                return ModuleCall(name, None, Unresolved(Msg("iac.module_cycle", module=shown, source=source)))
            if len(chain) >= self._budget.limits.module_depth:
                return ModuleCall(name, None, Unresolved(Msg("iac.cap_module_depth", module=shown,
                                                             cap=self._budget.limits.module_depth)))
            blocks = reader.directory(directory)
        except (OSError, RuntimeError, ValueError):  # a path the system refuses (a NUL, too long, a symlink loop)
            blocks = None
        if blocks is None:
            return ModuleCall(name, None, Unresolved(Msg("iac.module_not_found", module=shown, source=source)))
        expansion = self.expansion(f"module.{name}")
        instances: Sequence[Instance | None] = (None,)
        if expansion is not None:  # an unknown count/for_each: one instance, its count.index/each.* unknown
            instances = ((self._unknown_instance(f"module.{name}", expansion),)
                         if isinstance(expansion.instances, Unresolved) else expansion.instances)
        # every instance of the module holds its resources and calls: they count against the total before any
        # is read (the instances themselves were counted with the count/for_each)
        weight = len(instances) * sum(1 for b in blocks if b.type in ("resource", "module"))
        if weight > self._budget.instances_left():
            return ModuleCall(name, expansion, Unresolved(Msg("iac.cap_instances_total", address=shown,
                                                               cap=self._budget.limits.instances_total)))
        self._budget.instances += weight
        children: list[tuple[Instance | None, Module]] = []
        for inst in instances:
            outer, self._ctx = self._ctx, inst
            try:
                inputs = {arg: (self.eval(expr), Location(block.path, line))
                          for arg, (expr, line) in block.body.attrs.items() if arg not in _MODULE_META}
                providers = self._child_providers(block)
            finally:
                self._ctx = outer
            prefix = f"{shown}{inst.suffix if inst is not None else ''}."
            children.append((inst, Module(blocks, {}, inputs=inputs, providers=providers, prefix=prefix,
                                          reader=reader, chain=(*chain, directory), budget=self._budget)))
        return ModuleCall(name, expansion, children)

    def _child_providers(self, block: RawBlock) -> dict[str, tuple[Module, RawBlock]]:
        """The provider configurations a child module gets: the default ones (no alias) implicitly, and
        those the block's ``providers = { alicloud = alicloud.x }`` passes."""
        out = {k: v for k, v in self.providers.items() if "." not in k}
        given = block.body.attrs.get("providers")
        if given is not None and isinstance(given[0], ObjectExpr):
            for k, v in given[0].items:
                inner, outer = _ref_text(k), _ref_text(v)
                if inner is not None and outer is not None and outer in self.providers:
                    out[inner] = self.providers[outer]
        return out

    def _module_output(self, name: str, rest: list[Any], t: Traversal) -> Any:
        call = self.call(name)
        shown = f"{self.prefix}module.{name}"
        if call is None:
            return Unresolved(Msg("iac.module_undefined", module=shown))
        if isinstance(call.children, Unresolved):
            return call.children
        if call.expansion is not None and not isinstance(call.expansion.instances, Unresolved):
            picked = self._pick(call.expansion, shown, rest, t)
            if isinstance(picked, Unresolved):
                return picked
            inst, rest = picked
            child = next(m for i, m in call.children if i is inst)
            shown += inst.suffix
        else:
            child = call.children[0][1]
            while rest and not isinstance(rest[0], str):  # an index into a count/for_each not known
                rest.pop(0)
        if not rest or not isinstance(rest[0], str):
            return Unresolved(Msg("iac.resource_object", address=shown))
        return self._index(child.output(rest[0]), rest[1:], t.text)

    def output(self, name: str) -> Any:
        block = self.outputs.get(name)
        if block is None or "value" not in block.body.attrs:
            return Unresolved(Msg("iac.module_output_undefined", module=self.label, name=name))
        return self._guarded(f"output.{name}", block.body.attrs["value"][0], None)

    # -- resources --------------------------------------------------------------------------------------
    def region_of(self, block: RawBlock) -> tuple[Attr, Location | None]:
        """The region of a resource's provider (``provider = alicloud.alias`` or the default one)."""
        key = "alicloud"
        provider_loc = None
        ref = block.body.attrs.get("provider")
        if ref is not None:
            provider_loc = Location(block.path, ref[1])
            expr = ref[0]
            if isinstance(expr, Traversal):
                key = ".".join([expr.root, *(str(s) for s in expr.steps)])
            elif isinstance(expr, str):  # legacy quoted form "alicloud.sg"
                key = expr
        found = self.providers.get(key)
        if found is None:
            return Attr(Unresolved(Msg("iac.no_provider", key=key)), provider_loc), provider_loc
        owner, provider = found
        region = provider.body.attrs.get("region")
        if region is None:
            return Attr(Unresolved(Msg("iac.provider_no_region", key=key)),
                        Location(provider.path, provider.line)), provider_loc
        outer, owner._ctx = owner._ctx, None
        try:
            value = owner.eval(region[0])
        finally:
            owner._ctx = outer
        return Attr(value, Location(provider.path, region[1])), provider_loc

    def block(self, raw: RawBody, path: str, line: int) -> Block:
        attrs = {name: Attr(self.eval_partial(expr), Location(path, ln), self.target(expr))
                 for name, (expr, ln) in raw.attrs.items()}
        blocks: dict[str, list[Block]] = {}
        unknown: dict[str, Msg] = {}
        for b in raw.blocks:
            if b.type == "dynamic" and len(b.labels) == 1:
                expanded = self._dynamic(b)
                if isinstance(expanded, Unresolved):
                    unknown.setdefault(b.labels[0], expanded.reason)
                else:
                    blocks.setdefault(b.labels[0], []).extend(expanded)
                continue
            blocks.setdefault(b.type, []).append(self.block(b.body, b.path, b.line))
        return Block(attrs, {k: tuple(v) for k, v in blocks.items()}, Location(path, line), unknown)

    def _dynamic(self, raw: RawBlock) -> list[Block] | Unresolved:
        """The blocks a ``dynamic "name" { for_each = …; iterator = it; content { … } }`` block generates: one
        per element (``it.key``/``it.value``, the iterator named after the block by default), or Unresolved
        when the elements are not known."""
        name = raw.labels[0]
        shown = f"{self.prefix}dynamic.{name}"
        for_each = raw.body.attrs.get("for_each")
        contents = [c for c in raw.body.blocks if c.type == "content"]
        if for_each is None or len(contents) != 1:
            return Unresolved(Msg("iac.dynamic_invalid", name=name), error=True)
        iterator = raw.body.attrs.get("iterator")
        it = name
        if iterator is not None:
            if not isinstance(iterator[0], Traversal) or iterator[0].steps:
                return Unresolved(Msg("iac.dynamic_invalid", name=name), error=True)
            it = iterator[0].root
        coll = self.eval(for_each[0])
        if isinstance(coll, Unresolved):
            return Unresolved(Msg("iac.dynamic_unknown", name=name, reason=coll.reason), error=coll.error)
        if isinstance(coll, dict):
            items: list[tuple[Any, Any]] = sorted(coll.items())
        elif isinstance(coll, list):
            items = list(enumerate(coll))
        else:
            return Unresolved(Msg("iac.dynamic_invalid", name=name), error=True)
        capped = self._charge(shown, "for_each", len(items))
        if capped is not None:
            assert isinstance(capped.instances, Unresolved)
            return Unresolved(Msg("iac.dynamic_unknown", name=name, reason=capped.instances.reason))
        content = contents[0]
        out = []
        outer = self._scope
        try:
            for k, v in items:
                over = self._spend(steps=1)
                if over is not None:
                    return Unresolved(Msg("iac.dynamic_unknown", name=name, reason=over.reason))
                self._scope = {**outer, it: {"key": k, "value": v}}
                out.append(self.block(content.body, content.path, content.line))
        finally:
            self._scope = outer
        return out

    def managed(self, types: Iterable[str]) -> list[Resource]:
        """The resources of the wanted types, one per instance, then those of the child modules."""
        wanted = frozenset(types)
        out = []
        for address, b in self.resources.items():
            if b.labels[0] not in wanted:
                continue
            expansion = self.expansion(address)
            instances: Sequence[Instance | None] = (None,)
            if expansion is not None:
                instances = ((self._unknown_instance(address, expansion),)
                             if isinstance(expansion.instances, Unresolved) else expansion.instances)
            for inst in instances:
                outer, self._ctx = self._ctx, inst
                try:
                    region, provider_loc = self.region_of(b)
                    body = self.block(b.body, b.path, b.line)
                finally:
                    self._ctx = outer
                shown = self.prefix + address + (inst.suffix if inst is not None else "")
                out.append(Resource(b.labels[0], shown, body, region, provider_loc))
        for name in self.module_blocks:
            call = self.call(name)
            if call is not None and not isinstance(call.children, Unresolved):
                for _, child in call.children:
                    out += child.managed(wanted)
        return out


def _whole(v: Any) -> int | None:
    """A count: a whole number ≥ 0 (a string of digits converts, as in Terraform)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, str):
        digits = v.strip()
        if not (digits.isascii() and digits.isdigit()):
            return None
        return int(digits) if len(digits) <= MAX_INT_DIGITS else 10 ** MAX_INT_DIGITS  # past any cap
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return v if isinstance(v, int) and v >= 0 else None


def _as_set(items: list[Any]) -> Any:
    """``toset(...)``: without duplicates, in Terraform's order for a set of strings or numbers."""
    if all(isinstance(x, str) for x in items) or all(isinstance(x, int | float) and not isinstance(x, bool)
                                                    for x in items):
        return sorted(set(items))
    return Unresolved(Msg("iac.function_not_static", name="toset"))


def _ref_text(x: Any) -> str | None:
    """``alicloud.x`` written as a reference or a string (keys of ``providers = {…}``)."""
    if isinstance(x, str):
        return x
    if isinstance(x, Traversal) and all(isinstance(s, str) for s in x.steps):
        return ".".join([x.root, *x.steps])
    return None


def _env_values(blocks: Sequence[RawBlock], environ: Mapping[str, str]) -> dict[str, tuple[Any, Location]]:
    """``TF_VAR_name`` values of the declared variables: taken literally when the variable's type is a
    primitive one (or not given), else parsed as an HCL expression, as Terraform does. Located at the
    variable's block (the environment has no file)."""
    out: dict[str, tuple[Any, Location]] = {}
    for b in blocks:
        if b.type != "variable" or not b.labels or f"TF_VAR_{b.labels[0]}" not in environ:
            continue
        raw = environ[f"TF_VAR_{b.labels[0]}"]
        type_attr = b.body.attrs.get("type")
        ty = type_attr[0] if type_attr is not None else None
        literal = (ty is None or (isinstance(ty, Traversal) and not ty.steps and ty.root in _PRIMITIVE_TYPES)
                   or ty == "string")
        out[b.labels[0]] = (raw if literal else parse_expression(raw), Location(b.path, b.line))
    return out


def _steps_text(steps: Sequence[Any]) -> str:
    return Traversal("", tuple(steps)).text


_COMPARE = {"<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}
_ARITHMETIC = {"+", "-", "*", "/", "%"}


def _operate(op: str, values: list[Any]) -> Any:
    """An operator on known values, as Terraform applies it (numbers given as strings convert; ``==`` compares
    type and value; errors raise ``tffunctions.CallError``)."""
    from preflight.sources import tffunctions as tff

    if op == "!":
        return not tff.to_bool(values[0], "!")
    if op == "neg":
        return tff.to_number(-tff.to_number(values[0], "-"))
    a, b = values
    if op in ("&&", "||"):
        p, q = tff.to_bool(a, op), tff.to_bool(b, op)
        return (p and q) if op == "&&" else (p or q)
    if op in ("==", "!="):
        same = tff.same(a, b)
        return same if op == "==" else not same
    x, y = tff.to_number(a, op), tff.to_number(b, op)
    if op in _COMPARE:
        return bool(_COMPARE[op](x, y))
    if op in ("/", "%") and y == 0:
        raise tff.CallError(Msg("iac.call_error", name=op, what=Msg("iac.why_division")))
    if op == "+":
        r: Any = x + y
    elif op == "-":
        r = x - y
    elif op == "*":
        if abs(x) > 1e300 or abs(y) > 1e300:
            raise tff.CallError(Msg("iac.call_error", name=op, what=Msg("iac.why_too_large")))
        r = x * y
    elif op == "/":
        r = x / y
    elif op == "%":
        r = math.fmod(x, y) if isinstance(x, float) or isinstance(y, float) else int(math.fmod(x, y))
    else:
        raise tff.CallError(Msg("iac.call_error", name=op, what=Msg("iac.why_operator")))
    if isinstance(r, int) and abs(r).bit_length() > 3_000:
        raise tff.CallError(Msg("iac.call_error", name=op, what=Msg("iac.why_too_large")))
    return tff.to_number(r) if isinstance(r, float) and math.isfinite(r) else r


def _collect(items: list[Any]) -> Any:
    for v in items:
        if isinstance(v, Unresolved):
            return v
    return items


# ---------------------------------------------------------------------------------------------------------
# Resources → the snapshot-shaped document

TYPES = ("alicloud_image_export", "alicloud_image", "alicloud_oss_bucket", "alicloud_oss_bucket_acl",
         "alicloud_oss_bucket_server_side_encryption", "alicloud_oss_bucket_policy", "alicloud_oss_bucket_versioning",
         "alicloud_oss_bucket_replication", "alicloud_ram_role", "alicloud_ram_role_policy_attachment",
         "alicloud_ram_policy")
SYSTEM = "System"
UNKNOWN_REGION = "(region unknown)"
#: the kinds of files a document is built from, and their names in the catalogue
SOURCES = {"Terraform files": "iac.src_terraform_files", "Terraform plan": "iac.src_terraform_plan",
           "ROS template": "iac.src_ros_template"}


@dataclass
class DocBuilder:
    """Accumulates the document, its annotations and the snapshot-style ``unknown`` entries."""

    source: str  # "Terraform files", "Terraform plan", "ROS template" (see SOURCES)
    doc: dict[str, Any] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    unknown: dict[str, str | Msg] = field(default_factory=dict)
    unknown_entries: list[dict[str, Any]] = field(default_factory=list)
    scopes: dict[int, str] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)

    def add(self, section: str, entry: dict[str, Any], location: Location | None, address: str | None = None
            ) -> str:
        """Append an element to a section; ``address`` names the resource it was made from."""
        items = self.doc.setdefault(section, [])
        pointer = f"/{section}/{len(items)}"
        items.append(entry)
        if location is not None:
            self.locations[pointer] = location
        if address is not None:
            self.addresses[pointer] = address
        return pointer

    def put(self, entry: dict[str, Any], pointer: str, key: str, value: Any, location: Location | None) -> None:
        """Set one field: a known value is written, an unresolved one recorded as unknown."""
        if value is MISSING:
            return
        if isinstance(value, Unresolved):
            self.unknown[f"{pointer}/{key}"] = value.reason
        else:
            entry[key] = value
        if location is not None:
            self.locations[f"{pointer}/{key}"] = location

    def annotations(self) -> Annotations:
        return Annotations(locations=self.locations, unknown=self.unknown, scopes=self.scopes,
                           absent_is_unknown=True, absent_reason=Msg("iac.absent", source=self.source_name),
                           addresses=self.addresses)

    @property
    def source_name(self) -> Msg | str:
        """What the files are, worded in the report's language."""
        key = SOURCES.get(self.source)
        return Msg(key) if key else self.source

    def unknown_policy(self, role: str, name: str, pointer: str, reason: Msg) -> None:
        """The document of a policy attached to a role is unknown. ``pointer`` is the item's in the role's
        ``AttachedPolicies``: the reason is recorded there (in the report's language), and as an entry of the
        document's ``unknown`` list (in English), which is what snapshots use for the same."""
        self.unknown[f"{pointer}/PolicyDocument"] = reason
        self.unknown_entries.append({"section": "roles", "match": {"RoleName": role},
                                     "field": f"AttachedPolicies/{name}", "reason": str(reason)})

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"version": 1, "exports": [], **self.doc}
        if self.unknown_entries:
            doc["unknown"] = self.unknown_entries
        return doc


def _str(v: Any) -> Any:
    """A value that must be a string: numbers are written as strings by Terraform too."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return str(v)
    return v


def _policy_text(v: Any, where: Location | None, strict: bool = True) -> Any:
    """A policy document argument, validated now. ``strict``: it feeds an export's facts (the export role's
    trust and attached policies, the export bucket's policy), so a malformed one is an error at its line;
    otherwise it is not preflight's business, and a malformed one is only unknown (never aborts the run)."""
    if not is_known(v) or v is None or v == "":
        return None if v == "" else v
    try:
        pol.parse_policy(v)
    except pol.PolicyError as e:
        if not strict:
            return Unresolved(Msg("iac.bad_policy", reason=e.message))
        raise PreflightError(Msg("iac.bad_policy", reason=e.message), str(where) if where else None) from None
    return v


class _Targets:
    """Which resource of a kind a separate resource's reference (``bucket = …``) points at."""

    def __init__(self, by_address: Mapping[str, str | None]) -> None:
        self.by_address = by_address  # address -> resolved name (None when unknown)
        self.by_name = {name: a for a, name in by_address.items() if name is not None}

    def find(self, attr: Attr | None) -> str | None | Unresolved:
        """The address, ``None`` (points outside the files), or Unresolved (cannot tell)."""
        if attr is None:
            return Unresolved(Msg("iac.ref_missing"))
        if attr.target in self.by_address:
            return attr.target
        v = _str(attr.value)
        if isinstance(v, str):
            return self.by_name.get(v)
        return v if isinstance(v, Unresolved) else Unresolved(Msg("iac.ref_not_name"))


def _name(r: Resource, args: Sequence[str]) -> Any:
    for a in args:
        v = r.body.value(a)
        if v is not MISSING:
            return _str(v)
    return MISSING


def _name_loc(r: Resource, args: Sequence[str]) -> Location | None:
    for a in args:
        if r.body.loc(a):
            return r.body.loc(a)
    return r.location


def build_document(resources: Sequence[Resource], *, source: str, export_roles: Sequence[str] = (),
                   export_buckets: Sequence[str] = ()) -> tuple[dict[str, Any], Annotations]:
    """The snapshot-shaped document and its annotations for the resources of one module (or plan)."""
    by_type: dict[str, list[Resource]] = {}
    for r in resources:
        by_type.setdefault(r.type, []).append(r)
    b = DocBuilder(source)
    images = _images(b, by_type.get("alicloud_image", []))
    buckets = _buckets(b, by_type, export_buckets)
    roles = _roles(b, by_type, export_roles)
    b.doc.setdefault("images", [])
    b.doc.setdefault("buckets", [])
    b.doc.setdefault("roles", [])
    covered_buckets = _exports(b, by_type.get("alicloud_image_export", []), images, buckets)
    has_export = bool(by_type.get("alicloud_image_export"))
    _scoped(b, roles, buckets, covered_buckets, has_export, export_roles, export_buckets)
    return b.document(), b.annotations()


def _exports(b: DocBuilder, exports: list[Resource], images: _Targets, buckets: dict[str, _BucketRef]
             ) -> set[str]:
    """One export per ``alicloud_image_export`` (always RAW with the default role: the provider sends
    neither ImageFormat nor RoleName). Returns the bucket addresses the exports reach by name."""
    covered: set[str] = set()
    bucket_targets = _Targets({a: ref.name for a, ref in buckets.items()})
    for r in exports:
        entry: dict[str, Any] = {}
        ptr = b.add("exports", entry, r.location, r.address)
        b.put(entry, ptr, "RegionId", r.region.value, r.region.location)
        image = r.body.attrs.get("image_id")
        image_id: Any = MISSING if image is None else _str(image.value)
        if image is not None and image.target in images.by_address:
            image_id = image.target  # the synthetic id the image is listed under
        b.put(entry, ptr, "ImageId", image_id, r.body.loc("image_id"))
        bucket_attr = r.body.attrs.get("oss_bucket")
        bucket: Any = MISSING if bucket_attr is None else _str(bucket_attr.value)
        found = bucket_targets.find(bucket_attr) if bucket_attr is not None else None
        if isinstance(found, str):
            ref = buckets[found]
            if ref.name is None:  # the bucket is known, its name is not: check it on its own
                bucket = Unresolved(Msg("iac.name_unresolved", address=found))
                ref.needs_scope = True
            else:
                bucket = ref.name
                covered.add(found)
        b.put(entry, ptr, "OSSBucket", bucket, r.body.loc("oss_bucket"))
        b.put(entry, ptr, "OSSPrefix", _str(r.body.value("oss_prefix")), r.body.loc("oss_prefix"))
    return covered


def _scoped(b: DocBuilder, roles: dict[str, tuple[str, Location | None]], buckets: dict[str, _BucketRef],
            covered: set[str], has_export: bool, export_roles: Sequence[str], export_buckets: Sequence[str]
            ) -> None:
    """Export roles and buckets found without an export that checks them become scoped pseudo-exports."""
    for name, location in roles.values():
        if name in export_roles or (name == DEFAULT_ROLE_NAME and not has_export):
            ptr = b.add("exports", {"RoleName": name}, location)
            b.scopes[int(ptr.rsplit("/", 1)[1])] = "role"
    for address, ref in buckets.items():
        listed = ref.name is not None and ref.name in export_buckets
        if address in covered or not (listed or ref.needs_scope):
            continue
        entry: dict[str, Any] = {"OSSBucket": ref.name or address}
        ptr = b.add("exports", entry, ref.location, address)
        b.put(entry, ptr, "RegionId", ref.region.value, ref.region.location)
        b.scopes[int(ptr.rsplit("/", 1)[1])] = "bucket"


def _images(b: DocBuilder, images: list[Resource]) -> _Targets:
    for r in images:
        region = r.region.value if isinstance(r.region.value, str) else UNKNOWN_REGION
        entry: dict[str, Any] = {"RegionId": region, "ImageId": r.address,
                                 # an image Terraform creates is a custom image of the account
                                 "ImageOwnerAlias": "self"}
        ptr = b.add("images", entry, r.location, r.address)
        b.put(entry, ptr, "Status", Unresolved(Msg("iac.image_status")), None)
        b.put(entry, ptr, "ProductCode", Unresolved(Msg("iac.image_product_code")), None)
        platform = _str(r.body.value("platform"))
        if platform is MISSING:
            platform = Unresolved(Msg("iac.image_no_platform"))
        b.put(entry, ptr, "Platform", platform, r.body.loc("platform"))
        os_type = platform
        if isinstance(platform, str):  # ECS derives the OS type from the platform
            os_type = "windows" if platform.lower().startswith("windows") else "linux"
        b.put(entry, ptr, "OSType", os_type, r.body.loc("platform"))
        b.put(entry, ptr, "DiskDeviceMappings", _disks(r), _disks_location(r))
    return _Targets({r.address: r.address for r in images})


def _disks(r: Resource) -> Any:
    mappings = r.body.nested("disk_device_mapping")
    if isinstance(mappings, Unresolved):
        return mappings  # a dynamic block whose disks are not known: the disks are unknown, never "none"
    if not mappings:
        snapshot = r.body.attrs.get("snapshot_id")
        if snapshot is not None:  # an image of one system-disk snapshot
            disk: dict[str, Any] = {"Type": "system"}
            sid = snapshot.target or _str(snapshot.value)
            if is_known(sid):
                disk["SnapshotId"] = sid
            return [disk]
        return Unresolved(Msg("iac.image_no_disks_instance" if "instance_id" in r.body.attrs
                              else "iac.image_no_disks_source"))
    out = []
    for m in mappings:
        disk = {}
        for key, arg in (("Type", "disk_type"), ("Device", "device"), ("Size", "size")):
            v = _str(m.value(arg))
            if is_known(v) and v is not None:
                disk[key] = v
        snap = m.attrs.get("snapshot_id")
        if snap is not None:
            sid = snap.target or _str(snap.value)
            if is_known(sid) and sid is not None:
                disk["SnapshotId"] = sid
        out.append(disk)
    return out


def _disks_location(r: Resource) -> Location | None:
    mappings = r.body.blocks.get("disk_device_mapping", ())
    return mappings[0].location if mappings else r.location


@dataclass
class _BucketRef:
    name: str | None
    location: Location | None
    region: Attr
    needs_scope: bool = False


_BUCKET_EXTRAS = ("alicloud_oss_bucket_acl", "alicloud_oss_bucket_server_side_encryption",
                  "alicloud_oss_bucket_policy", "alicloud_oss_bucket_versioning", "alicloud_oss_bucket_replication")


def _buckets(b: DocBuilder, by_type: Mapping[str, list[Resource]], export_buckets: Sequence[str]
             ) -> dict[str, _BucketRef]:
    refs: dict[str, _BucketRef] = {}
    for r in by_type.get("alicloud_oss_bucket", []):
        name = _name(r, ("bucket",))
        refs[r.address] = _BucketRef(name if isinstance(name, str) else None, r.location, r.region)
    targets = _Targets({a: ref.name for a, ref in refs.items()})
    # the buckets an export writes to (or the config names): only their policies are validated strictly
    strict = {a for a, ref in refs.items() if ref.name is not None and ref.name in export_buckets}
    for export in by_type.get("alicloud_image_export", []):
        found = targets.find(export.body.attrs.get("oss_bucket"))
        if isinstance(found, str):
            strict.add(found)
    # the separate resources (acl, encryption, policy) by the bucket they configure
    extras: dict[tuple[str, str], Resource] = {}
    stray: dict[str, Msg] = {}
    for kind in _BUCKET_EXTRAS:
        for x in by_type.get(kind, []):
            found = targets.find(x.body.attrs.get("bucket"))
            if isinstance(found, Unresolved):
                stray[kind] = Msg("iac.bucket_stray", address=x.address)
            elif found is not None:
                extras[(found, kind)] = x
    for r in by_type.get("alicloud_oss_bucket", []):
        _bucket(b, r, refs[r.address], extras, stray, r.address in strict)
    return refs


def _bucket(b: DocBuilder, r: Resource, ref: _BucketRef, extras: Mapping[tuple[str, str], Resource],
            stray: Mapping[str, Msg], strict: bool) -> None:
    entry: dict[str, Any] = {"Name": ref.name or r.address}
    ptr = b.add("buckets", entry, r.location, r.address)
    if ref.name is None:
        b.locations[f"{ptr}/Name"] = _name_loc(r, ("bucket",)) or r.location  # type: ignore[assignment]
    region = r.region.value
    b.put(entry, ptr, "Location", f"oss-{region}" if isinstance(region, str) else region,
          r.provider_location or r.location)
    storage = _str(r.body.value("storage_class"))
    b.put(entry, ptr, "StorageClass", "Standard" if storage is MISSING or storage is None else storage,
          r.body.loc("storage_class") or r.location)
    # ACL: the separate resource wins over the deprecated argument; private by default
    acl_res = extras.get((r.address, "alicloud_oss_bucket_acl"))
    acl_src = acl_res.body if acl_res is not None else r.body
    grant = _str(acl_src.value("acl"))
    if "alicloud_oss_bucket_acl" in stray and acl_res is None:
        grant = Unresolved(stray["alicloud_oss_bucket_acl"])
    grant = "private" if grant is MISSING or grant is None else grant
    b.put(entry, ptr, "AccessControlList", {"Grant": grant} if is_known(grant) else grant,
          acl_src.loc("acl") or (acl_res.location if acl_res else None) or r.location)
    sse, sse_loc = _sse(r, extras.get((r.address, "alicloud_oss_bucket_server_side_encryption")),
                        stray.get("alicloud_oss_bucket_server_side_encryption"))
    b.put(entry, ptr, "ServerSideEncryptionRule", sse, sse_loc)
    b.put(entry, ptr, "Owner", Unresolved(Msg("iac.bucket_owner")), None)
    versioning = _versioning(r, extras.get((r.address, "alicloud_oss_bucket_versioning")),
                             stray.get("alicloud_oss_bucket_versioning"))
    b.put(entry, ptr, "Versioning", versioning[0], versioning[1])
    # replication, like the ACL, encryption and policy resources: what the files do not declare is what
    # Terraform would create, the provider's default (no replication rule), unless a replication resource
    # whose bucket cannot be told may be this bucket's
    replication = extras.get((r.address, "alicloud_oss_bucket_replication"))
    if replication is not None:
        cross: Any = "Enabled"
    elif "alicloud_oss_bucket_replication" in stray:
        cross = Unresolved(stray["alicloud_oss_bucket_replication"])
    else:
        cross = "Disabled"
    b.put(entry, ptr, "CrossRegionReplication", cross,
          replication.location if replication is not None else r.location)
    policy_res = extras.get((r.address, "alicloud_oss_bucket_policy"))
    policy_src = policy_res.body if policy_res is not None else r.body
    policy = policy_src.value("policy")
    if "alicloud_oss_bucket_policy" in stray and policy_res is None:
        policy = Unresolved(stray["alicloud_oss_bucket_policy"])
    policy_loc = policy_src.loc("policy") or (policy_res.location if policy_res else None) or r.location
    b.put(entry, ptr, "Policy", None if policy is MISSING else _policy_text(policy, policy_loc, strict), policy_loc)


def _versioning(r: Resource, separate: Resource | None, stray: Msg | None) -> tuple[Any, Location | None]:
    """``Versioning`` from ``alicloud_oss_bucket_versioning`` or the inline block; absent when never set;
    unknown when a versioning resource whose bucket cannot be told may be this bucket's."""
    if separate is None and stray is not None:
        return Unresolved(stray), r.location
    inline = r.body.nested("versioning")
    if separate is None and isinstance(inline, Unresolved):
        return inline, r.location
    src = separate.body if separate is not None else (inline[0] if inline and isinstance(inline, tuple) else None)
    if src is None:
        return MISSING, None
    return _str(src.value("status")), src.loc("status") or src.location


def _sse(r: Resource, separate: Resource | None, stray: Msg | None) -> tuple[Any, Location | None]:
    """``ServerSideEncryptionRule`` from the separate resource or the inline block; ``"None"`` when neither."""
    if separate is not None:
        src: Block | None = separate.body
    elif isinstance(r.body.nested("server_side_encryption_rule"), Unresolved):
        return r.body.nested("server_side_encryption_rule"), r.location
    elif r.body.blocks.get("server_side_encryption_rule"):
        src = r.body.blocks["server_side_encryption_rule"][0]
    else:
        src = None
    if src is None:
        if stray:
            return Unresolved(stray), r.location
        return {"SSEAlgorithm": "None"}, r.location
    algo = _str(src.value("sse_algorithm"))
    where = src.loc("sse_algorithm") or src.location
    if not is_known(algo):
        return (algo if isinstance(algo, Unresolved) else Unresolved(Msg("iac.sse_not_set"))), where
    rule: dict[str, Any] = {"SSEAlgorithm": algo if algo else "None"}
    kms = _str(src.value("kms_master_key_id"))
    if isinstance(kms, str) and kms:
        rule["KMSMasterKeyID"] = kms
    return rule, where


def _roles(b: DocBuilder, by_type: Mapping[str, list[Resource]], export_roles: Sequence[str]
           ) -> dict[str, tuple[str, Location | None]]:
    """Roles with their trust policy and the policies attached to them. Returns address -> (name, location).
    Policies are validated strictly only for the export roles (``export_roles`` and the default one)."""
    #: name -> (document, where); a policy whose name is not known is there under its address (a RAM policy
    #: name has no "." nor "_", so the two never collide)
    policies: dict[str, tuple[Any, Location | None]] = {}
    policy_names: dict[str, str | None] = {}
    for p in by_type.get("alicloud_ram_policy", []):
        name = _name(p, ("policy_name", "name"))
        doc_attr = p.body.attrs.get("policy_document") or p.body.attrs.get("document")
        where = doc_attr.location if doc_attr else p.location
        doc = doc_attr.value if doc_attr else Unresolved(Msg("iac.policy_statement_blocks", address=p.address))
        policy_names[p.address] = name if isinstance(name, str) else None
        policies[name if isinstance(name, str) else p.address] = (doc, where)
    role_list = by_type.get("alicloud_ram_role", [])
    names: dict[str, str | None] = {}
    for r in role_list:
        name = _name(r, ("role_name", "name"))
        names[r.address] = name if isinstance(name, str) else None
    role_targets = _Targets(names)
    policy_targets = _Targets(policy_names)
    attached: dict[str, list[tuple[Any, Any, Resource]]] = {a: [] for a in names}
    stray: Msg | None = None
    for att in by_type.get("alicloud_ram_role_policy_attachment", []):
        found = role_targets.find(att.body.attrs.get("role_name"))
        if isinstance(found, Unresolved):
            stray = Msg("iac.attach_stray", address=att.address)
        elif found is not None:
            pattr = att.body.attrs.get("policy_name")
            ptarget = policy_targets.find(pattr)
            # a policy referenced by attribute (alicloud_ram_policy.p.policy_name) is that resource, whatever its
            # name evaluates to (a generated suffix from random_integer, a variable without a value)
            pname: Any = (policy_names.get(ptarget) or ptarget) if isinstance(ptarget, str) else None
            if pname is None:
                pname = _str(pattr.value) if pattr is not None else Unresolved(Msg("iac.policy_name_missing"))
            attached[found].append((pname, _str(att.body.value("policy_type")), att))
    out: dict[str, tuple[str, Location | None]] = {}
    for r in role_list:
        name = names[r.address] or r.address
        out[r.address] = (name, r.location)
        _role(b, r, name, attached[r.address], policies, stray, name in export_roles or name == DEFAULT_ROLE_NAME)
    return out


def _role(b: DocBuilder, r: Resource, name: str, attached: list[tuple[Any, Any, Resource]],
          policies: Mapping[str, tuple[Any, Location | None]], stray: Msg | None, strict: bool) -> None:
    entry: dict[str, Any] = {"RoleName": name}
    ptr = b.add("roles", entry, r.location, r.address)
    b.locations[f"{ptr}/RoleName"] = _name_loc(r, ("role_name", "name")) or r.location  # type: ignore[assignment]
    b.put(entry, ptr, "Arn", Unresolved(Msg("iac.role_arn")), None)
    trust_attr = r.body.attrs.get("assume_role_policy_document") or r.body.attrs.get("document")
    if trust_attr is not None:
        trust, trust_loc = _policy_text(partly_known_trust(trust_attr.value), trust_attr.location, strict), \
            trust_attr.location
    elif "services" in r.body.attrs or "ram_users" in r.body.attrs:
        trust, trust_loc = _legacy_trust(r), r.body.loc("services") or r.body.loc("ram_users")
    else:
        trust, trust_loc = Unresolved(Msg("iac.role_no_trust")), r.location
    b.put(entry, ptr, "AssumeRolePolicyDocument", trust, trust_loc)
    if stray:
        b.put(entry, ptr, "AttachedPolicies", Unresolved(stray), r.location)
        return
    items: list[dict[str, Any]] = []
    where: Location | None = None
    for pname, ptype, att in attached:
        item_ptr = f"{ptr}/AttachedPolicies/{len(items)}"
        if not isinstance(pname, str):
            pname = f"{att.address}"
            b.unknown_policy(name, pname, item_ptr, Msg("iac.policy_name_unresolved", address=att.address))
            items.append({"PolicyName": pname, "PolicyType": ptype if isinstance(ptype, str) else "Custom"})
            continue
        item: dict[str, Any] = {"PolicyName": pname}
        if isinstance(ptype, str):
            item["PolicyType"] = ptype
        doc, doc_where = policies.get(pname, (MISSING, None)) if ptype != SYSTEM else (MISSING, None)
        if doc is not MISSING:
            doc = _policy_text(doc, doc_where, strict)
        if isinstance(doc, Unresolved) or doc is MISSING:
            why = doc.reason if isinstance(doc, Unresolved) else Msg(
                "iac.policy_undefined", type=ptype if isinstance(ptype, str) and ptype else "Custom", name=pname,
                source=b.source_name)
            b.unknown_policy(name, pname, item_ptr, why)
        else:
            item["PolicyDocument"] = doc
            where = where or doc_where
        items.append(item)
        where = where or att.location
    b.put(entry, ptr, "AttachedPolicies", items, where or r.location)


def partly_known_trust(value: Any) -> Any:
    """A trust policy document as far as it decides the trust facts: a :class:`Partial` one (an object, or
    JSON text with interpolations inside its strings) becomes the document with placeholders where
    ``policy.decidable_trust`` says the unknown parts cannot change a fact, else stays unknown."""
    if not isinstance(value, Partial):
        return value
    doc = value.value
    if isinstance(doc, PartialText):
        doc = _partial_json(doc)
    decided = pol.decidable_trust(doc, placeholder) if doc is not None else None
    return decided if decided is not None else plain(value)


#: stands for the n-th unknown part of a JSON text while it is parsed (private-use characters)
_MARK_OPEN, _MARK_CLOSE = "\ue000", "\ue001"


def _partial_json(text: PartialText) -> Any:
    """JSON text with unknown parts inside its strings → the object, those strings as PartialText; None
    when an unknown part is anywhere else (a number, a key, the structure) or the text is not JSON."""
    holes = [p for p in text.parts if isinstance(p, Hole)]
    if any(_MARK_OPEN in p or _MARK_CLOSE in p for p in text.parts if isinstance(p, str)):
        return None
    marked = "".join(p if isinstance(p, str) else f"{_MARK_OPEN}{holes.index(p)}{_MARK_CLOSE}"
                     for p in text.parts)
    try:
        doc = json.loads(marked)
    except (ValueError, RecursionError):
        return None

    def back(v: Any, depth: int) -> Any:
        if depth > LIMITS.value_depth:
            raise ValueError("too deep")
        if isinstance(v, str) and _MARK_OPEN in v:
            parts: list[str | Hole] = []
            for i, chunk in enumerate(v.split(_MARK_OPEN)):
                if i == 0:
                    parts.append(chunk)
                    continue
                index, _, rest = chunk.partition(_MARK_CLOSE)
                parts += [holes[int(index)], rest]
            return PartialText(tuple(p for p in parts if p != ""))
        if isinstance(v, dict):
            if any(_MARK_OPEN in k for k in v):
                raise ValueError("an unknown key")
            return {k: back(x, depth + 1) for k, x in v.items()}
        if isinstance(v, list):
            return [back(x, depth + 1) for x in v]
        return v

    try:
        return back(doc, 0)
    except (ValueError, IndexError):
        return None


def _legacy_trust(r: Resource) -> Any:
    """The trust policy the provider built from the deprecated ``services``/``ram_users`` (before v1.49)."""
    services, users = r.body.value("services"), r.body.value("ram_users")
    for v in (services, users):
        if isinstance(v, Unresolved):
            return v
    principal: dict[str, Any] = {}
    if isinstance(services, list) and services:
        principal["Service"] = services
    if isinstance(users, list) and users:
        principal["RAM"] = users
    version = r.body.value("version")
    return {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": principal}],
            "Version": version if isinstance(version, str) else "1"}


# ---------------------------------------------------------------------------------------------------------
# Entry point for one module directory


@dataclass(frozen=True)
class ModuleLoad:
    resources: list[Resource]
    #: display path -> (text, line ranges of its top-level blocks), for inline waivers (child modules' too)
    files: dict[str, tuple[str, list[tuple[int, int]]]]
    #: the directories loaded as child modules (resolved), which are not root modules themselves
    called: frozenset[Path] = frozenset()
    #: module calls whose contents were not read (a registry or git source, a missing directory, a cycle),
    #: at their ``module`` block: what they create is not checked, and the user is told so
    unread: tuple[tuple[Location, Msg], ...] = ()


def load_module(tf_files: Sequence[Path], var_files: Sequence[Path],
                environ: Mapping[str, str] | None = None, limits: Limits = LIMITS,
                budget: Budget | None = None, cache: ParseCache | None = None) -> ModuleLoad:
    """Parse a module's files (all of one directory), and the local modules it calls, and return the
    resources this tool reads. Variables take, from lowest to highest precedence, their default, a
    ``TF_VAR_name`` variable of ``environ`` (the process environment by default), then ``var_files`` in
    order (terraform.tfvars, terraform.tfvars.json, *.auto.tfvars(.json) in lexical order).

    ``budget``: what the evaluation may spend (``Budget(limits)``); pass the same one to every root module of
    a run to make the caps on steps and instances hold for the run, not for each root module. ``cache``: the
    run's parsed files (pass the same one to every root module of a run: each file is parsed once)."""
    token = _PARSES.set(_Parses(limits.expressions))
    try:
        return _load_module(tf_files, var_files, environ, limits, budget, cache or ParseCache())
    finally:
        _PARSES.reset(token)


def _load_module(tf_files: Sequence[Path], var_files: Sequence[Path], environ: Mapping[str, str] | None,
                 limits: Limits, budget: Budget | None, cache: ParseCache) -> ModuleLoad:
    reader = _Reader(limits=limits, cache=cache)
    blocks = reader.read(tf_files)
    tfvars = _env_values(blocks, os.environ if environ is None else environ)
    for path in var_files:  # later files win, as in Terraform
        tfvars.update(parse_tfvars(path, limits))
    module = Module(blocks, tfvars, reader=reader,
                    chain=tuple(sorted(d.resolve() for d in {p.parent for p in tf_files})) or None,
                    budget=budget if budget is not None else Budget(limits))
    resources = module.managed(TYPES)
    return ModuleLoad(resources, reader.files, frozenset(reader.called), tuple(_unread_calls(module)))


def _unread_calls(module: Module) -> Iterator[tuple[Location, Msg]]:
    """Every module call, at any depth, whose contents could not be read, with why."""
    for name, block in module.module_blocks.items():
        call = module.call(name)
        if call is None:
            continue
        if isinstance(call.children, Unresolved):
            yield Location(block.path, block.line), call.children.reason
            continue
        for _, child in call.children:
            yield from _unread_calls(child)
