"""The collection plan of a live run: from the export requests, the distinct regions, images per region, roles
and buckets to read, each fetched once; and the APIs' batch sizes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DEFAULT_ROLE = "AliyunECSImageExportDefaultRole"
#: what every task DescribeTasks returns must say (it was asked for ExportImage tasks that are Processing)
TASK_FIELDS = ("TaskId", "TaskAction", "TaskStatus", "ResourceId")
# DescribeImages answers only Available images unless asked for every status (sdk-notes "Traps").
IMAGE_STATUSES = "Creating,Waiting,Available,UnAvailable,CreateFailed,Deprecated"
BATCH = 100  # DescribeImages ImageId / DescribeSnapshots SnapshotIds / page sizes: the APIs' maximum
#: DescribeImages without ImageOwnerAlias answers system, self and others images only (sdk-notes)
MARKETPLACE = "marketplace"


# ---- the plan ---------------------------------------------------------------------------------------------


def _text(request: Mapping[str, str], key: str) -> str:
    value = request.get(key)
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class Plan:
    """What the requests need to know, each thing once (first-seen order)."""

    regions: tuple[str, ...]
    images: Mapping[str, tuple[str, ...]]  # region -> image ids
    roles: tuple[str, ...]
    buckets: Mapping[str, str]  # bucket -> region of the first request naming it (its OSS client)


def plan_requests(requests: Sequence[Mapping[str, str]]) -> Plan:
    regions: dict[str, None] = {}
    images: dict[str, dict[str, None]] = {}
    roles: dict[str, None] = {}
    buckets: dict[str, str] = {}
    for request in requests:
        region = _text(request, "RegionId")
        if region:
            regions.setdefault(region)
            image = _text(request, "ImageId")
            if image:
                images.setdefault(region, {}).setdefault(image)
            bucket = _text(request, "OSSBucket")
            if bucket:
                buckets.setdefault(bucket, region)
        roles.setdefault(_text(request, "RoleName") or DEFAULT_ROLE)
    return Plan(
        tuple(regions),
        {r: tuple(ids) for r, ids in images.items()},
        tuple(roles),
        buckets,
    )


def _batches(items: Sequence[str], size: int = BATCH) -> list[tuple[str, ...]]:
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]
