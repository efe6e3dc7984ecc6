"""Messages of live (see :mod:`preflight.texts`): the errors that stop a live run (credentials, endpoints,
SDK) and the reasons a fact read from the account is unknown (``live_errors.reason_msg``)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # -- why a fact is unknown (recorded in the snapshot's "unknown" list, in English there) -----------------
    "live.denied": {
        "en": "AccessDenied: the credentials lack {permission} ({code})",
        "zh": "AccessDenied：凭证缺少 {permission} 权限（{code}）",
    },
    "live.denied_plain": {
        "en": "AccessDenied: access denied ({code})",
        "zh": "AccessDenied：访问被拒绝（{code}）",
    },
    "live.throttled": {
        "en": "throttled after {retries} retries ({code})",
        "zh": "重试 {retries} 次后仍被限流（{code}）",
    },
    "live.server_error": {
        "en": "HTTP {status} after {retries} retries ({code})",
        "zh": "重试 {retries} 次后服务端仍返回 HTTP {status}（{code}）",
    },
    "live.timed_out": {
        "en": "timed out after {retries} retries",
        "zh": "重试 {retries} 次后仍然超时",
    },
    "live.timed_out_limit": {
        "en": "timed out after {retries} retries (limit {limit} s)",
        "zh": "重试 {retries} 次后仍然超时（时限 {limit} 秒）",
    },
    "live.unreachable": {
        "en": "endpoint unreachable after {retries} retries",
        "zh": "重试 {retries} 次后仍无法连接端点",
    },
    "live.unreachable_at": {
        "en": "endpoint {where} unreachable after {retries} retries",
        "zh": "重试 {retries} 次后仍无法连接端点 {where}",
    },
    "live.refused": {"en": "{code}", "zh": "调用失败：{code}"},
    "live.refused_status": {"en": "HTTP {status} {code}", "zh": "调用失败：HTTP {status} {code}"},
    "live.failed": {"en": "failed: {detail}", "zh": "调用失败：{detail}"},
    "live.failed_unexpected": {"en": "failed: unexpected error", "zh": "调用失败：意外错误"},
    "live.no_policy_document": {
        "en": "GetPolicyVersion answered without a PolicyDocument",
        "zh": "GetPolicyVersion 的应答中没有 PolicyDocument",
    },
    "live.document_not_fetched": {
        "en": "the policy document was not fetched",
        "zh": "未获取到策略文档",
    },
    "live.attached_not_listed": {
        "en": "the attached policies were not listed",
        "zh": "未列出角色附加的策略",
    },
    "live.bucket_policy_not_fetched": {
        "en": "the bucket policy was not fetched",
        "zh": "未获取到存储桶策略",
    },
    "live.redirect_refused": {
        "en": "the endpoint answered HTTP {status}, a redirect to {detail}; redirects are never followed",
        "zh": "端点返回 HTTP {status}，即重定向到 {detail}；preflight 从不跟随重定向",
    },
    "live.too_large": {
        "en": "the answer is larger than the response size cap ({limit} bytes)",
        "zh": "应答超过了响应大小上限（{limit} 字节）",
    },
    "live.malformed": {
        "en": "the answer is not in the API's shape ({detail})",
        "zh": "应答不符合该 API 的格式（{detail}）",
    },
    "live.deadline": {
        "en": "the run deadline ({limit} s) passed before the answer came",
        "zh": "在收到应答之前已超过运行时限（{limit} 秒）",
    },
    "live.page_cap": {
        "en": "the list has more pages than the page cap ({limit} pages); the rest was not read",
        "zh": "列表的页数超过了分页上限（{limit} 页）；其余部分未读取",
    },
    "live.snapshot_not_returned": {
        "en": "DescribeSnapshots did not return snapshot {snapshot}, which the image references",
        "zh": "DescribeSnapshots 未返回镜像所引用的快照 {snapshot}",
    },
    "live.snapshot_not_found": {
        "en": "DescribeSnapshots answered {code} for snapshot {snapshot}, which the image references",
        "zh": "DescribeSnapshots 对镜像所引用的快照 {snapshot} 返回了 {code}",
    },
    "live.missing_part": {
        "en": "the answer has no {path} (not in the API's shape)",
        "zh": "应答中缺少 {path}（不符合该 API 的格式）",
    },
    "live.malformed_at": {
        "en": "the answer does not have the API's shape at {pointer}: {problem}",
        "zh": "应答在 {pointer} 处不符合该 API 的格式：{problem}",
    },
    "live.bad_limit": {
        "en": "{name} must be a positive number, not {value!r}",
        "zh": "{name} 必须是正数，而不是 {value!r}",
    },
    # -- endpoints ---------------------------------------------------------------------------------------------
    "live.endpoint_bad": {
        "en": "--endpoint {service}={value}: {problem}; expected e.g. {service}=https://{service}.example.com "
        "or {service}=http://127.0.0.1:8765",
        "zh": "--endpoint {service}={value}：{problem}；应为例如 {service}=https://{service}.example.com "
        "或 {service}=http://127.0.0.1:8765",
    },
    "live.endpoint_bad_env": {
        "en": "{variable}={value}: {problem}; expected e.g. https://{service}.example.com or http://127.0.0.1:8765",
        "zh": "{variable}={value}：{problem}；应为例如 https://{service}.example.com 或 http://127.0.0.1:8765",
    },
    "live.endpoint_malformed": {"en": "malformed host or port", "zh": "主机或端口格式错误"},
    "live.endpoint_scheme": {
        "en": "scheme {scheme!r} (use http or https)",
        "zh": "不支持的协议 {scheme!r}（请使用 http 或 https）",
    },
    "live.endpoint_no_host": {"en": "no host", "zh": "缺少主机名"},
    "live.endpoint_path": {
        "en": "a path or query (give scheme://host[:port] only)",
        "zh": "含有路径或查询参数（只能给出 scheme://host[:port]）",
    },
    "live.endpoint_userinfo": {"en": "user info in the URL", "zh": "URL 中含有用户信息"},
    "live.endpoint_service": {
        "en": "--endpoint {name}={value}: unknown service {name!r}; expected one of {services}",
        "zh": "--endpoint {name}={value}：未知的服务 {name!r}；应为 {services} 之一",
    },
    "live.loopback_only": {
        "en": "{env} is set but the {service} endpoint is {url}; pass --endpoint {service}=http://127.0.0.1:PORT",
        "zh": "已设置 {env}，但 {service} 端点是 {url}；请传入 --endpoint {service}=http://127.0.0.1:PORT",
    },
    # -- credentials -------------------------------------------------------------------------------------------
    "live.no_credentials": {
        "en": "no Alibaba Cloud credentials found (looked at the environment, ~/.aliyun/config.json and "
        "~/.alibabacloud/credentials.ini): set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET "
        "(and ALIBABA_CLOUD_SECURITY_TOKEN for STS), or run `aliyun configure` and pass --profile NAME "
        "(or set ALIBABA_CLOUD_PROFILE)",
        "zh": "未找到阿里云凭证（已查看环境变量、~/.aliyun/config.json 和 ~/.alibabacloud/credentials.ini）："
        "请设置 ALIBABA_CLOUD_ACCESS_KEY_ID 和 ALIBABA_CLOUD_ACCESS_KEY_SECRET（使用 STS 时还需设置 "
        "ALIBABA_CLOUD_SECURITY_TOKEN），或运行 `aliyun configure` 并传入 --profile NAME"
        "（或设置 ALIBABA_CLOUD_PROFILE）",
    },
    "live.profile_not_found": {
        "en": "profile {profile!r} not found in {cli_file} or {ini_file}: create it with "
        "`aliyun configure --profile {profile}`, or pass another --profile",
        "zh": "在 {cli_file} 和 {ini_file} 中都找不到 profile {profile!r}：请用 "
        "`aliyun configure --profile {profile}` 创建，或传入其他 --profile",
    },
    "live.bad_credential": {
        "en": "credential must be an AccessKey or an alibabacloud_credentials provider (with get_credentials())",
        "zh": "credential 必须是 AccessKey 或 alibabacloud_credentials 的凭证提供者（带有 get_credentials()）",
    },
    "live.no_usable_credentials": {
        "en": "{what} gave no usable credentials ({tried}); check the profile with `aliyun configure list`, "
        "or set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "zh": "{what}未能给出可用的凭证（{tried}）；请用 `aliyun configure list` 检查 profile，"
        "或设置 ALIBABA_CLOUD_ACCESS_KEY_ID 和 ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    },
    "live.what_profile": {"en": "profile {profile!r}", "zh": "名为 {profile!r} 的 profile "},
    "live.what_chain": {"en": "the credentials chain", "zh": "凭证链"},
    "live.tried_nothing": {"en": "nothing to try", "zh": "没有可尝试的来源"},
    "live.tried_failed": {"en": "{source}: {error}", "zh": "{source}：出错（{error}）"},
    "live.failure": {"en": "{kind}: {text}", "zh": "异常 {kind}：{text}"},
    "live.tried_failed_more": {"en": "{source}: {error}; {rest}", "zh": "{source}：出错（{error}）；{rest}"},
    "live.tried_empty": {"en": "{source}: empty AccessKey", "zh": "{source}：AccessKey 为空"},
    "live.tried_empty_more": {"en": "{source}: empty AccessKey; {rest}", "zh": "{source}：AccessKey 为空；{rest}"},
    "live.source_env": {"en": "environment variables", "zh": "环境变量"},
    "live.source_oidc": {"en": "OIDC (ALIBABA_CLOUD_ROLE_ARN, ...)", "zh": "OIDC（ALIBABA_CLOUD_ROLE_ARN 等）"},
    "live.source_profile": {"en": "profile {profile!r} in {path}", "zh": "{path} 中的 profile {profile!r}"},
    "live.source_current_profile": {"en": "profile 'current' in {path}", "zh": "{path} 中的当前 profile"},
    "live.source_ecs_role": {"en": "ECS RAM role (instance metadata)", "zh": "ECS RAM 角色（实例元数据）"},
    "live.source_uri": {"en": "ALIBABA_CLOUD_CREDENTIALS_URI", "zh": "ALIBABA_CLOUD_CREDENTIALS_URI 凭证地址"},
    "live.source_access_key": {"en": "the given AccessKey", "zh": "传入的 AccessKey"},
    "live.source_provider": {"en": "the given credentials provider", "zh": "传入的凭证提供者"},
    "live.credentials_rejected": {
        "en": "the cloud rejected the credentials from {source} ({code} from {where}): "
        "check ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET (or the --profile), "
        "and that the local clock is right",
        "zh": "云端拒绝了来自{source}的凭证（{where} 返回 {code}）："
        "请检查 ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET（或 --profile），"
        "并确认本机时钟准确",
    },
    "live.nothing_reachable": {
        "en": "no endpoint reachable ({endpoints}): check the network, proxy settings (HTTPS_PROXY) and any "
        "--endpoint / PREFLIGHT_ENDPOINT_* values",
        "zh": "无法连接任何端点（{endpoints}）：请检查网络、代理设置（HTTPS_PROXY）以及 "
        "--endpoint / PREFLIGHT_ENDPOINT_* 的值",
    },
    "live.sdk_missing": {
        "en": "the Alibaba Cloud SDK cannot be imported ({module}: {problem}); live mode needs the packages "
        "preflight-export depends on: reinstall it (pip install --force-reinstall preflight-export)",
        "zh": "无法导入阿里云 SDK（{module}：{problem}）；live 模式需要 preflight-export 所依赖的包："
        "请重新安装（pip install --force-reinstall preflight-export）",
    },
}
