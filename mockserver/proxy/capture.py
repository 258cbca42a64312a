"""Captures: one JSON file per exchange the proxy forwarded (or one written by hand), credentials never kept.

A capture file holds::

    {"mockserverCapture": 1, "time": "2026-12-03T08:00:00.123Z", "upstream": "https://api.cloud.scenario.com/v1",
     "elapsedMs": 41.5,
     "request": {"method": "GET", "path": "/v1/usages", "query": "timeRange=last-seven-days", "headers": {...}},
     "response": {"status": 200, "headers": {...}, "body": {...}}}

`response.body` is the parsed JSON body; a body that is not JSON is kept as `response.text` instead. `error`, when
present, says that the client did not get this response but the proxy's JSON error with this message: either no
response came (a timeout, a reset: `"upstreamAnswered": false`, and `response` is the proxy's 502/504, which says
nothing of the upstream) or it was refused (an answer that is not JSON: `response` is the upstream's, as received).
A hand-written
capture (an integration's bug report) may be just `{"query": "...", "body": {...}}`, with optional `path` (default
`/v1/usages`), `status` (200) and `time` (the instant of the exchange; default: inferred from the body).
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson

from mockserver.controls.masking import is_secret_name
from mockserver.controls.routes import endpoint_name
from mockserver.errors import CaptureError
from mockserver.world.clock import format_ms, parse_instant

FORMAT_VERSION = 1
FORMAT_KEY = "mockserverCapture"
# Headers no capture keeps, whatever their name says: credentials and cookies both ways.
DROPPED_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
MASK = "***"


@dataclass
class Capture:
    """One exchange: the request as sent (without credentials) and the response as received."""

    path: str
    query: str = ""
    method: str = "GET"
    status: int = 200
    body: Any = None  # the parsed JSON body, or None when `text` holds a body that is not JSON
    text: str | None = None
    time: int | None = None  # epoch ms of the exchange; None: not recorded (a hand-written capture)
    request_headers: dict[str, str] = field(default_factory=dict)
    response_headers: dict[str, str] = field(default_factory=dict)
    upstream: str | None = None
    elapsed_ms: float | None = None
    error: str | None = None  # the proxy's error message when the client did not get this response (see above)
    answered: bool = True  # False: the upstream gave no answer, the response is the proxy's own 502/504
    source: str = "<capture>"  # what names it in messages and the report: its file, or the exchange (`exchange_name`)
    sequence: int | None = None  # the exchange's number in the proxy's run; its file is named by it when recorded

    @property
    def endpoint(self) -> str | None:
        """The SDK call of the path (`usages.list`, `jobs.retrieve`, ...), or None for a path the API does not have."""
        return endpoint_name(self.path)

    @property
    def params(self) -> list[tuple[str, str]]:
        """The query's parameters, in order, blank values kept (`?dropZeroPoints` is `("dropZeroPoints", "")`)."""
        return parse_qsl(self.query, keep_blank_values=True)

    def to_json(self) -> dict[str, Any]:
        response: dict[str, Any] = {"status": self.status, "headers": self.response_headers}
        if self.text is not None:
            response["text"] = self.text
        else:
            response["body"] = self.body
        document: dict[str, Any] = {FORMAT_KEY: FORMAT_VERSION}
        if self.time is not None:
            document["time"] = format_ms(self.time)
        if self.upstream is not None:
            document["upstream"] = self.upstream
        if self.elapsed_ms is not None:
            document["elapsedMs"] = round(self.elapsed_ms, 1)
        if self.error is not None:
            document["error"] = self.error
        if not self.answered:
            document["upstreamAnswered"] = False
        document["request"] = {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.request_headers,
        }
        document["response"] = response
        return document


def scrub_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers as a capture keeps them: lowercase names, credentials and cookies dropped, repeats joined."""
    kept: dict[str, str] = {}
    for name, value in headers:
        name = name.lower()
        if name in DROPPED_HEADERS or is_secret_name(name):
            continue
        kept[name] = f"{kept[name]}, {value}" if name in kept else value
    return kept


def scrub_query(query: str) -> str:
    """The query string with the values of parameters named like credentials (`apiSecret`, `token`) masked."""
    params = parse_qsl(query, keep_blank_values=True)
    if not any(is_secret_name(name) for name, _ in params):
        return query
    return urlencode([(n, MASK if is_secret_name(n) else v) for n, v in params], safe="*,")


def capture_name(capture: Capture, counter: int) -> str:
    """A file name that sorts in time order: `20261203T080000123Z-000001-GET-usages.json`."""
    stamp = format_ms(capture.time if capture.time is not None else int(time.time() * 1000))
    stamp = stamp.replace("-", "").replace(":", "").replace(".", "")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", capture.path.removeprefix("/v1")).strip("-")[:60] or "root"
    return f"{stamp}-{counter:06d}-{capture.method.upper()}-{slug}.json"


def exchange_name(capture: Capture, sequence: int, directory: Path | None = None) -> str:
    """What names a live exchange: the file it is recorded in (in `directory`), else its number, method, path and
    query (credentials masked, as `capture.query` has them): `#3 GET /v1/usages?timeRange=last-day`."""
    if directory is not None:
        return str(directory / capture_name(capture, sequence))
    return f"#{sequence} {capture.method.upper()} {capture.path}" + (f"?{capture.query}" if capture.query else "")


def prepare_directory(directory: Path) -> None:
    """Make `directory` (and its parents) if need be and check that a capture can be written there; ValueError
    saying why not."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ValueError(f"{directory} exists and is not a directory") from None
    except OSError as exc:
        raise ValueError(f"cannot create the directory {directory}: {exc.strerror or exc}") from None
    try:
        fd, probe = tempfile.mkstemp(dir=directory, prefix=".capture-", suffix=".tmp")
    except OSError as exc:
        raise ValueError(f"cannot write into {directory}: {exc.strerror or exc}") from None
    os.close(fd)
    Path(probe).unlink(missing_ok=True)


class CaptureWriter:
    """Writes captures into one directory, each file complete or absent (written aside, then renamed)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        prepare_directory(directory)
        self._counter = itertools.count(1)

    def write(self, capture: Capture) -> Path:
        """Write one capture, named by its `sequence` (the name its report evidence gives) or by this writer's count."""
        sequence = capture.sequence if capture.sequence is not None else next(self._counter)
        target = self.directory / capture_name(capture, sequence)
        data = orjson.dumps(capture.to_json(), option=orjson.OPT_INDENT_2)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".capture-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data + b"\n")
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target


def capture_files(paths: Iterable[Path]) -> list[Path]:
    """The capture files named: files as given, directories by their `*.json` files in name (time) order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.glob("*.json") if p.is_file()))
        else:
            found.append(path)
    return found


def read_capture(path: Path) -> Capture:
    """Read one capture file (recorded or hand-written); CaptureError naming the file and the JSON path if wrong."""
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CaptureError(source, "", f"cannot read it: {exc.strerror or exc}") from None
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise CaptureError(source, "", f"not JSON: {exc}") from None
    return parse_capture(document, source)


def parse_capture(document: Any, source: str = "<capture>") -> Capture:
    """A capture from its JSON document; CaptureError naming `source` and the JSON path of what is wrong."""
    if not isinstance(document, dict):
        raise CaptureError(source, "$", f"expected a JSON object, found {_kind(document)}")
    if FORMAT_KEY in document or "request" in document or "response" in document:
        return _recorded(document, source)
    return _hand_written(document, source)


def _recorded(document: Mapping[str, Any], source: str) -> Capture:
    version = document.get(FORMAT_KEY, FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise CaptureError(source, f"$.{FORMAT_KEY}", f"expected {FORMAT_VERSION}, found {version!r}")
    request = _object(document, "request", source)
    response = _object(document, "response", source)
    path = _string(request, "path", source, "$.request")
    capture = Capture(
        path=path,
        query=_string(request, "query", source, "$.request", default=""),
        method=_string(request, "method", source, "$.request", default="GET"),
        status=_status(response.get("status", 200), source, "$.response.status"),
        time=_instant(document.get("time"), source, "$.time"),
        request_headers=_headers(request.get("headers"), source, "$.request.headers"),
        response_headers=_headers(response.get("headers"), source, "$.response.headers"),
        upstream=document.get("upstream") if isinstance(document.get("upstream"), str) else None,
        elapsed_ms=document.get("elapsedMs") if isinstance(document.get("elapsedMs"), int | float) else None,
        error=document.get("error") if isinstance(document.get("error"), str) else None,
        answered=document.get("upstreamAnswered") is not False,
        source=source,
    )
    if "body" in response:
        capture.body = response["body"]
    elif isinstance(response.get("text"), str):
        capture.text = response["text"]
    else:
        raise CaptureError(source, "$.response", "expected `body` (the JSON body) or `text` (a body that is not JSON)")
    return capture


def _hand_written(document: Mapping[str, Any], source: str) -> Capture:
    if "body" not in document:
        raise CaptureError(
            source,
            "$",
            "expected a recorded capture (`request`, `response`) or a hand-written one (`query` and `body`); "
            f"found keys {', '.join(map(repr, document)) or 'none'}",
        )
    query = _string(document, "query", source, "$", default="").lstrip("?")
    return Capture(
        path=_string(document, "path", source, "$", default="/v1/usages"),
        query=query,
        status=_status(document.get("status", 200), source, "$.status"),
        body=document["body"],
        time=_instant(document.get("time"), source, "$.time"),
        source=source,
    )


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _object(document: Mapping[str, Any], key: str, source: str) -> Mapping[str, Any]:
    value = document.get(key)
    if not isinstance(value, dict):
        raise CaptureError(source, f"$.{key}", f"expected an object, found {_kind(value)}")
    return value


def _string(document: Mapping[str, Any], key: str, source: str, at: str, default: str | None = None) -> str:
    value = document.get(key, default)
    if not isinstance(value, str):
        raise CaptureError(source, f"{at}.{key}", f"expected a string, found {_kind(value)}")
    return value


def _status(value: Any, source: str, at: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise CaptureError(source, at, f"expected an HTTP status (100-599), found {value!r}")
    return value


def _instant(value: Any, source: str, at: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return parse_instant(value)
        except ValueError:
            pass
    raise CaptureError(source, at, f"expected an ISO 8601 instant such as '2026-12-03T08:00:00.000Z', found {value!r}")


def _headers(value: Any, source: str, at: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise CaptureError(source, at, "expected an object of header names and string values")
    return {str(k).lower(): v for k, v in value.items()}
