"""The command line (typer). Flags in, calls to ``run``/``rules``/reporters, text out, exit code. No logic.

Exit codes: 0 nothing fails at the threshold · 1 something does · 2 the run itself could not be done
(bad input, bad rule, bad flag, no credentials). Every error is one line per problem on stderr.
"""

import contextvars
import datetime
import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from preflight import __version__
from preflight.errors import Foreign, Listing, Msg, PreflightError, error
from preflight.i18n import lang_from_argv, t

if TYPE_CHECKING:
    from preflight.sources.common import Skip

app = typer.Typer(
    name="preflight",
    help="Will this ECS ExportImage succeed, and is it safe? preflight checks; it never exports.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
rules_app = typer.Typer(help="List and explain the rules.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(rules_app, name="rules")
waivers_app = typer.Typer(help="Check the waivers file.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(waivers_app, name="waivers")

#: report formats (the registry is preflight.reporters.REPORTERS; kept literal here so --help costs nothing)
FORMATS = ("text", "json", "sarif", "junit", "github", "markdown", "html")
LIST_FORMATS = ("text", "json")
AUDIT_FORMATS = (*FORMATS, "csv")
SEVERITIES = ("error", "warning", "info")
# typer re-exports no base class for click's usage errors; BadParameter's ancestry reaches it.
_ClickException: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")

# -- shared options -------------------------------------------------------------------------------------
FormatOpt = Annotated[str, typer.Option(
    "--format", "-f", help="text | json | sarif | junit | github | markdown | html")]
ListFormatOpt = Annotated[str, typer.Option("--format", "-f", help="text | json")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to FILE.")]
RulesOpt = Annotated[list[Path] | None, typer.Option("--rules", help="Extra rule directory (repeatable).")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="en | zh (default: from the locale)")]
RegionOpt = Annotated[str | None, typer.Option("--RegionId", help="ExportImage RegionId")]
ImageOpt = Annotated[str | None, typer.Option("--ImageId", help="ExportImage ImageId")]
BucketOpt = Annotated[str | None, typer.Option("--OSSBucket", help="ExportImage OSSBucket")]
PrefixOpt = Annotated[str | None, typer.Option("--OSSPrefix", help="ExportImage OSSPrefix")]
FormatImgOpt = Annotated[str | None, typer.Option("--ImageFormat", help="ExportImage ImageFormat")]
RoleOpt = Annotated[str | None, typer.Option("--RoleName", help="ExportImage RoleName")]
RequestsOpt = Annotated[Path | None, typer.Option("--requests", help="A JSON/YAML list of requests.")]
EndpointOpt = Annotated[list[str] | None, typer.Option(
    "--endpoint", help="SERVICE=URL (ecs, ram, oss, sts, resourcemanager).")]
# -- preflight audit ------------------------------------------------------------------------------------
AccountsOpt = Annotated[Path | None, typer.Option(
    "--accounts", help="Audit these accounts: a YAML/JSON list of {account_id, role_arn, name}.")]
DirectoryOpt = Annotated[bool, typer.Option(
    "--resource-directory", help="Audit every member account of the Resource Directory (ListAccounts).")]
AssumeRoleOpt = Annotated[str | None, typer.Option(
    "--assume-role-name", help="The role assumed in each member account (default "
    "ResourceDirectoryAccountAccessRole).")]
RegionsOpt = Annotated[str | None, typer.Option("--regions", help="Only these regions: a,b (default: all).")]
AuditBucketOpt = Annotated[list[str] | None, typer.Option(
    "--bucket", metavar="REGION=BUCKET", help="The export bucket of a region (repeatable); bucket rules are "
    "skipped where none is given.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")]
DeadlineOpt = Annotated[float | None, typer.Option(
    "--deadline", metavar="SECONDS", help="Live: give up on calls still unanswered after SECONDS (default 300, "
    "or PREFLIGHT_DEADLINE_S); what they would have told is unknown.")]
ProfileOpt = Annotated[str | None, typer.Option("--profile", help="aliyun CLI profile to use.")]
ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", help="Config file (default: .preflight.yaml from the working directory up to the repository root).")]
WaiversOpt = Annotated[Path | None, typer.Option(
    "--waivers", help="Waivers file (default: the config's, or .preflight/waivers.yaml looked up like the config).")]


def _choice(value: str | None, allowed: tuple[str, ...], flag: str) -> str | None:
    if value is not None and value not in allowed:
        raise error("err_choice", None, flag=flag, value=value, allowed=Listing(allowed))
    return value


def _lang(value: str | None) -> str:
    from preflight.i18n import default_lang
    from preflight.model import LANGS

    return _choice(value, LANGS, "--lang") or default_lang()


def _write(text: str | Iterable[str], output: Path | None) -> None:
    """Write text, or the pieces of a report as they are made, to a file or (None or ``-``) standard output."""
    pieces = map(_printable, (text,) if isinstance(text, str) else text)
    if output is None or str(output) == "-":
        try:
            for piece in pieces:
                sys.stdout.write(piece)
            sys.stdout.flush()  # a full disk is said here, not at exit as an internal error
        except BrokenPipeError:  # `preflight check | head`: the reader has gone; the exit code still counts
            _quiet_stdout()
        except OSError as e:
            _quiet_stdout()
            raise error("err_write", None, path="<stdout>", reason=Foreign("os", e.strerror or str(e))) from None
        return
    try:
        with output.open("w", encoding="utf-8") as f:
            for piece in pieces:
                f.write(piece)
    except OSError as e:
        raise error("err_write", None, path=str(output), reason=Foreign("os", e.strerror or str(e))) from None


def _quiet_stdout() -> None:
    """Point standard output at the null device, so the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (a test's capture)
        pass


_SURROGATE = re.compile("[\ud800-\udfff]")


def _printable(piece: str) -> str:
    """A lone surrogate that reached a report (from a source that let it through) is written as its escape
    ``\\udXXX``: valid text in every format, and inside a JSON string the same value, never a write that
    fails half-way and leaves truncated output."""
    if piece.isascii():  # a C scan: most reports
        return piece
    try:  # a strict encode finds a lone surrogate ~3x faster than the pattern's search (it scans in C)
        piece.encode("utf-8")
        return piece
    except UnicodeEncodeError:
        pass
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", piece)


def run_time() -> datetime.datetime:
    """The time of the run shown in reports: now, or ``SOURCE_DATE_EPOCH`` (seconds since 1970, the
    reproducible-builds convention) when it is set, so a report can be regenerated byte for byte."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isascii() and epoch.isdigit() and len(epoch) <= 12:
        return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def _report_targets(values: Sequence[str]) -> list[tuple[str, Path]]:
    """``--report FORMAT=PATH`` (repeatable): each format to its own file (``-`` is standard output)."""
    out = []
    for value in values:
        fmt, sep, path = value.partition("=")
        if not sep or fmt.strip() not in FORMATS or not path.strip():
            raise error("err_report_flag", None, value=value, formats=Listing(FORMATS))
        out.append((fmt.strip(), Path(path.strip())))
    return out


def _requests(flags: dict[str, str | None], requests_file: Path | None) -> list[dict[str, str]]:
    from preflight.run import load_requests_file

    given = {k: v for k, v in flags.items() if v is not None}
    out = load_requests_file(requests_file) if requests_file else []
    if given:
        out.append(given)
    return out


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"preflight {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", is_eager=True,
                                          callback=_version)] = False,
    debug: Annotated[bool, typer.Option(
        "--debug", help="On an internal error, print the traceback too (also PREFLIGHT_DEBUG=1; may be given "
        "after the command).")] = False,
) -> None:
    """Will this ECS ExportImage succeed, and is it safe? preflight checks; it never exports."""


@app.command()
def check(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Snapshots, Terraform files or modules (.tf, .tf.json, plan JSON), ROS templates, directories.")] = None,
    live: Annotated[bool, typer.Option("--live", help="Read the facts from the account (read-only).")] = False,
    region_id: RegionOpt = None,
    image_id: ImageOpt = None,
    oss_bucket: BucketOpt = None,
    oss_prefix: PrefixOpt = None,
    image_format: FormatImgOpt = None,
    role_name: RoleOpt = None,
    requests: RequestsOpt = None,
    endpoint: EndpointOpt = None,
    profile: ProfileOpt = None,
    deadline: DeadlineOpt = None,
    fmt: FormatOpt = "text",
    output: OutputOpt = None,
    report_to: Annotated[list[str] | None, typer.Option(
        "--report", metavar="FORMAT=PATH",
        help="Also write the report in FORMAT to PATH (repeatable: one file per format).")] = None,
    rules: RulesOpt = None,
    lang: LangOpt = None,
    config: ConfigOpt = None,
    fail_on: Annotated[str | None, typer.Option(
        "--fail-on", help="error | warning | info: the lowest severity that fails the run (default: the "
        "config's fail_on, else error).")] = None,
    waivers: WaiversOpt = None,
    no_waivers: Annotated[bool, typer.Option("--no-waivers", help="Apply no waiver: the full picture.")] = False,
    baseline: Annotated[Path | None, typer.Option(
        "--baseline", help="Fail only on findings not recorded in this baseline file.")] = None,
    write_baseline: Annotated[Path | None, typer.Option(
        "--write-baseline", help="Record today's failing and unknown findings in FILE (accepts them).")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Unknown facts fail the run in IaC mode too.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List passing checks in text output.")] = False,
    max_file_size: Annotated[str | None, typer.Option(
        "--max-file-size", metavar="SIZE",
        help="The largest file read, in bytes or with a unit (50MB, 512KiB); default: the config's "
        "max_file_size, else 50MiB. Larger files found in directories are skipped (and said); named ones are "
        "an error.")] = None,
    pre_commit: Annotated[bool, typer.Option(
        "--pre-commit", help="The paths are a commit's changed files: skip what is not IaC or a snapshot, read "
        "each file's module, report only findings in these files.")] = False,
) -> None:
    """Check exports: from offline snapshots, Terraform or ROS files, or --live from the account."""

    from preflight.model import Severity
    from preflight.reporters import RenderOptions, get_chunks
    from preflight.run import CheckOptions, parse_endpoints, resolve_config, resolve_waivers, run_check

    _choice(fmt, FORMATS, "--format")
    _choice(fail_on, SEVERITIES, "--fail-on")
    targets = _report_targets(report_to or [])
    if baseline is not None and write_baseline is not None:
        raise error("err_baseline_both")
    if waivers is not None and no_waivers:
        raise error("err_waivers_both")
    flags = {"RegionId": region_id, "ImageId": image_id, "OSSBucket": oss_bucket, "OSSPrefix": oss_prefix,
             "ImageFormat": image_format, "RoleName": role_name}
    reqs = _requests(flags, requests)
    if reqs and not live:
        raise error("err_flags_need_live")
    if live and paths:
        raise error("err_live_and_paths")
    from preflight.config import parse_size
    from preflight.sources.common import DEFAULT_MAX_FILE_SIZE, set_file_size_cap

    size_flag = None
    if max_file_size is not None:
        size_flag = parse_size(max_file_size)
        if size_flag is None:
            raise error("cli.bad_size", None, value=max_file_size)
    cwd = Path.cwd()
    set_file_size_cap(size_flag or DEFAULT_MAX_FILE_SIZE)  # main() runs each command in its own context
    settings = resolve_config(config, cwd)
    set_file_size_cap(size_flag or settings.max_file_size or DEFAULT_MAX_FILE_SIZE)
    loaded_baseline = None
    if baseline is not None:
        from preflight import baseline as baselines

        loaded_baseline = baselines.load(baseline)
    options = CheckOptions(
        paths=paths or (),
        live=live,
        requests=reqs,
        endpoints=parse_endpoints(endpoint or []),
        profile=profile,
        deadline_s=deadline,
        rules_dirs=rules or (),
        lang=_lang(lang),
        strict=strict,
        threshold=Severity(fail_on) if fail_on else None,
        config=settings,
        waivers=() if no_waivers else resolve_waivers(settings, waivers, cwd),
        no_waivers=no_waivers,
        inline_waivers=not no_waivers,
        baseline=loaded_baseline,
        today=datetime.date.today(),
        pre_commit=pre_commit,
    )
    report = run_check(options)
    if write_baseline is not None:
        from preflight import baseline as baselines

        text, report, recorded = baselines.accept(report, str(write_baseline))
        _write(text, write_baseline)
        written = t("baseline_written", report.lang, count=recorded, path=write_baseline)
        sys.stderr.write(f"preflight: {written}\n")
    now = run_time()
    for target_fmt, target in targets:
        _write(get_chunks(target_fmt)(report, RenderOptions(verbose=verbose, generated_at=now)), target)
    color = (output is None and fmt == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    _write(get_chunks(fmt)(report, RenderOptions(color=color, verbose=verbose, generated_at=now)), output)
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def snapshot(
    region_id: RegionOpt = None,
    image_id: ImageOpt = None,
    oss_bucket: BucketOpt = None,
    oss_prefix: PrefixOpt = None,
    image_format: FormatImgOpt = None,
    role_name: RoleOpt = None,
    requests: RequestsOpt = None,
    endpoint: EndpointOpt = None,
    profile: ProfileOpt = None,
    deadline: DeadlineOpt = None,
    output: OutputOpt = None,
    lang: Annotated[str | None, typer.Option(
        "--lang", help="en | zh: the language of errors (default: from the locale; the snapshot is English)")] = None,
    audit: Annotated[bool, typer.Option(
        "--audit", help="Capture what preflight audit --live reads (every image of the accounts), for "
        "preflight audit FILE.")] = False,
    accounts: AccountsOpt = None,
    resource_directory: DirectoryOpt = False,
    assume_role_name: AssumeRoleOpt = None,
    regions: RegionsOpt = None,
    bucket: AuditBucketOpt = None,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Read the facts from the account (read-only) and write them as an offline snapshot."""

    from preflight.facts.decode import record_reasons
    from preflight.run import CheckOptions, collect_live, parse_endpoints

    language = _lang(lang)  # errors are worded in it (lang_from_argv); a bad value is one of them
    if audit:
        from preflight.audit import collect_fleet

        if any(v is not None for v in (region_id, image_id, oss_bucket, role_name, requests)):
            raise error("audit.snapshot_requests")
        options = _audit_options(None, True, accounts, resource_directory, assume_role_name, regions, bucket,
                                 oss_prefix, image_format, endpoint, profile, deadline, quiet, language, config=config)
        _write(json.dumps(record_reasons(collect_fleet(options)), indent=2, ensure_ascii=False, default=str) + "\n",
               output)
        return
    for flag, given in (("--accounts", accounts), ("--resource-directory", resource_directory),
                        ("--assume-role-name", assume_role_name), ("--regions", regions), ("--bucket", bucket)):
        if given:
            raise error("audit.needs_audit", None, flag=flag)

    flags = {"RegionId": region_id, "ImageId": image_id, "OSSBucket": oss_bucket, "OSSPrefix": oss_prefix,
             "ImageFormat": image_format, "RoleName": role_name}
    options = CheckOptions(live=True, requests=_requests(flags, requests),
                           endpoints=parse_endpoints(endpoint or []), profile=profile, today=datetime.date.today(),
                           deadline_s=deadline)
    document = collect_live(options)
    # a reason live words itself is written in English (str of its message), whatever the language, with the
    # key and values of its message beside it (read back in the reader's language)
    _write(json.dumps(record_reasons(document), indent=2, ensure_ascii=False, default=str) + "\n", output)


@app.command()
def permissions(
    audit: Annotated[bool, typer.Option(
        "--audit", help="The policies preflight audit needs: in each member account, and for the caller.")] = False,
) -> None:
    """Print the least read-only RAM policy a live run needs."""
    from preflight.sources.live import required_permissions_policy

    if audit:
        from preflight.audit import audit_permissions

        sys.stdout.write(json.dumps(audit_permissions(), indent=2) + "\n")
        return
    sys.stdout.write(json.dumps(required_permissions_policy(), indent=2) + "\n")


def _audit_options(path: Path | None, live: bool, accounts: Path | None, resource_directory: bool,
                   assume_role_name: str | None, regions: str | None, bucket: list[str] | None,
                   oss_prefix: str | None, image_format: str | None, endpoint: list[str] | None,
                   profile: str | None, deadline: float | None, quiet: bool, lang: str, **more: Any) -> Any:

    from preflight.audit import AuditOptions, parse_buckets, parse_regions
    from preflight.run import parse_endpoints, resolve_config

    if live and path is not None:
        raise error("audit.live_and_path")
    if accounts is not None and resource_directory:
        raise error("audit.accounts_and_directory")
    if not live:
        for flag, given in (("--accounts", accounts), ("--resource-directory", resource_directory),
                            ("--assume-role-name", assume_role_name), ("--regions", regions), ("--bucket", bucket),
                            ("--endpoint", endpoint), ("--profile", profile)):
            if given:
                raise error("audit.needs_live", None, flag=flag)
    settings = more.pop("settings", None) or resolve_config(more.pop("config", None), Path.cwd())
    return AuditOptions(path=path, live=live, accounts_file=accounts, resource_directory=resource_directory,
                        assume_role_name=assume_role_name, regions=parse_regions(regions),
                        buckets=parse_buckets(bucket or []), prefix=oss_prefix, image_format=image_format,
                        endpoints=parse_endpoints(endpoint or []), profile=profile, deadline_s=deadline, quiet=quiet,
                        lang=lang, config=settings, today=datetime.date.today(), **more)


@app.command()
def audit(
    path: Annotated[Path | None, typer.Argument(help="A fleet snapshot (preflight snapshot --audit).")] = None,
    live: Annotated[bool, typer.Option("--live", help="Read the accounts (read-only).")] = False,
    accounts: AccountsOpt = None,
    resource_directory: DirectoryOpt = False,
    assume_role_name: AssumeRoleOpt = None,
    regions: RegionsOpt = None,
    bucket: AuditBucketOpt = None,
    oss_prefix: PrefixOpt = None,
    image_format: FormatImgOpt = None,
    endpoint: EndpointOpt = None,
    profile: ProfileOpt = None,
    deadline: DeadlineOpt = None,
    quiet: QuietOpt = False,
    fmt: Annotated[str, typer.Option(
        "--format", "-f", help="text | json | sarif | junit | github | markdown | csv")] = "text",
    output: OutputOpt = None,
    rules: RulesOpt = None,
    lang: LangOpt = None,
    config: ConfigOpt = None,
    fail_on: Annotated[str | None, typer.Option(
        "--fail-on", help="error | warning | info: the lowest severity that fails the run.")] = None,
    waivers: WaiversOpt = None,
    no_waivers: Annotated[bool, typer.Option("--no-waivers", help="Apply no waiver.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List passing checks in text output.")] = False,
) -> None:
    """Audit every custom image of the accounts: which can be exported, what blocks the others, which export
    roles and buckets are unsafe (--live, or replaying a fleet snapshot)."""
    from preflight.audit import run_audit
    from preflight.model import Severity
    from preflight.reporters import RenderOptions, get_chunks
    from preflight.run import resolve_config, resolve_waivers

    _choice(fmt, AUDIT_FORMATS, "--format")
    _choice(fail_on, SEVERITIES, "--fail-on")
    if waivers is not None and no_waivers:
        raise error("err_waivers_both")
    if not live and path is None:
        raise error("audit.nothing")
    settings = resolve_config(config, Path.cwd())
    if settings.max_file_size is not None:  # a config may lower the cap on what is read (never raise it)
        from preflight.sources.common import set_file_size_cap

        set_file_size_cap(settings.max_file_size)
    options = _audit_options(path, live, accounts, resource_directory, assume_role_name, regions, bucket, oss_prefix,
                             image_format, endpoint, profile, deadline, quiet, _lang(lang), settings=settings,
                             rules_dirs=rules or (), threshold=Severity(fail_on) if fail_on else None,
                             waivers=() if no_waivers else resolve_waivers(settings, waivers, Path.cwd()),
                             no_waivers=no_waivers)
    report = run_audit(options)
    color = (output is None and fmt == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    _write(get_chunks(fmt)(report, RenderOptions(color=color, verbose=verbose, generated_at=run_time())), output)
    raise typer.Exit(0 if report.ok else 1)


@rules_app.command("list")
def rules_list(
    rules: RulesOpt = None,
    lang: LangOpt = None,
    fmt: ListFormatOpt = "text",
) -> None:
    """List every rule: id, severity, category, title."""
    from preflight.run import list_rules

    _choice(fmt, LIST_FORMATS, "--format")
    _write(list_rules(rules or (), _lang(lang), fmt), None)


@rules_app.command("show")
def rules_show(
    rule_id: Annotated[str, typer.Argument(help="A rule id, e.g. PF104.")],
    rules: RulesOpt = None,
    lang: LangOpt = None,
) -> None:
    """Explain one rule: metadata, message, remediation, the API errors it prevents, its condition."""
    from preflight.run import show_rule

    _write(show_rule(rule_id, rules or (), _lang(lang)), None)


@waivers_app.command("lint")
def waivers_lint(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Inputs to check the waivers against (finds waivers that never match).")] = None,
    waivers: WaiversOpt = None,
    config: ConfigOpt = None,
    rules: RulesOpt = None,
    lang: LangOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="As for check.")] = False,
) -> None:
    """Find expired, reasonless, unknown-rule, mandatory-rule and never-matching waivers (exit 1 if any)."""

    from preflight.run import lint_waivers

    text, code = lint_waivers(paths or (), waivers=waivers, config=config, rules_dirs=rules or (),
                              lang=_lang(lang), strict=strict, today=datetime.date.today(), cwd=Path.cwd())
    _write(text, None)
    raise typer.Exit(code)


def _one_spaced(text: object) -> str:
    return " ".join(str(text).split())


def _usage_error(exc: Exception) -> str:
    fmt = getattr(exc, "format_message", None)
    message = fmt() if callable(fmt) else str(exc)
    return _one_spaced(message)


def _usage_message(exc: Exception) -> Msg | Foreign:
    """A usage error of click as a message: its English text as click wrote it, worded in Chinese from
    ``DAILY["click"]`` (:mod:`preflight.texts.foreign`). "Invalid value for X: <problem>" is taken apart so
    the problem (a text of click's parameter types) is worded too."""
    text = _usage_error(exc)
    if type(exc).__name__ == "BadParameter":  # not its subclass MissingParameter, worded as a whole
        problem = Foreign("click", _one_spaced(getattr(exc, "message", "")))
        hint: Any = getattr(exc, "param_hint", None)
        param = getattr(exc, "param", None)
        if hint is None and param is not None:
            hint = param.get_error_hint(getattr(exc, "ctx", None))
        if hint is not None and not isinstance(hint, str):
            hint = " / ".join(repr(h) for h in hint)
        message = (Msg("cli.invalid_value", param=_one_spaced(hint), problem=problem) if hint is not None
                   else Msg("cli.invalid_value_plain", problem=problem))
        if str(message) == text:  # the English stays click's own, exactly
            return message
    return Foreign("click", text)


def _fewer_collections() -> None:
    """Run the cyclic garbage collector less often than CPython's default (every 700 new container objects).

    A check makes mostly acyclic data (facts, results), freed by reference counting; with the default, a
    10,000-export check spends half of its evaluation in collections that find nothing (1.1 s -> 0.6 s).
    mypy's main sets the same kind of threshold for the same reason. (Not before the imports: skipping the
    ~30 collections they make saves ~1 ms of a small check but costs a 10,000-export check ~35 MiB of peak
    RSS, measured.)
    """
    import gc

    if gc.get_threshold()[0] < 200_000:
        gc.set_threshold(200_000, 30, 30)


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the app, turns every failure into one-line errors and an exit code."""
    from contextlib import ExitStack

    debug, args = _debug_wanted(sys.argv[1:] if argv is None else argv)
    _fewer_collections()
    named, command = _click_command(args)
    stack = ExitStack()
    lang = lang_from_argv(args)
    if named:  # a command may walk directories: what a walk leaves out is said at once
        from preflight.sources.common import telling_skips

        stack.enter_context(telling_skips(lambda skip: _say_skip(skip, lang)))
    try:
        # in a context of its own: what a command sets (the file size cap) ends with it
        result = contextvars.copy_context().run(command.main, args=args, prog_name="preflight",
                                                standalone_mode=False)
    except PreflightError as e:
        for line in e.lines(lang_from_argv(args)):
            sys.stderr.write(f"preflight: error: {line}\n")
        return 2
    except typer.Exit as e:
        return int(e.exit_code or 0)
    except typer.Abort:
        sys.stderr.write(f"preflight: {t('cli.aborted', lang_from_argv(args))}\n")
        return 2
    except _ClickException as e:  # click's usage errors: unknown flag, bad value, missing argument
        ctx = getattr(e, "ctx", None)
        if type(e).__name__ == "NoArgsIsHelpError" and ctx is not None:  # a bare command: show its help
            sys.stdout.write(ctx.get_help() + "\n")
            return 0
        message = t("err_usage", lang_from_argv(args), message=_usage_message(e))
        sys.stderr.write(f"preflight: error: {message}\n")
        return int(getattr(e, "exit_code", 2) or 2)
    except KeyboardInterrupt:
        sys.stderr.write(f"preflight: {t('cli.interrupted', lang_from_argv(args))}\n")
        return 130
    except Exception as e:  # a bug of ours: still one line and exit 2, never "checks failed" (1) or a traceback
        from preflight.msg import one_line

        detail = one_line(f"{type(e).__name__}: {e}")[:300]
        sys.stderr.write(f"preflight: {t('cli.internal_error', lang_from_argv(args), detail=detail)}\n")
        if debug:
            import traceback

            traceback.print_exception(e, file=sys.stderr)
        return 2
    finally:
        stack.close()
    return int(result) if isinstance(result, int) else 0


def _command_name(info: Any) -> str:
    return str(info.name or typer.main.get_command_name(info.callback.__name__))


def _click_command(args: Sequence[str]) -> tuple[bool, Any]:
    """Whether ``args`` name a command, and the click command to run them with: the app with only that
    command when they name one; with none when they name none and ask for no help (``--version``, an
    unknown flag); else the whole app (its help lists every command; an unknown command is told with the
    commands it may have meant). Typer turns the signature of every command it builds into click parameters
    (resolving each annotation): a run needs one, not every one."""
    import copy

    at = next((i for i, a in enumerate(args) if not a.startswith("-")), len(args))
    name = args[at] if at < len(args) else None
    commands = [c for c in app.registered_commands if _command_name(c) == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if (name is not None and not commands and not groups) or not args or "--help" in args[:at]:
        return False, typer.main.get_command(app)
    trimmed = copy.copy(app)
    trimmed.registered_commands, trimmed.registered_groups = commands, groups
    return name is not None, typer.main.get_command(trimmed)


def _debug_wanted(args: list[str]) -> tuple[bool, list[str]]:
    """``--debug`` anywhere before ``--`` (taken out: it is the entry point's, not a command's), or
    ``PREFLIGHT_DEBUG`` set to anything but empty or ``0``."""
    end = args.index("--") if "--" in args else len(args)
    rest = [a for a in args[:end] if a != "--debug"] + args[end:]
    env = os.environ.get("PREFLIGHT_DEBUG", "").strip()
    return len(rest) != len(args) or env not in ("", "0"), rest


def _say_skip(skip: "Skip", lang: str) -> None:
    """One stderr line for a file a walk left out (a FIFO, a device, too big, a symlink out of the tree)."""
    sys.stderr.write(f"preflight: warning: {skip.line(lang)}\n")  # worded like "preflight: error: …"


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
