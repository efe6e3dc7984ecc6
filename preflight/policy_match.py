"""Matching a policy's text against a request: wildcard globs (linear time, no regular expression built from
policy text) and Condition operators, each answering True, False or None (cannot be decided).
"""

from __future__ import annotations

import datetime
import functools
import ipaddress
from collections.abc import Iterable, Mapping

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


def action_covered(st: Statement, action: str) -> bool:
    """Does the statement's Action (or NotAction) apply to ``action``? Actions are case-insensitive."""
    if st.NotAction:
        return not any(glob_match(p, action, ignore_case=True) for p in st.NotAction)
    return any(glob_match(p, action, ignore_case=True) for p in st.Action)


def _arn_covered(st: Statement, arn: str) -> bool:
    # OSS ARNs carry only `*` as region, so a pattern's region field is compared as a wildcard. A target
    # whose account is not known (`*`) is matched by any account field: the caller marks that case.
    patterns = st.NotResource or st.Resource
    target = arn.split(":", 4)
    hit = False
    for pat in patterns:
        parts = pat.split(":", 4)
        if len(parts) == 5 and len(target) == 5:
            account = "*" if target[3] == "*" else parts[3]
            pat = ":".join([parts[0], parts[1], "*", account, parts[4]])
        if glob_match(pat, arn):
            hit = True
            break
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
