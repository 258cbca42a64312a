"""Hypothesis strategies for property-testing an integration: every body a published contract allows, every world a
scenario can describe, every query a client could send.

Importing this module imports hypothesis and hypothesis-jsonschema (and installs `_compat`'s shim); serving never
imports it, so `import mockserver` and start-up stay fast.
"""

from __future__ import annotations

from mockserver.strategies._compat import install as _install_compat

_install_compat()

from mockserver.strategies.bodies import bodies, usage_bodies  # noqa: E402 - after the shim, which from_schema needs

__all__: list[str] = ["bodies", "usage_bodies"]
