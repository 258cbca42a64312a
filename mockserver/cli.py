"""`mockserver ...` commands; library errors become one line on stderr and exit 1, usage errors exit 2."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import orjson

from mockserver import __version__
from mockserver.errors import MockServerError


class UsageError(Exception):
    """A misuse of the command line (exit status 2)."""


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
        epilog="example:\n  mockserver serve --host 0.0.0.0 --port 4010 --scenario default",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--host", default=os.environ.get("MOCK_HOST", "127.0.0.1"), help="default: 127.0.0.1")
    serve.add_argument("--port", type=int, default=int(os.environ.get("MOCK_PORT", "4010")), help="default: 4010")
    serve.add_argument(
        "--scenarios",
        type=Path,
        default=os.environ.get("MOCK_SCENARIOS") or None,
        help="directory of scenario files (default: the shipped scenarios)",
    )
    serve.add_argument(
        "--scenario",
        default=os.environ.get("MOCK_SCENARIO", "default"),
        help="the scenario served by default (default: default)",
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
        type=int,
        default=int(os.environ.get("MOCK_WORKERS", "1")),
        help="worker processes (each serves the same worlds; journal and faults are per process)",
    )
    serve.add_argument(
        "--cache-mb",
        type=_megabytes,
        default=os.environ.get("MOCK_CACHE_MB", "24"),  # a string default goes through `type` too
        metavar="MB",
        help="memory for the caches of all worlds together (default: 24); more keeps varied queries fast",
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
        help="directory of scenario files (default: the shipped scenarios)",
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
    return parser


def _world_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenarios",
        type=Path,
        default=os.environ.get("MOCK_SCENARIOS") or None,
        help="directory of scenario files (default: the shipped scenarios)",
    )
    parser.add_argument(
        "--scenario", default=os.environ.get("MOCK_SCENARIO", "default"), help="the scenario to use (default: default)"
    )
    parser.add_argument("--now", default=os.environ.get("MOCK_NOW") or None, help="freeze the clock at this instant")
    parser.add_argument(
        "--contract",
        default=os.environ.get("MOCK_CONTRACT") or None,
        metavar="X.Y.Z",
        help="pin responses to the contract of this scenario-sdk version",
    )


def _parse_now(text: str | None) -> int | None:
    from mockserver.world.clock import parse_instant

    if not text:
        return None
    try:
        return parse_instant(text)
    except ValueError:
        raise UsageError(f"--now is not an ISO 8601 instant: {text!r}") from None


def _scenario_dir(path: Path | None) -> Path | None:
    if path is not None and not path.is_dir():
        raise UsageError(f"--scenarios: not a directory: {path}")
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

    settings = Settings(scenarios_dir=_scenario_dir(args.scenarios), scenario="", log_requests=False)
    worlds = Worlds(settings, require_default=False)
    for name, world in sorted(worlds.worlds.items()):
        counts = f"{len(world.people)} people, {len(world.keys)} API keys, {len(world.models)} models"
        print(f"{name}: {world.scenario.description or '(no description)'} [{counts}]")
    for path, error in sorted(worlds.errors.items()):
        print(f"{path}: not loaded ({len(error.problems)} problem(s)); run `mockserver validate {path}`")
    return 1 if worlds.errors else 0


def _megabytes(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of megabytes (1 or more), found {text!r}")
    return value


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mockserver.api import build_app
    from mockserver.settings import Settings

    now = _parse_now(args.now)
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
        cache_bytes=args.cache_mb * 1024 * 1024,
    )
    app = build_app(settings)
    worlds = app.state.worlds
    print(f"mockserver {__version__} listening on http://{args.host}:{args.port}/v1/usages", file=sys.stderr)
    print(f"  dashboard: http://{args.host}:{args.port}/", file=sys.stderr)
    for name, world in sorted(worlds.worlds.items()):
        marker = " (default)" if name == settings.scenario else ""
        print(f"  scenario {name}{marker}: {world.scenario.description}", file=sys.stderr)
    for path, error in worlds.errors.items():
        print(f"  not loaded: {path}\n{error}", file=sys.stderr)
    if args.workers > 1:
        # Each worker process builds the same worlds from the same settings (passed in the environment).
        os.environ[SETTINGS_ENV] = settings.to_json()
        uvicorn.run(
            "mockserver.cli:app_from_environment",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level="warning",
            access_log=False,
        )
    else:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


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
