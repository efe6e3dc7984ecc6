"""The one table of absences that mean "learned: none", and of what each join does with a missing target.

Everything a snapshot (or a document an IaC or live source builds in its shape) leaves out is *unknown*,
with a reason naming the field, except what is listed here. An entry needs the API's own semantics to
justify it: the API leaves the field out when the thing is unset, or the field is a request parameter the
user did not give. The fact builder reads absence only through :func:`absent_means_none` (the ``Obj``
readers take no flag), and the README's snapshot section lists the same fields (a test compares them).

Joins (an export naming an image, a disk naming a snapshot) are listed too: when the target is not in its
section although the section is present, the join says whether that is learned-absent (``None``: the
section is the complete truth for its kind, design.md) or unknown (a reference that cannot be resolved
means the section lost an entity the API would have returned, so nothing may be concluded from it). A join
also declares whether an IaC reference may make it when the name is not known (``link``).
"""

from typing import Literal, NamedTuple


class Absence(NamedTuple):
    #: where the field sits: the snapshot section and the nested object, ``/``-separated, no list indexes
    where: str
    field: str
    #: what a missing field means (``None`` in the facts)
    means: str
    #: the API behaviour that justifies it
    api: str


NONE_WHEN_ABSENT: tuple[Absence, ...] = (
    *(Absence("exports", f, "the parameter was not given (ExportImage then uses its default, if any)",
              "ExportImage request parameters are optional except RegionId, ImageId and OSSBucket; a parameter "
              "left out is not given, which is itself a fact the rules judge (PF101-PF103)")
      for f in ("RegionId", "ImageId", "OSSBucket", "OSSPrefix", "ImageFormat", "RoleName")),
    Absence("buckets", "Versioning", "versioning was never enabled",
            "GetBucketInfo sends <Versioning> only once versioning has been set (Enabled or Suspended)"),
    Absence("buckets/ServerSideEncryptionRule", "KMSMasterKeyID", "no customer KMS key is named",
            "GetBucketInfo sends KMSMasterKeyID only when SSEAlgorithm is KMS with a specified key; "
            "SSEAlgorithm itself is required and decides PF303"),
    Absence("images/DiskDeviceMappings", "Encrypted", "the mapping carries no encryption flag of its own",
            "DescribeImages' DiskDeviceMapping.Encrypted is an invitational-preview field, usually not sent; "
            "the snapshot's own Encrypted (DescribeSnapshots) is required and decides PF208"),
    Absence("tasks", "RegionId", "the task counts for every region (fails safe)",
            "DescribeTasks task objects carry no RegionId (the region is the request's); without one the "
            "task is matched against every export of its image"),
)

_NONE_WHEN_ABSENT = frozenset((a.where, a.field) for a in NONE_WHEN_ABSENT)


def absent_means_none(where: str, field: str) -> bool:
    """Does a missing ``field`` of an object at ``where`` mean "learned: none"? (Else it is unknown.)"""
    return (where, field) in _NONE_WHEN_ABSENT


class Join(NamedTuple):
    """A fact that holds another fact (an entity) or ``None``. (Records are named tuples: immutable, and
    cheaper to define at start-up than frozen dataclasses.)"""

    #: the fact the join fills, ``Class.field``
    fact: str
    #: what it holds when the target is missing from its present section (None: it has no section)
    missing: Literal["none", "unknown"] | None
    #: what a rule path through it reads when it holds ``None``: ``none`` (every fact under it is none too:
    #: a disk without a snapshot has no snapshot encryption) or ``absent`` (a distinct value the rule language
    #: treats as not applicable: unknown unless the condition says ``if_absent``)
    through: Literal["none", "absent"]
    why: str
    #: the request field whose *reference* also makes the join: an IaC source that followed the field to an
    #: entity of the files (``oss_bucket = alicloud_oss_bucket.b.bucket``) records the link in its
    #: annotations (``Annotations.links``), and the join takes that entity although its name is not known
    #: (the field itself stays unknown: no name is made up). ``None``: joined by name only
    link: str | None = None


JOINS: dict[str, Join] = {j.fact: j for j in (
    Join("Subject.region", "none", "absent",
         "DescribeRegions lists every region: one it lacks does not exist (PF109)"),
    Join("Subject.image", "none", "absent",
         "DescribeImages was asked for the image: not returned means it does not exist (PF201); a no-go. An IaC "
         "export whose image_id refers to an image resource of the files is joined to it by that reference (its "
         "id is given by ECS when the image is created)", link="ImageId"),
    Join("Subject.bucket", "none", "absent",
         "the bucket was asked for by name: not returned means it does not exist (PF301); a no-go. An IaC "
         "export whose oss_bucket refers to a bucket resource of the files is joined to it by that reference",
         link="OSSBucket"),
    Join("Subject.role", "none", "absent",
         "the role was asked for by name: not returned means it does not exist (PF401); a no-go. (No IaC "
         "export names its role: alicloud_image_export sends no RoleName and ROS has no export, so no link)"),
    Join("Subject.fix", None, "absent", "no least-privilege role can be written without a role name"),
    Join("Disk.snapshot", "unknown", "none",
         "a disk names the snapshot the image was built from: one missing from the snapshots section was lost, "
         "not learned absent, so its encryption and Marketplace origin (PF204, PF208) are unknown; a disk with "
         "no SnapshotId has no snapshot, and so no snapshot encryption or product code"),
    Join("Bucket.Policy", None, "none", "\"Policy\": null is GetBucketPolicy's NoSuchBucketPolicy: no statements"),
    Join("Statement.Principal", None, "none", "a statement without a Principal names no principal"),
)}


def missing_target(fact: str) -> Literal["none", "unknown"]:
    missing = JOINS[fact].missing
    assert missing is not None, fact
    return missing


def through_none(fact: str) -> Literal["none", "absent"]:
    """What a rule path reads through ``fact`` when it is ``None`` (undeclared joins: absent)."""
    join = JOINS.get(fact)
    return join.through if join is not None else "absent"
