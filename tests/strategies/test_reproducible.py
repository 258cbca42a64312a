"""Every strategy is reproducible through hypothesis's own seeding: the same seed draws the same examples."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.strategies import SearchStrategy

from mockserver.strategies import bodies, scenarios, usage_bodies, usage_queries

STRATEGIES = {
    "usage_bodies": lambda: usage_bodies(),
    "usage_bodies 1.0.0 consumption": lambda: usage_bodies("1.0.0", types=["consumption"]),
    "bodies jobs.list": lambda: bodies("jobs.list"),
    "scenarios": lambda: scenarios(),
    "usage_queries": lambda: usage_queries(),
}


def drawn(strategy: SearchStrategy[Any], at: int) -> list[Any]:
    examples: list[Any] = []

    @seed(at)
    @settings(max_examples=12, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value: Any) -> None:
        examples.append(value)

    collect()
    return examples


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_the_same_seed_draws_the_same_examples(name: str) -> None:
    first, again, other = drawn(STRATEGIES[name](), 7), drawn(STRATEGIES[name](), 7), drawn(STRATEGIES[name](), 8)
    assert first == again
    assert first != other
