"""Which journal entries a verification asks for: the criteria of method, path, endpoint, query, scenario and status,
and the ones an entry fails (what the similar requests of a failed verification differ in)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from mockserver.controls.entries import JournalEntry
from mockserver.controls.routes import PathPattern, check_endpoint_name

QueryValue = str | int | float | None


def _same_value(actual: str, expected: str | int | float) -> bool:
    if isinstance(expected, bool):
        expected = str(expected).lower()
    if isinstance(expected, int | float):
        try:
            return float(actual) == float(expected)
        except ValueError:
            return False
    return actual == expected


def query_matches(items: Sequence[tuple[str, str]], expected: Mapping[str, QueryValue]) -> bool:
    """True if the query holds every expected parameter: equal, one item of a comma list, or absent for None."""
    return not _query_mismatches(items, expected)


def _query_mismatches(items: Sequence[tuple[str, str]], expected: Mapping[str, QueryValue]) -> list[str]:
    wrong = []
    for name, want in expected.items():
        values = [v for k, v in items if k == name]
        if want is None:
            ok = not values
        else:
            ok = any(_same_value(v, want) or any(_same_value(p.strip(), want) for p in v.split(",")) for v in values)
        if not ok:
            wrong.append(f"query.{name}")
    return wrong


@dataclass(frozen=True)
class Criteria:
    method: str | None = None
    path: str | None = None
    query: Mapping[str, QueryValue] | None = None
    scenario: str | None = None
    status: int | Collection[int] | None = None
    endpoint: str | None = None
    pattern: PathPattern | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.endpoint is not None:
            check_endpoint_name(self.endpoint)
        if self.path is not None:
            object.__setattr__(self, "pattern", PathPattern.of(self.path))

    def mismatches(self, entry: JournalEntry) -> list[str]:
        """The criteria `entry` fails (empty: it matches)."""
        wrong = []
        if self.method is not None and entry.method != self.method.upper():
            wrong.append("method")
        if self.pattern is not None and not self.pattern.matches(entry.path):
            wrong.append("path")
        if self.endpoint is not None and entry.endpoint != self.endpoint:
            wrong.append("endpoint")
        if self.query:
            wrong += _query_mismatches(entry.query, self.query)
        if self.scenario is not None and entry.scenario != self.scenario:
            wrong.append("scenario")
        if self.status is not None:
            statuses = (self.status,) if isinstance(self.status, int) else self.status
            if entry.status not in statuses:
                wrong.append("status")
        return wrong

    def describe(self) -> str:
        parts = [
            f"method={self.method.upper()}" if self.method else None,
            f"path={self.path}" if self.path else None,
            f"endpoint={self.endpoint}" if self.endpoint else None,
            f"query={dict(self.query)!r}" if self.query else None,
            f"scenario={self.scenario!r}" if self.scenario is not None else None,
            f"status={self.status!r}" if self.status is not None else None,
        ]
        shown = " ".join(p for p in parts if p)
        return f"requests matching {shown}" if shown else "requests"
