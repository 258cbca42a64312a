r"""The ceiling: a raw ASGI app answering every request with one file's bytes, as JSON.

Run under the same uvicorn as mockserver (`bench/run.py` does this), it measures what the server, the event loop
and the HTTP parser cost on their own:

    BENCH_CEILING_BODY=/tmp/body.json uvicorn --factory --app-dir bench ceiling:app_from_env \
        --loop uvloop --http httptools --no-access-log
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

BODY_ENV = "BENCH_CEILING_BODY"


def build_app(body: bytes) -> Any:
    """Return an ASGI app that answers every HTTP request with `body` (and completes the lifespan protocol)."""
    start = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    }
    response = {"type": "http.response.body", "body": body}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await send(start)
        await send(response)

    return app


def app_from_env() -> Any:
    """The app factory for `uvicorn --factory ceiling:app_from_env`: the body is the file `$BENCH_CEILING_BODY`."""
    path = os.environ.get(BODY_ENV)
    if not path:
        raise SystemExit(f"ceiling: set {BODY_ENV} to the file whose bytes every response carries")
    return build_app(Path(path).read_bytes())
