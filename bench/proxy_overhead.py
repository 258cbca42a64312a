"""What the validating proxy costs a client: the same requests straight to a mockserver and through the proxy.

    python bench/proxy_overhead.py [REQUESTS]

The upstream is `mockserver serve` in its own process; the proxy runs in this one (it validates each answer in a
worker thread after answering). Per path, two measures, direct and proxied alternating so that machine noise hits
both: the median latency of requests 0.2 s apart (the validator idle: what an integration's test sees), and
back-to-back requests/s (the validator busy: the proxy then answers as fast as it validates).
"""

from __future__ import annotations

import base64
import statistics
import subprocess
import sys
import threading
import time

import httpx
import uvicorn

from mockserver.api.server import server_config
from mockserver.proxy.forward import ProxySettings, build_proxy_app
from mockserver.settings import Settings

BASIC = {"Authorization": "Basic " + base64.b64encode(b"bench-key:bench-secret").decode()}
NOW = "2026-11-30T14:37:12.345Z"
TARGETS = ("/v1/usages", "/v1/usages?timeRange=last-hour", "/v1/jobs?pageSize=100", "/v1/teams")


def serve(app: object, port: int) -> uvicorn.Server:
    server = uvicorn.Server(server_config(app, "127.0.0.1", port, Settings(log_requests=False)))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise SystemExit("a server did not start")
        time.sleep(0.01)
    return server


def timed(client: httpx.Client, url: str, n: int, pause: float = 0.0) -> list[float]:
    took = []
    for _ in range(n):
        time.sleep(pause)
        start = time.perf_counter()
        response = client.get(url, headers=BASIC)
        response.raise_for_status()
        took.append(time.perf_counter() - start)
    return took


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    cmd = [sys.executable, "-m", "mockserver", "serve", "--port", "4811", "--now", NOW, "--quiet"]
    upstream = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get("http://127.0.0.1:4811/__admin/health", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise SystemExit("the upstream did not start") from None
                time.sleep(0.1)
        proxy_app = build_proxy_app(ProxySettings("http://127.0.0.1:4811", log_requests=False))
        proxy = serve(proxy_app, 4812)
        with httpx.Client(timeout=60) as client:
            for target in TARGETS:
                direct_url, proxied_url = "http://127.0.0.1:4811" + target, "http://127.0.0.1:4812" + target
                timed(client, direct_url, 5)  # warm both paths and the render cache
                timed(client, proxied_url, 5)
                idle_d, idle_p, busy_d, busy_p = [], [], [], []
                for _ in range(4):  # alternate, so that noise hits both
                    idle_d += timed(client, direct_url, 5, pause=0.2)
                    idle_p += timed(client, proxied_url, 5, pause=0.2)
                    busy_d += timed(client, direct_url, n // 4)
                    busy_p += timed(client, proxied_url, n // 4)
                d, p = statistics.median(idle_d), statistics.median(idle_p)
                rd, rp = len(busy_d) / sum(busy_d), len(busy_p) / sum(busy_p)
                print(
                    f"{target:30} idle: direct {d * 1000:6.2f} ms, proxied {p * 1000:6.2f} ms | "
                    f"back-to-back: direct {rd:6.0f} req/s, proxied {rp:5.0f} req/s"
                )
        time.sleep(2)
        print(f"report: {proxy_app.state.report.to_json()['exchanges']} exchanges validated")
        proxy.should_exit = True
    finally:
        upstream.terminate()
        upstream.wait(10)


if __name__ == "__main__":
    main()
