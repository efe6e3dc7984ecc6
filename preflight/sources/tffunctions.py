"""Terraform's built-in functions that modules use to build names, counts and documents, on known values.

Each function takes its arguments already evaluated and known (plain ``str``/``int``/``float``/``bool``/``None``/
``list``/``dict``; a set is a sorted list) and returns the value Terraform would. Where Terraform raises an
error, :class:`CallError` (``try`` and ``can`` see it as one); where this module does not decide what
Terraform would give (a regular expression in ``replace``, a ``format`` verb with a width), :class:`NotStatic`
(the value is unknown, never guessed). The evaluator (``terraform.Module``) handles unknown arguments and the
lazy functions (``try``, ``can``, ``coalesce``) itself; ``size_cap`` bounds what one call may build (``replace``
and ``range`` could build far more than their arguments hold), and every result is measured against the caps
again by the evaluator.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import Any

from preflight.errors import Msg


class CallError(Exception):
    """Terraform would stop with an error here (``try`` moves on to its next argument)."""

    def __init__(self, msg: Msg) -> None:
        super().__init__(str(msg))
        self.msg = msg


class NotStatic(Exception):
    """What Terraform gives here is not worked out statically: the value is unknown."""

    def __init__(self, msg: Msg) -> None:
        super().__init__(str(msg))
        self.msg = msg


Function = Callable[[Sequence[Any], int], Any]


def _fail(name: str, why: str, **values: Any) -> CallError:
    """Terraform's error for ``name``; ``why`` names the catalogue key ``iac.why_<why>``."""
    return CallError(Msg("iac.call_error", name=name, what=Msg(f"iac.why_{why}", **values)))


def is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def number_text(v: int | float) -> str:
    """A number as Terraform writes it in a string (``2`` for 2.0, no exponent for ordinary values)."""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v) if isinstance(v, float) else str(v)


def same(a: Any, b: Any) -> bool:
    """Terraform's ``==``: numbers by value, everything else by type and value."""
    if is_number(a) and is_number(b):
        return bool(a == b)
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def to_string(v: Any, name: str = "tostring") -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if is_number(v):
        return number_text(v)
    raise _fail(name, "string")


#: the longest text converted to a number (Python refuses to convert more than 4,300 digits)
_MAX_NUMBER_TEXT = 400


def to_number(v: Any, name: str = "tonumber") -> int | float:
    if is_number(v):
        return int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 1e15 else v
    if isinstance(v, str) and len(v) <= _MAX_NUMBER_TEXT and v.isascii():
        text = v.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            f = float(text)
        except ValueError:
            f = math.nan
        if math.isfinite(f) and not text.lower().lstrip("+-").startswith(("inf", "nan")):
            return to_number(f)
    raise _fail(name, "number")


def to_bool(v: Any, name: str = "tobool") -> bool:
    if isinstance(v, bool):
        return v
    if v in ("true", "false"):
        return bool(v == "true")
    raise _fail(name, "bool")


def _list(v: Any, name: str) -> list[Any]:
    if isinstance(v, list):
        return v
    raise _fail(name, "list")


def _map(v: Any, name: str) -> dict[str, Any]:
    if isinstance(v, dict):
        return v
    raise _fail(name, "map")


def _int(v: Any, name: str) -> int:
    n = to_number(v, name)
    if isinstance(n, float):
        raise _fail(name, "whole")
    return n


def _arity(name: str, args: Sequence[Any], low: int, high: int | None = None) -> None:
    if len(args) < low or (high is not None and len(args) > high):
        raise _fail(name, "arity")


def as_set(items: list[Any], name: str = "toset") -> list[Any]:
    """A set as this module keeps it: without duplicates, sorted (Terraform's order for strings and numbers;
    a set of bools or of mixed primitives is converted to strings, as Terraform unifies its element type)."""
    if all(isinstance(x, str) for x in items):
        return sorted(set(items))
    if all(is_number(x) for x in items):
        return sorted(set(items))
    if all(isinstance(x, str | int | float | bool) for x in items):
        return sorted({to_string(x) for x in items})
    raise NotStatic(Msg("iac.function_not_static", name=name))


def _distinct(items: Sequence[Any]) -> list[Any]:
    out: list[Any] = []
    seen: set[str] = set()
    for x in items:
        key = json.dumps(x, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(x)
    return out


# -- format ------------------------------------------------------------------------------------------------


def _format(args: Sequence[Any], cap: int) -> str:
    _arity("format", args, 1)
    fmt = to_string(args[0], "format")
    out: list[str] = []
    pos, used = 0, 0
    while pos < len(fmt):
        i = fmt.find("%", pos)
        if i < 0:
            out.append(fmt[pos:])
            break
        out.append(fmt[pos:i])
        j = i + 1
        flags = ""
        while j < len(fmt) and fmt[j] in "-0" and len(flags) < 2:
            flags += fmt[j]
            j += 1
        width_end = j
        while width_end < len(fmt) and width_end - j < 2 and fmt[width_end].isascii() and fmt[width_end].isdigit():
            width_end += 1
        width = int(fmt[j:width_end]) if width_end > j else 0
        verb = fmt[width_end:width_end + 1]
        pos = width_end + 1
        if verb == "%" and width_end == i + 1:
            out.append("%")
            continue
        # a width (at most 99) and the flags "-" and "0" on %d, %s and %v; anything else is not worked out here
        if verb not in ("s", "d", "v", "q", "t") or (width_end > i + 1 and verb not in ("d", "s", "v")):
            raise NotStatic(Msg("iac.format_verb", verb=fmt[i:i + 4]))
        if used >= len(args) - 1:
            raise _fail("format", "format_few")
        v = args[1 + used]
        used += 1
        if verb == "d":
            n = to_number(v, "format")
            if isinstance(n, float):
                raise _fail("format", "format_d")
            align = "<" if "-" in flags else ""
            zero = "0" if "0" in flags and "-" not in flags else ""
            out.append(format(n, f"{align}{zero}{width}d" if width else "d"))
        elif verb == "t":
            out.append("true" if to_bool(v, "format") else "false")
        elif verb == "q":
            out.append(json.dumps(to_string(v, "format"), ensure_ascii=False))
        elif v is None:
            raise _fail("format", "null")
        elif isinstance(v, list | dict):
            if verb == "s":
                raise _fail("format", "string")
            raise NotStatic(Msg("iac.format_verb", verb="%v"))
        else:
            text = to_string(v, "format")
            out.append(text.ljust(width) if "-" in flags else text.rjust(width))
    if used < len(args) - 1:
        raise _fail("format", "format_many")
    return "".join(out)


# -- strings -----------------------------------------------------------------------------------------------


def _replace(args: Sequence[Any], cap: int) -> str:
    _arity("replace", args, 3, 3)
    s, sub, rep = (to_string(a, "replace") for a in args)
    if len(sub) > 1 and sub.startswith("/") and sub.endswith("/"):
        raise NotStatic(Msg("iac.function_regex", name="replace"))  # a regular expression: not run on input
    count = len(s) + 1 if sub == "" else s.count(sub)
    if len(s) + count * max(0, len(rep) - len(sub)) > cap:
        raise NotStatic(Msg("iac.cap_value_size", cap=cap))
    return s.replace(sub, rep)


def _substr(args: Sequence[Any], cap: int) -> str:
    _arity("substr", args, 3, 3)
    s = to_string(args[0], "substr")
    offset, length = _int(args[1], "substr"), _int(args[2], "substr")
    if offset < 0:
        offset = max(0, len(s) + offset)
    if offset > len(s):
        raise _fail("substr", "offset")
    return s[offset:] if length < 0 else s[offset:offset + length]


def _split(args: Sequence[Any], cap: int) -> list[str]:
    _arity("split", args, 2, 2)
    sep, s = to_string(args[0], "split"), to_string(args[1], "split")
    if s == "":
        return [""]  # Terraform: split of an empty string is a list of one empty string
    return list(s) if sep == "" else s.split(sep)


def _join(args: Sequence[Any], cap: int) -> str:
    _arity("join", args, 2)
    sep = to_string(args[0], "join")
    items: list[str] = []
    for lst in args[1:]:
        for x in _list(lst, "join"):
            if x is None:
                raise _fail("join", "null_element")
            items.append(to_string(x, "join"))
    return sep.join(items)


def _trim(args: Sequence[Any], cap: int) -> str:
    _arity("trim", args, 2, 2)
    return to_string(args[0], "trim").strip(to_string(args[1], "trim"))


def _unary_str(name: str, fn: Callable[[str], Any]) -> Function:
    def call(args: Sequence[Any], cap: int) -> Any:
        _arity(name, args, 1, 1)
        return fn(to_string(args[0], name))
    return call


def _binary_str(name: str, fn: Callable[[str, str], Any]) -> Function:
    def call(args: Sequence[Any], cap: int) -> Any:
        _arity(name, args, 2, 2)
        return fn(to_string(args[0], name), to_string(args[1], name))
    return call


# -- collections -------------------------------------------------------------------------------------------


def _length(args: Sequence[Any], cap: int) -> int:
    _arity("length", args, 1, 1)
    v = args[0]
    if isinstance(v, list | dict | str):
        return len(v)
    raise _fail("length", "collection_or_string")


def _concat(args: Sequence[Any], cap: int) -> list[Any]:
    out: list[Any] = []
    for lst in args:
        out += _list(lst, "concat")
    return out


def _merge(args: Sequence[Any], cap: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in args:
        if m is not None:
            out.update(_map(m, "merge"))
    return out


def _lookup(args: Sequence[Any], cap: int) -> Any:
    _arity("lookup", args, 2, 3)
    m, key = _map(args[0], "lookup"), to_string(args[1], "lookup")
    if key in m:
        return m[key]
    if len(args) == 3:
        return args[2]
    raise _fail("lookup", "no_key", key=key[:80])


def _element(args: Sequence[Any], cap: int) -> Any:
    _arity("element", args, 2, 2)
    lst, i = _list(args[0], "element"), _int(args[1], "element")
    if not lst:
        raise _fail("element", "empty")
    if i < 0:
        raise _fail("element", "negative")
    return lst[i % len(lst)]


def _contains(args: Sequence[Any], cap: int) -> bool:
    _arity("contains", args, 2, 2)
    lst = _list(args[0], "contains")
    return any(same(x, args[1]) for x in lst)


def _index(args: Sequence[Any], cap: int) -> int:
    _arity("index", args, 2, 2)
    for i, x in enumerate(_list(args[0], "index")):
        if same(x, args[1]):
            return i
    raise _fail("index", "not_in_list")


def _keys(args: Sequence[Any], cap: int) -> list[str]:
    _arity("keys", args, 1, 1)
    return sorted(_map(args[0], "keys"))


def _values(args: Sequence[Any], cap: int) -> list[Any]:
    _arity("values", args, 1, 1)
    m = _map(args[0], "values")
    return [m[k] for k in sorted(m)]


def _flatten(args: Sequence[Any], cap: int) -> list[Any]:
    _arity("flatten", args, 1, 1)
    out: list[Any] = []

    def walk(items: list[Any]) -> None:
        for x in items:
            if isinstance(x, list):
                walk(x)
            else:
                out.append(x)
    walk(_list(args[0], "flatten"))
    return out


def _compact(args: Sequence[Any], cap: int) -> list[Any]:
    _arity("compact", args, 1, 1)
    return [to_string(x, "compact") for x in _list(args[0], "compact") if x is not None and x != ""]


def _slice(args: Sequence[Any], cap: int) -> list[Any]:
    _arity("slice", args, 3, 3)
    lst = _list(args[0], "slice")
    start, end = _int(args[1], "slice"), _int(args[2], "slice")
    if not 0 <= start <= end <= len(lst):
        raise _fail("slice", "index_range")
    return lst[start:end]


def _range(args: Sequence[Any], cap: int) -> list[Any]:
    _arity("range", args, 1, 3)
    nums = [to_number(a, "range") for a in args]
    start, limit, step = (0, nums[0], 1) if len(nums) == 1 else (nums[0], nums[1], nums[2] if len(nums) == 3 else 1)
    if step == 0:
        raise _fail("range", "step_zero")
    if len(nums) < 3 and limit < start:
        step = -1
    count = max(0, math.ceil((limit - start) / step))
    if count > min(cap, 1024):  # Terraform itself refuses more than 1,024 elements
        raise _fail("range", "range_size")
    return [to_number(start + i * step) for i in range(count)]


def _zipmap(args: Sequence[Any], cap: int) -> dict[str, Any]:
    _arity("zipmap", args, 2, 2)
    keys, values = _list(args[0], "zipmap"), _list(args[1], "zipmap")
    if len(keys) != len(values):
        raise _fail("zipmap", "lengths")
    return {to_string(k, "zipmap"): v for k, v in zip(keys, values, strict=True)}


def _one(args: Sequence[Any], cap: int) -> Any:
    _arity("one", args, 1, 1)
    lst = _list(args[0], "one")
    if len(lst) > 1:
        raise _fail("one", "more_than_one")
    return lst[0] if lst else None


def _sort(args: Sequence[Any], cap: int) -> list[str]:
    _arity("sort", args, 1, 1)
    return sorted(to_string(x, "sort") for x in _list(args[0], "sort"))


def _minmax(name: str, fn: Callable[[list[Any]], Any]) -> Function:
    def call(args: Sequence[Any], cap: int) -> Any:
        if not args:
            raise _fail(name, "no_args")
        return fn([to_number(a, name) for a in args])
    return call


def _sum(args: Sequence[Any], cap: int) -> Any:
    _arity("sum", args, 1, 1)
    lst = _list(args[0], "sum")
    if not lst:
        raise _fail("sum", "empty")
    return to_number(sum(to_number(x, "sum") for x in lst))


def _all_any(name: str, fn: Callable[[list[bool]], bool]) -> Function:
    def call(args: Sequence[Any], cap: int) -> bool:
        _arity(name, args, 1, 1)
        return fn([to_bool(x, name) for x in _list(args[0], name)])
    return call


def _one_arg(name: str, fn: Callable[[Any], Any]) -> Function:
    def call(args: Sequence[Any], cap: int) -> Any:
        _arity(name, args, 1, 1)
        return fn(args[0])
    return call


def _tostring(v: Any) -> Any:
    return None if v is None else to_string(v)


def _tonumber(v: Any) -> Any:
    return None if v is None else to_number(v)


def _tobool(v: Any) -> Any:
    return None if v is None else to_bool(v)


def _tolist(v: Any) -> list[Any]:
    return _list(v, "tolist")


def _toset(v: Any) -> list[Any]:
    return as_set(_list(v, "toset"))


def _tomap(v: Any) -> dict[str, Any]:
    return _map(v, "tomap")


def _jsonencode(v: Any) -> str:
    return json.dumps(v, separators=(",", ":"))


def _jsondecode(v: Any) -> Any:
    try:
        return json.loads(to_string(v, "jsondecode"), parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise _fail("jsondecode", "json") from None


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _abs(v: Any) -> Any:
    return abs(to_number(v, "abs"))


def _basename(v: Any) -> str:
    """Go's ``filepath.Base`` on a slash path, as Terraform's ``basename`` on Linux."""
    path = to_string(v, "basename")
    if path == "":
        return "."
    stripped = path.rstrip("/")
    return "/" if stripped == "" else stripped.rsplit("/", 1)[-1]


FUNCTIONS: dict[str, Function] = {
    "format": _format,
    "join": _join,
    "concat": _concat,
    "lookup": _lookup,
    "merge": _merge,
    "length": _length,
    "element": _element,
    "tostring": _one_arg("tostring", _tostring),
    "tonumber": _one_arg("tonumber", _tonumber),
    "tobool": _one_arg("tobool", _tobool),
    "tolist": _one_arg("tolist", _tolist),
    "toset": _one_arg("toset", _toset),
    "tomap": _one_arg("tomap", _tomap),
    "replace": _replace,
    "lower": _unary_str("lower", str.lower),
    "upper": _unary_str("upper", str.upper),
    "trimspace": _unary_str("trimspace", str.strip),
    "chomp": _unary_str("chomp", lambda s: s.rstrip("\r\n")),
    "strrev": _unary_str("strrev", lambda s: s[::-1]),
    "trim": _trim,
    "trimprefix": _binary_str("trimprefix", str.removeprefix),
    "trimsuffix": _binary_str("trimsuffix", str.removesuffix),
    "startswith": _binary_str("startswith", str.startswith),
    "endswith": _binary_str("endswith", str.endswith),
    "substr": _substr,
    "split": _split,
    "jsonencode": _one_arg("jsonencode", _jsonencode),
    "jsondecode": _one_arg("jsondecode", _jsondecode),
    "contains": _contains,
    "index": _index,
    "keys": _keys,
    "values": _values,
    "flatten": _flatten,
    "distinct": _one_arg("distinct", lambda v: _distinct(_list(v, "distinct"))),
    "compact": _compact,
    "slice": _slice,
    "reverse": _one_arg("reverse", lambda v: list(reversed(_list(v, "reverse")))),
    "sort": _sort,
    "range": _range,
    "zipmap": _zipmap,
    "one": _one,
    "min": _minmax("min", min),
    "max": _minmax("max", max),
    "sum": _sum,
    "abs": _one_arg("abs", _abs),
    "ceil": _one_arg("ceil", lambda v: math.ceil(to_number(v, "ceil"))),
    "floor": _one_arg("floor", lambda v: math.floor(to_number(v, "floor"))),
    "alltrue": _all_any("alltrue", all),
    "anytrue": _all_any("anytrue", any),
    "basename": _one_arg("basename", _basename),
    "coalescelist": lambda args, cap: next((x for x in (_list(a, "coalescelist") for a in args) if x), []),
}
