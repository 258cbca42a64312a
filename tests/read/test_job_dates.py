"""A job's status history formats each date as `format_ms` does, reusing the minute of the date before."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mockserver.world.clock import format_ms
from mockserver.world.jobs import _history

INSTANTS = st.integers(-(10**14), 3 * 253_402_300_800_000)  # before 1970 and after year 9999 too
GAPS = st.lists(st.one_of(st.integers(1, 1000), st.integers(1, 120_000)), max_size=5)


@given(INSTANTS, GAPS)
def test_history_dates_are_format_ms(start: int, gaps: list[int]) -> None:
    dates = [start]
    for gap in gaps:
        dates.append(dates[-1] + gap)
    steps = tuple((date, f"status-{i}") for i, date in enumerate(dates))
    assert _history(steps) == [{"date": format_ms(date), "status": name} for date, name in steps]
