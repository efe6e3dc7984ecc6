"""Messages of path (see :mod:`preflight.texts`): paths the OS cannot look at — a symlink loop, a name too
long, a directory that cannot be listed — given as inputs, config, waivers, baseline, requests or rules."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "path.cannot_access": {"en": "cannot access: {reason}", "zh": "无法访问：{reason}"},
    "path.cannot_list": {"en": "cannot list the directory: {reason}", "zh": "无法列出目录内容：{reason}"},
    #: pathlib's own word for a loop it finds while resolving (RuntimeError), worded as the OS words ELOOP
    "path.symlink_loop": {"en": "Too many levels of symbolic links", "zh": "符号链接层数过多"},
    "path.nul": {"en": "not a valid path: it holds a NUL character", "zh": "不是有效的路径：其中含有 NUL 字符"},
    # -- the one file reader and the walk (sources/common.py): what is not read, and why
    "path.not_read": {"en": "not read: {reason}", "zh": "未读取：{reason}"},
    "path.skipped": {"en": "skipped: {reason}", "zh": "已跳过：{reason}"},
    "path.fifo": {"en": "a FIFO (named pipe), not a regular file", "zh": "是 FIFO（命名管道），不是普通文件"},
    "path.socket": {"en": "a socket, not a regular file", "zh": "是套接字，不是普通文件"},
    "path.device": {"en": "a device, not a regular file", "zh": "是设备文件，不是普通文件"},
    "path.special": {"en": "not a regular file", "zh": "不是普通文件"},
    "path.too_big": {"en": "{size} bytes, more than the limit of {limit} bytes (--max-file-size)",
                     "zh": "大小为 {size} 字节，超过 {limit} 字节的上限（--max-file-size）"},
    "path.nothing_applied": {
        "en": "read {count} IaC file(s): nothing in them exports an image or is an export's bucket or role, so no "
        "rule applied",
        "zh": "已读取 {count} 个 IaC 文件：其中没有导出镜像的内容，也没有导出所用的 Bucket 或角色，因此没有规则适用"},
    "path.outside_walk": {"en": "a symbolic link to a file outside the directory being read",
                          "zh": "是指向所读目录之外文件的符号链接"},
}
