"""The decisions checked on an answer of a read endpoint: its envelope, page size, order and pagination token."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from mockserver.proxy.decisions.body import epoch_ms, iso
from mockserver.proxy.decisions.findings import Checks

ENVELOPES: Mapping[str, tuple[str, ...]] = {
    "teams.list": ("teams",),
    "teams.retrieve": ("team",),
    "teams.retrieve_limits": ("limits", "period", "values", "plan", "oneShotCreativeUnits"),
    "projects.list": ("projects",),
    "projects.retrieve": ("project",),
    "jobs.list": ("jobs",),
    "jobs.retrieve": ("job",),
    "assets.list": ("assets",),
    "assets.retrieve": ("asset",),
    "models.list": ("models",),
    "models.retrieve": ("model",),
    "collections.list": ("collections",),
    "collections.retrieve": ("collection",),
}
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
JOB_FILTERS_BY_UPDATE = ("status", "type", "types", "workflowId")


def check_read(checks: Checks, endpoint: str, body: Mapping[str, Any], params: Mapping[str, str]) -> None:
    keys = ENVELOPES[endpoint]
    missing = [f"the body has no {key!r}" for key in keys if key not in body]
    checks.add("envelope", missing, f"the body holds {', '.join(map(repr, keys))}")
    if not endpoint.endswith(".list") or not isinstance(body.get(keys[0]), list):
        return
    items = [item for item in body[keys[0]] if isinstance(item, dict)]
    token = body.get("nextPaginationToken")
    if endpoint != "teams.list":
        try:
            size = int(params.get("pageSize") or DEFAULT_PAGE_SIZE)
        except ValueError:
            size = DEFAULT_PAGE_SIZE  # a lenient upstream's default
        size = size if 1 <= size <= MAX_PAGE_SIZE else DEFAULT_PAGE_SIZE
        problems = [f"{len(items)} items, more than the page size {size}"] if len(items) > size else []
        checks.add("page-size", problems, f"{len(items)} items on a page of {size}")
        full = len(items) == size
        if token is not None:
            checks.add(
                "pagination-token",
                [] if full else [f"a nextPaginationToken on a page of {len(items)} items, short of {size}"],
                "a token on a full page",
            )
        else:
            checks.add("pagination-token", [], f"no token: the last page ({len(items)} items)")
    by = "createdAt"
    if endpoint == "jobs.list" and any(params.get(k) for k in JOB_FILTERS_BY_UPDATE):
        by = "updatedAt"
    times = [epoch_ms(item.get(by)) for item in items]
    order = [
        f"$.{keys[0]}[{j}].{by} {iso(b)} is newer than $.{keys[0]}[{j - 1}].{by} {iso(a)}"
        for j, (a, b) in enumerate(itertools.pairwise(times), start=1)
        if a is not None and b is not None and b > a
    ]
    checks.add("list-order", order, f"{len(items)} items newest first by {by}")
