"""The `--state` URL: which store it names, checked before anything connects, and how it is shown (no password)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

SCHEMES = ("redis", "rediss", "unix")
_NAMESPACE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def check_state_url(text: str) -> str:
    """`text` if it is a Redis URL (`redis://HOST:PORT/DB`, `rediss://...`, `unix:///path`); ValueError if not."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in SCHEMES or (parts.scheme != "unix" and not parts.hostname):
        raise ValueError(f"expected a Redis URL such as redis://127.0.0.1:6379/0, found {text!r}")
    database = parts.path.strip("/")
    if parts.scheme != "unix" and database and not database.isdigit():
        raise ValueError(f"the database of a Redis URL is a number (redis://HOST:PORT/0), found {text!r}")
    return text


def check_namespace(text: str) -> str:
    """`text` if it can prefix the store's keys (letters, digits, `_.:-`, 1-64 of them); ValueError if not."""
    if not _NAMESPACE.match(text):
        raise ValueError(f"expected 1-64 letters, digits or `_.:-`, found {text!r}")
    return text


def shown(url: str) -> str:
    """The URL as messages show it: a password becomes `***`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port is not None else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
