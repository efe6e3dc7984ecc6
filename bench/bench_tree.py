"""Run preflight over every input of a directory tree and summarise: a robustness and speed run on real code.

An input is each directory holding ``.tf``/``.tf.json`` files (a Terraform module, checked as a directory) and
each ROS template or Terraform plan file (a ``.json``/``.yaml``/``.yml`` whose text names
``ROSTemplateFormatVersion``, ``planned_values`` or ``resource_changes``). ``--files`` checks every
``.tf``/``.json``/``.yaml`` file on its own instead. Each input is one ``preflight check INPUT -f json
-o /dev/null`` subprocess (the installed console script, or ``python -m preflight``), with a timeout.

Prints the number of inputs, the exit-code histogram (``timeout`` and ``traceback`` counted apart: a traceback
in stderr is a bug of ours whatever the exit code), the slowest inputs, the first line of stderr for each
input that exited 2 (``--show-errors N``), and totals (wall time summed, wall time of the run). Each run's
working directory is the system's temporary directory (``--cwd``): ``python -m preflight`` puts the working
directory first on ``sys.path``, so run from a checkout it would import that checkout, whatever
``PYTHONPATH`` a ``--command`` sets to compare versions. A script, not a test::

    python bench/bench_tree.py /tmp/ros-templates --slowest 10 --show-errors 20
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import preflight_command

from preflight.sources import registry

_SKIP_DIRS = frozenset({".git", ".terraform", "node_modules", ".venv", "__pycache__"})
_TF = (".tf", ".tf.json")
_DATA = (".json", ".yaml", ".yml")
#: bytes of a data file read to decide whether it is an input
_SNIFF_BYTES = 1 << 20


@dataclass(frozen=True)
class Outcome:
    path: Path
    code: str  # "0", "1", "2", … or "timeout"
    seconds: float
    first_error: str
    traceback: bool


def inputs(root: Path, per_file: bool) -> Iterator[Path]:
    """The inputs under ``root`` in sorted order (see the module's docstring)."""
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        here = Path(directory)
        names = sorted(files)
        if per_file:
            yield from (here / n for n in names if n.endswith((*_TF, *_DATA)))
            continue
        if any(n.endswith(_TF) for n in names):
            yield here
        for n in names:
            if n.endswith(_DATA) and not n.endswith(".tf.json") and _is_input(here / n):
                yield here / n


def _is_input(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            head = f.read(_SNIFF_BYTES).decode("utf-8", "replace")
    except OSError:
        return False
    return registry.marked(head)  # the registry's one rule for ROS and plan marks


def run(command: Sequence[str], path: Path, timeout: float, cwd: str | None = None) -> Outcome:
    start = time.perf_counter()
    try:
        done = subprocess.run([*command, "check", str(path.resolve()), "-f", "json", "-o", os.devnull],
                              capture_output=True, text=True, timeout=timeout, check=False,
                              cwd=cwd or tempfile.gettempdir())
    except subprocess.TimeoutExpired:
        return Outcome(path, "timeout", time.perf_counter() - start, "", False)
    seconds = time.perf_counter() - start
    err = done.stderr.strip()
    first = next((line for line in err.splitlines() if line.strip()), "")
    return Outcome(path, str(done.returncode), seconds, first, "Traceback (most recent call last)" in err)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("roots", nargs="+", type=Path, help="directory trees to walk")
    parser.add_argument("--files", action="store_true", help="each file is an input (not each module directory)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per input (default 60)")
    parser.add_argument("--jobs", type=int, default=1, help="inputs run at once (default 1: times comparable)")
    parser.add_argument("--slowest", type=int, default=10, help="how many of the slowest inputs to list")
    parser.add_argument("--show-errors", type=int, default=10, metavar="N",
                        help="list the first stderr line of up to N inputs that exited 2 or timed out")
    parser.add_argument("--limit", type=int, default=0, help="stop after this many inputs (0: all)")
    parser.add_argument("--cwd", help="working directory of each run (default: the system's temporary directory)")
    parser.add_argument("--command", help="the preflight command to run, split on spaces (default: the installed "
                                          "console script), e.g. 'env PYTHONPATH=/tmp/old python -m preflight'")
    args = parser.parse_args(argv)
    command, how = (args.command.split(), args.command) if args.command else preflight_command()
    found = [p for root in args.roots for p in inputs(root, args.files)]
    if args.limit:
        found = found[:args.limit]
    print(f"command: {how}")
    print(f"inputs: {len(found)} under {', '.join(str(r) for r in args.roots)}")
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = list(pool.map(lambda p: run(command, p, args.timeout, args.cwd), found))
    elapsed = time.perf_counter() - started
    histogram = collections.Counter(o.code for o in outcomes)
    print("exit codes: " + ", ".join(f"{code}: {n}" for code, n in sorted(histogram.items())))
    tracebacks = [o for o in outcomes if o.traceback]
    print(f"tracebacks: {len(tracebacks)}")
    for o in tracebacks[:args.show_errors]:
        print(f"  {o.path}: {o.first_error[:160]}")
    print(f"slowest {min(args.slowest, len(outcomes))}:")
    for o in sorted(outcomes, key=lambda o: -o.seconds)[:args.slowest]:
        print(f"  {o.seconds:7.3f} s  exit {o.code:>7}  {o.path}")
    failed = [o for o in outcomes if o.code not in ("0", "1")]  # 2, a timeout, a signal, anything else
    if failed and args.show_errors:
        print(f"not 0 or 1 (exit 2, timeout, signal; {len(failed)}), first stderr line:")
        for o in failed[:args.show_errors]:
            print(f"  {o.path}: {o.first_error[:200]}")
    total = sum(o.seconds for o in outcomes)
    mean = total / len(outcomes) if outcomes else 0.0
    print(f"totals: {len(outcomes)} inputs, {total:.2f} s summed ({mean:.3f} s each), {elapsed:.2f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
