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
