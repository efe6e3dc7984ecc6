"""Another library's text: the few users meet daily are worded in Chinese; any other is quoted verbatim
inside a sentence of ours, and English output is the text itself."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from preflight.i18n import MESSAGES, render
from preflight.msg import Foreign
from preflight.texts.foreign import DAILY, tables
from tests.zhcheck import assert_chinese


def _json_error(text: str) -> str:
    with pytest.raises(json.JSONDecodeError) as e:
        json.loads(text)
    return e.value.msg


def _yaml_error(text: str) -> str:
    with pytest.raises(yaml.MarkedYAMLError) as e:
        yaml.safe_load(text)
    return str(e.value.problem)


@pytest.mark.parametrize(("kind", "text"), [
    ("json", _json_error("{")),
    ("json", _json_error('{"a" 1}')),
    ("json", _json_error('{"a": 1,}')),
    ("json", _json_error("[1] 2")),
    ("yaml", _yaml_error("a: b: c")),
    ("yaml", _yaml_error("a:\n\tb: 1")),
    ("yaml", _yaml_error("[1, 2")),
    ("os", "No such file or directory"),
    ("os", "Permission denied"),
    ("os", "Is a directory"),
    ("click", "No such option: --formt"),
])
def test_texts_users_meet_daily_are_worded(kind: str, text: str) -> None:
    zh = render(Foreign(kind, text), "zh")
    assert "英文原文" not in zh and text not in zh
    assert_chinese(zh)
    assert render(Foreign(kind, text), "en") == text


@given(st.sampled_from(sorted({*DAILY, "regex", "jsonschema", "credentials", "nonesuch"})), st.text(max_size=40))
def test_any_other_text_is_quoted_verbatim_in_a_sentence_of_ours(kind: str, text: str) -> None:
    zh = render(Foreign(kind, text), "zh")
    if not any(re.fullmatch(p, text) for p, _ in tables().get(kind, [])):
        library = (MESSAGES.get(f"library_{kind}") or MESSAGES["library_other"])["zh"]
        assert zh == f"{library}报告（英文原文）：“{text}”"
    assert render(Foreign(kind, text), "en") == text


def test_only_the_daily_texts_have_translations() -> None:
    """The tables are few and short: a library's rewording breaks a handful of entries, not hundreds."""
    assert sum(len(table) for table in tables().values()) <= 60
    assert not {"regex", "jsonschema", "credentials"} & tables().keys()
