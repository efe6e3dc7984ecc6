"""Run the fake cloud by hand: ``python -m tests.fakecloud --port 8765 [--fixture FILE] [--latency-ms N]``."""

from __future__ import annotations

import argparse
import shlex
import sys
import time

from .fixtures import DEFAULT_FIXTURE, load_fixture
from .server import FakeCloud, Fault


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakecloud", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (127.0.0.1, ::1, localhost)")
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free port)")
    parser.add_argument("--fixture", default=str(DEFAULT_FIXTURE), help="account state JSON file")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added latency per call")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="ACTION:KIND[:TIMES]",
        help="inject a fault, e.g. GetBucketPolicy:deny or DescribeImages:throttle:2 (repeatable)",
    )
    args = parser.parse_args(argv)
    fixture = load_fixture(args.fixture)
    cloud = FakeCloud(fixture, host=args.host, port=args.port, latency_s=args.latency_ms / 1000)
    for spec in args.fault:
        action, kind, *times = spec.split(":")
        cloud.add_fault(Fault(action=action, kind=kind, times=int(times[0]) if times else None))
    with cloud:
        print(f"fake cloud (ECS, RAM, STS, OSS) listening on {cloud.url}", flush=True)
        print("try, in another shell:", flush=True)
        print(f"  export ALIBABA_CLOUD_ACCESS_KEY_ID={shlex.quote(cloud.access_key_id)}", flush=True)
        print(f"  export ALIBABA_CLOUD_ACCESS_KEY_SECRET={shlex.quote(cloud.access_key_secret)}", flush=True)
        endpoints = " ".join(f"--endpoint {s}={cloud.url}" for s in ("ecs", "ram", "sts", "oss"))
        print(
            f"  preflight check --live {endpoints} --RegionId cn-hangzhou"
            " --ImageId m-hzok0000000000001 --OSSBucket exports-hz",
            flush=True,
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
