"""Every text preflight itself says (not the rules' texts, which live in the rule files), in en and zh."""

from __future__ import annotations

import os

MESSAGES: dict[str, dict[str, str]] = {
    "unknown_fact": {
        "en": "could not be checked: {path} is unknown ({reason})",
        "zh": "无法检查：{path} 未知（{reason}）",
    },
    "unknown_plain": {
        "en": "could not be checked: {reason}",
        "zh": "无法检查：{reason}",
    },
    "unknown_remediation": {
        "en": "Make the fact known: grant the read permission `preflight permissions` lists, or capture the "
        "missing section in the snapshot (`preflight snapshot`), then run again.",
        "zh": "请让该事实可知：授予 `preflight permissions` 列出的只读权限，或在快照中补全缺失的部分"
        "（`preflight snapshot`），然后重新运行。",
    },
    "skipped": {"en": "does not apply: {title}", "zh": "不适用：{title}"},
    "summary": {
        "en": "{total} checks: {pass} passed, {fail} failed, {unknown} unknown, {skip} skipped, {waived} waived",
        "zh": "共 {total} 项检查：{pass} 项通过，{fail} 项失败，{unknown} 项未知，{skip} 项跳过，{waived} 项豁免",
    },
    "verdict_ok": {
        "en": "OK: nothing at or above '{threshold}' stops this export.",
        "zh": "通过：没有达到“{threshold}”级别的问题阻止此次导出。",
    },
    "verdict_fail": {
        "en": "NOT OK: {count} finding(s) at or above '{threshold}' would stop or endanger an export.",
        "zh": "不通过：{count} 个达到“{threshold}”级别的问题会导致导出失败或不安全。",
    },
    "fix": {"en": "fix", "zh": "修复"},
    "why": {"en": "why", "zh": "原因"},
    "at": {"en": "at", "zh": "位置"},
    "prevents": {"en": "prevents", "zh": "避免错误"},
    "export": {"en": "export", "zh": "导出"},
    "no_exports": {"en": "No exports found in the input.", "zh": "输入中没有找到任何导出请求。"},
    "error": {"en": "error", "zh": "错误"},
}


def t(key: str, lang: str, **values: object) -> str:
    texts = MESSAGES[key]
    return (texts.get(lang) or texts["en"]).format(**values)


def default_lang() -> str:
    """``zh`` when the locale says Chinese (LANG=zh_CN.UTF-8 and the like), else ``en``."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"
