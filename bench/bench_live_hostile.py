"""Time and memory of ``preflight snapshot`` against hostile endpoints (issue 11). A script, not a test.

The fake cloud (``tests/fakecloud``) runs in this process on 127.0.0.1 and misbehaves in one way per case;
``preflight snapshot`` runs as a child (``python -m preflight``), killed after ``--kill-after`` seconds. Each
line gives the wall time, the child's peak RSS (``os.wait4``) and how it ended. ``--code DIR`` runs another
checkout's ``preflight`` package (e.g. ``git archive <commit> preflight | tar -x -C DIR``) for a "before".

    python bench/bench_live_hostile.py [--code DIR] [--kill-after 60] [--body-mb 256]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakecloud import FakeCloud, Fault, default_fixture  # noqa: E402  (the fake next to the tests)

REQUEST = ["--RegionId", "cn-hangzhou", "--ImageId", "m-hzbusy00000000001", "--OSSBucket", "exports-hz"]
Setup = Callable[[FakeCloud, FakeCloud], None]


def cases(body_mb: int) -> dict[str, Setup]:
    size = body_mb * 1024 * 1024

    def huge(declared: bool) -> Setup:
        return lambda cloud, _: cloud.add_fault(Fault("DescribeTasks", kind="huge", size=size, declared=declared))

    def endless_token(cloud: FakeCloud, _: FakeCloud) -> None:
        cloud.mutators["DescribeSnapshots"] = lambda p: {**p, "NextToken": "0", "Snapshots": {"Snapshot": []}}

    def total_count(cloud: FakeCloud, _: FakeCloud) -> None:
        cloud.mutators["DescribeTasks"] = lambda p: {**p, "TotalCount": 10**9}

    def slow_loris(cloud: FakeCloud, _: FakeCloud) -> None:
        cloud.add_fault(Fault("DescribeTasks", kind="trickle", size=1_000_000, delay_s=1.0))

    def redirect(cloud: FakeCloud, other: FakeCloud) -> None:
        cloud.add_fault(Fault("DescribeTasks", kind="redirect", location=f"{other.url}/"))

    return {
        f"{body_mb} MB body, Content-Length": huge(True),
        f"{body_mb} MB body, until close": huge(False),
        "endless NextToken": endless_token,
        "TotalCount=10^9": total_count,
        "slow-loris (1 byte/s)": slow_loris,
        "302 to another host": redirect,
    }


def run(code: Path, cloud: FakeCloud, home: str, kill_after: float, deadline_s: float,
        max_mem_mb: int) -> tuple[float, int, str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": home,
        "PYTHONPATH": str(code),
        "PREFLIGHT_LOOPBACK_ONLY": "1",
        "PREFLIGHT_DEADLINE_S": f"{deadline_s:g}",  # the "after" code reads it; older code ignores it
        "ALIBABA_CLOUD_ACCESS_KEY_ID": cloud.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": cloud.access_key_secret,
        **{f"PREFLIGHT_ENDPOINT_{s.upper()}": url for s, url in cloud.endpoints.items()},
    }
    started = time.monotonic()
    with tempfile.TemporaryFile() as out:
        def limit_memory() -> None:  # a "before" run may try to hold the whole body, or 10^7 pending calls
            resource.setrlimit(resource.RLIMIT_AS, (max_mem_mb << 20, max_mem_mb << 20))

        child = subprocess.Popen([sys.executable, "-m", "preflight", "snapshot", *REQUEST], env=env, cwd=code,
                                 stdout=out, stderr=subprocess.DEVNULL, preexec_fn=limit_memory)
        ended = "?"
        rusage: Any = None
        while True:
            pid, status, rusage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                ended = f"exit {os.waitstatus_to_exitcode(status)}"
                break
            if time.monotonic() - started > kill_after:
                child.kill()
                _, _, rusage = os.wait4(child.pid, 0)
                ended = f"killed after {kill_after:g} s"
                break
            time.sleep(0.05)
        child.returncode = 0
        wall = time.monotonic() - started
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if ended == "exit 0" and text.strip():
        reasons = {str(e["reason"]) for e in json.loads(text).get("unknown", [])}
        ended += "; unknown: " + ("; ".join(sorted(reasons)) or "none")
    return wall, rusage.ru_maxrss // 1024, ended


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose preflight package runs")
    parser.add_argument("--kill-after", type=float, default=60.0)
    parser.add_argument("--deadline", type=float, default=10.0, help="PREFLIGHT_DEADLINE_S for the child")
    parser.add_argument("--body-mb", type=int, default=256)
    parser.add_argument("--max-mem-mb", type=int, default=2048, help="address-space limit of the child")
    parser.add_argument("--only", default="", help="run only the cases whose name contains this")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as home:
        for name, setup in cases(args.body_mb).items():
            if args.only and args.only not in name:
                continue
            with FakeCloud(default_fixture(), record_globally=False) as cloud, \
                    FakeCloud(default_fixture(), record_globally=False) as other:
                setup(cloud, other)
                wall, rss_mib, ended = run(args.code, cloud, home, args.kill_after, args.deadline, args.max_mem_mb)
                leaked = other.count()
            print(f"{name:32} {wall:7.2f} s {rss_mib:6d} MiB  requests to the other host: {leaked}  {ended}",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
