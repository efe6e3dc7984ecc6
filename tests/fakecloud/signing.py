"""Verify the two request signatures the live source produces, written from the protocol, not from the SDK.

- ECS, RAM, STS: ``ACS3-HMAC-SHA256`` (RPC style, parameters in the query string, empty body).
- OSS: ``OSS4-HMAC-SHA256`` (header form, ``UNSIGNED-PAYLOAD``).

Each function returns ``None`` when the request is properly signed with the fixture's key, else the error code
the real service answers with.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote, unquote


def _parse_auth_fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in text.split(","):
        key, _, value = part.strip().partition("=")
        fields[key] = value
    return fields


def verify_acs3(
    method: str,
    path: str,
    query: list[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
    access_key_id: str,
    access_key_secret: str,
) -> str | None:
    """Check an ``Authorization: ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex`` request."""
    auth = headers.get("authorization", "")
    algorithm, _, rest = auth.partition(" ")
    if algorithm != "ACS3-HMAC-SHA256":
        return "IncompleteSignature"
    fields = _parse_auth_fields(rest)
    if fields.get("Credential") != access_key_id:
        return "InvalidAccessKeyId.NotFound"
    payload_hash = hashlib.sha256(body).hexdigest()
    if headers.get("x-acs-content-sha256") != payload_hash:
        return "SignatureDoesNotMatch"
    signed = fields.get("SignedHeaders", "").split(";")
    if "host" not in signed or "x-acs-date" not in signed or "x-acs-action" not in signed:
        return "IncompleteSignature"
    canonical_query = "&".join(f"{key}={quote(value, safe='~')}" for key, value in sorted(query))
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed)
    canonical_request = "\n".join(
        [method, path or "/", canonical_query, canonical_headers, ";".join(signed), payload_hash]
    )
    string_to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical_request.encode()).hexdigest()
    expected = hmac.new(access_key_secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields.get("Signature", "")):
        return "SignatureDoesNotMatch"
    return None


def verify_oss4(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    access_key_id: str,
    access_key_secret: str,
) -> str | None:
    """Check an ``Authorization: OSS4-HMAC-SHA256 Credential=AK/date/region/oss/aliyun_v4_request,...`` request."""
    auth = headers.get("authorization", "")
    algorithm, _, rest = auth.partition(" ")
    if algorithm != "OSS4-HMAC-SHA256":
        return "AccessDenied"
    fields = _parse_auth_fields(rest)
    credential = fields.get("Credential", "")
    key_id, _, scope = credential.partition("/")
    if key_id != access_key_id:
        return "InvalidAccessKeyId"
    scope_parts = scope.split("/")
    if len(scope_parts) != 4 or scope_parts[3] != "aliyun_v4_request":
        return "InvalidArgument"
    date, region, product, _ = scope_parts
    stamp = headers.get("x-oss-date", "")
    if not stamp.startswith(date):
        return "SignatureDoesNotMatch"
    additional = [h for h in fields.get("AdditionalHeaders", "").split(";") if h]
    canonical_uri = quote(unquote(raw_path), safe="/")
    pairs = sorted(tuple(p.partition("=")[::2]) for p in raw_query.split("&") if p)
    canonical_query = "&".join(f"{k}={v}" if v else k for k, v in pairs)
    signed_names = sorted(
        name
        for name in headers
        if name.startswith("x-oss-") or name in ("content-type", "content-md5") or name in additional
    )
    canonical_headers = "".join(f"{name}:{headers[name]}\n" for name in signed_names)
    canonical_request = "\n".join(
        [
            method,
            canonical_uri,
            canonical_query,
            canonical_headers,
            ";".join(additional),
            headers.get("x-oss-content-sha256", "UNSIGNED-PAYLOAD"),
        ]
    )
    string_to_sign = "\n".join(
        ["OSS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = ("aliyun_v4" + access_key_secret).encode()
    for part in (date, region, product, "aliyun_v4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields.get("Signature", "")):
        return "SignatureDoesNotMatch"
    return None


def oss_scope_region(headers: Mapping[str, str]) -> str:
    """The region an OSS request was signed for (the client's region), from the credential scope."""
    _, _, rest = headers.get("authorization", "").partition(" ")
    scope = _parse_auth_fields(rest).get("Credential", "").split("/")
    return scope[2] if len(scope) > 2 else ""
