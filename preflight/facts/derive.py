"""Derive: facts computed from other facts, once per distinct input.

- a role's trust facts and the breadth of its permissions (once per role), and which export actions it is
  missing (per export: they depend on the bucket, prefix and image; exports whose answers cannot differ share
  one ``Role`` object, and so one memoised rule outcome in the engine);
- a bucket's public grants and whether Block Public Access makes them moot;
- the least-privilege fix for an export (the texts are :mod:`preflight.remediation`'s).

The analyses are :mod:`preflight.policy`'s (conservative: what it cannot decide is unknown); this module
decides which facts they feed and how an unknown input makes the derived fact unknown.
"""

from __future__ import annotations

import dataclasses

from preflight import policy as pol
from preflight import remediation
from preflight.errors import Msg
from preflight.export_role import DEFAULT_EXPORT_POLICY
from preflight.facts.model import AttachedPolicy, Fix, Policy, Request, Role, Unknown
from preflight.facts.partly import KnownInPart

#: the base role's per-export facts until an export's bucket and prefix are joined to it (fails safe: unknown)
NOT_JOINED = Unknown(Msg("snap.role_not_joined"))


class Permissions:
    """What a role's attached policies grant (a policy whose document is unknown makes the answers it could
    change unknown: :class:`preflight.policy.ExportPermissions`)."""

    __slots__ = ("export",)

    def __init__(self, attached: list[AttachedPolicy]) -> None:
        documents: list[tuple[str, Policy | None]] = []
        unread: list[str] = []
        for a in attached:
            if not isinstance(a.PolicyDocument, Unknown):
                documents.append((a.PolicyName, a.PolicyDocument))
            elif a.PolicyName == DEFAULT_EXPORT_POLICY and a.PolicyType == "System":
                documents.append((a.PolicyName, None))  # the documented system policy: all export actions
            else:  # a custom policy, even one of that name, may say anything
                unread.append(a.PolicyName)
        self.export = pol.ExportPermissions(documents, unread)


def role_facts(role: Role, trust: Policy | Unknown, attached: list[AttachedPolicy] | Unknown,
               permissions: Permissions | None) -> Role:
    """``role`` (its read facts) with the facts derived from its trust and attached policies filled in."""
    excess: list[str] | Unknown
    wildcard: list[str] | Unknown
    if permissions is None:
        assert isinstance(attached, Unknown)
        excess = wildcard = attached
    else:
        excess, wildcard = permissions.export.excess(), permissions.export.wildcard_resources()
    return dataclasses.replace(
        role,
        ecs_can_assume=trust if isinstance(trust, Unknown) else pol.ecs_can_assume(trust),
        other_principals=trust if isinstance(trust, Unknown) else pol.other_principals(trust),
        # judged per export (see PerExport.role); never an empty list here, which would read "nothing missing"
        missing_export_actions=attached if isinstance(attached, Unknown) else NOT_JOINED,
        export_decisions=attached if isinstance(attached, Unknown) else NOT_JOINED,
        ecs_trust_conditions=trust if isinstance(trust, Unknown) else pol.ecs_trust_conditions(trust),
        excess_permissions=excess,
        wildcard_resources=wildcard,
    )


def public_grants(policy: Policy | None | Unknown) -> list[str] | Unknown:
    return policy if isinstance(policy, Unknown) else pol.public_grants(policy) if policy else []


def either_on(a: bool | Unknown, b: bool | Unknown) -> bool | Unknown:
    """Three-valued OR: on when either is on; off only when both are known off."""
    if a is True or b is True:
        return True
    return a if isinstance(a, Unknown) else b


class PerExport:
    """The facts judged per export, each cached by what it depends on (typed caches, one per kind)."""

    def __init__(self) -> None:
        self._roles: dict[tuple[str, ...], Role] = {}
        self._unknown_target: dict[tuple[str, str | Msg], Role] = {}
        self._fixes: dict[tuple[str, str, str, str], Fix] = {}

    def role(self, name: str, role: Role, permissions: Permissions | None, bucket: str | Unknown | None,
             prefix: str | Unknown | None, image_id: str | Unknown | None, account: str | None) -> Role:
        """The role as one export uses it: its permissions are judged against that export's bucket and prefix.

        Exports on which every policy statement applies alike share one Role object (the engine memoises
        rule outcomes on shared facts)."""
        if permissions is None:
            return role
        # an unknown image id, or a bucket name known in part, leaves the ARNs known but for those parts: the
        # policies are judged on them (policy.export_targets), and what turns on those parts is unknown
        unknown_input = next((v for v in (bucket, prefix) if isinstance(v, Unknown)
                              and not isinstance(v, KnownInPart)), None)
        if unknown_input is not None:  # which bucket or objects the role must reach is not known
            key = (name, unknown_input.reason)
            unknown_target = self._unknown_target.get(key)
            if unknown_target is None:
                unknown_target = self._unknown_target[key] = dataclasses.replace(
                    role, missing_export_actions=unknown_input, export_decisions=unknown_input)
            return unknown_target
        assert not isinstance(prefix, Unknown)
        assert isinstance(bucket, KnownInPart) or not isinstance(bucket, Unknown)
        target = (bucket or "*", prefix, image_id, account)
        signature = permissions.export.signature(*target)  # (ARN matching: once per export, not three times)
        role_key = (name, *map(str, signature))
        judged = self._roles.get(role_key)
        if judged is None:
            missing, decisions = permissions.export.answer(*target, signature=signature)
            judged = self._roles[role_key] = dataclasses.replace(role, missing_export_actions=missing,
                                                                 export_decisions=decisions)
        return judged

    def fix(self, req: Request, account: str | None) -> Fix | Unknown | None:
        """The least-privilege role for this export (unknown when its role, bucket or prefix is)."""
        role, bucket, prefix = req.EffectiveRoleName, req.OSSBucket, req.OSSPrefix
        for v in (role, bucket, prefix):
            if isinstance(v, Unknown):
                # the fix is unknown for the same reason; not shown as the value it came from (an IaC bucket's
                # address would read as the policy document in a command)
                return Unknown(v.reason, v.path)
        if not isinstance(role, str):
            return None
        assert not isinstance(bucket, Unknown) and not isinstance(prefix, Unknown)
        key = (role, bucket or "", prefix or "", account or "")
        fix = self._fixes.get(key)
        if fix is None:  # the texts are written once and filled in per export (remediation._templates)
            parts = remediation.least_privilege_fix(role, bucket, prefix, account)
            fix = self._fixes[key] = Fix(trust_policy=str(parts["trust_policy"]),
                                         permission_policy=parts["permission_policy"],
                                         policy_name=parts["policy_name"], terraform=parts["terraform"],
                                         ros=parts["ros"])
        return fix
