"""pytest plugin for the fake cloud: fixtures, and the session-wide read-only check.

Test modules load it with ``pytest_plugins = ("tests.fakecloud.plugin",)``. Every request any fake receives is
recorded process-wide; the check runs after every test module that uses the fake (a teardown error names the
module) and once more at the end of the session (the exit status becomes "tests failed").
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .fixtures import default_fixture
from .server import RECORD, FakeCloud, forbidden_actions


def read_only_violations() -> list[tuple[str, str]]:
    return forbidden_actions(RECORD.actions())


@pytest.fixture
def fake_cloud() -> Iterator[FakeCloud]:
    """A started fake serving the default fixture; stopped after the test."""
    with FakeCloud(default_fixture()) as cloud:
        yield cloud


@pytest.fixture(scope="module", autouse=True)
def _fakecloud_read_only_guard() -> Iterator[None]:
    yield
    bad = read_only_violations()
    assert not bad, f"preflight sent non-read-only requests to the fake cloud: {bad}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    bad = read_only_violations()
    if bad:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"READ-ONLY VIOLATION: preflight sent {bad} to the fake cloud", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
