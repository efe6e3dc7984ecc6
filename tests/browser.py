"""Headless Chromium for the HTML report's tests, the screenshot and the bench: Debian's ``chromium`` package
driven by Playwright's Python package (``executable_path``); never a browser download.

:func:`problem` says why no browser can be started here (no ``playwright`` package, no ``/usr/bin/chromium``),
or ``None``. The tests skip with that reason, except under ``PREFLIGHT_REQUIRE_BROWSER=1`` (set by ``.ci/run``
once it has installed the browser), where a missing browser fails them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

#: Debian's chromium (``apt-get install chromium``); ``PREFLIGHT_CHROMIUM`` names another binary
CHROMIUM = os.environ.get("PREFLIGHT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
INSTALL_HINT = ("install it with `apt-get update && apt-get install -y chromium` (as root) and "
                "`pip install -e '.[browser]'`; .ci/run does both")


def problem() -> str | None:
    """Why no browser can be driven here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"BROWSER TESTS NOT RUN: the Python package playwright is not installed; {INSTALL_HINT}"
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)) and shutil.which(CHROMIUM) is None:
        return f"BROWSER TESTS NOT RUN: no Chromium at {CHROMIUM}; {INSTALL_HINT}"
    return None


def required() -> bool:
    return os.environ.get("PREFLIGHT_REQUIRE_BROWSER") == "1"


def launch(playwright: Any) -> Any:
    """A headless Chromium from the system's package, with the project's launch arguments."""
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
