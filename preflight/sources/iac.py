"""Infrastructure as code: Terraform modules, Terraform plans and ROS templates → export subjects.

Every IaC source produces the snapshot-shaped document plus :class:`~preflight.sources.snapshot.Annotations`
(where each element and field is written, what cannot be resolved, which entries stand for an export role
or bucket on their own), and :func:`preflight.sources.snapshot.subjects_from_document` turns it into facts,
so one rule reads Terraform, ROS, a plan, a snapshot and the live account alike.

Kind is detected from content (design.md): ``.tf``/``.tf.json``/``.tfvars`` are Terraform; a JSON document
with ``ROSTemplateFormatVersion`` (or YAML text containing it) is ROS; one with ``planned_values`` or
``resource_changes`` is a plan. Other JSON/YAML files found in a directory are ignored; given explicitly
(pre-commit passes every changed ``.json``/``.yaml``), they are skipped quietly and listed in ``skipped``.

A Terraform module is a directory: given one file of it, the whole directory is parsed so references
resolve; with ``only_changed`` (pre-commit), ``restrict_to`` names the given files and the CLI keeps only
findings located in them.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from preflight.errors import Msg, PreflightError
from preflight.facts import Subject
from preflight.model import Location
from preflight.sources import registry
from preflight.sources.common import list_dir, module_file, resolved
from preflight.sources.registry import DATA_SUFFIXES, SOURCES, TF_CONFIG_SUFFIXES, TF_VAR_SUFFIXES, Files


@dataclass(frozen=True)
class InlineWaiver:
    """``# preflight:ignore=PF303,PF501 reason="…" expires=2026-12-31`` on or just above a resource.

    ``problems`` lists what is wrong with the comment (no reason, a bad date, no rule id, not next to a
    resource); the waiver engine decides what a malformed comment does (a reasonless one is not honoured).
    """

    rule_ids: tuple[str, ...]
    reason: str | None
    expires: datetime.date | None
    #: display path of the file the comment is in
    path: str
    #: the comment's line
    line: int
    #: the lines of the resource (block) the comment applies to
    resource_start: int
    resource_end: int
    problems: tuple[Msg, ...] = ()


@dataclass(frozen=True)
class IacLoad:
    """What the IaC files give: the export subjects and their inline waivers."""

    subjects: list[Subject] = field(default_factory=list)
    waivers: list[InlineWaiver] = field(default_factory=list)
    #: with ``only_changed``: the display paths of the files given; keep only findings located in them
    restrict_to: frozenset[str] | None = None
    #: display paths of the JSON/YAML files given that are not IaC (skipped quietly)
    skipped: list[str] = field(default_factory=list)
    #: module calls whose contents were not read, at their ``module`` block, with why (the run warns)
    unread_modules: list[tuple[Location, Msg]] = field(default_factory=list)
    #: how many IaC files were read (Terraform files of the modules, plans, ROS templates)
    files_read: int = 0


# ---------------------------------------------------------------------------------------------------------
# Inline waivers

_WAIVER = re.compile(r"(?:#|//)\s*preflight:ignore=(?P<rest>.*)$")
_PAIR = re.compile(r'\s*(?P<key>[A-Za-z_]+)=(?:"(?P<dq>[^"]*)"|\'(?P<sq>[^\']*)\'|(?P<bare>\S+))')
_RULE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$|^\*$")


def parse_waiver_comment(rest: str) -> tuple[tuple[str, ...], str | None, datetime.date | None, list[Msg]]:
    """The text after ``preflight:ignore=``: rule ids, reason, expiry date and problems."""
    problems: list[Msg] = []
    ids_text, _, tail = rest.strip().partition(" ")
    if "=" in ids_text:  # `preflight:ignore= reason="…"`: no rule ids at all
        ids_text, tail = "", rest.strip()
    ids = tuple(i.strip() for i in ids_text.split(",") if i.strip())
    bad_ids = [i for i in ids if not _RULE_ID.match(i)]
    if not ids:
        problems.append(Msg("iac.waiver_no_rule"))
    if bad_ids:
        problems.append(Msg("iac.waiver_bad_rule", rule=bad_ids[0]))
    reason: str | None = None
    expires: datetime.date | None = None
    pos = 0
    tail = tail.rstrip()
    while pos < len(tail):
        m = _PAIR.match(tail, pos)
        if m is None:
            problems.append(Msg("iac.waiver_unreadable", text=tail[pos:].strip()))
            break
        pos = m.end()
        key = m.group("key")
        value = next(v for v in (m.group("dq"), m.group("sq"), m.group("bare")) if v is not None)
        if key == "reason":
            reason = value.strip() or None
        elif key == "expires":
            try:
                expires = datetime.date.fromisoformat(value)
            except ValueError:
                problems.append(Msg("iac.waiver_bad_date", value=value))
        else:
            problems.append(Msg("iac.waiver_unknown_key", key=key))
    if reason is None:
        problems.append(Msg("iac.waiver_no_reason"))
    return tuple(i for i in ids if i not in bad_ids), reason, expires, problems


def find_waivers(text: str, path: str, ranges: Sequence[tuple[int, int]]) -> list[InlineWaiver]:
    """Waiver comments in a file's text; ``ranges`` are the line ranges of its resources (blocks)."""
    if "preflight:ignore" not in text:
        return []
    lines = text.splitlines()
    out = []
    for n, line in enumerate(lines, 1):
        m = _WAIVER.search(line)
        if m is None:
            continue
        ids, reason, expires, problems = parse_waiver_comment(m.group("rest"))
        target = _waiver_target(lines, n, ranges)
        if target is None:
            problems.append(Msg("iac.waiver_no_target"))
            target = (n, n)
        out.append(InlineWaiver(ids, reason, expires, path, n, target[0], target[1], tuple(problems)))
    return out


def _waiver_target(lines: Sequence[str], n: int, ranges: Sequence[tuple[int, int]]) -> tuple[int, int] | None:
    """The resource a comment on line ``n`` belongs to: the one it is inside (on its header or an
    attribute), else the one starting after the comment lines directly below it."""
    inside = [r for r in ranges if r[0] <= n <= r[1]]
    if inside:
        return min(inside, key=lambda r: r[1] - r[0])  # the innermost
    nxt = n + 1
    while nxt <= len(lines) and lines[nxt - 1].lstrip().startswith(("#", "//")):
        nxt += 1
    return next((r for r in ranges if r[0] == nxt), None)


# ---------------------------------------------------------------------------------------------------------
# Finding the inputs


@dataclass
class _Plan:
    """What the given paths amount to, by kind."""

    modules: dict[Path, list[Path]] = field(default_factory=dict)  # directory -> explicit var files
    documents: list[registry.Loaded] = field(default_factory=list)  # plans and ROS templates, loaded
    given: set[str] = field(default_factory=set)
    #: the directories given, and those of the files given: root modules even when another module calls them
    roots: set[Path] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)
    #: pre-commit: the files given are whatever changed, not inputs the user chose
    only_changed: bool = False
    #: the run's files, each read and parsed once (shared with ``run.py`` and the Terraform parse cache)
    files: Files = field(default_factory=Files)


def _classify(path: Path, explicit: bool, plan: _Plan) -> None:
    """What one file is, by the source table (:mod:`preflight.sources.registry`): Terraform by its name; a
    JSON/YAML file with a ROS or plan mark is loaded by its source and kept when its shape is that source's."""
    name = path.name
    if name.endswith(TF_CONFIG_SUFFIXES):
        plan.modules.setdefault(path.parent, [])
        return
    if name.endswith(TF_VAR_SUFFIXES):
        if explicit:
            plan.modules.setdefault(path.parent, []).append(path)
        return
    if not name.endswith(DATA_SUFFIXES):
        if explicit:
            plan.skipped.append(plan.files.display(path))
        return
    text = plan.files.text(path)
    display = plan.files.display(path)
    if name.endswith(".json"):
        if explicit or registry.marked(text):
            try:
                doc = plan.files.json(path)
            except PreflightError:
                # a file that says it is a template or a plan and does not parse is a broken input, said where
                # it breaks: skipping it would drop its resources and could turn a no-go into a go
                if (explicit and not plan.only_changed) or registry.marked(text):
                    raise
                plan.skipped.append(display)  # not JSON (a tsconfig.json with comments): not an input of ours
                return
            kind = registry.json_kind(doc)
            if kind in ("ros", "plan"):  # a snapshot is run.py's; Terraform JSON is claimed by its name
                from preflight.sources.jsonpos import check_characters

                check_characters(doc, text, display)
                plan.documents.append(registry.load(plan.files, path, kind))
                return
    elif registry.ROS_MARK in text:  # a YAML file is ROS or nothing (a plan is JSON): only the ROS mark counts
        loaded = registry.load(plan.files, path, "ros")
        if SOURCES["ros"]["sniff"](loaded.document.data):  # the mark in a comment or a value is not a template
            plan.documents.append(loaded)
            return
    if explicit:
        plan.skipped.append(display)


def _plan(paths: Sequence[Path], only_changed: bool = False, files: Files | None = None) -> _Plan:
    plan = _Plan(only_changed=only_changed, files=files or Files())
    for given in paths:
        kind = plan.files.kind(given)
        if kind == "dir":
            plan.roots.add(given)
            for p in plan.files.walk(given):
                _classify(p, False, plan)
        else:
            if kind == "missing":
                raise PreflightError(Msg("iac.no_such_path"), plan.files.display(given))
            plan.given.add(plan.files.display(given))
            plan.roots.add(given.parent)
            _classify(given, True, plan)
    return plan


def _module_files(directory: Path, files: Files | None = None) -> tuple[list[Path], list[Path]]:
    """A module's configuration files and its auto-loaded variable files, in Terraform's order. Each is
    looked at once per run: a file the run's walk already found readable is not stat'ed again, any other
    once (:func:`~preflight.sources.common.module_file`: a FIFO, a device, an oversized file is an error naming
    it; a directory named ``x.tf`` is no file of the module)."""
    files = files if files is not None else Files()
    names = list_dir(directory)
    tf = [directory / n for n in names if n.endswith(TF_CONFIG_SUFFIXES)]
    auto = [directory / n for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names]
    auto += [directory / n for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
    return ([p for p in tf if files.walked(p) or module_file(p)],
            [p for p in auto if files.walked(p) or module_file(p)])


# ---------------------------------------------------------------------------------------------------------
# Entry point


def load(paths: Sequence[Path], *, export_roles: Sequence[str] = (), export_buckets: Sequence[str] = (),
         only_changed: bool = False, files: Files | None = None) -> IacLoad:
    """Subjects and inline waivers from the IaC files and directories given. ``files``: the run's store, so
    that a file the caller already read (``run.py`` sniffing what was given) is not read or parsed again."""
    from preflight.sources import snapshot

    plan = _plan(paths, only_changed, files)
    subjects: list[Subject] = []
    waivers: list[InlineWaiver] = []
    # one budget for the whole run: the caps on evaluation steps and instances hold for every root module
    # together, so a pull request cannot multiply them by adding directories
    budget = _budget()
    cache = _parse_cache(plan.files)  # each file parsed once, however many modules read it
    modules = {directory: _terraform(directory, var_files, budget, cache, plan.files)
               for directory, var_files in sorted(plan.modules.items())}
    # a directory another module calls (module "x" { source = "./x" }) is read as part of it, not on its own,
    # unless it was given itself
    called = frozenset().union(*(m.called for m in modules.values())) if modules else frozenset()
    roots = {resolved(d) for d in plan.roots}
    read: set[str] = set()
    unread: dict[tuple[Location, str], Msg] = {}
    for directory, module in modules.items():
        if resolved(directory) in called and resolved(directory) not in roots:
            continue
        for where, why in module.unread:  # once per module block, however many instances call it
            unread.setdefault((where, str(why)), why)
        doc, ann = _document(module, export_roles, export_buckets)
        subjects += _subjects(snapshot, doc, ann)
        for display, (text, ranges) in module.files.items():
            if display not in read:  # a child module's files, read once however many modules call it
                read.add(display)
                waivers += find_waivers(text, display, ranges)
    for loaded in plan.documents:
        if loaded.kind == "plan":
            import preflight.sources.plan as tfplan

            doc, ann = tfplan.document(loaded.document, loaded.text, loaded.display, export_roles=export_roles,
                                       export_buckets=export_buckets)
        else:
            import preflight.sources.ros as ros

            doc, ann = ros.document(loaded.document, export_roles=export_roles, export_buckets=export_buckets)
            waivers += find_waivers(loaded.text, loaded.display, loaded.document.ranges)
        subjects += _subjects(snapshot, doc, ann)
    return IacLoad(subjects, waivers, frozenset(plan.given) if only_changed else None, plan.skipped,
                   [(where, why) for (where, _), why in unread.items()], len(read) + len(plan.documents))


def _budget() -> Any:
    """What the run's Terraform evaluation may spend (``terraform.Budget``)."""
    from preflight.sources import terraform

    return terraform.Budget(terraform.LIMITS)


def _parse_cache(files: Files) -> Any:
    """The run's parsed Terraform files (``terraform.ParseCache``), read through the run's store."""
    from preflight.sources import terraform

    return terraform.ParseCache(files)


def _terraform(directory: Path, var_files: Sequence[Path], budget: Any, cache: Any, files: Files) -> Any:
    """The module of a directory (``terraform.ModuleLoad``): its resources and those of the modules it calls."""
    from preflight.sources import terraform

    tf_files, auto_vars = _module_files(directory, files)
    return terraform.load_module(tf_files, [*auto_vars, *(v for v in var_files if v not in auto_vars)],
                                 budget=budget, cache=cache)


def _document(module: Any, export_roles: Sequence[str], export_buckets: Sequence[str]) -> tuple[Any, Any]:
    from preflight.sources import terraform

    return terraform.build_document(module.resources, source="Terraform files",
                                    export_roles=export_roles, export_buckets=export_buckets)


def _subjects(snapshot: Any, doc: Any, ann: Any) -> list[Subject]:
    try:
        subjects: list[Subject] = snapshot.subjects_from_document(doc, path=None, annotations=ann)
    except snapshot.ShapeError as e:  # a value of the wrong shape in the files (e.g. a list for a name)
        where = _nearest_location(ann.locations, e.pointer)
        raise PreflightError(Msg("iac.cannot_read", pointer=e.pointer, message=e.message), where) from None
    return subjects


def _nearest_location(locations: Mapping[str, Any], pointer: str) -> str | None:
    while pointer:
        if pointer in locations:
            return str(locations[pointer])
        pointer = pointer.rpartition("/")[0]
    return None
