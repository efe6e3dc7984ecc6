"""Every text preflight itself says (not the rules' texts, which live in the rule files), in en and zh.

Messages are plain data (:class:`~preflight.msg.Msg`: a key of this catalogue with its values);
:func:`render` is the one function that words a message in a language. A test holds every key complete in
both languages.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from preflight.msg import LANGS, Composed, Foreign, Listing, Message, Msg, Text, use_wording

#: preflight's core texts; the rest of the catalogue is in :mod:`preflight.texts`, merged into MESSAGES
CORE: dict[str, dict[str, str]] = {
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
    "unknown_remediation_iac": {
        "en": "The files checked do not decide this fact (it is set when Terraform or ROS runs, or it lives in the "
        "account): write the value literally, or check the account itself with `preflight check --live` or a "
        "snapshot (`preflight snapshot`).",
        "zh": "所检查的文件无法确定该事实（它在 Terraform 或 ROS 运行时才确定，或存在于账号中）：请在文件中直接写出"
        "该值，或用 `preflight check --live` 或快照（`preflight snapshot`）检查账号本身。",
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
    "at": {"en": "at", "zh": "位置"},
    "prevents": {"en": "prevents", "zh": "避免错误"},
    "no_exports": {"en": "No exports found in the input.", "zh": "输入中没有找到任何导出请求。"},
    # -- text report ---------------------------------------------------------------------------------------
    "header": {
        "en": "preflight {version} · {mode} · {exports} export(s) · {rules} rules",
        "zh": "preflight {version} · {mode} · {exports} 个导出 · {rules} 条规则",
    },
    "header_others": {"en": " · {others} role(s) or bucket(s) checked on their own",
                      "zh": " · {others} 个单独检查的角色或 Bucket"},
    "quiet_line": {"en": "{passed} passed, {skipped} not applicable", "zh": "{passed} 项通过，{skipped} 项不适用"},
    "waived_by": {"en": "waived: {reason}", "zh": "已豁免：{reason}"},
    "waiver_owner": {"en": "owner {owner}", "zh": "负责人 {owner}"},
    "waiver_expires": {"en": "expires {expires}", "zh": "到期 {expires}"},
    "baselined": {"en": "in the baseline (does not fail the run)", "zh": "已在基线中（不导致运行失败）"},
    "warning": {"en": "warning", "zh": "警告"},
    "baseline_line": {
        "en": "baseline {path}: {new} new finding(s); {still_present} baselined finding(s) still present, "
        "{gone} gone",
        "zh": "基线 {path}：{new} 个新问题；{still_present} 个基线中的问题仍然存在，{gone} 个已消失",
    },
    # -- notes: warnings about waivers ----------------------------------------------------------------------
    "note_expired": {
        "en": "waiver for {rules} expired on {expires}; the finding fails again ({count} finding(s))",
        "zh": "针对 {rules} 的豁免已于 {expires} 到期；该问题重新判为失败（{count} 个问题）",
    },
    "note_no_reason": {
        "en": "waiver for {rules} has no reason; it waives nothing and the finding fails again ({count} finding(s))",
        "zh": "针对 {rules} 的豁免没有填写 reason（原因）；它不豁免任何问题，该问题重新判为失败（{count} 个问题）",
    },
    "note_mandatory": {
        "en": "waiver for {rules} cannot silence mandatory rule {rule} ({count} finding(s))",
        "zh": "针对 {rules} 的豁免不能豁免强制规则 {rule}（{count} 个问题）",
    },
    "note_unknown_rule": {
        "en": "waiver names rule {rule}, which is not among the rules evaluated; it waives nothing",
        "zh": "豁免引用了规则 {rule}，但本次没有评估该规则；它不豁免任何问题",
    },
    # -- waivers lint ---------------------------------------------------------------------------------------
    "lint_expired": {"en": "expired on {expires}", "zh": "已于 {expires} 到期"},
    "lint_no_reason": {"en": "has no reason (reason is required)", "zh": "没有填写 reason（原因为必填项）"},
    "lint_unknown_rule": {"en": "unknown rule {rule}", "zh": "未知规则 {rule}"},
    "lint_never_matches": {
        "en": "never matches: no failing or unknown result of the checked inputs is in its scope",
        "zh": "从未匹配：所检查的输入中没有处于其范围内的失败或未知结果",
    },
    "lint_mandatory": {"en": "rule {rule} is mandatory; no waiver can silence it",
                       "zh": "规则 {rule} 是强制规则，任何豁免都不能豁免它"},
    "lint_ok": {"en": "{count} waiver(s) in {path}: no problems", "zh": "{path} 中的 {count} 条豁免：没有问题"},
    "lint_no_file": {"en": "no waivers file (looked for {name} from the working directory up to the repository root)",
                     "zh": "没有豁免文件（已从工作目录向上直到仓库根目录查找 {name}）"},
    "lint_problems": {"en": "{count} problem(s) in {path}", "zh": "{path} 中有 {count} 个问题"},
    "lint_not_run": {"en": "never-matching waivers are found only when inputs are given "
                     "(preflight waivers lint PATH ...)",
                     "zh": "只有给出输入时才能发现从未匹配的豁免（preflight waivers lint PATH ...）"},
    "baseline_written": {"en": "wrote {count} finding(s) to the baseline {path}",
                         "zh": "已将 {count} 个问题写入基线 {path}"},
    # -- machine-readable reports ---------------------------------------------------------------------------
    "status": {"en": "status", "zh": "状态"},
    "count": {"en": "count", "zh": "数量"},
    "severity": {"en": "severity", "zh": "严重级别"},
    "rule": {"en": "rule", "zh": "规则"},
    "message": {"en": "message", "zh": "信息"},
    "location": {"en": "location", "zh": "位置"},
    "reason": {"en": "reason", "zh": "原因"},
    "evidence": {"en": "evidence", "zh": "证据"},
    # the words of severities, categories and modes where people read them (machine outputs keep the values)
    "word_error": {"en": "error", "zh": "错误"},
    "word_warning": {"en": "warning", "zh": "警告"},
    "word_info": {"en": "info", "zh": "提示"},
    "word_precondition": {"en": "precondition", "zh": "前置条件"},
    "word_security": {"en": "security", "zh": "安全"},
    "word_hygiene": {"en": "hygiene", "zh": "规范"},
    "word_snapshot": {"en": "snapshot", "zh": "快照"},
    "word_iac": {"en": "iac", "zh": "IaC 文件"},
    "word_live": {"en": "live", "zh": "实时"},
    "word_mixed": {"en": "mixed", "zh": "混合"},
    "word_audit": {"en": "audit", "zh": "审计"},
    # a text kept as an input recorded it (a snapshot's unknown reason): worded again where preflight wrote it
    "as_recorded": {"en": "{text}", "zh": "{text}"},
    # another library's text no table words, quoted verbatim inside a sentence of ours (in English, the text is
    # already in the reader's language and is shown as it is: :func:`render`)
    "foreign_quoted": {"en": "{library} reported: “{text}”", "zh": "{library}报告（英文原文）：“{text}”"},
    "library_json": {"en": "the JSON parser", "zh": "JSON 解析器"},
    "library_yaml": {"en": "the YAML parser", "zh": "YAML 解析器"},
    "library_regex": {"en": "the regular expression compiler", "zh": "正则表达式编译器"},
    "library_os": {"en": "the operating system", "zh": "操作系统"},
    "library_click": {"en": "the command line parser", "zh": "命令行解析器"},
    "library_credentials": {"en": "the Alibaba Cloud credentials library", "zh": "阿里云凭证库"},
    "library_jsonschema": {"en": "the JSON Schema validator", "zh": "JSON Schema 校验器"},
    "library_hcl": {"en": "the HCL parser", "zh": "HCL 解析器"},
    "library_live_import": {"en": "Python's import system", "zh": "Python 导入机制"},
    "library_worded": {"en": "the snapshot file", "zh": "快照文件"},
    "library_other": {"en": "another library", "zh": "其他程序库"},
    "owner": {"en": "owner", "zh": "负责人"},
    "expires": {"en": "expires", "zh": "到期"},
    "md_title_ok": {"en": "preflight: OK", "zh": "preflight：通过"},
    "md_title_fail": {"en": "preflight: NOT OK", "zh": "preflight：不通过"},
    "md_failures": {"en": "Findings that fail the run", "zh": "导致运行失败的问题"},
    "md_other": {"en": "Other findings", "zh": "其他问题"},
    "md_waived": {"en": "Waived", "zh": "已豁免"},
    "md_warnings": {"en": "Warnings", "zh": "警告"},
    "md_none": {"en": "Nothing fails the run.", "zh": "没有导致运行失败的问题。"},
    "md_export": {"en": "export", "zh": "导出"},
    "gh_title": {"en": "{rule} {status} · {title}", "zh": "{rule} {status} · {title}"},
    "st_pass": {"en": "passed", "zh": "通过"},
    "st_fail": {"en": "failed", "zh": "失败"},
    "st_unknown": {"en": "unknown", "zh": "未知"},
    "st_skip": {"en": "skipped", "zh": "跳过"},
    "st_waived": {"en": "waived", "zh": "豁免"},
    "unknown_result": {"en": "could not be checked ({title})", "zh": "无法检查（{title}）"},
    "sarif_base": {
        "en": "The working directory preflight ran in (the repository root in CI); artifact URIs are relative to it.",
        "zh": "preflight 运行时的工作目录（在 CI 中即仓库根目录）；产物 URI 相对于它。",
    },
    # -- errors of the run (exit 2) -------------------------------------------------------------------------
    "err_yaml_mapping": {"en": "expected a mapping of {keys}", "zh": "应为包含 {keys} 的映射"},
    "err_unknown_key": {"en": "unknown key {key!r} (allowed: {allowed})", "zh": "未知的键 {key!r}（允许：{allowed}）"},
    "err_unknown_rule": {"en": "unknown rule id {rule!r} (see: preflight rules list)",
                         "zh": "未知的规则 ID {rule!r}（参见：preflight rules list）"},
    "err_type": {"en": "{key} must be {expected}", "zh": "{key} 必须是{expected}"},
    "err_severity": {"en": "{key} must be one of error, warning, info", "zh": "{key} 必须是 error、warning、info 之一"},
    "err_bad_date": {"en": "expires must be a date written YYYY-MM-DD, got {value!r}",
                     "zh": "expires 必须是 YYYY-MM-DD 格式的日期，实际为 {value!r}"},
    "err_yaml_date": {"en": "not valid YAML: {value} is not a valid date (YYYY-MM-DD); quote it if it is no date",
                      "zh": "不是有效的 YAML：{value} 不是有效的日期（YYYY-MM-DD）；如果它不是日期，请加引号"},
    "err_yaml_value": {"en": "not valid YAML: {reason}", "zh": "不是有效的 YAML：{reason}"},
    "err_required": {"en": "missing required key {key!r}", "zh": "缺少必需的键 {key!r}"},
    "err_star_unscoped": {
        "en": "a waiver of every rule ('*') needs a subject, resource or paths scope",
        "zh": "豁免所有规则（'*'）时必须给出 subject、resource 或 paths 范围",
    },
    "err_mandatory_disabled": {"en": "rule {rule} is mandatory and cannot be disabled",
                               "zh": "规则 {rule} 是强制规则，不能被禁用"},
    "err_no_file": {"en": "no such file", "zh": "文件不存在"},
    "err_baseline_shape": {
        "en": "not a preflight baseline: expected {{\"version\": 1, \"findings\": [{{\"fingerprint\": ...}}]}}",
        "zh": "不是 preflight 基线文件：应为 {{\"version\": 1, \"findings\": [{{\"fingerprint\": ...}}]}}",
    },
    "err_baseline_finding": {"en": "a finding needs a string 'fingerprint'",
                             "zh": "每个问题都需要字符串类型的 'fingerprint'"},
    "err_report_flag": {"en": "--report {value!r}: expected FORMAT=PATH with FORMAT one of {formats}",
                        "zh": "--report {value!r}：应为 FORMAT=PATH，FORMAT 取 {formats} 之一"},
    "err_choice": {"en": "{flag} {value!r}: expected one of {allowed}", "zh": "{flag} {value!r}：应为 {allowed} 之一"},
    "err_write": {"en": "cannot write {path}: {reason}", "zh": "无法写入 {path}：{reason}"},
    "err_baseline_both": {"en": "give either --baseline or --write-baseline, not both",
                          "zh": "--baseline 与 --write-baseline 只能给出其一"},
    "err_waivers_both": {"en": "give either --waivers or --no-waivers, not both",
                         "zh": "--waivers 与 --no-waivers 只能给出其一"},
    "err_nothing": {"en": "nothing to check: give a snapshot file or directory, or --live with a request",
                    "zh": "没有可检查的内容：请给出快照文件或目录，或使用 --live 并给出请求参数"},
    "err_live_needs_request": {
        "en": "--live needs a request: --RegionId, --ImageId and --OSSBucket, or --requests FILE",
        "zh": "--live 需要请求参数：--RegionId、--ImageId 和 --OSSBucket，或 --requests FILE",
    },
    "err_flags_need_live": {
        "en": "request flags (--RegionId, --requests, ...) go with --live; to check a snapshot, give its path",
        "zh": "请求参数（--RegionId、--requests 等）需与 --live 一起使用；要检查快照，请给出其路径",
    },
    "err_live_and_paths": {"en": "give either --live or snapshot paths, not both",
                           "zh": "--live 与快照路径只能给出其一"},
    "err_not_snapshot": {
        "en": "neither a preflight snapshot (a JSON object with \"version\" and \"exports\") nor a Terraform, "
        "Terraform plan or ROS file",
        "zh": "既不是 preflight 快照（应为包含 \"version\" 和 \"exports\" 的 JSON 对象），也不是 Terraform、"
        "Terraform 计划或 ROS 文件",
    },
    "err_no_snapshot_in_dir": {"en": "no snapshot, Terraform, plan or ROS file found in this directory",
                               "zh": "此目录中没有找到快照、Terraform、计划或 ROS 文件"},
    "note_module_unread": {
        "en": "{reason}; exports, buckets and roles it creates are not checked",
        "zh": "{reason}；它创建的导出、Bucket 和角色不会被检查",
    },
    "note_inline_waiver": {"en": "inline waiver not honoured: {problem}", "zh": "内联豁免未生效：{problem}"},
    "err_requests_list": {
        "en": "expected a non-empty list of requests ({{RegionId, ImageId, OSSBucket, ...}})",
        "zh": "应为非空的请求列表（{{RegionId, ImageId, OSSBucket, ...}}）",
    },
    "err_request_mapping": {"en": "a request must be a mapping", "zh": "每个请求必须是映射"},
    "err_request_key": {"en": "unknown request key {key!r} (expected {allowed})",
                        "zh": "未知的请求键 {key!r}（应为 {allowed}）"},
    "err_request_string": {"en": "{key} must be a string", "zh": "{key} 必须是字符串"},
    "err_endpoint": {"en": "--endpoint {value!r}: expected SERVICE=URL with SERVICE one of {services}",
                     "zh": "--endpoint {value!r}：应为 SERVICE=URL，SERVICE 取 {services} 之一"},
    "err_no_rule": {"en": "no rule {rule!r} (see: preflight rules list)",
                    "zh": "没有规则 {rule!r}（参见：preflight rules list）"},
    "err_usage": {"en": "{message} (see: preflight --help)", "zh": "{message}（参见：preflight --help）"},
}

def _catalogue() -> dict[str, dict[str, str]]:
    from preflight.texts import merged

    return {**CORE, **merged()}


#: every message preflight words itself: key -> {"en": ..., "zh": ...}
MESSAGES = _catalogue()

#: type names used in "must be" errors
EXPECTED: dict[str, dict[str, str]] = {
    "a string": {"en": "a string", "zh": "字符串"},
    "a list of strings": {"en": "a list of strings", "zh": "字符串列表"},
    "a boolean": {"en": "a boolean (true or false)", "zh": "布尔值（true 或 false）"},
    "a mapping": {"en": "a mapping", "zh": "映射"},
    "a list": {"en": "a list", "zh": "列表"},
    "a non-empty string": {"en": "a non-empty string", "zh": "非空字符串"},
    "a rule id, a list of rule ids, or '*'": {"en": "a rule id, a list of rule ids, or '*'",
                                              "zh": "规则 ID、规则 ID 列表或 '*'"},
}


def _expected(value: object, lang: str) -> object:
    if isinstance(value, str) and value in EXPECTED:
        return EXPECTED[value][lang]
    # a literal ("1") after Chinese text is set off by a space: "version 必须是 1"
    return f" {value}" if lang == "zh" and str(value)[:1].isascii() else value


def lang_from_argv(argv: Sequence[str]) -> str:
    """The language of the run before the flags are parsed (for errors in parsing them)."""
    given: str | None = None
    for i, arg in enumerate(argv):  # the last --lang wins, as when the flags are parsed
        if arg == "--lang" and i + 1 < len(argv):
            given = argv[i + 1]
        elif arg.startswith("--lang="):
            given = arg.split("=", 1)[1]
    return given if given in ("en", "zh") else default_lang()  # a bad value is itself an error: in the locale's


def t(message_key: str, lang: str, /, **values: object) -> str:
    """The text of a message in a language; values that are messages themselves are worded in it too."""
    texts = MESSAGES[message_key]
    if values:
        values = {k: _value(k, v, lang) for k, v in values.items()}
    return (texts.get(lang) or texts["en"]).format(**values)


def _value(name: str, value: object, lang: str) -> object:
    return _expected(value, lang) if name == "expected" else in_language(value, lang)


def render(message: Message, lang: str = "en") -> str:
    """The one function that words a message in a language: a catalogue message with its values (themselves
    worded in that language), a list of items, another library's text, a text in both languages, a rule's
    template with its facts (:class:`~preflight.msg.Composed`: it words itself), or a plain string (the same
    in every language; a string that keeps its message, :class:`Worded`, is worded from the message)."""
    if isinstance(message, str):
        return render(message.msg, lang) if isinstance(message, Worded) else message
    if isinstance(message, Listing):
        return ("、" if lang == "zh" else ", ").join(str(in_language(item, lang)) for item in message.items)
    if isinstance(message, Msg):
        return t(message.key, lang, **message.values)
    if isinstance(message, Text):
        return message.get(lang)
    if isinstance(message, Composed):
        return message.words(lang)
    if lang == "en":
        return message.text
    from preflight.texts.foreign import translate  # the foreign tables are loaded only when one is worded

    worded = translate(message.kind, message.text, lang)
    if worded is not None:
        return worded
    library = MESSAGES.get(f"library_{message.kind}") or MESSAGES["library_other"]
    return t("foreign_quoted", lang, library=library.get(lang) or library["en"], text=message.text)


def in_language(value: object, lang: str) -> object:
    """A value inside a text, in the text's language: a message, another library's text or a :class:`Worded`
    text is worded in it; anything else is itself. (The one place that decides which values are worded.)"""
    return render(value, lang) if isinstance(value, Msg | Foreign | Worded | Text | Composed) else value


class Worded(str):
    """The English text of a catalogue message that keeps the message, so that a report in another language
    words it in that language (rule placeholders: :func:`preflight.rules.format_value`; a live run's unknown
    reasons: the snapshot builder).

    Everywhere else it is that English string: it compares, sorts, hashes and serialises exactly as the text,
    so facts, evidence, JSON, the snapshot document and the memoised answers stay what they were.
    """

    msg: Msg

    def __new__(cls, msg: Msg) -> Worded:
        self = super().__new__(cls, render(msg, "en"))
        self.msg = msg
        return self

    def __getnewargs__(self) -> tuple[Msg]:  # type: ignore[override]  # copy and pickle rebuild from the message
        return (self.msg,)


use_wording(render)


def both(message_key: str, /, **values: object) -> Text:
    """A message in every language the report may be shown in (notes, lint problems)."""
    return Text(*(t(message_key, lang, **values) for lang in LANGS))


def word(value: str, lang: str) -> str:
    """A severity, category or mode as people read it in the language (``error`` -> ``错误``)."""
    texts = MESSAGES.get(f"word_{value}")
    return texts.get(lang, value) if texts else value


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (a CJK character takes two)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - used)


def colon(lang: str) -> str:
    """The colon between a label and its text: full-width in Chinese ("修复：…"), ": " in English."""
    return "：" if lang == "zh" else ": "


def default_lang() -> str:
    """``zh`` when the locale says Chinese (LANG=zh_CN.UTF-8 and the like), else ``en``.

    As GNU gettext reads them: the first of LC_ALL, LC_MESSAGES, LANG that is set is the locale; LANGUAGE
    (a priority list such as ``zh_CN:en``) overrides it for messages, except in the C/POSIX locale."""
    locale = next((v for v in (os.environ.get(k, "") for k in ("LC_ALL", "LC_MESSAGES", "LANG")) if v), "")
    if locale and locale.split(".")[0] not in ("C", "POSIX"):
        for choice in os.environ.get("LANGUAGE", "").split(":"):
            if choice:
                return "zh" if choice.lower().startswith("zh") else "en"
    return "zh" if locale.lower().startswith("zh") else "en"
