"""Endpoints of a live run: the services, ``PREFLIGHT_ENDPOINT_<SERVICE>`` overrides checked as URLs, the
region's default endpoints, loopback-only mode, and URLs redacted before they are printed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from preflight.errors import Listing, Msg, PreflightError

SERVICES = ("ecs", "ram", "oss", "sts", "resourcemanager")
ENDPOINT_ENV_PREFIX = "PREFLIGHT_ENDPOINT_"
LOOPBACK_ONLY_ENV = "PREFLIGHT_LOOPBACK_ONLY"
USER_AGENT = "preflight/0.1.0"


@dataclass(frozen=True)
class Endpoint:
    """``scheme://host[:port]``; ``host`` may contain ``{region}``, filled in per region."""

    scheme: str
    host: str

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}"

    def for_region(self, region: str) -> Endpoint:
        return Endpoint(self.scheme, self.host.replace("{region}", region))

    @property
    def hostname(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def is_loopback(self) -> bool:
        name = self.hostname
        if name == "localhost":
            return True
        try:
            return ipaddress.ip_address(name).is_loopback
        except ValueError:
            return False

    @property
    def is_ip_or_localhost(self) -> bool:
        name = self.hostname
        if name == "localhost":
            return True
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True


def redact_url(value: str) -> str:
    """An endpoint as it may be printed: user info (``id:secret@``), query and fragment replaced by ``…``.

    Works on text that does not parse as a URL too (it is what the user typed, and may be malformed)."""
    text = value.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "", text
    # the authority ends at the first '/', '?' or '#'; user info is everything before its last '@'
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    if "@" in authority:
        authority = "…@" + authority.rsplit("@", 1)[1]
    q = min((i for i in (tail.find(c) for c in "?#") if i >= 0), default=-1)
    if q >= 0:
        tail = tail[:q] + tail[q] + "…"
    return f"{scheme}{sep}{authority}{tail}"


def parse_endpoint(service: str, value: str, variable: str | None = None) -> Endpoint:
    """``http://127.0.0.1:8765``, ``https://ecs-vpc.{region}.aliyuncs.com`` or a bare ``host[:port]`` (https).

    ``variable``: the environment variable the value came from (an error names it, not ``--endpoint``)."""
    text = value.strip()
    if "://" not in text:
        text = "https://" + text
    problem: Msg | None = None
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises on a malformed port
    except ValueError:
        problem = Msg("live.endpoint_malformed")
    else:
        if parts.scheme not in ("http", "https"):
            problem = Msg("live.endpoint_scheme", scheme=parts.scheme)
        elif not parts.hostname:
            problem = Msg("live.endpoint_no_host")
        elif parts.path not in ("", "/") or parts.query or parts.fragment:
            problem = Msg("live.endpoint_path")
        elif parts.username or parts.password:
            problem = Msg("live.endpoint_userinfo")
    if problem is not None:
        shown = redact_url(value)  # never echo a secret in user info or a query
        if variable is not None:
            raise PreflightError(Msg("live.endpoint_bad_env", variable=variable, service=service, value=shown,
                                     problem=problem))
        raise PreflightError(Msg("live.endpoint_bad", service=service, value=shown, problem=problem))
    return Endpoint(parts.scheme, parts.netloc)


def resolve_endpoints(explicit: Mapping[str, str] | None, environ: Mapping[str, str]) -> dict[str, Endpoint]:
    """Overrides from ``PREFLIGHT_ENDPOINT_<SERVICE>``, then the explicit ones on top (they win)."""
    merged: dict[str, str] = {}
    variables: dict[str, str] = {}  # service -> the environment variable its value came from
    for service in SERVICES:
        variable = ENDPOINT_ENV_PREFIX + service.upper()
        value = environ.get(variable, "").strip()
        if value:
            merged[service], variables[service] = value, variable
    for name, value in (explicit or {}).items():
        service = name.strip().lower()
        if service not in SERVICES:
            raise PreflightError(
                Msg("live.endpoint_service", name=name, value=redact_url(value), services=Listing(SERVICES))
            )
        merged[service] = value
        variables.pop(service, None)
    return {service: parse_endpoint(service, value, variables.get(service)) for service, value in merged.items()}


def default_endpoint(service: str, region: str | None) -> Endpoint:
    if service == "ecs":
        return Endpoint("https", f"ecs.{region}.aliyuncs.com" if region else "ecs.aliyuncs.com")
    if service == "oss":
        return Endpoint("https", f"oss-{region}.aliyuncs.com")
    return Endpoint("https", f"{service}.aliyuncs.com")


def loopback_only(environ: Mapping[str, str]) -> bool:
    return environ.get(LOOPBACK_ONLY_ENV, "").strip().lower() in ("1", "true", "yes")
