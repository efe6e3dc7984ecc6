"""Reading a run's Terraform files: each read and parsed once (:class:`ParseCache`), whichever root modules
read it or module blocks call its directory, and the reader of one tree's module directories (``_Reader``),
which remembers the files' texts for inline waivers.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from preflight.model import Location
from preflight.sources.common import module_file
from preflight.sources.files import TF_CONFIG_SUFFIXES, Files
from preflight.sources.terraform.hcl import parse_hcl
from preflight.sources.terraform.limits import LIMITS, Limits
from preflight.sources.terraform.syntax import RawBlock, RawBody
from preflight.sources.terraform.tfjson import parse_tf_json, parse_tfvars


class ParseCache:
    """The Terraform files of one run, each read and parsed once however many root modules read it or
    module blocks call its directory (a repository's examples all calling its root module), by display path
    (which is the resolved path, relative to the working directory when under it). The parsed blocks are
    never changed by their readers, so one copy serves them all."""

    def __init__(self, files: Files | None = None) -> None:
        #: the run's store (:mod:`preflight.sources.files`): a file the run already read or parsed (as the
        #: source table's Terraform ``load`` does) is not read or parsed again
        self._store = files if files is not None else Files()
        #: files parsed here (for tests and the bench)
        self.parsed = 0

    def get(self, path: Path, limits: Limits = LIMITS) -> tuple[str, str, RawBody]:
        """(display path, text, parsed body) of a ``.tf`` or ``.tf.json`` file."""
        display = self._store.display(path)

        def parse() -> tuple[str, RawBody]:
            text = self._store.text(path)
            body = (parse_tf_json(text, display) if path.name.endswith(".json")
                    else parse_hcl(text, display, limits))
            self.parsed += 1
            return text, body

        text, body = self._store.loaded(path, "terraform", parse)
        return display, text, body

    def tfvars(self, path: Path, limits: Limits = LIMITS) -> dict[str, tuple[Any, Location]]:
        """The values of a ``.tfvars``/``.tfvars.json`` file: read and parsed once per run (however many root
        modules of the directory take it), through the run's store, with its caps. Never changed by readers."""
        return self._store.loaded(path, "terraform", lambda: parse_tfvars(path, limits, self._store))


@dataclass
class _Reader:
    """Reads the files of the modules of one tree (through the run's :class:`ParseCache`), and remembers
    them (for inline waivers)."""

    files: dict[str, tuple[str, list[tuple[int, int]]]] = field(default_factory=dict)
    parsed: dict[Path, list[RawBlock]] = field(default_factory=dict)
    #: the directories loaded as child modules (resolved)
    called: set[Path] = field(default_factory=set)
    limits: Limits = LIMITS
    cache: ParseCache = field(default_factory=ParseCache)

    def read(self, tf_files: Sequence[Path]) -> list[RawBlock]:
        blocks: list[RawBlock] = []
        for path in tf_files:
            display, text, body = self.cache.get(path, self.limits)
            blocks += body.blocks
            self.files[display] = (text, [(b.line, b.end_line) for b in body.blocks])
        return blocks

    def directory(self, directory: Path) -> list[RawBlock] | None:
        """The blocks of a module directory; None when it is not a directory of Terraform files."""
        if directory not in self.parsed:
            try:
                names = sorted(n for n in os.listdir(directory) if n.endswith(TF_CONFIG_SUFFIXES))
            except OSError:
                return None
            # as a root module's files are looked at (iac._module_files): a FIFO, a device or a link to one is an
            # error naming it, never a file quietly left out of what the called module declares
            files = [directory / n for n in names if module_file(directory / n)]
            if not files:
                return None
            self.parsed[directory] = self.read(files)
        self.called.add(directory)
        return self.parsed[directory]
