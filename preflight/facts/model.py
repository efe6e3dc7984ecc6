"""The fact model: one typed *export subject* per ExportImage request, joined with what it depends on.

Three states are kept apart everywhere:
- a value (learned),
- ``None`` (learned not to exist: the image is not in a present ``images`` section, the bucket has no policy),
- an ``Unknown`` (not learned: the section is absent, the API call was denied, the field was not captured).

Field names of API-derived facts are the APIs' own (``Status``, ``ImageOwnerAlias``), so rule authors can
read them off the API reference; joins and derived facts are lower-case (``disks``, ``snapshot``,
``ecs_can_assume``). Rules address facts by dotted paths; ``fact_fields`` exposes the model so a rule
whose path can never exist is rejected at load time (kept on purpose: a typo in a rule is a load error, never
a rule that silently reads nothing).

Fact objects are built once per entity by :mod:`preflight.facts.build` and shared by the exports that use
them; this module only declares them.
"""

# No ``from __future__ import annotations`` here: these annotations are the model rule paths are checked
# against (:func:`fact_fields`). Evaluated once, as the classes are made, they are objects; as strings,
# ``typing.get_type_hints`` compiled each of them (~150) again on every run that loads rules.

import dataclasses
import functools
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from preflight.errors import Msg
from preflight.fieldrepr import FieldsRepr
from preflight.model import Location

DEFAULT_ROLE_NAME = "AliyunECSImageExportDefaultRole"
DEFAULT_IMAGE_FORMAT = "raw"
Loc = Location  # (for Bucket, whose field ``Location`` shadows the class in its body)


class Unknown:
    """A fact that could not be learned, with the reason (shown to the user).

    The reason is a :class:`~preflight.errors.Msg` when preflight words it (so a report in Chinese says it in
    Chinese), or a plain string when it comes from the input (a snapshot's own ``unknown`` entries).
    """

    __slots__ = ("given", "path", "reason", "shown")

    def __init__(self, reason: str | Msg, path: str | None = None, shown: str | None = None, *,
                 given: bool = False) -> None:
        self.reason = reason
        self.path = path
        #: how a message's text names the unknown value, where the input says what it stands for (an IaC
        #: resource address for a name the files do not decide); never read by a rule, which sees unknown
        self.shown = shown
        #: a request parameter that is written (an IaC argument whose value the files do not decide): that it
        #: is given is known, only its value is not (the rule operator ``exists`` reads it as there)
        self.given = given

    def at(self, path: str) -> "Unknown":
        return self if self.path == path else Unknown(self.reason, path, self.shown, given=self.given)

    def __repr__(self) -> str:
        return f"Unknown({str(self.reason)!r}, path={self.path!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unknown) and (other.reason, other.path) == (self.reason, self.path)

    def __hash__(self) -> int:
        return hash((self.reason, self.path))


class Absent:
    """What a rule path reads when a step before its leaf is a join whose target does not exist (``image.Status``
    of an export whose image does not exist): not the leaf's own "none", and not unknown either. The fact
    model declares per join whether a path through it reads this or plain ``None``
    (:data:`preflight.facts.absence.JOINS`); the rule language treats it as not applicable (``if_absent``)."""

    __slots__ = ("join",)

    def __init__(self, join: str) -> None:
        self.join = join

    def __repr__(self) -> str:
        return f"Absent({self.join!r})"


# Fact objects compare and hash by identity (eq=False): a source builds each entity once and shares it
# between the exports that use it, and the engine memoises rule outcomes on those shared objects.
# (No slots=True: it builds every class twice, ~1 ms each at start-up, for no gain at these object counts.)


def _loc() -> Any:
    """A location field: not a fact, never addressable by a rule path."""
    return field(default=None, compare=False, metadata={"fact": False})


def _address() -> Any:
    """The IaC address of the resource an entity is written as (``alicloud_oss_bucket.b[0]``, a ROS logical
    id): what a waiver's ``resource`` glob matches in IaC; not a fact itself."""
    return field(default=None, compare=False, metadata={"fact": False})


def _field_locs() -> Any:
    """Where individual facts of an entity are written (IaC attributes), by fact name; not a fact itself."""
    return field(default=None, compare=False, metadata={"fact": False})


@dataclass(frozen=True, repr=False)
class Request(FieldsRepr):
    """The ExportImage request as given (``None`` = parameter not given; unknown = given by an IaC reference
    that cannot be resolved statically)."""

    RegionId: str | Unknown | None
    ImageId: str | Unknown | None
    OSSBucket: str | Unknown | None
    OSSPrefix: str | Unknown | None
    ImageFormat: str | Unknown | None
    RoleName: str | Unknown | None
    #: the format the export would produce: ``ImageFormat`` or the API default ``raw``
    EffectiveImageFormat: str | Unknown
    #: the role ECS would assume: ``RoleName`` or the default role
    EffectiveRoleName: str | Unknown
    location: Location | None = _loc()
    field_locations: Mapping[str, Location] | None = _field_locs()
    address: str | None = _address()


@dataclass(frozen=True, eq=False, repr=False)
class Region(FieldsRepr):
    """The region of an export request."""

    RegionId: str
    location: Location | None = _loc()
    field_locations: Mapping[str, Location] | None = _field_locs()


@dataclass(frozen=True, eq=False, repr=False)
class Snapshot(FieldsRepr):
    """A snapshot behind an image's disk."""

    SnapshotId: str
    Encrypted: bool | Unknown
    KMSKeyId: str | None | Unknown
    ProductCode: str | None | Unknown
    location: Location | None = _loc()
    field_locations: Mapping[str, Location] | None = _field_locs()


@dataclass(frozen=True, eq=False, repr=False)
class Disk(FieldsRepr):
    """One entry of the image's ``DiskDeviceMappings``, joined to its snapshot."""

    Type: str | Unknown
    Device: str | None | Unknown
    #: GiB (the API sends a string; it is a number here)
    Size: int | Unknown
    SnapshotId: str | None | Unknown
    #: the mapping's own ``Encrypted`` flag (rarely sent; ``None`` when absent)
    Encrypted: bool | None | Unknown
    snapshot: Snapshot | None | Unknown
    #: how a report names the disk: its ``Device``, else its ``SnapshotId``, else its position in the mapping
    #: (``#2``): a list of disks never reads "none, none"
    label: str


@dataclass(frozen=True, eq=False, repr=False)
class Image(FieldsRepr):
    """The custom image an export request names, with its disks."""

    RegionId: str
    #: unknown for an image an IaC export reaches by reference (ECS gives the id when it creates the image;
    #: the unknown is shown as the resource's address in texts, never read as an id)
    ImageId: str | Unknown
    Status: str | Unknown
    ImageOwnerAlias: str | Unknown
    ProductCode: str | None | Unknown
    OSType: str | None | Unknown
    Platform: str | None | Unknown
    OSName: str | None | Unknown
    disks: list[Disk] | Unknown
    #: the disks whose ``Type`` is ``data``
    data_disks: list[Disk] | Unknown
    location: Location | None = _loc()
    field_locations: Mapping[str, Location] | None = _field_locs()
    address: str | None = _address()


@dataclass(frozen=True, eq=False, repr=False)
class Task(FieldsRepr):
    """An entry of DescribeTasks; every field three-state (a field the snapshot lost is unknown)."""

    TaskId: str | None | Unknown
    TaskAction: str | None | Unknown
    TaskStatus: str | None | Unknown
    ResourceId: str | None | Unknown
    location: Location | None = _loc()
    field_locations: Mapping[str, Location] | None = _field_locs()


@dataclass(frozen=True, eq=False, repr=False)
class Principal(FieldsRepr):
    """A statement's ``Principal``, normalised: every form becomes lists; ``"*"`` sets ``Any``."""

    Service: list[str]
    RAM: list[str]
    Federated: list[str]
    Any: bool


@dataclass(frozen=True, eq=False, repr=False)
class ConditionClause(FieldsRepr):
    """One ``Condition`` operator and key of a policy statement, with its values."""

    Operator: str
    Key: str
    Values: list[str]


@dataclass(frozen=True, eq=False, repr=False)
class Statement(FieldsRepr):
    """One statement of a RAM or bucket policy."""

    #: 1-based position in the policy document (for evidence)
    index: int
    Sid: str | None
    Effect: str
    Action: list[str]
    NotAction: list[str]
    Resource: list[str]
    NotResource: list[str]
    Principal: Principal | None
    Condition: list[ConditionClause]


@dataclass(frozen=True, eq=False, repr=False)
class Policy(FieldsRepr):
    """A policy document (RAM or bucket policy): its version and statements."""

    Version: str | None
    Statement: list[Statement]


PolicyDoc = Policy  # (for Bucket, whose field ``Policy`` shadows the class in its body)


@dataclass(frozen=True, eq=False, repr=False)
class AttachedPolicy(FieldsRepr):
    """A policy attached to a RAM role."""

    PolicyName: str
    PolicyType: str | Unknown
    PolicyDocument: Policy | Unknown


@dataclass(frozen=True, eq=False, repr=False)
class Role(FieldsRepr):
    """The RAM role an export assumes: its trust policy and attached policies."""

    RoleName: str
    Arn: str | None | Unknown
    trust_policy: Policy | Unknown
    policies: list[AttachedPolicy] | Unknown
    #: an Allow of sts:AssumeRole to the service ecs.aliyuncs.com, and no Deny of it
    ecs_can_assume: bool | Unknown
    #: principals other than the ECS service that the trust policy lets assume the role
    other_principals: list[str] | Unknown
    #: which of the eight OSS actions ExportImage needs no attached policy allows (or a Deny blocks)
    missing_export_actions: list[str] | Unknown
    #: for each export action, the statement that allowed or denied it (evidence)
    export_decisions: list[str] | Unknown
    #: Conditions on the trust statements that admit ECS (they may stop the service from assuming it)
    ecs_trust_conditions: list[str] | Unknown
    #: grants beyond what an export needs: *, oss:*, NotAction, ram:/ecs:/kms:/sts:, bucket administration
    excess_permissions: list[str] | Unknown
    #: Allows of export actions on Resource "*" instead of the export bucket
    wildcard_resources: list[str] | Unknown
    location: Location | None = _loc()
    field_locations: Mapping[str, Location] | None = _field_locs()
    address: str | None = _address()


@dataclass(frozen=True, eq=False, repr=False)
class Bucket(FieldsRepr):
    """The OSS bucket an export writes to, with its settings and policy."""

    # (field names `Location` and `Policy` shadow the types in the class body, hence the aliases)
    #: unknown for a bucket an IaC export reaches by reference whose name the files do not decide (the
    #: unknown is shown as the resource's address in texts)
    Name: str | Unknown
    Location: str | Unknown
    StorageClass: str | Unknown
    #: ``AccessControlList.Grant``: private | public-read | public-read-write
    Grant: str | Unknown
    OwnerId: str | None | Unknown
    #: ``ServerSideEncryptionRule.SSEAlgorithm``; ``None`` when no server-side encryption is set
    SSEAlgorithm: str | None | Unknown
    KMSMasterKeyID: str | None | Unknown
    Versioning: str | None | Unknown
    CrossRegionReplication: str | None | Unknown
    Policy: PolicyDoc | None | Unknown
    #: bucket-policy statements that let anyone read or list objects, with no Condition narrowing who
    public_grants: list[str] | Unknown
    #: the bucket's own Block Public Access (``GetBucketInfo`` ``BucketInfo.Bucket.BlockPublicAccess``)
    BlockPublicAccess: bool | Unknown
    #: the account-level Block Public Access (OSS ``GetPublicAccessBlock``; the snapshot's
    #: ``public_access_block``)
    AccountBlockPublicAccess: bool | Unknown
    #: either of them on: a public ACL or bucket policy has no effect (unknown unless one is on or both off)
    public_access_blocked: bool | Unknown
    location: Loc | None = _loc()
    field_locations: Mapping[str, Loc] | None = _field_locs()
    address: str | None = _address()


@dataclass(frozen=True, eq=False, repr=False)
class Fix(FieldsRepr):
    """The least-privilege export role for this export's bucket and prefix, ready to apply."""

    trust_policy: str
    #: the scoped permission policy, its name, and both as Terraform and ROS (none without a bucket name)
    permission_policy: str | None
    policy_name: str | None
    terraform: str | None
    ros: str | None


@dataclass(frozen=True, eq=False, repr=False)
class Subject(FieldsRepr):
    """One ExportImage request and everything it depends on."""

    request: Request
    account_id: str | Unknown
    region: Region | None | Unknown
    image: Image | None | Unknown
    #: export tasks of this image that are running now
    tasks: list[Task] | Unknown
    bucket: Bucket | None | Unknown
    role: Role | None | Unknown
    #: the least-privilege role for this export (unknown when the bucket name is)
    fix: Fix | Unknown | None = None
    location: Location | None = _loc()
    field_locations: Mapping[str, Location] | None = _field_locs()
    #: "export" (an ExportImage request), or "role" / "bucket": an export role or bucket found in IaC files
    #: without an export that uses it; only the rules located on that entity apply to it
    scope: str = field(default="export", compare=False, metadata={"fact": False})

    @property
    def name(self) -> str:
        r = self.request
        if self.scope == "role":
            address = self.role.address if isinstance(self.role, Role) else None
            return f"role {r.EffectiveRoleName if isinstance(r.EffectiveRoleName, str) else '?'}{_module(address)}"
        if self.scope == "bucket":
            address = self.bucket.address if isinstance(self.bucket, Bucket) else None
            return f"bucket oss://{r.OSSBucket if isinstance(r.OSSBucket, str) else '?'}{_module(address)}"

        def show(v: str | Unknown | None) -> str:
            return v if isinstance(v, str) else v.shown if isinstance(v, Unknown) and v.shown else "?"

        prefix = f"/{show(r.OSSPrefix)}" if r.OSSPrefix else ""
        return f"{show(r.RegionId)}/{show(r.ImageId)} → oss://{show(r.OSSBucket)}{prefix}{_module(r.address)}"


def _module(address: str | None) -> str:
    """The module instance an IaC entity is written in, for a subject's name: instances of one module that
    evaluate to the same request are different subjects (their findings, fingerprints and waivers apart).
    Nothing for entities of the root module, snapshots and live (their names are as they always were)."""
    if not address or not address.startswith("module."):
        return ""
    return f" ({address})"



# ---------------------------------------------------------------------------------------------------------
# The static shape of the model, for rule validation


@dataclass(frozen=True, repr=False)
class FieldType(FieldsRepr):
    """What a path step can hold: a scalar (``str``/``int``/``bool``), a fact class, or a list of either."""

    scalar: type | None
    fact: type | None
    is_list: bool

    @property
    def name(self) -> str:
        inner = self.fact.__name__ if self.fact else (self.scalar.__name__ if self.scalar else "?")
        return f"list[{inner}]" if self.is_list else inner


def _classify(hint: Any) -> FieldType:
    args = typing.get_args(hint) if typing.get_origin(hint) in (Union, types.UnionType) else (hint,)
    for a in args:
        if a in (type(None), Unknown):
            continue
        if typing.get_origin(a) is list:
            inner = _classify(typing.get_args(a)[0])
            return FieldType(inner.scalar, inner.fact, True)
        if dataclasses.is_dataclass(a):
            return FieldType(None, a if isinstance(a, type) else type(a), False)
        if a in (str, int, bool, float):
            return FieldType(a, None, False)
    raise TypeError(f"unsupported fact type {hint!r}")


@functools.cache
def fact_fields(cls: type) -> dict[str, FieldType]:
    """The rule-addressable fields of a fact class and what each holds."""
    hints = typing.get_type_hints(cls)
    return {
        f.name: _classify(hints[f.name])
        for f in dataclasses.fields(cls)
        if f.metadata.get("fact", True)
    }
