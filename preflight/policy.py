"""RAM policy documents: parsing into typed facts, and the analysis the export rules need.

Trust policies, permission policies and OSS bucket policies share one shape (``Version`` + ``Statement``);
``Principal`` appears in trust and bucket policies. Values may be a string or a list; documents may arrive as
JSON strings (as RAM returns them) or as objects. This module normalises all of that.

The analysis here is deliberately conservative: anything it cannot decide (a ``Condition`` that may or may
not hold for the ECS service's request) makes the answer unknown, never a pass.
"""

from __future__ import annotations

import datetime
import enum
import functools
import ipaddress
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from preflight.errors import Foreign, Listing, Msg, Worded
from preflight.export_role import ASSUME_ROLE as ASSUME_ROLE
from preflight.export_role import BUCKET_LEVEL_ACTIONS as BUCKET_LEVEL_ACTIONS
from preflight.export_role import DEFAULT_EXPORT_POLICY as DEFAULT_EXPORT_POLICY
from preflight.export_role import ECS_SERVICE as ECS_SERVICE
from preflight.export_role import EXPORT_ACTIONS as EXPORT_ACTIONS
from preflight.facts import ConditionClause, Policy, Principal, Statement, Unknown
from preflight.i18n import render
from preflight.oss_actions import OBJECT_ACTIONS, Exposure

# The fix texts moved to preflight.remediation (policy.py evaluates policies and nothing else); these names
# stay importable from here for existing callers. New code imports them from preflight.remediation.
from preflight.remediation import PREFIX_MARK as PREFIX_MARK
from preflight.remediation import fill_prefix as fill_prefix
from preflight.remediation import least_privilege_fix as least_privilege_fix
from preflight.remediation import scoped_permission_policy as scoped_permission_policy
from preflight.remediation import trust_policy_document as trust_policy_document


class PolicyError(ValueError):
    """A policy document that is not a policy (bad JSON, wrong shapes). ``pointer`` is relative to the doc."""

    def __init__(self, message: Msg, pointer: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.pointer = pointer


def _strings(value: Any, pointer: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise PolicyError(Msg("snap.policy_strings"), pointer)


def parse_principal(value: Any, pointer: str) -> Principal:
    if value == "*":
        return Principal(Service=[], RAM=[], Federated=[], Any=True)
    if isinstance(value, list):  # OSS bucket policies: a list of account UIDs or "*"
        uids = _strings(value, pointer)
        # OSS: "an empty list [ ] is equivalent to [\"*\"]" (authorization syntax and elements, Principal)
        return Principal(Service=[], RAM=[u for u in uids if u != "*"], Federated=[], Any=not uids or "*" in uids)
    if not isinstance(value, Mapping):
        raise PolicyError(Msg("snap.policy_principal"), pointer)
    kinds: dict[str, list[str]] = {"Service": [], "RAM": [], "Federated": []}
    for key, v in value.items():
        if key not in kinds:
            raise PolicyError(Msg("snap.policy_principal_kind", kind=key), pointer)
        kinds[key] = _strings(v, f"{pointer}/{key}")
    # {"RAM": "*"} admits every RAM identity (of any account) and {"Service": "*"} every service, but neither
    # admits the other kinds: only a bare "*" is anyone
    return Principal(Service=kinds["Service"], RAM=kinds["RAM"], Federated=kinds["Federated"], Any=False)


def _conditions(value: Any, pointer: str) -> list[ConditionClause]:
    if value is None:
        return []
    if not isinstance(value, Mapping):
        raise PolicyError(Msg("snap.policy_condition"), pointer)
    clauses = []
    for op, keys in value.items():
        if not isinstance(keys, Mapping):
            raise PolicyError(Msg("snap.policy_condition_operator", op=op), f"{pointer}/{op}")
        for key, vals in keys.items():
            if vals is None:
                raise PolicyError(Msg("snap.policy_condition_value", op=op, key=key), f"{pointer}/{op}/{key}")
            if isinstance(vals, bool | int | float):
                vals = str(vals).lower() if isinstance(vals, bool) else str(vals)
            clauses.append(ConditionClause(str(op), str(key), _strings(vals, f"{pointer}/{op}/{key}")))
    return clauses


class Kind(enum.Enum):
    """Which kind of document a policy is, by the elements RAM and OSS require of each statement besides
    ``Effect`` (which every kind requires: :func:`parse_policy` rejects a statement without it)."""

    PERMISSION = ("Action", "Resource")  # a RAM permission policy: no Principal
    TRUST = ("Action", "Principal")  # a role's trust policy: no Resource
    BUCKET = ("Action", "Resource", "Principal")  # an OSS bucket policy

    @property
    def required(self) -> tuple[str, ...]:
        required: tuple[str, ...] = self.value
        return required


@dataclass(frozen=True)
class Gap:
    """A statement (``index``, 1-based; 0 for the document) that lacks an element: ``Statement``,
    ``Action`` (nor ``NotAction``), ``Resource`` (nor ``NotResource``) or ``Principal``."""

    index: int
    element: str


#: how a missing element is named to the user
_ELEMENT_NAMES = {"Action": "Action/NotAction", "Resource": "Resource/NotResource"}


class ParsedPolicy(Policy):
    """A parsed document, with the elements its statements lack (:class:`Gap`).

    RAM and OSS reject a document whose statement lacks an element its kind requires, so such a document in a
    snapshot or IaC file is broken or truncated: what it allows cannot be told. The parser cannot know the
    kind (a trust statement has no Resource, a permission statement no Principal), so it records every
    missing element and each analysis asks :func:`broken` for the kind it reads the document as. ``gaps`` is
    not a fact field: reports and evidence show the document as it was written.
    """

    gaps: tuple[Gap, ...]

    def __init__(self, Version: str | None, Statement: list[Statement], gaps: tuple[Gap, ...] = ()) -> None:
        super().__init__(Version, Statement)
        object.__setattr__(self, "gaps", gaps)


def broken(policy: Policy, kind: Kind, name: str | None = None) -> Unknown | None:
    """Why nothing read from ``policy`` as a ``kind`` document can be trusted, or None when it is whole.

    ``name`` is the policy's name (permission policies); trust and bucket policies are named by their kind."""
    gaps = [g for g in getattr(policy, "gaps", ()) if g.element == "Statement" or g.element in kind.required]
    if not gaps:
        return None
    doc: Msg
    if name is not None:
        doc = Msg("snap.policy_doc_named", name=name)
    else:
        doc = Msg("snap.policy_doc_bucket" if kind is Kind.BUCKET else "snap.policy_doc_trust")
    if gaps[0].element == "Statement":
        return Unknown(Msg("snap.policy_no_statement", doc=doc))
    return Unknown(Msg("snap.policy_gap", doc=doc, missing=Listing(
        Msg("snap.policy_gap_item", index=g.index, element=_ELEMENT_NAMES.get(g.element, g.element))
        for g in gaps)))


def _names_nobody(principal: Principal) -> bool:
    return not (principal.Any or principal.Service or principal.RAM or principal.Federated)


def parse_policy(doc: Any, require: Kind | None = None) -> Policy:
    """Parse a policy document given as a JSON string or an object.

    A value of the wrong shape (and a statement without ``Effect``) is a :class:`PolicyError`; a missing
    element (no ``Statement``, a statement without ``Action``/``NotAction``, ``Resource``/``NotResource`` or
    ``Principal``) is recorded
    as a :class:`Gap` of the returned :class:`ParsedPolicy`, for :func:`broken` to judge by the kind of
    document. With ``require`` (the kind of document, when the caller knows it and wants a broken document
    to be bad input), an element that kind requires and the document lacks is a :class:`PolicyError` naming
    where it is missing."""
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except json.JSONDecodeError as e:
            raise PolicyError(Msg("snap.policy_bad_json", reason=Foreign("json", e.msg), line=e.lineno)) from None
        except (ValueError, RecursionError) as e:  # e.g. an integer past the digit limit, nesting too deep
            reason = Foreign("json", str(e)) if str(e) else Msg("snap.nested_too_deeply")
            raise PolicyError(Msg("snap.policy_unreadable", reason=reason)) from None
    if not isinstance(doc, Mapping):
        raise PolicyError(Msg("snap.policy_not_object"))
    gaps: list[Gap] = []
    if "Statement" not in doc:
        gaps.append(Gap(0, "Statement"))
    raw = doc.get("Statement", [])
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        raise PolicyError(Msg("snap.policy_statement_list"), "/Statement")
    statements = []
    for i, st in enumerate(raw):
        p = f"/Statement/{i}"
        if not isinstance(st, Mapping):
            raise PolicyError(Msg("snap.policy_statement_object"), p)
        effect = st.get("Effect")
        if effect not in ("Allow", "Deny"):  # (a missing Effect too: no kind of document may lack it)
            raise PolicyError(Msg("snap.policy_effect", effect=effect), f"{p}/Effect")
        principal = None if st.get("Principal") is None else parse_principal(st["Principal"], f"{p}/Principal")
        statement = Statement(
            index=i + 1,
            Sid=st.get("Sid") if isinstance(st.get("Sid"), str) else None,
            Effect=effect,
            Action=_strings(st.get("Action"), f"{p}/Action"),
            NotAction=_strings(st.get("NotAction"), f"{p}/NotAction"),
            Resource=_strings(st.get("Resource"), f"{p}/Resource"),
            NotResource=_strings(st.get("NotResource"), f"{p}/NotResource"),
            Principal=principal,
            Condition=_conditions(st.get("Condition"), f"{p}/Condition"),
        )
        if not statement.Action and not statement.NotAction:
            gaps.append(Gap(i + 1, "Action"))
        if not statement.Resource and not statement.NotResource:
            gaps.append(Gap(i + 1, "Resource"))
        if principal is None or _names_nobody(principal):
            gaps.append(Gap(i + 1, "Principal"))
        statements.append(statement)
    if require is not None:
        for gap in gaps:
            if gap.element == "Statement":
                raise PolicyError(Msg("snap.policy_no_statement_pointer"))
            if gap.element in require.required:
                raise PolicyError(Msg("snap.policy_gap_pointer", element=_ELEMENT_NAMES.get(gap.element, gap.element)),
                                  f"/Statement/{gap.index - 1}/{gap.element}")
    version = doc.get("Version")
    return ParsedPolicy(str(version) if version is not None else None, statements, tuple(gaps))


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


def _service_name(name: str) -> str:
    # The legacy "<account-id>@ecs.aliyuncs.com" form names the service after the "@".
    return name.lower().rsplit("@", 1)[-1]


def _is_ecs_service(name: str) -> bool:
    return _service_name(name) == ECS_SERVICE


# ---------------------------------------------------------------------------------------------------------
# The evaluator: one request against a set of policies, with the statements that decided it


class Effect(enum.StrEnum):
    ALLOW = "allow"
    DENY = "deny"  # an explicit Deny applies
    IMPLICIT_DENY = "implicit-deny"  # no Allow applies
    CONDITIONAL = "conditional"  # the answer turns on Conditions whose keys are not known for this request
    BROKEN = "broken"  # a document lacks an element RAM requires: what it allows cannot be told


@dataclass(frozen=True)
class PrincipalRef:
    """Who makes a request: ``Service`` (``ecs.aliyuncs.com``), ``RAM`` (an ARN such as
    ``acs:ram::123:root`` / ``:user/x`` / ``:role/y``, or an account UID in OSS bucket policies),
    ``Federated`` (a SAML provider ARN) or ``Anonymous``."""

    kind: str
    value: str = ""


ECS_PRINCIPAL = PrincipalRef("Service", ECS_SERVICE)
ANONYMOUS = PrincipalRef("Anonymous")


@dataclass(frozen=True)
class Request:
    action: str
    resource: str = "*"
    principal: PrincipalRef | None = None
    #: condition keys known for this request (``acs:SecureTransport`` -> ("true",)); others are unknown
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class StatementRef:
    policy: str
    index: int
    effect: str
    conditional: bool

    @property
    def msg(self) -> Msg:
        key = "snap.statement_ref_conditional" if self.conditional else "snap.statement_ref"
        return Msg(key, index=self.index, policy=self.policy)

    def __str__(self) -> str:
        return render(self.msg, "en")


@dataclass(frozen=True)
class Decision:
    effect: Effect
    #: the statements that decided: the Denies for deny, the Allows for allow, the conditional ones otherwise
    by: tuple[StatementRef, ...] = ()
    #: condition keys whose values the request does not know
    undecided: tuple[str, ...] = ()
    #: for a broken document: why (:func:`broken`)
    unknown: Unknown | None = None

    @property
    def allowed(self) -> bool:
        return self.effect is Effect.ALLOW

    def explain(self, request: Request) -> Worded:
        what = {"action": request.action, "resource": request.resource}
        if self.effect is Effect.IMPLICIT_DENY:
            return Worded(Msg("snap.decision_none", **what))
        if self.effect is Effect.BROKEN and self.unknown is not None:
            return Worded(Msg("snap.decision_broken", **what, why=self.unknown.reason))
        by = Listing(b.msg for b in self.by)
        if self.effect is Effect.ALLOW:
            return Worded(Msg("snap.decision_allowed", **what, by=by))
        if self.effect is Effect.DENY:
            return Worded(Msg("snap.decision_denied", **what, by=by))
        if not self.undecided:
            return Worded(Msg("snap.decision_depends_condition", **what, by=by))
        return Worded(Msg("snap.decision_depends", **what, keys=Listing(self.undecided), by=by))


def principal_matches(p: Principal | None, who: PrincipalRef | None) -> bool:
    """Does a statement's Principal admit ``who``? A request without principal (evaluating a permission
    policy, which applies to whoever it is attached to) matches any statement; a statement without
    Principal admits nobody in a trust or bucket policy."""
    if who is None:
        return True
    if p is None:
        return False
    if p.Any:
        return True
    if who.kind == "Service":
        want = who.value.lower()
        return any(v == "*" or _service_name(v) == want for v in p.Service)
    if who.kind == "RAM":
        for v in p.RAM:
            if glob_match(v, who.value):
                return True
            # an account's root (or its bare UID) stands for every identity of that account
            account = v.removeprefix("acs:ram::").removesuffix(":root")
            whole_account = v.endswith(":root") or v.isdigit()
            if whole_account and (who.value == account or who.value.startswith(f"acs:ram::{account}:")):
                return True
        return False
    if who.kind == "Federated":
        return any(glob_match(v, who.value) for v in p.Federated)
    return False  # anonymous: only "*"


def applies(st: Statement, request: Request) -> bool:
    """Action, resource and principal of the statement cover the request (Conditions aside)."""
    if not action_covered(st, request.action):
        return False
    if st.Resource or st.NotResource:
        if not _arn_covered(st, request.resource):
            return False
    elif request.principal is None:
        return False  # a permission statement without Resource grants nothing (trust statements have none)
    return principal_matches(st.Principal, request.principal)


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


def evaluate(policies: Iterable[tuple[str, Policy]], request: Request, kind: Kind | None = None) -> Decision:
    """RAM's evaluation: an explicit Deny wins, else an Allow, else an implicit deny. Statements whose
    Conditions cannot be decided make the answer conditional, unless a certain Deny or no possible Allow
    settles it anyway. A document that lacks an element its ``kind`` requires (by default: a permission
    policy for a request without principal, else a trust policy) makes the answer :attr:`Effect.BROKEN`."""
    policies = list(policies)
    kind = kind or (Kind.PERMISSION if request.principal is None else Kind.TRUST)
    for name, policy in policies:
        why = broken(policy, kind, name if kind is Kind.PERMISSION else None)
        if why is not None:
            return Decision(Effect.BROKEN, unknown=why)
    deny_sure: list[StatementRef] = []
    deny_maybe: list[StatementRef] = []
    allow_sure: list[StatementRef] = []
    allow_maybe: list[StatementRef] = []
    undecided: list[str] = []
    for name, policy in policies:
        for st in policy.Statement:
            if not applies(st, request):
                continue
            held, keys = conditions_hold(st.Condition, request.context)
            if held is False:
                continue
            ref = StatementRef(name, st.index, st.Effect, bool(st.Condition))
            deny = st.Effect == "Deny"
            if held:
                (deny_sure if deny else allow_sure).append(ref)
            else:
                (deny_maybe if deny else allow_maybe).append(ref)
                undecided += [k for k in keys if k not in undecided]
    if deny_sure:
        return Decision(Effect.DENY, tuple(deny_sure))
    if not allow_sure and not allow_maybe:
        return Decision(Effect.IMPLICIT_DENY)
    if deny_maybe or not allow_sure:
        return Decision(Effect.CONDITIONAL, tuple(deny_maybe or allow_maybe), tuple(undecided))
    return Decision(Effect.ALLOW, tuple(allow_sure))


# ---------------------------------------------------------------------------------------------------------
# Trust policies


def trust_decision(trust: Policy) -> Decision:
    return evaluate([("trust", trust)], Request(ASSUME_ROLE, "*", ECS_PRINCIPAL))


def ecs_can_assume(trust: Policy) -> bool | Unknown:
    """An Allow of sts:AssumeRole to the ECS service, and no Deny that applies to it.

    A Condition on the Allow for ECS is reported by its own (warning) rule, not here: the Allow is taken to
    hold. A Deny under a Condition that cannot be decided leaves the answer unknown.
    """
    decision = trust_decision(trust)
    if decision.unknown is not None:
        return decision.unknown
    if decision.effect is Effect.CONDITIONAL:
        if any(ref.effect == "Deny" for ref in decision.by):
            which = ", ".join(str(b.index) for b in decision.by)
            return Unknown(Msg("snap.conditional_deny", which=which))
        return True
    return decision.effect is Effect.ALLOW


def ecs_trust_conditions(trust: Policy) -> list[str] | Unknown:
    """The Conditions on the statements that let ECS assume the role (they may stop the service)."""
    why = broken(trust, Kind.TRUST)
    if why is not None:
        return why
    admitting = [st for st in trust.Statement
                 if st.Effect == "Allow" and action_covered(st, ASSUME_ROLE)
                 and principal_matches(st.Principal, ECS_PRINCIPAL)]
    if any(not st.Condition for st in admitting):
        return []  # an unconditional Allow admits ECS whatever the others require
    return [Worded(Msg("snap.trust_condition", index=st.index, operator=c.Operator, key=c.Key, values=c.Values))
            for st in admitting for c in st.Condition]


def other_principals(trust: Policy) -> list[str] | Unknown:
    """Everyone besides the ECS service whom an Allow of sts:AssumeRole admits, as ``Kind:value``
    (a principal that an unconditional Deny shuts out again is not listed)."""
    why = broken(trust, Kind.TRUST)
    if why is not None:
        return why
    found: list[str] = []
    for s in trust.Statement:
        if s.Effect != "Allow" or not action_covered(s, ASSUME_ROLE) or s.Principal is None:
            continue
        p = s.Principal
        if p.Any:
            found.append("*")
        found += [f"Service:{v}" for v in p.Service if not _is_ecs_service(v)]
        found += [f"RAM:{v}" for v in p.RAM]
        found += [f"Federated:{v}" for v in p.Federated]
    still = []
    for item in sorted(set(found)):
        kind, _, value = item.partition(":")
        who = ANONYMOUS if item == "*" else PrincipalRef(kind, value)
        if evaluate([("trust", trust)], Request(ASSUME_ROLE, "*", who)).effect is not Effect.DENY:
            still.append(item)
    return still


def decidable_trust(doc: Any, placeholder: Callable[[Any], str | None]) -> dict[str, Any] | None:
    """A role's trust policy document some of whose strings are known only in part (IaC: ``acs:ram::${X}:root``
    with ``X`` known when the stack runs). ``placeholder(v)`` is the text standing for such a string ``v``
    (None for any other value).

    Returns the document with each partly known string replaced by its text when what is decided from a
    trust policy (whether ECS may assume the role, under which Conditions, who else may) is the same whatever
    the unknown parts turn out to be, else None (the document is unknown). That holds when the unknown parts
    are only in the ``RAM`` or ``Federated`` principals of ``Allow`` statements and no statement is anything
    but an ``Allow``: such a principal never names the ECS service (``ecs_can_assume`` and
    ``ecs_trust_conditions`` read only ``Service`` and ``*``), and it admits someone besides ECS whatever its
    value (``other_principals`` lists it, under its placeholder, and no Deny can take it back).
    """
    if not isinstance(doc, Mapping) or not isinstance(doc.get("Statement"), list):
        return None
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key == "Statement":
            continue
        if _holds_placeholder(value, placeholder):
            return None
        out[key] = value
    statements: list[Any] = []
    for st in doc["Statement"]:
        if not isinstance(st, Mapping) or st.get("Effect") != "Allow":
            return None  # a Deny (or an Effect not known) could take back what an Allow admits
        new: dict[str, Any] = {}
        for key, value in st.items():
            if key == "Principal" and isinstance(value, Mapping):
                principal: dict[str, Any] = {}
                for kind, names in value.items():
                    if kind in ("RAM", "Federated"):
                        items = names if isinstance(names, list) else [names]
                        texts = [placeholder(x) or x for x in items]
                        principal[kind] = texts if isinstance(names, list) else texts[0]
                    elif _holds_placeholder(names, placeholder):
                        return None
                    else:
                        principal[kind] = names
                new[key] = principal
            elif _holds_placeholder(value, placeholder):
                return None
            else:
                new[key] = value
        statements.append(new)
    out["Statement"] = statements
    return out


def _holds_placeholder(value: Any, placeholder: Callable[[Any], str | None], depth: int = 0) -> bool:
    if placeholder(value) is not None or depth > 64:
        return True
    if isinstance(value, Mapping):
        return any(_holds_placeholder(v, placeholder, depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(_holds_placeholder(v, placeholder, depth + 1) for v in value)
    return False


# ---------------------------------------------------------------------------------------------------------
# Permission policies of the export role


def export_targets(bucket: str, prefix: str | None, image_id: str | None, account: str | None = None
                   ) -> tuple[str, str]:
    """The bucket ARN and a representative object ARN the export writes (naming per domain.md §1 notes).

    The account field is the bucket owner's when known, else ``*``; the region field is ``*`` (OSS ARNs
    take only ``*`` as region)."""
    obj = f"{prefix or ''}_{image_id or 'm-image'}_system.raw.tar.gz"
    acct = account or "*"
    return f"acs:oss:*:{acct}:{bucket}", f"acs:oss:*:{acct}:{bucket}/{obj}"


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


EXCESS_PREFIXES = ("ram:", "ecs:", "kms:", "sts:")
#: OSS actions that administer a bucket rather than move objects: an export role never needs them
BUCKET_ADMIN_ACTIONS = (
    "oss:PutBucketPolicy", "oss:DeleteBucketPolicy", "oss:PutBucketAcl", "oss:DeleteBucket",
    "oss:PutBucketEncryption", "oss:DeleteBucketEncryption", "oss:PutBucketVersioning",
    "oss:PutBucketReplication", "oss:PutBucketLifecycle", "oss:PutBucketCors", "oss:PutBucketWebsite",
    "oss:PutObjectAcl",
)
#: samples of what broad grants reach, one per service of concern
_EXCESS_SAMPLES = ("ram:CreateUser", "ecs:DeleteInstance", "kms:Decrypt", "sts:AssumeRole")


class ExportPermissions:
    """What a role's attached policies allow of an export, for any bucket and prefix.

    Built once per role: only the statements that bear on an export action are kept, with the actions each
    covers. Exports on which every kept statement applies alike get the same answer (``signature``), so
    answers are memoised per signature: many exports share a role and a bucket.
    """

    def __init__(self, documents: Iterable[tuple[str, Policy | None]]) -> None:
        self.documents: list[tuple[str, Policy]] = []
        for name, doc in documents:
            if doc is None:
                if name == DEFAULT_EXPORT_POLICY:
                    doc = Policy("1", [Statement(1, None, "Allow", list(EXPORT_ACTIONS), [], ["*"], [], None, [])])
                else:
                    continue
            self.documents.append((name, doc))
        #: a document that lacks an element RAM requires: every answer is unknown (it may grant or deny anything)
        self.broken = next((why for name, doc in self.documents
                            if (why := broken(doc, Kind.PERMISSION, name)) is not None), None)
        relevant = [(name, s, frozenset(a for a in EXPORT_ACTIONS if action_covered(s, a)))
                    for name, doc in self.documents for s in doc.Statement]
        self._relevant = [(name, s, acts) for name, s, acts in relevant if acts]
        #: a Resource that names an account: whose bucket it covers cannot be told without the owner's account
        self._names_accounts = any(
            len(parts := pattern.split(":", 4)) == 5 and parts[3] not in ("", "*")
            for _, s, _ in self._relevant for pattern in (*s.Resource, *s.NotResource)
        )
        self._memo: dict[tuple[object, ...], tuple[list[str] | Unknown, list[str] | Unknown]] = {}

    def signature(self, bucket: str, prefix: str | None, image_id: str | None, account: str | None = None
                  ) -> tuple[object, ...]:
        """Equal for two exports exactly when every statement applies to both alike (same answer)."""
        bucket_arn, object_arn = export_targets(bucket, prefix, image_id, account)
        return (bucket_arn, *(_arn_covered(s, object_arn) for _, s, _ in self._relevant))

    def missing(self, bucket: str, prefix: str | None, image_id: str | None, account: str | None = None
                ) -> list[str] | Unknown:
        return self.answer(bucket, prefix, image_id, account)[0]

    def decisions(self, bucket: str, prefix: str | None, image_id: str | None, account: str | None = None
                  ) -> list[str] | Unknown:
        """For each export action: which statement allowed or denied it (evidence)."""
        return self.answer(bucket, prefix, image_id, account)[1]

    def answer(self, bucket: str, prefix: str | None, image_id: str | None, account: str | None = None,
               signature: tuple[object, ...] | None = None) -> tuple[list[str] | Unknown, list[str] | Unknown]:
        """(missing actions, decisions) for an export's target; ``signature`` when the caller has it already."""
        key = signature if signature is not None else self.signature(bucket, prefix, image_id, account)
        if key not in self._memo:
            self._memo[key] = self._evaluate(bucket, prefix, image_id, account)
        return self._memo[key]

    def _evaluate(self, bucket: str, prefix: str | None, image_id: str | None, account: str | None
                  ) -> tuple[list[str] | Unknown, list[str] | Unknown]:
        if self.broken is not None:
            return self.broken, self.broken
        bucket_arn, object_arn = export_targets(bucket, prefix, image_id, account)
        missing: list[str] = []
        conditional: list[str] = []
        explained: list[str] = []
        for action in EXPORT_ACTIONS:
            request = Request(action, bucket_arn if action in BUCKET_LEVEL_ACTIONS else object_arn)
            policies = [(name, Policy(None, [s])) for name, s, acts in self._relevant if action in acts]
            decision = evaluate(policies, request)
            explained.append(decision.explain(request))
            if decision.effect is Effect.CONDITIONAL:
                conditional.append(action)
            elif not decision.allowed:
                missing.append(action)
        if missing:
            return missing, explained
        if account is None and self._names_accounts:
            return Unknown(Msg("snap.account_scoped", bucket=bucket)), explained
        if conditional:
            return Unknown(Msg("snap.depends_on_conditions", actions=Listing(conditional))), explained
        return [], explained

    def excess(self) -> list[str] | Unknown:
        """Grants an export role does not need: ``*``, ``oss:*``, NotAction allows, non-OSS services,
        bucket administration."""
        if self.broken is not None:
            return self.broken
        found: list[str] = []
        for name, doc in self.documents:
            for st in doc.Statement:
                if st.Effect != "Allow":
                    continue
                where = Msg("snap.statement_ref", index=st.index, policy=name)
                if st.NotAction:
                    found.append(Worded(Msg("snap.excess_not_action", actions=Listing(st.NotAction), where=where)))
                    continue
                for pattern in st.Action:
                    low = pattern.lower()
                    if low in ("*", "oss:*") or low.startswith(EXCESS_PREFIXES) or (
                        any(glob_match(pattern, a, ignore_case=True)
                            for a in (*BUCKET_ADMIN_ACTIONS, *_EXCESS_SAMPLES))
                    ):
                        found.append(Worded(Msg("snap.excess_action", action=pattern, where=where)))
        return found

    def wildcard_resources(self) -> list[str] | Unknown:
        """Allows of export actions on every resource (``"*"``) rather than the export bucket."""
        if self.broken is not None:
            return self.broken
        found: list[str] = []
        for name, st, _ in self._relevant:
            if st.Effect == "Allow" and any(r in ("*", "acs:oss:*:*:*") for r in st.Resource):
                found.append(Worded(Msg("snap.statement_ref", index=st.index, policy=name)))
        return found


def missing_export_actions(
    documents: Iterable[tuple[str, Policy | None]], bucket: str, prefix: str | None, image_id: str | None
) -> list[str] | Unknown:
    """Which export actions the attached policies do not allow on the export bucket (or a Deny blocks).

    ``documents`` holds (policy name, parsed document); a ``None`` document is the documented system policy
    :data:`DEFAULT_EXPORT_POLICY`, taken as granting all export actions on ``*``.
    """
    return ExportPermissions(documents).missing(bucket, prefix, image_id)


# ---------------------------------------------------------------------------------------------------------
# OSS bucket policies

#: condition keys that narrow who can use a bucket-policy grant (a Condition on anything else, such as
#: acs:SecureTransport or acs:CurrentTime, leaves the grant open to everyone)
# (acs:Referer is not among them: a Referer header is trivially forged)
RESTRICTING_KEYS = frozenset({"acs:sourceip", "acs:sourcevpc", "acs:sourcevpcid", "acs:accessid", "acs:userid"})
#: operators under which such a key admits only the values listed (a negated operator admits everyone else)
_NARROWING_OPERATORS = frozenset({"StringEquals", "StringEqualsIgnoreCase", "StringLike", "IpAddress"})


_EXPOSURE_MSGS = {Exposure.READ: Msg("snap.exposure_read"), Exposure.LIST: Msg("snap.exposure_list"),
                  Exposure.WRITE: Msg("snap.exposure_write"), Exposure.DELETE: Msg("snap.exposure_delete")}


def _admits_all(operator: str, value: str) -> bool:
    if operator == "StringLike":
        return value.strip("*") == ""
    if operator == "IpAddress":
        try:
            return ipaddress.ip_network(value, strict=False).prefixlen == 0
        except ValueError:
            return False
    return False


def _narrows(clause: ConditionClause) -> bool:
    """Does this Condition clause limit who may use the grant (to listed addresses, VPCs, keys or users)?"""
    return (clause.Key.lower() in RESTRICTING_KEYS and clause.Operator in _NARROWING_OPERATORS
            and not any(_admits_all(clause.Operator, v) for v in clause.Values))


def public_grants(policy: Policy) -> list[str] | Unknown:
    """Statements of a bucket policy that let anyone (``Principal "*"``, or ``[]``, which OSS reads as
    ``"*"``) read, list, write or delete objects or their versions (:data:`preflight.oss_actions.OBJECT_ACTIONS`,
    wildcards and NotAction included), with no Condition that narrows who. Each is worded with what it
    exposes. Unknown when the document lacks an element OSS requires."""
    why = broken(policy, Kind.BUCKET)
    if why is not None:
        return why
    found: list[str] = []
    for st in policy.Statement:
        if st.Effect != "Allow" or st.Principal is None or not st.Principal.Any:
            continue
        if any(_narrows(c) for c in st.Condition):
            continue
        reached = [action for action in OBJECT_ACTIONS if action_covered(st, action)]
        if not reached:
            continue
        exposed = [e for e in Exposure if any(OBJECT_ACTIONS[a] is e for a in reached)]
        by: Msg
        if st.NotAction:
            by = Msg("snap.public_grant_not_action", actions=Listing(st.NotAction))
        else:
            by = Listing(p for p in st.Action if any(glob_match(p, a, ignore_case=True) for a in reached))
        found.append(Worded(Msg("snap.public_grant", index=st.index, by=by,
                                exposed=Listing(_EXPOSURE_MSGS[e] for e in exposed))))
    return found
