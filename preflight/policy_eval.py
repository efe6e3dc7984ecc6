"""The conservative policy evaluator: one request against a set of policies, with the statements that decided it.

Anything it cannot decide (a ``Condition`` that may or may not hold for the ECS service's request, a document
lacking an element RAM requires) makes the answer conditional or broken, never an allow.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from preflight.errors import Listing, Msg, Worded
from preflight.export_role import ECS_SERVICE
from preflight.facts import Policy, Principal, Statement, Unknown
from preflight.fieldrepr import FieldsRepr
from preflight.i18n import render
from preflight.policy_match import (
    OpenText,
    _arn_covered,
    _service_name,
    action_covered,
    conditions_hold,
    glob_match,
)
from preflight.policy_parse import Kind, broken

# ---------------------------------------------------------------------------------------------------------
# The evaluator: one request against a set of policies, with the statements that decided it


class Effect(enum.StrEnum):
    ALLOW = "allow"
    DENY = "deny"  # an explicit Deny applies
    IMPLICIT_DENY = "implicit-deny"  # no Allow applies
    CONDITIONAL = "conditional"  # the answer turns on Conditions whose keys are not known for this request
    BROKEN = "broken"  # a document lacks an element RAM requires: what it allows cannot be told


@dataclass(frozen=True, repr=False)
class PrincipalRef(FieldsRepr):
    """Who makes a request: ``Service`` (``ecs.aliyuncs.com``), ``RAM`` (an ARN such as
    ``acs:ram::123:root`` / ``:user/x`` / ``:role/y``, or an account UID in OSS bucket policies),
    ``Federated`` (a SAML provider ARN) or ``Anonymous``."""

    kind: str
    value: str = ""


ECS_PRINCIPAL = PrincipalRef("Service", ECS_SERVICE)
ANONYMOUS = PrincipalRef("Anonymous")


@dataclass(frozen=True, repr=False)
class Request(FieldsRepr):
    """A request a policy is asked about: action, resource and condition values."""

    action: str
    #: an :class:`OpenText` when part of it is not known (a statement that may or may not cover it makes the
    #: answer depend on that part, like an undecided Condition)
    resource: str | OpenText = "*"
    principal: PrincipalRef | None = None
    #: condition keys known for this request (``acs:SecureTransport`` -> ("true",)); others are unknown
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, repr=False)
class StatementRef(FieldsRepr):
    """A statement that took part in a decision: its policy, position and effect."""

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


@dataclass(frozen=True, repr=False)
class Decision(FieldsRepr):
    """A policy's answer to a request, with the statements that gave it."""

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
        what = {"action": request.action, "resource": str(request.resource)}
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


def applies(st: Statement, request: Request) -> bool | None:
    """Action, resource and principal of the statement cover the request (Conditions aside); None when that
    depends on the part of the request's resource that is not known (:class:`OpenText`)."""
    if not action_covered(st, request.action):
        return False
    covered: bool | None = True
    if st.Resource or st.NotResource:
        covered = _arn_covered(st, request.resource)
        if covered is False:
            return False
    elif request.principal is None:
        return False  # a permission statement without Resource grants nothing (trust statements have none)
    return covered if principal_matches(st.Principal, request.principal) else False


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
            covers = applies(st, request)
            if covers is False:
                continue
            held, keys = conditions_hold(st.Condition, request.context)
            if held is False:
                continue
            if covers is None and isinstance(request.resource, OpenText):
                # it covers the resource for some values of its unknown part only: the answer depends on it
                held, keys = None, (*keys, f"<{request.resource.shown}>")
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
