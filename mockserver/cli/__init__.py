"""`mockserver ...` commands; library errors become one line on stderr and exit 1, usage errors exit 2.

`parser` holds the argument tree; `serve`, `proxy` and `scenarios` the commands; `listen` and `arguments` what
they share."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from mockserver.cli import proxy, scenarios, serve
from mockserver.cli.arguments import UsageError
from mockserver.cli.parser import build_parser
from mockserver.errors import MockServerError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    parser = build_parser()
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
            return serve.serve(args)
        if args.command == "openapi":
            return scenarios.print_openapi(args)
        if args.command == "render":
            return scenarios.render(args)
        if args.command == "scenarios":
            return scenarios.list_scenarios(args)
        if args.command == "validate":
            return scenarios.validate(args)
        if args.command == "vocabulary":
            return scenarios.print_vocabulary(args)
        if args.command == "import":
            return proxy.import_scenario(args)
        if args.command == "proxy":
            return proxy.report(args) if args.proxy_command == "report" else proxy.proxy(args)
        if args.command == "scenario-schema":
            return scenarios.print_scenario_schema(args)
    except UsageError as exc:
        print(f"mockserver {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except MockServerError as exc:
        if args.debug:
            raise
        print(f"mockserver: {exc}", file=sys.stderr)
        return 1
    return 2
