"""The syntax tree of Terraform configuration: expressions and the bodies of parsed files.

What a front end gives (:mod:`.hcl` for ``.tf`` and ``.tfvars``, :mod:`.tfjson` for ``.tf.json``) and the
evaluator (:mod:`.evaluate`, :mod:`.module`) reads. An expression is a literal (str, int, float, bool,
None) or one of the node classes below; anything not evaluated statically is :class:`Opaque` with what it
is. A file is a :class:`RawBody` of attributes (expression and line) and :class:`RawBlock` values.

Plain data: no parser and no evaluator is imported here, so a front end can be replaced without touching
the evaluator, and the evaluator read without the parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from preflight.errors import Msg


@dataclass(frozen=True, slots=True)
class Template:
    """A string template: literal text and interpolated expressions."""

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
    """A function call ``name(args...)``."""

    name: str
    args: tuple[Any, ...]
    #: the last argument is written ``list...`` (its elements are the arguments)
    expand: bool = False


@dataclass(frozen=True, slots=True)
class Conditional:
    """``cond ? then : other``."""

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
    """``[a, b, ...]``."""

    items: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class ObjectExpr:
    """``{k = v, ...}``: key and value expressions."""

    items: tuple[tuple[Any, Any], ...]


@dataclass(frozen=True, slots=True)
class Opaque:
    """An expression that is not evaluated statically (conditional, for, splat, operator, directive)."""

    kind: Msg


@dataclass(slots=True)
class RawBody:
    """A parsed body: its attributes (expression and line) and blocks."""

    attrs: dict[str, tuple[Any, int]] = field(default_factory=dict)  # name -> (expression, line)
    blocks: list[RawBlock] = field(default_factory=list)


@dataclass(slots=True)
class RawBlock:
    """A parsed block: type, labels, body and where it is written."""

    type: str
    labels: tuple[str, ...]
    body: RawBody
    path: str
    line: int
    end_line: int
