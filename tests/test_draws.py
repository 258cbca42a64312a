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


@given(SEEDS, st.integers(-(2**40), 2**40), st.integers(0, 2**40), st.integers(1, 100))
def test_chooser_of_a_range_draws_as_randint_and_randrange(seed: int, low: int, width: int, step: int) -> None:
    ours, theirs = random.Random(seed), random.Random(seed)
    between, stepped = _chooser(range(low, low + width + 1)), _chooser(range(low, low + width + 1, step))
    assert [between(ours), stepped(ours)] == [
        theirs.randint(low, low + width),
        theirs.randrange(low, low + width + 1, step),
    ]
    assert ours.getstate() == theirs.getstate()
