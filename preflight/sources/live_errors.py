"""What went wrong with one cloud call, whether to try again, and how to say it in one line.

Works on the SDKs' exceptions by their attributes only (``code``, ``status_code``, ``unwrap()``,
``inner_exception``), so this module imports no SDK. The shapes, from sdk-notes.md "Errors and retries":

- tea-openapi (ECS, RAM, STS): ``ClientException`` / ``ServerException`` / ``ThrottlingException`` carry
  ``.code`` and ``.status_code``; connection refused and read timeouts arrive as darabonba's
  ``UnretryableException`` wrapping a ``RetryError`` whose text is the ``requests`` error.
- OSS v2: ``OperationError``; ``.unwrap()`` gives ``ServiceError`` (``.code``, ``.status_code``),
  ``RequestError`` (could not send) or ``ResponseError`` (read timeout).
"""

from __future__ import annotations

import enum
import json
import random
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from preflight.errors import Msg, Worded

T = TypeVar("T")


class Kind(enum.Enum):
    NOT_FOUND = "not_found"  # the entity does not exist: learned absent
    DENIED = "denied"  # the credentials lack a permission: unknown
    THROTTLED = "throttled"  # retried, then unknown
    SERVER = "server"  # HTTP 5xx: retried, then unknown
    TIMEOUT = "timeout"  # no answer in time: retried, then unknown
    UNREACHABLE = "unreachable"  # could not connect / resolve: retried, then unknown
    AUTH = "auth"  # the service rejected the credentials themselves: the run cannot be done
    OTHER = "other"  # any other refusal: unknown
    # answers preflight refuses to use (``Refused``): never retried, unknown
    REDIRECT = "redirect"  # a 3xx: the answer would come from somewhere else
    TOO_LARGE = "too_large"  # the body is over the response size cap
    MALFORMED = "malformed"  # not the shape the API answers with
    # cut off by a cap of the run: unknown
    DEADLINE = "deadline"  # the run deadline passed before the answer came
    PAGE_CAP = "page_cap"  # a list went on for more pages than the cap


MISSING = "(missing)"  # CallError.code of a MALFORMED answer that lacks a part: detail is the part's path

RETRYABLE = frozenset({Kind.THROTTLED, Kind.SERVER, Kind.TIMEOUT, Kind.UNREACHABLE})

# The service rejects the identity, not one request: every other call would fail the same way.
_AUTH_CODES = frozenset(
    {
        "InvalidAccessKeyId",
        "InvalidAccessKeyId.NotFound",
        "InvalidAccessKeyId.Inactive",
        "InvalidAccessKeySecret",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "InvalidSecurityToken",
        "InvalidSecurityToken.Expired",
        "InvalidSecurityToken.Malformed",
        "InvalidSecurityToken.MismatchWithAccessKey",
        "SecurityTokenExpired",
        "RequestTimeTooSkewed",
        "InvalidTimeStamp.Expired",
    }
)
_NOT_FOUND_CODES = frozenset({"NoSuchBucket", "NoSuchBucketPolicy"})
_DENIED_CODES = frozenset({"NoPermission", "AccessDenied", "NotAuthorized", "Unauthorized", "UnauthorizedOperation"})
_THROTTLED_CODES = frozenset({"SlowDown", "RequestLimitExceeded", "TooManyRequests"})


@dataclass(frozen=True)
class CallError:
    """One failed call, reduced to what decides the outcome. ``detail`` never holds a secret."""

    kind: Kind
    code: str = ""
    status: int | None = None
    detail: str = ""
    attempts: int = 1
    endpoint: dict[str, str] | None = None  # OSS: the <Endpoint> a wrong-region answer names

    @property
    def retries(self) -> int:
        return self.attempts - 1


class Refused(Exception):
    """An answer preflight will not use (raised by our transport guard and answer parsers, never by a bug):
    a redirect, a body over the size cap, a body that is not the API's shape. ``detail`` holds no secret."""

    def __init__(self, kind: Kind, detail: str = "", *, status: int | None = None, missing: str = "") -> None:
        super().__init__(f"{kind.value}: {missing or detail}")
        self.kind = kind
        self.detail = detail
        self.status = status
        self.missing = missing  # MALFORMED: the part of the answer that is not there (``TaskSet.Task``)


#: the packages whose exceptions are a failed call (service answers, transport failures), not a bug of ours
_CALL_FAILURE_PACKAGES = frozenset(
    {"alibabacloud_tea_openapi", "alibabacloud_oss_v2", "alibabacloud_credentials", "darabonba", "Tea",
     "requests", "urllib3"}
)


_DECODE_ERRORS = (UnicodeDecodeError, ET.ParseError, json.JSONDecodeError)


def _raised_in_sdk(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    module = str(tb.tb_frame.f_globals.get("__name__", "")) if tb is not None else ""
    return module.split(".", 1)[0] in _CALL_FAILURE_PACKAGES


def decode_failure(exc: BaseException) -> BaseException | None:
    """The decode error behind ``exc`` when an SDK re-raised an answer it could not decode as a builtin
    exception (darabonba: ``RuntimeError('Failed to parse the value as json format…')`` from a
    ``JSONDecodeError``): the answer is malformed, not our bug."""
    if isinstance(exc, _DECODE_ERRORS):
        return exc
    if not _raised_in_sdk(exc):
        return None
    cause, depth = exc.__cause__ or exc.__context__, 0
    while cause is not None and depth < 8:
        if isinstance(cause, _DECODE_ERRORS):
            return cause
        cause, depth = cause.__cause__ or cause.__context__, depth + 1
    return None


def is_call_failure(exc: BaseException) -> bool:
    """True for what a cloud call can fail with: an SDK's or the transport's own exception, an OS-level I/O
    error (connection refused, timeout), an answer we refuse, or an answer that does not decode. Anything
    else (``TypeError``, ``KeyError``, ``AttributeError``...) is a bug of ours and must not become "unknown"."""
    if isinstance(exc, (Refused, OSError)) or decode_failure(exc) is not None:
        return True
    root = type(exc).__module__.split(".", 1)[0]
    return root in _CALL_FAILURE_PACKAGES


def _inner(exc: BaseException) -> BaseException | None:
    """The exception an SDK wrapper carries (OSS ``OperationError.unwrap()``, tea ``UnretryableException``)."""
    name = type(exc).__name__
    if name == "OperationError":
        unwrap = getattr(exc, "unwrap", None)
        inner = unwrap() if callable(unwrap) else None
    elif name == "UnretryableException":
        inner = getattr(exc, "inner_exception", None)
    else:
        return None
    return inner if isinstance(inner, BaseException) and inner is not exc else None


def bug_inside(exc: BaseException) -> BaseException | None:
    """The bug of ours in ``exc``, if any: ``exc`` itself when it is not a call failure, or the exception an
    SDK wrapper caught from our code (the tea retry loop wraps whatever the request raised)."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 8:
        if not is_call_failure(current):
            return current
        current, seen = _inner(current), seen + 1
    return None


def _kind_of_response(code: str, status: int) -> Kind:
    if code in _AUTH_CODES:
        return Kind.AUTH
    if code.startswith("Throttling") or code in _THROTTLED_CODES or status == 429:
        return Kind.THROTTLED
    if status >= 500:
        return Kind.SERVER
    if code.endswith(".NotFound") or code.startswith("EntityNotExist") or code in _NOT_FOUND_CODES:
        return Kind.NOT_FOUND
    if status == 403 or code.startswith("Forbidden") or code in _DENIED_CODES or code.startswith("NoPermission"):
        return Kind.DENIED
    return Kind.OTHER


def _network_kind(text: str) -> Kind:
    lowered = text.lower()
    if "read timed out" in lowered or "read timeout" in lowered:
        return Kind.TIMEOUT
    return Kind.UNREACHABLE


_NETWORK_NAMES = frozenset(
    {
        "ConnectionError",
        "NewConnectionError",
        "NameResolutionError",
        "ConnectTimeoutError",
        "ConnectTimeout",
        "MaxRetryError",
        "ProxyError",
        "SSLError",
    }
)
_TIMEOUT_NAMES = frozenset({"ReadTimeout", "ReadTimeoutError", "Timeout"})


def classify(exc: BaseException) -> CallError:
    """Reduce an SDK exception to a ``CallError``."""
    name = type(exc).__name__
    if isinstance(exc, Refused):
        return CallError(exc.kind, code=MISSING if exc.missing else "", status=exc.status,
                         detail=exc.missing or exc.detail)
    decoded = decode_failure(exc)
    if decoded is not None:
        return CallError(Kind.MALFORMED, detail=type(decoded).__name__)
    if name == "OperationError":  # OSS v2 wraps every failure of an operation
        inner = _inner(exc)
        if inner is not None:
            return classify(inner)
    code = getattr(exc, "code", None)
    status = getattr(exc, "status_code", None)
    if isinstance(code, str) and code and isinstance(status, int) and status:
        fields = getattr(exc, "error_fileds", None)  # sic: the OSS v2 attribute name
        endpoint = (
            {"Endpoint": str(fields["Endpoint"])} if isinstance(fields, dict) and fields.get("Endpoint") else None
        )
        return CallError(_kind_of_response(code, status), code, status, endpoint=endpoint)
    if name == "ResponseError":  # OSS v2: the answer did not arrive (read timeout)
        return CallError(Kind.TIMEOUT if "timed out" in str(exc).lower() else Kind.OTHER, detail=name)
    if name == "RequestError":  # OSS v2: the request could not be sent
        return CallError(_network_kind(str(exc)), detail=name)
    if name == "UnretryableException":  # tea: connection problems come wrapped in a RetryError
        inner_exc = getattr(exc, "inner_exception", None)
        if type(inner_exc).__name__ == "RetryError":
            return CallError(_network_kind(str(inner_exc)), detail="RetryError")
        if isinstance(inner_exc, BaseException) and is_call_failure(inner_exc):
            return classify(inner_exc)
        return CallError(Kind.OTHER, detail=type(inner_exc).__name__)
    if name in ("CredentialException", "CredentialsFetchError", "CredentialsEmptyError"):
        return CallError(Kind.AUTH, code=name)
    if name in _TIMEOUT_NAMES or isinstance(exc, TimeoutError):
        return CallError(Kind.TIMEOUT, detail=name)
    if name in _NETWORK_NAMES or isinstance(exc, ConnectionError):
        return CallError(_network_kind(str(exc)), detail=name)
    return CallError(Kind.OTHER, detail=name)


def reason_msg(err: CallError, permission: str | None, *, where: str = "", timeout_s: float | None = None) -> Msg:
    """Why a call's fact is unknown, as a catalogue message."""
    n = err.retries
    if err.kind is Kind.DENIED:
        if permission:
            return Msg("live.denied", permission=permission, code=err.code)
        return Msg("live.denied_plain", code=err.code)
    if err.kind is Kind.THROTTLED:
        return Msg("live.throttled", retries=n, code=err.code)
    if err.kind is Kind.SERVER:
        return Msg("live.server_error", status=err.status, retries=n, code=err.code)
    if err.kind is Kind.TIMEOUT:
        if timeout_s:
            return Msg("live.timed_out_limit", retries=n, limit=f"{timeout_s:g}")
        return Msg("live.timed_out", retries=n)
    if err.kind is Kind.REDIRECT:
        return Msg("live.redirect_refused", status=err.status, detail=err.detail)
    if err.kind is Kind.TOO_LARGE:
        return Msg("live.too_large", limit=err.detail)
    if err.kind is Kind.MALFORMED:
        if err.code == MISSING:
            return Msg("live.missing_part", path=err.detail)
        return Msg("live.malformed", detail=err.detail)
    if err.kind is Kind.DEADLINE:
        return Msg("live.deadline", limit=err.detail)
    if err.kind is Kind.PAGE_CAP:
        return Msg("live.page_cap", limit=err.detail)
    if err.kind is Kind.UNREACHABLE:
        if where:
            return Msg("live.unreachable_at", where=where, retries=n)
        return Msg("live.unreachable", retries=n)
    if err.code:
        if err.status:
            return Msg("live.refused_status", status=err.status, code=err.code)
        return Msg("live.refused", code=err.code)
    if err.detail:
        return Msg("live.failed", detail=err.detail)
    return Msg("live.failed_unexpected")


def reason(err: CallError, permission: str | None, *, where: str = "", timeout_s: float | None = None) -> Worded:
    """The one-line reason recorded in the snapshot's ``unknown`` list (English; ``.msg`` for other languages)."""
    return Worded(reason_msg(err, permission, where=where, timeout_s=timeout_s))


@dataclass(frozen=True)
class RetryPolicy:
    """Jittered exponential backoff. tea-openapi 0.4 does not retry at all and OSS v2 is told not to
    (``NopRetryer``), so this is the only retry loop: ``1 + retries`` attempts per call, whatever the SDK."""

    retries: int = 3
    base_delay_s: float = 0.2
    max_delay_s: float = 5.0

    def delay(self, retry: int, rand: Callable[[], float] = random.random) -> float:
        """Delay before retry number ``retry`` (1-based): half fixed, half random ("equal jitter")."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2.0 ** (retry - 1))
        return ceiling / 2 + rand() * ceiling / 2


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """The result of one call after retries: a value or an error. ``reached``: some attempt got through to
    the endpoint (an HTTP answer, or a connection that then timed out)."""

    value: T | None = None
    error: CallError | None = None
    reached: bool = False


def call_with_retries(
    call: Callable[[], T],
    policy: RetryPolicy,
    *,
    stop: Callable[[], bool] = lambda: False,
    wake: threading.Event | None = None,
    sleep: Callable[[float], object] | None = None,
) -> Outcome[T]:
    """Run ``call``; retry what is retryable. A failed call (``is_call_failure``) becomes the outcome's error;
    any other exception is a bug of ours and propagates (the CLI reports it as an internal error), also when
    an SDK wrapper caught it from our code.

    ``stop()`` is asked before each retry (the run was cancelled, or the answer is no longer needed);
    ``wake`` cuts a backoff sleep short when the run is cancelled.
    """
    pause: Callable[[float], object] = sleep or (wake.wait if wake is not None else time.sleep)
    reached = False
    attempt = 0
    while True:
        attempt += 1
        try:
            return Outcome(value=call(), reached=True)
        except Exception as exc:
            bug = bug_inside(exc)
            if bug is exc:
                raise
            if bug is not None:
                raise bug from exc
            err = classify(exc)
        reached = reached or err.status is not None or err.kind is Kind.TIMEOUT
        err = CallError(err.kind, err.code, err.status, err.detail, attempt, err.endpoint)
        if err.kind not in RETRYABLE or attempt > policy.retries or stop():
            return Outcome(error=err, reached=reached)
        pause(policy.delay(attempt))
        if stop():
            return Outcome(error=err, reached=reached)
