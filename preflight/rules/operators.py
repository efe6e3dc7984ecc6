"""The operators of the rule language, in one registry: name, the facts each applies to, its argument,
its evaluation, and the JSON Schema of its argument.

The condition parser (:mod:`preflight.rules.tree`) looks an operator up here to check a leaf; the compiler
(:mod:`preflight.rules.compile`) calls its ``build``; the "unknown operator" error lists the registry's
names; and ``tests/test_rules_operators.py`` fails if ``schemas/rule.schema.json`` says otherwise.
"""

import re
from collections.abc import Callable, Mapping
from typing import Any, Literal, NamedTuple

from preflight.errors import Foreign, Listing, Msg
from preflight.facts import Absent, FieldType, Subject, Unknown
from preflight.rules.paths import Getter, PathRef, RuleError, Tri, Where, resolve_path
from preflight.rules.templates import Template, compile_template

#: why a count over partly unknown elements is unknown (the engine words it in the report's language)
COUNT_UNKNOWN = Msg("rule.count_unknown")
COMPARE_OPS = ("gt", "gte", "lt", "lte")
#: the comparisons a count (``count``, ``length``) may use
COUNT_OPS = (*COMPARE_OPS, "eq", "ne")

# ---------------------------------------------------------------------------------------------------------
# Arguments: what an operator compares with, parsed once


class Ref(NamedTuple):
    """``{ref: path}``: the desired value is a fact of the subject."""

    path: PathRef


class Fmt(NamedTuple):
    """``{fmt: "oss-{path}"}``: the desired value is a text made of facts of the subject."""

    template: Template


#: a desired value: a fact of the subject, a text made of facts, or a plain scalar (str, int, float, bool, None)
Value = Ref | Fmt | str | int | float | bool | None


class Count(NamedTuple):
    """A comparison of a count with a whole number: ``{lte: 4}``."""

    op: str
    bound: int


def value_reads(arg: Any) -> tuple[PathRef, ...]:
    """The subject's facts an operator's argument reads when the rule is evaluated."""
    if isinstance(arg, Ref):
        return (arg.path,)
    if isinstance(arg, Fmt):
        return arg.template.reads
    return ()


def value_getter(arg: Value) -> Getter:
    if isinstance(arg, Ref):
        return arg.path.getter()
    if isinstance(arg, Fmt):
        return arg.template.value
    return lambda s: arg


def parse_value(raw: Any, where: Where) -> Value:
    """A desired value: a literal, ``{ref: path}`` (a fact of the subject) or ``{fmt: "oss-{path}"}``."""
    if isinstance(raw, Mapping):
        if set(raw) == {"ref"}:
            text = raw["ref"] if str(raw["ref"]).startswith("$.") else f"$.{raw['ref']}"
            ref = resolve_path(text, Subject, (*where, "ref"))
            if ref.type.scalar is None or ref.type.is_list:
                raise RuleError((*where, "ref"), Msg("rule.ref_single", ref=raw["ref"], type=ref.type.name))
            return Ref(ref)
        if set(raw) == {"fmt"}:
            return Fmt(compile_template(raw["fmt"], (*where, "fmt")))
        raise RuleError(where, Msg("rule.value_shape"))
    if isinstance(raw, list):
        raise RuleError(where, Msg("rule.value_list"))
    return raw  # type: ignore[no-any-return]


def parse_count(raw: Any, where: Where) -> Count:
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise RuleError(where, Msg("rule.count_shape"))
    ((op, bound),) = raw.items()
    if op not in COUNT_OPS:
        raise RuleError(where, Msg("rule.count_op", op=op))
    if isinstance(bound, bool) or not isinstance(bound, int):
        raise RuleError((*where, op), Msg("rule.count_int"))
    return Count(op, bound)


def compare(op: str, a: float, b: float) -> bool:
    if op == "gt":
        return a > b
    if op == "gte":
        return a >= b
    if op == "lt":
        return a < b
    return a <= b


def count_test(spec: Count) -> Callable[[int, int], Tri]:
    """A numeric test on a count known to lie in [low, high]: unknown when the range straddles it."""
    op, bound = spec.op, spec.bound

    def holds(n: int) -> bool:
        if op == "eq":
            return n == bound
        if op == "ne":
            return n != bound
        return compare(op, n, bound)

    def test(low: int, high: int) -> Tri:
        a, b = holds(low), holds(high)
        if a == b and (low == high or all(holds(n) == a for n in range(low, high + 1))):
            return a
        return Unknown(COUNT_UNKNOWN)

    return test


# ---------------------------------------------------------------------------------------------------------
# The registry

#: an evaluation: (the fact's value, the subject) -> three-valued answer
Test = Callable[[Any, Any], Tri]
Fold = Callable[[Any], Any]


class Context(NamedTuple):
    """What an argument is checked against: the named lists, and the leaf's ``ignore_case``."""

    lists: Mapping[str, tuple[str, ...]]
    ignore_case: bool = False


Argument = Callable[[Any, PathRef, Where, Context], Any]


class Operator(NamedTuple):
    """One operator of the rule language (a registry entry; immutable)."""

    name: str
    #: the facts the operator applies to (None: any path)
    accepts: Callable[[FieldType], bool] | None
    #: the catalogue key of the error for any other fact
    wrong_type: str
    #: parses and checks the argument: (raw, path, where, context) -> the argument
    argument: Argument
    #: the evaluation: (argument, fold for ignore_case) -> test of a value
    build: Callable[[Any, Fold], Test]
    #: the JSON Schema of its argument, as ``$defs.leaf.properties`` in rule.schema.json says it
    schema: Mapping[str, Any]
    #: which values it is asked about: "known" (an unknown fact is the answer, an absent parent is
    #: ``if_absent``), "absent" (it says itself what an absent parent is), or "all" (unknown ones too)
    sees: Literal["known", "absent", "all"] = "known"
    #: whether the wrong_type message names the operator (it is shared by several)
    names_op: bool = True

    def check_type(self, path: PathRef, where: Where) -> None:
        if self.accepts is not None and not self.accepts(path.type):
            op = {"op": self.name} if self.names_op else {}
            raise RuleError(where, Msg(self.wrong_type, **op, path=path.text, type=path.type.name))


def _single(ft: FieldType) -> bool:
    return not ft.is_list and ft.fact is None


def _check_literal(raw: Any, path: PathRef, where: Where) -> None:
    if raw is None or isinstance(raw, Mapping):
        return
    ft = path.type
    expected = ft.scalar
    ok = (isinstance(raw, bool) if expected is bool
          else isinstance(raw, int) and not isinstance(raw, bool) if expected is int
          else isinstance(raw, str))
    if not ok:
        raise RuleError(where, Msg("rule.never_equal", value=raw, path=path.text, type=ft.name))


def _bool_arg(op: str) -> Argument:
    def arg(raw: Any, path: PathRef, where: Where, ctx: Context) -> bool:
        if not isinstance(raw, bool):
            raise RuleError(where, Msg("rule.op_bool", op=op))
        return raw

    return arg


def _eq_arg(raw: Any, path: PathRef, where: Where, ctx: Context) -> Value:
    value = parse_value(raw, where)
    _check_literal(raw, path, where)
    return value


def _values_arg(raw: Any, path: PathRef, where: Where, ctx: Context) -> tuple[Any, ...]:
    lists = ctx.lists
    if isinstance(raw, Mapping) and set(raw) == {"list"}:
        name = raw["list"]
        if not isinstance(name, str) or name not in lists:
            raise RuleError((*where, "list"), Msg("rule.no_list", name=name, lists=Listing(sorted(lists))))
        values: tuple[Any, ...] = lists[name]
    elif not isinstance(raw, list) or not raw:
        raise RuleError(where, Msg("rule.values_shape"))
    elif any(isinstance(v, Mapping | list) for v in raw):
        raise RuleError(where, Msg("rule.values_plain"))
    else:
        values = tuple(raw)
    for v in values:
        _check_literal(v, path, where)
    return values


def _regex_arg(op: str) -> Argument:
    def arg(raw: Any, path: PathRef, where: Where, ctx: Context) -> tuple[re.Pattern[str], bool]:
        if not isinstance(raw, str):
            raise RuleError(where, Msg("rule.op_regex_type", op=op))
        try:
            rx = re.compile(raw, re.IGNORECASE if ctx.ignore_case else 0)
        except re.error as e:
            raise RuleError(where, Msg("rule.bad_regex", regex=raw, problem=Foreign("regex", str(e)))) from None
        except (OverflowError, RecursionError):  # a{4294967296}; ten thousand nested groups
            raise RuleError(where, Msg("rule.bad_regex", regex=raw[:80], problem=Msg("path.regex_limit"))) \
                from None
        return rx, op == "not_matches"

    return arg


def _number_arg(op: str) -> Argument:
    def arg(raw: Any, path: PathRef, where: Where, ctx: Context) -> tuple[str, float]:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise RuleError(where, Msg("rule.op_number", op=op))
        return op, float(raw)

    return arg


def _eq(negate: bool) -> Callable[[Value, Fold], Test]:
    def build(arg: Value, fold: Fold) -> Test:
        return _EqTest(value_getter(arg), negate, fold)

    return build


def _in(negate: bool) -> Callable[[tuple[Any, ...], Fold], Test]:
    def build(values: tuple[Any, ...], fold: Fold) -> Test:
        folded = frozenset(fold(v) for v in values)
        if negate:
            return lambda v, s: fold(v) not in folded
        return lambda v, s: fold(v) in folded

    return build


def _matches(arg: tuple[re.Pattern[str], bool], fold: Fold) -> Test:
    rx, negate = arg
    if negate:
        return lambda v, s: not (isinstance(v, str) and rx.search(v) is not None)
    return lambda v, s: isinstance(v, str) and rx.search(v) is not None


def _compare(arg: tuple[str, float], fold: Fold) -> Test:
    op, bound = arg
    return lambda v, s: isinstance(v, int) and compare(op, v, bound)


def _length(spec: Count, fold: Fold) -> Test:
    check = count_test(spec)
    return lambda v, s: v is not None and check(len(v), len(v))


def _contains(arg: Value, fold: Fold) -> Test:
    value = value_getter(arg)
    return lambda v, s: v is not None and fold(value(s)) in (fold(x) for x in v)


def _unknown(want: bool, fold: Fold) -> Test:
    return lambda v, s: isinstance(v, Unknown) == want


def _exists(want: bool, fold: Fold) -> Test:
    return lambda v, s: (v is not None and v.__class__ is not Absent) == want


_VALUE = {"$ref": "#/$defs/value"}
_VALUES = {"$ref": "#/$defs/values"}

OPERATORS: dict[str, Operator] = {op.name: op for op in (
    Operator("eq", _single, "rule.op_single", _eq_arg, _eq(False), _VALUE),
    Operator("ne", _single, "rule.op_single", _eq_arg, _eq(True), _VALUE),
    Operator("in", _single, "rule.op_one_value", _values_arg, _in(False), _VALUES),
    Operator("not_in", _single, "rule.op_one_value", _values_arg, _in(True), _VALUES),
    *(Operator(name, lambda ft: ft.scalar is str and not ft.is_list, "rule.op_string_path", _regex_arg(name),
               _matches, {"type": "string"}) for name in ("matches", "not_matches")),
    *(Operator(name, lambda ft: ft.scalar is int and not ft.is_list, "rule.op_numbers", _number_arg(name),
               _compare, {"type": "number"}) for name in COMPARE_OPS),
    Operator("length", lambda ft: ft.is_list or ft.scalar is str, "rule.op_length",
             lambda raw, path, where, ctx: parse_count(raw, where), _length, {"$ref": "#/$defs/count"},
             names_op=False),
    Operator("exists", None, "", _bool_arg("exists"), _exists, {"type": "boolean"}, sees="absent"),
    Operator("unknown", None, "", _bool_arg("unknown"), _unknown, {"type": "boolean"}, sees="all"),
    Operator("contains", lambda ft: ft.is_list and ft.scalar is not None, "rule.op_contains",
             lambda raw, path, where, ctx: parse_value(raw, where), _contains, _VALUE, names_op=False),
)}

#: the list quantifiers, with the JSON Schema of their argument (evaluated in :mod:`preflight.rules.compile`)
QUANTIFIERS: dict[str, Mapping[str, Any]] = {
    "any": {"$ref": "#/$defs/condition"},
    "all": {"$ref": "#/$defs/condition"},
    "none": {"$ref": "#/$defs/condition"},
    "count": {"$ref": "#/$defs/count"},
}
#: the keys a leaf or a quantifier may have besides its operator
LEAF_KEYS = ("path", "ignore_case", "if_absent")
QUANTIFIER_KEYS = ("path", "where", "if_absent")


class _EqTest:
    """``eq``/``ne`` whose desired value may be a fact of the subject (``{ref: ...}``, ``{fmt: ...}``)."""

    __slots__ = ("fold", "negate", "value")

    def __init__(self, value: Callable[[Any], Any], negate: bool, fold: Callable[[Any], Any]) -> None:
        self.value = value
        self.negate = negate
        self.fold = fold

    def __call__(self, v: Any, subject: Any) -> Tri:
        want = self.value(subject)
        if isinstance(want, Unknown):
            return want
        if want.__class__ is Absent:  # the desired value is read through a join whose target does not exist
            return Unknown(Msg("rule.absent_value", parent=want.join))
        return bool(self.fold(v) == self.fold(want)) != self.negate
