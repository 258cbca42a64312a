"""The mock's decisions (API-FACTS.md and READ-API-FACTS.md, "Decisions for the mock") checked on one exchange.

`check_decisions(capture)` yields one `Finding` per decision that applies to the exchange: `agrees` or `differs`,
with the evidence. The instant of the exchange is `capture.time`, else the response's `Date` header, else unknown;
it is an interval (the exchange took `elapsedMs`, a `Date` header has whole seconds), and a check that depends on
it agrees when some instant of the interval explains the body (an unknown instant: any instant).
"""

from __future__ import annotations

from mockserver.proxy.decisions.exchange import check_decisions
from mockserver.proxy.decisions.findings import DECISIONS, Finding
from mockserver.proxy.decisions.window import instant_bounds

__all__ = ["DECISIONS", "Finding", "check_decisions", "instant_bounds"]
