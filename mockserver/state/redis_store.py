"""The Redis side of the state store: reaching the server named by `--state`."""

from __future__ import annotations

import redis

from mockserver.errors import StateError
from mockserver.state.url import shown

CONNECT_TIMEOUT_S = 2.0  # how long `serve --state` waits for Redis at start before it exits 1


def check_reachable(url: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Raise StateError, one line naming the URL, unless the Redis server at `url` answers a PING."""
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except redis.RedisError as exc:
        reason = " ".join(str(exc).split()).rstrip(".") or type(exc).__name__
        raise StateError(f"cannot reach the state store {shown(url)}: {reason}") from None
    finally:
        client.close()
