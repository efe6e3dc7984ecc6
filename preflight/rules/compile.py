"""Compile a condition tree into a predicate: closures over the registry's operators, no code from the rule.

Evaluation is three-valued: true, false, or :class:`~preflight.facts.Unknown` (a fact the condition needs
was not learned). A path through a join whose target does not exist reads
:class:`~preflight.facts.Absent`, which a condition answers with its ``if_absent`` (unknown by default:
not applicable is not a pass). The closures read facts only through the tree's
:class:`~preflight.rules.paths.PathRef` getters, so :func:`preflight.rules.tree.reads` lists what they read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from preflight.errors import Msg
from preflight.facts import Absent, Unknown
from preflight.rules.operators import OPERATORS, Count, count_test
from preflight.rules.paths import Pred, Tri
from preflight.rules.tree import AllOf, Condition, Leaf, Not, Quantifier


def _and(values: Iterable[Tri]) -> Tri:
    unknown: Unknown | None = None
    for v in values:
        if v is False:
            return False
        if unknown is None and isinstance(v, Unknown):
            unknown = v
    return unknown if unknown is not None else True


def _or(values: Iterable[Tri]) -> Tri:
    unknown: Unknown | None = None
    for v in values:
        if v is True:
            return True
        if unknown is None and isinstance(v, Unknown):
            unknown = v
    return unknown if unknown is not None else False


def _not(v: Tri) -> Tri:
    return v if isinstance(v, Unknown) else not v


def _all_of(parts: list[Pred]) -> Pred:
    def all_of(s: Any, e: Any) -> Tri:  # _and over the parts, unrolled: this runs for every rule and export
        unknown: Unknown | None = None
        for p in parts:
            v = p(s, e)
            if v is False:
                return False
            if v is not True and unknown is None:
                unknown = v
        return unknown if unknown is not None else True

    return all_of


def _any_of(parts: list[Pred]) -> Pred:
    def any_of(s: Any, e: Any) -> Tri:
        unknown: Unknown | None = None
        for p in parts:
            v = p(s, e)
            if v is True:
                return True
            if v is not False and unknown is None:
                unknown = v
        return unknown if unknown is not None else False

    return any_of


def _if_absent(answer: bool | None, text: str) -> Callable[[Absent], Tri]:
    """A condition's answer when its path goes through a join whose target does not exist: ``if_absent``
    (true or false) as the rule author declares, else unknown (not applicable is not a pass)."""
    if answer is not None:
        return lambda a: answer
    return lambda a: Unknown(Msg("rule.absent_parent", path=text, parent=a.join), text)


def compile_condition(cond: Condition) -> Pred:
    if isinstance(cond, Leaf):
        return _leaf(cond)
    if isinstance(cond, Quantifier):
        return _quantifier(cond)
    if isinstance(cond, Not):
        inner = compile_condition(cond.inner)
        return lambda s, e: _not(inner(s, e))
    parts = [compile_condition(c) for c in cond.parts]
    return _all_of(parts) if isinstance(cond, AllOf) else _any_of(parts)


def _leaf(leaf: Leaf) -> Pred:
    operator = OPERATORS[leaf.op]
    ignore_case = leaf.ignore_case

    def fold(v: Any) -> Any:
        return v.lower() if ignore_case and isinstance(v, str) else v

    test = operator.build(leaf.arg, fold)
    get = leaf.path.getter()
    use_root = leaf.path.from_root
    text = leaf.path.text
    if operator.sees == "all":
        return lambda s, e: test(get(s if use_root else e), s)
    if operator.sees == "absent":

        def sees_absent(s: Any, e: Any) -> Tri:
            v = get(s if use_root else e)
            # a parameter written with a value not known is there (``exists``): only its value is unknown
            return v.at(text) if isinstance(v, Unknown) and not v.given else test(v, s)

        return sees_absent
    if_absent = _if_absent(leaf.if_absent, text)

    def known(s: Any, e: Any) -> Tri:
        v = get(s if use_root else e)
        if isinstance(v, Unknown):
            return v.at(text)
        if v.__class__ is Absent:
            return if_absent(v)
        return test(v, s)

    return known


def _quantifier(node: Quantifier) -> Pred:
    get = node.path.getter()
    use_root = node.path.from_root
    text = node.path.text
    filt = compile_condition(node.where) if node.where is not None else None
    if_absent = _if_absent(node.if_absent, text)

    def items(s: Any, e: Any) -> list[Any] | Tri | None:
        """The list, or the node's answer when there is none to look at (unknown, or an absent parent)."""
        v = get(s if use_root else e)
        if v.__class__ is Absent:
            return if_absent(v)
        return v.at(text) if isinstance(v, Unknown) else v

    if isinstance(node.body, Count):
        count = count_test(node.body)

        def counted(s: Any, e: Any) -> Tri:
            xs = items(s, e)
            if isinstance(xs, Unknown | bool):
                return xs
            low = high = 0
            first_unknown: Unknown | None = None
            for x in xs or ():
                r = filt(s, x) if filt else True
                if r is True:
                    low += 1
                    high += 1
                elif isinstance(r, Unknown):
                    high += 1
                    first_unknown = first_unknown or r
            result = count(low, high)
            return first_unknown if isinstance(result, Unknown) and first_unknown else result

        return counted

    body = compile_condition(node.body)
    if node.q == "all":

        def every(s: Any, e: Any) -> Tri:
            xs = items(s, e)
            if isinstance(xs, Unknown | bool):
                return xs
            return _and(_or((_not(filt(s, x)), body(s, x))) if filt else body(s, x) for x in xs or ())

        return every

    def any_in(s: Any, xs: list[Any] | None) -> Tri:
        return _or(_and((filt(s, x), body(s, x))) if filt else body(s, x) for x in xs or ())

    def some(s: Any, e: Any) -> Tri:
        xs = items(s, e)
        return xs if isinstance(xs, Unknown | bool) else any_in(s, xs)

    def no(s: Any, e: Any) -> Tri:
        xs = items(s, e)
        return xs if isinstance(xs, Unknown | bool) else _not(any_in(s, xs))

    return some if node.q == "any" else no
