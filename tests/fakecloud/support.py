"""Helpers for tests that drive preflight's live source through the fake cloud."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .server import FakeCloud

DEFAULT_ROLE = "AliyunECSImageExportDefaultRole"


def collect_from(cloud: FakeCloud, requests: Sequence[Mapping[str, str]], **kwargs: Any) -> dict[str, Any]:
    """``preflight.sources.live.collect`` pointed at the fake, with its key, fast backoff and short timeouts."""
    from preflight.sources.live import AccessKey, collect

    options: dict[str, Any] = {
        "endpoints": cloud.endpoints,
        "credential": AccessKey(cloud.access_key_id, cloud.access_key_secret),
        "backoff_s": 0.01,
        "timeout_s": 3.0,
    }
    options.update(kwargs)
    return collect(requests, **options)


def expected_sections(cloud: FakeCloud, requests: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """What a complete, fault-free collection must return for ``requests``, straight from the fixture."""
    fx = cloud.fixture
    wanted_images = {(r["RegionId"], r["ImageId"]) for r in requests}
    images = sorted(
        (
            {"RegionId": region, **img}
            for region, imgs in fx["images"].items()
            for img in imgs
            if (region, img["ImageId"]) in wanted_images
        ),
        key=lambda i: (i["RegionId"], i["ImageId"]),
    )
    snap_ids = {m["SnapshotId"] for i in images for m in i["DiskDeviceMappings"]["DiskDeviceMapping"]}
    snapshots = sorted(
        (s for snaps in fx["snapshots"].values() for s in snaps if s["SnapshotId"] in snap_ids),
        key=lambda s: s["SnapshotId"],
    )
    regions = {r["RegionId"] for r in requests}
    tasks = sorted(
        (
            {"RegionId": region, **t}
            for region, ts in fx.get("tasks", {}).items()
            for t in ts
            if region in regions and t["TaskAction"] == "ExportImage" and t["TaskStatus"] == "Processing"
        ),
        key=lambda t: (t["RegionId"], t["TaskId"]),
    )
    role_names = {r.get("RoleName") or DEFAULT_ROLE for r in requests}
    roles = []
    for name in sorted(role_names & set(cloud.roles)):
        role = dict(cloud.roles[name]["Role"])
        role["AssumeRolePolicyDocument"] = json.loads(json.dumps(role["AssumeRolePolicyDocument"]))
        attached = []
        for ref in cloud.roles[name]["AttachedPolicies"]:
            policy = cloud.policies[(ref["PolicyType"], ref["PolicyName"])]
            attached.append(
                {
                    "PolicyName": ref["PolicyName"],
                    "PolicyType": ref["PolicyType"],
                    "DefaultVersion": policy["DefaultVersion"],
                    "PolicyDocument": policy["Document"],
                }
            )
        role["AttachedPolicies"] = attached
        roles.append(role)
    bucket_names = {r["OSSBucket"] for r in requests}
    buckets = [dict(cloud.buckets[n]) for n in sorted(bucket_names & set(cloud.buckets))]
    return {"images": images, "snapshots": snapshots, "tasks": tasks, "roles": roles, "buckets": buckets}


def comparable_roles(roles: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Roles with their JSON-string documents parsed and list-only fields dropped, to compare with the fixture."""
    out = []
    for role in roles:
        r = dict(role)
        r["AssumeRolePolicyDocument"] = json.loads(r["AssumeRolePolicyDocument"])
        r["AttachedPolicies"] = [
            {
                "PolicyName": a["PolicyName"],
                "PolicyType": a["PolicyType"],
                "DefaultVersion": a["DefaultVersion"],
                "PolicyDocument": json.loads(a["PolicyDocument"]),
            }
            for a in r["AttachedPolicies"]
        ]
        out.append(r)
    return out
