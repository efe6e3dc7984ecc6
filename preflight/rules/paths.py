"""Paths over the fact model: a dotted path in a rule, checked against the model once, at load time.

A :class:`PathRef` is the only thing in a rule that reads a fact: conditions, desired values (``{ref: …}``,
``{fmt: …}``), placeholders and evidence all hold one, and its :meth:`PathRef.getter` is what the compiled
closures call. :meth:`PathRef.dependency` is the fact the engine keys its memo on for that read, so what a
rule reads and what it is said to depend on come from the same object.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from preflight.errors import Listing, Msg
from preflight.facts import Absent, FieldType, Subject, Unknown, fact_fields
from preflight.facts.absence import through_none
from preflight.fieldrepr import FieldsRepr

Tri = bool | Unknown
#: a compiled condition: (subject, current list element or the subject) -> three-valued answer
Pred = Callable[[Any, Any], Tri]
Getter = Callable[[Any], Any]
Where = tuple[str | int, ...]


class RuleError(Exception):
    """A problem at a place inside a rule document (a path of keys), turned into file:line by the loader."""

    def __init__(self, where: Sequence[str | int], message: Msg) -> None:
        super().__init__(message)
        self.where = tuple(where)
        self.message = message


@dataclass(frozen=True, repr=False)
class PathRef(FieldsRepr):
    """A dotted path checked against the fact model: its steps, where it starts and the type it reads."""

    text: str
    steps: tuple[str, ...]
    from_root: bool
    type: FieldType
    #: per step, what the path reads when that step holds ``None`` and steps remain: ``none`` or ``absent``
    #: (declared per join in :data:`preflight.facts.absence.JOINS`)
    through: tuple[str, ...] = ()

    def dependency(self) -> tuple[str, ...]:
        """The subject's fact this path reads, as the engine keys it: a request field one by one, every other
        fact by its top-level entity. Only meaningful for a path read from the subject."""
        return self.steps[:2] if self.steps[0] == "request" else self.steps[:1]

    def getter(self) -> Getter:
        """Follows the steps: an unknown step is the answer; a ``None`` step before the leaf is ``None`` or
        :class:`~preflight.facts.Absent`, as its join declares (an absent parent is not an empty leaf).
        One getter per path (made on first use): the predicate and the evidence reading a path share it."""
        get: Getter | None = self.__dict__.get("_getter")
        if get is None:
            get = self._make_getter()
            self.__dict__["_getter"] = get  # a cache, not state: a frozen dataclass keeps its fields
        return get

    def _make_getter(self) -> Getter:
        steps = self.steps
        absent = tuple(None if mode == "none" else Absent(".".join(steps[: i + 1]))
                       for i, mode in enumerate(self.through))

        def get(obj: Any) -> Any:
            for i, name in enumerate(steps):
                if obj is None:
                    return absent[i - 1] if i else None
                if isinstance(obj, Unknown | Absent):
                    return obj
                obj = getattr(obj, name)
            return obj

        return get


def resolve_path(text: Any, scope: type, where: Sequence[str | int]) -> PathRef:
    """Check a dotted path against the fact model, starting at ``scope`` (or the subject, with ``$.``)."""
    if not isinstance(text, str) or not text:
        raise RuleError(where, Msg("rule.path_type"))
    try:
        return _resolve(text, scope)
    except RuleError as e:
        raise RuleError(where, e.message) from None


@functools.lru_cache(maxsize=1024)  # rules name the same few paths many times; bounded for hostile rule sets
def _resolve(text: str, scope: type) -> PathRef:
    from_root = text.startswith("$.")
    body = text[2:] if from_root else text
    cls: type = Subject if from_root else scope
    ft = FieldType(None, cls, False)
    steps = body.split(".")
    through: list[str] = []
    for i, step in enumerate(steps):
        if ft.is_list or ft.fact is None:
            raise RuleError((), Msg("rule.path_no_field_list" if ft.is_list else "rule.path_no_field",
                                    path=text, prefix=".".join(steps[:i]), type=ft.name, field=step))
        fields = fact_fields(ft.fact)
        if step not in fields:
            raise RuleError((), Msg("rule.path_never", path=text, fact=ft.fact.__name__, field=step,
                                    fields=Listing(sorted(fields))))
        through.append(through_none(f"{ft.fact.__name__}.{step}"))
        ft = fields[step]
    return PathRef(text, tuple(steps), from_root, ft, tuple(through))


def subject_path(text: Any, where: Sequence[str | int]) -> PathRef:
    """A path read from the subject, written without ``$.`` (evidence, placeholders)."""
    return resolve_path(f"$.{text}", Subject, where)


#: an evidence value left out of the report (a whole fact that is present: its fields speak for it)
OMIT = object()


def presence(get: Getter) -> Getter:
    """Evidence for a whole fact (``image``): shown when absent or unknown, omitted when present."""

    def presence(s: Any) -> Any:
        v = get(s)
        return v if v is None or isinstance(v, Unknown | Absent) else OMIT

    return presence


def project(get_list: Getter, get_item: Getter) -> Getter:
    """``list[*].field``: the field of every element (the list itself when it is unknown, absent or none)."""

    def project(s: Any) -> Any:
        xs = get_list(s)
        if xs is None or isinstance(xs, Unknown | Absent):
            return xs
        return [get_item(x) for x in xs]

    return project
