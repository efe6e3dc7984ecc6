"""The transport of a live run: proxies taken from the environment for the call only (and given to each client
explicitly), and the guard on every HTTP response (redirects refused, bodies capped) before the SDK reads it.

Process-wide state is changed only while a live call runs and put back when the last overlapping call ends
(:class:`_Held`): preflight used as a library leaves its host process as it found it.
"""

from __future__ import annotations

import os
import threading
import urllib.request
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from preflight.sources.live_endpoints import Endpoint

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
