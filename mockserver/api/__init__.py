"""The HTTP layer: the Starlette app factory, the usages handler, auth and error bodies."""

from mockserver.api.app import build_app

__all__ = ["build_app"]
