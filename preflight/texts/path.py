"""Messages of path (see :mod:`preflight.texts`): paths the OS cannot look at — a symlink loop, a name too
long, a directory that cannot be listed — given as inputs, config, waivers, baseline, requests or rules."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "path.cannot_access": {"en": "cannot access: {reason}", "zh": "无法访问：{reason}"},
    "path.cannot_list": {"en": "cannot list the directory: {reason}", "zh": "无法列出目录内容：{reason}"},
    #: pathlib's own word for a loop it finds while resolving (RuntimeError), worded as the OS words ELOOP
    "path.symlink_loop": {"en": "Too many levels of symbolic links", "zh": "符号链接层数过多"},
    "path.nul": {"en": "not a valid path: it holds a NUL character", "zh": "不是有效的路径：其中含有 NUL 字符"},
}
