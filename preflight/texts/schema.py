"""Messages of schema (see :mod:`preflight.texts`): JSON Schema violations, worded as jsonschema words them.

The English of each message is exactly what jsonschema (``jsonschema/_keywords.py``) prints, so a report
in English is unchanged; :func:`preflight.schemas.problems` checks that per violation and falls back to
``schema.other`` (jsonschema's own text, quoted verbatim in Chinese) when they differ.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "schema.at": {"en": "at {pointer}: {message}", "zh": "位置 {pointer}：{message}"},
    "schema.other": {"en": "{message}", "zh": "不符合要求：{message}"},
    "schema.type": {"en": "{instance!r} is not of type {types}", "zh": "{instance!r} 的类型不是 {types}"},
    "schema.required": {"en": "{property!r} is a required property", "zh": "缺少必需的属性 {property!r}"},
    "schema.additional_one": {
        "en": "Additional properties are not allowed ({extras} was unexpected)",
        "zh": "不允许额外的属性（{extras} 是多余的）",
    },
    "schema.additional_many": {
        "en": "Additional properties are not allowed ({extras} were unexpected)",
        "zh": "不允许额外的属性（{extras} 是多余的）",
    },
    "schema.no_regex_one": {
        "en": "{extras} does not match any of the regexes: {patterns}",
        "zh": "{extras} 不匹配以下任何正则表达式：{patterns}",
    },
    "schema.no_regex_many": {
        "en": "{extras} do not match any of the regexes: {patterns}",
        "zh": "{extras} 不匹配以下任何正则表达式：{patterns}",
    },
    "schema.enum": {"en": "{instance!r} is not one of {allowed!r}", "zh": "{instance!r} 不是 {allowed!r} 之一"},
    "schema.const": {"en": "{const!r} was expected", "zh": "应为 {const!r}"},
    "schema.pattern": {"en": "{instance!r} does not match {pattern!r}", "zh": "{instance!r} 不匹配 {pattern!r}"},
    "schema.format": {"en": "{instance!r} is not a {format!r}", "zh": "{instance!r} 不是有效的 {format!r}"},
    "schema.non_empty": {"en": "{instance!r} should be non-empty", "zh": "{instance!r} 不能为空"},
    "schema.expected_empty": {"en": "{instance!r} is expected to be empty", "zh": "{instance!r} 应为空"},
    "schema.too_short": {"en": "{instance!r} is too short", "zh": "{instance!r} 太短"},
    "schema.too_long": {"en": "{instance!r} is too long", "zh": "{instance!r} 太长"},
    "schema.too_few_items": {"en": "{instance!r} is too short", "zh": "{instance!r} 的元素太少"},
    "schema.too_many_items": {"en": "{instance!r} is too long", "zh": "{instance!r} 的元素太多"},
    "schema.too_few_properties": {"en": "{instance!r} does not have enough properties",
                                  "zh": "{instance!r} 的属性太少"},
    "schema.too_many_properties": {"en": "{instance!r} has too many properties", "zh": "{instance!r} 的属性太多"},
    "schema.unique": {"en": "{instance!r} has non-unique elements", "zh": "{instance!r} 含有重复的元素"},
    "schema.minimum": {"en": "{instance!r} is less than the minimum of {limit!r}",
                       "zh": "{instance!r} 小于最小值 {limit!r}"},
    "schema.maximum": {"en": "{instance!r} is greater than the maximum of {limit!r}",
                       "zh": "{instance!r} 大于最大值 {limit!r}"},
    "schema.exclusive_minimum": {"en": "{instance!r} is less than or equal to the minimum of {limit!r}",
                                 "zh": "{instance!r} 小于或等于下限 {limit!r}"},
    "schema.exclusive_maximum": {"en": "{instance!r} is greater than or equal to the maximum of {limit!r}",
                                 "zh": "{instance!r} 大于或等于上限 {limit!r}"},
    "schema.multiple_of": {"en": "{instance!r} is not a multiple of {factor}",
                           "zh": "{instance!r} 不是 {factor} 的倍数"},
    "schema.not_any": {"en": "{instance!r} is not valid under any of the given schemas",
                       "zh": "{instance!r} 不符合任何一种允许的形式"},
    "schema.not": {"en": "{instance!r} should not be valid under {schema!r}",
                   "zh": "{instance!r} 不应符合 {schema!r}"},
    "schema.false": {"en": "False schema does not allow {instance!r}", "zh": "此处不允许任何值：{instance!r}"},
    "schema.dependent_required": {"en": "{each!r} is a dependency of {property!r}",
                                  "zh": "有 {property!r} 时必须同时有 {each!r}"},
    "schema.contains": {"en": "{instance!r} does not contain items matching the given schema",
                        "zh": "{instance!r} 中没有符合要求的元素"},
}
