"""Generate a large, realistic offline snapshot for benchmarks.

N exports across 5 regions share images, buckets and roles the way a real account does: by default 2,000
images (one system disk and 0-5 data disks each, every disk with its snapshot), 50 buckets and 10 roles.
A few percent of everything is broken on purpose (Windows or marketplace images, encrypted snapshots, too
many or too large data disks, encrypted/archive/public buckets, bad prefixes, roles that lack permissions or
trust other accounts, running export tasks), so every rule has failing subjects to report.

Deterministic for a given seed. Usage::

    python bench/gen_snapshot.py -n 10000 -o /tmp/big.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from typing import Any

REGIONS = ("cn-hangzhou", "cn-shanghai", "cn-beijing", "ap-southeast-1", "eu-central-1")
ACCOUNT = "1234567890123456"
OTHER_ACCOUNT = "9876543210987654"
EXPORT_ACTIONS = [
    "oss:GetObject", "oss:PutObject", "oss:DeleteObject", "oss:GetBucketLocation", "oss:GetBucketInfo",
    "oss:AbortMultipartUpload", "oss:ListMultipartUploads", "oss:ListParts",
]
DEFAULT_ROLE = "AliyunECSImageExportDefaultRole"
ECS_TRUST = {"Version": "1", "Statement": [
    {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": ["ecs.aliyuncs.com"]}}]}


def _image(rng: random.Random, index: int, region: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    image_id = f"m-{region.split('-')[1][:3]}{index:017d}"
    windows = rng.random() < 0.03
    marketplace = rng.random() < 0.02
    n_data = rng.choices([0, 1, 2, 3, 4, 5], weights=[40, 25, 15, 10, 7, 3])[0]
    disks: list[dict[str, Any]] = []
    snapshots: list[dict[str, Any]] = []
    for d in range(n_data + 1):
        snap_id = f"s-{image_id[2:]}{d:02d}"
        size = 40 if d == 0 else rng.choice([20, 100, 200, 500, 500, 800 if rng.random() < 0.05 else 300])
        disks.append({"Type": "system" if d == 0 else "data", "Device": f"/dev/xvd{chr(97 + d)}",
                      "Size": str(size), "SnapshotId": snap_id})
        encrypted = rng.random() < 0.02
        snapshots.append({"SnapshotId": snap_id, "Encrypted": encrypted,
                          "KMSKeyId": "key-hzz0000000000000000" if encrypted else "",
                          "ProductCode": "cmjj028279" if marketplace and d == 0 else "",
                          "SourceDiskType": "system" if d == 0 else "data", "Status": "accomplished"})
    image = {
        "RegionId": region, "ImageId": image_id, "ImageName": f"image-{index}",
        "Status": "Available" if rng.random() > 0.02 else "Creating",
        "ImageOwnerAlias": "self" if rng.random() > 0.01 else "others",
        "ProductCode": "cmjj028279" if marketplace and rng.random() < 0.5 else "",
        "OSType": "windows" if windows else "linux",
        "Platform": "Windows Server 2019" if windows else rng.choice(["Ubuntu", "CentOS", "Alibaba Cloud Linux"]),
        "OSName": "Windows Server 2019" if windows else "Linux 64bit", "Architecture": "x86_64",
        "Size": 40, "DiskDeviceMappings": {"DiskDeviceMapping": disks},
    }
    return image, snapshots


def _bucket(rng: random.Random, index: int, region: str) -> dict[str, Any]:
    encrypted = rng.random() < 0.06
    policy = None
    if rng.random() < 0.04:
        policy = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["oss:GetObject"], "Principal": ["*"],
                                                "Resource": [f"acs:oss:*:{ACCOUNT}:exports-{index:02d}/*"]}]}
    return {
        "Name": f"exports-{index:02d}", "Location": f"oss-{region}",
        "StorageClass": rng.choices(["Standard", "IA", "Archive"], weights=[90, 6, 4])[0],
        "CreationDate": "2025-03-02T08:00:00.000Z",
        "AccessControlList": {"Grant": rng.choices(["private", "public-read"], weights=[95, 5])[0]},
        "Owner": {"ID": ACCOUNT, "DisplayName": ACCOUNT},
        "ServerSideEncryptionRule": {"SSEAlgorithm": "KMS", "KMSMasterKeyID": "key-hzz0"} if encrypted
        else {"SSEAlgorithm": "None"},
        "DataRedundancyType": "LRS", "CrossRegionReplication": "Disabled", "Policy": policy,
    }


def _roles(bucket_names: list[str]) -> list[dict[str, Any]]:
    roles: list[dict[str, Any]] = [{
        "RoleName": DEFAULT_ROLE, "Arn": f"acs:ram::{ACCOUNT}:role/{DEFAULT_ROLE.lower()}",
        "AssumeRolePolicyDocument": json.dumps(ECS_TRUST),
        "AttachedPolicies": [{"PolicyName": "AliyunECSImageExportRolePolicy", "PolicyType": "System"}],
    }]
    for i in range(1, 10):
        name = f"ImageExportRole{i}"
        trust = json.loads(json.dumps(ECS_TRUST))
        if i == 3:  # another account may assume it
            trust["Statement"][0]["Principal"]["RAM"] = [f"acs:ram::{OTHER_ACCOUNT}:root"]
        if i % 3 == 0:  # scoped to a slice of the buckets, as the docs' least-privilege proposal suggests
            scoped = bucket_names[i::3]
            resources = [f"acs:oss:*:{ACCOUNT}:{b}" for b in scoped] + [f"acs:oss:*:{ACCOUNT}:{b}/*" for b in scoped]
            statements: list[dict[str, Any]] = [{"Effect": "Allow", "Action": EXPORT_ACTIONS, "Resource": resources}]
        elif i == 5:  # lacks the multipart actions
            statements = [{"Effect": "Allow", "Action": EXPORT_ACTIONS[:5], "Resource": "*"}]
        elif i == 7:  # allows everything but denies deletes
            statements = [{"Effect": "Allow", "Action": "oss:*", "Resource": "*"},
                          {"Effect": "Deny", "Action": "oss:DeleteObject", "Resource": "*"}]
        else:  # the seed's custom policy
            statements = [{"Effect": "Allow", "Action": EXPORT_ACTIONS, "Resource": "*"}]
        roles.append({
            "RoleName": name, "Arn": f"acs:ram::{ACCOUNT}:role/{name.lower()}",
            "AssumeRolePolicyDocument": json.dumps(trust),
            "AttachedPolicies": [{"PolicyName": f"ExportPolicy{i}", "PolicyType": "Custom",
                                  "PolicyDocument": json.dumps({"Version": "1", "Statement": statements})}],
        })
    return roles


def generate(n_exports: int = 10_000, *, n_images: int = 2_000, n_buckets: int = 50, n_roles: int = 10,
             seed: int = 1) -> dict[str, Any]:
    """A snapshot document with ``n_exports`` exports (roles beyond 10 are not generated)."""
    rng = random.Random(seed)
    images: list[dict[str, Any]] = []
    snapshots: list[dict[str, Any]] = []
    for i in range(n_images):
        made, snaps = _image(rng, i, REGIONS[i % len(REGIONS)])
        images.append(made)
        snapshots += snaps
    buckets = [_bucket(rng, i, REGIONS[i % len(REGIONS)]) for i in range(n_buckets)]
    by_region: dict[str, list[str]] = {r: [b["Name"] for b in buckets if b["Location"] == f"oss-{r}"] for r in REGIONS}
    roles = _roles([b["Name"] for b in buckets])[: max(1, min(n_roles, 10))]
    exports: list[dict[str, Any]] = []
    for i in range(n_exports):
        image: dict[str, Any] | None = images[rng.randrange(len(images))] if rng.random() > 0.005 else None
        region = image["RegionId"] if image else rng.choice(REGIONS)
        same_region = by_region[region] or [b["Name"] for b in buckets]
        bucket = rng.choice(same_region) if rng.random() > 0.03 else rng.choice(buckets)["Name"]
        request: dict[str, Any] = {
            "RegionId": region,
            "ImageId": image["ImageId"] if image else f"m-missing{i:013d}",
            "OSSBucket": bucket if rng.random() > 0.002 else "no-such-bucket",
        }
        roll = rng.random()
        if roll < 0.85:
            request["OSSPrefix"] = f"Export{i % 97}"
        elif roll < 0.88:
            request["OSSPrefix"] = f"export-{i}"  # '-' is not allowed
        request["ImageFormat"] = rng.choices(["raw", "vhd", "qcow2", "RAW", "iso"], weights=[70, 10, 15, 4, 1])[0]
        if rng.random() < 0.4:
            request["RoleName"] = rng.choice(roles)["RoleName"]
        exports.append(request)
    running = rng.sample(images, k=max(1, n_images // 100))
    tasks = [{"RegionId": img["RegionId"], "TaskId": f"t-{i:016d}", "TaskAction": "ExportImage",
              "TaskStatus": "Processing", "ResourceId": img["ImageId"], "CreationTime": "2026-11-27T09:41:02Z"}
             for i, img in enumerate(running)]
    return {
        "version": 1,
        "account_id": ACCOUNT,
        "captured_at": "2026-11-27T10:00:00Z",
        "exports": exports,
        "regions": [{"RegionId": r} for r in REGIONS],
        "images": images,
        "snapshots": snapshots,
        "tasks": tasks,
        "roles": roles,
        "buckets": buckets,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("-n", "--exports", type=int, default=10_000, help="number of exports (default 10000)")
    parser.add_argument("--images", type=int, default=2_000)
    parser.add_argument("--buckets", type=int, default=50)
    parser.add_argument("--roles", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", help="write here (default: stdout)")
    args = parser.parse_args(argv)
    doc = generate(args.exports, n_images=args.images, n_buckets=args.buckets, n_roles=args.roles, seed=args.seed)
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
