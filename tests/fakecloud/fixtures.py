"""Account states for the fake cloud: the default one (a JSON file) and a generated one at scale (bench)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES_DIR = Path(__file__).parent / "fixtures"
DEFAULT_FIXTURE = FIXTURES_DIR / "default.json"
DEFAULT_ROLE = "AliyunECSImageExportDefaultRole"


def load_fixture(path: str | Path = DEFAULT_FIXTURE) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def default_fixture() -> dict[str, Any]:
    return load_fixture(DEFAULT_FIXTURE)


_TRUST_ECS = {
    "Version": "1",
    "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": ["ecs.aliyuncs.com"]}}],
}
_EXPORT_POLICY = {
    "Version": "1",
    "Statement": [
        {
            "Effect": "Allow",
            "Resource": "*",
            "Action": [
                "oss:GetObject",
                "oss:PutObject",
                "oss:DeleteObject",
                "oss:GetBucketLocation",
                "oss:GetBucketInfo",
                "oss:AbortMultipartUpload",
                "oss:ListMultipartUploads",
                "oss:ListParts",
            ],
        }
    ],
}


def scaled_fixture(
    *, regions: int = 5, exports: int = 200, buckets: int = 20, roles: int = 10
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """An account with ``exports`` distinct images spread over ``regions``, and the export requests.

    Request i uses image i (region i % regions), bucket i % buckets, role i % roles. Every role has the shared
    System export policy and one Custom policy of its own attached.
    """
    base = default_fixture()
    region_ids = [r["RegionId"] for r in base["regions"]][:regions]
    fx: dict[str, Any] = {
        "account_id": base["account_id"],
        "access_key_id": base["access_key_id"],
        "access_key_secret": base["access_key_secret"],
        "regions": base["regions"][:regions],
        "images": {r: [] for r in region_ids},
        "snapshots": {r: [] for r in region_ids},
        "tasks": {r: [] for r in region_ids},
        "roles": [],
        "policies": [
            {
                "PolicyName": "AliyunECSImageExportRolePolicy",
                "PolicyType": "System",
                "DefaultVersion": "v1",
                "Document": _EXPORT_POLICY,
            }
        ],
        "buckets": [],
    }
    for j in range(roles):
        name = DEFAULT_ROLE if j == 0 else f"ExportRole{j:02d}"
        fx["roles"].append(
            {
                "Role": {
                    "RoleName": name,
                    "RoleId": f"3{j:017d}",
                    "Arn": f"acs:ram::{base['account_id']}:role/{name.lower()}",
                    "AssumeRolePolicyDocument": _TRUST_ECS,
                },
                "AttachedPolicies": [
                    {"PolicyName": "AliyunECSImageExportRolePolicy", "PolicyType": "System"},
                    {"PolicyName": f"export-{j:02d}", "PolicyType": "Custom"},
                ],
            }
        )
        fx["policies"].append(
            {
                "PolicyName": f"export-{j:02d}",
                "PolicyType": "Custom",
                "DefaultVersion": "v1",
                "Document": _EXPORT_POLICY,
            }
        )
    for k in range(buckets):
        region = region_ids[k % len(region_ids)]
        fx["buckets"].append(
            {
                "Name": f"bench-bucket-{k:02d}",
                "Location": f"oss-{region}",
                "StorageClass": "Standard",
                "Owner": {"ID": base["account_id"], "DisplayName": base["account_id"]},
                "AccessControlList": {"Grant": "private"},
                "ServerSideEncryptionRule": {"SSEAlgorithm": "None"},
                "Policy": None if k % 2 else {"Version": "1", "Statement": []},
            }
        )
    requests: list[dict[str, str]] = []
    for i in range(exports):
        bucket = fx["buckets"][i % buckets]
        region = bucket["Location"].removeprefix("oss-")  # the image lives where its bucket is
        image_id, snap = f"m-bench{i:012d}", f"s-bench{i:012d}"
        fx["images"][region].append(
            {
                "ImageId": image_id,
                "Status": "Available",
                "ImageOwnerAlias": "self",
                "ProductCode": "",
                "OSType": "linux",
                "Platform": "Ubuntu",
                "Size": 40,
                "DiskDeviceMappings": {"DiskDeviceMapping": [{"Type": "system", "Size": "40", "SnapshotId": snap}]},
            }
        )
        fx["snapshots"][region].append({"SnapshotId": snap, "Encrypted": False, "KMSKeyId": "", "ProductCode": ""})
        requests.append(
            {
                "RegionId": region,
                "ImageId": image_id,
                "OSSBucket": bucket["Name"],
                "OSSPrefix": "Bench",
                "RoleName": fx["roles"][i % roles]["Role"]["RoleName"],
            }
        )
    return fx, requests


def member_account_id(n: int) -> str:
    return f"1{n:015d}"


def org_fixture(
    *, accounts: int = 3, regions: int = 4, images: int = 200, buckets: int = 4, roles: int = 1
) -> dict[str, Any]:
    """An organisation: the default account as the management account, with ``accounts`` members in its
    Resource Directory, each with ``images`` custom images spread over ``regions`` regions (ids unique across
    the organisation), reached with AssumeRole into ``ResourceDirectoryAccountAccessRole``."""
    base = default_fixture()
    org: dict[str, Any] = dict(base)  # the management account is an account too (the default one)
    org["members"], org["resource_directory"] = [], []
    for n in range(1, accounts + 1):
        member, _ = scaled_fixture(regions=regions, exports=images, buckets=buckets, roles=roles)
        account = member_account_id(n)
        text = json.dumps(member).replace("m-bench", f"m-a{n:02d}b").replace("s-bench", f"s-a{n:02d}b")
        member = json.loads(text.replace(base["account_id"], account))
        for key in ("access_key_id", "access_key_secret"):
            member.pop(key, None)
        member["account_id"] = account
        for region_images in member["images"].values():
            for k, image in enumerate(region_images):
                image.update(OSName="Ubuntu 22.04 64 bit", ImageName=f"app-{n}-{k}")
        org["members"].append(member)
        org["resource_directory"].append({"AccountId": account, "DisplayName": f"member-{n}", "Type": "ResourceAccount",
                                          "Status": "CreateSuccess", "FolderId": "fd-root", "JoinMethod": "created"})
    return org
