"""alicloud resources → the snapshot-shaped document + annotations: the one mapper of the IaC sources.

Works on source-neutral :class:`~.values.Resource` values (the resource types and arguments of the alicloud
Terraform provider), whether they come from ``.tf`` files (:mod:`.load`) or a plan (``plan.py``); ROS
templates (``ros.py``) build the same document with the same :class:`DocBuilder` and read partly known
trust policies with :func:`partly_known_trust`. It lives in the Terraform package because its input is the
Terraform provider's resource model; it imports no parser and no evaluator.

Values the files do not decide are recorded as unknown (never guessed); a policy document feeding an
export's facts is validated strictly (an error at its line), any other only made unknown. What the files do
not declare (no ACL, replication… resource) is what Terraform would create: the provider's defaults.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from preflight import policy as pol
from preflight.errors import Msg, PreflightError
from preflight.facts import DEFAULT_ROLE_NAME
from preflight.model import Location
from preflight.sources.snapshot import Annotations
from preflight.sources.terraform.limits import LIMITS
from preflight.sources.terraform.values import (
    MISSING,
    Attr,
    Block,
    Hole,
    Partial,
    PartialText,
    Resource,
    Unresolved,
    is_known,
    placeholder,
    plain,
)

TYPES = ("alicloud_image_export", "alicloud_image", "alicloud_oss_bucket", "alicloud_oss_bucket_acl",
         "alicloud_oss_bucket_server_side_encryption", "alicloud_oss_bucket_policy", "alicloud_oss_bucket_versioning",
         "alicloud_oss_bucket_replication", "alicloud_oss_bucket_public_access_block",
         "alicloud_oss_account_public_access_block", "alicloud_ram_role", "alicloud_ram_role_policy_attachment",
         "alicloud_ram_policy")
SYSTEM = "System"
#: the document's fields as the alicloud provider's arguments (section/nested object -> field -> argument): a
#: field the document leaves out is named where the user writes it (Annotations.missing_reason)
ARGUMENTS: dict[str, dict[str, str]] = {
    "exports": {"RegionId": "region", "ImageId": "image_id", "OSSBucket": "oss_bucket", "OSSPrefix": "oss_prefix"},
    "images": {"Platform": "platform", "OSType": "platform", "DiskDeviceMappings": "disk_device_mapping"},
    "images/DiskDeviceMappings": {"Type": "disk_type", "Device": "device", "Size": "size",
                                  "SnapshotId": "snapshot_id"},
    "buckets": {"Name": "bucket", "StorageClass": "storage_class", "AccessControlList": "acl",
                "ServerSideEncryptionRule": "server_side_encryption_rule", "Versioning": "versioning",
                "Policy": "policy"},
    "buckets/ServerSideEncryptionRule": {"SSEAlgorithm": "sse_algorithm", "KMSMasterKeyID": "kms_master_key_id"},
    "roles": {"RoleName": "role_name", "AssumeRolePolicyDocument": "assume_role_policy_document"},
}
UNKNOWN_REGION = "(region unknown)"
#: the kinds of files a document is built from, and their names in the catalogue
SOURCES = {"Terraform files": "iac.src_terraform_files", "Terraform plan": "iac.src_terraform_plan",
           "ROS template": "iac.src_ros_template"}


@dataclass
class DocBuilder:
    """Accumulates the document, its annotations and the snapshot-style ``unknown`` entries."""

    source: str  # "Terraform files", "Terraform plan", "ROS template" (see SOURCES)
    doc: dict[str, Any] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    unknown: dict[str, str | Msg] = field(default_factory=dict)
    unknown_entries: list[dict[str, Any]] = field(default_factory=list)
    scopes: dict[int, str] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)
    #: field pointer -> element pointer: a reference followed to an entity of the files (Annotations.links)
    links: dict[str, str] = field(default_factory=dict)
    #: request fields written with a value the files do not decide (Annotations.given)
    given: set[str] = field(default_factory=set)
    #: field pointer -> the known parts of a value recorded unknown (Annotations.in_part)
    in_part: dict[str, tuple[str | None, ...]] = field(default_factory=dict)
    #: the source's words for the document's fields (ARGUMENTS; ROS: its properties)
    arguments: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: ARGUMENTS)

    def add(self, section: str, entry: dict[str, Any], location: Location | None, address: str | None = None
            ) -> str:
        """Append an element to a section; ``address`` names the resource it was made from."""
        items = self.doc.setdefault(section, [])
        pointer = f"/{section}/{len(items)}"
        items.append(entry)
        if location is not None:
            self.locations[pointer] = location
        if address is not None:
            self.addresses[pointer] = address
        return pointer

    def put(self, entry: dict[str, Any], pointer: str, key: str, value: Any, location: Location | None) -> None:
        """Set one field: a known value is written, an unresolved one recorded as unknown."""
        if value is MISSING:
            return
        if isinstance(value, Unresolved):
            self.unknown[f"{pointer}/{key}"] = value.reason
        else:
            entry[key] = value
        if location is not None:
            self.locations[f"{pointer}/{key}"] = location

    def annotations(self) -> Annotations:
        return Annotations(locations=self.locations, unknown=self.unknown, scopes=self.scopes,
                           absent_is_unknown=True, absent_reason=Msg("iac.absent", source=self.source_name),
                           addresses=self.addresses, links=self.links, arguments=self.arguments,
                           given=frozenset(self.given), in_part=self.in_part)

    @property
    def source_name(self) -> Msg | str:
        """What the files are, worded in the report's language."""
        key = SOURCES.get(self.source)
        return Msg(key) if key else self.source

    def unknown_policy(self, role: str, name: str, pointer: str, reason: Msg) -> None:
        """The document of a policy attached to a role is unknown. ``pointer`` is the item's in the role's
        ``AttachedPolicies``: the reason is recorded there (in the report's language), and as an entry of the
        document's ``unknown`` list (in English), which is what snapshots use for the same."""
        self.unknown[f"{pointer}/PolicyDocument"] = reason
        self.unknown_entries.append({"section": "roles", "match": {"RoleName": role},
                                     "field": f"AttachedPolicies/{name}", "reason": str(reason)})

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"version": 1, "exports": [], **self.doc}
        if self.unknown_entries:
            doc["unknown"] = self.unknown_entries
        return doc


def _str(v: Any) -> Any:
    """A value that must be a string: numbers are written as strings by Terraform too."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return str(v)
    return v


def _policy_text(v: Any, where: Location | None, strict: bool = True) -> Any:
    """A policy document argument, validated now. ``strict``: it feeds an export's facts (the export role's
    trust and attached policies, the export bucket's policy), so a malformed one is an error at its line;
    otherwise it is not preflight's business, and a malformed one is only unknown (never aborts the run)."""
    if not is_known(v) or v is None or v == "":
        return None if v == "" else v
    try:
        pol.parse_policy(v)
    except pol.PolicyError as e:
        if not strict:
            return Unresolved(Msg("iac.bad_policy", reason=e.message))
        raise PreflightError(Msg("iac.bad_policy", reason=e.message), str(where) if where else None) from None
    return v


class _Targets:
    """Which resource of a kind a separate resource's reference (``bucket = …``) points at."""

    def __init__(self, by_address: Mapping[str, str | None]) -> None:
        self.by_address = by_address  # address -> resolved name (None when unknown)
        self.by_name = {name: a for a, name in by_address.items() if name is not None}

    def find(self, attr: Attr | None) -> str | None | Unresolved:
        """The address, ``None`` (points outside the files), or Unresolved (cannot tell)."""
        if attr is None:
            return Unresolved(Msg("iac.ref_missing"))
        if attr.target in self.by_address:
            return attr.target
        v = _str(attr.value)
        if isinstance(v, str):
            found = self.by_name.get(v)
            if found is None and None in self.by_address.values():
                # a name no resource has in full may still be one whose name the files leave undecided
                return Unresolved(Msg("iac.ref_maybe_undecided", name=v))
            return found
        return v if isinstance(v, Unresolved) else Unresolved(Msg("iac.ref_not_name"))


def _name(r: Resource, args: Sequence[str]) -> Any:
    for a in args:
        v = r.body.value(a)
        if v is not MISSING:
            return _str(v)
    return MISSING


def _known_parts(v: Any) -> tuple[str | None, ...]:
    """The literal parts of a string known in part (``"exports-${random_integer.x.result}"``), None for each
    part not known; ``(None,)`` for any other value (wholly unknown)."""
    if isinstance(v, Partial) and isinstance(v.value, PartialText):
        return tuple(p if isinstance(p, str) else None for p in v.value.parts)
    return (None,)


def _name_loc(r: Resource, args: Sequence[str]) -> Location | None:
    for a in args:
        if r.body.loc(a):
            return r.body.loc(a)
    return r.location


def build_document(resources: Sequence[Resource], *, source: str, export_roles: Sequence[str] = (),
                   export_buckets: Sequence[str] = ()) -> tuple[dict[str, Any], Annotations]:
    """The snapshot-shaped document and its annotations for the resources of one module (or plan)."""
    by_type: dict[str, list[Resource]] = {}
    for r in resources:
        by_type.setdefault(r.type, []).append(r)
    b = DocBuilder(source)
    images = _images(b, by_type.get("alicloud_image", []))
    buckets = _buckets(b, by_type, export_buckets)
    _account_bpa(b, by_type.get("alicloud_oss_account_public_access_block", []))
    roles = _roles(b, by_type, export_roles)
    b.doc.setdefault("images", [])
    b.doc.setdefault("buckets", [])
    b.doc.setdefault("roles", [])
    covered_buckets = _exports(b, by_type.get("alicloud_image_export", []), images, buckets)
    has_export = bool(by_type.get("alicloud_image_export"))
    _scoped(b, roles, buckets, covered_buckets, has_export, export_roles, export_buckets)
    return b.document(), b.annotations()


def _exports(b: DocBuilder, exports: list[Resource], images: _Targets, buckets: dict[str, _BucketRef]
             ) -> set[str]:
    """One export per ``alicloud_image_export`` (always RAW with the default role: the provider sends
    neither ImageFormat nor RoleName). Returns the addresses of the buckets the exports reach.

    An ``oss_bucket`` that refers to a bucket of the files whose name they do not decide
    (``bucket = "exports-${random_integer.x.result}"``) is joined to that bucket by the reference
    (``links``): the bucket rules read its facts; ``OSSBucket`` stays unknown (nothing reads a made-up name).
    An ``image_id`` that refers to an ``alicloud_image`` of the files is joined to it the same way: ECS gives
    the id when it creates the image, so ``ImageId`` is unknown (the object names are known but for it).
    An argument written with a value the files do not decide is given (``given``), its value unknown."""
    covered: set[str] = set()
    bucket_targets = _Targets({a: ref.name for a, ref in buckets.items()})
    for r in exports:
        entry: dict[str, Any] = {}
        ptr = b.add("exports", entry, r.location, r.address)
        b.put(entry, ptr, "RegionId", r.region.value, r.region.location)
        image = r.body.attrs.get("image_id")
        image_id: Any = MISSING if image is None else _str(image.value)
        image_ptr = images.by_address.get(image.target) if image is not None and image.target else None
        if image is not None and image_ptr is not None:
            image_id = Unresolved(Msg("iac.image_id_created", address=image.target))
            b.links[f"{ptr}/ImageId"] = image_ptr
        b.put(entry, ptr, "ImageId", image_id, r.body.loc("image_id"))
        bucket_attr = r.body.attrs.get("oss_bucket")
        bucket: Any = MISSING if bucket_attr is None else _str(bucket_attr.value)
        found = bucket_targets.find(bucket_attr) if bucket_attr is not None else None
        if isinstance(found, str):
            ref = buckets[found]
            covered.add(found)
            if ref.name is None:  # the bucket is known, its name is not: joined by the reference
                bucket = Unresolved(Msg("iac.name_unresolved", address=found))
                if ref.pointer is not None:
                    b.links[f"{ptr}/OSSBucket"] = ref.pointer
            else:
                bucket = ref.name
        b.put(entry, ptr, "OSSBucket", bucket, r.body.loc("oss_bucket"))
        b.put(entry, ptr, "OSSPrefix", _str(r.body.value("oss_prefix")), r.body.loc("oss_prefix"))
        # a request parameter the export writes is given, whatever the files say of its value (RegionId: the
        # provider's region, written in its block)
        written = {"RegionId": r.region.location is not None,
                   **{k: ARGUMENTS["exports"][k] in r.body.attrs for k in ("ImageId", "OSSBucket", "OSSPrefix")}}
        b.given.update(f"{ptr}/{k}" for k, w in written.items() if w and f"{ptr}/{k}" in b.unknown)
    return covered


def _scoped(b: DocBuilder, roles: dict[str, tuple[str, Location | None]], buckets: dict[str, _BucketRef],
            covered: set[str], has_export: bool, export_roles: Sequence[str], export_buckets: Sequence[str]
            ) -> None:
    """Export roles and buckets found without an export that checks them become scoped pseudo-exports."""
    for name, location in roles.values():
        if name in export_roles or (name == DEFAULT_ROLE_NAME and not has_export):
            ptr = b.add("exports", {"RoleName": name}, location)
            b.scopes[int(ptr.rsplit("/", 1)[1])] = "role"
    for address, ref in buckets.items():
        if address in covered or ref.name is None or ref.name not in export_buckets:
            continue
        entry: dict[str, Any] = {"OSSBucket": ref.name}
        ptr = b.add("exports", entry, ref.location, address)
        b.put(entry, ptr, "RegionId", ref.region.value, ref.region.location)
        b.scopes[int(ptr.rsplit("/", 1)[1])] = "bucket"


def _images(b: DocBuilder, images: list[Resource]) -> _Targets:
    """The images the files create; returns their element pointers by address (what an export links to)."""
    pointers: dict[str, str | None] = {}
    for r in images:
        region = r.region.value if isinstance(r.region.value, str) else UNKNOWN_REGION
        # ECS gives an image its id when it creates it: the address stands in as the element's key, recorded
        # unknown, so it is found by an export's reference only and never read as an id (Annotations.links)
        entry: dict[str, Any] = {"RegionId": region, "ImageId": r.address,
                                 # an image Terraform creates is a custom image of the account
                                 "ImageOwnerAlias": "self"}
        ptr = pointers[r.address] = b.add("images", entry, r.location, r.address)
        b.unknown[f"{ptr}/ImageId"] = Msg("iac.image_id_created", address=r.address)
        b.put(entry, ptr, "Status", Unresolved(Msg("iac.image_status")), None)
        b.put(entry, ptr, "ProductCode", Unresolved(Msg("iac.image_product_code")), None)
        platform = _str(r.body.value("platform"))
        if platform is MISSING:
            platform = Unresolved(Msg("iac.image_no_platform"))
        b.put(entry, ptr, "Platform", platform, r.body.loc("platform"))
        os_type = platform
        if isinstance(platform, str):  # ECS derives the OS type from the platform
            os_type = "windows" if platform.lower().startswith("windows") else "linux"
        b.put(entry, ptr, "OSType", os_type, r.body.loc("platform"))
        # PF205 reads OSName too: no argument decides it (README, IaC section), so it is unknown with the reason
        b.put(entry, ptr, "OSName", Unresolved(Msg("iac.image_os_name", resource="alicloud_image",
                                                   platform="platform")), r.body.loc("platform") or r.location)
        why: dict[str, Msg | str] = {}
        b.put(entry, ptr, "DiskDeviceMappings", _disks(r, why), _disks_location(r))
        b.unknown.update({f"{ptr}/DiskDeviceMappings/{k}": v for k, v in why.items()})
    return _Targets(pointers)


def _disks(r: Resource, why: dict[str, Msg | str]) -> Any:
    """The image's disks; ``why`` gets the reason of each disk field the files do not decide (``"0/SnapshotId"``),
    so that it is reported with its own reason rather than as a field nobody set."""
    mappings = r.body.nested("disk_device_mapping")
    if isinstance(mappings, Unresolved):
        return mappings  # a dynamic block whose disks are not known: the disks are unknown, never "none"
    if not mappings:
        snapshot = r.body.attrs.get("snapshot_id")
        if snapshot is not None:  # an image of one system-disk snapshot
            disk: dict[str, Any] = {"Type": "system"}
            _disk_field(disk, why, 0, "SnapshotId", snapshot.target or _str(snapshot.value))
            return [disk]
        return Unresolved(Msg("iac.image_no_disks_instance" if "instance_id" in r.body.attrs
                              else "iac.image_no_disks_source"))
    out = []
    for i, m in enumerate(mappings):
        disk = {}
        for key, arg in (("Type", "disk_type"), ("Device", "device"), ("Size", "size")):
            _disk_field(disk, why, i, key, _str(m.value(arg)))
        snap = m.attrs.get("snapshot_id")
        if snap is not None:
            _disk_field(disk, why, i, "SnapshotId", snap.target or _str(snap.value))
        out.append(disk)
    return out


def _disk_field(disk: dict[str, Any], why: dict[str, Msg | str], index: int, key: str, value: Any) -> None:
    if isinstance(value, Unresolved):
        why[f"{index}/{key}"] = value.reason
    elif is_known(value) and value is not None:
        disk[key] = value


def _disks_location(r: Resource) -> Location | None:
    mappings = r.body.blocks.get("disk_device_mapping", ())
    return mappings[0].location if mappings else r.location


@dataclass
class _BucketRef:
    """A bucket resource an export may name, as its document element is built."""

    name: str | None
    location: Location | None
    region: Attr
    #: the bucket's element in the document (what an export's reference links to)
    pointer: str | None = None
    #: a name the files do not decide: its literal parts, None for each part not known (Annotations.in_part)
    parts: tuple[str | None, ...] = (None,)


_BUCKET_EXTRAS = ("alicloud_oss_bucket_acl", "alicloud_oss_bucket_server_side_encryption",
                  "alicloud_oss_bucket_policy", "alicloud_oss_bucket_versioning", "alicloud_oss_bucket_replication",
                  "alicloud_oss_bucket_public_access_block")


def _buckets(b: DocBuilder, by_type: Mapping[str, list[Resource]], export_buckets: Sequence[str]
             ) -> dict[str, _BucketRef]:
    refs: dict[str, _BucketRef] = {}
    for r in by_type.get("alicloud_oss_bucket", []):
        name = _name(r, ("bucket",))
        refs[r.address] = _BucketRef(name if isinstance(name, str) else None, r.location, r.region,
                                     parts=_known_parts(name))
    targets = _Targets({a: ref.name for a, ref in refs.items()})
    # the buckets an export writes to (or the config names): only their policies are validated strictly
    strict = {a for a, ref in refs.items() if ref.name is not None and ref.name in export_buckets}
    for export in by_type.get("alicloud_image_export", []):
        found = targets.find(export.body.attrs.get("oss_bucket"))
        if isinstance(found, str):
            strict.add(found)
    # the separate resources (acl, encryption, policy) by the bucket they configure
    extras: dict[tuple[str, str], Resource] = {}
    stray: dict[str, Msg] = {}
    #: two resources of one kind configuring one bucket: the setting is unknown (never the last one read)
    twice: dict[tuple[str, str], list[str]] = {}
    for kind in _BUCKET_EXTRAS:
        for x in by_type.get(kind, []):
            found = targets.find(x.body.attrs.get("bucket"))
            if isinstance(found, Unresolved):
                stray[kind] = Msg("iac.bucket_stray", address=x.address)
            elif found is not None:
                first = extras.setdefault((found, kind), x)
                if first is not x:
                    twice.setdefault((found, kind), [first.address]).append(x.address)
    for (address, kind) in twice:
        del extras[(address, kind)]
    for r in by_type.get("alicloud_oss_bucket", []):
        own = {kind: Msg("iac.bucket_extra_twice", addresses=", ".join(xs))
               for (address, kind), xs in twice.items() if address == r.address}
        _bucket(b, r, refs[r.address], extras, {**stray, **own}, r.address in strict)
    return refs


def _bucket(b: DocBuilder, r: Resource, ref: _BucketRef, extras: Mapping[tuple[str, str], Resource],
            stray: Mapping[str, Msg], strict: bool) -> None:
    # a name the files do not decide: the address stands in as the element's key, recorded unknown, so it is
    # found by an export's reference only and never read as a name (Annotations.links)
    entry: dict[str, Any] = {"Name": ref.name or r.address}
    ptr = ref.pointer = b.add("buckets", entry, r.location, r.address)
    if ref.name is None:
        b.unknown[f"{ptr}/Name"] = Msg("iac.name_unresolved", address=r.address)
        b.locations[f"{ptr}/Name"] = _name_loc(r, ("bucket",)) or r.location  # type: ignore[assignment]
        b.in_part[f"{ptr}/Name"] = ref.parts
    region = r.region.value
    b.put(entry, ptr, "Location", f"oss-{region}" if isinstance(region, str) else region,
          r.provider_location or r.location)
    storage = _str(r.body.value("storage_class"))
    b.put(entry, ptr, "StorageClass", "Standard" if storage is MISSING or storage is None else storage,
          r.body.loc("storage_class") or r.location)
    # ACL: the separate resource wins over the deprecated argument; private by default
    acl_res = extras.get((r.address, "alicloud_oss_bucket_acl"))
    acl_src = acl_res.body if acl_res is not None else r.body
    grant = _str(acl_src.value("acl"))
    if "alicloud_oss_bucket_acl" in stray and acl_res is None:
        grant = Unresolved(stray["alicloud_oss_bucket_acl"])
    grant = "private" if grant is MISSING or grant is None else grant
    b.put(entry, ptr, "AccessControlList", {"Grant": grant} if is_known(grant) else grant,
          acl_src.loc("acl") or (acl_res.location if acl_res else None) or r.location)
    sse, sse_loc = _sse(r, extras.get((r.address, "alicloud_oss_bucket_server_side_encryption")),
                        stray.get("alicloud_oss_bucket_server_side_encryption"))
    b.put(entry, ptr, "ServerSideEncryptionRule", sse, sse_loc)
    b.put(entry, ptr, "Owner", Unresolved(Msg("iac.bucket_owner")), None)
    versioning = _versioning(r, extras.get((r.address, "alicloud_oss_bucket_versioning")),
                             stray.get("alicloud_oss_bucket_versioning"))
    b.put(entry, ptr, "Versioning", versioning[0], versioning[1])
    # replication, like the ACL, encryption and policy resources: what the files do not declare is what
    # Terraform would create, the provider's default (no replication rule), unless a replication resource
    # whose bucket cannot be told may be this bucket's
    replication = extras.get((r.address, "alicloud_oss_bucket_replication"))
    if replication is not None:
        cross: Any = "Enabled"
    elif "alicloud_oss_bucket_replication" in stray:
        cross = Unresolved(stray["alicloud_oss_bucket_replication"])
    else:
        cross = "Disabled"
    b.put(entry, ptr, "CrossRegionReplication", cross,
          replication.location if replication is not None else r.location)
    bpa, bpa_loc = _block_public_access(r, extras.get((r.address, "alicloud_oss_bucket_public_access_block")),
                                        stray.get("alicloud_oss_bucket_public_access_block"))
    b.put(entry, ptr, "BlockPublicAccess", bpa, bpa_loc)
    policy_res = extras.get((r.address, "alicloud_oss_bucket_policy"))
    policy_src = policy_res.body if policy_res is not None else r.body
    policy = policy_src.value("policy")
    if "alicloud_oss_bucket_policy" in stray and policy_res is None:
        policy = Unresolved(stray["alicloud_oss_bucket_policy"])
    policy_loc = policy_src.loc("policy") or (policy_res.location if policy_res else None) or r.location
    b.put(entry, ptr, "Policy", None if policy is MISSING else _policy_text(policy, policy_loc, strict), policy_loc)


def _block_public_access(r: Resource, separate: Resource | None, stray: Msg | None) -> tuple[Any, Location | None]:
    """The bucket's Block Public Access from ``alicloud_oss_bucket_public_access_block``; without one, what
    Terraform creates: off (the provider's default); unknown when such a resource whose bucket cannot be told
    may be this bucket's."""
    if separate is None:
        return (Unresolved(stray) if stray is not None else False), r.location
    return _bool(separate.body.value("block_public_access")), separate.body.loc("block_public_access") or \
        separate.location


def _bool(v: Any) -> Any:
    """A bool argument as Terraform converts it (``"true"``/``"false"`` strings too); anything else unknown."""
    v = plain(v)
    if isinstance(v, bool | Unresolved):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    return Unresolved(Msg("iac.not_a_bool", value="(not set)" if v is MISSING else _str(v)))


def _account_bpa(b: DocBuilder, blocks: Sequence[Resource]) -> None:
    """``alicloud_oss_account_public_access_block``: the account's Block Public Access, as the snapshot's
    ``public_access_block``. Without one the account's setting lies outside the files (unknown)."""
    if not blocks:
        return
    values = [(_bool(x.body.value("block_public_access")), x) for x in blocks]
    value, where = values[0]
    if len(values) > 1 and any(v != value for v, _ in values):  # one setting per account: which one wins?
        value = Unresolved(Msg("iac.account_bpa_conflict", addresses=", ".join(x.address for x in blocks)))
    entry: dict[str, Any] = {}
    b.doc["public_access_block"] = entry
    b.locations["/public_access_block"] = where.location  # type: ignore[assignment]
    b.put(entry, "/public_access_block", "BlockPublicAccess", value,
          where.body.loc("block_public_access") or where.location)


def _versioning(r: Resource, separate: Resource | None, stray: Msg | None) -> tuple[Any, Location | None]:
    """``Versioning`` from ``alicloud_oss_bucket_versioning`` or the inline block; absent when never set;
    unknown when a versioning resource whose bucket cannot be told may be this bucket's."""
    if separate is None and stray is not None:
        return Unresolved(stray), r.location
    inline = r.body.nested("versioning")
    if separate is None and isinstance(inline, Unresolved):
        return inline, r.location
    src = separate.body if separate is not None else (inline[0] if inline and isinstance(inline, tuple) else None)
    if src is None:
        return MISSING, None
    return _str(src.value("status")), src.loc("status") or src.location


def _sse(r: Resource, separate: Resource | None, stray: Msg | None) -> tuple[Any, Location | None]:
    """``ServerSideEncryptionRule`` from the separate resource or the inline block; ``"None"`` when neither."""
    if separate is not None:
        src: Block | None = separate.body
    elif isinstance(r.body.nested("server_side_encryption_rule"), Unresolved):
        return r.body.nested("server_side_encryption_rule"), r.location
    elif r.body.blocks.get("server_side_encryption_rule"):
        src = r.body.blocks["server_side_encryption_rule"][0]
    else:
        src = None
    if src is None:
        if stray:
            return Unresolved(stray), r.location
        return {"SSEAlgorithm": "None"}, r.location
    algo = _str(src.value("sse_algorithm"))
    where = src.loc("sse_algorithm") or src.location
    if not is_known(algo):
        return (algo if isinstance(algo, Unresolved) else Unresolved(Msg("iac.sse_not_set"))), where
    rule: dict[str, Any] = {"SSEAlgorithm": algo if algo else "None"}
    kms = _str(src.value("kms_master_key_id"))
    if isinstance(kms, str) and kms:
        rule["KMSMasterKeyID"] = kms
    return rule, where


def _roles(b: DocBuilder, by_type: Mapping[str, list[Resource]], export_roles: Sequence[str]
           ) -> dict[str, tuple[str, Location | None]]:
    """Roles with their trust policy and the policies attached to them. Returns address -> (name, location).
    Policies are validated strictly only for the export roles (``export_roles`` and the default one)."""
    #: name -> (document, where); a policy whose name is not known is there under its address (a RAM policy
    #: name has no "." nor "_", so the two never collide)
    policies: dict[str, tuple[Any, Location | None]] = {}
    policy_names: dict[str, str | None] = {}
    for p in by_type.get("alicloud_ram_policy", []):
        name = _name(p, ("policy_name", "name"))
        doc_attr = p.body.attrs.get("policy_document") or p.body.attrs.get("document")
        where = doc_attr.location if doc_attr else p.location
        doc = doc_attr.value if doc_attr else Unresolved(Msg("iac.policy_statement_blocks", address=p.address))
        policy_names[p.address] = name if isinstance(name, str) else None
        policies[name if isinstance(name, str) else p.address] = (doc, where)
    role_list = by_type.get("alicloud_ram_role", [])
    names: dict[str, str | None] = {}
    for r in role_list:
        name = _name(r, ("role_name", "name"))
        names[r.address] = name if isinstance(name, str) else None
    role_targets = _Targets(names)
    policy_targets = _Targets(policy_names)
    attached: dict[str, list[tuple[Any, Any, Resource]]] = {a: [] for a in names}
    stray: Msg | None = None
    for att in by_type.get("alicloud_ram_role_policy_attachment", []):
        found = role_targets.find(att.body.attrs.get("role_name"))
        if isinstance(found, Unresolved):
            stray = Msg("iac.attach_stray", address=att.address)
        elif found is not None:
            pattr = att.body.attrs.get("policy_name")
            ptarget = policy_targets.find(pattr)
            # a policy referenced by attribute (alicloud_ram_policy.p.policy_name) is that resource, whatever its
            # name evaluates to (a generated suffix from random_integer, a variable without a value)
            pname: Any = (policy_names.get(ptarget) or ptarget) if isinstance(ptarget, str) else None
            if pname is None:
                pname = _str(pattr.value) if pattr is not None else Unresolved(Msg("iac.policy_name_missing"))
            attached[found].append((pname, _str(att.body.value("policy_type")), att))
    out: dict[str, tuple[str, Location | None]] = {}
    for r in role_list:
        name = names[r.address] or r.address
        out[r.address] = (name, r.location)
        _role(b, r, name, attached[r.address], policies, stray, name in export_roles or name == DEFAULT_ROLE_NAME)
    return out


def _role(b: DocBuilder, r: Resource, name: str, attached: list[tuple[Any, Any, Resource]],
          policies: Mapping[str, tuple[Any, Location | None]], stray: Msg | None, strict: bool) -> None:
    entry: dict[str, Any] = {"RoleName": name}
    ptr = b.add("roles", entry, r.location, r.address)
    b.locations[f"{ptr}/RoleName"] = _name_loc(r, ("role_name", "name")) or r.location  # type: ignore[assignment]
    b.put(entry, ptr, "Arn", Unresolved(Msg("iac.role_arn")), None)
    trust_attr = r.body.attrs.get("assume_role_policy_document") or r.body.attrs.get("document")
    if trust_attr is not None:
        trust, trust_loc = _policy_text(partly_known_trust(trust_attr.value), trust_attr.location, strict), \
            trust_attr.location
    elif "services" in r.body.attrs or "ram_users" in r.body.attrs:
        trust, trust_loc = _legacy_trust(r), r.body.loc("services") or r.body.loc("ram_users")
    else:
        trust, trust_loc = Unresolved(Msg("iac.role_no_trust")), r.location
    b.put(entry, ptr, "AssumeRolePolicyDocument", trust, trust_loc)
    if stray:
        b.put(entry, ptr, "AttachedPolicies", Unresolved(stray), r.location)
        return
    items: list[dict[str, Any]] = []
    where: Location | None = None
    for pname, ptype, att in attached:
        item_ptr = f"{ptr}/AttachedPolicies/{len(items)}"
        if not isinstance(pname, str):
            pname = f"{att.address}"
            b.unknown_policy(name, pname, item_ptr, Msg("iac.policy_name_unresolved", address=att.address))
            items.append({"PolicyName": pname, "PolicyType": ptype if isinstance(ptype, str) else "Custom"})
            continue
        item: dict[str, Any] = {"PolicyName": pname}
        if isinstance(ptype, str):
            item["PolicyType"] = ptype
        doc, doc_where = policies.get(pname, (MISSING, None)) if ptype != SYSTEM else (MISSING, None)
        if doc is not MISSING:
            doc = _policy_text(doc, doc_where, strict)
        if isinstance(doc, Unresolved) or doc is MISSING:
            why = doc.reason if isinstance(doc, Unresolved) else Msg(
                "iac.policy_undefined", type=ptype if isinstance(ptype, str) and ptype else "Custom", name=pname,
                source=b.source_name)
            b.unknown_policy(name, pname, item_ptr, why)
        else:
            item["PolicyDocument"] = doc
            where = where or doc_where
        items.append(item)
        where = where or att.location
    b.put(entry, ptr, "AttachedPolicies", items, where or r.location)


def partly_known_trust(value: Any) -> Any:
    """A trust policy document as far as it decides the trust facts: a :class:`Partial` one (an object, or
    JSON text with interpolations inside its strings) becomes the document with placeholders where
    ``policy.decidable_trust`` says the unknown parts cannot change a fact, else stays unknown."""
    if not isinstance(value, Partial):
        return value
    doc = value.value
    if isinstance(doc, PartialText):
        doc = _partial_json(doc)
    decided = pol.decidable_trust(doc, placeholder) if doc is not None else None
    return decided if decided is not None else plain(value)


#: stands for the n-th unknown part of a JSON text while it is parsed (private-use characters)
_MARK_OPEN, _MARK_CLOSE = "\ue000", "\ue001"


def _partial_json(text: PartialText) -> Any:
    """JSON text with unknown parts inside its strings → the object, those strings as PartialText; None
    when an unknown part is anywhere else (a number, a key, the structure) or the text is not JSON."""
    holes = [p for p in text.parts if isinstance(p, Hole)]
    if any(_MARK_OPEN in p or _MARK_CLOSE in p for p in text.parts if isinstance(p, str)):
        return None
    marked = "".join(p if isinstance(p, str) else f"{_MARK_OPEN}{holes.index(p)}{_MARK_CLOSE}"
                     for p in text.parts)
    try:
        doc = json.loads(marked)
    except (ValueError, RecursionError):
        return None

    def back(v: Any, depth: int) -> Any:
        if depth > LIMITS.value_depth:
            raise ValueError("too deep")
        if isinstance(v, str) and _MARK_OPEN in v:
            parts: list[str | Hole] = []
            for i, chunk in enumerate(v.split(_MARK_OPEN)):
                if i == 0:
                    parts.append(chunk)
                    continue
                index, _, rest = chunk.partition(_MARK_CLOSE)
                parts += [holes[int(index)], rest]
            return PartialText(tuple(p for p in parts if p != ""))
        if isinstance(v, dict):
            if any(_MARK_OPEN in k for k in v):
                raise ValueError("an unknown key")
            return {k: back(x, depth + 1) for k, x in v.items()}
        if isinstance(v, list):
            return [back(x, depth + 1) for x in v]
        return v

    try:
        return back(doc, 0)
    except (ValueError, IndexError):
        return None


def _legacy_trust(r: Resource) -> Any:
    """The trust policy the provider built from the deprecated ``services``/``ram_users`` (before v1.49)."""
    services, users = r.body.value("services"), r.body.value("ram_users")
    for v in (services, users):
        if isinstance(v, Unresolved):
            return v
    principal: dict[str, Any] = {}
    if isinstance(services, list) and services:
        principal["Service"] = services
    if isinstance(users, list) and users:
        principal["RAM"] = users
    version = r.body.value("version")
    return {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": principal}],
            "Version": version if isinstance(version, str) else "1"}
