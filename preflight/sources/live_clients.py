"""The SDK clients of a live run, and the front door to endpoints, proxies, credentials and the transport guard.

The work is done in modules named for their job: ``live_actions`` (the ACTIONS table, which also generates
``preflight permissions``), ``live_endpoints``, ``live_transport`` (proxies, redirect refusal, body cap) and
``live_credentials``; every name this module always offered stays importable from here.

Every SDK import is inside a function: importing this module costs nothing, and the offline path never loads
``alibabacloud*`` / ``darabonba`` / ``Tea``. The traps handled here are measured in sdk-notes.md; each place
says which.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from preflight.errors import Foreign as Foreign
from preflight.errors import Listing as Listing
from preflight.errors import Msg, PreflightError
from preflight.sources.live_actions import ACTIONS
from preflight.sources.live_actions import SESSION_ACTIONS as SESSION_ACTIONS
from preflight.sources.live_actions import ApiAction as ApiAction
from preflight.sources.live_credentials import AccessKey as AccessKey
from preflight.sources.live_credentials import Candidate as Candidate
from preflight.sources.live_credentials import Identity, _OssCredentialsBridge, sdk_missing
from preflight.sources.live_credentials import quiet_sdk_logs as quiet_sdk_logs
from preflight.sources.live_credentials import resolve_identity as resolve_identity
from preflight.sources.live_endpoints import ENDPOINT_ENV_PREFIX as ENDPOINT_ENV_PREFIX
from preflight.sources.live_endpoints import LOOPBACK_ONLY_ENV, USER_AGENT, Endpoint, default_endpoint
from preflight.sources.live_endpoints import SERVICES as SERVICES
from preflight.sources.live_endpoints import loopback_only as loopback_only
from preflight.sources.live_endpoints import parse_endpoint as parse_endpoint
from preflight.sources.live_endpoints import redact_url as redact_url
from preflight.sources.live_endpoints import resolve_endpoints as resolve_endpoints
from preflight.sources.live_transport import DEFAULT_MAX_BODY_BYTES, harden_session, harden_tea_transport, proxy_for
from preflight.sources.live_transport import guard_response as guard_response
from preflight.sources.live_transport import proxies_taken_from_env as proxies_taken_from_env


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


__all__ = [
    "ACTIONS",
    "DEFAULT_MAX_BODY_BYTES",
    "ENDPOINT_ENV_PREFIX",
    "LOOPBACK_ONLY_ENV",
    "SERVICES",
    "SESSION_ACTIONS",
    "USER_AGENT",
    "AccessKey",
    "ApiAction",
    "Candidate",
    "Clients",
    "Endpoint",
    "Foreign",
    "Identity",
    "Listing",
    "Msg",
    "PreflightError",
    "default_endpoint",
    "guard_response",
    "harden_session",
    "harden_tea_transport",
    "loopback_only",
    "parse_endpoint",
    "proxies_taken_from_env",
    "proxy_for",
    "quiet_sdk_logs",
    "redact_url",
    "resolve_endpoints",
    "resolve_identity",
    "sdk_missing",
]
