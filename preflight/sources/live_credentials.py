"""Credentials of a live run: an injected credential, a named profile, or the default chain, resolved to one
identity with a one-line reason for each source that failed (no SDK traceback, no secret in the text).

The SDK imports are inside functions: importing this module loads no ``alibabacloud*`` package.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from preflight.errors import Foreign, Msg, PreflightError
from preflight.sources.live_transport import _Held


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
