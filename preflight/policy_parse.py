"""RAM policy documents parsed into typed facts (``Policy``, ``Statement``, ``Principal``).

Trust policies, permission policies and OSS bucket policies share one shape (``Version`` + ``Statement``);
``Principal`` appears in trust and bucket policies. Values may be a string or a list; documents may arrive as
JSON strings (as RAM returns them) or as objects. This module normalises all of that, and says which element a
document lacks (``broken``) so that its answer becomes unknown, never a pass.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from preflight.errors import Foreign, Listing, Msg
from preflight.facts import ConditionClause, Policy, Principal, Statement, Unknown
from preflight.fieldrepr import FieldsRepr


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


@dataclass(frozen=True, repr=False)
class Gap(FieldsRepr):
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
