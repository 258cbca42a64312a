"""Hypothesis strategies for property-testing an integration: every body a published contract allows, every world a
scenario can describe, every query a client could send.

Importing this module imports hypothesis and hypothesis-jsonschema (and installs `_compat`'s shim); serving never
imports it, so `import mockserver` and start-up stay fast.
"""

from __future__ import annotations

from mockserver.strategies._compat import install as _install_compat

_install_compat()

# After the shim: `from_schema` needs it on hypothesis >= 6.170.10.
from mockserver.strategies.queries import usage_queries  # noqa: E402
from mockserver.strategies.responses import bodies, usage_bodies  # noqa: E402
from mockserver.strategies.worlds import reading_credentials, scenarios  # noqa: E402

__all__: list[str] = ["bodies", "reading_credentials", "scenarios", "usage_bodies", "usage_queries"]
