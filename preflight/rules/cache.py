"""A cache of the bundled pack's parsed documents (JSON, keyed by every file's name, size and mtime)."""

from __future__ import annotations

import binascii
import json
import os
from pathlib import Path
from typing import Any

from preflight import __version__
from preflight.errors import PreflightError
from preflight.sources.common import read_text


def cache_file(directory: Path) -> Path | None:
    """Where the parsed documents of a rule directory are kept: one file per preflight version and
    directory, so that two installations (or checkouts) of the same version do not overwrite each other's
    cache on every run."""
    if os.environ.get("PREFLIGHT_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    tag = binascii.crc32(os.fsencode(os.path.abspath(directory)))
    return Path(base) / "preflight" / f"rules-{__version__}-{tag:08x}.json"


def bundled_documents(directory: Path) -> dict[str, Any] | None:
    """The bundled rule and list files, parsed, from a JSON cache keyed by every file's name, size and mtime.

    Importing PyYAML and parsing ~30 files is a third of a small check's start-up; a JSON cache reads in
    under a millisecond. A missing, stale or unreadable cache is simply rebuilt (or skipped if the cache
    directory is not writable); the YAML files stay the only source of truth.
    """
    files = sorted([*directory.glob("*.y*ml"), *(directory / "lists").glob("*.yaml")])
    names = [p.relative_to(directory).as_posix() for p in files]
    stats = [p.stat() for p in files]
    key: list[list[str | int]] = [[n, st.st_size, st.st_mtime_ns] for n, st in zip(names, stats, strict=True)]
    cache = cache_file(directory)
    if cache is not None:
        try:
            cached = json.loads(cache.read_text(encoding="utf-8"))
            if isinstance(cached, dict) and cached.get("key") == key:
                docs: dict[str, Any] = cached["documents"]
                return docs
        except (OSError, ValueError, AttributeError):
            pass
    from preflight import yamlpos

    try:
        documents = {name: yamlpos.load_fast(read_text(directory / name), name) for name in names}
    except PreflightError:
        return None  # a broken bundled file: the slow path reports it with its line
    if cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"key": key, "documents": documents}), encoding="utf-8")
            tmp.replace(cache)
        except (OSError, TypeError, ValueError):
            pass  # not cacheable (read-only home, YAML values JSON cannot hold): parse every time
    return documents
