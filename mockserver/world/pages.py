"""Cursor pagination of the read lists: opaque tokens that pin the instant and the query of the first page.

A token is `base64url(payload).signature`: the payload names the list, a digest of its query, the instant of the first
page and the sort key of the last item served; the signature (HMAC-SHA256 keyed by the world) makes a token this
server did not make, or made for another list, query or world, a 400. Walking the pages of one token chain is a walk
over one frozen instant, so it never skips nor repeats an item while the clock moves.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Hashable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

import orjson

from mockserver.contract.lists import PageRequest
from mockserver.errors import QueryError
from mockserver.world.world import World

T = TypeVar("T")
TOKEN_VERSION = 1
# A sort key: what orders a list (e.g. `[createdAt ms, id]`), compared as a tuple; the last one served is the cursor.
Cursor = tuple[Any, ...]


def _secret(world: World) -> bytes:
    return hashlib.sha256(f"mockserver-page-token:{world.name}:{world.seed}".encode()).digest()


def _digest(query: Hashable) -> str:
    return hashlib.sha256(repr(query).encode()).hexdigest()[:16]


def encode_token(world: World, endpoint: str, query: Hashable, now: int, cursor: Cursor) -> str:
    """The token of the page after `cursor`, for `query` of the list `endpoint` at `now`."""
    payload = orjson.dumps([TOKEN_VERSION, endpoint, _digest(query), now, list(cursor)])
    signature = hmac.new(_secret(world), payload, hashlib.sha256).digest()[:12]
    return _b64(payload) + "." + _b64(signature)


def decode_token(world: World, endpoint: str, query: Hashable, token: str) -> tuple[int, Cursor]:
    """The instant and cursor a token pins; `QueryError` unless this world made it for this list and query."""
    payload_text, dot, signature_text = token.partition(".")
    try:
        if not dot:
            raise ValueError
        payload = _unb64(payload_text)
        signature = _unb64(signature_text)
    except (ValueError, binascii.Error):
        raise QueryError("paginationToken is not a token this server made") from None
    expected = hmac.new(_secret(world), payload, hashlib.sha256).digest()[:12]
    if not hmac.compare_digest(signature, expected):
        raise QueryError("paginationToken is not a token this server made")
    version, made_for, digest, now, cursor = orjson.loads(payload)
    if version != TOKEN_VERSION or made_for != endpoint:
        raise QueryError(f"paginationToken was made for another list ({made_for}), not for {endpoint}")
    if digest != _digest(query):
        raise QueryError("paginationToken was made for another query: send the first page's parameters with it")
    return int(now), tuple(cursor)


def paginate(
    world: World,
    endpoint: str,
    query: Hashable,
    page: PageRequest,
    served_now: int,
    scan: Callable[[int, Cursor | None], Iterator[tuple[Cursor, T]]],
    *,
    lenient: bool = False,
) -> tuple[int, list[T], str | None]:
    """One page of a list: `(now, items, next token)`.

    `scan(now, cursor)` yields `(sort key, item)` in list order, strictly after `cursor` (None: from the start). The
    first page is at `served_now`; the next ones at the instant their token pins. A bad token is a 400, or the first
    page when `lenient`.
    """
    now, cursor = served_now, None
    if page.token is not None:
        try:
            now, cursor = decode_token(world, endpoint, query, page.token)
        except QueryError:
            if not lenient:
                raise
    taken = list(islice(scan(now, cursor), page.size + 1))
    items = [item for _, item in taken[: page.size]]
    token = encode_token(world, endpoint, query, now, taken[page.size - 1][0]) if len(taken) > page.size else None
    return now, items, token


def after(
    rows: Sequence[tuple[Cursor, T]], cursor: Cursor | None, *, descending: bool = True
) -> Iterator[tuple[Cursor, T]]:
    """The rows of an already sorted sequence that come after `cursor` (for small lists built whole)."""
    for key, item in rows:
        if cursor is None or (key < cursor if descending else key > cursor):
            yield key, item


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or not text.isascii():
        raise ValueError(text)
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
