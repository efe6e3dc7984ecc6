"""The message catalogue is whole: every key the code names exists, no key is defined twice, every part keeps
to its prefix, every table of other libraries' texts is well-formed, and errors are Chinese under --lang zh."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from pathlib import Path

import pytest

from preflight import texts
from preflight.errors import Foreign, Msg, PreflightError
from preflight.i18n import CORE, MESSAGES, render, t
from preflight.texts import foreign
from tests.conftest import CliResult
from tests.zhcheck import CJK, assert_chinese, english_prose

SOURCE = Path(__file__).resolve().parent.parent / "preflight"
# a message key written literally where a message is made: Msg("k"), error("k"), t("k")
KEY_USE = re.compile(r"""\b(?:Msg|error|t)\(\s*["']([a-z][\w.]*)["']""")


def _named_keys() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        for m in KEY_USE.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(m.group(1), str(path.relative_to(SOURCE.parent)))
    return found


def test_every_key_the_code_names_is_in_the_catalogue() -> None:
    named = _named_keys()
    assert len(named) > 300, "the key pattern no longer finds the keys the code names"
    missing = {k: where for k, where in named.items() if k not in MESSAGES}
    assert not missing, f"keys used but not in the catalogue: {missing}"


def test_no_key_defined_twice() -> None:
    seen: dict[str, str] = dict.fromkeys(CORE, "core")
    for part in texts.PARTS:
        for key in part.TEXTS:
            assert key not in seen, f"{key} defined in {seen[key]} and {part.__name__}"
            seen[key] = part.__name__
    assert len(seen) == len(MESSAGES)


def test_every_part_keeps_to_its_prefix() -> None:
    for part in texts.PARTS:
        prefix = part.__name__.rsplit(".", 1)[1] + "."
        assert all(k.startswith(prefix) for k in part.TEXTS), part.__name__


def test_foreign_tables_are_well_formed() -> None:
    for kind, table in foreign.tables().items():
        for pattern, template in table:
            compiled = re.compile(pattern)
            used = {f for _, f, _, _ in string.Formatter().parse(template) if f}
            assert used <= {str(i) for i in range(1, compiled.groups + 1)} | set(compiled.groupindex), \
                (kind, pattern, template)
            assert CJK.search(template), (kind, template)


def test_nested_messages_follow_the_language() -> None:
    inner = Msg("err_no_file")
    outer = Msg("err_yaml_value", reason=inner)
    assert render(outer, "en") == "not valid YAML: no such file"
    assert CJK.search(render(outer, "zh")) and "no such file" not in render(outer, "zh")
    # a text no table knows is kept, not lost: quoted verbatim inside a sentence of ours; English unchanged
    assert render(Foreign("nonesuch", "some text"), "zh") == "其他程序库报告（英文原文）：“some text”"
    assert render(Foreign("nonesuch", "some text"), "en") == "some text"


def test_error_lines_in_both_languages() -> None:
    err = PreflightError.many([("a.json:3", Msg("err_no_file")), (None, Msg("err_nothing"))])
    assert err.lines() == ["a.json:3: no such file", str(Msg("err_nothing"))]
    zh = err.lines("zh")
    assert zh[0].startswith("a.json:3: ")
    for line in zh:
        assert_chinese(line)
    assert err.message == "no such file" and err.where == "a.json:3"


def test_zhcheck_catches_english_prose() -> None:
    assert english_prose("无法检查：image.disks 未知（the snapshot has no images section）")
    assert not english_prose("x.json:3: 未知的键 'foo'（允许：version, exports, images）")
    with pytest.raises(AssertionError):
        assert_chinese("x.json:3: not valid JSON")


@pytest.mark.parametrize("key", sorted(k for k in MESSAGES if "{" not in MESSAGES[k]["en"]))
def test_plain_messages_render_chinese(key: str) -> None:
    text = t(key, "zh")
    assert CJK.search(text), key


def test_rule_placeholders_word_unknown_and_empty_in_the_language_of_the_text() -> None:
    from preflight.facts import Unknown
    from preflight.rules import format_value

    assert [format_value(v) for v in (Unknown("x"), None, [], ["a", None])] == ["unknown", "none", "none", "a, none"]
    assert [format_value(v, "zh") for v in (Unknown("x"), None, [], ["a", None])] == ["未知", "无", "无", "a、无"]


def test_rules_show_labels_follow_the_language(cli: Callable[..., CliResult]) -> None:
    en = cli("rules", "show", "PF403").out.splitlines()
    zh = cli("rules", "show", "PF403", "--lang", "zh").out.splitlines()
    assert en[1] == "  severity:    error" and en[2] == "  category:    precondition"
    assert zh[1] == "  严重级别：错误" and zh[2] == "  类别：前置条件"
    assert len(en) == len(zh)
    for line in zh[:8]:  # title, labels, description, message, remediation: Chinese throughout
        if not line.startswith("  定义于："):
            assert_chinese(line)
    # the prevented API error is described by the reference's Chinese text where it has one
    assert any(line.startswith("    NoSetRoletoECSServiceAcount (HTTP 403) ") and CJK.search(line) for line in zh)


def test_worded_texts_follow_the_language_wherever_they_are_placed() -> None:
    from preflight.errors import Listing, Worded
    from preflight.rules import format_value

    worded = Worded(Msg("live.throttled", retries=2, code="X"))
    zh = "重试 2 次后仍被限流（X）"
    assert t("as_recorded", "zh", text=worded) == zh  # a value of a message
    assert render(Listing([worded, "a"]), "zh") == f"{zh}、a"  # an item of a list
    assert format_value([worded], "zh") == zh  # a rule placeholder
    assert t("as_recorded", "en", text=worded) == worded == "throttled after 2 retries (X)"
