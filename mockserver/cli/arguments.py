"""What the command line takes: argparse types that check a value (the `MOCK_...` environment defaults too), the
checks commands make of theirs, raising `UsageError` (exit status 2), and `plural` for the lines they print."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any


class UsageError(Exception):
    """A misuse of the command line (exit status 2)."""


DEFAULT_IMPORT_NAME = "imported"  # `import --name`


def scenario_name(text: str) -> str:
    """Check a scenario name given on the command line (`import --name`)."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}", text):
        raise ValueError("letters, digits, `_`, `.` and `-`, starting with a letter or digit")
    return text


def upstream(text: str) -> str:
    """Check `proxy --upstream`: the API's base URL."""
    from mockserver.proxy.forward import check_upstream

    return checked(check_upstream, "URL")(text)


def number(
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


port = number(int, lambda v: 1 <= v <= 65535, "not a port number: {text!r}", "{value} is not a port: use 1-65535")
positive = number(int, lambda v: v >= 1, "not a whole number: {text!r}", "must be at least 1, got {value}")
positive_seconds = number(  # nan is refused too: no comparison holds for it
    float,
    lambda v: 0 < v < float("inf"),
    "not a number of seconds: {text!r}",
    "must be a positive number of seconds, got {text!r}",
)
megabytes = number(
    int,
    lambda v: v >= 1,
    "expected a whole number of megabytes (1 or more), found {text!r}",
    "expected a whole number of megabytes (1 or more), found {text!r}",
)


def checked(check: Callable[[str], str], name: str) -> Callable[[str], str]:
    """An argparse type from a `check` that raises ValueError (for the `MOCK_...` defaults too)."""

    def parse(text: str) -> str:
        try:
            return check(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = name
    return parse


def state_url(text: str) -> str:
    """Check `serve --state`: a Redis URL."""
    from mockserver.state.url import check_state_url

    return checked(check_state_url, "Redis URL")(text)


def namespace(text: str) -> str:
    """Check `serve --state-namespace`: a key prefix."""
    from mockserver.state.url import check_namespace

    return checked(check_namespace, "namespace")(text)


def non_negative(kind: type[int] | type[float]) -> Callable[[str], Any]:
    """Return an argparse type for a number of `kind` that is 0 or more."""
    return number(kind, lambda v: v >= 0, "not a number: {text!r}", "must be 0 or more: {text!r}")


def plural(count: int, one: str, many: str | None = None) -> str:
    """Say `count` things: `1 model`, `3 models`, `2 people`."""
    return f"{count} {one if count == 1 else many or one + 's'}"


def parse_now(text: str | None) -> int | None:
    """Parse `--now` to epoch milliseconds (None: the real clock)."""
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


def scenario_dir(path: Path | None) -> Path | None:
    """Check `--scenarios`: a directory, or one scenario file."""
    if path is not None and not path.is_dir():
        if not path.is_file():
            raise UsageError(f"--scenarios: no such directory or file: {path}")
        if path.suffix not in (".yaml", ".yml"):
            raise UsageError(f"--scenarios: not a scenario file (*.yaml, *.yml): {path}")
    return path
