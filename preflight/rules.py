"""Rules as data: load YAML rule files, validate them, and compile their conditions into predicates.

A rule is one YAML file (``schemas/rule.schema.json``). Its ``assert`` (and optional ``when``) is a
declarative condition over the export subject's facts, in the spirit of Cloud Config condition rules
(path + operator + desired value) and Spectral (``given``/``then``)::

    {path: request.OSSPrefix, matches: '^[A-Za-z0-9]{1,30}$'}           # a leaf: path + one operator
    {path: image.data_disks, count: {lte: 4}}                            # a quantifier over a list
    {path: image.disks, where: {path: Type, eq: data}, all: {path: Size, lte: 500}}
    {all_of: [...]}, {any_of: [...]}, {not: {...}}                       # combinators

Evaluation is three-valued: true, false, or :class:`~preflight.facts.Unknown` (a fact the condition needs
was not learned). Nothing here runs code from the rule: conditions compile to closures over a fixed set of
operators, and every path is checked against the fact model at load time, so a rule that could never match
is a load error (file and line), never a silent no-op.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from preflight import __version__
from preflight.absence import through_none
from preflight.errors import Foreign, Listing, Msg, PreflightError, in_language
from preflight.escape import ValuedText, controls, controls_but_breaks
from preflight.facts import Absent, FieldType, Subject, Unknown, fact_fields
from preflight.model import Category, Severity, Text
from preflight.resources import rules_dir
from preflight.sources.common import display_path, list_dir, path_kind, read_text

Tri = bool | Unknown
#: a compiled condition: (subject, current list element or the subject) -> three-valued answer
Pred = Callable[[Any, Any], Tri]
Getter = Callable[[Any], Any]

RULE_KEYS = frozenset({
    "id", "title", "severity", "category", "prevents", "message", "remediation", "references",
    "when", "assert", "locate", "evidence", "description", "pass_evidence",
})
COMPARE_OPS = ("gt", "gte", "lt", "lte")
LEAF_OPS = frozenset({
    "eq", "ne", "in", "not_in", "matches", "not_matches", *COMPARE_OPS, "length", "exists", "unknown", "contains",
})
QUANTIFIERS = frozenset({"any", "all", "none", "count"})
ID_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{1,63}")  # used with fullmatch (no "$": it allows a newline)
CODE_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9.]*")
#: the facts of a subject a finding can be located on (schemas/rule.schema.json lists the same)
LOCATABLE = ("request", "account_id", "region", "image", "tasks", "bucket", "role")
#: a placeholder in a rule text: ``{path}`` or ``{path|filter|…}``; group 1 is the path, group 2 the filters
PLACEHOLDER = re.compile(r"\{([^{}|]*)((?:\|[^{}|]*)*)\}")
#: why a count over partly unknown elements is unknown (the engine words it in the report's language)
COUNT_UNKNOWN = Msg("rule.count_unknown")


class RuleError(Exception):
    """A problem at a place inside a rule document (a path of keys), turned into file:line by the loader."""

    def __init__(self, where: Sequence[str | int], message: Msg) -> None:
        super().__init__(message)
        self.where = tuple(where)
        self.message = message


# ---------------------------------------------------------------------------------------------------------
# Named lists (rules/lists/*.yaml): data several rules share, kept in one place


@dataclass(frozen=True)
class NamedList:
    name: str
    description: str
    values: tuple[str, ...]
    source: str


def load_lists(directory: Path, cached: Mapping[str, Any] | None = None) -> dict[str, NamedList]:
    out: dict[str, NamedList] = {}
    for path in sorted(directory.glob("*.yaml")):
        data = (cached or {}).get(path.name)
        if data is None or _list_problem(data, path) is not None:
            from preflight import yamlpos

            display = display_path(path)
            data, lines = yamlpos.load(read_text(path), display)
            problem = _list_problem(data, path)
            if problem is not None:
                raise PreflightError(problem[1], f"{display}:{lines.line(problem[0])}")
        out[path.stem] = NamedList(path.stem, str(data.get("description", "")), tuple(data["values"]),
                                   str(data.get("source", "")))
    return out


def _list_problem(data: Any, path: Path) -> tuple[list[str], Msg] | None:
    if not isinstance(data, Mapping) or not isinstance(data.get("values"), list):
        return [], Msg("rule.list_shape")
    if not all(isinstance(v, str) for v in data["values"]):
        return ["values"], Msg("rule.list_values")
    if data.get("name") != path.stem:
        return ["name"], Msg("rule.list_name", stem=path.stem)
    return None


# ---------------------------------------------------------------------------------------------------------
# Paths over the fact model


@dataclass(frozen=True)
class PathRef:
    text: str
    steps: tuple[str, ...]
    from_root: bool
    type: FieldType
    #: per step, what the path reads when that step holds ``None`` and steps remain: ``none`` or ``absent``
    #: (declared per join in :data:`preflight.absence.JOINS`)
    through: tuple[str, ...] = ()

    def getter(self) -> Getter:
        """Follows the steps: an unknown step is the answer; a ``None`` step before the leaf is ``None`` or
        :class:`~preflight.facts.Absent`, as its join declares (an absent parent is not an empty leaf)."""
        steps = self.steps
        absent = tuple(None if mode == "none" else Absent(".".join(steps[: i + 1]))
                       for i, mode in enumerate(self.through))

        def get(obj: Any) -> Any:
            for i, name in enumerate(steps):
                if obj is None:
                    return absent[i - 1] if i else None
                if isinstance(obj, Unknown | Absent):
                    return obj
                obj = getattr(obj, name)
            return obj

        return get


def resolve_path(text: Any, scope: type, where: Sequence[str | int]) -> PathRef:
    """Check a dotted path against the fact model, starting at ``scope`` (or the subject, with ``$.``)."""
    if not isinstance(text, str) or not text:
        raise RuleError(where, Msg("rule.path_type"))
    from_root = text.startswith("$.")
    body = text[2:] if from_root else text
    cls: type = Subject if from_root else scope
    ft = FieldType(None, cls, False)
    steps = body.split(".")
    through: list[str] = []
    for i, step in enumerate(steps):
        if ft.is_list or ft.fact is None:
            raise RuleError(where, Msg("rule.path_no_field_list" if ft.is_list else "rule.path_no_field",
                                       path=text, prefix=".".join(steps[:i]), type=ft.name, field=step))
        fields = fact_fields(ft.fact)
        if step not in fields:
            raise RuleError(where, Msg("rule.path_never", path=text, fact=ft.fact.__name__, field=step,
                                       fields=Listing(sorted(fields))))
        through.append(through_none(f"{ft.fact.__name__}.{step}"))
        ft = fields[step]
    return PathRef(text, tuple(steps), from_root, ft, tuple(through))


# ---------------------------------------------------------------------------------------------------------
# Condition compiler


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


def _if_absent(node: Mapping[str, Any], where: tuple[str | int, ...], text: str) -> Callable[[Absent], Tri]:
    """A condition's answer when its path goes through a join whose target does not exist: ``if_absent``
    (true or false) as the rule author declares, else unknown (not applicable is not a pass)."""
    raw = node.get("if_absent", "unknown")
    if raw is True or raw is False:
        return lambda a: bool(raw)
    if raw != "unknown":
        raise RuleError((*where, "if_absent"), Msg("rule.if_absent"))
    return lambda a: Unknown(Msg("rule.absent_parent", path=text, parent=a.join), text)


def _not(v: Tri) -> Tri:
    return v if isinstance(v, Unknown) else not v


def _compare(op: str, a: float, b: float) -> bool:
    if op == "gt":
        return a > b
    if op == "gte":
        return a >= b
    if op == "lt":
        return a < b
    return a <= b


@dataclass
class Compiler:
    lists: Mapping[str, NamedList]
    #: (evidence key, getter from the subject) collected while compiling, at the top scope only
    evidence: list[tuple[str, Getter]] = dataclasses.field(default_factory=list)

    def condition(self, node: Any, scope: type, where: tuple[str | int, ...], top: bool = True) -> Pred:
        if not isinstance(node, Mapping):
            raise RuleError(where, Msg("rule.cond_shape"))
        keys = {str(k) for k in node} if all(isinstance(k, str) for k in node) else set(map(repr, node))
        if keys & {"all_of", "any_of", "not"}:
            if len(keys) != 1:
                raise RuleError(where, Msg("rule.cond_alone", key=sorted(keys & {"all_of", "any_of", "not"})[0],
                                           found=sorted(keys - {"all_of", "any_of", "not"}) or sorted(keys)))
            (key,) = keys
            if key == "not":
                inner = self.condition(node["not"], scope, (*where, "not"), top)
                return lambda s, e: _not(inner(s, e))
            items = node[key]
            if not isinstance(items, list) or not items:
                raise RuleError((*where, key), Msg("rule.cond_list", key=key))
            parts = [self.condition(c, scope, (*where, key, i), top) for i, c in enumerate(items)]
            return _all_of(parts) if key == "all_of" else _any_of(parts)
        if "path" not in node:
            raise RuleError(where, Msg("rule.cond_keys", keys=sorted(keys)))
        quantifiers = keys & QUANTIFIERS
        if quantifiers:
            return self._quantifier(node, scope, where, top)
        return self._leaf(node, scope, where, top)

    # -- leaves ---------------------------------------------------------------------------------------
    def _leaf(self, node: Mapping[str, Any], scope: type, where: tuple[str | int, ...], top: bool) -> Pred:
        ops = {str(k) for k in node} - {"path", "ignore_case", "if_absent"}
        if "where" in ops:
            raise RuleError((*where, "where"), Msg("rule.where_leaf"))
        unknown_ops = ops - LEAF_OPS
        if unknown_ops:
            raise RuleError(where, Msg("rule.unknown_op", op=sorted(unknown_ops)[0],
                                       ops=Listing(sorted(LEAF_OPS | QUANTIFIERS))))
        if len(ops) != 1:
            raise RuleError(where, Msg("rule.one_op_found", ops=sorted(ops)) if ops else Msg("rule.one_op"))
        (op,) = ops
        path = resolve_path(node["path"], scope, (*where, "path"))
        get = path.getter()
        ignore_case = node.get("ignore_case", False)
        if not isinstance(ignore_case, bool):
            raise RuleError((*where, "ignore_case"), Msg("rule.ignore_case"))
        if top or path.from_root:
            self._add_evidence(path.text, _presence(get) if path.type.fact and not path.type.is_list else get)
        test = self._operator(op, node[op], path, (*where, op), ignore_case)
        use_root = path.from_root
        text = path.text

        if op in ("exists", "unknown"):  # they say themselves what an absent parent is: nothing is there
            if "if_absent" in node:
                raise RuleError((*where, "if_absent"), Msg("rule.if_absent_op", op=op))
            if op == "unknown":
                return lambda s, e: test(get(s if use_root else e), s)

            def exists(s: Any, e: Any) -> Tri:
                v = get(s if use_root else e)
                return v.at(text) if isinstance(v, Unknown) else test(v, s)

            return exists
        if_absent = _if_absent(node, where, text)

        def leaf(s: Any, e: Any) -> Tri:
            v = get(s if use_root else e)
            if isinstance(v, Unknown):
                return v.at(text)
            if v.__class__ is Absent:
                return if_absent(v)
            return test(v, s)

        return leaf

    def _value(self, raw: Any, where: tuple[str | int, ...]) -> Callable[[Any], Any]:
        """A desired value: a literal, ``{ref: path}`` (a fact of the subject) or ``{fmt: "oss-{path}"}``."""
        if isinstance(raw, Mapping):
            if set(raw) == {"ref"}:
                ref = resolve_path(raw["ref"] if str(raw["ref"]).startswith("$.") else f"$.{raw['ref']}", Subject,
                                   (*where, "ref"))
                if ref.type.scalar is None or ref.type.is_list:
                    raise RuleError((*where, "ref"), Msg("rule.ref_single", ref=raw["ref"], type=ref.type.name))
                return ref.getter()
            if set(raw) == {"fmt"}:
                template = compile_template(raw["fmt"], (*where, "fmt"))
                return template.value
            raise RuleError(where, Msg("rule.value_shape"))
        if isinstance(raw, list):
            raise RuleError(where, Msg("rule.value_list"))
        return lambda s: raw

    def _operator(self, op: str, raw: Any, path: PathRef, where: tuple[str | int, ...], ignore_case: bool
                  ) -> Callable[[Any, Any], Tri]:
        ft = path.type

        def fold(v: Any) -> Any:
            return v.lower() if ignore_case and isinstance(v, str) else v

        if op in ("exists", "unknown"):
            if not isinstance(raw, bool):
                raise RuleError(where, Msg("rule.op_bool", op=op))
            if op == "unknown":
                return lambda v, s: isinstance(v, Unknown) == raw
            return lambda v, s: (v is not None and v.__class__ is not Absent) == raw
        if op in ("eq", "ne"):
            if ft.is_list or ft.fact is not None:
                raise RuleError(where, Msg("rule.op_single", op=op, path=path.text, type=ft.name))
            value = self._value(raw, where)
            self._check_literal(raw, ft, path, where)
            negate = op == "ne"
            # the desired value may itself be a fact: it is fetched from the subject at evaluation time
            return _EqTest(value, negate, fold)
        if op in ("in", "not_in"):
            if ft.is_list or ft.fact is not None:
                raise RuleError(where, Msg("rule.op_one_value", op=op, path=path.text, type=ft.name))
            values = self._values(raw, where)
            for v in values:
                self._check_literal(v, ft, path, where)
            folded = frozenset(fold(v) for v in values)
            if op == "in":
                return lambda v, s: fold(v) in folded
            return lambda v, s: fold(v) not in folded
        if op in ("matches", "not_matches"):
            if ft.scalar is not str or ft.is_list:
                raise RuleError(where, Msg("rule.op_string_path", op=op, path=path.text, type=ft.name))
            if not isinstance(raw, str):
                raise RuleError(where, Msg("rule.op_regex_type", op=op))
            try:
                rx = re.compile(raw, re.IGNORECASE if ignore_case else 0)
            except re.error as e:
                raise RuleError(where, Msg("rule.bad_regex", regex=raw, problem=Foreign("regex", str(e)))) from None
            except (OverflowError, RecursionError):  # a{4294967296}; ten thousand nested groups
                raise RuleError(where, Msg("rule.bad_regex", regex=raw[:80], problem=Msg("path.regex_limit"))) \
                    from None
            if op == "matches":
                return lambda v, s: isinstance(v, str) and rx.search(v) is not None
            return lambda v, s: not (isinstance(v, str) and rx.search(v) is not None)
        if op in COMPARE_OPS:
            if ft.scalar is not int or ft.is_list:
                raise RuleError(where, Msg("rule.op_numbers", op=op, path=path.text, type=ft.name))
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise RuleError(where, Msg("rule.op_number", op=op))
            bound = float(raw)
            return lambda v, s: isinstance(v, int) and _compare(op, v, bound)
        if op == "length":
            if not (ft.is_list or ft.scalar is str):
                raise RuleError(where, Msg("rule.op_length", path=path.text, type=ft.name))
            check = self._count_test(raw, where)
            return lambda v, s: v is not None and check(len(v), len(v))
        if op == "contains":
            if not ft.is_list or ft.scalar is None:
                raise RuleError(where, Msg("rule.op_contains", path=path.text, type=ft.name))
            value = self._value(raw, where)
            return lambda v, s: v is not None and fold(value(s)) in (fold(x) for x in v)
        raise AssertionError(op)  # pragma: no cover - LEAF_OPS is checked before

    def _values(self, raw: Any, where: tuple[str | int, ...]) -> tuple[Any, ...]:
        if isinstance(raw, Mapping) and set(raw) == {"list"}:
            name = raw["list"]
            if not isinstance(name, str) or name not in self.lists:
                raise RuleError((*where, "list"), Msg("rule.no_list", name=name, lists=Listing(sorted(self.lists))))
            return self.lists[name].values
        if not isinstance(raw, list) or not raw:
            raise RuleError(where, Msg("rule.values_shape"))
        if any(isinstance(v, Mapping | list) for v in raw):
            raise RuleError(where, Msg("rule.values_plain"))
        return tuple(raw)

    @staticmethod
    def _check_literal(raw: Any, ft: FieldType, path: PathRef, where: tuple[str | int, ...]) -> None:
        if raw is None or isinstance(raw, Mapping):
            return
        expected = ft.scalar
        ok = (isinstance(raw, bool) if expected is bool
              else isinstance(raw, int) and not isinstance(raw, bool) if expected is int
              else isinstance(raw, str))
        if not ok:
            raise RuleError(where, Msg("rule.never_equal", value=raw, path=path.text, type=ft.name))

    def _count_test(self, raw: Any, where: tuple[str | int, ...]) -> Callable[[int, int], Tri]:
        """A numeric test on a count known to lie in [low, high]: unknown when the range straddles it."""
        if not isinstance(raw, Mapping) or len(raw) != 1:
            raise RuleError(where, Msg("rule.count_shape"))
        ((op, bound),) = raw.items()
        if op not in (*COMPARE_OPS, "eq", "ne"):
            raise RuleError(where, Msg("rule.count_op", op=op))
        if isinstance(bound, bool) or not isinstance(bound, int):
            raise RuleError((*where, op), Msg("rule.count_int"))

        def holds(n: int) -> bool:
            if op == "eq":
                return n == bound
            if op == "ne":
                return n != bound
            return _compare(op, n, bound)

        def test(low: int, high: int) -> Tri:
            a, b = holds(low), holds(high)
            if a == b and (low == high or all(holds(n) == a for n in range(low, high + 1))):
                return a
            return Unknown(COUNT_UNKNOWN)

        return test

    # -- quantifiers ----------------------------------------------------------------------------------
    def _quantifier(self, node: Mapping[str, Any], scope: type, where: tuple[str | int, ...], top: bool) -> Pred:
        keys = {str(k) for k in node}
        quantifiers = keys & QUANTIFIERS
        extra = keys - QUANTIFIERS - {"path", "where", "if_absent"}
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
        get = path.getter()
        use_root = path.from_root
        text = path.text
        filt = self.condition(node["where"], element, (*where, "where"), top=False) if "where" in node else None
        if top or use_root:
            self._add_quantified_evidence(path, node, element)
        if_absent = _if_absent(node, where, text)

        def items(s: Any, e: Any) -> list[Any] | Tri | None:
            """The list, or the node's answer when there is none to look at (unknown, or an absent parent)."""
            v = get(s if use_root else e)
            if v.__class__ is Absent:
                return if_absent(v)
            return v.at(text) if isinstance(v, Unknown) else v

        if q == "count":
            count = self._count_test(node["count"], (*where, "count"))

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

        body = self.condition(node[q], element, (*where, q), top=False)
        if q == "all":

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

        return some if q == "any" else no

    # -- evidence -------------------------------------------------------------------------------------
    def _add_evidence(self, key: str, get: Getter | None) -> None:
        if get is None or any(k == key.removeprefix("$.") for k, _ in self.evidence):
            return
        self.evidence.append((key.removeprefix("$."), get))

    def _add_quantified_evidence(self, path: PathRef, node: Mapping[str, Any], element: type) -> None:
        inner: list[str] = []
        for sub in _leaf_paths(node.get("where")) + _leaf_paths(node.get("all", node.get("any", node.get("none")))):
            if sub not in inner and not sub.startswith("$."):
                inner.append(sub)
        get_list = path.getter()
        if not inner:
            inner = [name for name, ft in fact_fields(element).items() if ft.scalar is not None and not ft.is_list]
        for sub in inner:
            try:
                get_item = resolve_path(sub, element, ()).getter()
            except RuleError:
                continue
            self._add_evidence(f"{path.text.removeprefix('$.')}[*].{sub}", _project(get_list, get_item))


#: an evidence value left out of the report (a whole fact that is present: its fields speak for it)
OMIT = object()


def _presence(get: Getter) -> Getter:
    """Evidence for a whole fact (``image``): shown when absent or unknown, omitted when present."""

    def presence(s: Any) -> Any:
        v = get(s)
        return v if v is None or isinstance(v, Unknown | Absent) else OMIT

    return presence


def _project(get_list: Getter, get_item: Getter) -> Getter:
    def project(s: Any) -> Any:
        xs = get_list(s)
        if xs is None or isinstance(xs, Unknown | Absent):
            return xs
        return [get_item(x) for x in xs]

    return project


def _leaf_paths(node: Any) -> list[str]:
    """Paths of the leaves directly under a condition (not inside nested quantifiers)."""
    if not isinstance(node, Mapping):
        return []
    if "path" in node and not (set(node) & QUANTIFIERS):
        return [str(node["path"])]
    out: list[str] = []
    for key in ("all_of", "any_of"):
        for c in node.get(key, []) if isinstance(node.get(key), list) else []:
            out += _leaf_paths(c)
    if "not" in node:
        out += _leaf_paths(node["not"])
    return out


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


# ---------------------------------------------------------------------------------------------------------
# Message templates: "text {path} text", paths checked at load time


@dataclass(frozen=True)
class Placeholder:
    """A ``{path|filter|…}`` in a text: the fact to show and how (see :data:`FILTERS`)."""

    getter: Getter
    #: ``|sh``: quoted as one shell word (``shlex.quote``), for a value pasted into a command
    shell: bool = False
    #: ``|lines``: a value that is several lines by design (a generated Terraform or ROS snippet) keeps its
    #: line breaks; every other value shows its line breaks and control characters escaped
    lines: bool = False

    def render(self, subject: Any, lang: str) -> str:
        text = format_value(self.getter(subject), lang)
        if self.shell:
            text = shlex.quote(text)
        # a value can never add a line (a CI command, a fake heading) or a terminal sequence to a report
        return controls_but_breaks(text) if self.lines else controls(text)


#: the filters a placeholder may name after its path (``{role.RoleName|sh}``); any other name is a rule error
FILTERS = ("count", "sh", "lines")


@dataclass(frozen=True)
class Template:
    source: str
    parts: tuple[str | Placeholder, ...]

    def render(self, subject: Any, lang: str = "en") -> str:
        pieces = [p if isinstance(p, str) else p.render(subject, lang) for p in self.parts]
        text = "".join(pieces)
        if "`" not in text:
            return text
        # a value with a backtick: the text remembers where it is, so that Markdown keeps it inside the
        # rule's code span (the text itself is the same string)
        values: list[tuple[int, int]] = []
        pos = 0
        for part, piece in zip(self.parts, pieces, strict=True):
            if not isinstance(part, str) and "`" in piece:
                values.append((pos, pos + len(piece)))
            pos += len(piece)
        return ValuedText(text, tuple(values)) if values else text

    def value(self, subject: Any) -> Any:
        """The text as a desired value (``{fmt: ...}``): the facts as they are (no quoting, no escaping)."""
        out: list[str] = []
        for p in self.parts:
            if isinstance(p, str):
                out.append(p)
                continue
            v = p.getter(subject)
            if isinstance(v, Unknown | Absent) or v is None:
                return v
            out.append(format_value(v))
        return "".join(out)


#: how a placeholder shows a fact that is unknown or empty, in the language of the text holding it
_UNKNOWN_WORD = {"en": "unknown", "zh": "未知"}
_NONE_WORD = {"en": "none", "zh": "无"}


def format_value(v: Any, lang: str = "en") -> str:
    if isinstance(v, Unknown):
        return _UNKNOWN_WORD.get(lang, "unknown")
    if v is None or v.__class__ is Absent:
        return _NONE_WORD.get(lang, "none")
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        if not v:
            return _NONE_WORD.get(lang, "none")
        return ("、" if lang == "zh" else ", ").join(format_value(x, lang) for x in v)
    return str(in_language(v, lang))


def compile_template(text: Any, where: tuple[str | int, ...]) -> Template:
    if not isinstance(text, str):
        raise RuleError(where, Msg("rule.text_type"))
    parts: list[str | Placeholder] = []
    pos = 0
    source = text.replace("{{", "\0").replace("}}", "\1")
    for m in PLACEHOLDER.finditer(source):
        parts.append(source[pos : m.start()])
        parts.append(_placeholder(m.group(0)[1:-1].strip(), where))
        pos = m.end()
    parts.append(source[pos:])
    if any(isinstance(p, str) and ("{" in p or "}" in p) for p in parts):
        raise RuleError(where, Msg("rule.unbalanced"))
    restored = tuple(p.replace("\0", "{").replace("\1", "}") if isinstance(p, str) else p for p in parts if p != "")
    return Template(text, restored)


def placeholder_path(expr: str) -> str:
    """The path a placeholder reads, without its filters."""
    return expr.split("|", 1)[0].strip()


def _placeholder(expr: str, where: tuple[str | int, ...]) -> Placeholder:
    path, *filters = (part.strip() for part in expr.split("|"))
    for name in filters:
        if name not in FILTERS:
            raise RuleError(where, Msg("rule.unknown_filter", filter=name, expr=expr, allowed=", ".join(FILTERS)))
    counting = "count" in filters
    expr = path
    if "[*]." in expr:
        list_text, item_text = expr.split("[*].", 1)
        lst = resolve_path(f"$.{list_text}", Subject, where)
        if not lst.type.is_list or lst.type.fact is None:
            raise RuleError(where, Msg("rule.placeholder_list", list=list_text, expr=expr))
        getter = _project(lst.getter(), resolve_path(item_text, lst.type.fact, where).getter())
    else:
        ref = resolve_path(f"$.{expr}", Subject, where)
        getter = ref.getter()
        if counting and not ref.type.is_list:
            raise RuleError(where, Msg("rule.count_needs_list", expr=expr, type=ref.type.name))
    if counting:
        inner = getter
        getter = lambda s: (lambda v: v if v is None or isinstance(v, Unknown | Absent) else len(v))(inner(s))  # noqa: E731
    return Placeholder(getter, shell="sh" in filters, lines="lines" in filters)


# ---------------------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class BiTemplate:
    en: Template
    zh: Template

    def render(self, subject: Any, lang: str) -> str:
        return (self.zh if lang == "zh" else self.en).render(subject, lang)


@dataclass(frozen=True)
class Rule:
    id: str
    title: Text
    description: Text | None
    severity: Severity
    category: Category
    prevents: tuple[str, ...]
    references: tuple[str, ...]
    message: BiTemplate
    remediation: BiTemplate
    locate: str
    when: Pred | None
    check: Pred
    evidence: tuple[tuple[str, Getter], ...]
    source: str  # file:line of the rule
    document: Mapping[str, Any] = dataclasses.field(compare=False, repr=False)
    #: every fact of the subject the outcome can depend on: ("image",) or ("request", "RegionId"), …
    depends_on: tuple[tuple[str, ...], ...] = ()
    #: the facts the status alone depends on (``when`` and ``assert``; not the texts)
    condition_depends_on: tuple[tuple[str, ...], ...] = ()
    #: the fact of the ``locate`` entity the rule asserts on (its attribute is where the user fixes it)
    locate_field: str | None = None
    #: facts shown on a pass when they hold (``pass_evidence``): why the finding does not apply
    pass_evidence: tuple[tuple[str, Getter], ...] = ()


def _text(node: Any, where: tuple[str | int, ...]) -> Text:
    if isinstance(node, Mapping) and set(node) == {"en", "zh"} and all(isinstance(v, str) and v.strip()
                                                                        for v in node.values()):
        return Text(en=node["en"], zh=node["zh"])
    raise RuleError(where, Msg("rule.bitext"))


def _bitemplate(node: Any, where: tuple[str | int, ...]) -> BiTemplate:
    text = _text(node, where)
    return BiTemplate(compile_template(text.en, (*where, "en")), compile_template(text.zh, (*where, "zh")))


def _first_segment(node: Any) -> str | None:
    paths = _leaf_paths(node)
    if not paths and isinstance(node, Mapping) and "path" in node:
        paths = [str(node["path"])]
    for p in paths:
        return p.removeprefix("$.").split(".", 1)[0]
    return None


def compile_rule(doc: Any, lists: Mapping[str, NamedList], source: str) -> Rule:
    if not isinstance(doc, Mapping):
        raise RuleError((), Msg("rule.doc_shape"))
    unknown_keys = sorted(map(str, set(doc) - RULE_KEYS))
    if unknown_keys:
        allowed = Listing(sorted(RULE_KEYS))
        raise RuleError((unknown_keys[0],), Msg("err_unknown_key", key=unknown_keys[0], allowed=allowed))
    for key in ("id", "title", "severity", "category", "assert", "message", "remediation"):
        if key not in doc:
            raise RuleError((), Msg("err_required", key=key))
    rule_id = doc["id"]
    if not isinstance(rule_id, str) or not ID_PATTERN.fullmatch(rule_id):
        raise RuleError(("id",), Msg("rule.id"))
    try:
        severity = Severity(doc["severity"])
    except ValueError:
        raise RuleError(("severity",), Msg("rule.severity")) from None
    try:
        category = Category(doc["category"])
    except ValueError:
        raise RuleError(("category",), Msg("rule.category")) from None
    prevents = doc.get("prevents", [])
    if (not isinstance(prevents, list) or not all(isinstance(p, str) and CODE_PATTERN.fullmatch(p) for p in prevents)
            or len(set(prevents)) != len(prevents)):
        raise RuleError(("prevents",), Msg("rule.prevents"))
    references = doc.get("references", [])
    if not isinstance(references, list) or not all(
            isinstance(r, str) and re.fullmatch(r"https?://\S+", r) for r in references):
        raise RuleError(("references",), Msg("rule.references"))
    evidence = doc.get("evidence", [])
    if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
        raise RuleError(("evidence",), Msg("rule.evidence"))
    compiler = Compiler(lists)
    when = compiler.condition(doc["when"], Subject, ("when",)) if "when" in doc else None
    check = compiler.condition(doc["assert"], Subject, ("assert",))
    for i, extra in enumerate(evidence):
        ref = resolve_path(f"$.{extra}", Subject, ("evidence", i))
        compiler._add_evidence(ref.text, ref.getter())
    pass_evidence = doc.get("pass_evidence", [])
    if not isinstance(pass_evidence, list) or not all(isinstance(e, str) for e in pass_evidence):
        raise RuleError(("pass_evidence",), Msg("rule.evidence"))
    shown_on_pass = tuple((p, resolve_path(f"$.{p}", Subject, ("pass_evidence", i)).getter())
                          for i, p in enumerate(pass_evidence))
    asserted = _first_segment(doc["assert"])
    locate = doc.get("locate", asserted if asserted in LOCATABLE else "request")
    if not isinstance(locate, str) or locate not in LOCATABLE:
        raise RuleError(("locate",), Msg("rule.locate", facts=Listing(LOCATABLE)))
    return Rule(
        id=rule_id,
        title=_text(doc["title"], ("title",)),
        description=_text(doc["description"], ("description",)) if "description" in doc else None,
        severity=severity,
        category=category,
        prevents=tuple(prevents),
        references=tuple(references),
        message=_bitemplate(doc["message"], ("message",)),
        remediation=_bitemplate(doc["remediation"], ("remediation",)),
        locate=locate,
        when=when,
        check=check,
        evidence=tuple(compiler.evidence),
        source=source,
        document=doc,
        depends_on=dependencies(doc),
        condition_depends_on=dependencies(doc, texts=False),
        locate_field=_locate_field(doc["assert"], locate),
        pass_evidence=shown_on_pass,
    )


def _locate_field(node: Any, locate: str) -> str | None:
    for p in _leaf_paths(node) or ([str(node["path"])] if isinstance(node, Mapping) and "path" in node else []):
        steps = p.removeprefix("$.").split(".")
        if steps[0] == locate and len(steps) > 1:
            return steps[1]
    return None


def dependencies(doc: Mapping[str, Any], *, texts: bool = True) -> tuple[tuple[str, ...], ...]:
    """The subject's facts a rule reads (conditions, values, texts, evidence): its outcome is a function of
    these alone, which lets the engine evaluate a rule once per distinct combination (exports share images,
    buckets and roles). Request fields count one by one; every other fact by its top-level entity."""
    found: set[tuple[str, ...]] = set()

    def add(path: str) -> None:
        steps = path.removeprefix("$.").split(".")
        found.add(tuple(steps[:2]) if steps[0] == "request" else (steps[0],))

    def walk(node: Any, top: bool) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key == "path" and isinstance(value, str) and (top or value.startswith("$.")):
                    add(value)
                elif key == "ref" and isinstance(value, str):
                    add(value if value.startswith("$.") else f"$.{value}")
                elif key == "fmt" and isinstance(value, str):
                    for m in PLACEHOLDER.finditer(value):
                        add(placeholder_path(m.group(1)).split("[*]")[0].strip())
                else:
                    walk(value, top and key not in QUANTIFIERS | {"where"})
        elif isinstance(node, list):
            for item in node:
                walk(item, top)

    walk({k: doc[k] for k in ("when", "assert") if k in doc}, True)
    if not texts:
        return tuple(sorted(found))
    for key in ("message", "remediation"):
        for text in doc[key].values():
            for m in PLACEHOLDER.finditer(text.replace("{{", "").replace("}}", "")):
                add(placeholder_path(m.group(1)).split("[*]")[0].strip())
    for path in [*(doc.get("evidence", []) or []), *(doc.get("pass_evidence", []) or [])]:
        add(path)
    return tuple(sorted(found))


def _schema_problems(doc: Any, display: str, lines: Any) -> list[tuple[str | None, Msg]]:
    from preflight.schemas import pointer, problems

    try:
        found = problems("rule", doc)
    except RecursionError:  # jsonschema recurses once per level of a condition
        return [(f"{display}:1", Msg("rule.schema_deep"))]
    return [(f"{display}:{lines.line(path)}", Msg("rule.schema_at", pointer=pointer(path), problem=message))
            for path, message in found]


def load_rule_file(path: Path, lists: Mapping[str, NamedList], *, validate_schema: bool,
                   parsed: Any = None) -> Rule:
    """Load, validate and compile one rule file.

    User rules (``validate_schema``) are parsed with line tracking, checked for duplicate keys, compiled and
    then validated against the schema. The bundled pack, which the test-suite validates, takes the fast path: its parsed
    documents come from the cache (``parsed``) or a plain safe load; only if compiling fails is the file
    parsed again with lines, to report where.
    """
    display = display_path(path)
    if not validate_schema and parsed is not None:
        try:
            return compile_rule(parsed, lists, display)
        except RuleError:
            pass  # reparse below, with lines, to say where
    from preflight import yamlpos

    if not validate_schema and parsed is None:
        try:
            return compile_rule(yamlpos.load_fast(read_text(path), display), lists, display)
        except RuleError:
            pass
    doc, lines = yamlpos.load(read_text(path), display)
    try:
        rule = compile_rule(doc, lists, f"{display}:{lines.line(())}")
    except RuleError as e:
        # the compiler's message says what is wrong in the rule's own terms ("unknown operator 'equals'"),
        # where the schema's oneOf over condition shapes could only say "not valid under any of the schemas"
        raise PreflightError(e.message, f"{display}:{lines.line(e.where)}") from None
    if validate_schema:  # and whatever the compiler let pass, the schema names, every problem at once
        problems = _schema_problems(doc, display, lines)
        if problems:
            raise PreflightError.many(problems)
    return rule


# ---------------------------------------------------------------------------------------------------------
# A cache of the bundled pack's parsed documents


def _cache_file() -> Path | None:
    if os.environ.get("PREFLIGHT_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "preflight" / f"rules-{__version__}.json"


def _bundled_documents(directory: Path) -> dict[str, Any] | None:
    """The bundled rule and list files, parsed, from a JSON cache keyed by every file's name, size and mtime.

    Importing PyYAML and parsing ~30 files is a third of a small check's start-up; a JSON cache reads in
    under a millisecond. A missing, stale or unreadable cache is simply rebuilt (or skipped if the cache
    directory is not writable); the YAML files stay the only source of truth.
    """
    files = sorted([*directory.glob("*.y*ml"), *(directory / "lists").glob("*.yaml")])
    names = [p.relative_to(directory).as_posix() for p in files]
    stats = [p.stat() for p in files]
    key: list[list[str | int]] = [[n, st.st_size, st.st_mtime_ns] for n, st in zip(names, stats, strict=True)]
    cache = _cache_file()
    if cache is not None:
        try:
            cached = json.loads(cache.read_text(encoding="utf-8"))
            if isinstance(cached, dict) and cached.get("key") == key:
                docs: dict[str, Any] = cached["documents"]
                return docs
        except (OSError, ValueError, AttributeError):
            pass
    from preflight import yamlpos

    try:
        documents = {name: yamlpos.load_fast(read_text(directory / name), name) for name in names}
    except PreflightError:
        return None  # a broken bundled file: the slow path reports it with its line
    if cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"key": key, "documents": documents}), encoding="utf-8")
            tmp.replace(cache)
        except (OSError, TypeError, ValueError):
            pass  # not cacheable (read-only home, YAML values JSON cannot hold): parse every time
    return documents


def _rule_files(directory: Path) -> list[Path]:
    """The rule files of a directory; a path the OS cannot look at (a symlink loop, a name too long) is an
    error naming it, as is a rule file in the directory that cannot be looked at."""
    if path_kind(directory) != "dir":
        raise PreflightError(Msg("rule.no_dir"), display_path(directory))
    files = [directory / n for n in list_dir(directory) if Path(n).suffix in (".yaml", ".yml")]
    return [p for p in files if path_kind(p) == "file"]


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    lists: Mapping[str, NamedList]

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def load_rules(extra_dirs: Sequence[Path] = (), *, validate_bundled: bool = False) -> RuleSet:
    """The bundled rule pack plus rules from ``extra_dirs``.

    User rules are always validated against ``schemas/rule.schema.json``; the bundled pack is validated by
    the test-suite (so start-up does not pay for importing jsonschema) and compiled, with every check the
    compiler makes, on every run.
    """
    bundled = rules_dir()
    cached = None if validate_bundled else _bundled_documents(bundled)
    lists = load_lists(bundled / "lists", {k.split("/", 1)[1]: v for k, v in (cached or {}).items()
                                           if k.startswith("lists/")})
    extra_files = [_rule_files(d) for d in extra_dirs]  # each directory checked before its lists/ is
    for d in extra_dirs:
        if path_kind(d / "lists") == "dir":
            for name, lst in load_lists(d / "lists").items():
                if name in lists:
                    raise PreflightError(Msg("rule.list_redefined", name=name),
                                         display_path(d / "lists" / f"{name}.yaml"))
                lists = {**lists, name: lst}
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    sources = [(p, validate_bundled, (cached or {}).get(p.name)) for p in _rule_files(bundled)]
    sources += [(p, True, None) for files in extra_files for p in files]
    for path, validate, parsed in sources:
        rule = load_rule_file(path, lists, validate_schema=validate, parsed=parsed)
        if rule.id in seen:
            raise PreflightError(Msg("rule.duplicate_id", rule=rule.id, first=seen[rule.id]), rule.source)
        seen[rule.id] = rule.source
        rules.append(rule)
    return RuleSet(tuple(sorted(rules, key=lambda r: r.id)), lists)
