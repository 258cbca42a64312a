"""`mockserver ...` commands; library errors become one line on stderr and exit 1, usage errors exit 2."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

from mockserver import __version__
from mockserver.errors import MockServerError


class UsageError(Exception):
    """A misuse of the command line (exit status 2)."""


class AddressError(MockServerError):
    """The server cannot listen where it was asked to (exit status 1)."""


EPILOG = """examples:
  mockserver serve                                 serve the shipped scenarios on http://127.0.0.1:4010
  mockserver serve --port 8080 --now 2026-11-30T12:00:00Z
  mockserver serve --lenient                       malformed query values count as absent (no 400)
  mockserver serve --reload --scenarios ./my-scenarios   rebuild worlds when their files change
  mockserver openapi > openapi.json                print the OpenAPI document
  mockserver render 'type=consumption&timeRange=last-day' --now 2026-11-30T12:00:00Z
  mockserver scenarios                             one line per shipped scenario
  mockserver validate my-scenarios/                check scenario files
  mockserver validate scenarios/ my-world.yaml     check scenario files, every problem as path:line:col
  mockserver scenario-schema > scenario.schema.json   print the JSON Schema of scenario files
  mockserver vocabulary actions                    the actions a scenario may use, with their usage rows
  mockserver proxy --upstream https://api.cloud.scenario.com/v1 --record captures/
                                                   forward to the real API on http://127.0.0.1:4011, recording
  mockserver proxy report captures/                what the captures say about the mock's fidelity
  mockserver import captures/ --name incident      a scenario whose world gives the captured answers back
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockserver",
        description="A deterministic mock of the Scenario.com usage API (GET /v1/usages).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mockserver {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="serve GET /v1/usages",
        epilog="examples:\n  mockserver serve --host 0.0.0.0 --port 4010 --scenario default\n"
        "  mockserver serve --host 0.0.0.0 --allow-host mockserver   admin API for http://mockserver:4010 too",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--host", default=os.environ.get("MOCK_HOST", "127.0.0.1"), help="default: 127.0.0.1")
    serve.add_argument(
        "--port", type=_port, default=os.environ.get("MOCK_PORT", "4010"), help="1-65535 (default: 4010)"
    )
    serve.add_argument(
        "--scenarios",
        type=Path,
        default=os.environ.get("MOCK_SCENARIOS") or None,
        help="a directory of scenario files, or one file (default: the shipped scenarios)",
    )
    serve.add_argument(
        "--scenario",
        default=os.environ.get("MOCK_SCENARIO") or None,
        help="the scenario served by default (default: the one named default, or the only one)",
    )
    serve.add_argument(
        "--now", default=os.environ.get("MOCK_NOW") or None, help="freeze the clock at this ISO 8601 instant"
    )
    serve.add_argument(
        "--lenient",
        action="store_true",
        default=os.environ.get("MOCK_LENIENT") == "1",
        help="treat malformed query values as absent instead of answering 400",
    )
    serve.add_argument(
        "--reload",
        action="store_true",
        default=os.environ.get("MOCK_RELOAD") == "1",
        help="rebuild a scenario's world when its file changes (a broken edit keeps the old one)",
    )
    serve.add_argument(
        "--contract",
        default=os.environ.get("MOCK_CONTRACT") or None,
        metavar="X.Y.Z",
        help="pin responses to the contract of this scenario-sdk version (default: newest)",
    )
    serve.add_argument(
        "--seed",
        type=int,
        default=int(os.environ["MOCK_SEED"]) if os.environ.get("MOCK_SEED") else None,
        help="replace every scenario's seed",
    )
    serve.add_argument(
        "--no-admin",
        dest="admin",
        action="store_false",
        default=os.environ.get("MOCK_NO_ADMIN") != "1",
        help="turn the admin API (/__admin/) off",
    )
    serve.add_argument(
        "--admin-token",
        default=os.environ.get("MOCK_ADMIN_TOKEN") or None,
        help="require `Authorization: Bearer TOKEN` on the admin API",
    )
    serve.add_argument(
        "--workers",
        type=_positive,
        default=os.environ.get("MOCK_WORKERS", "1"),
        help="worker processes (each serves the same worlds; run-time controls need --state to reach them all)",
    )
    serve.add_argument(
        "--allow-host",
        dest="allow_hosts",
        action="append",
        metavar="NAME",
        help="also answer admin and dashboard requests whose Host is NAME (repeatable; `*`: any; env "
        "MOCK_ALLOW_HOSTS, comma-separated); localhost, IP literals and --host always are",
    )
    serve.add_argument(
        "--header-timeout",
        type=_non_negative(float),
        default=os.environ.get("MOCK_HEADER_TIMEOUT", "10"),
        metavar="SECONDS",
        help="close a connection whose request head is not complete within this time, with a JSON 408 if it sent "
        "part of one (default: 10; 0: no limit)",
    )
    serve.add_argument(
        "--max-connections-per-client",
        type=_non_negative(int),
        default=os.environ.get("MOCK_MAX_CONNECTIONS_PER_CLIENT", "512"),
        metavar="N",
        help="open connections per client IP address; the ones past it get a JSON 503 (default: 512; 0: no limit)",
    )
    serve.add_argument(
        "--render-timeout",
        type=_positive_seconds,
        default=os.environ.get("MOCK_RENDER_TIMEOUT", "10"),
        metavar="SECONDS",
        help="a request waits this long for an uncached render, then gets a 503 with Retry-After while the render "
        "goes on and lands in the cache (default: 10)",
    )
    serve.add_argument(
        "--cache-mb",
        type=_megabytes,
        default=os.environ.get("MOCK_CACHE_MB", "24"),  # a string default goes through `type` too
        metavar="MB",
        help="memory for the caches of all worlds together (default: 24); more keeps varied queries fast",
    )
    serve.add_argument(
        "--state",
        type=_state_url,
        default=os.environ.get("MOCK_STATE") or None,
        metavar="redis://HOST:PORT/DB",
        help="keep run-time state (clocks, default scenario, fault rules) in this Redis, shared by every process "
        "that names it (default: in this process only)",
    )
    serve.add_argument(
        "--state-namespace",
        type=_namespace,
        default=os.environ.get("MOCK_STATE_NAMESPACE", "mockserver"),
        metavar="NAME",
        help="prefix of the keys in --state: fleets sharing one Redis under other names never see each other "
        "(default: mockserver)",
    )
    serve.add_argument("--quiet", action="store_true", help="no log line per request")

    render = commands.add_parser(
        "render",
        help="print the response of a scenario to a query, offline (snapshots, debugging)",
        epilog="examples:\n  mockserver render 'timeRange=last-day&type=consumption' --now 2026-11-30T12:00:00Z\n"
        "  mockserver render --scenario workflow-jobs --pretty 'type=activity'",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    render.add_argument("query", nargs="?", default="", help="the query string of GET /v1/usages (default: none)")
    _world_options(render)
    render.add_argument("--lenient", action="store_true", help="malformed query values count as absent")
    render.add_argument("--pretty", action="store_true", help="indent the JSON")

    scenarios = commands.add_parser(
        "scenarios",
        help="list the scenarios of a directory, one line each (and the files that do not load)",
        epilog="example:\n  mockserver scenarios --scenarios ./my-scenarios",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scenarios.add_argument(
        "--scenarios",
        type=Path,
        default=os.environ.get("MOCK_SCENARIOS") or None,
        help="a directory of scenario files, or one file (default: the shipped scenarios)",
    )

    commands.add_parser(
        "openapi",
        help="print the OpenAPI 3.1 document of the mock",
        epilog="example:\n  mockserver openapi > openapi.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )

    validate = commands.add_parser(
        "validate",
        help="check scenario files: `path: ok`, or every problem as path:line:col: field: message",
        epilog="example:\n  mockserver validate scenarios/ my-world.yaml\n\n"
        "exit status: 0 when every file is valid, 1 when one is not, 2 when a path does not exist",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="FILE|DIR",
        help="a scenario file, or a directory: its *.yaml and *.yml files",
    )
    commands.add_parser(
        "scenario-schema",
        help="print the JSON Schema of scenario files (for editors: yaml-language-server)",
        epilog="example:\n  mockserver scenario-schema > scenario.schema.json\n"
        "  then, first line of a scenario: # yaml-language-server: $schema=scenario.schema.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    vocabulary = commands.add_parser(
        "vocabulary",
        help="list the values a scenario file may use (actions, job types, flow nodes, usage names, ...)",
        epilog="examples:\n  mockserver vocabulary                 the lists and where a scenario uses each\n"
        "  mockserver vocabulary actions         every action, the usage row it counts under, its job and asset\n"
        "  mockserver vocabulary node-types --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    vocabulary.add_argument("name", nargs="?", metavar="LIST", help="the list to print (default: an index of them)")
    vocabulary.add_argument("--json", action="store_true", help="print JSON: values and their notes")
    importer = commands.add_parser(
        "import",
        help="turn captured /v1/usages answers into a scenario whose world gives them back",
        epilog="examples:\n  mockserver import captures/ --name prod-incident\n"
        "  mockserver import bug-report.json --output scenarios/bug-1234.yaml\n\n"
        "It prints what it could not reproduce exactly, with the reason; the scenario validates and serves anyway.\n"
        "exit status: 0 when the scenario was written, 1 when a capture cannot be read (nothing is written)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    importer.add_argument(
        "captures", nargs="+", type=Path, metavar="CAPTURE", help="a capture file, or a directory of them (*.json)"
    )
    importer.add_argument(
        "--name", type=_checked(_scenario_name, "--name"), help=f"the scenario's name (default: {DEFAULT_IMPORT_NAME})"
    )
    importer.add_argument("--output", "-o", help="the file to write (default: NAME.yaml here; `-`: stdout)")
    importer.add_argument("--force", action="store_true", help="overwrite an existing file")
    _proxy_parser(commands)
    return parser


DEFAULT_IMPORT_NAME = "imported"


def _scenario_name(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}", text):
        raise ValueError("letters, digits, `_`, `.` and `-`, starting with a letter or digit")
    return text


def _import(args: argparse.Namespace) -> int:
    from mockserver.proxy.importer import import_captures, write_scenario

    missing = [str(p) for p in args.captures if not p.exists()]
    if missing:
        raise UsageError(f"no such file or directory: {missing[0]}")
    name = args.name or DEFAULT_IMPORT_NAME
    target = None if args.output == "-" else Path(args.output or f"{name}.yaml")
    if target is not None and target.exists() and not args.force:
        raise UsageError(f"{target} exists; use --force to overwrite it")
    imported = import_captures(args.captures, name)
    if target is None:
        sys.stdout.write(imported.text)
    else:
        write_scenario(imported, target)
    events = imported.document["recorded"]["events"]
    where = "stdout" if target is None else str(target)
    print(
        f"wrote {where}: scenario {imported.name!r}, clock frozen at {imported.document['clock']['now']}, "
        f"{_plural(len(events), 'event')}; {imported.equal} of {_plural(imported.compared, 'captured answer')} "
        "served back JSON-equal",
        file=sys.stderr,
    )
    for note in imported.notes:
        print(f"  not reproduced: {note}", file=sys.stderr)
    return 0


def _proxy_parser(commands: Any) -> None:
    proxy = commands.add_parser(
        "proxy",
        help="forward the API's endpoints to a real upstream, optionally recording each exchange",
        description="Forward every endpoint mockserver serves to --upstream (path, query and credentials unchanged) "
        "and answer with the upstream's answer. The upstream URL is the API's base URL, as the SDK's base_url: "
        "the path below /v1 is appended to it (an upstream without a path means its /v1). Unreachable, failing "
        "or slow upstreams, and answers that are not JSON, get the API's JSON error with 502 or 504.",
        epilog="examples:\n  mockserver proxy --upstream https://api.cloud.scenario.com/v1 --record captures/\n"
        "    then: Scenario(base_url='http://127.0.0.1:4011/v1', ...)\n"
        "  mockserver proxy report captures/          a Markdown report of the captures\n"
        "  mockserver proxy report captures/ --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    proxy.add_argument("--upstream", type=_upstream, metavar="URL", help="the API's base URL (required to serve)")
    proxy.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    proxy.add_argument("--port", type=_port, default="4011", help="1-65535 (default: 4011)")
    proxy.add_argument("--record", type=Path, metavar="DIR", help="write one capture file per exchange into DIR")
    proxy.add_argument(
        "--timeout",
        type=_positive_seconds,
        default="60",
        metavar="SECONDS",
        help="a JSON 504 when the upstream has not answered completely within this time (default: 60, as the SDK; "
        "connecting: at most 5)",
    )
    proxy.add_argument(
        "--insecure", action="store_true", help="do not verify the upstream's TLS certificate (a test upstream only)"
    )
    proxy.add_argument(
        "--allow-host",
        dest="allow_hosts",
        action="append",
        metavar="NAME",
        help="also answer /__admin/proxy/ requests whose Host is NAME (repeatable; `*`: any)",
    )
    proxy.add_argument("--quiet", action="store_true", help="no log line per request")
    actions = proxy.add_subparsers(dest="proxy_command", metavar="ACTION")
    report = actions.add_parser(
        "report",
        help="report what captures say about the mock: `proxy report DIR [--json]`",
        epilog="example:\n  mockserver proxy report captures/ --json > report.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument(
        "paths", nargs="+", type=Path, metavar="DIR|FILE", help="a capture file, or a directory: its *.json files"
    )
    report.add_argument("--json", action="store_true", help="print the report as JSON instead of Markdown")


def _upstream(text: str) -> str:
    from mockserver.proxy.forward import check_upstream

    return _checked(check_upstream, "URL")(text)


def _vocabulary(args: argparse.Namespace) -> int:
    from mockserver.scenario.vocabulary import vocabularies

    table = vocabularies()
    if args.name is None:
        if args.json:
            sys.stdout.write(
                orjson.dumps({n: {"usedIn": v.used_in, "count": len(v.values)} for n, v in table.items()}).decode()
                + "\n"
            )
            return 0
        width = max(len(n) for n in table)
        for name, listed in table.items():
            print(f"{name:<{width}}  {len(listed.values):>3} values  used in {listed.used_in}")
        print("\nmockserver vocabulary LIST prints one list.")
        return 0
    vocabulary = table.get(args.name)
    if vocabulary is None:
        raise UsageError(f"unknown list {args.name!r}; lists: {', '.join(table)}")
    if args.json:
        values = [{"value": v, "note": vocabulary.notes.get(v, "")} for v in vocabulary.values]
        sys.stdout.write(
            orjson.dumps({"name": vocabulary.name, "usedIn": vocabulary.used_in, "values": values}).decode() + "\n"
        )
        return 0
    print("\n".join(vocabulary.lines()))
    return 0


def _number(
    kind: type[int] | type[float], valid: Callable[[float], bool], unparsable: str, invalid: str
) -> Callable[[str], Any]:
    """An argparse type: `kind(text)` if `valid`, else the message (`{text}`, `{value}`); it checks the `MOCK_...`
    environment defaults too, since argparse applies a type to a string default."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(unparsable.format(text=text)) from None
        if not valid(value):
            raise argparse.ArgumentTypeError(invalid.format(text=text, value=value))
        return value

    parse.__name__ = kind.__name__
    return parse


_port = _number(int, lambda v: 1 <= v <= 65535, "not a port number: {text!r}", "{value} is not a port: use 1-65535")
_positive = _number(int, lambda v: v >= 1, "not a whole number: {text!r}", "must be at least 1, got {value}")
_positive_seconds = _number(  # nan is refused too: no comparison holds for it
    float,
    lambda v: 0 < v < float("inf"),
    "not a number of seconds: {text!r}",
    "must be a positive number of seconds, got {text!r}",
)
_megabytes = _number(
    int,
    lambda v: v >= 1,
    "expected a whole number of megabytes (1 or more), found {text!r}",
    "expected a whole number of megabytes (1 or more), found {text!r}",
)


def _checked(check: Callable[[str], str], name: str) -> Callable[[str], str]:
    """An argparse type from a `check` that raises ValueError (for the `MOCK_...` defaults too)."""

    def parse(text: str) -> str:
        try:
            return check(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = name
    return parse


def _state_url(text: str) -> str:
    from mockserver.state.url import check_state_url

    return _checked(check_state_url, "Redis URL")(text)


def _namespace(text: str) -> str:
    from mockserver.state.url import check_namespace

    return _checked(check_namespace, "namespace")(text)


def _non_negative(kind: type[int] | type[float]) -> Callable[[str], Any]:
    return _number(kind, lambda v: v >= 0, "not a number: {text!r}", "must be 0 or more: {text!r}")


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


WILDCARD_HOSTS = ("0.0.0.0", "", "::", "[::]")


def browsable(host: str, port: int) -> str:
    """The base URL a person can open for a listening address (a wildcard address becomes 127.0.0.1)."""
    if host in WILDCARD_HOSTS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _world_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenarios",
        type=Path,
        default=os.environ.get("MOCK_SCENARIOS") or None,
        help="a directory of scenario files, or one file (default: the shipped scenarios)",
    )
    parser.add_argument(
        "--scenario",
        default=os.environ.get("MOCK_SCENARIO") or None,
        help="the scenario to use (default: the one named default, or the only one)",
    )
    parser.add_argument("--now", default=os.environ.get("MOCK_NOW") or None, help="freeze the clock at this instant")
    parser.add_argument(
        "--contract",
        default=os.environ.get("MOCK_CONTRACT") or None,
        metavar="X.Y.Z",
        help="pin responses to the contract of this scenario-sdk version",
    )


def _parse_now(text: str | None) -> int | None:
    from mockserver.contract.query import EARLIEST_MS, LATEST_MS
    from mockserver.world.clock import parse_instant

    if not text:
        return None
    try:
        now = parse_instant(text)
    except ValueError:
        raise UsageError(f"--now is not an ISO 8601 instant: {text!r}") from None
    if not EARLIEST_MS <= now < LATEST_MS:  # the bounds of query dates, and of a scenario's clock
        raise UsageError(f"--now must lie between 1970-01-01 and 9999-12-31: {text!r}")
    return now


def _scenario_dir(path: Path | None) -> Path | None:
    if path is not None and not path.is_dir():
        if not path.is_file():
            raise UsageError(f"--scenarios: no such directory or file: {path}")
        if path.suffix not in (".yaml", ".yml"):
            raise UsageError(f"--scenarios: not a scenario file (*.yaml, *.yml): {path}")
    return path


def _render(args: argparse.Namespace) -> int:
    from urllib.parse import parse_qsl

    from mockserver.api.usages import answer
    from mockserver.contract.query import parse_usage_query
    from mockserver.settings import Settings
    from mockserver.worlds import Worlds

    settings = Settings(
        scenarios_dir=_scenario_dir(args.scenarios),
        scenario=args.scenario,
        now=_parse_now(args.now),
        lenient=args.lenient,
        contract=args.contract,
        log_requests=False,
    )
    worlds = Worlds(settings)
    query = parse_usage_query(parse_qsl(args.query.lstrip("?"), keep_blank_values=True), lenient=args.lenient)
    body = answer(worlds, worlds.default, query).body
    if args.pretty:
        body = orjson.dumps(orjson.loads(body), option=orjson.OPT_INDENT_2)
    sys.stdout.write(body.decode() + "\n")
    return 0


def _scenarios(args: argparse.Namespace) -> int:
    from mockserver.settings import Settings
    from mockserver.worlds import Worlds

    settings = Settings(scenarios_dir=_scenario_dir(args.scenarios), log_requests=False)
    worlds = Worlds(settings, require_default=False)
    for name, world in sorted(worlds.worlds.items()):
        counts = ", ".join(
            (
                _plural(len(world.people), "person", "people"),
                _plural(len(world.keys), "API key"),
                _plural(len(world.models), "model"),
            )
        )
        print(f"{name}: {world.scenario.description or '(no description)'} [{counts}]")
    for path, error in sorted(worlds.errors.items()):
        print(f"{path}: not loaded ({len(error.problems)} problem(s)); run `mockserver validate {path}`")
    return 1 if worlds.errors else 0


def _allowed_hosts(args: argparse.Namespace) -> tuple[str, ...]:
    """The `--allow-host` names (else MOCK_ALLOW_HOSTS), checked and normalised, plus `--host` if it is a name."""
    from mockserver.api.origin import is_ip_literal, normalize_host_name

    given = args.allow_hosts
    if given is None:
        given = [name for name in os.environ.get("MOCK_ALLOW_HOSTS", "").split(",") if name.strip()]
    names = []
    for value in given:
        name = normalize_host_name(value)
        if name is None:
            raise UsageError(
                f"--allow-host (or MOCK_ALLOW_HOSTS) takes a host name such as mockserver or my-box.local, "
                f"or *, not {value!r}"
            )
        names.append(name)
    listening = normalize_host_name(args.host)
    if listening is not None and not is_ip_literal(listening):
        names.append(listening)  # `serve --host my-box.local`: its own name is allowed
    return tuple(dict.fromkeys(names))


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mockserver.api import build_app
    from mockserver.api.server import server_options
    from mockserver.settings import Settings

    allow_hosts = _allowed_hosts(args)
    now = _parse_now(args.now)
    _check_address(args.host, args.port)
    if args.state is not None:
        from mockserver.state.redis_store import check_reachable

        check_reachable(args.state)  # StateError: one line naming the URL, exit 1
    settings = Settings(
        scenarios_dir=_scenario_dir(args.scenarios),
        scenario=args.scenario,
        now=now,
        lenient=args.lenient,
        log_requests=not args.quiet,
        reload=args.reload,
        contract=args.contract,
        seed=args.seed,
        admin=args.admin,
        admin_token=args.admin_token,
        allow_hosts=allow_hosts,
        header_timeout=args.header_timeout,
        max_connections_per_client=args.max_connections_per_client,
        render_timeout=args.render_timeout,
        cache_bytes=args.cache_mb * 1024 * 1024,
        state=args.state,
        state_namespace=args.state_namespace,
        workers=args.workers,
    )
    app = build_app(settings)
    worlds = app.state.worlds
    base = browsable(args.host, args.port)
    everywhere = f" (listening on all interfaces: {args.host})" if args.host in WILDCARD_HOSTS else ""
    print(f"mockserver {__version__} listening on {base}/v1/usages{everywhere}", file=sys.stderr)
    print(f"  dashboard: {base}/", file=sys.stderr)
    if settings.state is not None:
        from mockserver.state.url import shown

        print(f"  state: {shown(settings.state)} (namespace {settings.state_namespace})", file=sys.stderr)
    for name, world in sorted(worlds.worlds.items()):
        marker = " (default)" if name == worlds.default_name else ""
        print(f"  scenario {name}{marker}: {world.scenario.description}", file=sys.stderr)
    for path, error in worlds.errors.items():
        print(f"  not loaded: {path}\n{error}", file=sys.stderr)
    target: object = app
    if args.workers > 1:
        # Each worker process builds the same worlds from the same settings (passed in the environment).
        os.environ[SETTINGS_ENV] = settings.to_json()
        target = "mockserver.cli:app_from_environment"
    uvicorn.run(
        target,  # type: ignore[arg-type]
        host=args.host,
        port=args.port,
        factory=args.workers > 1,
        workers=args.workers,
        **server_options(settings),
    )
    return 0


def _proxy(args: argparse.Namespace) -> int:
    import uvicorn

    from mockserver.proxy.forward import ProxySettings, build_proxy_app, proxy_server_options

    if args.upstream is None:
        raise UsageError("--upstream URL is required (the API's base URL, e.g. https://api.cloud.scenario.com/v1)")
    allow_hosts = _allowed_hosts(args)
    _check_address(args.host, args.port)
    settings = ProxySettings(
        upstream=args.upstream,
        timeout=args.timeout,
        connect_timeout=min(5.0, args.timeout),
        record=args.record,
        log_requests=not args.quiet,
        verify_tls=not args.insecure,
        allow_hosts=allow_hosts,
    )
    app = build_proxy_app(settings)
    base = browsable(args.host, args.port)
    print(f"mockserver {__version__} proxy listening on {base}/v1 -> {settings.upstream}", file=sys.stderr)
    if settings.record is not None:
        print(f"  recording each exchange into {settings.record}/", file=sys.stderr)
    if args.insecure:
        print("  not verifying the upstream's TLS certificate (--insecure)", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, **proxy_server_options())
    return 0


def _proxy_report(args: argparse.Namespace) -> int:
    files: list[Path] = []
    for target in args.paths:
        if target.is_dir():
            found = sorted(target.glob("*.json"))
            if not found:
                raise UsageError(f"no capture (*.json) in {target}")
            files.extend(found)
        elif target.is_file():
            files.append(target)
        else:
            raise UsageError(f"no such file or directory: {target}")
    from mockserver.proxy.report import report_from_captures  # type: ignore[import-not-found,unused-ignore]

    report = report_from_captures(files)
    if args.json:
        sys.stdout.write(orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(report.to_markdown().rstrip("\n") + "\n")
    return 0


def _check_address(host: str, port: int) -> None:
    """Fail with one line, before saying "listening", when the address cannot be bound (in use, not local)."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind(address)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise AddressError(f"cannot listen on {host}:{port}: {reason.lower()}") from None


SETTINGS_ENV = "MOCKSERVER_SETTINGS_JSON"


def app_from_environment() -> object:
    """The app of one `serve --workers N` worker process."""
    from mockserver.api import build_app
    from mockserver.settings import Settings

    return build_app(Settings.from_json(os.environ[SETTINGS_ENV]))


def _validate(args: argparse.Namespace) -> int:
    from mockserver.errors import ScenarioError
    from mockserver.scenario.loader import load_scenario
    from mockserver.worlds import scenario_files

    files: list[Path] = []
    for target in args.paths:
        if target.is_dir():
            found = scenario_files(target)
            if not found:
                print(f"mockserver validate: error: no *.yaml or *.yml file in {target}", file=sys.stderr)
                return 2
            files.extend(found)
        elif target.is_file():
            files.append(target)
        else:
            print(f"mockserver validate: error: no such file or directory: {target}", file=sys.stderr)
            return 2
    invalid = 0
    for file in files:
        try:
            load_scenario(file)
        except ScenarioError as exc:
            invalid += 1
            print(exc)
        else:
            print(f"{file}: ok")
    return 1 if invalid else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return _run(args)
    except BrokenPipeError:
        # `mockserver scenarios | head`: the reader left. Nothing to report; point stdout at /dev/null so the
        # interpreter's final flush does not complain either (the recipe of Python's signal documentation).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _run(args: argparse.Namespace) -> int:
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "openapi":
            from mockserver.contract.openapi import build_openapi

            sys.stdout.write(orjson.dumps(build_openapi(), option=orjson.OPT_INDENT_2).decode() + "\n")
            return 0
        if args.command == "render":
            return _render(args)
        if args.command == "scenarios":
            return _scenarios(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "vocabulary":
            return _vocabulary(args)
        if args.command == "import":
            return _import(args)
        if args.command == "proxy":
            return _proxy_report(args) if args.proxy_command == "report" else _proxy(args)
        if args.command == "scenario-schema":
            from mockserver.scenario.schema import scenario_json_schema

            sys.stdout.write(orjson.dumps(scenario_json_schema(), option=orjson.OPT_INDENT_2).decode() + "\n")
            return 0
    except UsageError as exc:
        print(f"mockserver {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except MockServerError as exc:
        if args.debug:
            raise
        print(f"mockserver: {exc}", file=sys.stderr)
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
