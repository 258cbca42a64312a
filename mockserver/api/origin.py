"""Who may drive the sandbox: the Host allowlist and the same-origin rule of the admin API and the dashboard.

A browser lets any page send some requests to any server without asking it first (a CORS "simple request": GET,
HEAD or POST, no custom header, a body typed `text/plain`, `application/x-www-form-urlencoded` or
`multipart/form-data`, or no body at all: `fetch(url, {mode: "no-cors"})`, a `<form method=post>`,
`navigator.sendBeacon`). The page cannot read the answer, but the server acts on it; and a page whose DNS name
is rebound to 127.0.0.1 is same-origin with the server for its browser, so it can even read answers. So, for the
dashboard (`/`, `/__admin/ui/...`) and the admin API (`/__admin/...`):

1. `Host` must name this server: `localhost` or `*.localhost` (browsers resolve them to loopback themselves and no
   public DNS can answer for them), an IP literal (`127.0.0.1`, `[::1]`, `10.0.0.5`: a browser sends the name the
   page was loaded from, so a rebinding page always sends its DNS name, and a name that ends in a number is an
   IPv4 address to the URL parser, never a DNS name), the `--host` the server listens on, or a name given with
   `--allow-host` (`*` allows any). The port is not checked: port mappings (`-p 8080:4010`) change it, and a
   rebinding page uses the server's port anyway. Otherwise: a JSON 403.
2. A request that changes state (any method but GET, HEAD and OPTIONS) also needs:
   - no `Origin`, or the server's own origin (`scheme://` + the `Host` it names). Browsers send `Origin` with
     every POST, PUT and DELETE, `null` from sandboxed frames and opaque origins: a foreign or `null` Origin is a
     JSON 403. `Sec-Fetch-Site: cross-site` or `same-site` (another port of localhost) is a 403 too.
   - `Content-Type: application/json` (parameters such as `; charset=utf-8` allowed), else a JSON 415: no form
     or `text/plain` body changes state, even from a browser old enough to send no Origin. A request without a
     body and without Content-Type (`httpx.post(url)`, `curl -X POST`) is accepted: a browser's bodiless
     cross-site POST carries Origin, refused above, and the tests and tools that drive the sandbox send none.

No CORS header is ever sent, so a preflight (needed for JSON or any other request) never grants anything. GET
`/__admin/health` answers any Host: health checks and load balancers call it by whatever name, and it tells only
that the server is up. The API itself (`/v1/...`, `/openapi.json`) answers any Host: clients reach the mock
under any name (a compose service, a CI alias), and its answers are the fake data of the public scenario files
for the credentials the caller sends, so a page reading them learns nothing (the admin API is checked because
its journal shows other clients' requests, and its calls change what every client gets).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.api.errors import error_response

ADMIN_PREFIX = "/__admin"
HEALTH_PATH = "/__admin/health"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ANY_HOST = "*"
DEFAULT_PORTS = {"http": 80, "https": 443}
REPEATED = "\x00repeated"  # two Host or Origin headers: no browser sends that, so neither is believed
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-._")


def split_host(value: str) -> tuple[str, int | None] | None:
    """A `Host` value as (lower-case name without a trailing dot, port), or None if it is not one."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[: end + 1], value[end + 1 :]
    else:
        name, sep, rest = value.partition(":")
        rest = sep + rest
    if rest and (not rest.startswith(":") or not rest[1:].isdigit() or len(rest) > 6):
        return None
    port = int(rest[1:]) if rest else None
    if name.endswith(".") and not name.startswith("["):
        name = name[:-1]
    if not name or (not name.startswith("[") and not set(name) <= _NAME_CHARS):
        return None
    return name, port


def is_ip_literal(name: str) -> bool:
    """Whether a host name is an IPv4 address or a bracketed IPv6 one (`10.0.0.5`, `[::1]`)."""
    try:
        ipaddress.ip_address(name[1:-1] if name.startswith("[") and name.endswith("]") else name)
    except ValueError:
        return False
    return True


def normalize_host_name(value: str) -> str | None:
    """A name for `--allow-host` as it is compared (`*`, `mockserver`, `[::1]`), or None if it is not one."""
    if value.strip() == ANY_HOST:
        return ANY_HOST
    parts = split_host(value)
    return parts[0] if parts is not None else None


class HostPolicy:
    """Which `Host` names the admin API and the dashboard answer (see the module docstring)."""

    def __init__(self, allowed: Iterable[str]) -> None:
        names = {normalize_host_name(name) for name in allowed}
        self.any = ANY_HOST in names
        self.names = frozenset(name for name in names if name is not None and name != ANY_HOST)

    def allows(self, name: str) -> bool:
        if self.any or name in self.names or name == "localhost" or name.endswith(".localhost"):
            return True
        return is_ip_literal(name)


def _origin_parts(origin: str) -> tuple[str, str, int] | None:
    scheme, sep, rest = origin.strip().lower().partition("://")
    if not sep or scheme not in DEFAULT_PORTS or "/" in rest:
        return None
    parts = split_host(rest)
    if parts is None:
        return None
    return scheme, parts[0], parts[1] if parts[1] is not None else DEFAULT_PORTS[scheme]


class OriginGuard:
    """ASGI middleware: refuse dashboard and admin requests of other hosts, and cross-origin or non-JSON changes."""

    def __init__(self, app: ASGIApp, *, allow_hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.policy = HostPolicy(allow_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path == "/" or path.startswith(ADMIN_PREFIX):
                refusal = self.check(scope)
                if refusal is not None:
                    await refusal(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    def check(self, scope: Scope) -> Response | None:
        """The refusal of this dashboard or admin request, or None when it may go on."""
        method: str = scope["method"]
        if scope["path"] == HEALTH_PATH and method in ("GET", "HEAD"):
            return None
        headers = _headers(scope)
        host_value = headers.get("host", "")
        host = split_host(host_value)
        if host is None or not self.policy.allows(host[0]):
            shown = _shown(host_value)
            name = host[0] if host is not None else "NAME"
            return error_response(
                403,
                f"Host {shown} may not use the admin API or the dashboard (a page of another site can reach a "
                f"local server through DNS rebinding): call it as http://127.0.0.1 or http://localhost, or "
                f"start mockserver with --allow-host {name} (MOCK_ALLOW_HOSTS={name})",
            )
        if method in SAFE_METHODS:
            return None
        origin = headers.get("origin")
        if origin is not None:
            scheme: str = scope.get("scheme", "http")
            own = (scheme, host[0], host[1] if host[1] is not None else DEFAULT_PORTS.get(scheme, 80))
            if _origin_parts(origin) != own:
                return error_response(
                    403,
                    f"Cross-origin admin request refused: Origin {_shown(origin)} is not this server's origin "
                    f"{_shown(f'{scheme}://{host_value.strip().lower()}')}; drive the sandbox from a test, a tool "
                    "(no Origin header) or its own dashboard",
                )
        site = headers.get("sec-fetch-site", "").strip().lower()
        if site in ("cross-site", "same-site"):
            return error_response(
                403,
                f"Cross-site admin request refused (Sec-Fetch-Site: {site}); drive the sandbox from a test, a tool "
                "or its own dashboard",
            )
        content_type = headers.get("content-type")
        if content_type is None and not _has_body(headers):
            return None
        media_type = (content_type or "").partition(";")[0].strip().lower()
        if media_type != "application/json":
            got = f"Content-Type {_shown(content_type)}" if content_type is not None else "a body without Content-Type"
            return error_response(
                415,
                f"The admin API changes state only on JSON: send `Content-Type: application/json` (got {got})",
                code="UNSUPPORTED_MEDIA_TYPE",
            )
        return None


def _headers(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name; a repeated one reads as a value no check accepts."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        headers[name] = REPEATED if name in headers else raw_value.decode("latin-1")
    return headers


def _has_body(headers: dict[str, str]) -> bool:
    return "transfer-encoding" in headers or headers.get("content-length", "0").strip() not in ("", "0")


def _shown(value: str | None, limit: int = 100) -> str:
    """A client's value quoted for a message, cut to `limit` characters."""
    text = value or ""
    return repr(text if len(text) <= limit else text[:limit] + "...")
