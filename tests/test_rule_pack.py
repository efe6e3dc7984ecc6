"""The bundled rule pack as files: schema-valid, named after their ids, complete in both languages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from jsonschema import Draft202012Validator

from preflight.resources import rules_dir
from preflight.schemas import validator

RULE_FILES = sorted(p for p in rules_dir().iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))
CJK = re.compile(r"[\u4e00-\u9fff]")
#: placeholders of a rule text, with the literal braces ({{ and }}) taken out first
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
DOC_HOSTS = ("alibabacloud.com", "aliyun.com")


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _placeholders(text: str) -> set[str]:
    return {p.strip() for p in PLACEHOLDER.findall(text.replace("{{", "").replace("}}", ""))}


def test_the_pack_is_there() -> None:
    assert len(RULE_FILES) >= 30


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_rule_file_is_schema_valid(path: Path) -> None:
    check = validator("rule")
    assert isinstance(check, Draft202012Validator)
    problems = [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in check.iter_errors(_load(path))]
    assert problems == []


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_file_name_starts_with_the_id(path: Path) -> None:
    rule_id = _load(path)["id"]
    assert path.name.startswith(f"{rule_id}-"), f"{path.name} must be named {rule_id}-<slug>.yaml"
    assert re.fullmatch(rf"{re.escape(rule_id)}-[a-z0-9]+(-[a-z0-9]+)*\.yaml", path.name), path.name


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_texts_in_both_languages(path: Path) -> None:
    doc = _load(path)
    for key in ("title", "message", "remediation", "description"):
        if key == "description" and key not in doc:
            continue
        text = doc[key]
        assert isinstance(text.get("en"), str) and text["en"].strip(), f"{key}.en is empty"
        assert isinstance(text.get("zh"), str) and text["zh"].strip(), f"{key}.zh is empty"
        assert CJK.search(text["zh"]), f"{key}.zh has no Chinese in it"
    for key in ("message", "remediation"):
        en, zh = _placeholders(doc[key]["en"]), _placeholders(doc[key]["zh"])
        assert en == zh, f"{key}: the two languages interpolate different facts ({sorted(en ^ zh)})"


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_references(path: Path) -> None:
    refs = _load(path).get("references", [])
    assert refs, "a rule needs at least one reference"
    for ref in refs:
        url = urlparse(ref)
        assert url.scheme == "https" and url.hostname, ref
        assert url.hostname.endswith(DOC_HOSTS), f"{ref} is not an Alibaba Cloud document"


def test_ids_are_unique() -> None:
    ids = [_load(p)["id"] for p in RULE_FILES]
    assert sorted(ids) == sorted(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
