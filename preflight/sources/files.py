"""The run's store of files: each read once, its JSON parsed once, what a source loaded from it kept once.

:class:`Files` reads through :func:`~preflight.sources.common.read_text`, which keeps the hostile-input
properties (regular files only, the size cap, BOM, lone surrogates). It is apart from the source table
(:mod:`preflight.sources.registry`) so that the sources' own readers (the Terraform parse cache) use it without
importing the table that imports them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypeVar

from preflight.errors import PreflightError
from preflight.sources.common import PathKind, display_path, path_kind, read_text, walk

T = TypeVar("T")
Kind = Literal["snapshot", "plan", "ros", "terraform", "other"]

#: Terraform's configuration files (a module is the directory of them) and its variable files
TF_CONFIG_SUFFIXES = (".tf", ".tf.json")
TF_VAR_SUFFIXES = (".tfvars", ".tfvars.json")

#: the names one walk of a given directory collects, for every source at once (snapshots and ROS/plan JSON,
#: ROS YAML, Terraform configuration; variable files are read with their module, not walked)
WALKED = (*TF_CONFIG_SUFFIXES, ".json", ".yaml", ".yml")


class Loaded(NamedTuple):
    """What a source's ``load`` made of one file: the parsed document and the text its positions are read
    from (a snapshot's or plan's JSON; a ROS :class:`~preflight.sources.ros.Template`, which carries its own
    lines; a Terraform file's body, whose blocks and attributes carry theirs)."""

    kind: Kind
    display: str
    text: str
    document: Any


@dataclass
class Files:
    """The files of one run by display path: each read once and its JSON parsed once (a parse error is kept
    and raised again, not parsed again). ``reads`` and ``parses`` count them (for tests and the bench)."""

    _texts: dict[str, str] = field(default_factory=dict)
    _json: dict[str, Any] = field(default_factory=dict)
    _loaded: dict[tuple[str, str], Any] = field(default_factory=dict)
    _walks: dict[Path, list[Path]] = field(default_factory=dict)
    #: display paths a walk already looked at and found readable (not stat'ed again by a module's listing)
    _walked: set[str] = field(default_factory=set)
    #: each path's display form, worked out once (``display_path`` resolves the path: system calls per file)
    _displays: dict[Path, str] = field(default_factory=dict)
    #: what each path given or listed is (:func:`~preflight.sources.common.path_kind`), looked at once
    _kinds: dict[Path, PathKind] = field(default_factory=dict)
    reads: int = 0
    parses: int = 0

    def walk(self, directory: Path) -> list[Path]:
        """The files of :data:`WALKED` under ``directory`` (:func:`~preflight.sources.common.walk`: skips told
        once), walked once per run however many sources look for their files in it."""
        known = self._walks.get(directory)
        if known is None:
            known = self._walks[directory] = walk(directory, WALKED)
            self._walked.update(self.display(p) for p in known)
        return known

    def walked(self, path: Path) -> bool:
        """Whether this run already found ``path`` a regular file (a walk, or a path given and looked at), so
        that a module's listing need not look again (reading it checks its size on the open file anyway)."""
        return self._kinds.get(path) == "file" or self.display(path) in self._walked

    def kind(self, path: Path) -> PathKind:
        """:func:`~preflight.sources.common.path_kind` of ``path``, once per run."""
        known = self._kinds.get(path)
        if known is None:
            known = self._kinds[path] = path_kind(path)
        return known

    def display(self, path: Path) -> str:
        """:func:`~preflight.sources.common.display_path` of ``path``, once per run."""
        known = self._displays.get(path)
        if known is None:
            known = self._displays[path] = display_path(path)
        return known

    def text(self, path: Path) -> str:
        display = self.display(path)
        known = self._texts.get(display)
        if known is None:
            known = self._texts[display] = read_text(path)
            self.reads += 1
        return known

    def json(self, path: Path) -> Any:
        """The parsed JSON of a file (a :class:`PreflightError` naming its line when it is not JSON)."""
        display = self.display(path)
        if display not in self._json:
            from preflight.sources.snapshot import parse_json

            text = self.text(path)
            self.parses += 1
            try:
                self._json[display] = parse_json(text, display)
            except PreflightError as e:
                self._json[display] = e
        known = self._json[display]
        if isinstance(known, PreflightError):
            raise known
        return known

    def loaded(self, path: Path, kind: Kind, load: Callable[[], T]) -> T:
        """What a source's ``load`` made of a file, made once per run (a file given and also met in a walk)."""
        key = (self.display(path), kind)
        if key not in self._loaded:
            self._loaded[key] = load()
        known: T = self._loaded[key]
        return known
