"""The HTTP layer: the Starlette app factory, the usages handler, auth, error bodies and the controls middleware."""

from mockserver.api.app import build_app

__all__ = ["build_app"]
