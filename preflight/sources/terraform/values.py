"""The values of IaC evaluation, shared by every IaC source (Terraform files, plans, ROS templates).

An expression evaluates to a plain JSON-like value (str, int, float, bool, None, list, dict), or to
:class:`Unresolved` with the reason when the files do not decide it: it becomes an unknown fact, nothing is
guessed. An error Terraform would stop on (an index out of range) is an Unresolved marked ``error`` (``try``
moves past it); a string with unknown parts is a :class:`Partial` that keeps its literal parts for the policy
reader (``policy.decidable_trust``) and is unknown to everything else. :data:`MISSING` is an argument that
is not written at all, which is not the same as one whose value is unknown.

A resource as a source hands it to the mapper (:mod:`preflight.sources.terraform.mapping`) is a
:class:`Resource` made of :class:`Block` and :class:`Attr` values, source-neutral (HCL or plan JSON).

A leaf of the package: plain data, no parser, no evaluator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from preflight.errors import Msg
from preflight.model import Location


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
    """An evaluated block: its attributes, nested blocks and where it is written."""

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
