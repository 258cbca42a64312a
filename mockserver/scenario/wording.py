"""How problems of scenario files word what they found: a user's value quoted, the choice a misspelt word meant,
the forms a time may take."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from typing import Any

TIME_FORMS = "an ISO 8601 instant such as '2026-11-30T12:00:00Z', or relative to the clock such as '-3d'"


def show_value(value: Any, limit: int = 60) -> str:
    """A user's value as messages quote it: strings with repr (shortened), YAML spellings for the rest."""
    if isinstance(value, str):
        return repr(value if len(value) <= limit else value[: limit - 3] + "...")
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return repr(value)


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to a misspelt word, if one is close enough."""
    choices = list(choices)
    # Ids share a prefix (`proj_`, `api_`): compare what follows it, or every `proj_...` looks alike.
    prefix = re.match(r"^[A-Za-z]+_", word)
    if prefix and len(choices) > 0 and all(choice.startswith(prefix[0]) for choice in choices):
        stripped = {choice[len(prefix[0]) :]: choice for choice in choices}
        match = did_you_mean(word[len(prefix[0]) :], stripped) if word[len(prefix[0]) :] else None
        return stripped[match] if match is not None else None
    matches = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if matches:
        return matches[0]
    return {choice.lower(): choice for choice in choices}.get(word.lower())
