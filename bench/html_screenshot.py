"""docs/report.png: the bundled example's HTML report as a reviewer first sees it, in headless chromium.

``make screenshot``. Reproducible: the run time in the footer is fixed (``SOURCE_DATE_EPOCH``) and the window
size is given. Needs Debian's chromium (``apt-get install chromium``) and the ``browser`` extra.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from preflight.cli import main as preflight  # noqa: E402
from tests import browser  # noqa: E402


def render_example(path: Path, lang: str) -> None:
    os.environ["SOURCE_DATE_EPOCH"] = "1796515200"
    with contextlib.chdir(ROOT), contextlib.redirect_stdout(io.StringIO()):
        code = preflight(["check", "examples/snapshot.json", "--lang", lang, "-f", "html", "-o", str(path)])
    if code not in (0, 1):
        raise SystemExit(f"preflight check failed with exit code {code}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "report.png")
    parser.add_argument("--lang", default="en", choices=("en", "zh"))
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=1400)
    parser.add_argument("--fragment", default="", help="URL fragment (filter state), e.g. '#status=fail'")
    args = parser.parse_args()
    problem = browser.problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        page_path = Path(tmp) / "report.html"
        render_example(page_path, args.lang)
        with sync_playwright() as p:
            b = browser.launch(p)
            page = b.new_page(viewport={"width": args.width, "height": args.height}, device_scale_factor=1)
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                       else r.abort())
            page.goto(page_path.as_uri() + args.fragment)
            # the first card's long fix opened, as a reviewer would
            page.evaluate("document.querySelector('section.subject details.codeblock, "
                          "section.subject details.evidence')?.setAttribute('open', '')")
            args.output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.output), full_page=False)
            b.close()
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
