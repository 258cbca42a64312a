"""Credentials: Basic (`apiKey:apiSecret`) or Bearer, checked against the world's declared API keys."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from mockserver.errors import AuthError
from mockserver.world.entities import ApiKey
from mockserver.world.world import World


@dataclass(frozen=True, slots=True)
class Credentials:
    scheme: str  # "basic" or "bearer"
    key: str  # the API key (Basic user name) or the bearer token
    secret: str | None


def parse_authorization(header: str | None) -> Credentials:
    """Parse an `Authorization` header; raise `AuthError` when it is missing or malformed."""
    if not header:
        raise AuthError("Missing credentials: send Basic (API key and secret) or Bearer authentication")
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise AuthError("Malformed Basic credentials") from None
        key, sep, secret = decoded.partition(":")
        if not sep or not key or not secret:
            raise AuthError("Malformed Basic credentials: expected a non-empty API key and secret")
        return Credentials("basic", key, secret)
    if scheme.lower() == "bearer":
        if not value or " " in value:
            raise AuthError("Malformed Bearer token")
        return Credentials("bearer", value, None)
    raise AuthError("Unsupported authorization scheme: use Basic or Bearer")


CREDENTIALS_CACHE_SIZE = 1024  # Authorization headers remembered (then forgotten all at once) ...
CREDENTIALS_CACHE_HEADER_BYTES = 512  # ... of at most this length: about 0.7 MB in all; longer ones parsed every time


class CredentialsCache:
    """The parsed credentials of raw `Authorization` headers: clients repeat theirs, so each is parsed once."""

    __slots__ = ("_parsed",)

    def __init__(self) -> None:
        self._parsed: dict[bytes, Credentials | None] = {}

    def get(self, authorization: bytes | None) -> Credentials | None:
        """The credentials of a header; None when there is none or it does not parse (the handler says why)."""
        if authorization is None:
            return None
        if authorization in self._parsed:
            return self._parsed[authorization]
        try:
            credentials: Credentials | None = parse_authorization(authorization.decode("latin-1"))
        except AuthError:
            credentials = None
        if len(authorization) <= CREDENTIALS_CACHE_HEADER_BYTES:
            if len(self._parsed) >= CREDENTIALS_CACHE_SIZE:
                self._parsed.clear()
            self._parsed[authorization] = credentials
        return credentials


def declared_key(world: World, credentials: Credentials) -> ApiKey | None:
    """The world's API key these credentials name, if any."""
    if credentials.scheme == "basic":
        return world.keys_by_id.get(credentials.key)
    for key in world.keys:
        if key.secret is not None and key.secret == credentials.key:
            return key
    return None


def authenticate(world: World, credentials: Credentials) -> ApiKey | None:
    """Accept or refuse credentials for a world; return the declared key they belong to, if any."""
    key = declared_key(world, credentials)
    if key is None:
        if world.settings.accept_only_declared_keys:
            raise AuthError("Invalid credentials")
        return None
    if credentials.scheme == "basic" and key.secret is not None and credentials.secret != key.secret:
        raise AuthError("Invalid credentials")
    if key.status != "active":
        raise AuthError(f"This API key is {key.status}")
    return key
