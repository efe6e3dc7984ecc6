"""The error-code catalogue agrees with the API reference, and every code is predicted or explained.

The reference is the Chinese ExportImage page kept in tests/data (public reference text). Its error table
has rows ``<status> | <code> | <message> | <description> |``; a code may have several rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from preflight.catalog import ErrorCode, catalog_path, load_error_catalog, predicted_by, read_error_catalog
from preflight.errors import PreflightError
from preflight.rules import RuleSet, load_rules

SEED = Path(__file__).parent / "data" / "ExportImage-API.zh.txt"
ROW = re.compile(r"^(\d{3}) \| ([A-Za-z][A-Za-z0-9.]*) \| (.*?) \| (.*?) \|$")


@dataclass(frozen=True)
class Row:
    status: int
    code: str
    message: str
    description: str


def seed_rows() -> list[Row]:
    rows = []
    for line in SEED.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            rows.append(Row(int(m[1]), m[2], m[3], m[4]))
        else:
            # a line that starts like a row but does not parse would silently drop a code
            assert not re.match(r"^\d{3} \|", line), f"unparsed error-table row: {line!r}"
    return rows


ROWS = seed_rows()
SEED_CODES = list(dict.fromkeys(r.code for r in ROWS))
CATALOG = load_error_catalog()
RULES: RuleSet = load_rules(validate_bundled=True)
PREDICTED = predicted_by(RULES.rules)


def test_the_seed_table_is_read() -> None:
    assert SEED.read_text(encoding="utf-8").count("错误码") >= 1
    assert len(ROWS) >= 25
    assert {"MissingParameter", "InvalidImageId.NotFound", "NoSetRoletoECSServiceAcount"} <= set(SEED_CODES)


def test_every_seed_code_is_in_the_catalogue() -> None:
    assert [c for c in SEED_CODES if c not in CATALOG] == []


def test_every_catalogue_code_is_in_the_seed() -> None:
    assert [c for c in CATALOG if c not in SEED_CODES] == []


@pytest.mark.parametrize("code", SEED_CODES)
def test_entry_matches_the_seed(code: str) -> None:
    rows = [r for r in ROWS if r.code == code]
    entry = CATALOG[code]
    assert entry.http_status == tuple(sorted({r.status for r in rows}))
    assert entry.messages == tuple(dict.fromkeys(r.message for r in rows))
    descriptions = dict.fromkeys(r.description for r in rows if r.description != "-")
    assert entry.description_zh == "".join(descriptions)


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_every_code_is_predicted_or_explained(code: str) -> None:
    entry = CATALOG[code]
    predicted = code in PREDICTED
    assert predicted or entry.unpredictable is not None, f"{code}: no rule prevents it and no reason is given"
    assert not (predicted and entry.unpredictable is not None), (
        f"{code} is predicted by {PREDICTED.get(code)} and also marked unpredictable"
    )
    if entry.unpredictable is not None:
        assert re.search(r"[\u4e00-\u9fff]", entry.unpredictable.zh), "the zh reason must be Chinese"


def test_every_prevents_code_is_in_the_catalogue() -> None:
    unknown = {(r.id, c) for r in RULES.rules for c in r.prevents if c not in CATALOG}
    assert unknown == set()


def test_catalogue_header() -> None:
    raw = yaml.safe_load(catalog_path().read_text(encoding="utf-8"))
    assert raw["api"] == "ExportImage"
    assert raw["source"].startswith("https://")


def test_catalogue_is_loaded_once() -> None:
    assert load_error_catalog() is load_error_catalog()
    assert all(isinstance(v, ErrorCode) for v in CATALOG.values())


# -- invalid catalogues are reported with file and line --------------------------------------------------

GOOD_ENTRY = """\
  - code: ImageIsExporting
    http_status: [403]
    messages: ['The specified Image is exporting.']
    description_zh: 指定的镜像正在导出。
"""
HEADER = "api: ExportImage\nsource: https://help.aliyun.com/document_detail/58216.html\ncodes:\n"


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        (HEADER + GOOD_ENTRY + GOOD_ENTRY, 8, "duplicate error code"),
        (HEADER + GOOD_ENTRY.replace("[403]", "[403, 403]"), 5, "twice"),
        (HEADER + GOOD_ENTRY.replace("[403]", "['403']"), 5, "HTTP status"),
        (HEADER + GOOD_ENTRY.replace("    description_zh: 指定的镜像正在导出。\n", ""), 4, "description_zh"),
        (HEADER + GOOD_ENTRY + "    predicted_by: [PF209]\n", 8, "unknown key 'predicted_by'"),
        (HEADER + GOOD_ENTRY + "    unpredictable: {en: only English}\n", 8, "non-empty reason in each language"),
        (HEADER.replace("ExportImage", "ImportImage"), 1, "'api'"),
        (HEADER + "  - code: 'not a code'\n    http_status: [400]\n    messages: [x]\n    description_zh: ''\n",
         4, "'code'"),
        (HEADER + GOOD_ENTRY + "  - code: [oops\n", 9, "not valid YAML"),
    ],
)
def test_invalid_catalogue(tmp_path: Path, body: str, line: int, fragment: str) -> None:
    path = tmp_path / "ExportImage.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(PreflightError) as err:
        read_error_catalog(path)
    assert fragment in err.value.message
    assert err.value.where is not None and err.value.where.endswith(f"ExportImage.yaml:{line}"), err.value.where


def test_valid_small_catalogue(tmp_path: Path) -> None:
    path = tmp_path / "ExportImage.yaml"
    path.write_text(HEADER + GOOD_ENTRY + "    unpredictable: {en: a reason, zh: 一个原因}\n", encoding="utf-8")
    entry = read_error_catalog(path)["ImageIsExporting"]
    assert entry.http_status == (403,)
    assert entry.unpredictable is not None and entry.unpredictable.zh == "一个原因"
