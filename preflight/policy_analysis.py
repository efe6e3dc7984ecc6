"""The analyses the export rules need, built on the evaluator: may the ECS service assume the role (trust),
which export actions the role's policies leave missing or grant in excess, and what a bucket policy makes public.

Conservative like the evaluator: what cannot be decided is unknown, never a pass.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from preflight.errors import Listing, Msg, Worded
from preflight.export_role import ASSUME_ROLE, BUCKET_LEVEL_ACTIONS, DEFAULT_EXPORT_POLICY, EXPORT_ACTIONS
from preflight.facts import ConditionClause, Policy, Statement, Unknown
from preflight.facts.partly import KnownInPart
from preflight.oss_actions import OBJECT_ACTIONS, Exposure
from preflight.policy_eval import (
    ANONYMOUS,
    ECS_PRINCIPAL,
    Decision,
    Effect,
    PrincipalRef,
    Request,
    evaluate,
    principal_matches,
)
from preflight.policy_match import OpenRun, OpenText, _arn_covered, _is_ecs_service, action_covered, glob_match
from preflight.policy_parse import Kind, broken

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


#: an export's bucket: its name, or one known in part (a bucket the IaC files create, named in part)
BucketName = str | KnownInPart

#: what follows the image id in the name of an object the export writes (domain.md §1 notes)
_OBJECT_TAIL = "_system.raw.tar.gz"


def export_targets(bucket: BucketName, prefix: str | None, image_id: str | Unknown | None,
                   account: str | None = None) -> tuple[str | OpenText, str | OpenText]:
    """The bucket ARN and a representative object ARN the export writes (naming per domain.md §1 notes).

    The account field is the bucket owner's when known, else ``*``; the region field is ``*`` (OSS ARNs
    take only ``*`` as region). An image id that is not known (an image the IaC files create: ECS gives its
    id) makes the object ARN an :class:`OpenText`, known but for the id (never a made-up id); a bucket name
    known in part (:class:`KnownInPart`: ``exports-`` then a part not known) makes both ARNs one, known but
    for those parts (each a name's characters, maybe none). The evaluator then decides what holds whatever
    they are, and the rest is unknown."""
    acct = account or "*"
    name: tuple[str | OpenRun, ...] = (bucket,) if isinstance(bucket, str) else tuple(
        p if p is not None else OpenRun(bucket.shown or "OSSBucket", empty=True) for p in bucket.parts)
    image: str | OpenRun = OpenRun(image_id.shown or "ImageId") if isinstance(image_id, Unknown) \
        else image_id or "m-image"
    return (OpenText.of((f"acs:oss:*:{acct}:", *name)),
            OpenText.of((f"acs:oss:*:{acct}:", *name, f"/{prefix or ''}_", image, _OBJECT_TAIL)))


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

    ``documents`` holds (policy name, parsed document). A ``None`` document is one that could not be read —
    except for :data:`DEFAULT_EXPORT_POLICY`, the documented system policy, taken as granting every export
    action on ``*`` — and so are the policies named in ``unread``. A policy not read may grant what the others
    lack or Deny what they grant: every answer it could change is unknown, naming it (never left out).
    """

    def __init__(self, documents: Iterable[tuple[str, Policy | None]], unread: Iterable[str] = ()) -> None:
        self.documents: list[tuple[str, Policy]] = []
        unread_names = list(unread)
        for name, doc in documents:
            if doc is None:
                if name != DEFAULT_EXPORT_POLICY:
                    unread_names.append(name)
                    continue
                doc = Policy("1", [Statement(1, None, "Allow", list(EXPORT_ACTIONS), [], ["*"], [], None, [])])
            self.documents.append((name, doc))
        #: why an answer the policies not read could change is unknown; None when every document was read
        self.unread = Unknown(Msg("snap.policy_doc_unknown", names=", ".join(unread_names))) if unread_names else None
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

    def signature(self, bucket: BucketName, prefix: str | None, image_id: str | Unknown | None,
                  account: str | None = None) -> tuple[object, ...]:
        """Equal for two exports exactly when every statement applies to both alike (same answer)."""
        bucket_arn, object_arn = export_targets(bucket, prefix, image_id, account)
        # (an unknown id's name is in it: an answer that depends on the id says which image)
        opened = object_arn.shown if isinstance(object_arn, OpenText) else None
        return (bucket_arn, opened, *(_arn_covered(s, object_arn) for _, s, _ in self._relevant))

    def missing(self, bucket: BucketName, prefix: str | None, image_id: str | Unknown | None, account: str | None = None
                ) -> list[str] | Unknown:
        return self.answer(bucket, prefix, image_id, account)[0]

    def decisions(self, bucket: BucketName, prefix: str | None, image_id: str | Unknown | None,
                  account: str | None = None) -> list[str] | Unknown:
        """For each export action: which statement allowed or denied it (evidence)."""
        return self.answer(bucket, prefix, image_id, account)[1]

    def answer(self, bucket: BucketName, prefix: str | None, image_id: str | Unknown | None, account: str | None = None,
               signature: tuple[object, ...] | None = None) -> tuple[list[str] | Unknown, list[str] | Unknown]:
        """(missing actions, decisions) for an export's target; ``signature`` when the caller has it already."""
        key = signature if signature is not None else self.signature(bucket, prefix, image_id, account)
        if key not in self._memo:
            self._memo[key] = self._evaluate(bucket, prefix, image_id, account)
        return self._memo[key]

    def _evaluate(self, bucket: BucketName, prefix: str | None, image_id: str | Unknown | None, account: str | None
                  ) -> tuple[list[str] | Unknown, list[str] | Unknown]:
        if self.broken is not None:
            return self.broken, self.broken
        missing, explained = self._evaluate_read(bucket, prefix, image_id, account)
        if self.unread is not None and isinstance(missing, list):  # what is read is evidence; the answer is not
            return self.unread, explained
        return missing, explained

    def _evaluate_read(self, bucket: BucketName, prefix: str | None, image_id: str | Unknown | None, account: str | None
                       ) -> tuple[list[str] | Unknown, list[str]]:
        bucket_arn, object_arn = export_targets(bucket, prefix, image_id, account)
        missing: list[str] = []
        conditional: list[str] = []
        on_id: list[str] = []  # conditional on the unknown parts of the ARNs (image id, bucket name)
        explained: list[str] = []
        for action in EXPORT_ACTIONS:
            request = Request(action, bucket_arn if action in BUCKET_LEVEL_ACTIONS else object_arn)
            policies = [(name, Policy(None, [s])) for name, s, acts in self._relevant if action in acts]
            decision = evaluate(policies, request)
            explained.append(decision.explain(request))
            if decision.effect is Effect.CONDITIONAL:
                opened = request.resource if isinstance(request.resource, OpenText) else None
                (on_id if opened and f"<{opened.shown}>" in decision.undecided else conditional).append(action)
            elif not decision.allowed:
                missing.append(action)
        if missing:
            return missing, explained
        if account is None and self._names_accounts:
            shown = bucket if isinstance(bucket, str) else bucket.shown or "?"
            return Unknown(Msg("snap.account_scoped", bucket=shown)), explained
        if on_id:
            image = image_id.shown or "?" if isinstance(image_id, Unknown) else None
            if isinstance(bucket, KnownInPart):
                why = Msg("iac.depends_on_bucket_name", actions=Listing(on_id), bucket=bucket.shown or "?") \
                    if image is None else Msg("iac.depends_on_bucket_name_image_id", actions=Listing(on_id),
                                              bucket=bucket.shown or "?", image=image)
            else:
                why = Msg("snap.depends_on_image_id", actions=Listing(on_id), image=image or "?")
            return Unknown(why), explained
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
        return found or self.unread or []

    def wildcard_resources(self) -> list[str] | Unknown:
        """Allows of export actions on every resource (``"*"``) rather than the export bucket."""
        if self.broken is not None:
            return self.broken
        found: list[str] = []
        for name, st, _ in self._relevant:
            if st.Effect == "Allow" and any(r in ("*", "acs:oss:*:*:*") for r in st.Resource):
                found.append(Worded(Msg("snap.statement_ref", index=st.index, policy=name)))
        return found or self.unread or []


def missing_export_actions(
    documents: Iterable[tuple[str, Policy | None]], bucket: str, prefix: str | None, image_id: str | None
) -> list[str] | Unknown:
    """Which export actions the attached policies do not allow on the export bucket (or a Deny blocks).

    ``documents`` holds (policy name, parsed document); a ``None`` document is the documented system policy
    :data:`DEFAULT_EXPORT_POLICY`, taken as granting all export actions on ``*``, or, for any other name, a
    document that could not be read (the answer is then unknown, see :class:`ExportPermissions`).
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
