"""Every rule of the bundled pack has its own pass and fail cases (tests/rules/<RULE_ID>.yaml).

A case file::

    rule: PF104
    cases:
      - name: a dash in the prefix
        expect: fail                 # pass | fail | unknown | skip, for every export of the snapshot
        message_contains: "ecs-export"   # optional, checked on the English message
        patch: {exports: [{...}]}    # RFC 7396 merge patch onto tests/rules/_base.yaml
      - name: ...
        expect: pass
        snapshot: {...}              # or a whole snapshot document instead of a patch
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from preflight.engine import evaluate_one
from preflight.model import Status
from preflight.rules import RuleSet, load_rules
from preflight.sources.snapshot import subjects_from_document
from tests.conftest import BASE

CASES_DIR = Path(__file__).parent / "rules"
RULES: RuleSet = load_rules(validate_bundled=True)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _case_files() -> list[Path]:
    return sorted(p for p in CASES_DIR.glob("*.yaml") if not p.name.startswith("_"))


def _cases() -> list[Any]:
    params = []
    for path in _case_files():
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for i, case in enumerate(doc["cases"]):
            params.append(pytest.param(doc["rule"], case, id=f"{doc['rule']}-{i}-{case['expect']}"))
    return params


@pytest.mark.parametrize(("rule_id", "case"), _cases())
def test_rule_case(rule_id: str, case: dict[str, Any]) -> None:
    rule = RULES.get(rule_id)
    assert rule is not None, f"no rule {rule_id}"
    document = case["snapshot"] if "snapshot" in case else merge_patch(BASE, case.get("patch", {}))
    subjects = subjects_from_document(document)
    assert subjects, "a case needs at least one export"
    for subject in subjects:
        result = evaluate_one(rule, subject)
        message = result.text("message")
        assert result.status == Status(case["expect"]), (case["name"], message, result.evidence)
        if "message_contains" in case:
            assert case["message_contains"] in message, message
        if result.status is Status.FAIL:
            assert "{" not in message and result.text("remediation"), result


def test_base_snapshot_passes_every_rule() -> None:
    subjects = subjects_from_document(BASE)
    failing = [(r.id, evaluate_one(r, s).text("message")) for s in subjects for r in RULES.rules
               if evaluate_one(r, s).status not in (Status.PASS, Status.SKIP)]
    assert failing == []


def test_every_rule_has_a_pass_and_a_fail_case() -> None:
    seen: dict[str, set[str]] = {}
    for path in _case_files():
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert path.stem == doc["rule"], f"{path.name} must be named after its rule"
        seen.setdefault(doc["rule"], set()).update(c["expect"] for c in doc["cases"])
    missing = {r.id: sorted({"pass", "fail"} - seen.get(r.id, set())) for r in RULES.rules}
    assert {k: v for k, v in missing.items() if v} == {}
