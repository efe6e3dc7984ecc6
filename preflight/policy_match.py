"""Matching a policy's text against a request: wildcard globs (linear time, no regular expression built from
policy text) and Condition operators, each answering True, False or None (cannot be decided).
"""

from __future__ import annotations

import datetime
import functools
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from preflight.export_role import ECS_SERVICE
from preflight.facts import ConditionClause, Statement

# ---------------------------------------------------------------------------------------------------------
# Matching


def _fold(text: str) -> str:
    """Lower case, one character for one (so ``?`` still stands for one character of the original)."""
    if text.isascii():
        return text.lower()
    return "".join(low if len(low := c.lower()) == 1 else c for c in text)


def _fits(segment: str, value: str, at: int) -> bool:
    """Does ``segment`` (literal characters and ``?``) match ``value`` at offset ``at``?"""
    if at < 0 or at + len(segment) > len(value):
        return False
    if "?" not in segment:
        return value.startswith(segment, at)
    return all(p == "?" or p == v for p, v in zip(segment, value[at:at + len(segment)], strict=True))


def _find(segment: str, value: str, start: int, end: int) -> int:
    """The leftmost offset in ``[start, end - len(segment)]`` where ``segment`` fits, or -1."""
    if "?" not in segment:
        return value.find(segment, start, end)
    literal = segment.lstrip("?")
    if not literal:  # only ``?``: any characters do
        return start if start + len(segment) <= end else -1
    skip = len(segment) - len(literal)
    literal = literal.split("?", 1)[0]
    at = start
    while at + len(segment) <= end:
        hit = value.find(literal, at + skip, end)
        if hit < 0 or hit - skip + len(segment) > end:
            return -1
        if _fits(segment, value, hit - skip):
            return hit - skip
        at = hit - skip + 1
    return -1


@functools.lru_cache(maxsize=4096)
def _segments(pattern: str) -> tuple[str, ...]:
    return tuple(pattern.split("*"))


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """Does ``value`` match the RAM wildcard ``pattern``: ``*`` any run of characters (also none), ``?`` one
    character, everything else literal (no ``[...]`` classes)?

    No regular expression: the pattern is split at its ``*`` into segments; the first must fit at the start,
    the last at the end, and each one between at its leftmost place after the previous one (leftmost leaves
    the most room for the rest, so the greedy choice is never wrong and nothing is retried). Work is at most
    proportional to ``len(pattern) * len(value)``, whatever the input: no backtracking."""
    if ignore_case:
        pattern, value = _fold(pattern), _fold(value)
    first, *middle = _segments(pattern)
    if not middle:  # no ``*``
        return len(value) == len(first) and _fits(first, value, 0)
    last = middle.pop()
    end = len(value) - len(last)
    if end < len(first) or not _fits(first, value, 0) or not _fits(last, value, end):
        return False
    at = len(first)
    for segment in middle:
        if segment:
            found = _find(segment, value, at, end)
            if found < 0:
                return False
            at = found + len(segment)
    return True


@dataclass(frozen=True, slots=True)
class OpenRun:
    """A run of characters not known inside an :class:`OpenText` (never ``:`` or ``/``: part of one name),
    ``shown`` in texts (an IaC address); ``empty``: it may also be no character at all (a part of a bucket
    name written from a variable), else it is at least one (an image id)."""

    shown: str
    empty: bool = False


@dataclass(frozen=True, slots=True)
class OpenText:
    """A text known but for one or more runs of characters: ``head``, the runs not known with the literal
    text between them (``inner``; when empty, one run of one or more characters named ``shown``), then
    ``tail``. The name of an object the export writes when the image's id is not known (ECS gives it when it
    creates the image), or when its bucket's name is known in part (``exports-${random_integer.x.result}``).
    ``shown`` names the unknown parts in texts (IaC addresses); build one with :meth:`of`."""

    head: str
    tail: str
    shown: str
    inner: tuple[str | OpenRun, ...] = ()

    @staticmethod
    def of(parts: Iterable[str | OpenRun]) -> str | OpenText:
        """The text of ``parts`` (literal strings and gaps, in order): a plain string when nothing is unknown."""
        merged: list[str | OpenRun] = [""]
        for part in parts:
            if isinstance(part, str) and isinstance(merged[-1], str):
                merged[-1] += part
            else:  # (runs next to each other stay apart: together they hold at least as many characters)
                merged.append(part)
        if isinstance(merged[-1], OpenRun):
            merged.append("")
        if len(merged) == 1:
            return str(merged[0])
        shown = ", ".join(dict.fromkeys(g.shown for g in merged if isinstance(g, OpenRun)))
        head, *inner, tail = merged
        assert isinstance(head, str) and isinstance(tail, str)
        if len(inner) == 1 and isinstance(inner[0], OpenRun) and not inner[0].empty:
            return OpenText(head, tail, inner[0].shown)
        return OpenText(head, tail, shown, tuple(inner))

    def parts(self) -> tuple[str | OpenRun, ...]:
        return (self.head, *(self.inner or (OpenRun(self.shown),)), self.tail)

    def __str__(self) -> str:
        return "".join(p if isinstance(p, str) else f"<{p.shown}>" for p in self.parts())


#: characters the unknown run never holds: it is one name (an image id is ``m-`` and letters and digits; any
#: other character is allowed, which only widens what may match), never a field or path separator of an ARN
_NOT_IN_OPEN = frozenset(":/")


def _closure(pattern: str, states: set[int]) -> set[int]:
    """The pattern positions reachable without consuming a character: past each ``*`` (which may match none)."""
    out = set(states)
    for i in sorted(states):
        while i < len(pattern) and pattern[i] == "*":
            i += 1
            out.add(i)
    return out


def _step(pattern: str, states: set[int], char: str) -> set[int]:
    nxt: set[int] = set()
    for i in states:
        if i < len(pattern):
            p = pattern[i]
            if p == "*":
                nxt.add(i)
            elif p == "?" or p == char:
                nxt.add(i + 1)
    return _closure(pattern, nxt)


def _through_open(pattern: str, states: set[int]) -> set[int]:
    """The positions reachable from ``states`` by one or more characters of an unknown run (one sweep)."""
    n = len(pattern)
    start = [False] * (n + 1)
    for i in states:
        start[i] = True
    after = [False] * (n + 1)  # reachable having taken at least one character
    for j in range(n + 1):
        if j > 0:
            p = pattern[j - 1]
            if p == "*":
                after[j] = after[j] or after[j - 1]  # past a * after taking characters
            elif p == "?" or p not in _NOT_IN_OPEN:
                after[j] = after[j] or start[j - 1] or after[j - 1]
        if j < n and pattern[j] == "*" and (start[j] or after[j]):
            after[j] = True  # a * takes them
    return {j for j in range(n + 1) if after[j]}


@functools.lru_cache(maxsize=4096)
def open_match(pattern: str, text: OpenText) -> bool | None:
    """Does the RAM wildcard ``pattern`` match ``text`` whatever its unknown parts? True: for every value;
    False: for none; None: for some values only (the answer depends on what is not known).

    "None" is exact: the pattern is run as a set of positions over the known characters, and each unknown
    run (none of its characters ``:`` or ``/``; at least one unless it may be empty) takes each position to
    those it can reach; the runs are independent, so the positions reachable for some values are exactly
    what this sweep reaches. "Every" is decided soundly, not always: a second set of positions follows the
    alignments in which a ``*`` of the pattern takes each unknown run whole (that ``*`` takes it, whatever it
    is); a pattern that covers every value otherwise (``?`` standing for a run) answers None, which is never
    a pass. Work is proportional to ``len(pattern) * len(text)``: no backtracking."""
    n = len(pattern)
    some = _closure(pattern, {0})  # reachable for some values of the unknown runs
    every = set(some)  # reachable by an alignment that holds for every value (each run taken by a *)
    for part in text.parts():
        if isinstance(part, str):
            for char in part:
                some = _step(pattern, some, char)
                if not some:
                    return False
                every = _step(pattern, every, char) if every else every
        else:
            some = _closure(pattern, _through_open(pattern, some) | (some if part.empty else set()))
            if not some:
                return False
            every = _closure(pattern, {i for i in every if i < n and pattern[i] == "*"})
    if n not in some:
        return False
    return True if n in every else None


def action_covered(st: Statement, action: str) -> bool:
    """Does the statement's Action (or NotAction) apply to ``action``? Actions are case-insensitive."""
    if st.NotAction:
        return not any(glob_match(p, action, ignore_case=True) for p in st.NotAction)
    return any(glob_match(p, action, ignore_case=True) for p in st.Action)


def _arn_covered(st: Statement, arn: str | OpenText) -> bool | None:
    """Does the statement's Resource (or NotResource) cover ``arn``? None when that depends on the unknown
    part of an :class:`OpenText` ARN (its fields up to the object name are known: they are in its head).

    OSS ARNs carry only `*` as region, so a pattern's region field is compared as a wildcard. A target
    whose account is not known (`*`) is matched by any account field: the caller marks that case."""
    patterns = st.NotResource or st.Resource
    target = (arn.head if isinstance(arn, OpenText) else arn).split(":", 4)
    hit: bool | None = False
    for pat in patterns:
        parts = pat.split(":", 4)
        if len(parts) == 5 and len(target) == 5:
            account = "*" if target[3] == "*" else parts[3]
            pat = ":".join([parts[0], parts[1], "*", account, parts[4]])
        found = open_match(pat, arn) if isinstance(arn, OpenText) else glob_match(pat, arn)
        if found:
            hit = True
            break
        if found is None:
            hit = None  # may match: a later pattern may still match for sure
    if hit is None:
        return None
    return not hit if st.NotResource else hit


def _service_name(name: str) -> str:
    # The legacy "<account-id>@ecs.aliyuncs.com" form names the service after the "@".
    return name.lower().rsplit("@", 1)[-1]


def _is_ecs_service(name: str) -> bool:
    return _service_name(name) == ECS_SERVICE


def _ip_in(value: str, network: str) -> bool | None:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return None


def _date(value: str) -> float | None:
    try:
        if value.strip().lstrip("-").isdigit():
            return float(value)
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


_NUMERIC = {"Equals": lambda a, b: a == b, "LessThan": lambda a, b: a < b, "LessThanEquals": lambda a, b: a <= b,
            "GreaterThan": lambda a, b: a > b, "GreaterThanEquals": lambda a, b: a >= b}


def _one(operator: str, have: str, want: str) -> bool | None:
    """Does one request value satisfy one condition value under a positive operator? None: cannot tell."""
    if operator == "StringEquals":
        return have == want
    if operator == "StringEqualsIgnoreCase":
        return have.lower() == want.lower()
    if operator == "StringLike":
        return glob_match(want, have)
    if operator == "Bool":
        return have.lower() == want.lower()
    if operator == "IpAddress":
        return _ip_in(have, want)
    for family, parse in (("Numeric", _number), ("Date", _date)):
        if operator.startswith(family):
            compare = _NUMERIC.get(operator.removeprefix(family))
            a, b = parse(have), parse(want)
            if compare is None or a is None or b is None:
                return None
            return bool(compare(a, b))
    return None


#: negated operators and the positive operator they negate
_NEGATED = {"StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
            "StringNotLike": "StringLike", "NotIpAddress": "IpAddress", "NumericNotEquals": "NumericEquals",
            "DateNotEquals": "DateEquals"}


def clause_holds(clause: ConditionClause, context: Mapping[str, tuple[str, ...]]) -> bool | None:
    """One ``{Operator: {Key: [values]}}`` entry: values are OR'd (a negated operator: none may match).
    Keys are case-insensitive. None when the key is not known for the request or the operator is not
    understood."""
    have = next((v for k, v in context.items() if k.lower() == clause.Key.lower()), None)
    if have is None:
        return None
    positive = _NEGATED.get(clause.Operator, clause.Operator)
    answers = [_one(positive, h, w) for h in have for w in clause.Values]
    if True in answers:
        matched: bool | None = True
    elif None in answers:
        matched = None
    else:
        matched = False
    if clause.Operator in _NEGATED and matched is not None:
        return not matched
    return matched


def conditions_hold(clauses: Iterable[ConditionClause], context: Mapping[str, tuple[str, ...]]
                    ) -> tuple[bool | None, tuple[str, ...]]:
    """All clauses AND'd: (True/False/None, the keys that could not be decided)."""
    undecided: list[str] = []
    for clause in clauses:
        held = clause_holds(clause, context)
        if held is False:
            return False, ()
        if held is None:
            undecided.append(clause.Key)
    return (None, tuple(undecided)) if undecided else (True, ())
