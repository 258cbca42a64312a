"""The mock's decisions that are checked, the finding an exchange gives on one, and the collector of an exchange's
findings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mockserver.proxy.capture import Capture

DECISIONS: Mapping[str, str] = {
    "granularity": "granularity from the window: <=1h 1m, <=6h 5m, <=1d 15m, <=2d 30m, <=7d 1h, <=62d 1d, else 7d",
    "bucket-alignment": "point times start UTC buckets of the granularity (7d on Mondays), inside the window",
    "density": "one point per bucket overlapping the window, in every row (unless dropZeroPoints)",
    "zero-filled-rows": "every row: 22 usage names, 8 asset kinds, 4 verdicts (total = pass + warn + fail)",
    "drop-zero-points": "dropZeroPoints: no all-zero point, every row kept (possibly with points [])",
    "activity-paging": "activity: at most 100 events per page, newest first",
    "consumption-order": "consumption sorted by value descending, then userId",
    "consumption-total": "consumption total = value + discount",
    "non-negative": "no count, cost or amount is negative",
    "api-key-share": "the API-key share (apiKey, apiKeyCost, apiKeyDiscount, countApiKey) never exceeds its total",
    "creative-unit-totals": "creative-unit-cost / -discount rows total sum(consumption.value) / sum(discount)",
    "entities-coverage": "entities hold every user, model, job, asset and collection the body references",
    "entities-sorted": "each entities list sorted by id",
    "timestamps": "times are UTC ISO 8601 with milliseconds (YYYY-MM-DDTHH:MM:SS.sssZ)",
    "envelope": "read endpoints: the body's envelope key (`jobs`, `job`, ...)",
    "page-size": "read lists: at most pageSize items (default 50, at most 100)",
    "list-order": "read lists: newest first by createdAt (jobs filtered by status/type/workflowId: updatedAt)",
    "pagination-token": "read lists: nextPaginationToken only on a full page (when more may follow)",
    "error-body": "errors: {reason, message (same text), code, traceId}; 429 adds remainingSeconds and Retry-After",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """What one exchange says of one decision."""

    decision: str
    verdict: str  # "agrees" | "differs"
    evidence: str
    capture: str  # the capture's source

    def to_json(self) -> dict[str, str]:
        return {"decision": self.decision, "verdict": self.verdict, "evidence": self.evidence, "capture": self.capture}


SHOWN = 5  # problems named in one evidence line


def _summary(problems: list[str], total: int | None = None) -> str:
    total = len(problems) if total is None else total
    shown = "; ".join(problems[:SHOWN])
    return shown + (f"; and {total - SHOWN} more" if total > SHOWN else "")


class Checks:
    """The findings of one exchange."""

    def __init__(self, capture: Capture) -> None:
        self.capture = capture
        self.findings: list[Finding] = []

    def add(self, decision: str, problems: list[str], agrees: str) -> None:
        verdict = "differs" if problems else "agrees"
        evidence = _summary(problems) if problems else agrees
        self.findings.append(Finding(decision, verdict, evidence, self.capture.source))
