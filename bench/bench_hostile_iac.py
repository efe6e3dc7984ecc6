"""Hostile IaC inputs (issue 11): each must end within seconds and bounded memory, with a result or a one-line
error, never an internal error. A script, not a test: it generates the inputs, runs the installed console
script once on each under ``timeout`` and an address-space limit (so a hang or a bomb cannot take the
machine), and prints wall time, the child's peak RSS, the exit code and the first line that says why.

    .venv/bin/python bench/bench_hostile_iac.py [--timeout 60] [--max-s 10] [--max-mib 600] [--keep DIR]

Exit status 1 when a case is over a bound, timed out, or ended in an internal error.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import ROOT, preflight_command  # the runner next to this file

PROVIDER = 'provider "alicloud" {\n  region = "cn-hangzhou"\n}\n'


def _export(meta: str = "", prefix: str = '"p"') -> str:
    return (f'resource "alicloud_image_export" "e" {{\n  {meta}\n  image_id = "m-1"\n  oss_bucket = "b"\n'
            f"  oss_prefix = {prefix}\n}}\n")


def _chain(n: int, step: str) -> str:
    lines = ['  l0 = "a"'] + [f"  l{i} = {step.format(p=f'local.l{i - 1}')}" for i in range(1, n)]
    return "locals {\n" + "\n".join(lines) + "\n}\n"


def _fanout(levels: int, count: int) -> dict[str, str]:
    files = {"main.tf": PROVIDER + f'module "m" {{\n  source = "./l1"\n  count = {count}\n}}\n'}
    for i in range(1, levels + 1):
        here = "/".join(f"l{j}" for j in range(1, i + 1))
        call = f'module "m" {{\n  source = "./l{i + 1}"\n  count = {count}\n}}\n' if i < levels else _export()
        files[f"{here}/main.tf"] = call
    return files


def _ros(resources: str, parameters: str = "") -> str:
    return "ROSTemplateFormatVersion: '2015-09-01'\n" + parameters + "Resources:\n" + resources


def cases() -> dict[str, dict[str, str]]:
    """name -> files (the first one is what is checked when it is not a directory of .tf files)."""
    out: dict[str, dict[str, str]] = {
        "count = 1000000000": {"main.tf": PROVIDER + _export("count = 1000000000", '"p${count.index}"')},
        "count = 1e300": {"main.tf": PROVIDER + _export("count = 1e300", '"p${count.index}"')},
        "for_each over 50,000 keys": {"main.tf": PROVIDER + _export("for_each = local.m", "each.value")
                                      + "locals {\n  m = {\n" + "".join(f'    k{i} = "v"\n' for i in range(50_000))
                                      + "  }\n}\n"},
        "module fan-out 10^6": _fanout(6, 10),
        "31 locals doubling a string": {"main.tf": PROVIDER + _chain(32, '"${{{p}}}${{{p}}}"')
                                        + _export(prefix="local.l31")},
        "31 locals doubling a list": {"main.tf": PROVIDER + _chain(32, "[{p}, {p}]")
                                      + _export(prefix="jsonencode(local.l31)")},
        "3,000-local chain": {"main.tf": PROVIDER + _chain(3000, "{p}") + _export(prefix="local.l2999")},
        "5,000-digit integer": {"main.tf": PROVIDER + _export("count = " + "9" * 5000, "9" * 5000)},
        "5,000-digit count string": {"main.tf": PROVIDER + _export('count = "' + "9" * 5000 + '"')},
        "HCL file over the size cap": {"main.tf": PROVIDER + "# " + "x" * 2_000_000 + "\n"},
        # the parser itself, within the size cap: nesting, error recovery, long chains
        "HCL nested 400,000 brackets deep": {"main.tf": "locals {\n  x = " + "[" * 400_000 + "]" * 400_000 + "\n}\n"},
        "HCL of 990,000 quotes": {"main.tf": '"' * 990_000},
        "HCL of 240,000 '}{)('": {"main.tf": "}{)(" * 240_000},
        "HCL 100,000 chained conditionals": {"main.tf": "locals {\n  x = " + " ? 1 : ".join(["a"] * 100_000)
                                             + " ? 1 : 2\n}\n"},
        ".tf.json resource as a string": {"main.tf.json": '{"resource": {"alicloud_image_export": {"e": "x"}}}'},
        "ROS reference cycle": {"t.yaml": _ros(
            "  B:\n    Type: ALIYUN::OSS::Bucket\n    Properties:\n      BucketName: !Ref C\n"
            "  C:\n    Type: ALIYUN::OSS::Bucket\n    Properties:\n      BucketName: !Join ['', [!Ref B, x]]\n")},
        "ROS Fn::Join doubling 40 times": {"t.yaml": _ros(
            "  R0:\n    Type: ALIYUN::OSS::Bucket\n    Properties:\n      BucketName: " + "x" * 1000 + "\n"
            + "".join(f"  R{i}:\n    Type: ALIYUN::OSS::Bucket\n    Properties:\n"
                      f"      BucketName: !Join ['', [!Ref R{i - 1}, !Ref R{i - 1}]]\n" for i in range(1, 40)))},
        "ROS billion laughs (Fn::Join of aliases)": {"t.yaml": _ros(
            "  B:\n    Type: ALIYUN::OSS::Bucket\n    Properties:\n      BucketName: !Join ['', *a8]\n",
            "Parameters:\n  P:\n    Default: &a0 [\"lollollollol\"]\n"
            + "".join(f"  Q{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9)))},
    }
    return out


def run(argv: list[str], timeout: float, max_bytes: int) -> tuple[float, float, int | None, str]:
    """Wall seconds, peak RSS (MiB), exit code (None: killed at the timeout), first line of stderr."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))

    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=limit)
    assert proc.stderr is not None
    os.set_blocking(proc.stderr.fileno(), False)
    err = b""
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        err += proc.stderr.read() or b""
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            code: int | None = proc.returncode
            break
        if time.perf_counter() - start > timeout:
            proc.kill()
            _, _, usage = os.wait4(proc.pid, 0)
            proc.returncode = -9
            code = None
            break
        time.sleep(0.02)
    wall = time.perf_counter() - start
    first = (err.decode("utf-8", "replace").strip().splitlines() or [""])[0]
    return wall, usage.ru_maxrss / 1024, code, first


def main(args: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--max-s", type=float, default=10.0, help="the bound on wall time per case")
    p.add_argument("--max-mib", type=float, default=600.0, help="the bound on peak RSS per case")
    p.add_argument("--keep", type=Path, help="write the cases here (and keep them) instead of a temporary dir")
    opts = p.parse_args(args)
    command, shown = preflight_command()
    print(f"# {shown}; timeout {opts.timeout:.0f} s, address space 4 GB")
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        base = opts.keep or Path(tmp)
        for i, (name, files) in enumerate(cases().items()):
            case = base / f"case{i:02d}"
            for rel, text in files.items():
                (case / rel).parent.mkdir(parents=True, exist_ok=True)
                (case / rel).write_text(text, encoding="utf-8")
            first = next(iter(files))
            target = case if first.endswith(".tf") else case / first
            wall, rss, code, why = run([*command, "check", str(target), "-f", "json", "-o", os.devnull],
                                       opts.timeout, 4_000_000_000)
            bad = code is None or "internal error" in why or wall > opts.max_s or rss > opts.max_mib
            failed |= bad
            status = "timeout" if code is None else f"exit {code}"
            print(f"{'OVER' if bad else 'ok  '} {name:45} {wall:6.2f} s {rss:7.1f} MiB  {status:8} {why[:90]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
