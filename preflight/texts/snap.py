"""Messages of snap (see :mod:`preflight.texts`): reading snapshots and files, policy documents, and the
reasons a fact of a snapshot is unknown."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # -- reading a file (sources/common.py) ---------------------------------------------------------------
    "snap.is_directory": {"en": "is a directory, expected a file", "zh": "是一个目录，应为文件"},
    "snap.not_utf8": {"en": "not UTF-8 text (byte {byte})", "zh": "不是 UTF-8 文本（第 {byte} 字节处）"},
    "snap.cannot_read": {"en": "cannot read: {reason}", "zh": "无法读取：{reason}"},
    # -- parsing a snapshot ---------------------------------------------------------------------------------
    "snap.bad_json": {"en": "not valid JSON: {reason} (column {column})",
                      "zh": "不是有效的 JSON：{reason}（第 {column} 列）"},
    "snap.json_too_deep": {"en": "not valid JSON: nested too deeply", "zh": "不是有效的 JSON：嵌套层数过深"},
    "snap.unreadable": {"en": "cannot be read: {reason}", "zh": "无法读取：{reason}"},
    # -- the shape of a snapshot ----------------------------------------------------------------------------
    "snap.not_of_type": {"en": "{value} is not of type '{type}'", "zh": "{value} 的类型不是 '{type}'"},
    "snap.required_string": {"en": "{key!r} is a required string", "zh": "{key!r} 是必需的字符串"},
    "snap.not_boolean": {"en": "{value!r} is not a boolean", "zh": "{value!r} 不是布尔值"},
    "snap.not_gib": {"en": "{value} is not a whole number of GiB", "zh": "{value} 不是以 GiB 为单位的整数"},
    "snap.large_number": {"en": "a very large number", "zh": "一个非常大的数"},
    "snap.expected_list": {"en": "expected a list (or {{{wrapper!r}: [...]}})",
                           "zh": "应为列表（或 {{{wrapper!r}: [...]}}）"},
    "snap.unexpected_key": {"en": "unexpected key {key!r} (expected {allowed})",
                            "zh": "意外的键 {key!r}（应为 {allowed} 之一）"},
    "snap.not_one_of": {"en": "{value!r} is not one of {allowed}", "zh": "{value!r} 不是 {allowed} 之一"},
    "snap.match_strings": {"en": "match must be an object of strings", "zh": "match 必须是值都为字符串的对象"},
    "snap.not_snapshot": {"en": "a snapshot must be a JSON object with 'version' and 'exports'",
                          "zh": "快照必须是包含 'version' 和 'exports' 的 JSON 对象"},
    "snap.bad_version": {"en": "unsupported snapshot version {version!r} (this preflight reads 1)",
                         "zh": "不支持的快照版本 {version!r}（此版本的 preflight 只能读取版本 1）"},
    # -- why a fact is unknown ------------------------------------------------------------------------------
    "snap.has_no": {"en": "{pointer} has no {key!r}", "zh": "{pointer} 中没有 {key!r}"},
    "snap.not_in_section": {"en": "{name} is referenced but not in the {section} section",
                            "zh": "{name} 被引用，但不在 {section} 部分中"},
    "snap.task_field_null": {"en": "task {task} has {key} null", "zh": "任务 {task} 的 {key} 为 null"},
    "snap.task_uncertain": {"en": "task {task} may be a running export of this image: {reason}",
                            "zh": "任务 {task} 可能是此镜像正在运行的导出：{reason}"},
    "snap.no_account_id": {"en": "the snapshot has no account_id", "zh": "快照中没有 account_id"},
    "snap.no_section": {"en": "the snapshot has no {section} section", "zh": "快照中没有 {section} 部分"},
    "snap.section_reason": {"en": "{section}: {reason}", "zh": "{section} 部分：{reason}"},
    "snap.not_defined": {"en": "not defined in the files checked", "zh": "所检查的文件中没有定义"},
    "snap.policy_doc_unknown": {"en": "the document of attached policy {names} is not known",
                                "zh": "附加策略 {names} 的文档未知"},
    "snap.empty_trust": {"en": "{pointer} has an empty AssumeRolePolicyDocument",
                         "zh": "{pointer} 的 AssumeRolePolicyDocument 为空"},
    "snap.no_policy_document": {"en": "{pointer} has no PolicyDocument", "zh": "{pointer} 中没有 PolicyDocument"},
    "snap.role_not_joined": {"en": "the role's permissions are judged for each export, and no export was joined",
                             "zh": "角色的权限针对每个导出判断，而此处没有关联任何导出"},
    "snap.disk_no_type": {"en": "a disk mapping of the image has no Type", "zh": "镜像的某个磁盘映射没有 Type"},
    "snap.image_no_disks": {"en": "the image's DiskDeviceMappings list no disk (a custom image always has a "
                                  "system disk): its disks are not known",
                            "zh": "镜像的 DiskDeviceMappings 中没有任何磁盘（自定义镜像总有系统盘）：其磁盘未知"},
    "snap.system_disk_no_snapshot": {"en": "the image's system disk names no SnapshotId (a custom image's system "
                                           "disk is made from a snapshot): its snapshot is not known",
                                     "zh": "镜像的系统盘没有 SnapshotId（自定义镜像的系统盘由快照创建）：其快照未知"},
    # -- policy documents (policy.py) -----------------------------------------------------------------------
    "snap.policy_strings": {"en": "expected a string or a list of strings", "zh": "应为字符串或字符串列表"},
    "snap.policy_principal": {
        "en": "Principal must be \"*\", a list, or an object of Service/RAM/Federated",
        "zh": "Principal 必须是 \"*\"、列表，或包含 Service/RAM/Federated 的对象",
    },
    "snap.policy_principal_kind": {
        "en": "unknown Principal kind {kind!r} (expected Service, RAM or Federated)",
        "zh": "未知的 Principal 类型 {kind!r}（应为 Service、RAM 或 Federated）",
    },
    "snap.policy_condition": {"en": "Condition must be an object", "zh": "Condition 必须是对象"},
    "snap.policy_condition_operator": {"en": "Condition operator {op!r} must map keys to values",
                                       "zh": "Condition 运算符 {op!r} 的值必须是从键到取值的映射"},
    "snap.policy_condition_value": {"en": "Condition {op} {key} has no value", "zh": "Condition {op} {key} 没有取值"},
    "snap.policy_bad_json": {"en": "policy document is not valid JSON ({reason} at line {line})",
                             "zh": "策略文档不是有效的 JSON（第 {line} 行：{reason}）"},
    "snap.policy_unreadable": {"en": "policy document cannot be read: {reason}", "zh": "无法读取策略文档：{reason}"},
    "snap.nested_too_deeply": {"en": "nested too deeply", "zh": "嵌套层数过深"},
    "snap.policy_not_object": {"en": "policy document must be an object with Version and Statement",
                               "zh": "策略文档必须是包含 Version 和 Statement 的对象"},
    "snap.policy_statement_list": {"en": "Statement must be a list of statements", "zh": "Statement 必须是语句列表"},
    "snap.policy_statement_object": {"en": "a statement must be an object", "zh": "每条语句都必须是对象"},
    "snap.policy_effect": {"en": "Effect must be Allow or Deny, not {effect!r}",
                           "zh": "Effect 必须是 Allow 或 Deny，而不是 {effect!r}"},
    "snap.conditional_deny": {
        "en": "a conditional Deny (statement {which}) may stop ECS from assuming the role",
        "zh": "带条件的 Deny（语句 {which}）可能阻止 ECS 扮演该角色",
    },
    "snap.account_scoped": {
        "en": "the policies scope their Resource to accounts, and the account that owns bucket {bucket} is not known",
        "zh": "策略的 Resource 限定了账号，而存储桶 {bucket} 所属的账号未知",
    },
    "snap.depends_on_image_id": {
        "en": "whether ECS may use {actions} depends on the ID of image {image}, which is known only once it is "
              "created (the names of the objects it writes hold the ID)",
        "zh": "ECS 能否使用 {actions} 取决于镜像 {image} 的 ID，而该 ID 要在镜像创建后才能确定"
              "（导出写入的对象名称中含有该 ID）",
    },
    "snap.depends_on_conditions": {"en": "whether ECS may use {actions} depends on policy Conditions",
                                   "zh": "ECS 能否使用 {actions} 取决于策略中的 Condition"},
    # -- what the policy analysis found (facts shown in rule messages and evidence) ------------------------
    "snap.statement_ref": {"en": "statement {index} of policy {policy}", "zh": "策略 {policy} 的语句 {index}"},
    "snap.statement_ref_conditional": {"en": "statement {index} of policy {policy} (under its Condition)",
                                       "zh": "策略 {policy} 的语句 {index}（在其 Condition 成立时）"},
    "snap.decision_allowed": {"en": "{action} on {resource}: allowed by {by}",
                              "zh": "对 {resource} 执行 {action}：允许（{by}）"},
    "snap.decision_denied": {"en": "{action} on {resource}: denied by {by}",
                             "zh": "对 {resource} 执行 {action}：拒绝（{by}）"},
    "snap.decision_depends": {"en": "{action} on {resource}: depends on {keys} ({by})",
                              "zh": "对 {resource} 执行 {action}：取决于 {keys}（{by}）"},
    "snap.decision_depends_condition": {"en": "{action} on {resource}: depends on its Condition ({by})",
                                        "zh": "对 {resource} 执行 {action}：取决于其 Condition（{by}）"},
    "snap.decision_none": {"en": "{action} on {resource}: no statement allows it",
                           "zh": "对 {resource} 执行 {action}：没有任何语句允许"},
    "snap.excess_action": {"en": "{action} in {where}", "zh": "{where} 中的 {action}"},
    "snap.excess_not_action": {"en": "NotAction (allows everything but {actions}) in {where}",
                               "zh": "{where} 中的 NotAction（允许除 {actions} 之外的一切操作）"},
    # -- policy evaluation: broken documents, public bucket policies (policy.py) ------------------------------
    "snap.public_grant": {"en": "statement {index} lets anyone {exposed} objects ({by})",
                          "zh": "语句 {index} 允许任何人{exposed}对象（{by}）"},
    "snap.public_grant_not_action": {"en": "NotAction: every action but {actions}",
                                     "zh": "NotAction：除 {actions} 之外的全部操作"},
    "snap.exposure_read": {"en": "read", "zh": "读取"},
    "snap.exposure_list": {"en": "list", "zh": "列出"},
    "snap.exposure_write": {"en": "write", "zh": "写入"},
    "snap.exposure_delete": {"en": "delete", "zh": "删除"},
    "snap.policy_doc_named": {"en": "policy {name}", "zh": "策略 {name}"},
    "snap.policy_doc_trust": {"en": "the trust policy", "zh": "信任策略"},
    "snap.policy_doc_bucket": {"en": "the bucket policy", "zh": "Bucket 授权策略"},
    "snap.policy_gap_item": {"en": "statement {index} has no {element}", "zh": "语句 {index} 没有 {element}"},
    "snap.policy_gap": {
        "en": "{doc} cannot be read as RAM/OSS would ({missing}; they reject such a document), "
              "so what it allows is not known",
        "zh": "{doc}：无法按 RAM/OSS 的方式解读（{missing}；RAM/OSS 不接受这样的文档），因此不知道它允许什么",
    },
    "snap.policy_no_statement": {
        "en": "{doc} has no Statement (RAM/OSS reject such a document), so what it allows is not known",
        "zh": "{doc}：没有 Statement（RAM/OSS 不接受这样的文档），因此不知道它允许什么",
    },
    "snap.policy_gap_pointer": {"en": "the statement has no {element}", "zh": "该语句没有 {element}"},
    "snap.policy_no_statement_pointer": {"en": "the policy document has no Statement",
                                         "zh": "策略文档没有 Statement"},
    "snap.decision_broken": {"en": "{action} on {resource}: cannot tell ({why})",
                             "zh": "对 {resource} 执行 {action}：无法判断（{why}）"},
    "snap.trust_condition": {"en": "statement {index}: {operator} {key} {values}",
                             "zh": "语句 {index}：{operator} {key} {values}"},
}

#: texts of the json module (JSONDecodeError.msg, from json/decoder.py and _json.c; the int digit limit;
#: the recursion limit) and of the OS (OSError.strerror, glibc and macOS wording)
