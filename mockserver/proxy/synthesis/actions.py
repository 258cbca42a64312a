"""The actions of filler events: each usage row's own, and those of events that count in no usage row."""

from __future__ import annotations

from mockserver.world.aggregate import ROW_INDEX
from mockserver.world.catalog import CATALOG, ActionInfo

# Actions of the filler events that count in no usage row: CU alone, CU on a model, a job of a model, a created asset.
ROWLESS = "oscu"
ROWLESS_MODEL = "update-model"
ROWLESS_JOB = "download-model"
ROWLESS_ASSET = "asset"
UPLOAD_ACTIONS = frozenset({"asset"})
# The action of the events that count in nothing (no row, no CU, no model, no asset): what keeps a captured activity
# page at its offset without changing any captured number.
FREE = "assistant-message"


def _row_actions() -> dict[str, ActionInfo]:
    """The action of the filler events of each usage row: the row's own action, else the first one mapping to it."""
    chosen: dict[str, ActionInfo] = {}
    for name in sorted(CATALOG):
        info = CATALOG[name]
        if info.usage_row is not None:
            chosen.setdefault(info.usage_row, info)
    for row in chosen:
        if row in CATALOG and CATALOG[row].usage_row == row:
            chosen[row] = CATALOG[row]
    return chosen


ROW_ACTIONS = _row_actions()
USES_MODEL = {
    ROW_INDEX[row]: any(info.uses_model for info in CATALOG.values() if info.usage_row == row) for row in ROW_ACTIONS
}
