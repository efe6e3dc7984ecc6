"""The HTML report of a large check: how big the file is and how long headless chromium takes to load it and
to apply a filter. A script, not a test: ``make bench-html``.

1. generates a snapshot of ``-n`` exports (``bench/gen_snapshot.py``, default 10,000) and checks it with
   ``--format html`` in-process, timing the render;
2. opens the file in Debian's chromium (Playwright; no network) ``--runs`` times: wall time of ``goto`` until
   the ``load`` event, the browser's own navigation timing (DOMContentLoaded, load) and the time the filter
   script takes to apply ``#status=fail&category=security``;
3. prints the figures, and the same for the bundled example.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from preflight.reporters import RenderOptions  # noqa: E402
from preflight.reporters import html as html_reporter  # noqa: E402
from tests import browser  # noqa: E402


def make_report(snapshot: Path) -> Any:
    import datetime

    from preflight.run import CheckOptions, run_check

    with contextlib.chdir(ROOT):
        return run_check(CheckOptions(paths=(snapshot,), lang="en", today=datetime.date.today()))


def load_times(page_path: Path, runs: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    walls, dcls, loads, filters = [], [], [], []
    with sync_playwright() as p:
        b = browser.launch(p)
        for _ in range(runs):
            context = b.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                       else r.abort())
            start = time.perf_counter()
            page.goto(page_path.as_uri(), wait_until="load", timeout=300_000)
            walls.append(time.perf_counter() - start)
            nav = page.evaluate("JSON.stringify(performance.getEntriesByType('navigation')[0])")
            timing = json.loads(nav)
            dcls.append(timing["domContentLoadedEventEnd"] / 1000)
            loads.append(timing["loadEventEnd"] / 1000)
            filters.append(page.evaluate("""() => {
                const t0 = performance.now();
                location.hash = '#status=fail&category=security';
                window.dispatchEvent(new HashChangeEvent('hashchange'));
                document.body.offsetHeight;  // layout
                return (performance.now() - t0) / 1000; }"""))
            context.close()
        b.close()
    med = statistics.median
    return {"wall_s": med(walls), "dom_content_loaded_s": med(dcls), "load_s": med(loads), "filter_s": med(filters)}


def measure(snapshot: Path, out: Path, runs: int) -> dict[str, Any]:
    report = make_report(snapshot)
    start = time.perf_counter()
    with out.open("w", encoding="utf-8") as f:
        for piece in html_reporter.chunks(report, RenderOptions()):
            f.write(piece)
    render_s = time.perf_counter() - start
    subjects = len({r.subject for r in report.results})
    return {"exports": subjects, "results": len(report.results), "bytes": out.stat().st_size,
            "render_s": render_s, **load_times(out, runs)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    problem = browser.problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.json"
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_snapshot.py"), "-n", str(args.n), "-o", str(big)],
                       check=True)
        rows = {"example": measure(ROOT / "examples" / "snapshot.json", Path(tmp) / "example.html", args.runs),
                f"{args.n} exports": measure(big, Path(tmp) / "big.html", args.runs)}
    print(f"{'report':<16}{'exports':>8}{'results':>9}{'size':>10}{'render':>8}{'load':>8}{'DCL':>8}{'filter':>8}")
    for name, r in rows.items():
        print(f"{name:<16}{r['exports']:>8}{r['results']:>9}{r['bytes'] / 1e6:>8.2f}MB{r['render_s']:>7.2f}s"
              f"{r['wall_s']:>7.2f}s{r['dom_content_loaded_s']:>7.2f}s{r['filter_s']:>7.3f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
