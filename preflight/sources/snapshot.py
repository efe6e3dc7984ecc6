"""Offline snapshots (design.md): a JSON document of what the APIs returned, turned into export subjects.

Semantics: a section that is present is the complete truth for its kind; an absent section is unknown.
A field missing from an object is unknown too (the API would have sent it), except the fields the absence
table lists (:mod:`preflight.absence`: the API itself leaves them out when unset); the readers of ``Obj``
consult that table and nothing else. An explicit ``null`` means "learned: none". An entity missing from its
present section is absent or unknown as its join declares there (a disk's snapshot: unknown).
The optional ``unknown`` list records what a live run could not learn although its section is present.

Validation: building the typed facts checks every shape the facts use. Only when that finds a problem is
``schemas/snapshot.schema.json`` run (jsonschema costs ~80 ms to import), to report every violation at
once, each with its JSON pointer and line. A test keeps the two in agreement on generated documents.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from preflight import policy as pol
from preflight.absence import absent_means_none, missing_target
from preflight.errors import Foreign, Msg, PreflightError, Worded
from preflight.facts import (
    DEFAULT_IMAGE_FORMAT,
    DEFAULT_ROLE_NAME,
    AttachedPolicy,
    Bucket,
    Disk,
    Fix,
    Image,
    Policy,
    Region,
    Request,
    Role,
    Snapshot,
    Subject,
    Task,
    Unknown,
)
from preflight.model import Location
from preflight.sources import jsonpos
from preflight.sources.common import display_path, read_text
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
RUNNING_TASK_STATUSES = frozenset({"Processing", "Waiting"})
NO_SSE = frozenset({"", "none"})
_DIGITS = re.compile(r"[0-9]+")
#: the spellings of a boolean some APIs send as a string (schemas/snapshot.schema.json lists the same)
BOOL_STRINGS = frozenset({"true", "false", "True", "False", "TRUE", "FALSE"})


def _short(v: Any) -> str | Msg:
    """A value for an error message: repr, cut short (a 4,000-digit number is not worth printing)."""
    if isinstance(v, int) and abs(v) >= 10**30:
        return Msg("snap.large_number")
    text = repr(v)
    return text if len(text) <= 80 else text[:77] + "..."


def _not_of_type(value: str | Msg, type_: str) -> Msg:
    """"<value> is not of type '<type>'", the value already written (``repr`` or :func:`_short`)."""
    return Msg("snap.not_of_type", value=value, type=type_)


@dataclass(frozen=True)
class Annotations:
    """What a source other than a snapshot file (Terraform, ROS, a plan) says about its document.

    The document has the snapshot's shape; these add, by JSON pointer into it, where each element or field
    is written (so findings point at the resource or attribute to fix) and why a field could not be
    resolved (an IaC reference that cannot be followed statically: the fact is unknown). With
    ``absent_is_unknown``, an entity missing from its section is unknown rather than absent: IaC files
    describe part of an account, so an image they do not define may well exist.
    """

    locations: Mapping[str, Location] = field(default_factory=dict)
    unknown: Mapping[str, str | Msg] = field(default_factory=dict)
    #: export index -> "role" or "bucket": an entry that stands for an export role or bucket on its own
    scopes: Mapping[int, str] = field(default_factory=dict)
    absent_is_unknown: bool = True
    absent_reason: str | Msg = Msg("snap.not_defined")
    #: element pointer -> the IaC address of the resource it was made from (what waivers' resource globs match)
    addresses: Mapping[str, str] = field(default_factory=dict)

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
                "ServerSideEncryptionRule": ("SSEAlgorithm", "KMSMasterKeyID")},
    "images": {"DiskDeviceMappings": ("disks", "data_disks")},
    "roles": {"AssumeRolePolicyDocument": ("trust_policy", "ecs_can_assume", "other_principals",
                                           "ecs_trust_conditions"),
              "AttachedPolicies": ("policies", "missing_export_actions", "export_decisions", "excess_permissions",
                                   "wildcard_resources")},
}


def is_snapshot_document(doc: Any) -> bool:
    return isinstance(doc, Mapping) and "version" in doc and "exports" in doc


#: the base role's per-export facts until an export's bucket and prefix are joined to it (fails safe: unknown)
_NOT_JOINED = Unknown(Msg("snap.role_not_joined"))


class ShapeError(Exception):
    def __init__(self, pointer: str, message: Msg) -> None:
        super().__init__(message)
        self.pointer = pointer
        self.message = message


# ---------------------------------------------------------------------------------------------------------
# Typed reading of one JSON object


@dataclass(frozen=True)
class Obj:
    """A JSON object with its pointer, read field by field with the three-state semantics."""

    data: Mapping[str, Any]
    pointer: str
    reasons: Mapping[str, str | Msg] = field(default_factory=dict)  # field -> why it is unknown

    def missing(self, key: str) -> Unknown:
        reason = self.reasons.get(key)
        return Unknown(reason if reason is not None else Msg("snap.has_no", pointer=self.pointer or "/", key=key))

    @property
    def where(self) -> str:
        """The object's place without list indexes or API wrappers (``images/DiskDeviceMappings``): the key
        of the absence table (:mod:`preflight.absence`)."""
        tokens = self.pointer.split("/")[1:]
        return "/".join(t for i, t in enumerate(tokens) if not t.isdigit()
                        and not (t in _WRAPPER_NAMES and i + 1 < len(tokens) and tokens[i + 1].isdigit()))

    def absent(self, key: str) -> None | Unknown:
        """What a missing field reads as: ``None`` only where the absence table says so."""
        return None if absent_means_none(self.where, key) else self.missing(key)

    def str_(self, key: str) -> str | None | Unknown:
        v = self.data.get(key)
        if not (v is None or isinstance(v, str)):  # checked even when the field is recorded unknown
            raise ShapeError(f"{self.pointer}/{key}", _not_of_type(repr(v), "string"))
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
            raise ShapeError(f"{self.pointer}/{key}", Msg("snap.not_gib", value=_short(v)))
        if key in self.reasons or number is None:
            return self.missing(key)
        return number

    def obj(self, key: str) -> Obj | None | Unknown:
        v = self.data.get(key)
        if not (v is None or isinstance(v, Mapping)):
            raise ShapeError(f"{self.pointer}/{key}", _not_of_type(_short(v), "object"))
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
            raise ShapeError(f"{pointer}/{i}", _not_of_type(repr(v), "object"))
        out.append(Obj(v, f"{pointer}/{i}"))
    return out


# ---------------------------------------------------------------------------------------------------------
# The "unknown" list: what could not be learned although its section is present


@dataclass(frozen=True)
class UnknownEntry:
    section: str
    match: Mapping[str, str]
    field: str | None
    #: as the document words it; a live run's reasons also carry the message they were worded from
    reason: str | Msg


UNKNOWN_SECTIONS = frozenset((*SECTIONS, "account_id", "public_access_block"))
_UNKNOWN_KEYS = frozenset({"section", "match", "field", "reason"})


def _unknown_entries(doc: Mapping[str, Any]) -> list[UnknownEntry]:
    raw = doc.get("unknown", [])
    if not isinstance(raw, list):
        raise ShapeError("/unknown", _not_of_type(repr(raw), "array"))
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
        # a live run's reason keeps its message; one read from a file is English, worded again where preflight
        # wrote it (`preflight snapshot`)
        reason = recorded.msg if isinstance(recorded, Worded) else Msg("as_recorded", text=Foreign(WORDED, recorded))
        match = o.data.get("match", {})
        if not isinstance(match, Mapping) or not all(isinstance(v, str) for v in match.values()):
            raise ShapeError(f"{o.pointer}/match", Msg("snap.match_strings"))
        fld = o.data.get("field")
        if "field" in o.data and not isinstance(fld, str):
            raise ShapeError(f"{o.pointer}/field", _not_of_type(repr(fld), "string"))
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


# ---------------------------------------------------------------------------------------------------------
# Building the facts


class _Builder:
    def __init__(self, doc: Mapping[str, Any], path: str | None, lines: Mapping[str, list[int]],
                 annotations: Annotations | None = None) -> None:
        self.doc = doc
        self.path = path
        self.lines = lines
        self.annotations = annotations
        self._child_locations = annotations.children(annotations.locations) if annotations else {}
        self._child_unknown = annotations.children(annotations.unknown) if annotations else {}
        self.unknowns = Unknowns(_unknown_entries(doc))
        self.sections: dict[str, list[Obj] | None] = {
            s: as_list(doc[s], WRAPPERS[s], f"/{s}") if s in doc else None for s in SECTIONS
        }
        self._cache: dict[tuple[object, ...], Any] = {}
        #: role name -> its attached policies whose documents are unknown
        self._unknown_docs: dict[str, str] = {}
        #: running export tasks by the image they export, built on first use
        self._tasks_by_resource: dict[str | None | Unknown, list[tuple[Task, str | None]]] | None = None
        #: tasks that may be running exports, a field lost (task, region, why the answer is unknown)
        self._uncertain_tasks: list[tuple[Task, str | None, Unknown]] = []
        self.account_id = self._account_id()
        self.account_bpa = self._account_bpa()
        self.region_ids = self._index("regions")
        self.images = self._index("images")
        self.snapshots = self._index("snapshots")
        self.roles = self._index("roles")
        self.buckets = self._index("buckets")
        self.tasks = self._tasks()

    def check_unreferenced(self) -> None:
        """Build what no export referenced too, so a malformed entity is reported wherever it is."""
        captured_at = self.doc.get("captured_at")
        if "captured_at" in self.doc and not isinstance(captured_at, str):
            raise ShapeError("/captured_at", _not_of_type(repr(captured_at), "string"))
        # Every entity of every section is read for its shape: those the exports did not reach, those
        # recorded unknown, earlier duplicates. A builder that ignores the unknown list does it, its index
        # pointed at each in turn; what the exports already built from the same object is not read again.
        shadow = _Builder(self.doc, None, {})
        shadow.unknowns = Unknowns([])
        for section, index, cache_tag, build in (
            ("images", shadow.images, "image", lambda k: shadow._build_image(k[0], k[1])),
            ("snapshots", shadow.snapshots, "snapshot", lambda k: shadow._snapshot(k[0])),
            ("buckets", shadow.buckets, "bucket", lambda k: shadow._build_bucket(k[0])),
            ("roles", shadow.roles, "role-base", lambda k: shadow._build_role(k[0])),
        ):
            if index is None:
                continue
            real_index: dict[tuple[str, ...], Obj] = getattr(self, section) or {}
            for o in shadow.sections[section] or ():
                key = _key_of(section, o)
                built = self._cache.get((cache_tag, *key))
                real = real_index.get(key)
                if real is not None and real.pointer == o.pointer and not (built is None or isinstance(built, Unknown)):
                    continue  # built from this very object, shape checked
                saved = index[key]
                index[key] = o
                shadow._cache.clear()
                build(key)
                index[key] = saved

    # -- indexes ------------------------------------------------------------------------------------------
    def _account_id(self) -> str | Unknown:
        v = self.doc.get("account_id")
        if v is not None and not isinstance(v, str):
            raise ShapeError("/account_id", _not_of_type(_short(v), "string"))
        why = self.unknowns.whole("account_id", {})
        if why:
            return Unknown(why)
        if v is None:  # absent or null: not learned
            return self._no_section("account_id") if self.annotations else Unknown(Msg("snap.no_account_id"))
        if not isinstance(v, str):
            raise ShapeError("/account_id", _not_of_type(repr(v), "string"))
        return v

    def _account_bpa(self) -> bool | Unknown:
        """The account-level Block Public Access (``public_access_block``, from GetPublicAccessBlock)."""
        why = self.unknowns.whole("public_access_block", {})
        if why:
            return Unknown(why)
        if "public_access_block" not in self.doc:
            return self._no_section("public_access_block")
        raw = self.doc["public_access_block"]
        if not isinstance(raw, Mapping):
            raise ShapeError("/public_access_block", _not_of_type(_short(raw), "object"))
        o = Obj(raw, "/public_access_block")
        v = o.bool_("BlockPublicAccess")
        return o.missing("BlockPublicAccess") if v is None else v

    def _index(self, section: str) -> dict[tuple[str, ...], Obj] | None:
        objs = self.sections[section]
        if objs is None:
            return None
        return {_key_of(section, o): o for o in objs}  # a duplicate: the last one counts, as in JSON objects

    def _tasks(self) -> list[tuple[Task, str | None]] | None:
        """Every task with the region it was listed in (API task objects carry no RegionId of their own).

        Each field is three-state: a task that lost its ``TaskStatus`` or ``ResourceId`` may be a running
        export of any image (see :meth:`_running_tasks`)."""
        objs = self.sections["tasks"]
        if objs is None:
            return None
        out = []
        for o in objs:
            o = self._obj(o, {})
            region = o.str_("RegionId")
            task = Task(
                TaskId=o.str_("TaskId"),
                TaskAction=o.str_("TaskAction"),
                TaskStatus=o.str_("TaskStatus"),
                ResourceId=o.str_("ResourceId"),
                location=self._loc(o),
            )
            out.append((task, region if isinstance(region, str) else None))
        return out

    def _obj(self, found: Obj, reasons: Mapping[str, str | Msg]) -> Obj:
        """The entity's object with every reason its fields are unknown (live entries, IaC references)."""
        extra = self._child_unknown.get(found.pointer)
        return Obj(found.data, found.pointer, {**reasons, **extra} if extra else reasons)

    def _field_locations(self, o: Obj) -> dict[str, Location] | None:
        by_key = self._child_locations.get(o.pointer)
        if not by_key:
            return None
        facts = FIELD_FACTS.get(o.pointer.split("/")[1], {})
        return {fact: loc for key, loc in by_key.items() for fact in facts.get(key, (key,))}

    def _no_section(self, section: str) -> Unknown:
        if self.annotations is not None:
            return Unknown(Msg("snap.section_reason", section=section, reason=self.annotations.absent_reason))
        return Unknown(Msg("snap.no_section", section=section))

    def _missing(self, section: str, keys: Mapping[str, str | None], join: str) -> Unknown | None:
        """An entity its (present) section lacks: unknown if recorded so, or for IaC, or where the join says
        a missing target is unknown (:data:`preflight.absence.JOINS`); else absent."""
        why = self.unknowns.whole(section, keys)
        if why:
            return Unknown(why)
        if self.annotations is not None and self.annotations.absent_is_unknown:
            return Unknown(self.annotations.absent_reason)
        if missing_target(join) == "unknown":
            return Unknown(Msg("snap.not_in_section", name=" ".join(v for v in keys.values() if v),
                               section=section))
        return None

    def _address(self, o: Obj) -> str | None:
        return self.annotations.addresses.get(o.pointer) if self.annotations is not None else None

    def _loc(self, o: Obj) -> Location | None:
        if self.annotations is not None:
            return self.annotations.locations.get(o.pointer)
        if self.path is None:
            return None
        parts = o.pointer.split("/")
        line = None
        if len(parts) >= 3 and parts[-1].isdigit():
            section_lines = self.lines.get(parts[1])
            idx = int(parts[-1])
            if section_lines is not None and idx < len(section_lines):
                line = section_lines[idx]
        return Location(self.path, line)

    # -- one export -----------------------------------------------------------------------------------
    def subject(self, o: Obj) -> Subject:
        req = self._request(o)
        bucket = self._bucket(req.OSSBucket)
        owner = bucket.OwnerId if isinstance(bucket, Bucket) else bucket
        # the bucket owner's account goes into the ARNs the role's policies must cover. An owner not learned
        # (the bucket or its Owner unknown) may be another account: no account (policy.py then answers unknown
        # for Resources that name one), never the exporting account in its place
        account = owner if isinstance(owner, str) else None if isinstance(owner, Unknown) else \
            self.account_id if isinstance(self.account_id, str) else None
        return Subject(
            request=req,
            account_id=self.account_id,
            region=self._region(req.RegionId),
            image=self._image(req.RegionId, req.ImageId),
            tasks=self._running_tasks(req.RegionId, req.ImageId),
            bucket=bucket,
            role=self._role(req.EffectiveRoleName, req.OSSBucket, req.OSSPrefix, req.ImageId, account),
            fix=self._fix(req, account),
            location=req.location,
        )

    def _fix(self, req: Request, account: str | None) -> Fix | Unknown | None:
        role, bucket, prefix = req.EffectiveRoleName, req.OSSBucket, req.OSSPrefix
        for v in (role, bucket, prefix):
            if isinstance(v, Unknown):
                return v
        if not isinstance(role, str):
            return None
        assert not isinstance(bucket, Unknown) and not isinstance(prefix, Unknown)
        key = ("fix", role, bucket or "", prefix or "", account or "")
        if key not in self._cache:
            # The texts are written once per role, bucket and account with a marker for the prefix, then the
            # prefix is put in (exports rarely share one, and indented JSON is written by pure Python).
            base_key = ("fix-base", role, bucket or "", account or "")
            if base_key not in self._cache:
                self._cache[base_key] = pol.least_privilege_fix(role, bucket, pol.PREFIX_MARK, account)
            parts: dict[str, str | None] = self._cache[base_key]

            def put(kind: str) -> str | None:
                text = parts[kind]
                return None if text is None else pol.fill_prefix(kind, text, prefix or "")

            self._cache[key] = Fix(trust_policy=str(parts["trust_policy"]),
                                   permission_policy=put("permission_policy"), policy_name=parts["policy_name"],
                                   terraform=put("terraform"), ros=put("ros"))
        fix: Fix = self._cache[key]
        return fix

    def _request(self, o: Obj) -> Request:
        o = self._obj(o, {})
        vals: dict[str, str | Unknown | None] = {}
        for k in ("RegionId", "ImageId", "OSSBucket", "OSSPrefix", "ImageFormat", "RoleName"):
            v = o.str_(k)  # a parameter not given is not given, not unknown
            vals[k] = v if isinstance(v, Unknown) or (isinstance(v, str) and v != "") else None
        return Request(
            RegionId=vals["RegionId"],
            ImageId=vals["ImageId"],
            OSSBucket=vals["OSSBucket"],
            OSSPrefix=vals["OSSPrefix"],
            ImageFormat=vals["ImageFormat"],
            RoleName=vals["RoleName"],
            EffectiveImageFormat=vals["ImageFormat"] or DEFAULT_IMAGE_FORMAT,
            EffectiveRoleName=vals["RoleName"] or DEFAULT_ROLE_NAME,
            location=self._loc(o),
            field_locations=self._field_locations(o),
            address=self._address(o),
        )

    def _region(self, region_id: str | Unknown | None) -> Region | None | Unknown:
        if region_id is None or isinstance(region_id, Unknown):
            return region_id
        if self.region_ids is None:
            return self._no_section("regions")
        key = ("region", region_id)
        if key not in self._cache:  # one fact per region, shared by its exports (the engine memoises on it)
            o = self.region_ids.get((region_id,))
            self._cache[key] = self._missing("regions", {"RegionId": region_id}, "Subject.region") if o is None else \
                Region(RegionId=region_id, location=self._loc(o))
        region: Region | Unknown | None = self._cache[key]
        return region

    def _image(self, region_id: str | Unknown | None, image_id: str | Unknown | None) -> Image | None | Unknown:
        if region_id is None or image_id is None:
            return None
        if isinstance(region_id, Unknown):
            return region_id
        if isinstance(image_id, Unknown):
            return image_id
        key = ("image", region_id, image_id)
        if key not in self._cache:
            self._cache[key] = self._build_image(region_id, image_id)
        img: Image | None | Unknown = self._cache[key]
        return img

    def _build_image(self, region_id: str, image_id: str) -> Image | None | Unknown:
        keys = {"RegionId": region_id, "ImageId": image_id}
        why = self.unknowns.whole("images", keys)
        if why:
            return Unknown(why)
        if self.images is None:
            return self._no_section("images")
        found = self.images.get((region_id, image_id))
        if found is None:
            return self._missing("images", keys, "Subject.image")
        o = self._obj(found, self.unknowns.fields("images", keys))
        disks: list[Disk] | Unknown
        data: list[Disk] | Unknown
        mappings = o.items("DiskDeviceMappings", "DiskDeviceMapping")
        if isinstance(mappings, Unknown):
            disks = data = mappings
        else:
            disks = [self._disk(m) for m in mappings]
            data = [d for d in disks if d.Type == "data"]
            if any(isinstance(d.Type, Unknown) for d in disks):
                data = Unknown(Msg("snap.disk_no_type"))
        alias = o.str_("ImageOwnerAlias")
        status = o.str_("Status")
        return Image(
            RegionId=region_id,
            ImageId=image_id,
            Status=status if status is not None else o.missing("Status"),
            ImageOwnerAlias=alias if alias is not None else o.missing("ImageOwnerAlias"),
            ProductCode=o.str_("ProductCode"),
            OSType=o.str_("OSType"),
            Platform=o.str_("Platform"),
            OSName=o.str_("OSName"),
            disks=disks,
            data_disks=data,
            location=self._loc(found),
            field_locations=self._field_locations(o),
            address=self._address(found),
        )

    def _disk(self, o: Obj) -> Disk:
        o = self._obj(o, {})
        t = o.str_("Type")
        snap_id = o.str_("SnapshotId")
        snapshot: Snapshot | None | Unknown
        if isinstance(snap_id, Unknown):
            snapshot = snap_id
        elif not snap_id:
            snapshot = None
        else:
            snapshot = self._snapshot(snap_id)
        return Disk(
            Type=t if t is not None else o.missing("Type"),
            Device=o.str_("Device"),
            Size=o.int_("Size"),
            SnapshotId=snap_id,
            # The mapping's own Encrypted flag is an "invitational preview" field, usually not sent.
            Encrypted=o.bool_("Encrypted"),
            snapshot=snapshot,
        )

    def _snapshot(self, snapshot_id: str) -> Snapshot | None | Unknown:
        key = ("snapshot", snapshot_id)
        if key in self._cache:
            cached: Snapshot | None | Unknown = self._cache[key]
            return cached
        keys = {"SnapshotId": snapshot_id}
        why = self.unknowns.whole("snapshots", keys)
        result: Snapshot | None | Unknown
        if why:
            result = Unknown(why)
        elif self.snapshots is None:
            result = self._no_section("snapshots")
        elif (found := self.snapshots.get((snapshot_id,))) is None:
            result = self._missing("snapshots", keys, "Disk.snapshot")
        else:
            o = self._obj(found, self.unknowns.fields("snapshots", keys))
            enc = o.bool_("Encrypted")
            result = Snapshot(
                SnapshotId=snapshot_id,
                Encrypted=enc if enc is not None else o.missing("Encrypted"),
                KMSKeyId=o.str_("KMSKeyId"),
                ProductCode=o.str_("ProductCode"),
                location=self._loc(found),
            )
        self._cache[key] = result
        return result

    def _running_tasks(self, region_id: str | Unknown | None, image_id: str | Unknown | None
                       ) -> list[Task] | Unknown:
        if region_id is None or image_id is None:
            return []
        if isinstance(region_id, Unknown):
            return region_id
        if isinstance(image_id, Unknown):
            return image_id
        why = self.unknowns.whole("tasks", {"RegionId": region_id, "ResourceId": image_id})
        if why:
            return Unknown(why)
        if self.tasks is None:
            return self._no_section("tasks")
        if self._tasks_by_resource is None:
            self._index_tasks(self.tasks)
        assert self._tasks_by_resource is not None
        key = ("tasks", region_id, image_id)
        if key not in self._cache:  # one list per image, shared by its exports
            running = [t for t, region in self._tasks_by_resource.get(image_id, ()) if region in (None, region_id)]
            doubt = None if running else next(
                (why for t, region, why in self._uncertain_tasks
                 if region in (None, region_id) and _may_name(t.ResourceId, image_id)), None)
            self._cache[key] = doubt if doubt is not None else running
        tasks: list[Task] | Unknown = self._cache[key]
        return tasks

    def _index_tasks(self, tasks: list[tuple[Task, str | None]]) -> None:
        """Running export tasks by image; the tasks that may be one although a field says not which."""
        self._tasks_by_resource = {}
        for t, region in tasks:
            fields = {"TaskAction": t.TaskAction, "TaskStatus": t.TaskStatus, "ResourceId": t.ResourceId}
            if (isinstance(t.TaskAction, str) and t.TaskAction != "ExportImage") or (
                    isinstance(t.TaskStatus, str) and t.TaskStatus not in RUNNING_TASK_STATUSES):
                continue  # known not to be a running export
            lost = next((k for k, v in fields.items() if not isinstance(v, str)), None)
            if lost is None:
                self._tasks_by_resource.setdefault(t.ResourceId, []).append((t, region))
                continue
            v = fields[lost]
            why = v if isinstance(v, Unknown) else Unknown(Msg("snap.task_field_null", task=_task_name(t), key=lost))
            self._uncertain_tasks.append((t, region, Unknown(Msg("snap.task_uncertain", task=_task_name(t),
                                                                 reason=why.reason))))

    def _bucket(self, name: str | Unknown | None) -> Bucket | None | Unknown:
        if name is None or isinstance(name, Unknown):
            return name
        key = ("bucket", name)
        if key not in self._cache:
            self._cache[key] = self._build_bucket(name)
        b: Bucket | None | Unknown = self._cache[key]
        return b

    def _build_bucket(self, name: str) -> Bucket | None | Unknown:
        keys = {"Name": name}
        why = self.unknowns.whole("buckets", keys)
        if why:
            return Unknown(why)
        if self.buckets is None:
            return self._no_section("buckets")
        found = self.buckets.get((name,))
        if found is None:
            return self._missing("buckets", keys, "Subject.bucket")
        o = self._obj(found, self.unknowns.fields("buckets", keys))
        acl = _nested_str(o, "AccessControlList", "Grant")
        owner = _nested_str(o, "Owner", "ID")
        sse_rule = o.obj("ServerSideEncryptionRule")
        sse: str | None | Unknown
        kms: str | None | Unknown
        if sse_rule is None or isinstance(sse_rule, Unknown):
            sse = kms = sse_rule
        else:
            sse = sse_rule.str_("SSEAlgorithm")
            kms = sse_rule.str_("KMSMasterKeyID")
            if isinstance(sse, str) and sse.lower() in NO_SSE:  # GetBucketInfo says "None" when unset
                sse = None
        location = o.str_("Location")
        storage = o.str_("StorageClass")
        policy = _policy_field(o, "Policy")
        bpa = o.bool_("BlockPublicAccess")
        if bpa is None:  # an explicit null: GetBucketInfo always sends true or false
            bpa = o.missing("BlockPublicAccess")
        return Bucket(
            Name=name,
            Location=location if location is not None else o.missing("Location"),
            StorageClass=storage if storage is not None else o.missing("StorageClass"),
            Grant=acl if acl is not None else o.missing("AccessControlList"),
            OwnerId=owner,
            SSEAlgorithm=sse,
            KMSMasterKeyID=kms,
            # GetBucketInfo sends <Versioning> only once versioning has been set: absent means never set.
            Versioning=o.str_("Versioning"),
            CrossRegionReplication=o.str_("CrossRegionReplication"),
            Policy=policy,
            public_grants=policy if isinstance(policy, Unknown) else pol.public_grants(policy) if policy else [],
            BlockPublicAccess=bpa,
            AccountBlockPublicAccess=self.account_bpa,
            public_access_blocked=_either_on(bpa, self.account_bpa),
            location=self._loc(found),
            field_locations=self._field_locations(o),
            address=self._address(found),
        )

    def _role(self, name: str | Unknown, bucket: str | Unknown | None, prefix: str | Unknown | None,
              image_id: str | Unknown | None, account: str | None = None) -> Role | None | Unknown:
        """The role as one export uses it: its permissions are judged against that export's bucket and prefix.

        Exports on which every policy statement applies alike share one Role object (the engine memoises
        rule outcomes on shared facts)."""
        if isinstance(name, Unknown):
            return name
        base = self._role_base(name)
        if base is None or isinstance(base, Unknown):
            return base
        role, permissions = base
        if permissions is None:
            return role
        unknown_input = next((v for v in (bucket, prefix, image_id) if isinstance(v, Unknown)), None)
        if unknown_input is not None:  # which bucket or objects the role must reach is not known
            key: tuple[object, ...] = ("role-unknown-target", name, unknown_input.reason)
            if key not in self._cache:
                self._cache[key] = dataclasses.replace(role, missing_export_actions=unknown_input,
                                                       export_decisions=unknown_input)
            unknown_target: Role = self._cache[key]
            return unknown_target
        assert not isinstance(bucket, Unknown) and not isinstance(prefix, Unknown)
        assert not isinstance(image_id, Unknown)
        target = (bucket or "*", prefix, image_id, account)
        signature = permissions.signature(*target)  # (ARN matching: once per export, not three times)
        key = ("role", name, *map(str, signature))
        if key not in self._cache:
            missing, decisions = permissions.answer(*target, signature=signature)
            if isinstance(missing, list) and self._unknown_docs.get(name):
                # a document not read may grant what the others lack, or Deny what they grant (Deny wins)
                missing = Unknown(Msg("snap.policy_doc_unknown", names=self._unknown_docs[name]))
            self._cache[key] = dataclasses.replace(role, missing_export_actions=missing, export_decisions=decisions)
        r: Role = self._cache[key]
        return r

    def _role_base(self, name: str) -> tuple[Role, pol.ExportPermissions | None] | None | Unknown:
        """What does not depend on the export: parsed once per role."""
        key = ("role-base", name)
        if key not in self._cache:
            self._cache[key] = self._build_role(name)
        base: tuple[Role, pol.ExportPermissions | None] | None | Unknown = self._cache[key]
        return base

    def _build_role(self, name: str) -> tuple[Role, pol.ExportPermissions | None] | None | Unknown:
        keys = {"RoleName": name}
        why = self.unknowns.whole("roles", keys)
        if why:
            return Unknown(why)
        if self.roles is None:
            return self._no_section("roles")
        found = self.roles.get((name,))
        if found is None:
            return self._missing("roles", keys, "Subject.role")
        o = self._obj(found, self.unknowns.fields("roles", keys))
        trust = _policy_field(o, "AssumeRolePolicyDocument")
        if trust is None:
            trust = Unknown(Msg("snap.empty_trust", pointer=o.pointer))
        attached = self._attached(o, keys)
        permissions = None
        if not isinstance(attached, Unknown):
            documents: list[tuple[str, Policy | None]] = []
            unknown_docs: list[str] = []
            for a in attached:
                if not isinstance(a.PolicyDocument, Unknown):
                    documents.append((a.PolicyName, a.PolicyDocument))
                elif a.PolicyName == pol.DEFAULT_EXPORT_POLICY and a.PolicyType == "System":
                    documents.append((a.PolicyName, None))  # the documented system policy: all export actions
                else:  # a custom policy, even one of that name, may say anything
                    unknown_docs.append(a.PolicyName)
            permissions = pol.ExportPermissions(documents)
            if unknown_docs:
                self._unknown_docs[name] = ", ".join(unknown_docs)
        arn = o.str_("Arn")
        excess: list[str] | Unknown
        wildcard: list[str] | Unknown
        if permissions is None:
            assert isinstance(attached, Unknown)
            excess = wildcard = attached
        else:
            excess, wildcard = permissions.excess(), permissions.wildcard_resources()
            if name in self._unknown_docs:
                partial = Unknown(Msg("snap.policy_doc_unknown", names=self._unknown_docs[name]))
                excess = excess or partial
                wildcard = wildcard or partial
        role = Role(
            RoleName=name,
            Arn=arn,
            trust_policy=trust,
            policies=attached,
            ecs_can_assume=trust if isinstance(trust, Unknown) else pol.ecs_can_assume(trust),
            other_principals=trust if isinstance(trust, Unknown) else pol.other_principals(trust),
            # judged per export (see _role); never an empty list here, which would read as "nothing missing"
            missing_export_actions=attached if isinstance(attached, Unknown) else _NOT_JOINED,
            export_decisions=attached if isinstance(attached, Unknown) else _NOT_JOINED,
            ecs_trust_conditions=trust if isinstance(trust, Unknown) else pol.ecs_trust_conditions(trust),
            excess_permissions=excess,
            wildcard_resources=wildcard,
            location=self._loc(found),
            field_locations=self._field_locations(o),
            address=self._address(found),
        )
        return role, permissions

    def _attached(self, o: Obj, keys: Mapping[str, str]) -> list[AttachedPolicy] | Unknown:
        items = o.items("AttachedPolicies", "Policy")
        if isinstance(items, Unknown):
            return items
        out = []
        for a in items:
            pname = a.req_str("PolicyName")
            why = self.unknowns.fields("roles", keys).get(f"AttachedPolicies/{pname}")
            a = Obj(a.data, a.pointer, {"PolicyDocument": why} if why else {})
            ptype = a.str_("PolicyType")
            doc = _policy_field(a, "PolicyDocument")
            out.append(
                AttachedPolicy(
                    PolicyName=pname,
                    PolicyType=ptype if ptype is not None else a.missing("PolicyType"),
                    PolicyDocument=doc if doc is not None else Unknown(Msg("snap.no_policy_document",
                                                                               pointer=a.pointer)),
                )
            )
        return out


#: the fields that identify an entity of each section
_KEY_FIELDS = {"regions": ("RegionId",), "images": ("RegionId", "ImageId"), "snapshots": ("SnapshotId",),
               "buckets": ("Name",), "roles": ("RoleName",)}


def _may_name(resource: str | None | Unknown, image_id: str) -> bool:
    """May a task's ResourceId be this image? Yes when it is, or when it was lost (null or unknown)."""
    return resource == image_id if isinstance(resource, str) else True


def _either_on(a: bool | Unknown, b: bool | Unknown) -> bool | Unknown:
    """Three-valued OR: on when either is on; off only when both are known off."""
    if a is True or b is True:
        return True
    return a if isinstance(a, Unknown) else b


def _task_name(t: Task) -> str:
    return t.TaskId if isinstance(t.TaskId, str) else "?"


def _key_of(section: str, o: Obj) -> tuple[str, ...]:
    return tuple(o.req_str(f) for f in _KEY_FIELDS[section])


def _nested_str(o: Obj, outer: str, inner: str) -> str | None | Unknown:
    sub = o.obj(outer)
    if sub is None or isinstance(sub, Unknown):
        return sub
    return sub.str_(inner)


def _policy_field(o: Obj, key: str) -> Policy | None | Unknown:
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


# ---------------------------------------------------------------------------------------------------------
# Entry points


def subjects_from_document(
    doc: Any, *, path: str | None = None, lines: Mapping[str, list[int]] | None = None,
    annotations: Annotations | None = None,
) -> list[Subject]:
    """Build the subjects; raises :class:`ShapeError` on the first shape problem."""
    if not isinstance(doc, Mapping):
        raise ShapeError("", Msg("snap.not_snapshot"))
    version = doc.get("version")
    if type(version) is not int or version != 1:
        if "version" not in doc:
            raise ShapeError("", Msg("schema.required", property="version"))
        raise ShapeError("/version", Msg("snap.bad_version", version=doc.get("version")))
    if "exports" not in doc:
        raise ShapeError("", Msg("schema.required", property="exports"))
    exports = as_list(doc["exports"], WRAPPERS["exports"], "/exports")
    builder = _Builder(doc, path, lines or {}, annotations)
    subjects = [builder.subject(o) for o in exports]
    if annotations is not None and annotations.scopes:
        subjects = [dataclasses.replace(s, scope=annotations.scopes[i]) if i in annotations.scopes else s
                    for i, s in enumerate(subjects)]
    builder.check_unreferenced()
    return subjects


def schema_problems(doc: Any) -> list[tuple[str, Msg]]:
    """Every violation of the snapshot schema: (JSON pointer, message), in document order."""
    from preflight.schemas import pointer, problems  # jsonschema is imported only on this path

    return [(pointer(path), message) for path, message in problems("snapshot", doc)]


def load_document(doc: Any, *, display: str, text: str | None = None) -> list[Subject]:
    """Subjects from a parsed snapshot; every problem reported as file:line (pointer) in one error."""
    lines = jsonpos.section_lines(text, frozenset((*SECTIONS, "exports"))) if text is not None else {}
    try:
        return subjects_from_document(doc, path=display, lines=lines)
    except ShapeError as first:
        problems = schema_problems(doc) or [(first.pointer, first.message)]
        raise PreflightError.many([
            (f"{display}:{jsonpos.pointer_line(text, p) if text is not None else 1}",
             Msg("schema.at", pointer=p or "/", message=m))
            for p, m in problems
        ]) from None


def parse_json(text: str, display: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise PreflightError(Msg("snap.bad_json", reason=Foreign("json", e.msg), column=e.colno),
                             f"{display}:{e.lineno}") from None
    except RecursionError:
        raise PreflightError(Msg("snap.json_too_deep"), display) from None
    except ValueError as e:  # e.g. an integer of more than 4,300 digits
        raise PreflightError(Msg("snap.unreadable", reason=Foreign("json", str(e))), display) from None


def load_file(path: Path) -> list[Subject]:
    display = display_path(path)
    text = read_text(path)
    return load_document(parse_json(text, display), display=display, text=text)
