"""The query of the read endpoints: a reader of raw parameters with the API's 400 rules, and the page request.

Each list's own typed query (`JobListQuery`, ...) lives with its contract module and is parsed with `QueryReader`.
The world imports a list's module with that list's first request: the module's response models are the schema of
the OpenAPI document, which a server answering `/v1/usages` alone never builds (start-up stays short).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from mockserver.contract.query import parse_date
from mockserver.errors import QueryError

DEFAULT_PAGE_SIZE = 50
MIN_PAGE_SIZE = 1
MAX_PAGE_SIZE = 100
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})
_BOUND_SORTS = (
    ("createdAfter", "createdAt"),
    ("createdBefore", "createdAt"),
    ("updatedAfter", "updatedAt"),
    ("updatedBefore", "updatedAt"),
)


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which page of a list: its size, and the token of the previous page (None: the first page)."""

    size: int = DEFAULT_PAGE_SIZE
    token: str | None = None


class QueryReader:
    """Typed values of a read endpoint's query; a malformed value is a 400, or absent when `lenient`.

    Unknown parameters are ignored (as the API does); a repeated parameter counts by its last value, except the
    list forms (`types=a&types=b` or `types=a,b`).
    """

    def __init__(self, items: Iterable[tuple[str, str]], *, lenient: bool = False) -> None:
        self.lenient = lenient
        self._params: dict[str, list[str]] = {}
        for name, value in items:
            self._params.setdefault(name, []).append(value)

    def fail(self, message: str) -> None:
        """Refuse the query with a 400 (nothing in `lenient` mode: the caller goes on as if the value were absent)."""
        if not self.lenient:
            raise QueryError(message)

    def has(self, name: str) -> bool:
        return bool(self._params.get(name))

    def text(self, name: str) -> str | None:
        """The last value of a parameter; an empty value counts as absent."""
        values = self._params.get(name)
        return values[-1] if values and values[-1] != "" else None

    def texts(self, name: str) -> list[str] | None:
        """Every value of a list parameter, repeated or comma separated (None when absent)."""
        values = [v.strip() for value in self._params.get(name, ()) for v in value.split(",") if v.strip()]
        return values or None

    def boolean(self, name: str) -> bool | None:
        text = self.text(name)
        if text is None:
            return None
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        self.fail(f"{name} must be true or false; got {text!r}")
        return None

    def choice(self, name: str, allowed: Collection[str]) -> str | None:
        text = self.text(name)
        if text is None or text in allowed:
            return text
        self.fail(f"{name} must be one of {', '.join(allowed)}; got {text!r}")
        return None

    def choices(self, name: str, allowed: Collection[str]) -> list[str] | None:
        values = self.texts(name)
        if values is None:
            return None
        bad = [v for v in values if v not in allowed]
        if bad:
            self.fail(f"{name} must be among {', '.join(allowed)}; got {bad[0]!r}")
            values = [v for v in values if v in allowed]
        return values or None

    def one_of_types(self, allowed: Collection[str]) -> tuple[str, ...] | None:
        """`type` or `types` (a 400 when both are given), as a sorted tuple of distinct values (None: no filter)."""
        one = self.choice("type", allowed)
        many = self.choices("types", allowed)
        if one is not None and many is not None:
            self.fail('the parameters "type" and "types" cannot be used together')
            one = None
        return tuple(sorted(set([one] if one is not None else many or ()))) or None

    def sorted_bounds(self, sort_by: str) -> dict[str, int | None]:
        """`createdAfter/Before` and `updatedAfter/Before`: each needs the list sorted by its date (else a 400)."""
        bounds: dict[str, int | None] = {}
        for name, needs in _BOUND_SORTS:
            value = self.instant(name)
            if value is not None and sort_by != needs:
                self.fail(f"{name} requires sortBy={needs} (sortBy is {sort_by})")
                value = None
            bounds[name] = value
        return bounds

    def instant(self, name: str) -> int | None:
        """An ISO 8601 date or instant, as epoch milliseconds."""
        text = self.text(name)
        if text is None:
            return None
        try:
            return parse_date(text, is_end=False)
        except ValueError:
            self.fail(f"{name} is not an ISO 8601 date from 1970 to 9999: {text!r}")
            return None

    def page(self) -> PageRequest:
        """`pageSize` (1..100, default 50) and `paginationToken`."""
        size = DEFAULT_PAGE_SIZE
        text = self.text("pageSize")
        if text is not None:
            stripped = text.strip()
            if _INTEGER.fullmatch(stripped) and MIN_PAGE_SIZE <= int(stripped) <= MAX_PAGE_SIZE:
                size = int(stripped)
            else:
                self.fail(f"pageSize must be an integer from {MIN_PAGE_SIZE} to {MAX_PAGE_SIZE}; got {text!r}")
        return PageRequest(size, self.text("paginationToken"))
