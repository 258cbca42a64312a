"""Which collections an asset or a model belongs to: one rule, read by assets, models and collections alike.

A pure function of the world's seed and the entity's id, so `assets.list?collectionId=...`, an asset's
`collectionIds` and a collection's `assetCount` always agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockserver.generate.ids import stable_seed

if TYPE_CHECKING:
    from mockserver.world.world import World

ASSET_SHARE = 5  # one asset in ASSET_SHARE belongs to a collection
MODEL_SHARE = 2  # one model in MODEL_SHARE does


def asset_collections(world: World, asset_id: str) -> tuple[str, ...]:
    """The collections holding the asset `asset_id` (none, or one of the world's collections)."""
    return _pick(world, ("asset-collection", asset_id), ASSET_SHARE)


def model_collections(world: World, model_id: str) -> tuple[str, ...]:
    """The collections holding the model `model_id` (none, or one of the world's collections)."""
    return _pick(world, ("model-collection", model_id), MODEL_SHARE)


def _pick(world: World, key: tuple[str, str], share: int) -> tuple[str, ...]:
    if not world.collections:
        return ()
    n = stable_seed(world.seed, *key)
    if n % share:
        return ()
    return (world.collections[(n // share) % len(world.collections)].id,)
