"""JSON Schemas of the formats preflight reads and writes, with validators built on first use.

jsonschema costs ~80 ms to import, so nothing imports this module on the happy path of a check.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

from preflight.resources import schema_path

if TYPE_CHECKING:
    from jsonschema.protocols import Validator


@functools.cache
def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_path(name).read_text(encoding="utf-8"))
    return loaded


@functools.cache
def validator(name: str) -> Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(name))


def _leaves(error: Any) -> list[Any]:
    """The specific errors under an anyOf/oneOf failure: those of the alternative that got furthest.

    jsonschema reports "is not valid under any of the given schemas" at the top; the branch whose errors
    lie deepest in the document is the one the author meant (its type matched), so its errors are shown.
    """
    if not error.context:
        return [error]
    branches: dict[Any, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)
    best = max(branches.values(), key=lambda errs: min(len(e.absolute_path) for e in errs))
    if min(len(e.absolute_path) for e in best) <= len(error.absolute_path):
        return [error]  # no alternative got past the value itself: the generic message is the right one
    return [leaf for sub in best for leaf in _leaves(sub)]


def problems(name: str, instance: Any) -> list[tuple[list[str | int], str]]:
    """Every violation of a schema: (path into the instance, message), in document order, most specific."""
    found = [leaf for e in validator(name).iter_errors(instance) for leaf in _leaves(e)]
    found.sort(key=lambda e: [str(p) for p in e.absolute_path])
    out: list[tuple[list[str | int], str]] = []
    for e in found:
        path: list[str | int] = list(e.absolute_path)
        if e.validator == "additionalProperties" and isinstance(e.instance, dict):
            # point at the unexpected key itself, not at the object holding it
            extra = sorted((k for k in e.instance if k not in e.schema.get("properties", {})), key=str)
            if extra:
                path.append(extra[0])
        item = (path, e.message)
        if item not in out:
            out.append(item)
    return out


def pointer(path: list[str | int]) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)
