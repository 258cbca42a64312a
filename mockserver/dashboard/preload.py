"""The page's first data, put into the page itself, so the page is drawn by its `load` event: a plain headless
screenshot shows it loaded, not "Loading…".

The server makes the page's first requests itself, through the whole app (auth, world selection, journal: exactly the
requests the script would send, with the dashboard's own headers), and hands the answers over in a
`<script type="application/json">` data block, which the Content-Security-Policy allows since it never runs. The script
uses an answer only for the very request it stands for, and fetches anything else (a stored admin token, other
credentials) as before. `INITIAL_*` must match what `app.js` asks first; a mismatch only costs the page a round trip.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from urllib.parse import quote, urlencode

import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Scope

PRELOAD_MARKER = '<script id="preloaded" type="application/json">[]</script>'
OWN_HEADERS = (("x-mock-client", "dashboard"), ("x-mock-fault", "pass"))  # as api.js's OWN_HEADERS
DEFAULT_CREDENTIALS = "dashboard:dashboard"  # as api.js's DEFAULT_CREDENTIALS
INITIAL_RANGE = "last-seven-days"  # the range select's selected option in index.html
INITIAL_QUERIES = (  # the queries of app.js's loadCharts and loadActivity, in its order of pairs
    (("type", "usages,asset-usages,quality-gate-usages,consumption"),),
    (("type", "model-usages"), ("dropZeroPoints", "true")),
    (("type", "activity"), ("activityOffset", "0")),
)
INITIAL_JOURNAL = "/__admin/journal?since=0&limit=500"  # app.js's first pollJournal (JOURNAL_KEEP)
TEAMS_PATH = "/v1/teams"  # team.js's loadTeam: the list, then the first team and its limits

log = logging.getLogger("mockserver.dashboard")


class _Answer:
    __slots__ = ("body", "content_type", "status")

    def __init__(self) -> None:
        self.status = 0
        self.content_type = ""
        self.body = bytearray()


async def _get(app: ASGIApp, page: Scope, path: str, query: str, headers: list[tuple[str, str]]) -> _Answer:
    """Send one GET through the app as if the page's script had sent it on the page's connection."""
    done = asyncio.Event()
    answer = _Answer()
    sent_body = False
    forwarded = [(k, v) for k, v in page.get("headers", []) if k in (b"host", b"user-agent", b"accept-language")]
    scope: Scope = {
        "type": "http",
        "asgi": page.get("asgi", {"version": "3.0"}),
        "http_version": page.get("http_version", "1.1"),
        "method": "GET",
        "scheme": page.get("scheme", "http"),
        "path": path,
        "raw_path": path.encode(),
        "root_path": page.get("root_path", ""),
        "query_string": query.encode(),
        "headers": forwarded + [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": page.get("client"),
        "server": page.get("server"),
    }
    if "state" in page:
        scope["state"] = dict(page["state"])

    async def receive() -> Message:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            for key, value in message.get("headers", []):
                if key.lower() == b"content-type":
                    answer.content_type = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            answer.body += message.get("body", b"")
            if not message.get("more_body", False):
                done.set()

    try:
        await app(scope, receive, send)
    finally:
        done.set()
    return answer


def _entry(url: str, answer: _Answer, scenario: str | None = None) -> bytes:
    is_json = answer.content_type.startswith("application/json") and answer.body
    return b"".join(
        [
            b'{"url":',
            orjson.dumps(url),
            b',"status":',
            str(answer.status).encode(),
            b',"scenario":',
            orjson.dumps(scenario or ""),
            b',"bytes":',
            str(len(answer.body)).encode(),
            b',"body":',
            bytes(answer.body) if is_json else b"null",
            b"}",
        ]
    )


async def preload(request: Request) -> bytes:
    """The answers to the page's first requests as a JSON array, safe inside a <script> element."""
    app, page = request.scope["app"], request.scope
    admin_headers = [("accept", "application/json")]
    entries: list[bytes] = []
    listing = await _get(app, page, "/__admin/scenarios", "", admin_headers)
    entries.append(_entry("/__admin/scenarios", listing))
    scenario = ""
    if listing.status == 200:
        scenario = str(orjson.loads(listing.body)["default"])
    elif listing.status != 404:  # a token is needed (or something else is wrong): the script takes over
        return _script_safe(entries)
    api_headers = [
        ("accept", "application/json"),
        ("authorization", "Basic " + base64.b64encode(DEFAULT_CREDENTIALS.encode()).decode()),
        *OWN_HEADERS,
    ]
    if scenario:
        api_headers.append(("x-mock-scenario", scenario))
    for pairs in INITIAL_QUERIES:
        query = urlencode((("timeRange", INITIAL_RANGE), *pairs), quote_via=quote)
        answer = await _get(app, page, "/v1/usages", query, api_headers)
        entries.append(_entry("/v1/usages?" + query, answer, scenario))
    entries.extend(await _team_entries(app, page, api_headers, scenario))
    if scenario:
        clock_path = "/__admin/clock?scenario=" + quote(scenario, safe="")
        entries.append(
            _entry(clock_path, await _get(app, page, "/__admin/clock", clock_path.split("?")[1], admin_headers))
        )
        path, query = INITIAL_JOURNAL.split("?")
        entries.append(_entry(INITIAL_JOURNAL, await _get(app, page, path, query, admin_headers)))
    return _script_safe(entries)


async def _team_entries(app: ASGIApp, page: Scope, headers: list[tuple[str, str]], scenario: str) -> list[bytes]:
    """The Team panel's requests: the teams list, then the first team and its limits (error answers too)."""
    listing = await _get(app, page, TEAMS_PATH, "", headers)
    entries = [_entry(TEAMS_PATH, listing, scenario)]
    if listing.status != 200:
        return entries
    teams = orjson.loads(listing.body).get("teams") or []
    if not teams:
        return entries
    team_id = str(teams[0]["id"])
    path = f"{TEAMS_PATH}/{team_id}"
    url = f"{TEAMS_PATH}/{quote(team_id, safe='')}"  # as the script's encodeURIComponent spells it
    entries.append(_entry(url, await _get(app, page, path, "", headers), scenario))
    entries.append(_entry(url + "/limits", await _get(app, page, path + "/limits", "", headers), scenario))
    return entries


def _script_safe(entries: list[bytes]) -> bytes:
    # `<` only occurs inside JSON strings, where \u003c means the same: no `</script>` can close the element early.
    return (b"[" + b",".join(entries) + b"]").replace(b"<", b"\\u003c")


async def page_with_preload(request: Request, page: bytes) -> bytes:
    """The page with its first data in it; the bare page (the script then fetches everything) if that fails."""
    try:
        data = await preload(request)
    except Exception:  # the page must load whatever its data does; the script will report the real error
        log.exception("could not preload the dashboard's first data")
        return page
    marker = PRELOAD_MARKER.encode()
    return page.replace(marker, marker.replace(b"[]", data, 1), 1)
