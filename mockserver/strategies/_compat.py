"""The one compatibility shim between hypothesis-jsonschema and newer hypothesis releases.

hypothesis-jsonschema 0.23.1 (the newest) draws an object's keys with `many.more()`, a private method of
`hypothesis.internal.conjecture.utils.many` that hypothesis 6.170.10 replaced by an iterator protocol (`with many(...)
as elements: for _ in elements:`). On those releases every `from_schema` of an object raises `AttributeError`. The
shim gives `many` back a `more()` built on the new protocol's own steps (finish the element, decide, start the next),
so the choice sequence and its spans stay well formed and shrinking works as before. On releases that still have
`more()` it does nothing. A bound on hypothesis would instead force every user's suite onto an old hypothesis.
"""

from __future__ import annotations

from typing import Any

from hypothesis.internal.conjecture import utils as conjecture_utils


def _more(self: Any) -> bool:
    """Should another element be drawn? The pre-6.170.10 `many.more()`, on the iterator protocol's steps."""
    if self._depth is None:  # the first call: what `__enter__` does
        self._depth = self.data.depth
    if self._in_element:
        self._finish_element()
    if not self._decide():
        self._closed = True
        return False
    self.count += 1
    self._in_element = True
    self._rejected = False
    return True


def install() -> bool:
    """Give `many` a `more()` if this hypothesis lacks it; True if the shim was installed (now or before)."""
    many: Any = conjecture_utils.many
    if getattr(many, "more", None) is _more:
        return True
    if hasattr(many, "more"):
        return False
    steps = ("_finish_element", "_decide", "_in_element", "_depth")
    probe = many.__new__(many)
    many.__init__(probe, data=None, min_size=0, max_size=1, average_size=0.5)
    missing = [s for s in steps if not hasattr(probe, s)]
    if missing:
        raise ImportError(
            "mockserver.strategies: this hypothesis has neither `many.more()` nor the steps to rebuild it "
            f"(missing {', '.join(missing)}); install hypothesis<6.170.10 or a hypothesis-jsonschema that supports it"
        )
    many.more = _more
    return True
