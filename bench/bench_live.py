"""Benchmark of the live source against the fake cloud with 50 ms latency per call.

200 exports over 5 regions sharing 20 buckets and 10 roles. Prints the API calls by action and in total, the
batched minimum they should equal, and the wall time of ``collect()`` (first run in the process, which
includes importing the SDKs, and a second run). Targets: calls == minimum, wall <= 2 s.

    python bench/bench_live.py [--latency-ms 50] [--exports 200] [--workers 16]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakecloud import FakeCloud, scaled_fixture

DEFAULT_ROLE = "AliyunECSImageExportDefaultRole"


def minimum_calls(fixture: Mapping[str, Any], requests: Sequence[Mapping[str, str]]) -> Counter[str]:
    """The fewest calls that learn every fact the requests need, with the APIs' batch limits (100)."""
    images: dict[str, set[str]] = {}
    for r in requests:
        images.setdefault(r["RegionId"], set()).add(r["ImageId"])
    snapshots: dict[str, set[str]] = {}
    for region, ids in images.items():
        for image in fixture["images"].get(region, []):
            if image["ImageId"] in ids:
                for m in image["DiskDeviceMappings"]["DiskDeviceMapping"]:
                    snapshots.setdefault(region, set()).add(m["SnapshotId"])
    tasks = {
        region: sum(
            1
            for t in fixture["tasks"].get(region, [])
            if t["TaskAction"] == "ExportImage" and t["TaskStatus"] == "Processing"
        )
        for region in images
    }
    roles = {r.get("RoleName") or DEFAULT_ROLE for r in requests}
    by_name = {role["Role"]["RoleName"]: role for role in fixture["roles"]}
    policies = {
        (p["PolicyType"], p["PolicyName"])
        for name in roles
        if name in by_name
        for p in by_name[name]["AttachedPolicies"]
    }
    omitted = {(p["PolicyType"], p["PolicyName"]) for p in fixture["policies"] if p.get("OmitDefaultVersionDocument")}
    buckets = {r["OSSBucket"] for r in requests}
    return Counter(
        {
            "GetCallerIdentity": 1,
            "DescribeRegions": 1,
            "DescribeImages": sum(math.ceil(len(ids) / 100) for ids in images.values()),
            "DescribeSnapshots": sum(math.ceil(len(ids) / 100) for ids in snapshots.values()),
            "DescribeTasks": sum(max(1, math.ceil(n / 100)) for n in tasks.values()),
            "GetRole": len(roles),
            "ListPoliciesForRole": len(roles & set(by_name)),
            "GetPolicy": len(policies),
            "GetPolicyVersion": len(policies & omitted),
            "GetBucketInfo": len(buckets),
            "GetBucketPolicy": len(buckets),
        }
    )


def run_once(cloud: FakeCloud, requests: Sequence[Mapping[str, str]], workers: int) -> tuple[float, dict[str, Any]]:
    from preflight.sources.live import AccessKey, collect

    cloud.reset_calls()
    started = time.perf_counter()
    doc = collect(
        requests,
        endpoints=cloud.endpoints,
        credential=AccessKey(cloud.access_key_id, cloud.access_key_secret),
        max_workers=workers,
    )
    return time.perf_counter() - started, doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--exports", type=int, default=200)
    parser.add_argument("--regions", type=int, default=5)
    parser.add_argument("--buckets", type=int, default=20)
    parser.add_argument("--roles", type=int, default=10)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args(argv)

    fixture, requests = scaled_fixture(
        regions=args.regions, exports=args.exports, buckets=args.buckets, roles=args.roles
    )
    minimum = minimum_calls(fixture, requests)
    ok = True
    with FakeCloud(fixture, latency_s=args.latency_ms / 1000) as cloud:
        print(
            f"{len(requests)} exports, {args.regions} regions, {args.buckets} buckets, {args.roles} roles; "
            f"{args.latency_ms:g} ms per call; {args.workers} workers"
        )
        for label in ("first run (includes importing the SDKs)", "second run"):
            wall, doc = run_once(cloud, requests, args.workers)
            calls = cloud.actions()
            total, least = sum(calls.values()), sum(minimum.values())
            print(f"\n{label}")
            print(f"  {'action':<22}{'calls':>6}{'minimum':>9}")
            for action in sorted(minimum):
                print(f"  {action:<22}{calls.get(action, 0):>6}{minimum[action]:>9}")
            extra = sorted(set(calls) - set(minimum))
            for action in extra:
                print(f"  {action:<22}{calls[action]:>6}{0:>9}")
            print(f"  {'total':<22}{total:>6}{least:>9}")
            print(f"  wall time of collect(): {wall:.3f} s   peak concurrent calls at the fake: {cloud.peak_in_flight}")
            print(
                f"  unknown entries: {len(doc.get('unknown', []))}; images {len(doc['images'])}, "
                f"snapshots {len(doc['snapshots'])}, roles {len(doc['roles'])}, buckets {len(doc['buckets'])}"
            )
            run_ok = calls == minimum and wall <= 2.0 and not doc.get("unknown")
            print(f"  target (calls == minimum, wall <= 2 s, nothing unknown): {'met' if run_ok else 'NOT MET'}")
            ok = ok and run_ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
