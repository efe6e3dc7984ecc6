"""Benchmark the IaC sources against issue 13's targets: a small module end to end (start-up included)
within 12x a bare ``python -c pass``, and a generated tree of 500 ``.tf`` files with 1,000 resources under
1 s. A script, not a test.

Each figure is the median of ``--runs`` runs after one warm-up, wall time including interpreter start-up,
peak RSS of that child from ``os.wait4``. The measured command is the installed console script,
``preflight check PATH -f json -o /dev/null``; ``--python-c`` measures only ``iac.load`` +
``engine.evaluate`` + the JSON reporter in a ``python -c`` (no CLI, config or waivers).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import preflight_command, run_once  # noqa: E402  (the runner next to this file)

SMALL = ROOT / "tests" / "iac" / "terraform" / "small"
#: the small module's wall time, at most this many times a bare ``python -c pass``
SMALL_TARGET_RATIO = 12.0
#: as installed: the warm-up run may write bytecode (PYTHONDONTWRITEBYTECODE would recompile every module
#: on every run, ~30 ms for this path, which no installed copy pays)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
TREE_TARGET_S = 1.0

PROGRAM = """
import sys
from pathlib import Path
from preflight.sources import iac
from preflight.engine import evaluate
from preflight.rules import load_rules
from preflight.model import Mode, Report
from preflight.reporters import json as json_reporter
load = iac.load([Path(p) for p in sys.argv[1:]])
results = evaluate(load_rules().rules, load.subjects)
sys.stdout.write(json_reporter.render(Report(mode=Mode.IAC, results=tuple(results), unknown_fails=False)))
"""

PROVIDER = '''provider "alicloud" {
  region = "cn-hangzhou"
}

variable "storage_class" {
  default = "Standard"
}
'''

MODULE_FILE = """
resource "alicloud_oss_bucket" "b{i}" {{
  bucket        = "exports-{i}"
  storage_class = var.storage_class
  server_side_encryption_rule {{
    sse_algorithm = "{sse}"
  }}
}}

resource "alicloud_image_export" "e{i}" {{
  image_id   = "m-bp1{i:017d}"
  oss_bucket = alicloud_oss_bucket.b{i}.bucket
  oss_prefix = "{prefix}"
}}
"""


def generate_tree(root: Path, files: int = 500, modules: int = 50) -> int:
    """``files`` .tf files in ``modules`` module directories, a bucket and an export in each (the first file
    of a module also holds the provider and a variable); returns the resource count."""
    per_module = files // modules
    count = 0
    for m in range(modules):
        d = root / f"module{m:02d}"
        d.mkdir(parents=True)
        for f in range(per_module):
            i = m * per_module + f
            head = PROVIDER if f == 0 else ""
            (d / f"export{f}.tf").write_text(head + MODULE_FILE.format(
                i=i, sse="KMS" if i % 7 == 0 else "AES256", prefix="ok" if i % 3 else "bad-prefix"))
            count += 2
    return count


def measure(cmd: list[str], runs: int) -> tuple[float, float]:
    """Median wall seconds and max peak RSS (MiB) over ``runs`` runs after one warm-up (bench_core's runner)."""
    samples = [run_once(cmd, env=ENV) for _ in range(runs + 1)]
    failed = next((s for s in samples if s.code not in (0, 1)), None)
    if failed is not None:  # run it once more, its error shown
        err = subprocess.run(cmd, cwd=ROOT, env=ENV, capture_output=True, text=True, check=False).stderr
        raise SystemExit(f"{' '.join(cmd)} failed (exit {failed.code}): {err}")
    return statistics.median(s.wall for s in samples[1:]), max(s.rss_mib for s in samples[1:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--python-c", action="store_true", help="measure the library calls, not the CLI")
    args = parser.parse_args()

    def command(*paths: str) -> list[str]:
        if args.python_c:
            return [sys.executable, "-c", PROGRAM, *paths]
        return [*preflight_command()[0], "check", *paths, "-f", "json", "-o", os.devnull]

    floor, floor_rss = measure([sys.executable, "-c", "pass"], args.runs)
    print(f"python -c pass                      {floor * 1000:7.0f} ms {floor_rss:6.1f} MiB")
    wall, rss = measure(command(str(SMALL)), args.runs)
    ratio = wall / floor
    verdict = "ok" if ratio <= SMALL_TARGET_RATIO else "OVER"
    print(f"small module (1 file, 4 resources)  {wall * 1000:7.0f} ms {rss:6.1f} MiB"
          f"   {ratio:.1f}x python -c pass, target ≤ {SMALL_TARGET_RATIO:.0f}x: {verdict}")
    with tempfile.TemporaryDirectory() as tmp:
        count = generate_tree(Path(tmp))
        files = sum(1 for _ in Path(tmp).rglob("*.tf"))
        wall, rss = measure(command(tmp), max(1, args.runs // 2))
        verdict = "ok" if wall < TREE_TARGET_S else "OVER"
        print(f"tree ({files} .tf files, {count} resources) {wall:6.2f} s  {rss:6.1f} MiB"
              f"   target < {TREE_TARGET_S:.0f} s: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
