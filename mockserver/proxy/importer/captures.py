"""The captures `mockserver import` reads: each a 200 answer of `GET /v1/usages` whose body the newest contract
accepts, with its query parsed the way the mock parses it (`Exchange`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockserver.contract.query import UsageQuery, parse_usage_query
from mockserver.contract.versions import LATEST_VERSION
from mockserver.errors import CaptureError, QueryError
from mockserver.proxy.capture import Capture

USAGE_KEYS = frozenset(
    {"usages", "modelUsages", "assetUsages", "nsfwUsages", "qualityGateUsages", "consumption", "activity", "entities"}
)


@dataclass
class Exchange:
    """One captured `/usages` 200 answer, with its query parsed the way the mock parses it."""

    capture: Capture
    body: dict[str, Any]
    query: UsageQuery

    @property
    def source(self) -> str:
        return self.capture.source

    @property
    def relative(self) -> bool:
        return self.query.start is None


def read_exchange(capture: Capture, notes: list[str]) -> Exchange | None:
    if capture.endpoint != "usages.list":
        notes.append(f"{capture.source}: not imported: {capture.path} is not GET /v1/usages")
        return None
    if capture.status != 200:
        notes.append(f"{capture.source}: not imported: an error answer ({capture.status})")
        return None
    body = capture.body
    if capture.text is not None or not isinstance(body, dict):
        raise CaptureError(capture.source, "$.response.body", "not a JSON object: a usages body is one")
    if not body or not set(body) & USAGE_KEYS:
        found = ", ".join(map(repr, list(body)[:5])) or "none"
        raise CaptureError(
            capture.source,
            "$.response.body" if capture.time is not None or capture.request_headers else "$.body",
            f"not a usages body: expected some of {', '.join(sorted(USAGE_KEYS))}; found keys {found}",
        )
    _check_contract(capture, body)
    try:
        query = parse_usage_query(capture.params)
    except QueryError as exc:
        raise CaptureError(capture.source, "$.request.query", f"the query is one the API refuses: {exc}") from None
    return Exchange(capture, body, query)


def _check_contract(capture: Capture, body: dict[str, Any]) -> None:
    """CaptureError at the first place the body breaks the newest contract (what the SDK would refuse)."""
    from mockserver.proxy.contracts import check_contracts

    violations = check_contracts("usages.list", body).get(LATEST_VERSION)
    if violations:
        first = violations[0]
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        raise CaptureError(
            capture.source,
            first.path,
            f"breaks the {LATEST_VERSION} contract: {first.reason}{more}",
        )
