"""Messages of html (see :mod:`preflight.texts`): the labels of the HTML report (``--format html``)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "html.title": {"en": "preflight report: {verdict}", "zh": "preflight 报告：{verdict}"},
    # the verdict, first thing on the page
    "html.go": {"en": "Go", "zh": "可以导出"},
    "html.nogo": {"en": "No-go", "zh": "不可导出"},
    "html.unsure": {"en": "Could not tell", "zh": "无法判断"},
    # the header
    "html.mode": {"en": "mode", "zh": "模式"},
    "html.inputs": {"en": "inputs", "zh": "输入"},
    "html.no_inputs": {"en": "the account itself (no input files)", "zh": "账号本身（没有输入文件）"},
    "html.threshold": {"en": "fails the run at", "zh": "导致运行失败的级别"},
    "html.subjects_export": {"en": "exports", "zh": "导出"},
    "html.subjects_image": {"en": "images", "zh": "镜像"},
    "html.rules_count": {"en": "rules", "zh": "规则"},
    "html.account": {"en": "account {account}", "zh": "账号 {account}"},
    # filters (shown only with JavaScript; the page reads the same without them)
    "html.filters": {"en": "Filters", "zh": "筛选"},
    "html.category": {"en": "category", "zh": "类别"},
    "html.all": {"en": "all", "zh": "全部"},
    "html.search": {"en": "search", "zh": "搜索"},
    "html.search_hint": {"en": "rule, name, message…", "zh": "规则、名称、信息……"},
    "html.reset": {"en": "show everything", "zh": "显示全部"},
    "html.shown": {"en": "{shown} of {total} results shown", "zh": "显示 {shown} / {total} 项结果"},
    "html.nothing_shown": {"en": "Nothing matches these filters.", "zh": "没有符合这些筛选条件的结果。"},
    # a subject's card
    "html.origin": {"en": "written at", "zh": "写在"},
    "html.blocking": {"en": "Blocking", "zh": "阻止导出"},
    "html.other": {"en": "Other findings", "zh": "其他问题"},
    "html.quiet": {"en": "{passed} passed, {skipped} not applicable", "zh": "{passed} 项通过，{skipped} 项不适用"},
    "html.no_results": {"en": "No exports found in the input.", "zh": "输入中没有找到任何导出请求。"},
    "html.waived": {"en": "waived", "zh": "已豁免"},
    "html.waiver_source": {"en": "waiver", "zh": "豁免"},
    "html.references": {"en": "references", "zh": "参考"},
    "html.same_fix": {"en": "the same as above", "zh": "与上文相同"},
    # long fixes
    "html.code_block": {"en": "{lang} ({lines} lines)", "zh": "{lang}（{lines} 行）"},
    "html.code": {"en": "code", "zh": "代码"},
    "html.copy": {"en": "copy", "zh": "复制"},
    "html.copied": {"en": "copied", "zh": "已复制"},
    # the rules and their counts, with the passes of a large report
    "html.rules": {"en": "Rules checked", "zh": "已检查的规则"},
    "html.title_col": {"en": "title", "zh": "标题"},
    "html.passes_of": {"en": "where {rule} passed or did not apply", "zh": "{rule} 通过或不适用的对象"},
    "html.show_list": {"en": "list them", "zh": "列出"},
    "html.large_note": {
        "en": "A large report: {count} passing and not-applicable results are counted per rule below, not listed "
        "one by one (with JavaScript, a rule's list opens on demand); findings that do not fail the run show "
        "their rule's fix. The JSON report (--format json) has every result in full.",
        "zh": "大型报告：{count} 项通过和不适用的结果按规则在下方计数，不逐项列出（启用 JavaScript 时"
        "可按需展开某条规则的列表）；不导致运行失败的问题只显示其规则的修复方法。"
        "JSON 报告（--format json）包含每项结果的全部内容。"},
    "html.run_warnings": {"en": "Warnings about the run", "zh": "关于本次运行的警告"},
    # the footer
    "html.footer": {"en": "preflight {version} · run at {time}", "zh": "preflight {version} · 运行于 {time}"},
    "html.footer_no_time": {"en": "preflight {version}", "zh": "由 preflight {version} 生成"},
}
