"""A fake Alibaba Cloud (ECS, RAM, STS, OSS read-only APIs) on 127.0.0.1 for testing preflight's live mode."""

from .fixtures import DEFAULT_FIXTURE, default_fixture, load_fixture, scaled_fixture
from .server import READ_ONLY_ACTIONS, RECORD, Call, FakeCloud, Fault, RawAnswer, forbidden_actions

__all__ = [
    "DEFAULT_FIXTURE",
    "READ_ONLY_ACTIONS",
    "RECORD",
    "Call",
    "FakeCloud",
    "Fault",
    "RawAnswer",
    "default_fixture",
    "forbidden_actions",
    "load_fixture",
    "scaled_fixture",
]
