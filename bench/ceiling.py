r"""The ceiling: a raw ASGI app answering every request with one file's bytes, as JSON.

Run under the same uvicorn as mockserver (`bench/run.py` does this), it measures what the server, the event loop
and the HTTP parser cost on their own:

    BENCH_CEILING_BODY=/tmp/body.json uvicorn --factory --app-dir bench ceiling:app_from_env \
        --loop uvloop --http httptools --no-access-log

`pages_from_env` answers each request target (`path?query`, as sent) with its own file's bytes instead, from a JSON
index `{target: file}` in `$BENCH_CEILING_PAGES`: what `bench/read.py` walks a list on (an unknown target is a 404).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

BODY_ENV = "BENCH_CEILING_BODY"
PAGES_ENV = "BENCH_CEILING_PAGES"


def _messages(body: bytes, status: int = 200) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two ASGI messages of a JSON response carrying `body`, built once."""
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    }
    return start, {"type": "http.response.body", "body": body}


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def build_app(body: bytes) -> Any:
    """Return an ASGI app that answers every HTTP request with `body` (and completes the lifespan protocol)."""
    start, response = _messages(body)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send)
        await send(start)
        await send(response)

    return app


def build_pages_app(pages: dict[str, bytes]) -> Any:
    """Return an ASGI app that answers each request target in `pages` with its bytes (any other with a 404)."""
    answers = {target: _messages(body) for target, body in pages.items()}
    missing = _messages(b'{"error":"not a page of this ceiling"}', 404)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send)
        query = scope["query_string"]
        target = scope["path"] + "?" + query.decode("latin-1") if query else scope["path"]
        start, response = answers.get(target, missing)
        await send(start)
        await send(response)

    return app


def app_from_env() -> Any:
    """The app factory for `uvicorn --factory ceiling:app_from_env`: the body is the file `$BENCH_CEILING_BODY`."""
    path = os.environ.get(BODY_ENV)
    if not path:
        raise SystemExit(f"ceiling: set {BODY_ENV} to the file whose bytes every response carries")
    return build_app(Path(path).read_bytes())


def pages_from_env() -> Any:
    """The app factory for `uvicorn --factory ceiling:pages_from_env`: the pages indexed by `$BENCH_CEILING_PAGES`."""
    path = os.environ.get(PAGES_ENV)
    if not path:
        raise SystemExit(f"ceiling: set {PAGES_ENV} to a JSON file mapping each request target to a body file")
    index = json.loads(Path(path).read_text())
    files: dict[str, bytes] = {}  # one copy of each file, however many targets share it
    pages = {target: files.setdefault(name, Path(name).read_bytes()) for target, name in index.items()}
    return build_pages_app(pages)
