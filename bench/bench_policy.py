"""Time the hostile RAM wildcards of issue 11 against the policy evaluator. A script, not a test:
``python bench/bench_policy.py``.

Each case runs in a child process with a time limit (``--limit`` seconds), so a matcher that backtracks shows
as "over the limit" instead of hanging the script; ``--source DIR`` measures the ``preflight`` package in DIR
(e.g. an exported older commit) instead of the installed one.

Cases: the issue's ``"Action": "************x"`` through a whole export-permissions analysis and as one match,
the issue's Resource of 14 ``*a`` plus ``b`` against a 30-character value, and larger patterns of the same
shapes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

CASES: dict[str, str] = {
    "action ************x, ExportPermissions": (
        "doc = {'Version': '1', 'Statement': [{'Effect': 'Allow', 'Action': '************x', 'Resource': '*'}]}\n"
        "pol.ExportPermissions([('P', pol.parse_policy(doc))]).missing('exports', 'EcsExport', 'm-1')"
    ),
    "action ************x, one match": "pol.glob_match('************x', 'oss:AbortMultipartUpload', ignore_case=True)",
    "resource 14 x '*a' + 'b' vs 30 chars": "pol.glob_match('*a' * 14 + 'b', 'a' * 30)",
    "resource 200 x '*a' + 'b' vs 3000 chars": "pol.glob_match('*a' * 200 + 'b', 'a' * 3000)",
    "action 2000 stars + x vs 5000 chars": "pol.glob_match('*' * 2000 + 'x', 'a' * 5000, ignore_case=True)",
}


def run(source: str | None, body: str, limit: float) -> str:
    prelude = f"import sys; sys.path.insert(0, {source!r})\n" if source else ""
    code = f"{prelude}import time\nfrom preflight import policy as pol\nt = time.perf_counter()\n{body}\n" \
           "print(f'{time.perf_counter() - t:.6f}')"
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=limit, check=True)
    except subprocess.TimeoutExpired:
        return f"over the limit (> {limit:.0f} s)"
    except subprocess.CalledProcessError as e:
        return f"failed: {e.stderr.strip().splitlines()[-1] if e.stderr.strip() else e.returncode}"
    return f"{float(out.stdout.strip()) * 1000:.3f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", help="directory holding the preflight package to measure")
    parser.add_argument("--limit", type=float, default=120.0, help="seconds allowed per case")
    args = parser.parse_args(argv)
    for name, body in CASES.items():
        print(f"{name:45} {run(args.source, body, args.limit)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
