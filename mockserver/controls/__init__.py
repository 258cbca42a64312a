"""Test-double controls: faults, latency and sequences (`Faults`), and the request journal (`Journal`).

`mockserver.scenario.model` is imported first on purpose: scenario files declare fault rules, so the scenario model
imports `FaultRule`, and loading the scenario package before `faults` keeps that import cycle-free in any order.
"""

import mockserver.scenario.model  # noqa: F401  (see the docstring)
from mockserver.controls.faults import FaultAction, FaultRequest, FaultResponse, FaultRule, Faults
from mockserver.controls.journal import Journal, JournalEntry, VerificationError

__all__ = [
    "FaultAction",
    "FaultRequest",
    "FaultResponse",
    "FaultRule",
    "Faults",
    "Journal",
    "JournalEntry",
    "VerificationError",
]
