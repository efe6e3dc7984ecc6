"""JSON Schemas of the formats preflight reads and writes, with validators built on first use.

jsonschema costs ~80 ms to import, so nothing imports this module on the happy path of a check.
"""

from __future__ import annotations

import functools
import json
import re
from typing import TYPE_CHECKING, Any

from preflight.errors import Foreign, Msg
from preflight.i18n import render
from preflight.resources import schema_path

if TYPE_CHECKING:
    from jsonschema.protocols import Validator


@functools.cache
def schema(name: str) -> dict[str, Any]:
    from preflight.sources.common import read_text  # the one reader, for our own files too

    loaded: dict[str, Any] = json.loads(read_text(schema_path(name)))
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


def problems(name: str, instance: Any) -> list[tuple[list[str | int], Msg]]:
    """Every violation of a schema: (path into the instance, message), in document order, most specific.

    The message is a catalogue message (``schema.*``) whose English is jsonschema's own text."""
    found = [leaf for e in validator(name).iter_errors(instance) for leaf in _leaves(e)]
    found.sort(key=lambda e: [str(p) for p in e.absolute_path])
    out: list[tuple[list[str | int], Msg]] = []
    seen: set[tuple[str, ...]] = set()
    for e in found:
        path: list[str | int] = list(e.absolute_path)
        if e.validator == "additionalProperties" and isinstance(e.instance, dict):
            # point at the unexpected key itself, not at the object holding it
            extra = sorted((k for k in e.instance if k not in e.schema.get("properties", {})), key=str)
            if extra:
                path.append(extra[0])
        key = (*map(repr, path), e.message)
        if key not in seen:
            seen.add(key)
            out.append((path, message(e)))
    return out


def message(error: Any) -> Msg:
    """The catalogue message for one jsonschema error: the one whose English is exactly jsonschema's text,
    else jsonschema's text itself (a keyword or a wording this module does not know)."""
    text: str = error.message
    for candidate in _candidates(error):
        if render(candidate, "en") == text:
            return candidate
    return Msg("schema.other", message=Foreign("jsonschema", text))


def _candidates(e: Any) -> list[Msg]:
    """The messages a keyword's error may be, with the values of the error (jsonschema/_keywords.py)."""
    kw, value, instance = e.validator, e.validator_value, e.instance
    if kw is None:  # a ``false`` schema
        return [Msg("schema.false", instance=instance)]
    if kw == "type":
        types = value if isinstance(value, list) else [value]
        return [Msg("schema.type", instance=instance, types=", ".join(repr(t) for t in types))]
    if kw == "required" and isinstance(value, list):
        return [Msg("schema.required", property=p) for p in value]
    if kw == "additionalProperties" and isinstance(instance, dict):
        return _additional(instance, e.schema)
    if kw == "dependentRequired" and isinstance(value, dict):
        return [Msg("schema.dependent_required", each=each, property=prop)
                for prop, deps in value.items() for each in deps]
    simple = {
        "enum": lambda: Msg("schema.enum", instance=instance, allowed=value),
        "const": lambda: Msg("schema.const", const=value),
        "pattern": lambda: Msg("schema.pattern", instance=instance, pattern=value),
        "format": lambda: Msg("schema.format", instance=instance, format=value),
        "uniqueItems": lambda: Msg("schema.unique", instance=instance),
        "minimum": lambda: Msg("schema.minimum", instance=instance, limit=value),
        "maximum": lambda: Msg("schema.maximum", instance=instance, limit=value),
        "exclusiveMinimum": lambda: Msg("schema.exclusive_minimum", instance=instance, limit=value),
        "exclusiveMaximum": lambda: Msg("schema.exclusive_maximum", instance=instance, limit=value),
        "multipleOf": lambda: Msg("schema.multiple_of", instance=instance, factor=value),
        "anyOf": lambda: Msg("schema.not_any", instance=instance),
        "oneOf": lambda: Msg("schema.not_any", instance=instance),
        "not": lambda: Msg("schema.not", instance=instance, schema=value),
        "contains": lambda: Msg("schema.contains", instance=instance),
    }
    if kw in simple:
        return [simple[kw]()]
    sizes = {  # keyword -> (message when the limit is 1 or 0, message otherwise)
        "minLength": (1, "schema.non_empty", "schema.too_short"),
        "maxLength": (0, "schema.expected_empty", "schema.too_long"),
        "minItems": (1, "schema.non_empty", "schema.too_few_items"),
        "maxItems": (0, "schema.expected_empty", "schema.too_many_items"),
        "minProperties": (1, "schema.non_empty", "schema.too_few_properties"),
        "maxProperties": (0, "schema.expected_empty", "schema.too_many_properties"),
    }
    if kw in sizes:
        edge, at_edge, otherwise = sizes[kw]
        return [Msg(at_edge if value == edge else otherwise, instance=instance)]
    return []


def _additional(instance: dict[Any, Any], schema: Any) -> list[Msg]:
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    regexes = schema.get("patternProperties", {}) if isinstance(schema, dict) else {}
    extras = sorted((k for k in instance if k not in properties and not any(re.search(r, k) for r in regexes)),
                    key=str)
    joined = ", ".join(repr(k) for k in extras)
    if regexes:
        patterns = ", ".join(repr(r) for r in sorted(regexes))
        return [Msg("schema.no_regex_one" if len(extras) == 1 else "schema.no_regex_many", extras=joined,
                    patterns=patterns)]
    return [Msg("schema.additional_one" if len(extras) == 1 else "schema.additional_many", extras=joined)]


def pointer(path: list[str | int]) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)
