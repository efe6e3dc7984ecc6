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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from preflight.errors import Foreign, Msg, PreflightError
from preflight.fieldrepr import FieldsRepr


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
    """``path: cannot access: <the OS's text>`` (the daily strerror texts are worded in zh: DAILY["os"])."""
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


#: the largest file any input, config, waivers, baseline, rules or requests file may be (``--max-file-size``,
#: the config's ``max_file_size``): a committed symlink to ``/dev/zero`` or a 2 GB file is not read whole
DEFAULT_MAX_FILE_SIZE = 50 * 1024 * 1024
_max_file_size: ContextVar[int] = ContextVar("max_file_size", default=DEFAULT_MAX_FILE_SIZE)
#: what is told of each file a walk leaves out (the CLI says it on stderr at once); None: nobody listens
_on_skip: ContextVar[Callable[[Skip], None] | None] = ContextVar("on_skip", default=None)


@dataclass(frozen=True, repr=False)
class Skip(FieldsRepr):
    """A file a walk did not read (a FIFO, a device, too big, a symlink out of the walked directory)."""

    path: str
    reason: Msg

    def line(self, lang: str) -> str:
        from preflight.i18n import render
        from preflight.msg import one_line

        return one_line(f"{self.path}: {render(Msg('path.skipped', reason=self.reason), lang)}")


def max_file_size() -> int:
    return _max_file_size.get()


def set_file_size_cap(limit: int) -> None:
    """From now on in this context, every file read may be at most ``limit`` bytes (the CLI runs each command
    in a context of its own)."""
    _max_file_size.set(limit)


@contextmanager
def file_size_cap(limit: int) -> Iterator[None]:
    """Every file read inside the ``with`` may be at most ``limit`` bytes."""
    token = _max_file_size.set(limit)
    try:
        yield
    finally:
        _max_file_size.reset(token)


@contextmanager
def telling_skips(on_skip: Callable[[Skip], None]) -> Iterator[None]:
    """Inside the ``with``, each file a walk leaves out is told to ``on_skip`` when it is first met (two walks
    of one directory, for snapshots and for IaC, tell it once)."""
    told: set[Skip] = set()

    def once(skip: Skip) -> None:
        if skip not in told:
            told.add(skip)
            on_skip(skip)

    token = _on_skip.set(once)
    try:
        yield
    finally:
        _on_skip.reset(token)


def skipped(path: Path | str, reason: Msg) -> None:
    """Tell that a walk left ``path`` out (to nobody outside :func:`telling_skips`)."""
    on_skip = _on_skip.get()
    if on_skip is not None:
        on_skip(Skip(_unresolved_display(Path(path)), reason))  # the link's name, not its target's


def _not_regular(mode: int) -> Msg | None:
    """Why a file of this mode is not read, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return Msg("path.fifo")
    if stat.S_ISSOCK(mode):
        return Msg("path.socket")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return Msg("path.device")
    if stat.S_ISDIR(mode):
        return Msg("snap.is_directory")
    return Msg("path.special")


def _too_big(size: int, limit: int) -> Msg | None:
    return Msg("path.too_big", size=size, limit=limit) if size > limit else None


def read_text(path: Path) -> str:
    """The one reader of files: UTF-8 text (a BOM is dropped) of a regular file of at most
    :func:`max_file_size` bytes. A FIFO, device or socket is not opened for a blocking read (it could hang or
    never end), a file that grows while read is cut at the cap; every failure is a one-line error naming it."""
    limit = max_file_size()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise PreflightError(Msg("err_no_file"), display_path(path)) from None
    except IsADirectoryError:
        raise PreflightError(Msg("snap.is_directory"), display_path(path)) from None
    except OSError as e:
        raise _os_error(e, path, "snap.cannot_read") from None
    except ValueError:  # a NUL in the name
        raise PreflightError(Msg("path.nul"), display_path(path)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise PreflightError(Msg("snap.is_directory"), display_path(path))
        why = _not_regular(info.st_mode) or _too_big(info.st_size, limit)
        if why is not None:
            raise PreflightError(Msg("path.not_read", reason=why), _unresolved_display(path))
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # grew while read
            raise PreflightError(Msg("path.not_read", reason=_too_big(size, limit)), _unresolved_display(path))
        data = b"".join(chunks)
    except IsADirectoryError:
        raise PreflightError(Msg("snap.is_directory"), display_path(path)) from None
    except OSError as e:
        raise _os_error(e, path, "snap.cannot_read") from None
    finally:
        os.close(fd)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
        raise PreflightError(Msg("snap.not_utf8", byte=e.start + bom), display_path(path)) from None


#: directories a walk never enters: VCS data, tool caches, dependencies
SKIP_DIRS = frozenset({".git", ".terraform", ".terragrunt-cache", "node_modules", ".venv", "__pycache__"})


def walk(directory: Path, suffixes: Sequence[str]) -> list[Path]:
    """The regular files under ``directory`` whose names end with one of ``suffixes``, in a stable order.

    A name that matches but is a FIFO, a device, a socket, too big, or a symlink to a file outside
    ``directory`` is left out and told (:func:`skipped`); a symlinked directory is not entered. A name that
    cannot be looked at (a symlink loop, a dangling symlink) and a sub-directory that cannot be listed are
    errors naming them: what they hold is not known, so the run must not say "go" for it (exit 2, like any
    input that cannot be read)."""
    found: list[Path] = []
    root_dir = resolved(directory)
    limit = max_file_size()

    def fail(e: OSError) -> None:
        raise _os_error(e, e.filename or directory, "path.cannot_list") from None

    for root, dirs, files in os.walk(directory, onerror=fail):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            if name.endswith(tuple(suffixes)):
                path = Path(root) / name
                why = _walk_skip(path, root_dir, limit)
                if why is None:
                    found.append(path)
                else:
                    _skip_or_fail(path, why)
    return found


#: what Terraform reads as part of a module: leaving one out changes what the module declares (a resource, a
#: variable's value), so one that cannot be read is an error, never a skip
MODULE_FILE_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")


def _skip_or_fail(path: Path, why: Msg) -> None:
    """A walk leaves out a name that holds nothing preflight could read as an input (a FIFO, a device, a
    socket, a link out of the walked tree) and says so. A file that is only too big may hold an input (a
    lower ``max_file_size`` must not make a run say go for what it left out), and a Terraform module file is
    part of a module: both are errors naming the file (exit 2)."""
    if why.key == "path.too_big" or path.name.endswith(MODULE_FILE_SUFFIXES):
        raise PreflightError(Msg("path.not_read", reason=why), _unresolved_display(path))
    skipped(path, why)


def module_file(path: Path) -> bool:
    """Whether a name a module's listing found is one of its files, with one look at it: a directory is not
    (quietly); a regular file within the size cap is; anything else (a FIFO, a device, too big) is an error
    naming it (:func:`_skip_or_fail`: a module file left out would change what the module declares)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:  # gone since the listing, or a dangling link: nothing to read (as before)
        return False
    except OSError as e:  # a loop: what it is is not known, so it is an error, not a skip
        raise _os_error(e, path) from None
    if stat.S_ISDIR(info.st_mode):
        return False
    why = _not_regular(info.st_mode) or _too_big(info.st_size, max_file_size())
    if why is not None:
        _skip_or_fail(path, why)
    return why is None


def _walk_skip(path: Path, root_dir: Path | None, limit: int) -> Msg | None:
    """Why a walk does not read ``path`` (None: it reads it)."""
    try:
        info = os.stat(path)
    except OSError as e:  # a loop, a dangling link: what it is is not known, so it is an error, not a skip
        raise _os_error(e, path) from None
    why = _not_regular(info.st_mode) or _too_big(info.st_size, limit)
    if why is None and root_dir is not None and os.path.islink(path) \
            and not resolved(path).is_relative_to(root_dir):
        return Msg("path.outside_walk")
    return why
