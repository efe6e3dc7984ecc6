"""The project configuration ``.preflight.yaml`` (``schemas/config.schema.json``).

Found from the working directory upwards to the repository root (the first directory holding ``.git``;
only the working directory itself outside a repository), or given with ``--config``. Never next to the
input files. Example::

    fail_on: warning                  # error | warning | info: the lowest severity that fails the run
    rules:
      PF210: {enabled: false}         # not evaluated at all
      PF305: {severity: error}        # severity override
    mandatory: [PF501, PF502]         # no waiver may silence these
    waivers: .preflight/waivers.yaml  # relative to this file (default: looked up like this file)
    export_roles: [ImageExportRole]   # IaC: the RAM roles and OSS buckets that exports use
    export_buckets: [corp-image-exports]

Unknown keys, unknown rule ids and wrong types are errors (exit 2) naming the file and line. The checks are
made by hand (cheap, and worded in both languages); a test keeps them in agreement with the schema.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from preflight.errors import Listing, Msg, PreflightError, error
from preflight.fieldrepr import FieldsRepr
from preflight.model import Severity

if TYPE_CHECKING:
    from preflight.rules import Rule

CONFIG_NAME = ".preflight.yaml"
WAIVERS_NAME = ".preflight/waivers.yaml"
TOP_KEYS = ("version", "fail_on", "rules", "mandatory", "waivers", "export_roles", "export_buckets", "max_file_size")
RULE_KEYS = ("enabled", "severity")
SEVERITIES = tuple(s.value for s in Severity)


@dataclass(frozen=True, repr=False)
class RuleSetting(FieldsRepr):
    """A rule's settings from the configuration file: on or off, and its severity."""

    enabled: bool = True
    severity: Severity | None = None


@dataclass(frozen=True, repr=False)
class Config(FieldsRepr):
    """The settings of a run. ``Config()`` is the default when no file is found."""

    #: display path of the file, ``None`` when there is none
    path: str | None = None
    fail_on: Severity | None = None
    rules: Mapping[str, RuleSetting] = field(default_factory=dict)
    mandatory: tuple[str, ...] = ()
    #: the waivers file this config names (resolved against the config file's directory)
    waivers: Path | None = None
    #: for IaC sources: the names of RAM roles and OSS buckets that exports use (a role or bucket defined in
    #: the files is checked on its own when its name is listed here)
    export_roles: tuple[str, ...] = ()
    export_buckets: tuple[str, ...] = ()
    #: the largest file a run reads, in bytes (``max_file_size:``); None: the default (or ``--max-file-size``)
    max_file_size: int | None = None
    #: line of each rule id mentioned (for errors found once the rules are known)
    rule_lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)
    #: ``export_buckets`` written as a map ``REGION: BUCKET`` (preflight audit: each region's export bucket;
    #: its buckets are ``export_buckets`` too)
    export_bucket_by_region: Mapping[str, str] = field(default_factory=dict)


def repository_root(start: Path) -> Path | None:
    for d in (start, *start.parents):
        if (d / ".git").exists():
            return d
    return None


def find_upwards(name: str, start: Path) -> Path | None:
    """``name`` in ``start`` or a parent, up to the repository root (only ``start`` outside a repository)."""
    start = start.resolve()
    root = repository_root(start)
    dirs = [start] if root is None else [start, *start.parents[: len(start.parents) - len(root.parents)]]
    from preflight.sources.common import path_kind

    for d in dirs:
        candidate = d / name
        if path_kind(candidate) == "file":  # a loop or an unreadable name here is an error, not "no config"
            return candidate
    return None


LineOf = Callable[[list[str | int]], int]


def load_yaml(path: Path) -> tuple[Any, str, LineOf]:
    """Parse a YAML file of ours: (data, display path, line of a key path). One-line errors, never a
    traceback (:func:`preflight.yamlpos.load` names the line of an impossible date such as ``2026-13-01``)."""
    from preflight import yamlpos
    from preflight.sources.common import display_path, path_kind, read_text

    display = display_path(path)
    if path_kind(path) in ("missing", "dir"):  # a FIFO or a device: the reader says what it is, unread
        raise error("err_no_file", display)
    data, lines = yamlpos.load(read_text(path), display)
    return data, display, lines.key_line


def load(path: Path) -> Config:
    """Read and check a config file (rule ids are checked later, by :func:`check_rule_ids`)."""
    data, display, line_of = load_yaml(path)
    return parse({} if data is None else data, display, line_of, path.parent)


def parse(data: Any, display: str, line_of: LineOf, base: Path) -> Config:
    """A config from its parsed YAML; ``line_of(path_of_keys) -> int`` locates problems."""
    problems: list[tuple[str | None, Msg]] = []

    def bad(where: Sequence[str | int], message_key: str, /, **values: object) -> None:
        problems.append((f"{display}:{line_of(list(where))}", Msg(message_key, **values)))

    if not isinstance(data, Mapping):
        bad([], "err_yaml_mapping", keys=Listing(TOP_KEYS))
        raise PreflightError.many(problems)
    for key in data:
        if key not in TOP_KEYS:
            bad([key], "err_unknown_key", key=key, allowed=Listing(TOP_KEYS))
    if "version" in data and data["version"] != 1:
        bad(["version"], "err_type", key="version", expected="1")
    fail_on = None
    if "fail_on" in data:
        if data["fail_on"] in SEVERITIES:
            fail_on = Severity(data["fail_on"])
        else:
            bad(["fail_on"], "err_severity", key="fail_on")
    settings: dict[str, RuleSetting] = {}
    rule_lines: dict[str, int] = {}
    rules = data.get("rules", {}) or {}
    if not isinstance(rules, Mapping):
        bad(["rules"], "err_type", key="rules", expected="a mapping")
        rules = {}
    for rule_id, setting in rules.items():
        rule_lines[str(rule_id)] = line_of(["rules", rule_id])
        if not isinstance(setting, Mapping):
            bad(["rules", rule_id], "err_type", key=f"rules.{rule_id}", expected="a mapping")
            continue
        for key in setting:
            if key not in RULE_KEYS:
                bad(["rules", rule_id, key], "err_unknown_key", key=key, allowed=Listing(RULE_KEYS))
        enabled = setting.get("enabled", True)
        if not isinstance(enabled, bool):
            bad(["rules", rule_id, "enabled"], "err_type", key="enabled", expected="a boolean")
            enabled = True
        severity = setting.get("severity")
        if severity is not None and severity not in SEVERITIES:
            bad(["rules", rule_id, "severity"], "err_severity", key="severity")
            severity = None
        settings[str(rule_id)] = RuleSetting(enabled, Severity(severity) if severity else None)
    mandatory = _strings(data, "mandatory", bad)
    for i, rule_id in enumerate(mandatory):
        rule_lines.setdefault(rule_id, line_of(["mandatory", i]))
        if not settings.get(rule_id, RuleSetting()).enabled:
            bad(["rules", rule_id, "enabled"], "err_mandatory_disabled", rule=rule_id)
    waivers = None
    if "waivers" in data:
        if isinstance(data["waivers"], str) and data["waivers"].strip():
            waivers = base / data["waivers"]
            outside = _outside_repository(waivers, base)
            if outside is not None:
                bad(["waivers"], "path.outside_repository", key="waivers", root=outside)
                waivers = None
        else:
            bad(["waivers"], "err_type", key="waivers", expected="a non-empty string")
    roles = _strings(data, "export_roles", bad)
    by_region: dict[str, str] = {}
    if isinstance(data.get("export_buckets"), Mapping):
        by_region = {str(k): v for k, v in data["export_buckets"].items()}
        if not all(isinstance(k, str) and k and isinstance(v, str) and v for k, v in data["export_buckets"].items()):
            bad(["export_buckets"], "err_type", key="export_buckets",
                expected="a list of bucket names or a map of region to bucket")
            by_region = {}
        buckets = tuple(dict.fromkeys(by_region.values()))
    else:
        buckets = _strings(data, "export_buckets", bad)
    max_size = None
    if "max_file_size" in data:
        max_size = parse_size(data["max_file_size"])
        if max_size is None:
            bad(["max_file_size"], "err_type", key="max_file_size", expected="a size such as 50MB or 1000000")
    caps = {"max_file_size": max_size}
    for key, limit in hard_caps().items():
        value = caps[key]
        if value is not None and value > limit:
            bad([key], "path.config_raises_cap", key=key, value=value, limit=limit)
    if problems:
        raise PreflightError.many(problems)
    return Config(display, fail_on, settings, mandatory, waivers, roles, buckets, max_size, rule_lines,
                  export_bucket_by_region=by_region)


def hard_caps() -> dict[str, int]:
    """The config keys that set a cap, each with the built-in cap it may lower but never raise. A config comes
    with the pull request it is in: it must not make a run read more than preflight's own limit (whoever runs
    preflight may raise it, with ``--max-file-size``). A cap added to the config is added here; a test holds
    this table, ``docs/security.md`` and :func:`parse` together."""
    from preflight.sources.common import DEFAULT_MAX_FILE_SIZE

    return {"max_file_size": DEFAULT_MAX_FILE_SIZE}


_SIZE = re.compile(r"([0-9]{1,15}) ?(?:([KMG])(i?)B?)?")


def parse_size(value: object) -> int | None:
    """A size in bytes from ``1000000``, ``"50MB"``, ``"512KiB"``, ``"1G"`` (K/M/G are 1000s; Ki/Mi/Gi 1024s);
    None when it is not one, or not positive."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if not isinstance(value, str):
        return None
    m = _SIZE.fullmatch(value.strip())
    if m is None:
        return None
    power = " KMG".index(m.group(2)) if m.group(2) else 0
    size = int(m.group(1)) * (1024 if m.group(3) else 1000) ** power
    return size if size > 0 else None


def _outside_repository(path: Path, base: Path) -> str | None:
    """None when ``path`` (named in a config file in ``base``) is inside the config's repository (its root, or
    ``base`` outside a repository), symlinks resolved; else that root, for the error. A config comes with
    the pull request it is in: it must not make a run read any file of the machine (``waivers:
    /home/ci/.aliyun/config.json``). A file given on the command line is the user's own choice."""
    from preflight.sources.common import display_path, resolved

    root = resolved(base)
    root = repository_root(root) or root
    return None if resolved(path).is_relative_to(root) else display_path(root)


def _strings(data: Mapping[str, Any], key: str, bad: Any) -> tuple[str, ...]:
    value = data.get(key, []) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        bad([key], "err_type", key=key, expected="a list of strings")
        return ()
    return tuple(value)


def check_rule_ids(config: Config, known: Iterable[str]) -> None:
    """Every rule id the config names must be a rule of this run (bundled or from ``--rules``)."""
    known = set(known)
    problems: list[tuple[str | None, Msg]] = [
        (f"{config.path}:{line}", Msg("err_unknown_rule", rule=rule_id))
        for rule_id, line in sorted(config.rule_lines.items(), key=lambda kv: kv[1]) if rule_id not in known
    ]
    if problems:
        raise PreflightError.many(problems)


def apply_to_rules(rules: Sequence[Rule], config: Config) -> list[Rule]:
    """The rules to evaluate: disabled ones left out, severities overridden (before evaluation, so every
    result and every report agrees)."""
    out = []
    for rule in rules:
        setting = config.rules.get(rule.id)
        if setting is None:
            out.append(rule)
        elif setting.enabled:
            out.append(dataclasses.replace(rule, severity=setting.severity) if setting.severity else rule)
    return out
