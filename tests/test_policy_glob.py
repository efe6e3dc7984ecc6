"""RAM wildcard matching (issue 11): ``glob_match`` agrees with a regular-expression reference on every small
input, does a bounded amount of work on any input (no backtracking), and policy evaluation builds no regular
expression from policy text at all."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preflight import policy as pol
from preflight import policy_match

SOURCE = Path(pol.__file__).resolve().parent


def reference(pattern: str, value: str, ignore_case: bool) -> bool:
    """The semantics RAM documents, as a regular expression: ``*`` any run, ``?`` one character, the rest
    literal. Only ever used on short test inputs, where backtracking is harmless."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch(body, value, flags) is not None


# small alphabets, so that matches, near-misses and overlaps are all common; "[", "." and "\n" check that
# nothing but "*" and "?" is special
patterns = st.text(alphabet="ab*?.[\n", max_size=10)
values = st.text(alphabet="ab.[\n", max_size=14)


@settings(max_examples=1500)
@given(pattern=patterns, value=values)
def test_agrees_with_the_reference(pattern: str, value: str) -> None:
    assert pol.glob_match(pattern, value) is reference(pattern, value, False)


@settings(max_examples=800)
@given(pattern=st.text(alphabet="aAbBK\u212a*?", max_size=8), value=st.text(alphabet="aAbBkK\u212a", max_size=10),
       ignore_case=st.booleans())
def test_agrees_with_the_reference_in_either_case_mode(pattern: str, value: str, ignore_case: bool) -> None:
    # (U+212A KELVIN SIGN lower-cases to "k": case folding is one character for one, as in the reference)
    assert pol.glob_match(pattern, value, ignore_case=ignore_case) is reference(pattern, value, ignore_case)


@settings(max_examples=300)
@given(value=values, data=st.data())
def test_a_value_matches_itself_with_any_characters_replaced_by_wildcards(value: str, data: st.DataObject) -> None:
    """A pattern made from the value by replacing characters with ``?`` and runs with ``*`` matches it."""
    pattern = ""
    i = 0
    while i < len(value):
        choice = data.draw(st.sampled_from(["keep", "?", "*"]))
        if choice == "keep":
            pattern += value[i]
            i += 1
        elif choice == "?":
            pattern += "?"
            i += 1
        else:
            run = data.draw(st.integers(0, len(value) - i))
            pattern += "*"
            i += run
    assert pol.glob_match(pattern, value)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the matcher's steps: every segment placement tried (``_fits``) and every search (``_find``)."""
    steps = [0]

    def wrap(name: str) -> None:
        inner: Callable[..., Any] = getattr(policy_match, name)

        def counted(*args: Any) -> Any:
            steps[0] += 1
            return inner(*args)

        monkeypatch.setattr(policy_match, name, counted)

    wrap("_fits")
    wrap("_find")
    return steps


# the two cases (minutes each with the regular-expression translation), and larger ones of the same
# shapes, which a backtracking matcher could not finish in the age of the universe
PATHOLOGICAL = [
    pytest.param("************x", "oss:AbortMultipartUpload", True, id="issue-action-13-chars"),
    pytest.param("*a" * 14 + "b", "a" * 30, False, id="issue-resource-14-star-a"),
    pytest.param("*" * 2000 + "x", "oss:" + "a" * 5000, True, id="2000-stars"),
    pytest.param("*a" * 200 + "b", "a" * 3000, False, id="200-star-a"),
    pytest.param("*?a" * 100 + "b", "a" * 3000, False, id="star-question-a"),
    pytest.param("*" + "a?" * 50 + "b*c", "a" * 2000 + "b", False, id="question-heavy-segment"),
    pytest.param("?" * 1000 + "*", "a" * 999, False, id="questions-longer-than-value"),
]


@pytest.mark.parametrize(("pattern", "value", "ignore_case"), PATHOLOGICAL)
def test_pathological_patterns_take_bounded_steps(monkeypatch: pytest.MonkeyPatch, pattern: str, value: str,
                                                  ignore_case: bool) -> None:
    steps = _counting(monkeypatch)
    assert pol.glob_match(pattern, value, ignore_case=ignore_case) is False
    segments = pattern.count("*") + 1
    # each segment is placed by one search, each '?'-segment tries at most one placement per offset of the value
    assert steps[0] <= 2 + segments * (len(value) + 2)


@settings(max_examples=300)
@given(pattern=st.text(alphabet="a*?", max_size=40), value=st.text(alphabet="ab", max_size=60))
def test_steps_are_bounded_for_every_input(pattern: str, value: str) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        steps = _counting(monkeypatch)
        pol.glob_match(pattern, value)
    assert steps[0] <= 2 + (pattern.count("*") + 1) * (len(value) + 2)


def _imports_re(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "re" or a.name.startswith("re.") for a in node.names):
            lines.append(node.lineno)
        if isinstance(node, ast.ImportFrom) and node.module in ("re", "fnmatch"):
            lines.append(node.lineno)
        if isinstance(node, ast.Import) and any(a.name == "fnmatch" for a in node.names):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("module", ["policy.py", "policy_parse.py", "policy_match.py", "policy_eval.py",
                                    "policy_analysis.py", "oss_actions.py"])
def test_policy_evaluation_cannot_build_a_regular_expression(module: str) -> None:
    """The class of defect, not one example: the modules that read policy text do not import ``re`` (nor
    ``fnmatch``, which translates to one), so no pattern from a policy can become a regular expression."""
    assert _imports_re(SOURCE / module) == []


def test_evaluation_with_wildcards_and_string_like_uses_no_regex(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the analyses with every ``re`` entry point made to fail: none is reached."""
    document = pol.parse_policy({"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["oss:Get*", "oss:?utObject", "*Upload*"], "Resource": "acs:oss:*:*:b*/*",
         "Condition": {"StringLike": {"acs:UserAgent": "*a*a*a*a*b"}}},
        {"Effect": "Deny", "NotAction": "oss:*", "NotResource": "acs:oss:*:*:b/*"},
    ]})
    bucket_policy = pol.parse_policy({"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "oss:List*", "Principal": [], "Resource": "*",
         "Condition": {"StringLike": {"acs:UserAgent": "*curl*"}}}]})

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a regular expression was built during policy evaluation")

    for name in ("compile", "match", "fullmatch", "search", "sub", "findall", "finditer", "split"):
        monkeypatch.setattr(re, name, refuse)
    perms = pol.ExportPermissions([("P", document)])
    request = pol.Request("oss:GetObject", "acs:oss:*:*:b/x", context={"acs:UserAgent": ("a" * 40,)})
    decision = pol.evaluate([("P", document)], request)
    missing = perms.missing("b", "EcsExport", "m-1")
    grants = pol.public_grants(bucket_policy)
    assert decision.effect is pol.Effect.IMPLICIT_DENY  # the StringLike does not hold: no 'b' at the end
    # not covered by an Action pattern, or (bucket-level) not by the Resource "b*/*"
    assert missing == ["oss:DeleteObject", "oss:GetBucketLocation", "oss:GetBucketInfo", "oss:ListMultipartUploads",
                       "oss:ListParts"]
    assert isinstance(grants, list) and len(grants) == 1
