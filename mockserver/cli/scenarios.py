"""The offline commands about scenarios: `render`, `scenarios`, `validate`, `vocabulary`, `openapi` and
`scenario-schema`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from mockserver.cli.arguments import UsageError, parse_now, plural, scenario_dir


def render(args: argparse.Namespace) -> int:
    """Run `mockserver render`: print the answer to a query, offline."""
    from urllib.parse import parse_qsl

    from mockserver.api.usages import answer
    from mockserver.contract.query import parse_usage_query
    from mockserver.settings import Settings
    from mockserver.worlds import Worlds

    settings = Settings(
        scenarios_dir=scenario_dir(args.scenarios),
        scenario=args.scenario,
        now=parse_now(args.now),
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


def list_scenarios(args: argparse.Namespace) -> int:
    """Run `mockserver scenarios`: one line per scenario, and per file that does not load."""
    from mockserver.settings import Settings
    from mockserver.worlds import Worlds

    settings = Settings(scenarios_dir=scenario_dir(args.scenarios), log_requests=False)
    worlds = Worlds(settings, require_default=False)
    for name, world in sorted(worlds.worlds.items()):
        counts = ", ".join(
            (
                plural(len(world.people), "person", "people"),
                plural(len(world.keys), "API key"),
                plural(len(world.models), "model"),
            )
        )
        print(f"{name}: {world.scenario.description or '(no description)'} [{counts}]")
    for path, error in sorted(worlds.errors.items()):
        print(f"{path}: not loaded ({len(error.problems)} problem(s)); run `mockserver validate {path}`")
    return 1 if worlds.errors else 0


def validate(args: argparse.Namespace) -> int:
    """Run `mockserver validate`: `path: ok`, or every problem of each file."""
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


def print_vocabulary(args: argparse.Namespace) -> int:
    """Run `mockserver vocabulary`: an index of the lists, or one list."""
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


def print_openapi(args: argparse.Namespace) -> int:
    """Run `mockserver openapi`: print the OpenAPI document."""
    from mockserver.contract.openapi import build_openapi

    sys.stdout.write(orjson.dumps(build_openapi(), option=orjson.OPT_INDENT_2).decode() + "\n")
    return 0


def print_scenario_schema(args: argparse.Namespace) -> int:
    """Run `mockserver scenario-schema`: print the JSON Schema of scenario files."""
    from mockserver.scenario.schema import scenario_json_schema

    sys.stdout.write(orjson.dumps(scenario_json_schema(), option=orjson.OPT_INDENT_2).decode() + "\n")
    return 0
