"""The argument tree of `mockserver ...`: every command, option, default (`MOCK_...` environment variables) and
help text."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from mockserver import __version__
from mockserver.cli.arguments import (
    DEFAULT_IMPORT_NAME,
    checked,
    megabytes,
    namespace,
    non_negative,
    port,
    positive,
    positive_seconds,
    scenario_name,
    state_url,
    upstream,
)

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


def build_parser() -> argparse.ArgumentParser:
    """Build the parser of every command, option and help text."""
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
    serve.add_argument("--port", type=port, default=os.environ.get("MOCK_PORT", "4010"), help="1-65535 (default: 4010)")
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
        type=positive,
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
        type=non_negative(float),
        default=os.environ.get("MOCK_HEADER_TIMEOUT", "10"),
        metavar="SECONDS",
        help="close a connection whose request head is not complete within this time, with a JSON 408 if it sent "
        "part of one (default: 10; 0: no limit)",
    )
    serve.add_argument(
        "--max-connections-per-client",
        type=non_negative(int),
        default=os.environ.get("MOCK_MAX_CONNECTIONS_PER_CLIENT", "512"),
        metavar="N",
        help="open connections per client IP address; the ones past it get a JSON 503 (default: 512; 0: no limit)",
    )
    serve.add_argument(
        "--render-timeout",
        type=positive_seconds,
        default=os.environ.get("MOCK_RENDER_TIMEOUT", "10"),
        metavar="SECONDS",
        help="a request waits this long for an uncached render, then gets a 503 with Retry-After while the render "
        "goes on and lands in the cache (default: 10)",
    )
    serve.add_argument(
        "--cache-mb",
        type=megabytes,
        default=os.environ.get("MOCK_CACHE_MB", "24"),  # a string default goes through `type` too
        metavar="MB",
        help="memory for the caches of all worlds together (default: 24); more keeps varied queries fast",
    )
    serve.add_argument(
        "--state",
        type=state_url,
        default=os.environ.get("MOCK_STATE") or None,
        metavar="redis://HOST:PORT/DB",
        help="keep run-time state (clocks, default scenario, fault rules) in this Redis, shared by every process "
        "that names it (default: in this process only)",
    )
    serve.add_argument(
        "--state-namespace",
        type=namespace,
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
        "--name", type=checked(scenario_name, "--name"), help=f"the scenario's name (default: {DEFAULT_IMPORT_NAME})"
    )
    importer.add_argument("--output", "-o", help="the file to write (default: NAME.yaml here; `-`: stdout)")
    importer.add_argument("--force", action="store_true", help="overwrite an existing file")
    _proxy_parser(commands)
    return parser


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
    proxy.add_argument("--upstream", type=upstream, metavar="URL", help="the API's base URL (required to serve)")
    proxy.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    proxy.add_argument("--port", type=port, default="4011", help="1-65535 (default: 4011)")
    proxy.add_argument("--record", type=Path, metavar="DIR", help="write one capture file per exchange into DIR")
    proxy.add_argument(
        "--timeout",
        type=positive_seconds,
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
