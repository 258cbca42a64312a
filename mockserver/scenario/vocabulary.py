"""The vocabularies a scenario file draws from (actions, job types, flow nodes, usage names, ...), as one table.

`mockserver vocabulary` prints them; the README's table is checked against them. Every list comes from the contract's
enums; an action also says which `usageName` row it counts under (`txt2img` -> `images-generation`).
"""

from __future__ import annotations

from collections.abc import Iterable
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

# The command-line name of each list, by its values (the loader's messages point to `mockserver vocabulary NAME`).
NAMES: dict[tuple[str, ...], str] = {
    ACTIONS: "actions",
    JOB_TYPES: "job-types",
    JOB_STATUSES: "job-statuses",
    NODE_TYPES: "node-types",
    NODE_STATUSES: "node-statuses",
    USAGE_NAMES: "usage-names",
    ASSET_KINDS: "asset-kinds",
    API_KEY_STATUSES: "api-key-statuses",
}


def vocabulary_name(values: Iterable[str]) -> str | None:
    """The `mockserver vocabulary` list made of exactly these values, if there is one."""
    wanted = set(values)
    return next((name for listed, name in NAMES.items() if set(listed) == wanted), None)


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
    from mockserver.world.catalog import CATALOG  # here: the loader imports this module for `vocabulary_name`

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
    from mockserver.world.catalog import CATALOG

    counted = sorted(a for a, info in CATALOG.items() if info.usage_row == name)
    return "<- " + ", ".join(counted) if counted else ""


def vocabularies() -> dict[str, Vocabulary]:
    """Every vocabulary by its command-line name."""
    table = [
        Vocabulary(
            NAMES[ACTIONS],
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
