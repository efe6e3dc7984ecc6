"""Messages of cli (see :mod:`preflight.texts`), and the texts of click (the flag parser typer vendors as
``typer._click``: ``core.py``, ``parser.py``, ``exceptions.py``, ``types.py``; typer's own ``core.py`` and
``models.py``) and of the OS (``strerror``) the CLI shows."""

from __future__ import annotations

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
