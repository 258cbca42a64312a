"""Response snapshots: one SHA-256 per (scenario, query) over the shipped scenarios, proof that no byte changed.

    python bench/snapshots.py [--out bench/snapshots.json]     # write the snapshot
    python bench/snapshots.py --check bench/snapshots.json     # compare with it; exit 1 and list what differs

Each scenario file is served alone with a frozen clock: `/v1/usages` through `mockserver render` (the CLI's `main`)
and, in process through `httpx.ASGITransport`, `/v1/usages` again plus every read endpoint (each list, and each
retrieve of the list's first id) with an active key of the scenario, team and project scope when it has both. A hash
covers the status and the body; the in-process requests' `x-mock-now` header is part of it too.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import httpx

from mockserver.api import build_app
from mockserver.api.read import ENDPOINTS
from mockserver.cli import main as cli_main
from mockserver.scenario.loader import load_scenario
from mockserver.settings import Settings
from mockserver.world.clock import parse_instant

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-11-30T12:00:00Z"
USAGE_QUERIES = (
    "",
    "timeRange=last-hour",
    "timeRange=last-day",
    "timeRange=last-three-days",
    "timeRange=last-seven-days",
    "timeRange=last-thirty-one-days",
    "timeRange=last-day&type=consumption",
    "timeRange=last-seven-days&type=activity",
    "timeRange=last-thirty-one-days&type=activity&activityOffset=100",
    "timeRange=last-thirty-one-days&type=activity&activityOffset=200",
    "timeRange=last-seven-days&dropZeroPoints=true",
    "timeRange=last-thirty-one-days&dropZeroPoints=true&type=consumption",
    "startDate=2026-11-20&endDate=2026-11-27",
    "startDate=2026-11-29T06:30:00Z&endDate=2026-11-30T06:30:00Z&dropZeroPoints=true",
    "startDate=2026-10-01&endDate=2026-11-30&type=activity",
    "timeRange=bogus",
)
READ_QUERIES = ("", "pageSize=5")


def _render(path: Path, query: str) -> bytes:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(["render", "--scenarios", str(path), "--now", NOW, query])
    return f"{code}\n".encode() + out.getvalue().encode() + err.getvalue().encode()


def _keys(path: Path) -> list[tuple[str, str]]:
    """(label, Authorization header) for the first active team key and the first active project key."""
    found: dict[str, str] = {}
    for key in load_scenario(path).api_keys:
        if key.status == "active" and key.secret is not None and key.scope not in found:
            found[key.scope] = "Basic " + base64.b64encode(f"{key.id}:{key.secret}".encode()).decode()
    return sorted(found.items())


_TRACE_ID = re.compile(rb'"traceId":"[0-9a-f]{32}"')


def _digest(response: httpx.Response) -> str:
    head = f"{response.status_code}\n{response.headers.get('x-mock-now', '')}\n".encode()
    # An error body's traceId is fresh on every request (as the real API's is): the hash covers its shape only.
    body = _TRACE_ID.sub(b'"traceId":"' + b"0" * 32 + b'"', response.content)
    return hashlib.sha256(head + body).hexdigest()


async def _served(path: Path) -> dict[str, str]:
    settings = Settings(scenarios_dir=path, now=parse_instant(NOW), log_requests=False)
    app = build_app(settings)
    found: dict[str, str] = {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        for label, auth in _keys(path):
            headers = {"Authorization": auth}
            for query in USAGE_QUERIES:
                response = await client.get(f"/v1/usages?{query}", headers=headers)
                found[f"http {label} /v1/usages?{query}"] = _digest(response)
            for endpoint in ENDPOINTS:
                if not endpoint.is_list:
                    continue
                for query in READ_QUERIES:
                    response = await client.get(f"/v1{endpoint.path}?{query}", headers=headers)
                    found[f"http {label} /v1{endpoint.path}?{query}"] = _digest(response)
            for endpoint in ENDPOINTS:
                if endpoint.is_list:
                    continue
                target = "/v1" + endpoint.path.replace("{id}", await _first_id(client, endpoint.path, headers))
                response = await client.get(target, headers=headers)
                found[f"http {label} /v1{endpoint.path}"] = _digest(response)
        response = await client.get("/openapi.json")
        found["http /openapi.json"] = _digest(response)
    return found


async def _first_id(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> str:
    """The id a retrieve path asks for: the first of its list, or `missing` when the list is empty or refused."""
    list_path = path.split("/{id}")[0]
    response = await client.get(f"/v1{list_path}", headers=headers)
    if response.status_code != 200:
        return "missing"
    data: Any = response.json()
    for value in data.values():
        first = value[0] if isinstance(value, list) and value else value
        if isinstance(first, dict):
            for name in ("id", "jobId", "assetId", "modelId", "collectionId"):
                if isinstance(first.get(name), str):
                    return str(first[name])
    return "missing"


def take() -> dict[str, dict[str, str]]:
    """Every scenario's hashes, by query."""
    snapshot: dict[str, dict[str, str]] = {}
    for path in sorted((REPO / "scenarios").glob("*.yaml")):
        hashes = {f"render {q}": hashlib.sha256(_render(path, q)).hexdigest() for q in USAGE_QUERIES}
        hashes.update(asyncio.run(_served(path)))
        snapshot[path.stem] = hashes
    return snapshot


def compare(expected: dict[str, dict[str, str]], found: dict[str, dict[str, str]]) -> list[str]:
    differences = []
    for scenario in sorted(expected.keys() | found.keys()):
        old, new = expected.get(scenario, {}), found.get(scenario, {})
        for query in sorted(old.keys() | new.keys()):
            if old.get(query) != new.get(query):
                differences.append(f"{scenario}: {query}: {old.get(query, '(absent)')} -> {new.get(query, '(absent)')}")
    return differences


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "snapshots.json")
    parser.add_argument("--check", type=Path, help="compare with this snapshot instead of writing one")
    args = parser.parse_args()
    found = take()
    if args.check is None:
        args.out.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
        print(f"{sum(len(h) for h in found.values())} hashes over {len(found)} scenarios -> {args.out}")
        return 0
    differences = compare(json.loads(args.check.read_text()), found)
    for line in differences:
        print(line)
    total = sum(len(h) for h in found.values())
    print(f"{len(differences)} difference(s) in {total} hashes over {len(found)} scenarios")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
