"""Reporters turn a report into a string; they do no I/O. The CLI writes the string and sets the exit code.

Registered explicitly in :data:`REPORTERS` (format name → function); each is imported when first used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from preflight.model import Report


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    #: show passing and skipped checks one per line in text output (JSON always has every result)
    verbose: bool = False


Reporter = Callable[[Report, RenderOptions], str]

#: format name -> "module:function" of the reporter
REPORTERS: dict[str, str] = {
    "text": "preflight.reporters.text:render",
    "json": "preflight.reporters.json:render",
    "sarif": "preflight.reporters.sarif:render",
    "junit": "preflight.reporters.junit:render",
    "github": "preflight.reporters.github:render",
    "markdown": "preflight.reporters.markdown:render",
}


def get_reporter(name: str) -> Reporter:
    module, func = REPORTERS[name].split(":")
    reporter: Reporter = getattr(importlib.import_module(module), func)
    return reporter
