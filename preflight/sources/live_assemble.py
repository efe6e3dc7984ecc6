"""Assembling a live run's snapshot document: sections from the findings (a present section is the complete
truth for what was asked; what could not be learned is listed under ``unknown``), answers that do not fit the
snapshot format set aside as unknown (``quarantine``), and secrets redacted from every reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from preflight.errors import Foreign, Listing, Msg, Worded
from preflight.sources.live_answers import Findings, Unknown, _unknown
from preflight.sources.live_plan import DEFAULT_ROLE, _text

# ---- assembling the document ------------------------------------------------------------------------------


def _roles_section(found: Findings) -> tuple[list[dict[str, Any]], list[Unknown]]:
    roles: list[dict[str, Any]] = []
    unknown: list[Unknown] = []
    for name in sorted(found.roles):
        role = dict(found.roles[name])
        role.setdefault("RoleName", name)  # asked for by this name (as a bucket's Name, below)
        if name in found.attached:
            attached: list[dict[str, Any]] = []
            for item in found.attached[name]:
                key = (str(item.get("PolicyType", "")), str(item.get("PolicyName", "")))
                if key in found.missing_policies:
                    continue  # listed, then gone: not attached
                entry = dict(item)
                if key in found.documents:
                    entry["PolicyDocument"] = found.documents[key]
                else:
                    why = found.document_errors.get(key) or Worded(Msg("live.document_not_fetched"))
                    unknown.append(_unknown("roles", {"RoleName": name}, why, f"AttachedPolicies/{key[1]}"))
                attached.append(entry)
            role["AttachedPolicies"] = attached
        else:
            why = found.attached_errors.get(name) or Worded(Msg("live.attached_not_listed"))
            unknown.append(_unknown("roles", {"RoleName": name}, why, "AttachedPolicies"))
        roles.append(role)
    return roles, unknown


def _buckets_section(found: Findings) -> tuple[list[dict[str, Any]], list[Unknown]]:
    buckets: list[dict[str, Any]] = []
    unknown: list[Unknown] = []
    for name in sorted(found.buckets):
        bucket = dict(found.buckets[name])
        bucket.setdefault("Name", name)
        if name in found.bucket_policies:
            bucket["Policy"] = found.bucket_policies[name]
        else:
            why = found.bucket_policy_errors.get(name) or Worded(Msg("live.bucket_policy_not_fetched"))
            unknown.append(_unknown("buckets", {"Name": name}, why, "Policy"))
        buckets.append(bucket)
    return buckets, unknown


#: the fields that identify an entity of each section in the ``unknown`` list (tasks: the region's whole list)
_IDENTITY: Mapping[str, tuple[str, ...]] = {
    "regions": ("RegionId",),
    "images": ("RegionId", "ImageId"),
    "snapshots": ("SnapshotId",),
    "tasks": ("RegionId",),
    "roles": ("RoleName",),
    "buckets": ("Name",),
}
QUARANTINE_ROUNDS = 1000  # each round sets one problem aside; more means something is wrong with us


def _pointer_parts(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def _set_aside(doc: dict[str, Any], pointer: str, problem: Msg) -> bool:
    """Take what the problem at ``pointer`` is in out of the document and record it unknown; False when the
    pointer is not in what the cloud answered (the requests are the user's, the rest is ours)."""
    parts = _pointer_parts(pointer)
    why = Worded(Msg("live.malformed_at", pointer=pointer, problem=problem))
    unknown: list[Unknown] = doc.setdefault("unknown", [])
    if parts and parts[0] in ("account_id", "public_access_block") and parts[0] in doc:
        del doc[parts[0]]  # left out: unknown
        if parts[0] == "account_id":
            unknown.append(_unknown("account_id", {}, why))
        return True
    if not parts or parts[0] not in _IDENTITY or parts[0] not in doc:
        return False
    section = parts[0]
    items = doc[section]
    if len(parts) < 2 or not isinstance(items, list) or not parts[1].isdigit() or int(parts[1]) >= len(items):
        del doc[section]  # the section is not a list of entities: absent, i.e. unknown
        return True
    index = int(parts[1])
    entity = items[index]
    keys = _IDENTITY[section]
    values = [entity.get(k) for k in keys] if isinstance(entity, dict) else []
    match = {k: v for k, v in zip(keys, values, strict=False) if isinstance(v, str) and v}
    if len(match) < len(keys):
        # it cannot be told which entity this was: every one the requests name that is not there is unknown
        del items[index]
        for wanted in _wanted(doc, section):
            if not any(isinstance(e, dict) and all(e.get(k) == v for k, v in wanted.items()) for e in items):
                unknown.append(_unknown(section, wanted, why))
        return True
    fld = parts[2] if len(parts) > 2 and section not in ("tasks", "regions") and parts[2] not in keys else None
    if fld is None:
        del items[index]
        unknown.append(_unknown(section, match, why))
    elif section == "roles" and fld == "AttachedPolicies" and len(parts) > 3 and parts[3].isdigit():
        attached = entity.get("AttachedPolicies")
        item = attached[int(parts[3])] if isinstance(attached, list) and int(parts[3]) < len(attached) else None
        name = item.get("PolicyName") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name or not isinstance(item, dict):
            del entity["AttachedPolicies"]
            unknown.append(_unknown(section, match, why, "AttachedPolicies"))
        else:
            item.pop("PolicyDocument", None)
            unknown.append(_unknown(section, match, why, f"AttachedPolicies/{name}"))
    else:
        entity.pop(fld, None)
        unknown.append(_unknown(section, match, why, fld))
    return True


def _wanted(doc: Mapping[str, Any], section: str) -> list[dict[str, str]]:
    """The identities the requests ask for in a section (what an unidentifiable answer may have been)."""
    out: dict[str, dict[str, str]] = {}
    for r in doc.get("exports", []):
        region, image = _text(r, "RegionId"), _text(r, "ImageId")
        if section in ("regions", "tasks") and region:
            out[region] = {"RegionId": region}
        elif section == "images" and region and image:
            out[region + "/" + image] = {"RegionId": region, "ImageId": image}
        elif section == "roles":
            role = _text(r, "RoleName") or DEFAULT_ROLE
            out[role] = {"RoleName": role}
        elif section == "buckets" and _text(r, "OSSBucket"):
            out[_text(r, "OSSBucket")] = {"Name": _text(r, "OSSBucket")}
    return list(out.values())


def quarantine(doc: dict[str, Any]) -> dict[str, Any]:
    """Make every shape problem in what the cloud answered an unknown, not bad input.

    The snapshot builder reads a live document as it reads a file, and refuses a shape it cannot read
    (``ShapeError``: exit 2, "bad input"). In live mode the shape came from an endpoint, not from the user:
    the entity (or field) the problem is in is set aside and recorded unknown with the problem, until the
    document builds. A problem outside the answers (the requests) is left to the builder to report."""
    from preflight.sources.snapshot import ShapeError, subjects_from_document

    for _ in range(QUARANTINE_ROUNDS):
        try:
            subjects_from_document(doc)
        except ShapeError as exc:
            if not _set_aside(doc, exc.pointer, exc.message):
                raise
            continue
        if not doc.get("unknown"):
            doc.pop("unknown", None)
        return doc
    raise RuntimeError(f"live: the document did not build after {QUARANTINE_ROUNDS} rounds")


def _sort_unknown(entries: list[Unknown]) -> list[Unknown]:
    return sorted(entries, key=lambda e: (e["section"], json.dumps(e["match"], sort_keys=True), e.get("field", "")))


def assemble(requests: Sequence[Mapping[str, str]], found: Findings, captured_at: str) -> dict[str, Any]:
    """The snapshot document (design.md, version 1), deterministic order, ``unknown`` only when non-empty.

    A region that DescribeRegions says does not exist has no images or tasks: what failed there is not
    unknown, it is absent.
    """
    doc: dict[str, Any] = {"version": 1}
    if found.account_id is not None:
        doc["account_id"] = found.account_id
    doc["captured_at"] = captured_at
    doc["exports"] = [dict(r) for r in requests]
    regions = found.regions if found.regions is not None else []
    doc["regions"] = sorted(regions, key=lambda r: str(r.get("RegionId", "")))
    doc["images"] = [found.images[k] for k in sorted(found.images)]
    doc["snapshots"] = [found.snapshots[k] for k in sorted(found.snapshots)]
    doc["tasks"] = [found.tasks[k] for k in sorted(found.tasks)]
    doc["roles"], role_unknown = _roles_section(found)
    doc["buckets"], bucket_unknown = _buckets_section(found)
    if found.public_access_block is not None:
        doc["public_access_block"] = dict(found.public_access_block)
    unknown = [
        e
        for e in [*found.unknown, *role_unknown, *bucket_unknown]
        if e["section"] == "regions" or e["match"].get("RegionId") not in found.dead_regions
    ]
    if unknown:
        doc["unknown"] = _sort_unknown(unknown)
    return doc


def _redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _redact_msg(msg: Msg, secrets: Sequence[str]) -> Msg:
    """The message with every text in it (nested ones, and the items of a list, too) redacted."""
    if isinstance(msg, Listing):
        return Listing(_redact_msg(i, secrets) if isinstance(i, Msg) else _redact_reason(i, secrets)
                       for i in msg.items)
    values: dict[str, object] = {}
    for name, value in msg.values.items():
        if isinstance(value, Msg):
            value = _redact_msg(value, secrets)
        elif isinstance(value, Foreign):
            value = Foreign(value.kind, _redact(value.text, secrets))
        elif isinstance(value, str):
            value = _redact(value, secrets)
        values[name] = value
    return Msg(msg.key, **values)


def _redact_reason(why: object, secrets: Sequence[str]) -> object:
    if isinstance(why, Worded):
        return Worded(_redact_msg(why.msg, secrets))
    if isinstance(why, Foreign):
        return Foreign(why.kind, _redact(why.text, secrets))
    return _redact(why, secrets) if isinstance(why, str) else why
