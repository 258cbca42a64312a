"""Serving never imports hypothesis: `mockserver.strategies` is the only run-time importer of it, on demand."""

from __future__ import annotations

import subprocess
import sys

SERVING = """
import sys
import mockserver, mockserver.cli, mockserver.pytest_plugin
from mockserver.api import build_app
from mockserver.settings import Settings
build_app(Settings(log_requests=False))
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("hypothesis", "hypothesis_jsonschema"))
print(",".join(loaded) or "none")
import mockserver.strategies
print("hypothesis" in sys.modules and "hypothesis_jsonschema" in sys.modules)
"""


def test_serving_imports_no_hypothesis_and_the_strategies_do() -> None:
    done = subprocess.run([sys.executable, "-c", SERVING], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["none", "True"], done.stdout + done.stderr
