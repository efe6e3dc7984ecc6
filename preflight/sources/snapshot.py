"""Offline snapshot files (design.md): a JSON document of what the APIs returned, read into export subjects.

This module is the snapshot *file* source: parse the JSON, build the facts (:mod:`preflight.facts.build`,
which every input mode goes through), and report problems as ``file:line (pointer)``.

Semantics (see :mod:`preflight.facts`): a section that is present is the complete truth for its kind; an
absent section is unknown; a field missing from an object is unknown too, except the fields the absence table
lists (:mod:`preflight.facts.absence`); an explicit ``null`` means "learned: none". The optional ``unknown``
list records what a live run could not learn although its section is present.

Validation: building the typed facts checks every shape the facts use. Only when that finds a problem is
``schemas/snapshot.schema.json`` run (jsonschema costs ~80 ms to import), to report every violation at
once, each with its JSON pointer and line. A test keeps the two in agreement on generated documents.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from preflight.errors import Foreign, Msg, PreflightError
from preflight.facts.build import subjects_from_document

# Re-exported from their new places so existing imports keep working (IaC sources, run.py, tests).
from preflight.facts.decode import SECTIONS as SECTIONS
from preflight.facts.decode import WRAPPERS as WRAPPERS
from preflight.facts.decode import Annotations as Annotations
from preflight.facts.decode import Obj as Obj
from preflight.facts.decode import ShapeError as ShapeError
from preflight.facts.model import Subject
from preflight.sources import jsonpos
from preflight.sources.common import display_path, read_text

__all__ = [
    "SECTIONS", "WRAPPERS", "Annotations", "Obj", "ShapeError", "load_document",
    "load_file", "parse_json", "schema_problems", "subjects_from_document",
]


def schema_problems(doc: Any) -> list[tuple[str, Msg]]:
    """Every violation of the snapshot schema: (JSON pointer, message), in document order."""
    from preflight.schemas import pointer, problems  # jsonschema is imported only on this path

    return [(pointer(path), message) for path, message in problems("snapshot", doc)]


def load_document(doc: Any, *, display: str, text: str | None = None) -> list[Subject]:
    """Subjects from a parsed snapshot; every problem reported as file:line (pointer) in one error. With the
    ``text`` it was parsed from, a string holding a lone surrogate is bad input too: checked here, the one
    place every snapshot file passes (an IaC JSON file is checked by the IaC source, a fleet by the audit)."""
    if text is not None:
        jsonpos.check_characters(doc, text, display)
    lines = jsonpos.section_lines(text, frozenset((*SECTIONS, "exports"))) if text is not None else {}
    try:
        return subjects_from_document(doc, path=display, lines=lines)
    except ShapeError as first:
        problems = schema_problems(doc) or [(first.pointer, first.message)]
        raise PreflightError.many([
            (f"{display}:{jsonpos.pointer_line(text, p) if text is not None else 1}",
             Msg("schema.at", pointer=p or "/", message=m))
            for p, m in problems
        ]) from None


def parse_json(text: str, display: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise PreflightError(Msg("snap.bad_json", reason=Foreign("json", e.msg), column=e.colno),
                             f"{display}:{e.lineno}") from None
    except RecursionError:
        raise PreflightError(Msg("snap.json_too_deep"), display) from None
    except ValueError as e:  # e.g. an integer of more than 4,300 digits
        raise PreflightError(Msg("snap.unreadable", reason=Foreign("json", str(e))), display) from None


def load_file(path: Path) -> list[Subject]:
    display = display_path(path)
    text = read_text(path)
    return load_document(parse_json(text, display), display=display, text=text)
