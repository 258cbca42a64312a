"""Draws made without `random.Random`'s own methods (on the hot path of a list walk) are exactly its draws."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from mockserver.generate.schema import _chooser

SEEDS = st.integers(0, 2**64 - 1)


@given(SEEDS, st.integers(1, 5000))
def test_chooser_draws_as_choice(seed: int, length: int) -> None:
    options = tuple(range(length))
    ours, theirs = random.Random(seed), random.Random(seed)
    choose = _chooser(options)
    assert [choose(ours) for _ in range(8)] == [theirs.choice(options) for _ in range(8)]
    assert ours.getstate() == theirs.getstate()
