"""Reading a `/usages` body leniently: its series rows and points, numbers and instants that may be malformed, and
the enums of the latest contract."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from mockserver.contract.versions import LATEST_VERSION, load_contract

SERIES = ("usages", "modelUsages", "assetUsages", "nsfwUsages", "qualityGateUsages", "slopUsages")
ROW_KEYS = {
    "usages": "usageName",
    "modelUsages": "modelId",
    "assetUsages": "kind",
    "nsfwUsages": "label",
    "qualityGateUsages": "verdict",
    "slopUsages": "verdict",
}
VERDICTS = frozenset({"total", "pass", "warn", "fail"})


@functools.cache
def latest_enum(definition: str, field: str) -> frozenset[str]:
    """The values of an enum of the latest `/usages` contract (the 22 usage names, the 8 asset kinds)."""
    schema = load_contract(LATEST_VERSION)["response_200"]["$defs"][definition]["properties"][field]
    branch = next(b for b in schema.get("anyOf", [schema]) if b.get("type") != "null")
    return frozenset(branch["enum"])


TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\Z")


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def epoch_ms(text: Any) -> int | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def iso(ms: float) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def series_rows(body: Mapping[str, Any]) -> Iterator[tuple[str, int, Mapping[str, Any]]]:
    for series in SERIES:
        rows = body.get(series)
        if isinstance(rows, list):
            for index, row in enumerate(rows):
                if isinstance(row, dict):
                    yield series, index, row


def row_points(row: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    points = row.get("points")
    return [p for p in points if isinstance(p, dict)] if isinstance(points, list) else []
