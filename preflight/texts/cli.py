"""Messages of cli (see :mod:`preflight.texts`), and the texts of click (the flag parser typer vendors as
``typer._click``: ``core.py``, ``parser.py``, ``exceptions.py``, ``types.py``; typer's own ``core.py`` and
``models.py``) and of the OS (``strerror``) the CLI shows."""

from __future__ import annotations

from preflight.texts.snap import FOREIGN as _SNAP_FOREIGN

TEXTS: dict[str, dict[str, str]] = {
    "cli.invalid_value": {"en": "Invalid value for {param}: {problem}", "zh": "{param} 的值无效：{problem}"},
    "cli.invalid_value_plain": {"en": "Invalid value: {problem}", "zh": "值无效：{problem}"},
    "cli.bad_size": {"en": "--max-file-size {value}: expected a size in bytes, or with a unit such as 50MB or 512KiB",
                     "zh": "--max-file-size {value}：应为以字节为单位的大小，或带单位的大小，如 50MB 或 512KiB"},
    "cli.aborted": {"en": "aborted", "zh": "已中止"},
    "cli.interrupted": {"en": "interrupted", "zh": "已中断"},
    "cli.internal_error": {
        "en": "internal error: {detail} (this is a bug in preflight, not a problem with your input; please "
        "report it to the preflight maintainers with the traceback that --debug or PREFLIGHT_DEBUG=1 prints)",
        "zh": "内部错误：{detail}（这是 preflight 的缺陷，不是您输入的问题；请将 --debug 或 PREFLIGHT_DEBUG=1 "
        "打印的回溯信息报告给 preflight 的维护者）",
    },
    # -- rules show: the labels of its lines (English keeps its column alignment)
    "cli.show_severity": {"en": "severity:    ", "zh": "严重级别："},
    "cli.show_category": {"en": "category:    ", "zh": "类别："},
    "cli.show_source": {"en": "defined in:  ", "zh": "定义于："},
    "cli.show_description": {"en": "description: ", "zh": "说明："},
    "cli.show_message": {"en": "message:     ", "zh": "消息："},
    "cli.show_remediation": {"en": "remediation: ", "zh": "修复："},
    "cli.show_prevents": {"en": "prevents:", "zh": "避免的错误："},
    "cli.show_reference": {"en": "reference:   ", "zh": "参考："},
    "cli.show_condition": {"en": "condition:   ", "zh": "条件："},
}

#: click's usage errors, whitespace collapsed to single spaces (``cli._usage_error``)
_CLICK: list[tuple[str, str]] = [
    # parser.py / exceptions.py: options
    (r"No such option: (.+?) \(Possible options: (.+)\)", "没有选项 {1}（可能的选项：{2}）"),
    (r"No such option: (.+)", "没有选项 {1}"),
    (r"Option (.+) requires an argument\.", "选项 {1} 需要一个值"),
    (r"Option (.+) requires (\d+) arguments\.", "选项 {1} 需要 {2} 个值"),
    (r"Option (.+) does not take a value\.", "选项 {1} 不接受值"),
    (r"Argument (.+) takes (\d+) values\.", "参数 {1} 需要 {2} 个值"),
    # core.py: extra arguments, missing parameters; typer core.py: commands
    (r"Got unexpected extra argument\(s\) \((.*)\)", "多余的参数：{1}"),
    (r"No such command (.+?)\. Did you mean (.+)\?", "没有命令 {1}；您是否想输入 {2}？"),
    (r"No such command (.+)\.", "没有命令 {1}"),
    (r"Missing command\.", "缺少命令"),
    (r"Missing argument (.+)\.", "缺少参数 {1}"),
    (r"Missing option (.+)\.", "缺少选项 {1}"),
    (r"Missing parameter (.+)\.", "缺少参数 {1}"),
    (r"Missing argument\.", "缺少参数"),
    (r"Missing option\.", "缺少选项"),
    (r"Missing parameter\.", "缺少参数"),
    (r"Missing parameter: (.+)", "缺少参数：{1}"),
    # types.py / typer models.py: the text of a bad value (after "Invalid value for X: ")
    (r"(.+) is not a valid (?:int|integer|int range|integer range)\.", "{1} 不是有效的整数"),
    (r"(.+) is not a valid (?:float|float range)\.", "{1} 不是有效的浮点数"),
    (r"(.+) is not a valid boolean\. Recognized values: (.+)", "{1} 不是有效的布尔值（可用的值：{2}）"),
    (r"(.+) is not a valid UUID\.", "{1} 不是有效的 UUID"),
    (r"(.+) is not one of (.+)\.", "{1} 不是 {2} 之一"),
    (r"(.+) is not in the range (.+)\.", "{1} 不在范围 {2} 内"),
    (r"(.+) does not match the formats (.+)\.", "{1} 不符合格式 {2}"),
    (r"File (.+) does not exist\.", "文件 {1} 不存在"),
    (r"Directory (.+) does not exist\.", "目录 {1} 不存在"),
    (r"Path (.+) does not exist\.", "路径 {1} 不存在"),
    (r"(?:File|Directory|Path) (.+) is a file\.", "{1} 是文件"),
    (r"(?:File|Directory|Path) (.+) is a directory\.", "{1} 是目录"),
    (r"(?:File|Directory|Path) (.+) is not readable\.", "{1} 不可读"),
    (r"(?:File|Directory|Path) (.+) is not writable\.", "{1} 不可写"),
    (r"Value must be an iterable\.", "值必须是可迭代的"),
    (r"Takes (\d+) values but (\d+) given\.", "需要 {1} 个值，但给出了 {2} 个"),
    (r"(\d+) values are required, but (\d+) given\.", "需要 {1} 个值，但给出了 {2} 个"),
]

#: OSError.strerror of the failures writing a report can meet (glibc wording)
#: the OS's error texts: one table, kept with the file reader's messages (preflight.texts.snap)
_OS: list[tuple[str, str]] = _SNAP_FOREIGN["os"]

#: a file click could not open: "'name': <strerror>" (File type), "Could not open file 'name': <strerror>"
_CLICK += [(rf"('.*'): {pattern}", f"{{1}}：{zh}") for pattern, zh in _OS]
_CLICK += [(rf"Could not open file ('.*'): {pattern}", f"无法打开文件 {{1}}：{zh}") for pattern, zh in _OS]
_CLICK += [(r"Could not open file ('.*'): (.+)", "无法打开文件 {1}：{2}")]

FOREIGN: dict[str, list[tuple[str, str]]] = {"click": _CLICK}
