"""Build: decode → join → derive, for a whole snapshot-shaped document.

:func:`subjects_from_document` is what every input mode goes through (a snapshot file, a live run's
document, Terraform, ROS and plans with their :class:`~preflight.facts.decode.Annotations`): one intermediate
document for every input mode, kept on purpose, so a fact means the same whatever the input.

Each entity is built once, on first use, into one typed cache per kind (:class:`Memo`), and shared by the
exports that use it: the engine memoises rule outcomes on shared fact objects. Building the facts checks
every shape they use; :func:`subjects_from_document` raises :class:`~preflight.facts.decode.ShapeError` on
the first problem (the snapshot source then reports every violation through the JSON Schema).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from preflight.errors import Msg
from preflight.facts.decode import (
    FIELD_FACTS,
    SECTIONS,
    WRAPPERS,
    Annotations,
    Obj,
    ShapeError,
    Unknowns,
    as_list,
    key_of,
    nested_str,
    not_of_type,
    policy_field,
    short,
    unknown_entries,
)
from preflight.facts.derive import NOT_JOINED, PerExport, Permissions, either_on, public_grants, role_facts
from preflight.facts.joins import RunningTasks, Sections
from preflight.facts.model import (
    DEFAULT_IMAGE_FORMAT,
    DEFAULT_ROLE_NAME,
    AttachedPolicy,
    Bucket,
    Disk,
    Image,
    Region,
    Request,
    Role,
    Snapshot,
    Subject,
    Task,
    Unknown,
)
from preflight.facts.partly import KnownInPart, carried
from preflight.model import Location

K = TypeVar("K")
V = TypeVar("V")

#: GetBucketInfo's SSEAlgorithm when no server-side encryption is set
NO_SSE = frozenset({"", "none"})


class Memo(dict[K, V], Generic[K, V]):
    """A typed cache: ``memo[key]`` builds the value on first use (a plain dict lookup after that)."""

    def __init__(self, build: Callable[[K], V]) -> None:
        super().__init__()
        self._build = build

    def __missing__(self, key: K) -> V:
        value = self[key] = self._build(key)
        return value


RoleBase = tuple[Role, Permissions | None]


class _Builder:
    def __init__(self, doc: Mapping[str, Any], path: str | None, lines: Mapping[str, list[int]],
                 annotations: Annotations | None = None, unknowns: Unknowns | None = None) -> None:
        self.doc = doc
        self.path = path
        self.lines = lines
        self.annotations = annotations
        self._child_locations = annotations.children(annotations.locations) if annotations else {}
        self._child_unknown = annotations.children(annotations.unknown) if annotations else {}
        self.unknowns = Unknowns(unknown_entries(doc)) if unknowns is None else unknowns
        self.sections = Sections(doc, annotations, self.unknowns)
        self.account_id = self._account_id()
        self.account_bpa = self._account_bpa()
        self.sections.index_all()
        self.tasks = self._tasks()
        self.per_export = PerExport()
        # one typed cache per kind of entity
        self.regions: Memo[str, Region | None | Unknown] = Memo(self._build_region)
        self.images: Memo[tuple[str, str], Image | None | Unknown] = Memo(lambda k: self._build_image(*k))
        self.snapshots: Memo[str, Snapshot | None | Unknown] = Memo(self._build_snapshot)
        self.buckets: Memo[str, Bucket | None | Unknown] = Memo(self._build_bucket)
        self.roles: Memo[str, RoleBase | None | Unknown] = Memo(self._build_role)
        #: buckets and images joined by reference, by their element pointer (see :meth:`_linked_bucket`)
        self.linked_buckets: dict[str, Bucket] = {}
        self.linked_images: dict[str, Image] = {}

    def check_unreferenced(self) -> None:
        """Build what no export referenced too, so a malformed entity is reported wherever it is."""
        captured_at = self.doc.get("captured_at")
        if "captured_at" in self.doc and not isinstance(captured_at, str):
            raise ShapeError("/captured_at", not_of_type(repr(captured_at), "string"))
        # Every entity of every section is read for its shape: those the exports did not reach, those
        # recorded unknown, earlier duplicates. A builder that ignores the unknown list does it, its index
        # pointed at each in turn; what the exports already built from the same object is not read again.
        shadow = _Builder(self.doc, None, {}, unknowns=Unknowns([]))
        caches: tuple[tuple[str, Memo[Any, Any], Memo[Any, Any]], ...] = (
            ("images", self.images, shadow.images), ("snapshots", self.snapshots, shadow.snapshots),
            ("buckets", self.buckets, shadow.buckets), ("roles", self.roles, shadow.roles))
        for section, built_here, build in caches:
            index = shadow.sections.index[section]
            if index is None:
                continue
            real_index = self.sections.index[section] or {}
            for o in shadow.sections.lists[section] or ():
                key = key_of(section, o)
                built = built_here.get(key if len(key) > 1 else key[0])
                real = real_index.get(key)
                if real is not None and real.pointer == o.pointer and not (built is None or isinstance(built, Unknown)):
                    continue  # built from this very object, shape checked
                saved = index[key]
                index[key] = o
                for memo in (shadow.images, shadow.snapshots, shadow.buckets, shadow.roles):
                    memo.clear()
                _ = build[key if len(key) > 1 else key[0]]
                index[key] = saved

    # -- the document's own facts and its places -------------------------------------------------------------
    def _account_id(self) -> str | Unknown:
        v = self.doc.get("account_id")
        if v is not None and not isinstance(v, str):
            raise ShapeError("/account_id", not_of_type(short(v), "string"))
        why = self.unknowns.whole("account_id", {})
        if why:
            return Unknown(why)
        if v is None:  # absent or null: not learned
            return self.sections.no_section("account_id") if self.annotations else Unknown(Msg("snap.no_account_id"))
        return v

    def _account_bpa(self) -> bool | Unknown:
        """The account-level Block Public Access (``public_access_block``, from GetPublicAccessBlock)."""
        why = self.unknowns.whole("public_access_block", {})
        if why:
            return Unknown(why)
        if "public_access_block" not in self.doc:
            return self.sections.no_section("public_access_block")
        raw = self.doc["public_access_block"]
        if not isinstance(raw, Mapping):
            raise ShapeError("/public_access_block", not_of_type(short(raw), "object"))
        o = self._obj(Obj(raw, "/public_access_block"), {})  # (with the reasons an IaC source recorded)
        v = o.bool_("BlockPublicAccess")
        return o.missing("BlockPublicAccess") if v is None else v

    def _obj(self, found: Obj, reasons: Mapping[str, str | Msg]) -> Obj:
        """The entity's object with every reason its fields are unknown (live entries, IaC references)."""
        extra = self._child_unknown.get(found.pointer)
        return Obj(found.data, found.pointer, {**reasons, **extra} if extra else reasons, self.annotations)

    def _field_locations(self, o: Obj) -> dict[str, Location] | None:
        by_key = self._child_locations.get(o.pointer)
        if not by_key:
            return None
        facts = FIELD_FACTS.get(o.pointer.split("/")[1], {})
        return {fact: loc for key, loc in by_key.items() for fact in facts.get(key, (key,))}

    def _place(self, o: Obj) -> str:
        """What a reason calls the entity: its IaC address (what the user wrote), else its JSON pointer."""
        return self.annotations.place(o.pointer) if self.annotations is not None else o.pointer

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

    # -- one export ---------------------------------------------------------------------------------------
    def subject(self, o: Obj) -> Subject:
        req = self._request(o)
        bucket = self.buckets[req.OSSBucket] if isinstance(req.OSSBucket, str) else req.OSSBucket
        linked = self.sections.linked(o, "Subject.bucket") if isinstance(req.OSSBucket, Unknown) else None
        if linked is not None and isinstance(req.OSSBucket, Unknown):
            # joined by the reference: the bucket's facts, its name still unknown (shown as its address)
            bucket = self._linked_bucket(linked)
            if isinstance(bucket.Name, Unknown):  # (with the parts of its name that are known)
                req = dataclasses.replace(req, OSSBucket=carried(bucket.Name, req.OSSBucket.reason,
                                                                 req.OSSBucket.path, bucket.Name.shown))
        owner = bucket.OwnerId if isinstance(bucket, Bucket) else bucket
        # the bucket owner's account goes into the ARNs the role's policies must cover. An owner not learned
        # (the bucket or its Owner unknown) may be another account: no account (policy.py then answers unknown
        # for Resources that name one), never the exporting account in its place
        account = owner if isinstance(owner, str) else None if isinstance(owner, Unknown) else \
            self.account_id if isinstance(self.account_id, str) else None
        image = self._image(req.RegionId, req.ImageId)
        linked_image = self.sections.linked(o, "Subject.image") if isinstance(req.ImageId, Unknown) else None
        if linked_image is not None and isinstance(req.ImageId, Unknown):
            # joined by the reference: the image's facts, its id still unknown (shown as its address). An
            # image of another region (or one not known) is not the export's: the join by region stands
            found = self._linked_image(linked_image)
            if isinstance(req.RegionId, str) and found.RegionId == req.RegionId:
                image = found
            if isinstance(found.ImageId, Unknown):
                req = dataclasses.replace(req, ImageId=Unknown(req.ImageId.reason, req.ImageId.path,
                                                               found.ImageId.shown))
        return Subject(
            request=self._given(req, o),
            account_id=self.account_id,
            region=self._region(req.RegionId),
            image=image,
            tasks=self._running_tasks(req.RegionId, req.ImageId),
            bucket=bucket,
            role=self._role(req, account),
            fix=self.per_export.fix(req, account),
            location=req.location,
        )

    def _given(self, req: Request, o: Obj) -> Request:
        """The request with its parameters that are written, their values unknown, marked given
        (``Annotations.given``). Done last: a join or derived fact that takes such an unknown as its own
        (the image of an unknown ImageId) is unknown, not given."""
        given = self.annotations.given if self.annotations is not None else frozenset()
        marked = {k: carried(v, v.reason, v.path, v.shown, given=True)
                  for k in ("RegionId", "ImageId", "OSSBucket", "OSSPrefix")
                  if isinstance(v := getattr(req, k), Unknown) and f"{o.pointer}/{k}" in given}
        return dataclasses.replace(req, **marked) if marked else req  # type: ignore[arg-type]

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
        return self.regions[region_id]  # one fact per region, shared by its exports

    def _build_region(self, region_id: str) -> Region | None | Unknown:
        found = self.sections.find("regions", {"RegionId": region_id}, "Subject.region")
        if found is None or isinstance(found, Unknown):
            return found
        return Region(RegionId=region_id, location=self._loc(found))

    def _image(self, region_id: str | Unknown | None, image_id: str | Unknown | None) -> Image | None | Unknown:
        if region_id is None or image_id is None:
            return None
        if isinstance(region_id, Unknown):
            return region_id
        if isinstance(image_id, Unknown):
            return image_id
        return self.images[region_id, image_id]

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
            return self.sections.no_section("tasks")
        return self.tasks.of(region_id, image_id)

    def _role(self, req: Request, account: str | None) -> Role | None | Unknown:
        name = req.EffectiveRoleName
        if isinstance(name, Unknown):
            return name
        base = self.roles[name]
        if base is None or isinstance(base, Unknown):
            return base
        role, permissions = base
        return self.per_export.role(name, role, permissions, req.OSSBucket, req.OSSPrefix, req.ImageId, account)

    # -- entities -----------------------------------------------------------------------------------------
    def _tasks(self) -> RunningTasks | None:
        """Every task with the region it was listed in (API task objects carry no RegionId of their own).

        Each field is three-state: a task that lost its ``TaskStatus`` or ``ResourceId`` may be a running
        export of any image (see :class:`~preflight.facts.joins.RunningTasks`)."""
        objs = self.sections.lists["tasks"]
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
        return RunningTasks(out)

    def _build_image(self, region_id: str, image_id: str) -> Image | None | Unknown:
        keys = {"RegionId": region_id, "ImageId": image_id}
        found = self.sections.find("images", keys, "Subject.image")
        if not isinstance(found, Obj):
            return found
        return self._image_of(found, region_id, image_id, keys)

    def _linked_image(self, found: Obj) -> Image:
        """The image an export reaches by reference (:meth:`Sections.linked`): one per entity, its id unknown
        when the source recorded it so (shown as the entity's address, never read as an id)."""
        image = self.linked_images.get(found.pointer)
        if image is None:
            keys = {"RegionId": found.req_str("RegionId"), "ImageId": found.req_str("ImageId")}
            image_id = self._obj(found, {}).str_("ImageId")
            if not isinstance(image_id, str):
                why = image_id.reason if isinstance(image_id, Unknown) else Msg("snap.required_string", key="ImageId")
                image_id = Unknown(why, shown=self._address(found) or "?")
            image = self.linked_images[found.pointer] = self._image_of(found, keys["RegionId"], image_id, keys)
        return image

    def _image_of(self, found: Obj, region_id: str, image_id: str | Unknown, keys: Mapping[str, str]) -> Image:
        o = self._obj(found, self.unknowns.fields("images", keys))
        disks: list[Disk] | Unknown
        data: list[Disk] | Unknown
        mappings = o.items("DiskDeviceMappings", "DiskDeviceMapping")
        if isinstance(mappings, Unknown):
            disks = data = mappings
        elif not mappings:  # no disk at all is not "no snapshot to worry about": the list was lost or cut
            disks = data = Unknown(Msg("snap.image_no_disks"))
        else:
            disks = [self._disk(m, n) for n, m in enumerate(mappings, 1)]
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

    def _disk(self, o: Obj, position: int) -> Disk:
        o = self._obj(o, {})
        t = o.str_("Type")
        snap_id = o.str_("SnapshotId")
        snapshot: Snapshot | None | Unknown
        if isinstance(snap_id, Unknown):
            snapshot = snap_id
        elif not snap_id:
            # a data disk may be empty (CreateImage makes one without a snapshot); a system disk never is
            snapshot = Unknown(Msg("snap.system_disk_no_snapshot")) if t == "system" else None
        else:
            snapshot = self.snapshots[snap_id]
        device = o.str_("Device")
        return Disk(
            Type=t if t is not None else o.missing("Type"),
            Device=device,
            Size=o.int_("Size"),
            SnapshotId=snap_id,
            # The mapping's own Encrypted flag is an "invitational preview" field, usually not sent.
            Encrypted=o.bool_("Encrypted"),
            snapshot=snapshot,
            label=device if isinstance(device, str) and device else
            snap_id if isinstance(snap_id, str) and snap_id else f"#{position}",
        )

    def _build_snapshot(self, snapshot_id: str) -> Snapshot | None | Unknown:
        keys = {"SnapshotId": snapshot_id}
        found = self.sections.find("snapshots", keys, "Disk.snapshot")
        if not isinstance(found, Obj):
            return found
        o = self._obj(found, self.unknowns.fields("snapshots", keys))
        enc = o.bool_("Encrypted")
        return Snapshot(
            SnapshotId=snapshot_id,
            Encrypted=enc if enc is not None else o.missing("Encrypted"),
            KMSKeyId=o.str_("KMSKeyId"),
            ProductCode=o.str_("ProductCode"),
            location=self._loc(found),
        )

    def _build_bucket(self, name: str) -> Bucket | None | Unknown:
        keys = {"Name": name}
        found = self.sections.find("buckets", keys, "Subject.bucket")
        if not isinstance(found, Obj):
            return found
        return self._bucket(found, name, keys)

    def _linked_bucket(self, found: Obj) -> Bucket:
        """The bucket an export reaches by reference (:meth:`Sections.linked`): one per entity, its name
        unknown when the source recorded it so (shown as the entity's address, never read as a name)."""
        bucket = self.linked_buckets.get(found.pointer)
        if bucket is None:
            keys = {"Name": found.req_str("Name")}
            name = self._obj(found, {}).str_("Name")
            if not isinstance(name, str):
                why = name.reason if isinstance(name, Unknown) else Msg("snap.required_string", key="Name")
                parts = self.annotations.in_part.get(f"{found.pointer}/Name") if self.annotations else None
                name = Unknown(why, shown=self._address(found) or "?") if parts is None else \
                    KnownInPart(why, shown=self._address(found) or "?", parts=parts)
            bucket = self.linked_buckets[found.pointer] = self._bucket(found, name, keys)
        return bucket

    def _bucket(self, found: Obj, name: str | Unknown, keys: Mapping[str, str]) -> Bucket:
        o = self._obj(found, self.unknowns.fields("buckets", keys))
        acl = nested_str(o, "AccessControlList", "Grant")
        owner = nested_str(o, "Owner", "ID")
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
        policy = policy_field(o, "Policy")
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
            public_grants=public_grants(policy),
            BlockPublicAccess=bpa,
            AccountBlockPublicAccess=self.account_bpa,
            public_access_blocked=either_on(bpa, self.account_bpa),
            location=self._loc(found),
            field_locations=self._field_locations(o),
            address=self._address(found),
        )

    def _build_role(self, name: str) -> RoleBase | None | Unknown:
        """What does not depend on the export: read once per role."""
        keys = {"RoleName": name}
        found = self.sections.find("roles", keys, "Subject.role")
        if not isinstance(found, Obj):
            return found
        o = self._obj(found, self.unknowns.fields("roles", keys))
        trust = policy_field(o, "AssumeRolePolicyDocument")
        if trust is None:
            trust = Unknown(Msg("snap.empty_trust", pointer=self._place(o)))
        attached = self._attached(o, keys)
        permissions = None if isinstance(attached, Unknown) else Permissions(attached)
        arn = o.str_("Arn")
        # the derived facts are filled in by derive.role_facts; these stand for them until then
        role = Role(
            RoleName=name, Arn=arn, trust_policy=trust, policies=attached,
            ecs_can_assume=NOT_JOINED, other_principals=NOT_JOINED, missing_export_actions=NOT_JOINED,
            export_decisions=NOT_JOINED, ecs_trust_conditions=NOT_JOINED, excess_permissions=NOT_JOINED,
            wildcard_resources=NOT_JOINED, location=self._loc(found), field_locations=self._field_locations(o),
            address=self._address(found),
        )
        return role_facts(role, trust, attached, permissions), permissions

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
            doc = policy_field(a, "PolicyDocument")
            out.append(
                AttachedPolicy(
                    PolicyName=pname,
                    PolicyType=ptype if ptype is not None else a.missing("PolicyType"),
                    PolicyDocument=doc if doc is not None else Unknown(Msg("snap.no_policy_document",
                                                                               pointer=a.pointer)),
                )
            )
        return out


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


__all__ = ["SECTIONS", "WRAPPERS", "Memo", "subjects_from_document"]
