"""How exactly `mockserver import` gives captures back: shipped worlds x instants x query sets, in process.

    python bench/import_roundtrip.py default,workflow-jobs 2026-11-30T14:37:12.345Z,2026-11-18T03:05:00Z

One line per case: captured answers served back JSON-equal, the first difference, import time and scenario size.
"""

import asyncio
import base64
import sys
import tempfile
import time
from pathlib import Path

import httpx

from mockserver.api import build_app
from mockserver.proxy.capture import Capture, CaptureWriter
from mockserver.proxy.importer import first_difference, import_captures
from mockserver.settings import Settings
from mockserver.world.clock import parse_instant

BASIC = {"Authorization": "Basic " + base64.b64encode(b"bench-key:bench-secret").decode()}


def answers(scenario, queries, now):
    app = build_app(Settings(now=now, log_requests=False))

    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://u") as h:
            out = []
            for q in queries:
                r = await h.get(f"/v1/usages?{q}", headers={**BASIC, "x-mock-scenario": scenario})
                assert r.status_code == 200, (q, r.text[:200])
                out.append((q, r.json(), dict(r.headers)))
            return out

    return asyncio.run(go())


def served(path, queries):
    app = build_app(Settings(scenarios_dir=path, log_requests=False))

    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://i") as h:
            return [(await h.get(f"/v1/usages?{q}", headers=BASIC)).json() for q in queries]

    return asyncio.run(go())


SETS = {
    "issue": (
        "timeRange=last-seven-days",
        "startDate=2026-11-01&endDate=2026-11-27",
        "type=activity",
        "type=activity&activityOffset=100",
    ),
    "mixed": (
        "timeRange=last-day",
        "timeRange=last-hour",
        "timeRange=last-three-days&dropZeroPoints",
        "type=activity&timeRange=last-day",
        "type=activity&timeRange=last-day&activityOffset=100",
    ),
    "month": (
        "timeRange=last-thirty-one-days",
        "timeRange=last-seven-days&type=consumption,usages",
        "type=activity&timeRange=last-thirty-one-days",
    ),
    "custom-mid": (
        "startDate=2026-11-20T06:30:00Z&endDate=2026-11-22T18:00:00Z",
        "startDate=2026-11-15&endDate=2026-11-25",
    ),
}
for scenario in sys.argv[1].split(","):
    for now_text in sys.argv[2].split(","):
        for name, qs in SETS.items():
            d = Path(tempfile.mkdtemp())
            w = CaptureWriter(d / "c")
            ans = answers(scenario, qs, parse_instant(now_text))
            for q, b, h in ans:
                w.write(
                    Capture(
                        path="/v1/usages",
                        query=q,
                        body=b,
                        response_headers={"x-mock-now": h["x-mock-now"]},
                        time=int(time.time() * 1000),
                    )
                )
            t = time.time()
            try:
                imp = import_captures([d / "c"], "rt")
            except Exception as exc:
                print(scenario, now_text, name, "ERROR", type(exc).__name__, str(exc)[:300])
                continue
            dt = time.time() - t
            (d / "rt.yaml").write_text(imp.text)
            bodies = served(d / "rt.yaml", qs)
            bad = [
                (q, first_difference(b, s)) for (q, b, _), s in zip(ans, bodies, strict=True) if first_difference(b, s)
            ]
            print(
                scenario,
                now_text,
                name,
                f"{imp.equal}/{imp.compared}",
                "served-bad",
                len(bad),
                f"{dt:.1f}s",
                f"{len(imp.text) // 1024}KB",
                (bad[:1], imp.notes[:2]) if bad or imp.notes else "",
            )
