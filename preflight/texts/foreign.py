"""Texts other libraries write (json, PyYAML, click, the OS), worded in another language.

Those libraries speak English only, and their wording changes between versions. So only the few texts users
meet daily have a translation here (a JSON or YAML syntax error, a file not found, a permission denied, a
mistyped flag): :data:`DAILY`. Any other text is quoted verbatim inside a sentence of ours in the user's
language (``foreign_quoted`` in :mod:`preflight.i18n`): :func:`translate` answers ``None`` for it.
"""

from __future__ import annotations

import functools
import re

#: the OS's texts users meet daily (``OSError.strerror``, glibc wording)
_OS: list[tuple[str, str]] = [
    (r"Permission denied", "权限不足"),
    (r"No such file or directory", "文件或目录不存在"),
    (r"Is a directory", "是一个目录"),
    (r"Not a directory", "不是目录"),
]

#: kind -> [(regex matching the whole English text, zh template with the groups as {1}, {2}, ... or by name)]
DAILY: dict[str, list[tuple[str, str]]] = {
    "json": [
        (r"Expecting value", "此处应为一个值"),
        (r"Expecting property name enclosed in double quotes", "此处应为用双引号括起的属性名"),
        (r"Expecting ':' delimiter", "此处应为分隔符 ':'"),
        (r"Expecting ',' delimiter", "此处应为分隔符 ','"),
        (r"Unterminated string starting at", "字符串没有结束"),
        (r"Extra data", "JSON 值之后还有多余的内容"),
        (r"Illegal trailing comma before end of object", "对象末尾有多余的逗号"),
        (r"Illegal trailing comma before end of array", "数组末尾有多余的逗号"),
    ],
    "yaml": [
        (r"found character (.+) that cannot start any token", "发现不能作为记号开头的字符 {1}"),
        (r"could not find expected ':'", "找不到应有的 ':'"),
        (r"mapping values are not allowed (?:here|in this context)", "此处不允许出现映射值（冒号后的值）"),
        (r"did not find expected key", "未找到应有的键"),
        (r"did not find expected '-' indicator", "未找到应有的 '-' 指示符"),
        (r"expected <block end>, but found (.+)", "此处应为块结束，但发现 {1}（缩进可能有误）"),
        (r"expected ',' or '\]', but got (.+)", "此处应为 ',' 或 ']'，但发现 {1}"),
        (r"expected ',' or '\}', but got (.+)", "此处应为 ',' 或 '}}'，但发现 {1}"),
        (r"found unexpected end of stream", "文件意外结束"),
        (r"found undefined alias (.+)", "发现未定义的别名 {1}"),
    ],
    "os": _OS,
    "click": [
        (r"No such option: (.+?) \(Possible options: (.+)\)", "没有选项 {1}（可能的选项：{2}）"),
        (r"No such option: (.+)", "没有选项 {1}"),
        (r"Option (.+) requires an argument\.", "选项 {1} 需要一个值"),
        (r"Option (.+) does not take a value\.", "选项 {1} 不接受值"),
        (r"Got unexpected extra argument\(s\) \((.*)\)", "多余的参数：{1}"),
        (r"No such command (.+?)\. Did you mean (.+)\?", "没有命令 {1}；您是否想输入 {2}？"),
        (r"No such command (.+)\.", "没有命令 {1}"),
        (r"Missing argument (.+)\.", "缺少参数 {1}"),
        # a file click could not open: "'name': <strerror>" (File type), "Could not open file 'name': <strerror>"
        *[(rf"('.*'): {pattern}", f"{{1}}：{zh}") for pattern, zh in _OS],
        *[(rf"Could not open file ('.*'): {pattern}", f"无法打开文件 {{1}}：{zh}") for pattern, zh in _OS],
    ],
    "live_import": [(r"No module named (.+)", "找不到模块 {1}")],
}


@functools.cache
def tables() -> dict[str, list[tuple[str, str]]]:
    """kind -> its table: :data:`DAILY`, and the ``FOREIGN`` table a part of the catalogue (:mod:`preflight.texts`)
    may still hold for a library it reads."""
    from preflight.texts import PARTS

    out: dict[str, list[tuple[str, str]]] = {k: list(v) for k, v in DAILY.items()}
    for part in PARTS:
        for kind, table in getattr(part, "FOREIGN", {}).items():
            out.setdefault(kind, []).extend(table)
    return out


@functools.cache
def _compiled(kind: str) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(p), z) for p, z in tables().get(kind, [])]


#: Foreign kind of a reason preflight itself worded in English and a snapshot file kept (``preflight snapshot``
#: of an older preflight wrote its reasons in English only; a newer one writes their keys too): worded again
#: from the catalogue, by matching the message it came from
WORDED = "worded"
_PLACEHOLDER = re.compile(r"\{(\w+)(![rsa])?\}")


@functools.cache
def _worded() -> list[tuple[re.Pattern[str], str]]:
    """(regex of a message's English text, its zh template without conversions), the most literal first.

    A template that is nothing but placeholders ("{code}") cannot be told from any other text: left out."""
    from preflight.texts import live

    out: list[tuple[int, re.Pattern[str], str]] = []
    for texts in live.TEXTS.values():
        en = texts["en"]
        literal = _PLACEHOLDER.sub("", en)
        if not literal.strip(" ():;,.") or "{{" in en or "}}" in en:  # (no such message has braces)
            continue
        seen: set[str] = set()
        parts: list[str] = []
        pos = 0
        for m in _PLACEHOLDER.finditer(en):
            parts.append(re.escape(en[pos:m.start()]))
            name = m.group(1)
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
            pos = m.end()
        parts.append(re.escape(en[pos:]))
        pattern = "".join(parts)
        zh = _PLACEHOLDER.sub(lambda m: "{" + m.group(1) + "}", texts["zh"])
        out.append((len(literal), re.compile(pattern), zh))
    out.sort(key=lambda item: -item[0])
    return [(p, z) for _, p, z in out]


def _reword(text: str) -> str | None:
    for pattern, template in _worded():
        m = pattern.fullmatch(text)
        if m:
            return template.format(**{k: _reword(v) or v for k, v in m.groupdict().items()})
    return None


def translate(kind: str, text: str, lang: str) -> str | None:
    """``text`` in ``lang``, or ``None`` when no table knows it (the caller quotes it in a sentence of ours)."""
    if lang != "zh":
        return text
    if kind == WORDED:
        return _reword(text)
    for pattern, template in _compiled(kind):
        m = pattern.fullmatch(text)
        if m:
            return template.format("", *m.groups(), **m.groupdict())
    return None
