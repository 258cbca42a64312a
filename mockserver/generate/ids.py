"""Seeds and ids: stable 64-bit seeds and base62 ids, each a blake2b hash of its parts, the same in every
process; and ids drawn from a value's own rng."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable

__all__ = ["draw_id", "make_id", "person_id", "stable_seed"]

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_22 = range(22)
_PAIRS2 = 3844 * 3844  # two digit pairs
_BASE62_PAIRS = tuple(_BASE62[i % 62] + _BASE62[i // 62] for i in range(62 * 62))  # digit pair -> low, high


def _encode(part: object) -> str:
    if type(part) is str or type(part) is int:
        return repr(part)
    # repr is stable across processes for the types keys are made of; sets are sorted so that their
    # hash-dependent iteration order (PYTHONHASHSEED) cannot leak into the seed.
    if isinstance(part, (set, frozenset)):
        return "{" + ",".join(sorted(_encode(p) for p in part)) + "}"
    if isinstance(part, (tuple, list)):
        return "(" + ",".join(_encode(p) for p in part) + ")"
    if isinstance(part, dict):
        return "{" + ",".join(f"{_encode(k)}:{_encode(v)}" for k, v in part.items()) + "}"
    return repr(part)


def _digest(parts: Iterable[object], size: int) -> int:
    # Strings and ints (nearly every part) are encoded inline: a call each was a third of an id's cost.
    data = "\x1f".join([repr(p) if type(p) is str or type(p) is int else _encode(p) for p in parts]).encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=size).digest(), "little")


def stable_seed(*parts: object) -> int:
    """Hash the parts to a 64-bit int that is the same in every process (parts need a deterministic repr)."""
    return _digest(parts, 8)


def make_id(prefix: str, *parts: object, length: int = 22) -> str:
    """Derive an id such as `asset_` + `length` base62 characters from the prefix and the parts."""
    n = _digest((prefix, *parts), (length * 6 + 7) // 8)
    pairs = _BASE62_PAIRS
    if length == 22:  # nearly every id: the loop below unrolled, a third of its cost
        n, a = divmod(n, _PAIRS2)
        n, b = divmod(n, _PAIRS2)
        n, c = divmod(n, _PAIRS2)
        n, d = divmod(n, _PAIRS2)
        n, e = divmod(n, _PAIRS2)
        return "".join(
            (
                prefix,
                pairs[a % 3844],
                pairs[a // 3844],
                pairs[b % 3844],
                pairs[b // 3844],
                pairs[c % 3844],
                pairs[c // 3844],
                pairs[d % 3844],
                pairs[d // 3844],
                pairs[e % 3844],
                pairs[e // 3844],
                pairs[n % 3844],
            )
        )
    chars = []
    for _ in range(length // 4):  # four base62 digits a step, lowest first: one division of the long number
        n, r = divmod(n, _PAIRS2)
        high, low = divmod(r, 3844)
        chars.append(pairs[low])
        chars.append(pairs[high])
    if length % 4 >= 2:
        n, r = divmod(n, 3844)
        chars.append(pairs[r])
    if length % 2:
        chars.append(_BASE62[n % 62])
    return prefix + "".join(chars)


def draw_id(rng: random.Random, prefix: str = "") -> str:
    """Draw a `prefix` + 22 base62 characters id from `rng` (ids inside a generated value: as deterministic as
    `make_id`, and 5x cheaper)."""
    # `rng.choices(_BASE62, k=22)` without its call: the same draws (a digit is `floor(random() * 62)`).
    random = rng.random
    return prefix + "".join([_BASE62[int(random() * 62.0)] for _ in _22])


def person_id(*parts: object) -> str:
    """Derive a person's bare 22-character base62 user id (people have no prefix)."""
    return make_id("", *parts)
