"""Messages of ``preflight audit`` (see :mod:`preflight.texts`): its flags and files, the fleet document,
the summary a reviewer reads first, progress, and why a region or account is unknown."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # -- flags and files --------------------------------------------------------------------------------
    "audit.bad_bucket_flag": {
        "en": "--bucket {value}: expected REGION=BUCKET, one bucket per region",
        "zh": "--bucket {value}：应为 REGION=BUCKET，每个地域一个存储空间",
    },
    "audit.bad_regions": {
        "en": "--regions {value}: expected a comma-separated list of region ids",
        "zh": "--regions {value}：应为以逗号分隔的地域 ID 列表",
    },
    "audit.accounts_list": {
        "en": "expected a non-empty list of accounts ({{account_id, role_arn, name}})",
        "zh": "应为非空的账号列表（{{account_id, role_arn, name}}）",
    },
    "audit.account_mapping": {
        "en": "each account must be a mapping with account_id, role_arn and optionally name",
        "zh": "每个账号必须是包含 account_id、role_arn（可选 name）的映射",
    },
    "audit.account_string": {
        "en": "{key} must be a non-empty string",
        "zh": "{key} 必须是非空字符串",
    },
    "audit.account_required": {
        "en": "the account lacks {key}",
        "zh": "该账号缺少 {key}",
    },
    "audit.account_arn": {
        "en": "role_arn must be acs:ram::{account}:role/NAME (a role in account {account})",
        "zh": "role_arn 必须是 acs:ram::{account}:role/NAME（账号 {account} 中的角色）",
    },
    "audit.account_twice": {
        "en": "account {account} is listed twice",
        "zh": "账号 {account} 被列出了两次",
    },
    "audit.nothing": {
        "en": "nothing to audit: give a fleet snapshot (preflight snapshot --audit -o fleet.json) or --live",
        "zh": "没有可审计的内容：请提供一个账号群快照（preflight snapshot --audit -o fleet.json）或使用 --live",
    },
    "audit.live_and_path": {
        "en": "give either --live or a fleet snapshot, not both",
        "zh": "--live 与账号群快照只能二选一",
    },
    "audit.needs_live": {
        "en": "{flag} reads the accounts: it needs --live",
        "zh": "{flag} 需要读取账号：请同时使用 --live",
    },
    "audit.needs_audit": {
        "en": "{flag} belongs to preflight snapshot --audit",
        "zh": "{flag} 只能与 preflight snapshot --audit 一起使用",
    },
    "audit.snapshot_requests": {
        "en": "snapshot --audit captures every image of the accounts: give no --RegionId/--ImageId/--OSSBucket/"
              "--RoleName/--requests (use --regions and --bucket REGION=BUCKET)",
        "zh": "snapshot --audit 会采集账号中的所有镜像：请勿给出 --RegionId/--ImageId/--OSSBucket/--RoleName/"
              "--requests（请使用 --regions 与 --bucket REGION=BUCKET）",
    },
    "audit.accounts_and_directory": {
        "en": "give either --accounts or --resource-directory, not both",
        "zh": "--accounts 与 --resource-directory 只能二选一",
    },
    "audit.directory_unreadable": {
        "en": "the Resource Directory's accounts could not be listed: {reason}",
        "zh": "无法列出资源目录中的账号：{reason}",
    },
    "audit.source_assumed": {
        "en": "the session of the assumed role {role}",
        "zh": "扮演角色 {role} 所得的会话",
    },
    # -- the fleet document ------------------------------------------------------------------------------
    "audit.not_fleet": {
        "en": "at {pointer}: not a fleet snapshot (an object with \"version\": 1 and \"audit\"); make one with "
              "preflight snapshot --audit",
        "zh": "位于 {pointer}：不是账号群快照（含 \"version\": 1 与 \"audit\" 的对象）；请用 "
              "preflight snapshot --audit 生成",
    },
    "audit.check_fleet": {
        "en": "this is a fleet snapshot (preflight snapshot --audit): replay it with preflight audit FILE",
        "zh": "这是账号群快照（preflight snapshot --audit）：请用 preflight audit FILE 重放",
    },
    "audit.fleet_shape": {
        "en": "at {pointer}: expected {expected}",
        "zh": "位于 {pointer}：应为 {expected}",
    },
    "audit.fleet_account": {
        "en": "at {pointer}: the entity's \"account\" must name an account of /audit/accounts",
        "zh": "位于 {pointer}：该条目的 \"account\" 必须是 /audit/accounts 中的某个账号",
    },
    # -- results ---------------------------------------------------------------------------------------
    "audit.no_bucket": {
        "en": "no bucket is given for this region (--bucket REGION=BUCKET): the bucket is not checked",
        "zh": "未为该地域指定存储空间（--bucket REGION=BUCKET）：不检查存储空间",
    },
    "audit.no_such_region": {
        "en": "the account has no region {region} (DescribeRegions does not list it)",
        "zh": "该账号没有地域 {region}（DescribeRegions 未列出）",
    },
    "audit.gap_subject": {
        "en": "{where} (images not listed)",
        "zh": "{where}（未能列出镜像）",
    },
    "audit.gap_message": {
        "en": "the images here could not be listed, so nothing is known of them: {reason}",
        "zh": "无法列出此处的镜像，因此对它们一无所知：{reason}",
    },
    "audit.gap_remediation": {
        "en": "Grant the audit its read-only permissions in this account (preflight permissions --audit) and "
              "run the audit again.",
        "zh": "在该账号中授予审计所需的只读权限（preflight permissions --audit），然后重新运行审计。",
    },
    # -- the summary -----------------------------------------------------------------------------------
    "audit.summary_head": {
        "en": "Audit: {images} image(s) in {accounts} account(s): {exportable} exportable, {blocked} blocked, "
              "{unknown} unknown",
        "zh": "审计：{accounts} 个账号中的 {images} 个镜像：{exportable} 个可导出，{blocked} 个受阻，{unknown} 个未知",
    },
    "audit.unreachable": {
        "en": "Not read (results unknown): {accounts}",
        "zh": "未能读取（结果未知）：{accounts}",
    },
    "audit.blockers": {"en": "Blockers (images stopped):", "zh": "阻断项（受阻镜像数）："},
    "audit.per_account": {"en": "Per account and region:", "zh": "按账号与地域："},
    "audit.counts": {
        "en": "{images} image(s): {exportable} exportable, {blocked} blocked, {unknown} unknown",
        "zh": "{images} 个镜像：{exportable} 个可导出，{blocked} 个受阻，{unknown} 个未知",
    },
    "audit.gap_line": {"en": "not read: {reason}", "zh": "未能读取：{reason}"},
    "audit.unsafe": {"en": "Unsafe roles and buckets:", "zh": "不安全的角色与存储空间："},
    "audit.unsafe_line": {
        "en": "{kind} {name} (account {account}): {rules}, {images} image(s)",
        "zh": "{kind} {name}（账号 {account}）：{rules}，{images} 个镜像",
    },
    "audit.md_title": {"en": "Fleet audit", "zh": "账号群审计"},
    "audit.md_header": {
        "en": "| Account | Region | Images | Exportable | Blocked | Unknown |",
        "zh": "| 账号 | 地域 | 镜像 | 可导出 | 受阻 | 未知 |",
    },
    "audit.kind_role": {"en": "role", "zh": "角色"},
    "audit.kind_bucket": {"en": "bucket", "zh": "存储空间"},
    "audit.progress": {
        "en": "audit: {done}/{accounts} accounts · {regions}/{total} regions · {images} images · {calls} calls · "
              "{elapsed} s",
        "zh": "审计：账号 {done}/{accounts} · 地域 {regions}/{total} · 镜像 {images} · 调用 {calls} 次 · "
              "{elapsed} 秒",
    },
}
