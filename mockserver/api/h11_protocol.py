"""uvicorn's h11 protocol with the head guard: where httptools is not installed, or h11 is asked for.

A module of its own, imported when `http_protocol` picks h11, so that a server on httptools never imports h11.
"""

from __future__ import annotations

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from mockserver.api.server import HeadGuard


class MockH11Protocol(HeadGuard, H11Protocol):
    """uvicorn's h11 protocol (where httptools is not installed), with the head guard."""

    def _awaiting_head(self) -> bool:
        return bool(self.conn.their_state is h11.IDLE)
