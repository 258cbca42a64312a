"""Test-double controls: faults, latency and sequences (`Faults`), and the request journal (`Journal`).

`FaultRule` and `FaultResponse` are the scenario format's (`mockserver.scenario.faults`), here beside what runs them.
"""

from mockserver.controls.faults import FaultAction, FaultRequest, Faults
from mockserver.controls.journal import Journal, JournalEntry, VerificationError
from mockserver.scenario.faults import FaultResponse, FaultRule

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
