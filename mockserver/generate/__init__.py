"""Seeded, realistic values for what a scenario leaves open; the only importer of Faker. Each value is a pure
function of (seed, key): `ids` (seeds and ids), `vocabulary` (the word lists), `people` (people, names and text),
`schema` (values from the contract's JSON Schema: `ValueGenerator`)."""

from mockserver.generate.ids import make_id, person_id, stable_seed
from mockserver.generate.schema import ValueGenerator

__all__ = ["ValueGenerator", "make_id", "person_id", "stable_seed"]
