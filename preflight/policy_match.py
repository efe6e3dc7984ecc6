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
class OpenText:
    """A text known but for one run of characters in its middle: ``head``, then one or more characters not
    known, then ``tail`` (the name of an object the export writes when the image's id is not known: the id is
    given by ECS when the image is created). ``shown`` names the unknown part in texts (an IaC address)."""

    head: str
    tail: str
    shown: str

    def __str__(self) -> str:
        return f"{self.head}<{self.shown}>{self.tail}"


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
    """Does the RAM wildcard ``pattern`` match ``text`` whatever its unknown part? True: for every value;
    False: for none; None: for some values only (the answer depends on what is not known).

    "None" is exact: the pattern is run as a set of positions over the known characters, and the unknown run
    (at least one character, none of them ``:`` or ``/``) takes each position to those it can reach.
    "Every" is decided soundly, not always: the pattern must have a ``*`` that its part before matches a
    prefix of ``head`` and its part after a suffix of ``tail`` (that ``*`` takes the unknown run, whatever it
    is); a pattern that covers every value otherwise (``?`` standing for the unknown run) answers None, which
    is never a pass. Work is proportional to ``len(pattern) * len(text)``: no backtracking."""
    n = len(pattern)
    states = _closure(pattern, {0})
    for char in text.head:
        states = _step(pattern, states, char)
        if not states:
            return False
    after_head = states
    states = _closure(pattern, _through_open(pattern, after_head))
    if not states:
        return False
    for char in text.tail:
        states = _step(pattern, states, char)
        if not states:
            return False
    if n not in states:
        return False
    # every value: a * reached after the head whose rest matches a suffix of the tail.
    # ends[i]: pattern[i:] matches some suffix of the tail (suffix DP, one row per tail position)
    tail = text.tail
    row = [False] * (n + 1)  # pattern[i:] matches tail[len(tail):] (the empty suffix)
    row[n] = True
    for i in range(n - 1, -1, -1):
        row[i] = pattern[i] == "*" and row[i + 1]
    ends = list(row)
    for k in range(len(tail) - 1, -1, -1):
        nxt = [False] * (n + 1)
        for i in range(n - 1, -1, -1):
            p = pattern[i]
            if p == "*":
                nxt[i] = nxt[i + 1] or row[i]
            elif p == "?" or p == tail[k]:
                nxt[i] = row[i + 1]
        row = nxt
        ends = [a or b for a, b in zip(ends, row, strict=True)]
    if any(pattern[s] == "*" and ends[s + 1] for s in after_head if s < n):
        return True
    return None


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
