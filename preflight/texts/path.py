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
    #: a cap set in .preflight.yaml above the built-in one (config.hard_caps)
    "path.config_raises_cap": {
        "en": "{key}: {value} bytes is above the built-in limit of {limit} bytes; a configuration file may lower "
        "the limit, not raise it (whoever runs preflight may, with --max-file-size)",
        "zh": "{key}：{value} 字节超过内置上限 {limit} 字节；配置文件只能降低该上限，不能提高（运行 preflight 的人"
        "可以用 --max-file-size 提高）"},
    "path.nothing_applied": {
        "en": "read {count} IaC file(s): nothing in them exports an image or is an export's bucket or role, so no "
        "rule applied",
        "zh": "已读取 {count} 个 IaC 文件：其中没有导出镜像的内容，也没有导出所用的 Bucket 或角色，因此没有规则适用"},
    # -- YAML that would expand without bound, or a value its tag cannot be (yamlpos.py)
    "path.yaml_aliases": {"en": "its aliases expand it by more than {limit} nodes (an alias bomb?)",
                          "zh": "其中的别名展开后超过 {limit} 个节点（别名炸弹？）"},
    "path.yaml_alias_cycle": {"en": "an alias refers to a node that contains it", "zh": "别名引用了包含它自身的节点"},
    "path.yaml_tag_value": {"en": "{value!r} cannot be read as {tag}", "zh": "{value!r} 无法按 {tag} 读取"},
    "path.lone_surrogate": {
        "en": "{pointer}: a string holds a lone UTF-16 surrogate (\\uD800-\\uDFFF), which is no character",
        "zh": "{pointer}：字符串中含有单独的 UTF-16 代理项（\\uD800-\\uDFFF），它不是字符"},
    "path.regex_limit": {"en": "a repetition count or a nesting deeper than Python's regular expressions allow",
                         "zh": "重复次数或嵌套深度超出了 Python 正则表达式的上限"},
    "path.outside_repository": {
        "en": "{key} names a file outside the repository ({root}); a configuration file may only name files "
        "inside it (give another file on the command line)",
        "zh": "{key} 指向仓库（{root}）之外的文件；配置文件只能指向仓库内的文件（其他文件请在命令行中给出）"},
    "path.outside_walk": {"en": "a symbolic link to a file outside the directory being read",
                          "zh": "是指向所读目录之外文件的符号链接"},
}
