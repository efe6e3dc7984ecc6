"""Benchmark the core paths against the targets (design: a small check in <=150 ms and <=50 MiB; 10,000
exports in <=2 s) and against the peer figures of peers.md. A script, not a test: ``make bench``.

What is measured (every subprocess figure is the median of ``--runs`` runs after one warm-up run, wall time
including interpreter start-up, peak RSS from ``os.wait4``'s rusage of that one child):

1. ``python -c pass`` with this interpreter (the floor),
2. ``preflight --version`` and ``preflight check examples/snapshot.json`` through the installed console
   script next to this interpreter (``<venv>/bin/preflight``; ``python -m preflight`` when there is none),
3. ``preflight check big.json -f json -o /dev/null`` on a generated snapshot of 10,000 exports
   (``bench/gen_snapshot.py``), end to end, and the same work in-process, phase by phase,
4. the modules a small check imports, by cumulative import time (``PYTHONPROFILEIMPORTTIME=1``),
5. with ``--profile``: the functions the 10,000-export check spends its time in (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "snapshot.json"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_snapshot  # noqa: E402  (the generator next to this file)

SMALL_WALL_S = 0.150
SMALL_RSS_MIB = 50.0
BIG_WALL_S = 2.0
PEERS = (  # peers.md, measured on the same 2-core machine
    ("checkov --version", "2.01 s", "179 MiB"),
    ("checkov -d (2 alicloud resources)", "2.10-2.27 s", "180 MiB"),
    ("cfn-lint (2-resource template)", "0.85 s", "136 MiB"),
    ("c7n-left run (2 resources)", "0.47 s", "102 MiB"),
    ("cfn-guard validate (Rust)", "3.4 ms", "5 MiB"),
)


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    rss_mib: float
    code: int


def run_once(argv: Sequence[str], *, env: dict[str, str] | None = None) -> Run:
    """Run a command with its output discarded; wall time and the child's own peak RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; tell Popen so it does not try again
    return Run(wall, usage.ru_maxrss / 1024, proc.returncode)  # ru_maxrss is KiB on Linux


def median_run(argv: Sequence[str], runs: int) -> tuple[Run, list[Run]]:
    run_once(argv)  # warm-up: page cache, .pyc files
    samples = [run_once(argv) for _ in range(runs)]
    return Run(statistics.median(s.wall for s in samples), statistics.median(s.rss_mib for s in samples),
               samples[-1].code), samples


def preflight_command() -> tuple[list[str], str]:
    script = Path(sys.executable).parent / "preflight"
    if script.exists():
        return [str(script)], f"console script {script.relative_to(ROOT) if script.is_relative_to(ROOT) else script}"
    return [sys.executable, "-m", "preflight"], f"{sys.executable} -m preflight"


def fmt_s(s: float) -> str:
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


# ---------------------------------------------------------------------------------------------------------
# In-process breakdown of a big check


def breakdown(path: Path, runs: int) -> dict[str, float]:
    """Median seconds per phase of a check, in this process (modules already imported), with the garbage
    collector tuned as the CLI tunes it."""
    from preflight.cli import _fewer_collections

    _fewer_collections()
    from preflight.engine import evaluate
    from preflight.model import Mode, Report
    from preflight.reporters import RenderOptions, get_reporter
    from preflight.rules import load_rules
    from preflight.sources import snapshot
    from preflight.sources.common import read_text

    phases: dict[str, list[float]] = {}
    for i in range(runs + 1):
        marks = [time.perf_counter()]
        ruleset = load_rules(())
        marks.append(time.perf_counter())
        text = read_text(path)
        marks.append(time.perf_counter())
        doc = snapshot.parse_json(text, path.name)
        marks.append(time.perf_counter())
        subjects = snapshot.load_document(doc, display=path.name, text=text)
        marks.append(time.perf_counter())
        results = evaluate(ruleset.rules, subjects)
        marks.append(time.perf_counter())
        report = Report(mode=Mode.SNAPSHOT, results=tuple(results), lang="en")
        _ = report.ok, report.summary
        marks.append(time.perf_counter())
        get_reporter("json")(report, RenderOptions())
        marks.append(time.perf_counter())
        get_reporter("text")(report, RenderOptions())
        marks.append(time.perf_counter())
        if i == 0:
            continue  # warm-up
        names = ["load + compile rules", "read file", "parse JSON (json.loads)", "build facts (load_document)",
                 f"evaluate ({len(ruleset.rules)} rules x {len(subjects)} exports)", "report: ok + summary",
                 "render json", "render text (for comparison)"]
        for name, start, end in zip(names, marks, marks[1:], strict=False):
            phases.setdefault(name, []).append(end - start)
    return {name: statistics.median(v) for name, v in phases.items()}


def profile_check(path: Path, top: int) -> str:
    from preflight.cli import main

    prof = cProfile.Profile()
    prof.enable()
    main(["check", str(path), "-f", "json", "-o", os.devnull])
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    out.write("\n-- by own time --\n")
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------------
# Import time


def import_times(argv: Sequence[str]) -> list[tuple[int, int, str]]:
    """(self us, cumulative us, module) for every import the command makes."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3:
            continue
        rows.append((int(fields[0]), int(fields[1]), fields[2].rstrip()))
    return rows


# ---------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="preflight core benchmarks")
    parser.add_argument("--runs", type=int, default=7, help="runs per small command after 1 warm-up (default 7)")
    parser.add_argument("--big-runs", type=int, default=3,
                        help="runs of the 10,000-export check after 1 warm-up (default 3)")
    parser.add_argument("--exports", type=int, default=10_000, help="exports in the generated snapshot")
    parser.add_argument("--profile", action="store_true", help="also cProfile the big check in-process")
    args = parser.parse_args(argv)

    pf, how = preflight_command()
    print(f"python: {sys.executable} ({sys.version.split()[0]}); cpus: {os.cpu_count()}")
    print(f"preflight run as: {how}; cwd: {ROOT}")
    print(f"subprocess figures: median of {args.runs} runs after 1 warm-up (big check: {args.big_runs}); "
          "wall includes interpreter start; RSS = peak resident set of the child")
    print()

    rows: list[tuple[str, Run, str, str]] = []
    floor, _ = median_run([sys.executable, "-c", "pass"], args.runs)
    rows.append(("python -c pass", floor, "-", "-"))
    version, _ = median_run([*pf, "--version"], args.runs)
    rows.append(("preflight --version", version, f"<= {fmt_s(SMALL_WALL_S)}, <= {SMALL_RSS_MIB:.0f} MiB",
                 verdict(version.wall <= SMALL_WALL_S and version.rss_mib <= SMALL_RSS_MIB)))
    small, _ = median_run([*pf, "check", str(EXAMPLE.relative_to(ROOT))], args.runs)
    rows.append(("preflight check examples/snapshot.json", small,
                 f"<= {fmt_s(SMALL_WALL_S)}, <= {SMALL_RSS_MIB:.0f} MiB",
                 verdict(small.wall <= SMALL_WALL_S and small.rss_mib <= SMALL_RSS_MIB)))
    small_json, _ = median_run([*pf, "check", str(EXAMPLE.relative_to(ROOT)), "-f", "json"], args.runs)
    rows.append(("preflight check examples/snapshot.json -f json", small_json,
                 f"<= {fmt_s(SMALL_WALL_S)}, <= {SMALL_RSS_MIB:.0f} MiB",
                 verdict(small_json.wall <= SMALL_WALL_S and small_json.rss_mib <= SMALL_RSS_MIB)))

    with tempfile.TemporaryDirectory(prefix="preflight-bench-") as tmp:
        big = Path(tmp) / "snapshot-10k.json"
        doc = gen_snapshot.generate(args.exports)
        big.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        size_mib = big.stat().st_size / 2**20
        desc = (f"{len(doc['exports'])} exports, {len(doc['images'])} images, {len(doc['snapshots'])} snapshots, "
                f"{len(doc['buckets'])} buckets, {len(doc['roles'])} roles, {len(doc['tasks'])} tasks; "
                f"{size_mib:.1f} MiB")
        big_json, big_samples = median_run([*pf, "check", str(big), "-f", "json", "-o", os.devnull], args.big_runs)
        rows.append((f"check {args.exports} exports -f json -o /dev/null", big_json, f"<= {fmt_s(BIG_WALL_S)}",
                     verdict(big_json.wall <= BIG_WALL_S)))
        big_text, _ = median_run([*pf, "check", str(big), "-f", "text", "-o", os.devnull], args.big_runs)
        rows.append((f"check {args.exports} exports -f text -o /dev/null", big_text, f"<= {fmt_s(BIG_WALL_S)}",
                     verdict(big_text.wall <= BIG_WALL_S)))
        phases = breakdown(big, args.big_runs)
        profile = profile_check(big, 25) if args.profile else ""

    width = max(len(r[0]) for r in rows)
    print(f"{'command':<{width}}  {'wall':>8}  {'peak RSS':>9}  {'exit':>4}  {'target':<22}  verdict")
    for name, run, target, ok in rows:
        print(f"{name:<{width}}  {fmt_s(run.wall):>8}  {run.rss_mib:>5.1f} MiB  {run.code:>4}  {target:<22}  {ok}")
    print(f"(big snapshot: {desc}; runs: " + ", ".join(fmt_s(s.wall) for s in big_samples) + ")")
    print(f"(start-up over the floor: --version +{fmt_s(version.wall - floor.wall)}, "
          f"small check +{fmt_s(small.wall - floor.wall)})")
    print()
    print("peers (peers.md, same kind of machine):")
    for name, wall, rss in PEERS:
        print(f"  {name:<36} {wall:>12}  {rss:>8}")
    print()
    print(f"in-process breakdown of the {args.exports}-export check (median of {args.big_runs} after 1 warm-up):")
    total = 0.0
    for name, seconds in phases.items():
        if not name.startswith("render text"):
            total += seconds
        print(f"  {name:<44} {fmt_s(seconds):>9}")
    print(f"  {'total (without text rendering)':<44} {fmt_s(total):>9}")
    print()

    rows_it = import_times([*pf, "check", str(EXAMPLE.relative_to(ROOT))])
    total_us = sum(r[0] for r in rows_it)
    print(f"imports of a small check: {len(rows_it)} modules, {total_us / 1000:.0f} ms in total (self times)")
    print("  top 10 by cumulative time:")
    for self_us, cum_us, name in sorted(rows_it, key=lambda r: -r[1])[:10]:
        print(f"    {cum_us / 1000:>7.1f} ms  (self {self_us / 1000:>5.1f} ms)  {name.strip()}")
    top_level: dict[str, int] = {}
    for self_us, _, name in rows_it:
        root = name.strip().split(".")[0]
        top_level[root] = top_level.get(root, 0) + self_us
    print("  by top-level package (sum of self times):")
    for root, us in sorted(top_level.items(), key=lambda kv: -kv[1])[:10]:
        print(f"    {us / 1000:>7.1f} ms  {root}")
    heavy = sorted({n.strip().split(".")[0] for _, _, n in rows_it} & {"jsonschema", "rich", "tree_sitter",
                                                                       "alibabacloud_tea_openapi", "Tea", "requests"})
    print(f"  known-heavy packages imported: {', '.join(heavy) if heavy else 'none'}")
    if profile:
        print()
        print(f"cProfile of the {args.exports}-export check in-process (-f json -o /dev/null):")
        print(profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
