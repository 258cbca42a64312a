"""Models as the read endpoints show them: models.list and models.retrieve.

A model's fixed traits (type, owner project, author, creation date, tags, training images) are seeded by world and
id; its status and `updatedAt` follow its latest training event up to the instant (`mockserver.world.tally`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from random import Random
from typing import TYPE_CHECKING, Any

import orjson

from mockserver.cache import compact
from mockserver.errors import NotFoundError
from mockserver.generate.ids import make_id, stable_seed
from mockserver.world.access import Access, ReadContext
from mockserver.world.asset_body import has_pool, pool_id
from mockserver.world.clock import DAY, format_ms
from mockserver.world.entities import Model
from mockserver.world.index import newest_first
from mockserver.world.membership import model_collections
from mockserver.world.pages import Cursor, after, paginate
from mockserver.world.tally import tally_at
from mockserver.world.timeline import ASSET_POOL, Event
from mockserver.world.world import ENTITY_JSON_FACTOR, FRAGMENT_BYTES, World

if TYPE_CHECKING:
    from mockserver.contract.ai_models import ModelListQuery

MINUTE = 60_000
LOADED_WINDOW = 15 * MINUTE  # a model is loaded on GPU while an event used it in the last 15 minutes
# Model types a team trains, with how often: image LoRAs mostly, a few compositions, custom models and voices.
TYPE_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("flux.1-lora", 30),
    ("flux.2-dev-lora", 10),
    ("flux.1-kontext-lora", 8),
    ("flux.1-krea-lora", 6),
    ("qwen-image-lora", 8),
    ("qwen-image-edit-lora", 4),
    ("zimage-turbo-lora", 5),
    ("flux.2-klein-4b-lora", 4),
    ("flux.1-composition", 5),
    ("custom", 4),
    ("elevenlabs-voice", 3),
)
_EDIT_TYPES = frozenset({"flux.1-kontext-lora", "qwen-image-edit-lora"})
_BASES = {"flux.1-lora": ["flux.1-dev", "flux.1-schnell"], "flux.1-krea-lora": ["flux.1-krea-dev"]}
TAGS = (
    "characters",
    "environments",
    "props",
    "ui",
    "isometric",
    "pixel-art",
    "concept-art",
    "portraits",
    "sci-fi",
    "fantasy",
    "style",
    "product",
)
# How a training job's status at an instant shows on its model.
_TRAINING_STATUS = {"success": "trained", "failure": "failed", "canceled": "training-canceled"}
_QUEUED = frozenset({"queued", "warming-up", "pending"})


@dataclass(frozen=True, slots=True)
class ModelTraits:
    """What never changes about a model: a function of the world and the model's id."""

    type: str
    project: str
    author: str | None
    created: int
    trained: int  # when its first training ended (before the activity: the world's models exist already)
    training_ms: int
    score: float
    tags: tuple[str, ...]
    images: int  # training images
    examples: tuple[str, ...]  # example assets, from the world's pool of existing assets


def model_traits(world: World, model_id: str) -> ModelTraits:
    """The seeded traits of a model (memoised)."""
    key = ("library-model", model_id)
    found: ModelTraits | None = world.bucket_cache.get(key)
    if found is None:
        found = _traits(world, model_id, Random(stable_seed(world.seed, "library-model", model_id)))
        world.bucket_cache.put(key, found, 600)
    return found


def _traits(world: World, model_id: str, rng: Random) -> ModelTraits:
    kinds, weights = zip(*TYPE_WEIGHTS, strict=True)
    kind = rng.choices(kinds, weights)[0]
    project = world.projects[rng.randrange(len(world.projects))].id
    authors = [p.id for p in world.people if project in p.projects] or [k.user_id for k in world.keys]
    # Created well before the world's first event, so every event that uses it comes after.
    created = world.start - rng.randrange(2 * DAY, 120 * DAY)
    training_ms = rng.randrange(8 * MINUTE, 90 * MINUTE)
    trained = created + rng.randrange(MINUTE, 10 * MINUTE) + training_ms
    # Example assets are existing images of the pool (worlds without one have none).
    count = rng.randint(1, 3) if has_pool(world) else 0
    examples = tuple(dict.fromkeys(pool_id(world, rng.randrange(ASSET_POOL)) for _ in range(count)))
    return ModelTraits(
        type=kind,
        project=project,
        author=authors[rng.randrange(len(authors))] if authors else None,
        created=created,
        trained=trained,
        training_ms=training_ms,
        score=round(rng.random(), 6),
        tags=tuple(sorted(rng.sample(TAGS, rng.randint(0, 3)))),
        images=0 if kind in ("elevenlabs-voice", "custom") else rng.randint(6, 48),
        examples=examples,
    )


@dataclass(frozen=True, slots=True)
class ModelState:
    """A model at an instant: its status, last update, and the training event behind them (None: none yet)."""

    status: str
    updated: int
    training: Event | None


def model_state(world: World, traits: ModelTraits, training: Event | None, now: int) -> ModelState:
    """The status of a model at `now` from its latest training event: none or `train-succeeded`, trained; a training
    job shows its status (success trained, failure failed, canceled training-canceled, else training)."""
    if training is None:
        return ModelState("trained", traits.trained, None)
    status = "trained"
    if training.job is not None:
        status = _TRAINING_STATUS.get(world.job_status(training, now), "training")
    return ModelState(status, max(traits.trained, training.t), training)


def model_owner(world: World, model_id: str) -> str:
    """The project owning a model of the world."""
    return model_traits(world, model_id).project


def known_model_body(world: World, model: Model, traits: ModelTraits, state: ModelState, now: int) -> dict[str, Any]:
    """`model_body` of one of the world's models, memoised unless it is training (its progress moves with `now`)."""
    if state.status == "training":
        return model_body(world, model, traits, state, now)
    training = state.training
    # Shared between responses: never changed once built.
    key = ("model", model.id, state.status, state.updated, None if training is None else (training.job, training.t))
    found = world.bodies.get(key)
    if found is None:
        found = model_body(world, model, traits, state, now)
        world.bodies.put(key, found, ENTITY_JSON_FACTOR * len(orjson.dumps(found)))
    return found


def known_model_json(
    world: World, model: Model, traits: ModelTraits, state: ModelState, now: int
) -> dict[str, Any] | orjson.Fragment:
    """`known_model_body` serialised, memoised as it is (a list copies the bytes rather than serialising each model);
    a model in training moves with the clock: kept for the instant."""
    if state.status == "training":
        instant = world.memo_at(now)
        training_key = ("model-training-json", model.id)
        moving: orjson.Fragment | None = instant.get(training_key)
        if moving is None:
            moving = instant[training_key] = orjson.Fragment(orjson.dumps(model_body(world, model, traits, state, now)))
        return moving
    training = state.training
    run = None if training is None else (training.job, training.t)
    key = ("model-json", model.id, state.status, state.updated, run)
    found = world.fragments.get(key)
    if found is None:
        data = compact(orjson.dumps(model_body(world, model, traits, state, now)))
        found = world.fragments.put(key, orjson.Fragment(data), FRAGMENT_BYTES + len(data))
    return found


def model_body(world: World, model: Model, traits: ModelTraits, state: ModelState, now: int) -> dict[str, Any]:
    """The contract `Model` of a model at `now`."""
    rng = Random(stable_seed(world.seed, "library-model-body", model.id))
    body: dict[str, Any] = {"id": model.id, "name": model.name}
    if model.short_description is not None:
        body["shortDescription"] = model.short_description
    body |= {
        "type": traits.type,
        "status": state.status,
        "source": "scenario",
        "privacy": "private",
        "custom": traits.type == "custom",
        "capabilities": _capabilities(traits.type),
        "collectionIds": list(model_collections(world, model.id)) if model.id in world.models_by_id else [],
        "tags": list(traits.tags),
        "exampleAssetIds": list(traits.examples),
        "createdAt": format_ms(traits.created),
        "updatedAt": format_ms(state.updated),
        "ownerId": traits.project,
        "accessRestrictions": 0,
        "trainingImagesNumber": traits.images,
    }
    if traits.examples:
        thumbnail = traits.examples[0]
        body["thumbnail"] = {"assetId": thumbnail, "url": world.values.asset_url(thumbnail, width=512)}
    if traits.author is not None:
        body["authorId"] = body["userId"] = traits.author
    if traits.type in _BASES:
        body["compliantModelIds"] = list(_BASES[traits.type])
    if traits.images:
        body["trainingImages"] = [_training_image(world, model.id, traits, i) for i in range(min(3, traits.images))]
    body["parameters"] = _parameters(traits.type, rng)
    training = state.training
    if training is not None and training.job is not None:
        body["jobId"] = training.job
    if state.status == "training" and training is not None:
        progress: dict[str, Any] = {
            "stage": "queued-for-train" if world.job_status(training, now) in _QUEUED else "running-train",
            "startedAt": training.t,
            "updatedAt": now,
            "progress": round(min(0.95, max(0.0, (now - training.t) / traits.training_ms)), 4),
        }
        body["trainingProgress"] = progress
    elif state.status == "trained":
        ended = training.t if training is not None else traits.trained
        queue = rng.randint(5, 300)
        body["trainingStats"] = {
            "startedAt": format_ms(ended - traits.training_ms),
            "endedAt": format_ms(ended),
            "trainDuration": traits.training_ms / 1000,
            "queueDuration": queue,
        }
    return body


def _capabilities(kind: str) -> list[str]:
    if kind == "elevenlabs-voice":
        return ["txt2audio"]
    if kind in _EDIT_TYPES:
        return ["img2img", "txt2img"]
    if kind in ("custom", "flux.1-composition"):
        return ["txt2img", "img2img"]
    return ["txt2img", "img2img", "txt2img_ip_adapter", "img2img_ip_adapter"]


def _parameters(kind: str, rng: Random) -> dict[str, Any]:
    if kind == "elevenlabs-voice":
        return {"cloneType": "instant", "language": "en", "removeBackgroundNoise": True}
    if kind == "custom":
        return {}
    return {
        "batchSize": 1,
        "learningRate": rng.choice((0.0001, 0.0002, 0.0004)),
        "nbEpochs": rng.choice((8, 10, 12)),
        "nbRepeats": rng.choice((10, 20)),
        "rank": rng.choice((16, 32, 64)),
        "seed": rng.randrange(1, 2**31),
    }


def _training_image(world: World, model_id: str, traits: ModelTraits, i: int) -> dict[str, Any]:
    image_id = make_id("asset_", world.seed, "training-image", model_id, i)
    return {
        "id": image_id,
        "name": f"training-{i + 1:02d}.png",
        "createdAt": format_ms(traits.created + (i + 1) * 1000),
        "description": "",
        "automaticCaptioning": world.values.prompt(("training-image", model_id, i)),
        "downloadUrl": world.values.asset_url(image_id),
    }


# -- the views ------------------------------------------------------------------------------------------------------
def _placeholder(world: World, model_id: str, ctx: ReadContext) -> tuple[Model, ModelTraits]:
    """A generated model carrying an id the world does not have (`--lenient`), owned by a project the caller sees."""
    model = Model(
        model_id,
        world.values.model_name(("lenient-model", model_id)),
        world.values.short_description(("lenient-model", model_id)),
    )
    traits = model_traits(world, model_id)
    project = ctx.query.text("projectId")
    visible = [p.id for p in world.projects if ctx.access.sees(p.id)]
    if project is None or not ctx.access.sees(project):
        project = traits.project if traits.project in visible else (visible or [traits.project])[0]
    return model, replace(traits, project=project)


def retrieve_model(world: World, ctx: ReadContext) -> dict[str, Any]:
    """`GET /v1/models/{modelId}`: a model of the world the caller sees, as it stands at the served instant."""
    model_id = ctx.id or ""
    model = world.models_by_id.get(model_id)
    project = ctx.query.text("projectId")
    if model is not None:
        traits = model_traits(world, model_id)
        # `projectId` asserts the owner; a model of a project the caller does not see is unknown, even when lenient.
        if ctx.access.sees(traits.project) and (project is None or project == traits.project or ctx.lenient):
            training = tally_at(world, ctx.now).trainings.get(model_id)
            state = model_state(world, traits, training, ctx.now)
            return {"model": known_model_body(world, model, traits, state, ctx.now)}
    if model is not None or not ctx.lenient:
        raise NotFoundError(f"Model {model_id!r} not found")
    model, traits = _placeholder(world, model_id, ctx)
    return {"model": model_body(world, model, traits, model_state(world, traits, None, ctx.now), ctx.now)}


@dataclass(frozen=True, slots=True)
class _Row:
    model: Model
    traits: ModelTraits
    state: ModelState


def visible_models(world: World, access: Access) -> list[Model]:
    """The world's models a caller sees (those of its projects)."""
    return [m for m in world.models if access.sees(model_traits(world, m.id).project)]


def _library(world: World) -> tuple[tuple[Model, ModelTraits, ModelState], ...]:
    """Each of the world's models with its traits and its state before any training (memoised: a list walks all)."""
    key = ("library-models",)
    found: tuple[tuple[Model, ModelTraits, ModelState], ...] | None = world.bucket_cache.get(key)
    if found is None:
        library = []
        for model in world.models:
            traits = model_traits(world, model.id)
            library.append((model, traits, model_state(world, traits, None, world.start)))
        found = world.bucket_cache.put(key, tuple(library), 200 + 800 * len(library))
    return found


def _rows(world: World, query: ModelListQuery, access: Access, now: int) -> list[tuple[Cursor, _Row]]:
    """The listed models in order, with their state at `now`: kept for the instant (every page of a walk reads them)."""
    if query.privacy == "public":
        return []  # the world holds the team's own models only, all private
    instant = world.memo_at(now)
    key = ("model-rows", query, access.projects)
    kept: list[tuple[Cursor, _Row]] | None = instant.get(key)
    if kept is not None:
        return kept
    trainings = tally_at(world, now).trainings
    loaded = _loaded(world, now) if query.loaded_only else frozenset()
    rows = []
    sort_by = query.sort_by
    filtered = _filters(query)
    for model, traits, untrained in _library(world):
        if not access.sees(traits.project):
            continue
        training = trainings.get(model.id)
        state = untrained if training is None else model_state(world, traits, training, now)
        if filtered and not _matches(world, query, model, traits, state, loaded):
            continue
        order = traits.created if sort_by == "createdAt" else state.updated if sort_by == "updatedAt" else traits.score
        rows.append(((order, model.id), _Row(model, traits, state)))
    rows.sort(key=lambda row: row[0], reverse=query.descending)
    instant[key] = rows
    return rows


def _filters(query: ModelListQuery) -> bool:
    """Whether `_matches` can refuse a model (without a filter, every model the caller sees is listed)."""
    q = query
    bounds = (q.created_after, q.created_before, q.updated_after, q.updated_before)
    asked = (q.status, q.types, q.project_id, q.collection_id, q.collection_ids, q.tags, *bounds)
    return q.loaded_only or any(value is not None for value in asked)


def _matches(
    world: World, query: ModelListQuery, model: Model, traits: ModelTraits, state: ModelState, loaded: frozenset[str]
) -> bool:
    if query.status is not None and state.status != query.status:
        return False  # `deleted` never matches: the world's models are not deleted
    if query.types is not None and traits.type not in query.types:
        return False
    if query.project_id is not None and traits.project != query.project_id:
        return False
    if query.collection_id is not None or query.collection_ids is not None:
        held = model_collections(world, model.id)
        if query.collection_id is not None and query.collection_id not in held:
            return False
        if query.collection_ids is not None and not set(query.collection_ids) & set(held):
            return False
    if query.tags is not None and not set(query.tags) <= set(traits.tags):
        return False  # every tag asked for (as assets.list)
    if query.loaded_only and model.id not in loaded:
        return False
    bounds = (
        (query.created_after, query.created_before, traits.created),
        (query.updated_after, query.updated_before, state.updated),
    )
    return all((low is None or value > low) and (high is None or value < high) for low, high, value in bounds)


def _loaded(world: World, now: int) -> frozenset[str]:
    """The models an event used in the `LOADED_WINDOW` up to `now` (loaded on GPU)."""
    return frozenset(e.model for e in newest_first(world, now - LOADED_WINDOW + 1, now + 1) if e.model is not None)


def _scope(access: Access) -> tuple[str, ...] | None:
    """The caller's projects as part of a token's query (sorted: a frozenset's order varies between processes)."""
    return None if access.projects is None else tuple(sorted(access.projects))


def list_models(world: World, ctx: ReadContext) -> dict[str, Any]:
    """`GET /v1/models`: the caller's models, newest first (or as `sortBy`/`sortDirection` say), paginated."""
    # Imported with the first list, not at start-up: see contract/lists.py.
    from mockserver.contract.ai_models import parse_model_list_query

    query = parse_model_list_query(ctx.query)
    page = ctx.query.page()

    def scan(now: int, cursor: Cursor | None) -> Iterator[tuple[Cursor, _Row]]:
        return after(_rows(world, query, ctx.access, now), cursor, descending=query.descending)

    now, rows, token = paginate(
        world, "models.list", (query, _scope(ctx.access)), page, ctx.now, scan, lenient=ctx.lenient
    )
    body: dict[str, Any] = {"models": [known_model_json(world, r.model, r.traits, r.state, now) for r in rows]}
    if token is not None:
        body["nextPaginationToken"] = token
    return body
