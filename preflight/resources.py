"""Where the bundled rules and schemas are: inside the installed package, or at the top of a checkout."""

from __future__ import annotations

import functools
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@functools.cache
def data_dir(name: str) -> Path:
    """``rules`` or ``schemas``: wheels carry them as ``preflight/_data/<name>`` (see pyproject.toml)."""
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    checkout = _PACKAGE.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"preflight's bundled {name!r} directory is missing from the installation")


def rules_dir() -> Path:
    return data_dir("rules")


def schema_path(name: str) -> Path:
    return data_dir("schemas") / f"{name}.schema.json"
