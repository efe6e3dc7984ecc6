"""A rule's conditions as a typed tree, parsed and checked once.

The nodes are immutable typed records (``typing.NamedTuple``, not dataclasses: a frozen dataclass costs about
half a millisecond of every start to define, a NamedTuple a tenth of that; nodes whose fields could
coincide compare by type too).

``when`` and ``assert`` are parsed into :data:`Condition` nodes: :class:`Leaf` (a path and one operator of
:data:`~preflight.rules.operators.OPERATORS`), :class:`Quantifier` (``any``/``all``/``none``/``count`` over a
list, with an optional ``where``), and the combinators :class:`AllOf`, :class:`AnyOf`, :class:`Not`. Every
path in the tree is a :class:`~preflight.rules.paths.PathRef` already checked against the fact model.

Everything else about a rule is computed from this one tree: the predicate
(:func:`preflight.rules.compile.compile_condition`), the facts it reads (:func:`reads`, the engine's memo
key), the evidence a finding shows (:func:`evidence`) and the entity field it is located on
(:func:`leaf_paths`). So what a rule reads and what the engine thinks it reads cannot drift apart.
"""

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from preflight.errors import Listing, Msg
from preflight.facts import fact_fields
from preflight.rules.operators import (
    LEAF_KEYS,
    OPERATORS,
    QUANTIFIER_KEYS,
    QUANTIFIERS,
    Context,
    Count,
    parse_count,
    value_reads,
)
from preflight.rules.paths import Getter, PathRef, RuleError, Where, presence, project, resolve_path

COMBINATORS = ("all_of", "any_of", "not")


class Leaf(NamedTuple):
    """``{path: …, <operator>: <argument>}``: one operator on one fact."""

    path: PathRef
    op: str
    #: the operator's parsed argument (see each operator's ``argument`` in the registry)
    arg: Any
    ignore_case: bool
    #: the answer when the path goes through a join whose target does not exist; None: unknown
    if_absent: bool | None


class Quantifier(NamedTuple):
    """``{path: <list>, [where: …], any|all|none: …}`` or ``{path: <list>, [where: …], count: {…}}``."""

    path: PathRef
    q: str
    #: the condition each element must meet (``any``/``all``/``none``), or the count (``count``)
    body: "Condition | Count"
    where: "Condition | None"
    if_absent: bool | None


class AllOf(NamedTuple):
    """``{all_of: [...]}``: every part holds."""

    parts: "tuple[Condition, ...]"

    def __eq__(self, other: object) -> bool:  # all_of and any_of of the same parts are not the same
        return type(self) is type(other) and tuple.__eq__(self, other)

    def __hash__(self) -> int:
        return tuple.__hash__(self)


class AnyOf(NamedTuple):
    """``{any_of: [...]}``: some part holds."""

    parts: "tuple[Condition, ...]"

    def __eq__(self, other: object) -> bool:  # all_of and any_of of the same parts are not the same
        return type(self) is type(other) and tuple.__eq__(self, other)

    def __hash__(self) -> int:
        return tuple.__hash__(self)


class Not(NamedTuple):
    """``{not: …}``: the part does not hold (an unknown stays unknown)."""

    inner: "Condition"


Condition = Leaf | Quantifier | AllOf | AnyOf | Not


def parse_condition(node: Any, scope: type, where: Where, ctx: Context) -> Condition:
    """Parse and check a condition over facts of class ``scope`` (the subject, or a list's element)."""
    if not isinstance(node, Mapping):
        raise RuleError(where, Msg("rule.cond_shape"))
    keys = {str(k) for k in node} if all(isinstance(k, str) for k in node) else set(map(repr, node))
    if keys & set(COMBINATORS):
        if len(keys) != 1:
            raise RuleError(where, Msg("rule.cond_alone", key=sorted(keys & set(COMBINATORS))[0],
                                       found=sorted(keys - set(COMBINATORS)) or sorted(keys)))
        (key,) = keys
        if key == "not":
            return Not(parse_condition(node["not"], scope, (*where, "not"), ctx))
        items = node[key]
        if not isinstance(items, list) or not items:
            raise RuleError((*where, key), Msg("rule.cond_list", key=key))
        parts = tuple(parse_condition(c, scope, (*where, key, i), ctx) for i, c in enumerate(items))
        return AllOf(parts) if key == "all_of" else AnyOf(parts)
    if "path" not in node:
        raise RuleError(where, Msg("rule.cond_keys", keys=sorted(keys)))
    if keys & set(QUANTIFIERS):
        return _quantifier(node, scope, where, ctx)
    return _leaf(node, scope, where, ctx)


def _if_absent(node: Mapping[str, Any], where: Where) -> bool | None:
    raw = node.get("if_absent", "unknown")
    if raw is True or raw is False:
        return bool(raw)
    if raw != "unknown":
        raise RuleError((*where, "if_absent"), Msg("rule.if_absent"))
    return None


def _leaf(node: Mapping[str, Any], scope: type, where: Where, ctx: Context) -> Leaf:
    ops = {str(k) for k in node} - set(LEAF_KEYS)
    if "where" in ops:
        raise RuleError((*where, "where"), Msg("rule.where_leaf"))
    unknown_ops = ops - set(OPERATORS)
    if unknown_ops:
        raise RuleError(where, Msg("rule.unknown_op", op=sorted(unknown_ops)[0],
                                   ops=Listing(sorted({*OPERATORS, *QUANTIFIERS}))))
    if len(ops) != 1:
        raise RuleError(where, Msg("rule.one_op_found", ops=sorted(ops)) if ops else Msg("rule.one_op"))
    (op,) = ops
    operator = OPERATORS[op]
    path = resolve_path(node["path"], scope, (*where, "path"))
    ignore_case = node.get("ignore_case", False)
    if not isinstance(ignore_case, bool):
        raise RuleError((*where, "ignore_case"), Msg("rule.ignore_case"))
    operator.check_type(path, (*where, op))
    arg = operator.argument(node[op], path, (*where, op), Context(ctx.lists, ignore_case))
    if operator.sees != "known":  # exists/unknown say themselves what an absent parent is: nothing is there
        if "if_absent" in node:
            raise RuleError((*where, "if_absent"), Msg("rule.if_absent_op", op=op))
        if_absent = None
    else:
        if_absent = _if_absent(node, where)
    return Leaf(path, op, arg, ignore_case, if_absent)


def _quantifier(node: Mapping[str, Any], scope: type, where: Where, ctx: Context) -> Quantifier:
    keys = {str(k) for k in node}
    quantifiers = keys & set(QUANTIFIERS)
    extra = keys - set(QUANTIFIERS) - set(QUANTIFIER_KEYS)
    if len(quantifiers) != 1 or extra:
        raise RuleError(where, Msg("rule.quant_shape_extra", extra=sorted(extra)) if extra
                        else Msg("rule.quant_shape"))
    (q,) = quantifiers
    path = resolve_path(node["path"], scope, (*where, "path"))
    if not path.type.is_list:
        raise RuleError((*where, "path"), Msg("rule.quant_list", q=q, path=path.text, type=path.type.name))
    element = path.type.fact
    if element is None:
        raise RuleError((*where, "path"), Msg("rule.quant_plain", path=path.text))
    filt = parse_condition(node["where"], element, (*where, "where"), ctx) if "where" in node else None
    if_absent = _if_absent(node, where)
    body: Condition | Count
    if q == "count":
        body = parse_count(node["count"], (*where, "count"))
    else:
        body = parse_condition(node[q], element, (*where, q), ctx)
    return Quantifier(path, q, body, filt, if_absent)


# ---------------------------------------------------------------------------------------------------------
# What is derived from the tree


def _children(cond: Condition) -> tuple[Condition, ...]:
    if isinstance(cond, AllOf | AnyOf):
        return cond.parts
    if isinstance(cond, Not):
        return (cond.inner,)
    return ()


def reads(cond: Condition, top: bool = True) -> Iterator[PathRef]:
    """Every path the compiled condition reads from the subject: paths at the subject's scope (``top``),
    ``$.`` paths at any depth, and the facts the operators' arguments read (``{ref}``, ``{fmt}``)."""
    if isinstance(cond, Leaf | Quantifier):
        if top or cond.path.from_root:
            yield cond.path
        if isinstance(cond, Leaf):
            yield from value_reads(cond.arg)
            return
        if cond.where is not None:
            yield from reads(cond.where, False)
        if not isinstance(cond.body, Count):
            yield from reads(cond.body, False)
        return
    for child in _children(cond):
        yield from reads(child, top)


def leaf_paths(cond: Condition | None) -> list[str]:
    """Paths of the leaves directly under a condition (not inside nested quantifiers)."""
    if cond is None or isinstance(cond, Quantifier):
        return []
    if isinstance(cond, Leaf):
        return [cond.path.text]
    return [p for child in _children(cond) for p in leaf_paths(child)]


def asserted_paths(cond: Condition) -> list[str]:
    """The paths an ``assert`` is about: its leaves', or a quantifier's list."""
    return leaf_paths(cond) or ([cond.path.text] if isinstance(cond, Quantifier) else [])


def evidence(cond: Condition, top: bool = True) -> Iterator[tuple[str, Getter]]:
    """The facts a finding shows (key, getter from the subject), in the order the condition names them:
    every leaf at the subject's scope or written with ``$.``, and for a quantifier at that scope, the
    element fields its ``where`` and body test (all its scalar fields if they test none)."""
    if isinstance(cond, Leaf):
        if top or cond.path.from_root:
            ft = cond.path.type
            get = cond.path.getter()
            yield cond.path.text, presence(get) if ft.fact and not ft.is_list else get
        return
    if isinstance(cond, Quantifier):
        if cond.where is not None:
            yield from evidence(cond.where, False)
        if top or cond.path.from_root:
            yield from _quantified(cond)
        if not isinstance(cond.body, Count):
            yield from evidence(cond.body, False)
        return
    for child in _children(cond):
        yield from evidence(child, top)


def _quantified(cond: Quantifier) -> Iterator[tuple[str, Getter]]:
    element = cond.path.type.fact
    assert element is not None  # a quantifier's list is a list of facts (checked when parsed)
    body = None if isinstance(cond.body, Count) else cond.body
    inner: list[str] = []
    for sub in leaf_paths(cond.where) + leaf_paths(body):
        if sub not in inner and not sub.startswith("$."):
            inner.append(sub)
    if not inner:
        inner = [name for name, ft in fact_fields(element).items() if ft.scalar is not None and not ft.is_list]
    get_list = cond.path.getter()
    for sub in inner:
        get_item = resolve_path(sub, element, ()).getter()
        yield f"{cond.path.text.removeprefix('$.')}[*].{sub}", project(get_list, get_item)
