"""Reporters turn a report into a string; they do no I/O. The CLI writes the string and sets the exit code.

Registered explicitly in :data:`REPORTERS` (format name → function); each is imported when first used.
A reporter whose output can be very large also yields it in pieces (:data:`CHUNKED`) that join to the same
string, so the CLI can write a 200 MB JSON report as it is made instead of holding it whole.
"""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from preflight.model import Report


@dataclass(frozen=True)
class RenderOptions:
    """How a reporter renders a report (colour, verbosity, the time of the run)."""

    color: bool = False
    #: show passing and skipped checks one per line in text output (JSON always has every result)
    verbose: bool = False
    #: the time of the run, for reports that show it (HTML's footer); injected so output can be reproduced
    generated_at: datetime.datetime | None = None


Reporter = Callable[[Report, RenderOptions], str]

#: format name -> "module:function" of the reporter
REPORTERS: dict[str, str] = {
    "text": "preflight.reporters.text:render",
    "json": "preflight.reporters.json:render",
    "sarif": "preflight.reporters.sarif:render",
    "junit": "preflight.reporters.junit:render",
    "github": "preflight.reporters.github:render",
    "markdown": "preflight.reporters.markdown:render",
    "csv": "preflight.reporters.csv:render",  # preflight audit: one row per image
    "html": "preflight.reporters.html:render",
}


#: format name -> "module:function" yielding the same text as the reporter, in pieces
CHUNKED: dict[str, str] = {
    "json": "preflight.reporters.json:chunks",
    "text": "preflight.reporters.text:chunks",
    "html": "preflight.reporters.html:chunks",
}

Chunks = Callable[[Report, RenderOptions], Iterable[str]]


def get_chunks(name: str) -> Chunks:
    """The format's output in pieces; a single piece for reporters that only return a string."""
    if name in CHUNKED:
        module, func = CHUNKED[name].split(":")
        chunked: Chunks = getattr(importlib.import_module(module), func)
        return chunked
    reporter = get_reporter(name)
    return lambda report, options: (reporter(report, options),)


def get_reporter(name: str) -> Reporter:
    module, func = REPORTERS[name].split(":")
    reporter: Reporter = getattr(importlib.import_module(module), func)
    return reporter
