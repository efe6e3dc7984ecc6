"""Endpoints, proxies, credentials and the SDK clients of a live run.

Every SDK import is inside a function: importing this module costs nothing, and the offline path never loads
``alibabacloud*`` / ``darabonba`` / ``Tea``. The traps handled here are measured in sdk-notes.md; each place
says which.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import threading
import urllib.request
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from preflight.errors import Foreign, Listing, Msg, PreflightError

SERVICES = ("ecs", "ram", "oss", "sts", "resourcemanager")
ENDPOINT_ENV_PREFIX = "PREFLIGHT_ENDPOINT_"
LOOPBACK_ONLY_ENV = "PREFLIGHT_LOOPBACK_ONLY"
USER_AGENT = "preflight/0.1.0"


@dataclass(frozen=True)
class ApiAction:
    """One read-only API call preflight makes. This table is the only way a call can be made."""

    service: str
    name: str
    version: str = ""  # RPC product version; OSS: ""
    permission: str | None = None  # the RAM action the caller needs (None: every identity may call it)
    subresource: str = ""  # OSS: the query sub-resource
    #: made by the auditing caller only (``preflight audit`` across accounts), not needed in a member account
    caller_only: bool = False


ACTIONS: Mapping[str, ApiAction] = {
    a.name: a
    for a in (
        ApiAction("ecs", "DescribeRegions", "2014-05-26", "ecs:DescribeRegions"),
        ApiAction("ecs", "DescribeImages", "2014-05-26", "ecs:DescribeImages"),
        ApiAction("ecs", "DescribeSnapshots", "2014-05-26", "ecs:DescribeSnapshots"),
        ApiAction("ecs", "DescribeTasks", "2014-05-26", "ecs:DescribeTasks"),
        ApiAction("ram", "GetRole", "2015-05-01", "ram:GetRole"),
        ApiAction("ram", "ListPoliciesForRole", "2015-05-01", "ram:ListPoliciesForRole"),
        ApiAction("ram", "GetPolicy", "2015-05-01", "ram:GetPolicy"),
        ApiAction("ram", "GetPolicyVersion", "2015-05-01", "ram:GetPolicyVersion"),
        ApiAction("sts", "GetCallerIdentity", "2015-04-01", None),
        # preflight audit across accounts: the organisation's members, and a session in each (no write)
        ApiAction("resourcemanager", "ListAccounts", "2020-03-31", "resourcemanager:ListAccounts", caller_only=True),
        ApiAction("sts", "AssumeRole", "2015-04-01", "sts:AssumeRole", caller_only=True),
        ApiAction("oss", "GetBucketInfo", permission="oss:GetBucketInfo", subresource="bucketInfo"),
        ApiAction("oss", "GetBucketPolicy", permission="oss:GetBucketPolicy", subresource="policy"),
        # account level: GET /?publicAccessBlock on the region's endpoint, no bucket
        ApiAction("oss", "GetPublicAccessBlock", permission="oss:GetPublicAccessBlock",
                  subresource="publicAccessBlock"),
    )
}
#: the one call that is not a Describe/Get/List: it creates no resource, only a temporary session to read with
SESSION_ACTIONS = frozenset({"AssumeRole"})
assert all(a.name.startswith(("Describe", "Get", "List")) or a.name in SESSION_ACTIONS
           for a in ACTIONS.values()), "read-only by construction"


# ---- endpoints --------------------------------------------------------------------------------------------


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


# ---- proxies ----------------------------------------------------------------------------------------------

T = TypeVar("T")

_PROXY_VARS = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")


class _Held(Generic[T]):
    """Process-wide state a live call changes only while it runs, shared by the calls that overlap.

    The first call in changes it and the last one out puts it back, also when a call raises: calls may nest
    (``resolve_identity`` inside ``collect``) or run at once in threads of a host process, and preflight used
    as a library must leave its host as it found it. A call that enters while another holds the state sees
    what the first saw (the proxies it took from the environment)."""

    def __init__(self, change: Callable[[], T], restore: Callable[[T], None]) -> None:
        self._change = change
        self._restore = restore
        self._held: list[T] = []  # the change's value while any call holds it (one item), else empty
        self._depth = 0
        self._lock = threading.Lock()

    @contextmanager
    def __call__(self) -> Iterator[T]:
        with self._lock:
            if self._depth == 0:
                self._held.append(self._change())
            self._depth += 1
            value = self._held[0]
        try:
            yield value
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    self._restore(self._held.pop())


def _take_proxies(environ: MutableMapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    saved = {name: environ[name] for name in _PROXY_VARS if name in environ}
    proxies = urllib.request.getproxies_environment() if saved else {}
    for name in saved:
        del environ[name]
    return saved, proxies


def _put_back_proxies(environ: MutableMapping[str, str], saved: Mapping[str, str]) -> None:
    for name, value in saved.items():
        environ.setdefault(name, value)  # a value the host set meanwhile is the host's: kept


_OS_PROXIES = _Held(lambda: _take_proxies(os.environ), lambda held: _put_back_proxies(os.environ, held[0]))


@contextmanager
def proxies_taken_from_env(environ: MutableMapping[str, str] = os.environ) -> Iterator[dict[str, str]]:
    """Yield the proxy settings of the environment, and remove them from it until the block ends.

    The ECS/RAM transport (darabonba) reads ``HTTP(S)_PROXY`` from ``os.environ`` at every call and ignores
    ``NO_PROXY`` (sdk-notes "Traps"), so a loopback or private endpoint would be sent to the proxy. Each
    client is given its proxy explicitly instead (``proxy_for``, which honours ``NO_PROXY`` and loopback), and
    the variables are put back when the last overlapping run ends (:class:`_Held`), also when it raises: the
    user's environment is not changed for good.
    """
    held = _OS_PROXIES if environ is os.environ else _Held(
        lambda: _take_proxies(environ), lambda h: _put_back_proxies(environ, h[0]))
    with held() as (_, proxies):
        yield proxies


def _bypassed(host: str, no_proxy: str) -> bool:
    """``NO_PROXY`` as curl and requests read it: ``*``, exact hosts, and domain suffixes (``.example.com``)."""
    host = host.lower().rstrip(".")
    for raw in no_proxy.split(","):
        entry = raw.strip().lower().rstrip(".")
        if entry == "*":
            return True
        entry = entry.lstrip("*").lstrip(".")
        if entry and (host == entry or host.endswith("." + entry)):
            return True
    return False


def proxy_for(endpoint: Endpoint, proxies: Mapping[str, str]) -> str | None:
    """The proxy for one endpoint: none for loopback or a ``NO_PROXY`` match, else the scheme's proxy."""
    if not proxies or endpoint.is_loopback or _bypassed(endpoint.hostname, proxies.get("no", "")):
        return None
    return proxies.get(endpoint.scheme) or proxies.get("all")


# ---- credentials ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessKey:
    """An explicit AccessKey (tests, embedding). The secret and token never show in ``repr``."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Identity:
    """The resolved credentials provider (an ``alibabacloud_credentials`` ICredentialsProvider)."""

    provider: Any
    source: Msg  # where the credentials come from
    secrets: tuple[str, ...] = field(repr=False, default=())


def _home(environ: Mapping[str, str]) -> Path:
    # The credentials package computes HOME once, at import (auth_constant.HOME); read it per run instead.
    return Path(environ.get("HOME") or os.path.expanduser("~"))


def _cli_profile_names(path: Path) -> list[str]:
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    profiles = config.get("profiles", []) if isinstance(config, dict) else []
    return [str(p.get("name")) for p in profiles if isinstance(p, dict) and p.get("name")]


def _ini_profile_names(path: Path) -> list[str]:
    import configparser

    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (OSError, configparser.Error):
        return []
    return list(parser.sections())


def _static_provider(key: AccessKey) -> Any:
    from alibabacloud_credentials.provider import StaticAKCredentialsProvider, StaticSTSCredentialsProvider

    if key.security_token:
        return StaticSTSCredentialsProvider(
            access_key_id=key.access_key_id,
            access_key_secret=key.access_key_secret,
            security_token=key.security_token,
        )
    return StaticAKCredentialsProvider(access_key_id=key.access_key_id, access_key_secret=key.access_key_secret)


Candidate = tuple[Msg, Callable[[], Any]]  # (where the credentials come from, builds the provider)


def _credential_files(environ: Mapping[str, str]) -> tuple[Path, Path]:
    home = _home(environ)
    ini = environ.get("ALIBABA_CLOUD_CREDENTIALS_FILE") or str(home / ".alibabacloud" / "credentials.ini")
    return home / ".aliyun" / "config.json", Path(ini)


def _cli_provider(path: Path, profile: str | None) -> Candidate:
    def build() -> Any:
        from alibabacloud_credentials.provider import CLIProfileCredentialsProvider

        # profile_name None: the file's "current" profile, as the aliyun CLI does
        return CLIProfileCredentialsProvider(profile_name=profile, profile_file=str(path))

    if profile is None:
        return (Msg("live.source_current_profile", path=str(path)), build)
    return (Msg("live.source_profile", profile=profile, path=str(path)), build)


def _ini_provider(path: Path, profile: str) -> Candidate:
    def build() -> Any:
        from alibabacloud_credentials.provider import ProfileCredentialsProvider

        return ProfileCredentialsProvider(profile_name=profile, profile_file=str(path))

    return (Msg("live.source_profile", profile=profile, path=str(path)), build)


def _profile_candidates(profile: str, environ: Mapping[str, str]) -> list[Candidate]:
    """Providers for an explicitly named profile (``--profile``).

    The credentials package reads ``ALIBABA_CLOUD_PROFILE`` and ``HOME`` when it is imported, so setting them
    later has no effect (sdk-notes "Credentials"); the profile providers are given the name and the file.
    """
    cli_file, ini_file = _credential_files(environ)
    out: list[Candidate] = []
    if profile in _cli_profile_names(cli_file):
        out.append(_cli_provider(cli_file, profile))
    if profile in _ini_profile_names(ini_file):
        out.append(_ini_provider(ini_file, profile))
    if not out:
        raise PreflightError(
            Msg("live.profile_not_found", profile=profile, cli_file=str(cli_file), ini_file=str(ini_file))
        )
    return out


def _chain_candidates(environ: Mapping[str, str]) -> list[Candidate]:
    """The standard chain, in its order, built from the environment as it is now (not as at import).

    The ECS metadata step is only included when asked for (``ALIBABA_CLOUD_ECS_METADATA`` names a role, or
    ``ALIBABA_CLOUD_ECS_METADATA_DISABLED=false`` is set explicitly): off ECS it starts a background thread
    that prints tracebacks (sdk-notes "Credentials"). Never building that provider has the effect of
    ``ALIBABA_CLOUD_ECS_METADATA_DISABLED=true`` without touching the environment.
    """
    out: list[Candidate] = []
    key_id = environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID", "")
    secret = environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "")
    if key_id and secret:
        key = AccessKey(key_id, secret, environ.get("ALIBABA_CLOUD_SECURITY_TOKEN") or None)
        out.append((Msg("live.source_env"), lambda: _static_provider(key)))
    oidc = [environ.get(f"ALIBABA_CLOUD_{n}", "") for n in ("ROLE_ARN", "OIDC_PROVIDER_ARN", "OIDC_TOKEN_FILE")]
    if all(oidc):

        def build_oidc() -> Any:
            from alibabacloud_credentials.provider import OIDCRoleArnCredentialsProvider

            return OIDCRoleArnCredentialsProvider(
                role_arn=oidc[0], oidc_provider_arn=oidc[1], oidc_token_file_path=oidc[2]
            )

        out.append((Msg("live.source_oidc"), build_oidc))
    profile = environ.get("ALIBABA_CLOUD_PROFILE", "").strip()
    cli_file, ini_file = _credential_files(environ)
    cli_enabled = environ.get("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "").lower() != "true"
    if profile:
        if cli_enabled and profile in _cli_profile_names(cli_file):
            out.append(_cli_provider(cli_file, profile))
        if profile in _ini_profile_names(ini_file):
            out.append(_ini_provider(ini_file, profile))
    else:
        if cli_enabled and cli_file.is_file():
            out.append(_cli_provider(cli_file, None))
        if "default" in _ini_profile_names(ini_file):
            out.append(_ini_provider(ini_file, "default"))
    role = environ.get("ALIBABA_CLOUD_ECS_METADATA", "")
    if role or environ.get("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "").lower() == "false":

        def build_ecs_role() -> Any:
            from alibabacloud_credentials.provider import EcsRamRoleCredentialsProvider

            return EcsRamRoleCredentialsProvider(role_name=role or None, async_update_enabled=False)

        out.append((Msg("live.source_ecs_role"), build_ecs_role))
    uri = environ.get("ALIBABA_CLOUD_CREDENTIALS_URI", "")
    if uri:

        def build_uri() -> Any:
            from alibabacloud_credentials.provider import URLCredentialsProvider

            return URLCredentialsProvider(uri=uri)

        out.append((Msg("live.source_uri"), build_uri))
    if profile and not out:
        _profile_candidates(profile, environ)  # raises: the named profile does not exist
    return out


def _injected_candidates(credential: object) -> list[Candidate]:
    if isinstance(credential, AccessKey):
        return [(Msg("live.source_access_key"), lambda: _static_provider(credential))]
    if callable(getattr(credential, "get_credentials", None)):
        return [(Msg("live.source_provider"), lambda: credential)]
    raise PreflightError(Msg("live.bad_credential"))


def sdk_missing(exc: ImportError) -> PreflightError:
    """An SDK module that cannot be imported: the installation is broken, no run can be done."""
    module = exc.name or "alibabacloud"
    return PreflightError(Msg("live.sdk_missing", module=module, problem=Foreign("live_import", str(exc))))


def _tried(failures: list[tuple[Msg, Msg | str | None]]) -> Msg:
    """``source: error; source: empty AccessKey; ...`` in the language of the run (error None: empty key)."""
    out: Msg | None = None
    for source, error in reversed(failures):
        if error and out is not None:
            out = Msg("live.tried_failed_more", source=source, error=error, rest=out)
        elif error:
            out = Msg("live.tried_failed", source=source, error=error)
        elif out is not None:
            out = Msg("live.tried_empty_more", source=source, rest=out)
        else:
            out = Msg("live.tried_empty", source=source)
    return out or Msg("live.tried_nothing")


def _disable_credentials_logger() -> bool:
    logger = logging.getLogger("credentials")
    was, logger.disabled = logger.disabled, True
    return was


#: Silences the credentials package's own logger while a live call runs (as a ``with`` block or a decorator).
#: ``alibabacloud_credentials`` gives its ``credentials`` logger a stderr handler at import and logs every
#: failed refresh with a full traceback — dozens of English lines, and for RamRoleArn the signed STS URL with
#: the AccessKeyId and signature in it. preflight says what failed in its one error line instead. The logger
#: is put back as it was when the last overlapping call ends (:class:`_Held`): a host process keeps its logs.
quiet_sdk_logs = _Held(_disable_credentials_logger,
                       lambda was: setattr(logging.getLogger("credentials"), "disabled", was))


#: what must never reach the output from an SDK's exception text: query strings of (signed) URLs and
#: key=value pairs naming keys, secrets, tokens or signatures
_SECRET_PARTS = re.compile(r"(https?://[^\s?'\"]+)\?[^\s'\"]*|\b\w*(?:Key|Secret|Token|Signature|Credential)\w*=[^\s&'\"]+",
                           re.IGNORECASE)


def _failure_text(exc: BaseException) -> Msg | str:
    """The exception's class and the first line of its message, secrets and URL queries removed, shortened
    (the credentials package's known texts are worded in the run's language)."""
    first = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    cleaned = _SECRET_PARTS.sub(lambda m: f"{m.group(1)}?…" if m.group(1) else "…", first)
    if len(cleaned) > 160:
        cleaned = cleaned[:159] + "…"
    if not cleaned:
        return type(exc).__name__
    return Msg("live.failure", kind=type(exc).__name__, text=Foreign("credentials", cleaned))


@quiet_sdk_logs()
def resolve_identity(credential: object | None, profile: str | None, environ: Mapping[str, str]) -> Identity:
    """Find working credentials now, so a run without them stops before any call, with a useful message."""
    if credential is not None:
        candidates = _injected_candidates(credential)
    elif profile:
        candidates = _profile_candidates(profile, environ)
    else:
        candidates = _chain_candidates(environ)
    failures: list[tuple[Msg, Msg | str | None]] = []  # (source, what went wrong; None: an empty key)
    for source, build in candidates:
        try:
            provider = build()
            creds = provider.get_credentials()
            key_id, secret = creds.get_access_key_id(), creds.get_access_key_secret()
        except ImportError as exc:  # the SDK itself is missing: no other source can do better
            raise sdk_missing(exc) from None
        except Exception as exc:  # a provider that cannot give credentials: try the next
            failures.append((source, _failure_text(exc)))
            continue
        if key_id and secret:
            token = creds.get_security_token()
            return Identity(provider, source, tuple(s for s in (secret, token) if s))
        failures.append((source, None))
    if profile or failures:
        tried = _tried(failures)
        what = Msg("live.what_profile", profile=profile) if profile else Msg("live.what_chain")
        raise PreflightError(Msg("live.no_usable_credentials", what=what, tried=tried))
    raise PreflightError(Msg("live.no_credentials"))


class _OssCredentialsBridge:
    """OSS v2's ``credentials_provider`` (duck-typed: ``get_credentials()``), fed from the same identity as
    ECS/RAM, so both SDKs use one identity and refreshed STS tokens reach both."""

    def __init__(self, provider: Any) -> None:
        self._provider = provider

    def get_credentials(self) -> Any:
        from alibabacloud_oss_v2.credentials import Credentials

        creds = self._provider.get_credentials()
        return Credentials(creds.get_access_key_id(), creds.get_access_key_secret(), creds.get_security_token())


# ---- the transport guard -----------------------------------------------------------------------------------

DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024
_CHUNK = 8192  # read in small pieces: a compressed body cannot grow past the cap by much in one read


def guard_response(response: Any, max_body_bytes: int) -> Any:
    """Check one ``requests`` response as the transport adapter returns it, before the session would follow
    a redirect or read the body:

    - any 3xx is refused (``Refused(REDIRECT)``): a redirect to another host would carry the request's
      ``x-acs-security-token`` there, and its answer would be used as the cloud's;
    - the body is read here, at most ``max_body_bytes`` (``Refused(TOO_LARGE)`` past it, whatever
      ``Content-Length`` says), then handed on as if ``requests`` had read it.
    """
    from preflight.sources.live_errors import Kind, Refused

    status = int(response.status_code)
    if 300 <= status < 400:
        location = str(response.headers.get("Location") or "")
        host = urlsplit(location).hostname if "://" in location else None
        response.close()
        raise Refused(Kind.REDIRECT, host or "?", status=status)
    declared = str(response.headers.get("Content-Length") or "")
    if declared.isdigit() and int(declared) > max_body_bytes:
        response.close()
        raise Refused(Kind.TOO_LARGE, str(max_body_bytes), status=status)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.raw.stream(_CHUNK, decode_content=True):
        size += len(chunk)
        if size > max_body_bytes:
            response.close()
            raise Refused(Kind.TOO_LARGE, str(max_body_bytes), status=status)
        chunks.append(chunk)
    response._content = b"".join(chunks)
    response._content_consumed = True
    response.raw.release_conn()
    return response


def harden_session(session: Any, max_body_bytes: int) -> None:
    """Put the guard on every transport adapter of a ``requests.Session`` (once; the cap is updated).

    On the adapter, not as a session hook: darabonba prepares its request itself and calls
    ``Session.send``, which runs only the request's hooks, never the session's."""
    for adapter in session.adapters.values():
        adapter.preflight_max_body = max_body_bytes
        if getattr(adapter.send, "preflight_guard", False):
            continue

        def send(request: Any, *args: Any, _adapter: Any = adapter, _send: Any = adapter.send,
                 **kwargs: Any) -> Any:
            return guard_response(_send(request, *args, **kwargs), _adapter.preflight_max_body)

        send.preflight_guard = True  # type: ignore[attr-defined]
        adapter.send = send
    session.max_redirects = 0  # a second line: requests raises before sending a redirected request


_GUARD_LOCK = threading.Lock()
_guard_limit: list[int] = []  # the body cap the tea transport's sessions are hardened with


def harden_tea_transport(max_body_bytes: int) -> None:
    """Harden the sessions darabonba (the ECS/RAM/STS transport) creates and caches per endpoint.

    darabonba builds its ``requests.Session`` inside ``DaraCore._get_session`` with no way to pass one in,
    and follows redirects (``Session.send`` default). Its session factory is wrapped once per process so
    every session it makes, and every one it already made, carries the guard with this run's cap."""
    from darabonba.core import DaraCore

    with _GUARD_LOCK:
        _guard_limit[:] = [max_body_bytes]
        original = DaraCore.__dict__["_get_session"].__func__
        if not getattr(original, "preflight_guarded", False):

            def _get_session(*args: Any, **kwargs: Any) -> Any:
                session = original(*args, **kwargs)
                if getattr(session, "preflight_limit", None) != _guard_limit[0]:
                    harden_session(session, _guard_limit[0])
                    session.preflight_limit = _guard_limit[0]
                return session

            _get_session.preflight_guarded = True  # type: ignore[attr-defined]
            DaraCore._get_session = staticmethod(_get_session)
        for session in DaraCore._sessions.values():
            harden_session(session, max_body_bytes)
            session.preflight_limit = max_body_bytes


# ---- clients ----------------------------------------------------------------------------------------------


class Clients:
    """Builds and caches one SDK client per (service, region), and makes the raw calls.

    The calls return the services' own documents (JSON dict / XML or JSON bytes), not SDK models, so the
    snapshot holds the API's field names and any field the SDK's model does not know.
    """

    def __init__(
        self,
        identity: Identity,
        overrides: Mapping[str, Endpoint],
        *,
        timeout_s: float,
        proxies: Mapping[str, str],
        pool_size: int,
        require_loopback: bool = False,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self._identity = identity
        self._max_body_bytes = max_body_bytes
        self._overrides = dict(overrides)
        self._timeout_ms = max(1, int(timeout_s * 1000))
        self._timeout_s = timeout_s
        self._proxies = dict(proxies)
        self._pool_size = pool_size
        self._require_loopback = require_loopback
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str | None], Any] = {}
        self._tea_credential: Any = None

    def endpoint(self, service: str, region: str | None) -> Endpoint:
        override = self._overrides.get(service)
        if override is not None:
            return override.for_region(region or "cn-hangzhou")
        return default_endpoint(service, region)

    def check(self, service: str, region: str | None) -> None:
        """Refuse a non-loopback endpoint when ``PREFLIGHT_LOOPBACK_ONLY`` is set (tests)."""
        ep = self.endpoint(service, region)
        if self._require_loopback and not ep.is_loopback:
            raise PreflightError(Msg("live.loopback_only", env=LOOPBACK_ONLY_ENV, service=service, url=ep.url))

    def client(self, service: str, region: str | None) -> Any:
        key = (service, region)
        with self._lock:
            if key not in self._cache:
                self.check(service, region)
                try:
                    built = self._build_oss(region) if service == "oss" else self._build_rpc(service, region)
                except ImportError as exc:
                    raise sdk_missing(exc) from None
                self._cache[key] = built
            return self._cache[key]

    def _build_rpc(self, service: str, region: str | None) -> Any:
        from alibabacloud_credentials.client import Client as CredentialClient
        from alibabacloud_tea_openapi import utils_models

        if self._tea_credential is None:
            self._tea_credential = CredentialClient(provider=self._identity.provider)
            harden_tea_transport(self._max_body_bytes)
        ep = self.endpoint(service, region)
        proxy = proxy_for(ep, self._proxies)
        config = utils_models.Config(
            credential=self._tea_credential,  # tea-openapi 0.4 has no default chain of its own (sdk-notes)
            endpoint=ep.host,  # host[:port] only: a scheme here would end up in the Host header (sdk-notes)
            protocol=ep.scheme,
            region_id=region or "cn-hangzhou",
            connect_timeout=self._timeout_ms,
            read_timeout=self._timeout_ms,
            max_idle_conns=self._pool_size,
            user_agent=USER_AGENT,
            http_proxy=proxy if ep.scheme == "http" else None,
            https_proxy=proxy if ep.scheme == "https" else None,
        )
        if service == "ecs":
            from alibabacloud_ecs20140526.client import Client
        elif service == "ram":
            from alibabacloud_ram20150501.client import Client
        elif service == "resourcemanager":
            from alibabacloud_resourcemanager20200331.client import Client
        else:
            from alibabacloud_sts20150401.client import Client
        return Client(config)

    def _build_oss(self, region: str | None) -> Any:
        import alibabacloud_oss_v2 as oss
        from alibabacloud_oss_v2.retry import NopRetryer
        from alibabacloud_oss_v2.transport import RequestsHttpClient

        ep = self.endpoint("oss", region)
        config = oss.config.load_default()
        config.region = region
        config.endpoint = ep.url
        config.credentials_provider = _OssCredentialsBridge(self._identity.provider)
        # OSS v2 retries 3 times by itself; tea does not retry at all. One retry loop for both: ours.
        config.retryer = NopRetryer()
        config.connect_timeout = self._timeout_s
        config.readwrite_timeout = self._timeout_s
        config.user_agent = USER_AGENT
        if ep.is_ip_or_localhost:
            config.use_path_style = True  # an IP switches by itself, "localhost" does not (sdk-notes)
        proxy = proxy_for(ep, self._proxies)
        if proxy:
            config.proxy_host = proxy
        # our own transport, so its session carries the guard (no redirects, a body cap); OSS v2 does not
        # follow redirects by default, and is told so explicitly too
        config.enabled_redirect = False
        http_client = RequestsHttpClient(
            connect_timeout=self._timeout_s,
            readwrite_timeout=self._timeout_s,
            max_connections=self._pool_size,
            proxy_host=proxy,
            enabled_redirect=False,
        )
        http_client.open()
        harden_session(http_client.session, self._max_body_bytes)
        config.http_client = http_client
        return oss.Client(config)

    def rpc(self, action: str, region: str | None, query: Mapping[str, str]) -> dict[str, Any]:
        """One ECS/RAM/STS call; the parsed JSON body. Raises the SDK's exception on failure."""
        from alibabacloud_tea_openapi import utils_models
        from darabonba.runtime import RuntimeOptions

        spec = ACTIONS[action]
        client = self.client(spec.service, region)
        params = utils_models.Params(
            action=spec.name,
            version=spec.version,
            protocol="HTTPS",  # the client's protocol (from the endpoint) takes precedence
            pathname="/",
            method="POST",
            auth_type="AK",
            style="RPC",
            req_body_type="formData",
            body_type="json",
        )
        request = utils_models.OpenApiRequest(query={k: str(v) for k, v in query.items()})
        runtime = RuntimeOptions(read_timeout=self._timeout_ms, connect_timeout=self._timeout_ms)
        response = client.call_api(params, request, runtime)
        body = response.get("body") if isinstance(response, dict) else None
        if not isinstance(body, dict):
            from preflight.sources.live_errors import Kind, Refused

            raise Refused(Kind.MALFORMED, type(body).__name__)
        return body

    def oss_get(self, action: str, region: str, bucket: str | None) -> bytes:
        """One OSS sub-resource GET on a bucket (or, ``bucket`` None, on the account); the raw body. Raises
        the SDK's exception on failure."""
        import alibabacloud_oss_v2 as oss

        spec = ACTIONS[action]
        client = self.client("oss", region)
        op = oss.OperationInput(
            op_name=spec.name,
            method="GET",
            parameters={spec.subresource: ""},
            bucket=bucket,
            op_metadata={"sub-resource": [spec.subresource]},
        )
        output = client.invoke_operation(op)
        content = output.http_response.content
        return bytes(content or b"")
