"""preflight used as a library leaves its host process as it found it: the proxy variables a live run takes
out of ``os.environ`` and the ``credentials`` logger it silences are changed only while a live call runs,
shared by calls that overlap, and put back when the last one ends — also when it raises."""

from __future__ import annotations

import logging
import os
import threading

import pytest

from preflight.errors import PreflightError
from preflight.sources import live_clients
from preflight.sources.live import AccessKey, collect

PROXY = "http://127.0.0.1:9"
LOGGER = logging.getLogger("credentials")


class _Provider:
    """A credentials provider that records what it sees while preflight calls it, then gives a key."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.seen: list[bool] = []

    def get_credentials(self) -> object:
        self.seen.append(LOGGER.disabled)
        if self.fail:
            raise RuntimeError("no key here")
        from alibabacloud_credentials.models import CredentialModel

        return CredentialModel(access_key_id="LTAItest", access_key_secret="secret", type="access_key")


@pytest.mark.parametrize("before", [False, True])
@pytest.mark.parametrize("fail", [False, True])
def test_resolving_credentials_silences_the_logger_only_while_it_runs(
        monkeypatch: pytest.MonkeyPatch, before: bool, fail: bool) -> None:
    monkeypatch.setattr(LOGGER, "disabled", before)
    provider = _Provider(fail)
    if fail:
        with pytest.raises(PreflightError):
            live_clients.resolve_identity(provider, None, {})
    else:
        live_clients.resolve_identity(provider, None, {})
    assert provider.seen == [True]  # silenced while the provider ran
    assert LOGGER.disabled is before  # and as the host had it afterwards


def test_overlapping_holds_take_the_proxies_once_and_the_last_one_puts_them_back(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    with live_clients.proxies_taken_from_env() as outer:
        assert "HTTPS_PROXY" not in os.environ
        with live_clients.proxies_taken_from_env() as inner:
            assert inner == outer and inner.get("https") == PROXY  # the second call sees what the first took
        assert "HTTPS_PROXY" not in os.environ, "the inner call put the proxy back while the outer still runs"
    assert os.environ["HTTPS_PROXY"] == PROXY


def test_concurrent_runs_in_threads_share_one_removal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", PROXY)
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def first() -> None:
        with live_clients.proxies_taken_from_env():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with live_clients.proxies_taken_from_env() as proxies:
            seen["proxies"] = proxies
            second_in.set()
            first_out.wait(5)
            seen["during"] = os.environ.get("HTTP_PROXY")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"proxies": {"http": PROXY}, "during": None}
    assert os.environ["HTTP_PROXY"] == PROXY


def test_proxies_are_put_back_when_the_block_raises_and_a_value_the_host_set_meanwhile_is_kept(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", PROXY)
    monkeypatch.setenv("ALL_PROXY", PROXY)
    with pytest.raises(KeyError), live_clients.proxies_taken_from_env():
        os.environ["ALL_PROXY"] = "http://host.example:3128"  # the host changed its mind during the run
        raise KeyError("a bug of ours")
    assert os.environ["HTTP_PROXY"] == PROXY
    assert os.environ["ALL_PROXY"] == "http://host.example:3128"


def test_a_mapping_other_than_os_environ_is_held_on_its_own() -> None:
    environ = {"https_proxy": PROXY, "HOME": "/h"}
    with live_clients.proxies_taken_from_env(environ):
        assert environ == {"HOME": "/h"}
    assert environ == {"https_proxy": PROXY, "HOME": "/h"}


@pytest.mark.parametrize("before", [False, True])
def test_a_live_run_that_fails_leaves_environment_and_logger_as_found(
        monkeypatch: pytest.MonkeyPatch, before: bool) -> None:
    monkeypatch.setattr(LOGGER, "disabled", before)
    monkeypatch.setenv("HTTP_PROXY", PROXY)
    monkeypatch.setenv("https_proxy", PROXY)
    dead = {s: "http://127.0.0.1:9" for s in ("ecs", "ram", "oss", "sts")}  # nothing listens: nothing reachable
    with pytest.raises(PreflightError):
        collect([{"RegionId": "cn-hangzhou", "ImageId": "m-1", "OSSBucket": "b"}], endpoints=dead,
                credential=AccessKey("LTAItest", "secret"), retries=0, timeout_s=1.0, backoff_s=0.0)
    assert LOGGER.disabled is before
    assert os.environ["HTTP_PROXY"] == PROXY and os.environ["https_proxy"] == PROXY
