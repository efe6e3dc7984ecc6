"""Helpers every source shares: display paths, looking at paths and reading files with one-line errors.

Whatever a path is (missing, a directory, a symlink loop, a name too long for the OS, one holding a NUL), these
end in a value or a :class:`PreflightError` naming it, never in another exception: every place that looks at
a path the user gave (inputs, ``--config``, ``--waivers``, ``--baseline``, ``--requests``, ``--rules``) goes
through them.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from preflight.errors import Foreign, Msg, PreflightError


def display_path(path: Path | str) -> str:
    """The path relative to the working directory when the file is under it, else absolute (design.md)."""
    p = Path(path)
    try:
        absolute = p.resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a name too long, a NUL: not resolved
        return _unresolved_display(p)
    try:
        return absolute.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return absolute.as_posix()
    except (OSError, RuntimeError):
        return os.fspath(p)


def _unresolved_display(p: Path) -> str:
    """A path that cannot be resolved, shown as :func:`display_path` would, its symlinks left as they are."""
    try:
        absolute = Path(os.path.abspath(p))
        cwd = os.getcwd()
    except (OSError, ValueError):  # no working directory any more
        return os.fspath(p)
    try:
        return absolute.relative_to(cwd).as_posix()
    except ValueError:
        return absolute.as_posix()


def _os_error(e: OSError, path: Path | str, key: str = "path.cannot_access") -> PreflightError:
    """``path: cannot access: <the OS's text>`` (strerror is worded in zh by FOREIGN["os"])."""
    return PreflightError(Msg(key, reason=Foreign("os", str(e.strerror or e))), display_path(path))


#: errors that mean "nothing there" (``a.json/x`` when ``a.json`` is a file is ENOTDIR)
_ABSENT = frozenset({errno.ENOENT, errno.ENOTDIR})

PathKind = Literal["file", "dir", "other", "missing"]


def path_kind(path: Path) -> PathKind:
    """What ``path`` is (following symlinks): a file, a directory, something else, or nothing.

    A path the OS cannot look at (a symlink loop, a name too long, no permission on a directory on the way)
    is an error naming it, not "missing": the user would look for a typo that is not there."""
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        if e.errno in _ABSENT:
            return "missing"
        raise _os_error(e, path) from None
    except ValueError:  # a NUL in the name (a path read from a config file)
        raise PreflightError(Msg("path.nul"), display_path(path)) from None
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else "other"


def resolved(path: Path) -> Path:
    """``path.resolve()``, with a loop or an OS error as a one-line error naming the path."""
    try:
        return path.resolve()
    except RuntimeError:  # pathlib's "Symlink loop from ..." (Python < 3.13)
        raise PreflightError(Msg("path.cannot_access", reason=Msg("path.symlink_loop")),
                             display_path(path)) from None
    except OSError as e:
        raise _os_error(e, path) from None
    except ValueError:
        raise PreflightError(Msg("path.nul"), display_path(path)) from None


def list_dir(directory: Path) -> list[str]:
    """The names in a directory, sorted; one that cannot be listed is an error naming it."""
    try:
        return sorted(os.listdir(directory))
    except OSError as e:
        raise _os_error(e, directory, "path.cannot_list") from None
    except ValueError:
        raise PreflightError(Msg("path.nul"), display_path(directory)) from None


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PreflightError(Msg("err_no_file"), display_path(path)) from None
    except IsADirectoryError:
        raise PreflightError(Msg("snap.is_directory"), display_path(path)) from None
    except UnicodeDecodeError as e:
        raise PreflightError(Msg("snap.not_utf8", byte=e.start), display_path(path)) from None
    except OSError as e:
        raise _os_error(e, path, "snap.cannot_read") from None
    except ValueError:  # a NUL in the name
        raise PreflightError(Msg("path.nul"), display_path(path)) from None


#: directories a walk never enters: VCS data, tool caches, dependencies
SKIP_DIRS = frozenset({".git", ".terraform", ".terragrunt-cache", "node_modules", ".venv", "__pycache__"})


def walk(directory: Path, suffixes: Sequence[str]) -> list[Path]:
    """The files under ``directory`` whose names end with one of ``suffixes``, in a stable order."""
    found: list[Path] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        found += [Path(root) / f for f in sorted(files) if f.endswith(tuple(suffixes))]
    return found
