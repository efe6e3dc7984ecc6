"""Helpers every source shares: display paths and reading files with one-line errors."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from preflight.errors import Foreign, Msg, PreflightError


def display_path(path: Path | str) -> str:
    """The path relative to the working directory when the file is under it, else absolute (design.md)."""
    p = Path(path)
    try:
        absolute = p.resolve()
        return absolute.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return absolute.as_posix()
    except OSError:
        return os.fspath(p)


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PreflightError(Msg("err_no_file"), display_path(path)) from None
    except IsADirectoryError:
        raise PreflightError(Msg("snap.is_directory"), display_path(path)) from None
    except UnicodeDecodeError as e:
        raise PreflightError(Msg("snap.not_utf8", byte=e.start), display_path(path)) from None
    except OSError as e:  # strerror is the OS's text ("Permission denied"), worded in zh by FOREIGN["os"]
        raise PreflightError(Msg("snap.cannot_read", reason=Foreign("os", str(e.strerror))),
                             display_path(path)) from None


#: directories a walk never enters: VCS data, tool caches, dependencies
SKIP_DIRS = frozenset({".git", ".terraform", ".terragrunt-cache", "node_modules", ".venv", "__pycache__"})


def walk(directory: Path, suffixes: Sequence[str]) -> list[Path]:
    """The files under ``directory`` whose names end with one of ``suffixes``, in a stable order."""
    found: list[Path] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        found += [Path(root) / f for f in sorted(files) if f.endswith(tuple(suffixes))]
    return found
