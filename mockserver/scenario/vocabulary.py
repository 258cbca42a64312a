"""The vocabularies a scenario file draws from (actions, job types, flow nodes, usage names, ...), as one table.

`mockserver vocabulary` prints them; the README's table is checked against them. Every list comes from the contract's
enums; an action also says which `usageName` row it counts under (`txt2img` -> `images-generation`).
"""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.contract.enums import (
    ACTIONS,
    API_KEY_STATUSES,
    ASSET_KINDS,
    JOB_STATUSES,
    JOB_TYPES,
    NODE_STATUSES,
    NODE_TYPES,
    USAGE_NAMES,
)
from mockserver.world.catalog import CATALOG


@dataclass(frozen=True)
class Vocabulary:
    """One list of allowed values: where a scenario uses it, and a note per value (may be empty)."""

    name: str
    used_in: str
    values: tuple[str, ...]
    notes: dict[str, str]

    def lines(self) -> list[str]:
        width = max((len(v) for v in self.values), default=0)
        return [f"{v:<{width}}  {self.notes[v]}".rstrip() if self.notes.get(v) else v for v in self.values]


def _action_note(action: str) -> str:
    info = CATALOG[action]
    parts = [f"-> {info.usage_row}" if info.usage_row else "-> (no usage row)"]
    if info.job_type:
        parts.append(f"job {info.job_type}")
    if info.asset_kind:
        parts.append(f"asset {info.asset_kind}")
    return ", ".join(parts)


BILLING_NOTES = {
    "creative-unit-cost": "billing: the CU charged by every event",
    "creative-unit-discount": "billing: the CU discounted on every event",
}


def _usage_name_note(name: str) -> str:
    if name in BILLING_NOTES:
        return BILLING_NOTES[name]
    counted = sorted(a for a, info in CATALOG.items() if info.usage_row == name)
    return "<- " + ", ".join(counted) if counted else ""


def vocabularies() -> dict[str, Vocabulary]:
    """Every vocabulary by its command-line name."""
    table = [
        Vocabulary(
            "actions",
            "activity.generators[].actions, activity.events[].action, jobs[].action",
            ACTIONS,
            {a: _action_note(a) for a in ACTIONS},
        ),
        Vocabulary("job-types", "jobs[].jobType, activity.generators[].jobType", JOB_TYPES, {}),
        Vocabulary("job-statuses", "jobs[].status, jobs[].progress[].status", JOB_STATUSES, {}),
        Vocabulary("node-types", "jobs[].flow[].type", NODE_TYPES, {}),
        Vocabulary("node-statuses", "jobs[].flow[].status", NODE_STATUSES, {}),
        Vocabulary(
            "usage-names",
            "the usageName of `usages` rows (which actions count under each)",
            USAGE_NAMES,
            {n: _usage_name_note(n) for n in USAGE_NAMES},
        ),
        Vocabulary("asset-kinds", "assets[].kind", ASSET_KINDS, {}),
        Vocabulary("api-key-statuses", "apiKeys[].status", API_KEY_STATUSES, {}),
    ]
    return {v.name: v for v in table}
