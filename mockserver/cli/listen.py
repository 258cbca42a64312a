"""Where `serve` and `proxy` listen: the address check before they say "listening", the URL a person can open,
and the host names the admin API and the dashboard answer to."""

from __future__ import annotations

import argparse
import os

from mockserver.cli.arguments import UsageError
from mockserver.errors import MockServerError


class AddressError(MockServerError):
    """The server cannot listen where it was asked to (exit status 1)."""


WILDCARD_HOSTS = ("0.0.0.0", "", "::", "[::]")


def browsable(host: str, port: int) -> str:
    """The base URL a person can open for a listening address (a wildcard address becomes 127.0.0.1)."""
    if host in WILDCARD_HOSTS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def allowed_hosts(args: argparse.Namespace) -> tuple[str, ...]:
    """The `--allow-host` names (else MOCK_ALLOW_HOSTS), checked and normalised, plus `--host` if it is a name."""
    from mockserver.api.origin import is_ip_literal, normalize_host_name

    given = args.allow_hosts
    if given is None:
        given = [name for name in os.environ.get("MOCK_ALLOW_HOSTS", "").split(",") if name.strip()]
    names = []
    for value in given:
        name = normalize_host_name(value)
        if name is None:
            raise UsageError(
                f"--allow-host (or MOCK_ALLOW_HOSTS) takes a host name such as mockserver or my-box.local, "
                f"or *, not {value!r}"
            )
        names.append(name)
    listening = normalize_host_name(args.host)
    if listening is not None and not is_ip_literal(listening):
        names.append(listening)  # `serve --host my-box.local`: its own name is allowed
    return tuple(dict.fromkeys(names))


def check_address(host: str, port: int) -> None:
    """Fail with one line, before saying "listening", when the address cannot be bound (in use, not local)."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind(address)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise AddressError(f"cannot listen on {host}:{port}: {reason.lower()}") from None
