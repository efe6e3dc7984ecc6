"""The one table of input sources.

Like pre-commit's table of languages, :data:`SOURCES` names every kind of input ``check`` reads, each with
the same three things: ``suffixes`` (the file names it claims), ``sniff`` (the test of a parsed document's
shape) and ``load`` (the file read once and parsed once through the run's :class:`~.files.Files`, giving the
document and what locates things in it). It is the only place a kind is detected or a file of a kind is
loaded: ``run.py`` (snapshots) and ``iac.py`` (Terraform, plans, ROS) dispatch through it.

One rule for the text marks (:func:`marked`): a ROS or plan mark *anywhere* in a JSON/YAML file's text makes
it worth parsing; the parsed shape (``sniff``) then decides. (A ROS template with a long description before
its ``ROSTemplateFormatVersion`` is still one.)
"""

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypedDict

from preflight.sources.files import TF_CONFIG_SUFFIXES, TF_VAR_SUFFIXES, WALKED, Files, Kind, Loaded

__all__ = ["DATA_SUFFIXES", "ROS_MARK", "SOURCES", "TF_CONFIG_SUFFIXES", "TF_VAR_SUFFIXES", "WALKED", "Files",
           "Kind", "Loaded", "Source", "by_name", "is_snapshot", "json_kind", "load", "marked", "meant_as_snapshot",
           "meant_as_snapshot_doc", "sniff_text"]


class Source(TypedDict):
    """One kind of input: the file names it claims, the test of a parsed document's shape, and its loader."""

    suffixes: tuple[str, ...]
    sniff: Callable[[Any], bool]
    load: Callable[[Files, Path], Loaded]


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


def _load_json(kind: Kind) -> Callable[[Files, Path], Loaded]:
    """A JSON source's load: the text and its parse, each once per run (positions: from the text)."""

    def load(files: Files, path: Path) -> Loaded:
        return files.loaded(path, kind, lambda: Loaded(kind, files.display(path), files.text(path), files.json(path)))

    return load


def _load_ros(files: Files, path: Path) -> Loaded:
    """A ROS template (YAML with its short tags, or JSON), with the lines of its keys and resources."""

    def make() -> Loaded:
        from preflight.sources import ros

        text, display = files.text(path), files.display(path)
        parsed = files.json(path) if path.name.endswith(".json") else None
        return Loaded("ros", display, text, ros.load_template(text, display, parsed))

    return files.loaded(path, "ros", make)


def _load_terraform(files: Files, path: Path) -> Loaded:
    """A Terraform configuration file's body (HCL or ``.tf.json``), parsed once per run (the module reader's
    parse cache shares the same store). Variable files are read with their module."""
    from preflight.sources.terraform import reader

    display, text, body = reader.ParseCache(files).get(path)
    return Loaded("terraform", display, text, body)


#: every source, in the order a JSON document is tried against them (the first whose ``sniff`` holds wins)
SOURCES: dict[Kind, Source] = {
    "snapshot": {"suffixes": (".json",), "sniff": is_snapshot, "load": _load_json("snapshot")},
    "ros": {"suffixes": (".json", ".yaml", ".yml"), "sniff": _is_ros, "load": _load_ros},
    "plan": {"suffixes": (".json",), "sniff": _is_plan, "load": _load_json("plan")},
    "terraform": {"suffixes": (*TF_CONFIG_SUFFIXES, *TF_VAR_SUFFIXES), "sniff": _is_terraform_json,
                  "load": _load_terraform},
}

#: the names whose kind only their content tells (the sources other than Terraform's)
DATA_SUFFIXES = tuple(dict.fromkeys(s for kind, source in SOURCES.items() if kind != "terraform"
                                    for s in source["suffixes"]))

#: the text that marks a ROS template whatever its syntax (YAML is not parsed to sniff it)
ROS_MARK = "ROSTemplateFormatVersion"
#: the texts that mark a Terraform plan (``terraform show -json``)
_PLAN_MARKS = ("planned_values", "resource_changes")


def marked(text: str) -> bool:
    """Whether a JSON/YAML text may be a ROS template or a plan: a mark anywhere in it (then it is parsed and
    its shape decides). The one rule, for a walk and for a file given alike."""
    return ROS_MARK in text or any(m in text for m in _PLAN_MARKS)


def load(files: Files, path: Path, kind: Kind) -> Loaded:
    """The file loaded by its source (read and parsed once per run)."""
    if kind == "other":
        raise ValueError(kind)
    return SOURCES[kind]["load"](files, path)


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
    """Whether a file that is not JSON is still an IaC input: by its name, or a ROS mark in it (:func:`marked`)."""
    return by_name(path) is not None or ROS_MARK in text
