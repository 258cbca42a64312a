"""The solver of `mockserver import`: events whose served series give back captured `/v1/usages` bodies exactly.

Known events (the captured activity) get their hidden fields (discount, quality-gate verdict and CU, nsfw label);
everything else the series and consumption rows show is carried by invented filler events, placed only where no
captured activity listed every event. Pure: the same inputs give the same events.

Targets are solved finest buckets first; a coarser target's residual goes into its time that no finer window holds,
except its model points there when the finer windows had no model-usages: their fillers' CU is dealt again to models.
In each target: known discounts by two max-flows (rows to models in a bucket, or to the later windows' model points,
then cells to users over the window, within what every later window still allows each user);
each bucket's filler events planned row by row (an exact search over whole models, else flows, else best fit), in
groups of one (bucket, kind of user, row, model) whose CU may be split among its events; then the groups' CU poured
into users, and repaired (a discount max-flow, chains of part moves and swaps, an exhaustive re-deal for small
cases) until every user's window totals hold, bounded by what the later (coarser) windows still allow them.
`check` then recomputes every target from the events: whatever is not exact is a problem, never silently wrong.
"""

from __future__ import annotations

from mockserver.proxy.synthesis.solver import synthesize
from mockserver.proxy.synthesis.target import SERIES_TYPES, PageTarget, Synthesis, Target, target_from_body

__all__ = ["SERIES_TYPES", "PageTarget", "Synthesis", "Target", "synthesize", "target_from_body"]
