"""The one table of input sources, and the one store of the files a run reads.

Like pre-commit's table of languages, :data:`SOURCES` names every kind of input ``check`` reads, each with
how it is recognised (``suffixes`` from the name, ``sniff`` from the parsed shape) — the only place a
kind is detected. :class:`Files` is the run's store: each file is read once (through
:func:`~preflight.sources.common.read_text`, which keeps the hostile-input properties: regular files only,
the size cap, BOM, lone surrogates) and its JSON parsed once, however many walks and sources look at it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypedDict, TypeVar

from preflight.errors import PreflightError
from preflight.sources.common import display_path, read_text, walk

T = TypeVar("T")
Kind = Literal["snapshot", "plan", "ros", "terraform", "other"]


class Source(TypedDict):
    """One kind of input: the file names it claims and the test of a parsed JSON document's shape."""

    suffixes: tuple[str, ...]
    sniff: Callable[[Any], bool]


def is_snapshot(doc: Any) -> bool:
    """A snapshot by its shape (design.md): ``version`` the integer 1 and ``exports`` a list of request objects.
    A ``package.json`` (``"version": "1.0.0"``, ``"exports": {…}``) is not one."""
    if not isinstance(doc, Mapping):
        return False
    version, exports = doc.get("version"), doc.get("exports")
    return (type(version) is int and version == 1 and isinstance(exports, list)
            and all(isinstance(e, Mapping) for e in exports))


def _is_ros(doc: Any) -> bool:
    return isinstance(doc, Mapping) and "ROSTemplateFormatVersion" in doc


def _is_plan(doc: Any) -> bool:
    return isinstance(doc, Mapping) and ("planned_values" in doc or "resource_changes" in doc)


def _is_terraform_json(doc: Any) -> bool:
    return isinstance(doc, Mapping) and ("resource" in doc or "provider" in doc or "variable" in doc)


#: every source, in the order a JSON document is tried against them (the first whose ``sniff`` holds wins)
SOURCES: dict[Kind, Source] = {
    "snapshot": {"suffixes": (".json",), "sniff": is_snapshot},
    "ros": {"suffixes": (".json", ".yaml", ".yml"), "sniff": _is_ros},
    "plan": {"suffixes": (".json",), "sniff": _is_plan},
    "terraform": {"suffixes": (".tf", ".tf.json", ".tfvars", ".tfvars.json"), "sniff": _is_terraform_json},
}

#: the names one walk of a given directory collects, for every source at once (snapshots and ROS/plan JSON,
#: ROS YAML, Terraform configuration; variable files are read with their module, not walked)
WALKED = (".tf", ".tf.json", ".json", ".yaml", ".yml")

#: a text's first bytes that mark a ROS template whatever its syntax (YAML is not parsed to sniff it)
ROS_MARK = "ROSTemplateFormatVersion"


def json_kind(doc: Any, *, strict: bool = True) -> Kind:
    """What a parsed JSON document is. With ``strict=False`` (a file the user named), any object with
    ``version`` and ``exports`` is read as a snapshot, so that what is wrong in it is said with its place."""
    if not strict and isinstance(doc, Mapping) and "version" in doc and "exports" in doc:
        return "snapshot"
    return next((kind for kind, source in SOURCES.items() if source["sniff"](doc)), "other")


#: text that is meant as a snapshot even when it does not parse (a truncated one): not skipped, but an error.
#: Neither pattern can backtrack beyond a run of whitespace.
_SNAPSHOT_VERSION = re.compile(r'"version"\s*:')
_SNAPSHOT_EXPORTS = re.compile(r'"exports"\s*:\s*\[')


def meant_as_snapshot(text: str) -> bool:
    return bool(_SNAPSHOT_VERSION.search(text) and _SNAPSHOT_EXPORTS.search(text))


def meant_as_snapshot_doc(doc: Any) -> bool:
    """A parsed document that is meant as a snapshot, well-formed or not: an object with ``version`` and a
    list of ``exports`` holding at least one request object (a wrong ``version``, one malformed entry). Found in
    a walk it is read, so that what is wrong in it is said with its place — skipping it would leave its other
    exports unchecked. A ``package.json``'s ``exports`` (an object, or a list of paths) is not one."""
    if not isinstance(doc, Mapping) or "version" not in doc:
        return False
    exports = doc.get("exports")
    return isinstance(exports, list) and any(isinstance(e, Mapping) for e in exports)


def by_name(path: Path) -> Kind | None:
    """The kind a file's name alone says (Terraform's suffixes), else None (the content decides)."""
    return "terraform" if path.name.endswith(SOURCES["terraform"]["suffixes"]) else None


def sniff_text(path: Path, text: str) -> bool:
    """Whether a file that is not JSON is still an IaC input: by its name, or a ROS mark in its first bytes."""
    return by_name(path) is not None or ROS_MARK in text[:4096]


@dataclass
class Files:
    """The files of one run by display path: each read once and its JSON parsed once (a parse error is kept
    and raised again, not parsed again). ``reads`` and ``parses`` count them (for tests and the bench)."""

    _texts: dict[str, str] = field(default_factory=dict)
    _json: dict[str, Any] = field(default_factory=dict)
    _loaded: dict[tuple[str, str], Any] = field(default_factory=dict)
    _walks: dict[Path, list[Path]] = field(default_factory=dict)
    reads: int = 0
    parses: int = 0

    def walk(self, directory: Path) -> list[Path]:
        """The files of :data:`WALKED` under ``directory`` (:func:`~preflight.sources.common.walk`: skips told
        once), walked once per run however many sources look for their files in it."""
        known = self._walks.get(directory)
        if known is None:
            known = self._walks[directory] = walk(directory, WALKED)
        return known

    def text(self, path: Path) -> str:
        display = display_path(path)
        known = self._texts.get(display)
        if known is None:
            known = self._texts[display] = read_text(path)
            self.reads += 1
        return known

    def json(self, path: Path) -> Any:
        """The parsed JSON of a file (a :class:`PreflightError` naming its line when it is not JSON)."""
        display = display_path(path)
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
        key = (display_path(path), kind)
        if key not in self._loaded:
            self._loaded[key] = load()
        known: T = self._loaded[key]
        return known
