"""Decode: the snapshot-shaped document read field by field, with its shapes checked.

Every input mode produces this one document (a snapshot file as it is; live, Terraform, ROS and plans build
it, the IaC sources adding :class:`Annotations`). Reading it keeps three states apart: a value, ``None``
(an explicit ``null``, or a missing field the absence table says means none: :mod:`preflight.facts.absence`,
the only place the :class:`Obj` readers consult), and :class:`~preflight.facts.model.Unknown` (missing, or
recorded unknown). A value of the wrong shape raises :class:`ShapeError` with its JSON pointer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from preflight import policy as pol
from preflight.errors import Foreign, Msg, Worded
from preflight.facts.absence import absent_means_none
from preflight.facts.model import Policy, Unknown
from preflight.i18n import MESSAGES, render
from preflight.model import Location
from preflight.msg import NotData, from_data, to_data
from preflight.texts.foreign import WORDED

SECTIONS = ("regions", "images", "snapshots", "tasks", "roles", "buckets")
#: the API's own wrapper key around each section's list (``{"Image": [...]}``)
WRAPPERS = {
    "regions": "Region",
    "images": "Image",
    "snapshots": "Snapshot",
    "tasks": "Task",
    "roles": "Role",
    "buckets": "Bucket",
    "exports": "Export",
}
#: the wrapper keys themselves (``DiskDeviceMapping``, ``Policy`` of AttachedPolicies), skipped in Obj.where
_WRAPPER_NAMES = frozenset({*WRAPPERS.values(), "DiskDeviceMapping", "Policy"})
_DIGITS = re.compile(r"[0-9]+")
#: the spellings of a boolean some APIs send as a string (schemas/snapshot.schema.json lists the same)
BOOL_STRINGS = frozenset({"true", "false", "True", "False", "TRUE", "FALSE"})


def short(v: Any) -> str | Msg:
    """A value for an error message: repr, cut short (a 4,000-digit number is not worth printing)."""
    if isinstance(v, int) and abs(v) >= 10**30:
        return Msg("snap.large_number")
    text = repr(v)
    return text if len(text) <= 80 else text[:77] + "..."


def not_of_type(value: str | Msg, type_: str) -> Msg:
    """"<value> is not of type '<type>'", the value already written (``repr`` or :func:`short`)."""
    return Msg("snap.not_of_type", value=value, type=type_)


class Annotations:
    """What a source other than a snapshot file (Terraform, ROS, a plan) says about its document.

    The document has the snapshot's shape; these add, by JSON pointer into it, where each element or field
    is written (so findings point at the resource or attribute to fix) and why a field could not be
    resolved (an IaC reference that cannot be followed statically: the fact is unknown). With
    ``absent_is_unknown``, an entity missing from its section is unknown rather than absent: IaC files
    describe part of an account, so an image they do not define may well exist.

    (A plain slotted class: the records here are not facts, and each dataclass costs start-up time.)
    """

    __slots__ = ("absent_is_unknown", "absent_reason", "addresses", "arguments", "given", "in_part", "links",
                 "locations", "scopes", "unknown")

    def __init__(self, *, locations: Mapping[str, Location] | None = None,
                 unknown: Mapping[str, str | Msg] | None = None, scopes: Mapping[int, str] | None = None,
                 absent_is_unknown: bool = True, absent_reason: str | Msg | None = None,
                 addresses: Mapping[str, str] | None = None, links: Mapping[str, str] | None = None,
                 arguments: Mapping[str, Mapping[str, str]] | None = None,
                 given: frozenset[str] = frozenset(),
                 in_part: Mapping[str, tuple[str | None, ...]] | None = None) -> None:
        self.locations: Mapping[str, Location] = locations if locations is not None else {}
        self.unknown: Mapping[str, str | Msg] = unknown if unknown is not None else {}
        #: export index -> "role" or "bucket": an entry that stands for an export role or bucket on its own
        self.scopes: Mapping[int, str] = scopes if scopes is not None else {}
        self.absent_is_unknown = absent_is_unknown
        self.absent_reason: str | Msg = absent_reason if absent_reason is not None else Msg("snap.not_defined")
        #: element pointer -> the IaC address of the resource it was made from (what waivers' resource globs
        #: match)
        self.addresses: Mapping[str, str] = addresses if addresses is not None else {}
        #: field pointer -> element pointer: a reference the source followed from a request field to the
        #: entity it names (``{"/exports/0/OSSBucket": "/buckets/1"}``), which the joins that declare the
        #: field as their ``link`` (:data:`preflight.facts.absence.JOINS`) take when the name is not known.
        #: An element whose key field is recorded unknown is found by such a link only, never by its name
        self.links: Mapping[str, str] = links if links is not None else {}
        #: the source's words for the document's fields: ``{"images/DiskDeviceMappings": {"SnapshotId":
        #: "snapshot_id"}}`` (Terraform arguments, ROS properties), for :meth:`missing_reason`
        self.arguments: Mapping[str, Mapping[str, str]] = arguments if arguments is not None else {}
        #: field pointers of request parameters the files write whose value they do not decide
        #: (``/exports/0/OSSBucket`` for ``oss_bucket = var.b``): given, the value unknown
        self.given = given
        #: field pointer -> the parts of a value recorded unknown that are known: its literal text and, for each
        #: run not known, None (``/buckets/0/Name``: ``("exports-", None)`` for ``"exports-${random_integer.x
        #: .result}"``; ``(None,)``: a name wholly unknown, which is still one name)
        self.in_part: Mapping[str, tuple[str | None, ...]] = in_part if in_part is not None else {}

    def __repr__(self) -> str:
        return f"Annotations({len(self.locations)} locations, {len(self.unknown)} unknown, scopes={self.scopes!r})"

    def missing_reason(self, pointer: str, key: str) -> Msg | None:
        """Why a field the document leaves out is unknown, named at the user's place: the resource's address
        and the argument as written (``alicloud_image.i: disk_device_mapping[1].snapshot_id``), or the field
        when no argument of the source sets it. ``None`` for an element without an address (the caller then
        names the pointer)."""
        tokens = pointer.split("/")[1:]
        address = self.addresses.get("/".join(("", *tokens[:2]))) if len(tokens) >= 2 else None
        if address is None:
            return None
        where, words = tokens[0], list[str]()
        for token in (*tokens[2:], key):
            if token.isdigit():
                if words:
                    words[-1] = f"{words[-1]}[{token}]"
                continue
            word = self.arguments.get(where, {}).get(token)
            if word is None:
                return Msg("iac.field_not_set", address=address, field=key)
            words.append(word)
            where = f"{where}/{token}"
        return Msg("iac.argument_not_set", address=address, argument=".".join(words))

    def place(self, pointer: str) -> str:
        """The element's address when the source gave one (what the user wrote), else its pointer."""
        tokens = pointer.split("/")[1:]
        return self.addresses.get("/".join(("", *tokens[:2])), pointer) if len(tokens) >= 2 else pointer

    def children(self, table: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        """{parent pointer: {last token: value}} for one of the pointer tables."""
        out: dict[str, dict[str, Any]] = {}
        for pointer, value in table.items():
            parent, _, key = pointer.rpartition("/")
            out.setdefault(parent, {})[key] = value
        return out


#: the facts each document field feeds, where the names differ (for locating findings on attributes)
FIELD_FACTS: dict[str, dict[str, tuple[str, ...]]] = {
    "exports": {"ImageFormat": ("ImageFormat", "EffectiveImageFormat"), "RoleName": ("RoleName", "EffectiveRoleName")},
    "buckets": {"AccessControlList": ("Grant",), "Owner": ("OwnerId",), "Policy": ("Policy", "public_grants"),
                "ServerSideEncryptionRule": ("SSEAlgorithm", "KMSMasterKeyID"),
                "BlockPublicAccess": ("BlockPublicAccess", "public_access_blocked")},
    "images": {"DiskDeviceMappings": ("disks", "data_disks")},
    "roles": {"AssumeRolePolicyDocument": ("trust_policy", "ecs_can_assume", "other_principals",
                                           "ecs_trust_conditions"),
              "AttachedPolicies": ("policies", "missing_export_actions", "export_decisions", "excess_permissions",
                                   "wildcard_resources")},
}


class ShapeError(Exception):
    def __init__(self, pointer: str, message: Msg) -> None:
        super().__init__(message)
        self.pointer = pointer
        self.message = message



# ---------------------------------------------------------------------------------------------------------
# Typed reading of one JSON object


_NO_REASONS: Mapping[str, str | Msg] = {}


class Obj:
    """A JSON object with its pointer, read field by field with the three-state semantics.

    (A plain slotted class, not a frozen dataclass: one is made per entity and export read, and a frozen
    dataclass's ``__init__`` goes through ``object.__setattr__``.)"""

    __slots__ = ("annotations", "data", "pointer", "reasons")

    def __init__(self, data: Mapping[str, Any], pointer: str, reasons: Mapping[str, str | Msg] | None = None,
                 annotations: Annotations | None = None) -> None:
        self.data = data
        self.pointer = pointer
        #: field -> why it is unknown
        self.reasons: Mapping[str, str | Msg] = reasons if reasons is not None else _NO_REASONS
        #: an IaC source's annotations: a missing field is then named where the user writes it
        self.annotations = annotations

    def __repr__(self) -> str:
        return f"Obj(pointer={self.pointer!r})"

    def missing(self, key: str) -> Unknown:
        reason = self.reasons.get(key)
        if reason is None and self.annotations is not None:
            reason = self.annotations.missing_reason(self.pointer, key)
        return Unknown(reason if reason is not None else Msg("snap.has_no", pointer=self.pointer or "/", key=key))

    @property
    def where(self) -> str:
        """The object's place without list indexes or API wrappers (``images/DiskDeviceMappings``): the key
        of the absence table (:mod:`preflight.facts.absence`)."""
        tokens = self.pointer.split("/")[1:]
        return "/".join(t for i, t in enumerate(tokens) if not t.isdigit()
                        and not (t in _WRAPPER_NAMES and i + 1 < len(tokens) and tokens[i + 1].isdigit()))

    def absent(self, key: str) -> None | Unknown:
        """What a missing field reads as: ``None`` only where the absence table says so."""
        return None if absent_means_none(self.where, key) else self.missing(key)

    def str_(self, key: str) -> str | None | Unknown:
        v = self.data.get(key)
        if not (v is None or isinstance(v, str)):  # checked even when the field is recorded unknown
            raise ShapeError(f"{self.pointer}/{key}", not_of_type(repr(v), "string"))
        if key in self.reasons:
            return Unknown(self.reasons[key])
        if key not in self.data:
            return self.absent(key)
        return v

    def req_str(self, key: str) -> str:
        v = self.data.get(key)
        if not isinstance(v, str):
            raise ShapeError(f"{self.pointer}/{key}" if key in self.data else self.pointer,
                             Msg("snap.required_string", key=key))
        return v

    def bool_(self, key: str) -> bool | None | Unknown:
        v = self.data.get(key)
        if isinstance(v, str) and v in BOOL_STRINGS:  # some APIs send "true"/"false"
            v = v.lower() == "true"
        elif not (v is None or isinstance(v, bool)):
            raise ShapeError(f"{self.pointer}/{key}", Msg("snap.not_boolean", value=v))
        if key in self.reasons:
            return Unknown(self.reasons[key])
        if key not in self.data:
            return self.absent(key)
        return v

    def int_(self, key: str) -> int | Unknown:
        v = self.data.get(key)
        number: int | None = None
        if (isinstance(v, int) and not isinstance(v, bool) and v >= 0) or (
                isinstance(v, float) and v >= 0 and v.is_integer()) or (isinstance(v, str) and _DIGITS.fullmatch(v)):
            number = int(v)
        elif key in self.data:
            raise ShapeError(f"{self.pointer}/{key}", Msg("snap.not_gib", value=short(v)))
        if key in self.reasons or number is None:
            return self.missing(key)
        return number

    def obj(self, key: str) -> Obj | None | Unknown:
        v = self.data.get(key)
        if not (v is None or isinstance(v, Mapping)):
            raise ShapeError(f"{self.pointer}/{key}", not_of_type(short(v), "object"))
        if key in self.reasons:
            return Unknown(self.reasons[key])
        if key not in self.data:
            return self.missing(key)
        return None if v is None else Obj(v, f"{self.pointer}/{key}")

    def items(self, key: str, wrapper: str) -> list[Obj] | Unknown:
        """A list given plainly or in the API's wrapper (``{"DiskDeviceMapping": [...]}``)."""
        if key in self.reasons or key not in self.data:
            return self.missing(key)
        return as_list(self.data[key], wrapper, f"{self.pointer}/{key}")


def as_list(value: Any, wrapper: str, pointer: str) -> list[Obj]:
    if isinstance(value, Mapping) and set(value) == {wrapper}:
        value, pointer = value[wrapper], f"{pointer}/{wrapper}"
    if not isinstance(value, list):
        raise ShapeError(pointer, Msg("snap.expected_list", wrapper=wrapper))
    out = []
    for i, v in enumerate(value):
        if not isinstance(v, Mapping):
            raise ShapeError(f"{pointer}/{i}", not_of_type(repr(v), "object"))
        out.append(Obj(v, f"{pointer}/{i}"))
    return out


class UnknownEntry:
    """One entry of the document's ``unknown`` list."""

    __slots__ = ("field", "match", "reason", "section")

    def __init__(self, section: str, match: Mapping[str, str], field: str | None, reason: str | Msg) -> None:
        self.section = section
        self.match = match
        self.field = field
        #: as the document words it; a live run's reasons also carry the message they were worded from
        self.reason = reason


UNKNOWN_SECTIONS = frozenset((*SECTIONS, "account_id", "public_access_block"))
_UNKNOWN_KEYS = frozenset({"section", "match", "field", "reason", "key", "values"})


def record_reasons(doc: Any) -> Any:
    """``doc`` (a snapshot, or a fleet of them) with each unknown reason that keeps its message written with
    the message's key and values beside its English text: ``{"reason": "...", "key": "live.denied",
    "values": {...}}``. The reader words the reason from them (:func:`recorded_reason`); an older reader
    reads the English ``reason`` as before."""
    if isinstance(doc, list):
        return [record_reasons(v) for v in doc]
    if not isinstance(doc, dict):
        return doc
    out = {k: record_reasons(v) for k, v in doc.items()}
    for entry in out.get("unknown", []) if isinstance(out.get("unknown"), list) else []:
        msg = getattr(entry.get("reason"), "msg", None) if isinstance(entry, dict) else None
        if isinstance(msg, Msg):
            try:
                data = to_data(msg)
            except NotData:
                continue  # a value with no plain form: the English text alone, read back as before
            entry["key"], entry["values"] = data["key"], data["values"]
    return out


def recorded_reason(o: Obj, english: str) -> Msg:
    """The message of an unknown reason a snapshot recorded: from its ``key`` and ``values`` when they word
    exactly the English ``reason`` beside them; else the English text, worded again by matching the catalogue
    (a snapshot of an older preflight, or one edited by hand)."""
    key, values = o.data.get("key"), o.data.get("values")
    if "key" in o.data and not isinstance(key, str):
        raise ShapeError(f"{o.pointer}/key", not_of_type(repr(key), "string"))
    if "values" in o.data and not isinstance(values, dict):
        raise ShapeError(f"{o.pointer}/values", not_of_type(repr(values), "object"))
    if isinstance(key, str) and key in MESSAGES:
        try:
            msg = from_data({"key": key, "values": values or {}})
            if isinstance(msg, Msg) and render(msg, "en") == english:
                render(msg, "zh")  # every placeholder is there in the other language too
                return msg
        except (NotData, KeyError, IndexError, ValueError, TypeError, AttributeError):
            pass  # values that do not fit the message: the English text stands
    return Msg("as_recorded", text=Foreign(WORDED, english))


def unknown_entries(doc: Mapping[str, Any]) -> list[UnknownEntry]:
    raw = doc.get("unknown", [])
    if not isinstance(raw, list):
        raise ShapeError("/unknown", not_of_type(repr(raw), "array"))
    out = []
    for o in as_list(raw, "Unknown", "/unknown"):
        extra = set(o.data) - _UNKNOWN_KEYS
        if extra:
            raise ShapeError(o.pointer, Msg("snap.unexpected_key", key=sorted(extra)[0],
                                            allowed=sorted(_UNKNOWN_KEYS)))
        section = o.req_str("section")
        if section not in UNKNOWN_SECTIONS:
            raise ShapeError(f"{o.pointer}/section", Msg("snap.not_one_of", value=section,
                                                         allowed=sorted(UNKNOWN_SECTIONS)))
        recorded = o.req_str("reason")
        # a live run's reason keeps its message; one read from a file is read back from its key and values
        reason = recorded.msg if isinstance(recorded, Worded) else recorded_reason(o, recorded)
        match = o.data.get("match", {})
        if not isinstance(match, Mapping) or not all(isinstance(v, str) for v in match.values()):
            raise ShapeError(f"{o.pointer}/match", Msg("snap.match_strings"))
        fld = o.data.get("field")
        if "field" in o.data and not isinstance(fld, str):
            raise ShapeError(f"{o.pointer}/field", not_of_type(repr(fld), "string"))
        out.append(UnknownEntry(section, dict(match), fld, reason))
    return out


class Unknowns:
    def __init__(self, entries: list[UnknownEntry]) -> None:
        self._entries = entries

    def whole(self, section: str, keys: Mapping[str, str | None]) -> str | Msg | None:
        """The reason an entity of ``section`` with these identifying fields is unknown, if it is."""
        for e in self._entries:
            if e.section == section and e.field is None and all(keys.get(k) == v for k, v in e.match.items()):
                return e.reason
        return None

    def fields(self, section: str, keys: Mapping[str, str | None]) -> dict[str, str | Msg]:
        return {
            e.field: e.reason
            for e in self._entries
            if e.section == section and e.field is not None
            and all(keys.get(k) == v for k, v in e.match.items())
        }


#: the fields that identify an entity of each section
#: the fields that identify an entity of each section (its name)
KEY_FIELDS = {"regions": ("RegionId",), "images": ("RegionId", "ImageId"), "snapshots": ("SnapshotId",),
               "buckets": ("Name",), "roles": ("RoleName",)}


def key_of(section: str, o: Obj) -> tuple[str, ...]:
    return tuple(o.req_str(f) for f in KEY_FIELDS[section])


def nested_str(o: Obj, outer: str, inner: str) -> str | None | Unknown:
    sub = o.obj(outer)
    if sub is None or isinstance(sub, Unknown):
        return sub
    return sub.str_(inner)


def policy_field(o: Obj, key: str) -> Policy | None | Unknown:
    if key in o.reasons:
        return Unknown(o.reasons[key])
    if key not in o.data:
        return o.missing(key)
    v = o.data[key]
    if v is None or v == "":
        return None
    try:
        return pol.parse_policy(v)
    except pol.PolicyError as e:
        raise ShapeError(f"{o.pointer}/{key}{e.pointer}", e.message) from None


