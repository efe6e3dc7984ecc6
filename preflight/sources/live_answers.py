"""What a live run learns: ``Findings`` (owned by the scheduler's thread alone), ``unknown`` entries with their
reasons, and the decoding of the services' answers: the part of each answer without which it is malformed is
checked on the worker before it is used, and OSS's XML bodies are read into the snapshot's JSON shapes.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from preflight.errors import Worded
from preflight.sources.live_errors import Kind, Refused

# ---- what was learned -------------------------------------------------------------------------------------


Unknown = dict[str, Any]


def _unknown(section: str, match: Mapping[str, str], why: Worded, fld: str | None = None) -> Unknown:
    entry: Unknown = {"section": section, "match": dict(match)}
    if fld:
        entry["field"] = fld
    entry["reason"] = why
    return entry


@dataclass
class Findings:
    """Everything learned during a run. Only the scheduler's thread touches it."""

    regions: list[dict[str, Any]] | None = None
    account_id: str | None = None
    images: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    attached: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # role -> ListPoliciesForRole
    attached_errors: dict[str, Worded] = field(default_factory=dict)
    documents: dict[tuple[str, str], str] = field(default_factory=dict)  # (type, name) -> PolicyDocument
    document_errors: dict[tuple[str, str], Worded] = field(default_factory=dict)
    missing_policies: set[tuple[str, str]] = field(default_factory=set)
    buckets: dict[str, dict[str, Any]] = field(default_factory=dict)
    bucket_policies: dict[str, Any] = field(default_factory=dict)  # name -> document, None = has none
    bucket_policy_errors: dict[str, Worded] = field(default_factory=dict)
    public_access_block: dict[str, Any] | None = None  # account level; None: not learned (left out)
    dead_regions: set[str] = field(default_factory=set)  # requested, but DescribeRegions does not list them
    unknown: list[dict[str, Any]] = field(default_factory=list)

    def add_unknown(self, section: str, match: Mapping[str, str], why: Worded) -> None:
        self.unknown.append(_unknown(section, match, why))


def _items(body: Mapping[str, Any], outer: str, inner: str) -> list[dict[str, Any]]:
    """``{"Images": {"Image": [...]}}`` -> the list (also accepts a plain list)."""
    wrapped = body.get(outer)
    items = wrapped.get(inner) if isinstance(wrapped, dict) else wrapped
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _require_list(body: Mapping[str, Any], outer: str, inner: str) -> dict[str, Any]:
    """The answer, if it carries its list (``{"TaskSet": {"Task": [...]}}``, or a plain list); else it is
    malformed: an answer without its list is not "an empty list" (a missing task list must not read as "no
    export running")."""
    wrapped = body.get(outer)
    items = wrapped.get(inner) if isinstance(wrapped, dict) else wrapped
    if not isinstance(items, list):
        raise Refused(Kind.MALFORMED, missing=f"{outer}.{inner}")
    return dict(body)


def _require_object(body: Mapping[str, Any], name: str) -> dict[str, Any]:
    if not isinstance(body.get(name), dict):
        raise Refused(Kind.MALFORMED, missing=name)
    return dict(body)


#: the part of each answer without which the answer is malformed (checked on the worker, before it is used)
_SHAPES: Mapping[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "DescribeRegions": lambda b: _require_list(b, "Regions", "Region"),
    "DescribeImages": lambda b: _require_list(b, "Images", "Image"),
    "DescribeSnapshots": lambda b: _require_list(b, "Snapshots", "Snapshot"),
    "DescribeTasks": lambda b: _require_list(b, "TaskSet", "Task"),
    "GetRole": lambda b: _require_object(b, "Role"),
    "ListPoliciesForRole": lambda b: _require_list(b, "Policies", "Policy"),
}


def _snapshot_ids(image: Mapping[str, Any]) -> list[str]:
    mappings = image.get("DiskDeviceMappings")
    items = mappings.get("DiskDeviceMapping") if isinstance(mappings, dict) else mappings
    if not isinstance(items, list):
        return []
    return [str(m["SnapshotId"]) for m in items if isinstance(m, dict) and m.get("SnapshotId")]


def _xml_value(element: ET.Element) -> Any:
    """An XML element as the API names it: children -> dict (repeated names -> list), leaf -> text."""
    children = list(element)
    if not children:
        return element.text or ""
    out: dict[str, Any] = {}
    for child in children:
        value = _xml_value(child)
        if child.tag in out:
            previous = out[child.tag]
            out[child.tag] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[child.tag] = value
    return out


_XML_BOOLS = {"true": True, "false": False}


def _bool_field(value: dict[str, Any], name: str) -> None:
    """An XML boolean element as a JSON bool (``BlockPublicAccess``, as the SDK model types it); a value that
    is not ``true``/``false`` is dropped: left absent, it is unknown."""
    if name in value:
        parsed = _XML_BOOLS.get(str(value[name]).strip().lower()) if isinstance(value[name], str) else None
        if parsed is None:
            del value[name]
        else:
            value[name] = parsed


def parse_bucket_info(body: bytes) -> dict[str, Any]:
    """GetBucketInfo's ``<BucketInfo><Bucket>…`` as a dict with the XML element names."""
    root = ET.fromstring(body)
    bucket = root.find("Bucket") if root.tag == "BucketInfo" else None
    if bucket is None:
        raise Refused(Kind.MALFORMED, missing="BucketInfo.Bucket")
    value = _xml_value(bucket)
    if not isinstance(value, dict):
        raise Refused(Kind.MALFORMED, missing="BucketInfo.Bucket")
    _bool_field(value, "BlockPublicAccess")
    return value


def parse_public_access_block(body: bytes) -> dict[str, Any]:
    """GetPublicAccessBlock's ``<PublicAccessBlockConfiguration><BlockPublicAccess>`` as
    ``{"BlockPublicAccess": bool}`` (the snapshot's ``public_access_block`` section)."""
    root = ET.fromstring(body)
    value = _xml_value(root) if root.tag == "PublicAccessBlockConfiguration" else None
    if not isinstance(value, dict):
        raise Refused(Kind.MALFORMED, missing="PublicAccessBlockConfiguration")
    _bool_field(value, "BlockPublicAccess")
    if "BlockPublicAccess" not in value:
        raise Refused(Kind.MALFORMED, missing="PublicAccessBlockConfiguration.BlockPublicAccess")
    return {"BlockPublicAccess": value["BlockPublicAccess"]}


def parse_bucket_policy(body: bytes) -> Any:
    """The bucket policy document: a JSON object (kept as text if it does not parse)."""
    text = body.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text
