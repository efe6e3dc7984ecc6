"""Benchmark of ``preflight audit --live --resource-directory`` against the fake cloud's organisation.

Each member account has ``--images`` custom images (in all, over ``--regions`` regions, one snapshot each)
and a bucket per region given with ``--bucket``; every call waits ``--latency-ms`` at the fake. The audit runs
as the real CLI in a subprocess (import, discovery, evaluation, JSON report written to /dev/null), so the
wall time is what a user waits and the peak RSS is the audit's alone (the fake runs in this process).

Prints the calls by action and in total next to the batched minimum (the formula is in ``minimum_calls``),
the wall time and the peak RSS, for each account count of ``--accounts`` (e.g. ``1,3,10``).

    python bench/bench_audit.py [--accounts 1,3,10] [--regions 4] [--images 200] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakecloud import FakeCloud  # noqa: E402
from tests.fakecloud.fixtures import org_fixture  # noqa: E402


def minimum_calls(fx: dict[str, Any], buckets_per_account: int) -> Counter[str]:
    """The fewest calls that learn every fact the audit needs, with the APIs' page and batch limit (100):

    ListAccounts ⌈A/100⌉ + GetCallerIdentity 1 (the caller's own account, in case it is listed)
    + per account a: AssumeRole 1 + GetCallerIdentity 1 + DescribeRegions 1
    + Σ_regions max(1, ⌈images_r/100⌉) DescribeImages + Σ_regions ⌈snapshots_r/100⌉ DescribeSnapshots
    + Σ_regions max(1, ⌈running tasks_r/100⌉) DescribeTasks + GetRole 1 + ListPoliciesForRole 1
    + GetPolicy per attached policy + 2 per bucket given (GetBucketInfo, GetBucketPolicy)
    + GetPublicAccessBlock 1 when a bucket is given.
    """
    members = fx["members"]
    out: Counter[str] = Counter({"ListAccounts": math.ceil(len(members) / 100), "GetCallerIdentity": 1})
    for m in members:
        out["AssumeRole"] += 1
        out["GetCallerIdentity"] += 1
        out["DescribeRegions"] += 1
        for region in (r["RegionId"] for r in m["regions"]):
            images = m["images"].get(region, [])
            snaps = {d["SnapshotId"] for i in images for d in i["DiskDeviceMappings"]["DiskDeviceMapping"]}
            tasks = [t for t in m["tasks"].get(region, []) if t["TaskAction"] == "ExportImage"
                     and t["TaskStatus"] == "Processing"]
            out["DescribeImages"] += max(1, math.ceil(len(images) / 100))
            out["DescribeSnapshots"] += math.ceil(len(snaps) / 100)
            out["DescribeTasks"] += max(1, math.ceil(len(tasks) / 100))
        out["GetRole"] += 1
        out["ListPoliciesForRole"] += 1
        role = next(r for r in m["roles"] if r["Role"]["RoleName"] == "AliyunECSImageExportDefaultRole")
        out["GetPolicy"] += len(role["AttachedPolicies"])
        out["GetBucketInfo"] += buckets_per_account
        out["GetBucketPolicy"] += buckets_per_account
        out["GetPublicAccessBlock"] += 1 if buckets_per_account else 0
    return out


def run(accounts: int, regions: int, images: int, latency_ms: float) -> dict[str, Any]:
    fx = org_fixture(accounts=accounts, regions=regions, images=images, buckets=regions)
    region_ids = [r["RegionId"] for r in fx["regions"][:regions]]
    bucket_flags = [a for k, r in enumerate(region_ids) for a in ("--bucket", f"{r}=bench-bucket-{k:02d}")]
    minimum = minimum_calls(fx, len(region_ids))
    with FakeCloud(fx, latency_s=latency_ms / 1000) as cloud, tempfile.TemporaryDirectory() as home:
        env = {
            "PATH": os.environ.get("PATH", ""), "HOME": home, "PYTHONPATH": str(ROOT),
            "PREFLIGHT_LOOPBACK_ONLY": "1",
            "ALIBABA_CLOUD_ACCESS_KEY_ID": cloud.access_key_id,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": cloud.access_key_secret,
            **{f"PREFLIGHT_ENDPOINT_{s.upper()}": cloud.url for s in ("ecs", "ram", "sts", "oss", "resourcemanager")},
        }
        out = Path(home) / "report.json"
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "preflight", "audit", "--live", "--resource-directory",
                               *bucket_flags, "--format", "json", "-o", str(out)], env=env, cwd=ROOT,
                              capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        calls = cloud.actions()
        report = json.loads(out.read_text()) if out.exists() else {}
    return {"accounts": accounts, "regions": regions, "images": accounts * images, "calls": calls,
            "minimum": minimum, "wall_s": wall, "rss_mib": max(rss, before) / 1024, "exit": proc.returncode,
            "stderr": proc.stderr.strip()[:300], "audit": report.get("audit", {})}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", default="3", help="comma-separated account counts, e.g. 1,3,10")
    parser.add_argument("--regions", type=int, default=4)
    parser.add_argument("--images", type=int, default=200, help="custom images per account")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args(argv)
    ok = True
    print(f"{args.regions} regions, {args.images} images per account, {args.latency_ms:g} ms per call")
    print(f"{'accounts':>8}{'images':>8}{'calls':>7}{'minimum':>9}{'wall s':>8}{'RSS MiB':>9}  verdicts")
    for n in (int(x) for x in args.accounts.split(",")):
        r = run(n, args.regions, args.images, args.latency_ms)
        total, least = sum(r["calls"].values()), sum(r["minimum"].values())
        a = r["audit"]
        verdicts = f"{a.get('exportable')} exportable, {a.get('blocked')} blocked, {a.get('unknown')} unknown"
        print(f"{n:>8}{r['images']:>8}{total:>7}{least:>9}{r['wall_s']:>8.2f}{r['rss_mib']:>9.0f}  {verdicts}")
        if r["calls"] != r["minimum"]:
            diff = {k: (r["calls"].get(k, 0), r["minimum"].get(k, 0)) for k in set(r["calls"]) | set(r["minimum"])
                    if r["calls"].get(k, 0) != r["minimum"].get(k, 0)}
            print(f"          calls differ from the minimum (calls, minimum): {diff}")
        if r["exit"] not in (0, 1) or a.get("images") != r["images"]:
            print(f"          exit {r['exit']}: {r['stderr']}")
            ok = False
        ok = ok and r["calls"] == r["minimum"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
