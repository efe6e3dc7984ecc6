"""Joins: finding the entity an export (or a disk) names in its section, and the running tasks of an image.

One lookup for every join (:meth:`Sections.find`), in one order: an entity recorded unknown is unknown; a
section that is absent is unknown; a present section is the complete truth for its kind, so an entity it
lacks is absent — unless the join declares a missing target unknown (:data:`preflight.facts.absence.JOINS`:
a disk's snapshot), the entity was recorded unknown, or the document comes from IaC files, which describe
part of an account only.

An IaC source may also record that a request field *refers* to an entity of its files (``Annotations.links``);
a join that declares that field as its ``link`` takes the entity by the reference when the name is not known
(:meth:`Sections.linked`), and an entity whose name is not known is never found by name (:meth:`Sections.find`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from preflight.errors import Msg
from preflight.facts.absence import JOINS, missing_target
from preflight.facts.decode import KEY_FIELDS, SECTIONS, WRAPPERS, Annotations, Obj, Unknowns, as_list, key_of
from preflight.facts.model import Task, Unknown

RUNNING_TASK_STATUSES = frozenset({"Processing", "Waiting"})


class Sections:
    """The document's sections, each indexed by the fields that identify its entities."""

    def __init__(self, doc: Mapping[str, Any], annotations: Annotations | None, unknowns: Unknowns) -> None:
        self.annotations = annotations
        self.unknowns = unknowns
        self.lists: dict[str, list[Obj] | None] = {
            s: as_list(doc[s], WRAPPERS[s], f"/{s}") if s in doc else None for s in SECTIONS
        }
        #: section -> {key fields: object}, filled by :meth:`index_all`
        self.index: dict[str, dict[tuple[str, ...], Obj] | None] = {}

    def index_all(self) -> None:
        """Index every keyed section (a duplicate: the last one counts, as in JSON objects)."""
        self.index = {s: None if objs is None else {key_of(s, o): o for o in objs}
                      for s, objs in self.lists.items() if s != "tasks"}

    def find(self, section: str, keys: Mapping[str, str], join: str) -> Obj | None | Unknown:
        """The object of the entity with these key fields, ``None`` (learned absent), or unknown: recorded
        unknown (checked once, first: a recorded gap wins over a listing), its section absent, or missing from
        its section where that is unknown (:meth:`absent`)."""
        why = self.unknowns.whole(section, keys)
        if why:
            return Unknown(why)
        index = self.index[section]
        if index is None:
            return self.no_section(section)
        found = index.get(tuple(keys.values()))
        if found is not None and self.name_unknown(section, found):
            found = None  # its name is a stand-in: found by a reference only (linked)
        return self.absent(section, keys, join) if found is None else found

    def name_unknown(self, section: str, o: Obj) -> bool:
        """Is the entity's name (its key fields) recorded unknown? Then the name in the document only stands
        for it (an IaC address) and is never matched as a name."""
        unknown = self.annotations.unknown if self.annotations is not None else {}
        return any(f"{o.pointer}/{f}" in unknown for f in KEY_FIELDS[section])

    def linked(self, request: Obj, join: str) -> Obj | None:
        """The entity the request's field reaches by reference (``Annotations.links``), for a join that
        declares that field as its link (:data:`preflight.facts.absence.JOINS`); ``None`` when there is none."""
        field = JOINS[join].link
        if field is None or self.annotations is None:
            return None
        target = self.annotations.links.get(f"{request.pointer}/{field}")
        if target is None:
            return None
        _, section, index = target.split("/")
        return (self.lists[section] or [])[int(index)]  # a source's own pointer: a bad one is our bug

    def no_section(self, section: str) -> Unknown:
        if self.annotations is not None:
            return Unknown(Msg("snap.section_reason", section=section, reason=self.annotations.absent_reason))
        return Unknown(Msg("snap.no_section", section=section))

    def absent(self, section: str, keys: Mapping[str, str | None], join: str) -> Unknown | None:
        """An entity its (present) section lacks, and not recorded unknown (:meth:`find` asked): unknown for
        IaC, or where the join says a missing target is unknown (:data:`preflight.facts.absence.JOINS`); else
        absent."""
        if self.annotations is not None and self.annotations.absent_is_unknown:
            return Unknown(self.annotations.absent_reason)
        if missing_target(join) == "unknown":
            return Unknown(Msg("snap.not_in_section", name=" ".join(v for v in keys.values() if v),
                               section=section))
        return None


class RunningTasks:
    """The export tasks running now, by the image they export (built on first use).

    A task that lost a field (``TaskStatus``, ``ResourceId``: null or recorded unknown) may be a running
    export of any image it may name: an image with no known running task reads unknown because of it."""

    def __init__(self, tasks: list[tuple[Task, str | None]]) -> None:
        self._tasks = tasks
        self._by_resource: dict[str | None | Unknown, list[tuple[Task, str | None]]] | None = None
        #: tasks that may be running exports, a field lost (task, region, why the answer is unknown)
        self._uncertain: list[tuple[Task, str | None, Unknown]] = []
        self._answers: dict[tuple[str, str], list[Task] | Unknown] = {}

    def of(self, region_id: str, image_id: str) -> list[Task] | Unknown:
        """One list per image, shared by its exports (the engine memoises on shared facts)."""
        key = (region_id, image_id)
        answer = self._answers.get(key)
        if answer is None:
            if self._by_resource is None:
                self._by_resource = self._index()
            running = [t for t, region in self._by_resource.get(image_id, ()) if region in (None, region_id)]
            doubt = None if running else next(
                (why for t, region, why in self._uncertain
                 if region in (None, region_id) and _may_name(t.ResourceId, image_id)), None)
            answer = self._answers[key] = doubt if doubt is not None else running
        return answer

    def _index(self) -> dict[str | None | Unknown, list[tuple[Task, str | None]]]:
        """Running export tasks by image; the tasks that may be one although a field says not which."""
        by_resource: dict[str | None | Unknown, list[tuple[Task, str | None]]] = {}
        for t, region in self._tasks:
            fields = {"TaskAction": t.TaskAction, "TaskStatus": t.TaskStatus, "ResourceId": t.ResourceId}
            if (isinstance(t.TaskAction, str) and t.TaskAction != "ExportImage") or (
                    isinstance(t.TaskStatus, str) and t.TaskStatus not in RUNNING_TASK_STATUSES):
                continue  # known not to be a running export
            lost = next((k for k, v in fields.items() if not isinstance(v, str)), None)
            if lost is None:
                by_resource.setdefault(t.ResourceId, []).append((t, region))
                continue
            v = fields[lost]
            why = v if isinstance(v, Unknown) else Unknown(Msg("snap.task_field_null", task=_task_name(t), key=lost))
            self._uncertain.append((t, region, Unknown(Msg("snap.task_uncertain", task=_task_name(t),
                                                           reason=why.reason))))
        return by_resource


def _may_name(resource: str | None | Unknown, image_id: str) -> bool:
    """May a task's ResourceId be this image? Yes when it is, or when it was lost (null or unknown)."""
    return resource == image_id if isinstance(resource, str) else True


def _task_name(t: Task) -> str:
    return t.TaskId if isinstance(t.TaskId, str) else "?"
