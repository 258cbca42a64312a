"""Seeded, realistic values for what a scenario leaves open: ids, people, names, prompts, job inputs and JSON
from the contract's schema. Each value is a pure function of (seed, key): a blake2b-seeded `random.Random`
picks from Faker's en_US tables (Faker's weights) and domain words; re-seeding Faker costs ~180 us a name."""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any

from faker.providers.lorem.en_US import Provider as _LoremProvider
from faker.providers.person.en_US import Provider as _PersonProvider

__all__ = ["ValueGenerator", "make_id", "person_id", "stable_seed"]

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE62_PAIRS = tuple(_BASE62[i % 62] + _BASE62[i // 62] for i in range(62 * 62))  # digit pair -> low, high
_MAX_DEPTH = 4  # below this, objects keep only required properties and arrays their minimum length
_HARD_DEPTH = 16  # a schema that still needs nesting here requires infinite values
_MAX_ITEMS = 3
_OPTIONAL_P = 0.5
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
_CDN = "https://cdn.cloud.scenario.com"

# --- seeds and ids -----------------------------------------------------------------------------------------


def _encode(part: object) -> str:
    if type(part) is str or type(part) is int:
        return repr(part)
    # repr is stable across processes for the types keys are made of; sets are sorted so that their
    # hash-dependent iteration order (PYTHONHASHSEED) cannot leak into the seed.
    if isinstance(part, (set, frozenset)):
        return "{" + ",".join(sorted(_encode(p) for p in part)) + "}"
    if isinstance(part, (tuple, list)):
        return "(" + ",".join(_encode(p) for p in part) + ")"
    if isinstance(part, dict):
        return "{" + ",".join(f"{_encode(k)}:{_encode(v)}" for k, v in part.items()) + "}"
    return repr(part)


def _digest(parts: Iterable[object], size: int) -> int:
    data = "\x1f".join(map(_encode, parts)).encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=size).digest(), "little")


def stable_seed(*parts: object) -> int:
    """Hash the parts to a 64-bit int that is the same in every process (parts need a deterministic repr)."""
    return _digest(parts, 8)


def make_id(prefix: str, *parts: object, length: int = 22) -> str:
    """Derive an id such as `asset_` + `length` base62 characters from the prefix and the parts."""
    n = _digest((prefix, *parts), (length * 6 + 7) // 8)
    chars = []
    for _ in range(length // 2):  # two base62 digits a step, lowest first: the same characters, half the divisions
        n, r = divmod(n, 3844)
        chars.append(_BASE62_PAIRS[r])
    if length % 2:
        chars.append(_BASE62[n % 62])
    return prefix + "".join(chars)


def _rid(rng: random.Random, prefix: str = "") -> str:
    # Ids inside a generated value come from that value's rng: as deterministic as make_id, and 5x cheaper.
    return prefix + "".join(rng.choices(_BASE62, k=22))


def person_id(*parts: object) -> str:
    """Derive a person's bare 22-character base62 user id (people have no prefix)."""
    return make_id("", *parts)


# --- vocabularies (immutable) ------------------------------------------------------------------------------

_DASH = "\u2013"


def _split(text: str) -> tuple[str, ...]:
    return tuple(" ".join(item.split()) for item in text.split(","))


_FREE_MAIL = ("gmail.com", "gmail.com", "gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me")
_STUDIO_WORDS = _split("""
    Nightjar, Ember, Copperleaf, Lumen, Driftwood, Northstar, Pixelcraft, Bramble, Kite, Halcyon,
    Ironbark, Mosaic, Foxglove, Saltwater, Paper Moon, Red Panda, Blue Whale, Tinker, Wildcard, Orbit,
    Sundial, Cobalt, Maple, Glasshouse, Quill, Outpost""")
_STUDIO_SUFFIXES = _split("Studios, Games, Interactive, Entertainment, Labs, Creative, Digital, Media")
_THEMES = _split("""
    Isometric Buildings, Characters, Fantasy Props, Pixel Heroes, Sci-Fi Weapons, Cozy Interiors,
    Stylized Trees, Potion Icons, Card Art, Creature Concepts, UI Icons, Anime Portraits, Low-Poly
    Vehicles, Dungeon Tiles, Skyboxes, Food Items, Chibi Avatars, Spell Effects, Hand-Painted Textures,
    Mobile Game Backgrounds, Loot Chests, Racing Cars, Sticker Pack, Watercolor Landscapes, Product
    Shots, Mascots, Armor Sets, Cute Pets, Emotes""")
_BASE_MODELS = _split("Flux Dev, Flux.1 Krea, Flux.2 Klein, SDXL, Qwen Image, Z-Image Turbo, Flux Kontext")
_PROJECT_WORDS = _split("""
    Nightfall, Skyforge, Emberfall, Harvest Moon, Starlight, Deep Dive, Wildlands, Ironclad, Tidebound,
    Moonrise, Hollow Peak, Cinder, Aurora, Last Light, Frontier, Lantern""")
_GENRES = _split("RPG, Puzzle, Match-3, Roguelike, Farming Sim, Tower Defense, Card Battler, Platformer")
_SEASONS = _split("Season 2, Season 3, Q3, Q4, Summer Event, Holiday Event, Launch, Beta")
_COLLECTION_NAMES = _split("""
    Hero Concepts, Final Renders, Store Screenshots, Moodboard, Approved, Keepers, Key Art, Reference
    Board, Marketing Picks, Rejected, Work in Progress, Shortlist, Thumbnails""")
_SUBJECTS = _split("""
    a cozy cabin in a snowy forest, an isometric medieval blacksmith shop, a cyberpunk street market at
    night, a cute slime monster with big eyes, a knight in ornate silver armor, a floating island with
    waterfalls, a steampunk airship above the clouds, a treasure chest overflowing with gold coins, a
    fox wizard holding a glowing staff, a ramen shop on a rainy street, a crystal sword on a stone
    pedestal, a low-poly racing car, a desert oasis with palm trees, an ancient temple overgrown with
    vines, a sci-fi helmet with neon visor, a potion bottle with swirling purple liquid, a cheerful
    robot mascot, a lighthouse on a rocky cliff at dusk, a dragon curled around a mountain peak, a bowl
    of fresh fruit, a portrait of an elven ranger, a space station orbiting a gas giant, a haunted
    victorian mansion, a wooden market stall with vegetables, a samurai cat in cherry blossom rain, a
    mech warrior in a hangar""")
_MODIFIERS = _split("""
    golden hour, 35mm, volumetric lighting, octane render, pixel art, watercolor, studio lighting,
    isometric view, highly detailed, soft pastel palette, cel shading, top-down view, game asset, white
    background, 4k, hand-painted, cinematic, shallow depth of field, flat colors, concept art, unreal
    engine, bokeh, vibrant colors, moody atmosphere, trending on artstation, centered composition,
    orthographic, clean line art, soft shadows, low poly""")
_DESCRIPTION_TEMPLATES = (
    "Trained on {n} hand-picked images of {theme} for consistent {mod} renders.",
    "{Theme} in a {mod} style, tuned for game-ready assets.",
    "Generates {theme} with {mod} and clean silhouettes.",
    "Our house style for {theme}: {mod}, readable at small sizes.",
    "Fine-tuned on {n} {theme} from the art bible; works best with {mod}.",
    "Quick iterations on {theme}. Use {mod} in the prompt for best results.",
)
_ERRORS = (
    "CUDA out of memory. Tried to allocate {gib}.00 GiB",
    "Inference timed out after {secs} seconds",
    "The prompt was flagged by the safety filter",
    "Input image could not be decoded: unsupported format",
    "Model {model} is not ready yet; training is still in progress",
    "Upstream provider returned 503 Service Unavailable",
    "Training dataset must contain at least 5 images, got {small}",
    "Insufficient creative units to run this job",
    "Worker lost connection while processing the job",
    "Requested resolution {big}x{big} exceeds the model limit of 2048x2048",
    "Input asset {asset} was deleted before the job started",
    "NSFW content detected in {small} of {small4} outputs",
    "Rate limit exceeded for provider, retry in {secs} seconds",
)
_BYOK = (
    ("openai", "OpenAI"), ("elevenlabs", "ElevenLabs"), ("fal", "fal.ai"), ("replicate", "Replicate"),
    ("google", "Google Vertex AI"), ("bfl", "Black Forest Labs"), ("runway", "Runway"),
    ("stability", "Stability AI"), ("luma", "Luma AI"), ("kling", "Kling AI"),
)  # fmt: skip
# Field name -> the values it takes (`_FIELD_CHOICES`) or its integer range (`_FIELD_INTS`).
_FIELD_CHOICES: dict[str, tuple[Any, ...]] = {
    "frameRate": (24, 25, 30, 60), "sampleRate": (44100, 48000), "channels": (1, 2),
    "bitrate": (128_000, 192_000, 256_000, 320_000), "fov": (35, 45, 50, 60, 75, 90), "step": (1, 0.1, 0.05),
    "min": (0, 1), "max": (1, 10, 100, 2048), "minLength": (0, 1, 3), "maxLength": (200, 500, 2000),
    "numSamples": (1, 1, 2, 4), "guidance": (2.5, 3.5, 5, 7, 7.5), "numInferenceSteps": (20, 28, 30, 40, 50),
    "scalingFactor": (2, 4, 8), "pixelGridSize": (32, 64, 128), "colorPaletteSize": (8, 16, 32),
    "maxTrainSteps": (500, 1000, 2000, 3000), "trainSteps": (500, 1000, 2000), "learningRate": (1e-4, 5e-5),
    "rank": (16, 32, 64), "removeNoise": (True, False), "format": ("png", "png", "jpeg", "webp"),
    "codecName": ("h264", "h264", "hevc", "av1"), "type": ("txt2img", "txt2img", "img2img", "controlnet"),
    "scheduler": ("EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler", "LCMScheduler"),
    "quality": ("low", "medium", "high"), "background": ("auto", "transparent", "opaque"),
    "style": ("standard", "cartoon", "anime", "photography", "3d-rendered", "minimalist"),
    "colorMode": ("color", "monochrome"), "targetLanguage": ("en", "fr", "de", "ja", "es", "ko"),
    "contentType": ("image/png", "image/jpeg", "image/webp"),
    "negativePrompt": ("blurry, low quality, text", "watermark, extra fingers"),
    "condition": ("{{input.value}} > 0.5", "{{input.kind}} == 'image'", "{{input.text}} contains 'yes'"),
    "transform": ("{{input.value}} * 2", "lower({{input.text}})", "length({{input.items}})"),
}  # fmt: skip
_FIELD_INTS: dict[str, tuple[int, int]] = {
    "vertexCount": (800, 250_000), "faceCount": (1_500, 480_000), "animationFrameCount": (24, 600),
    "nbFrames": (24, 600), "boneCount": (12, 120), "charCount": (40, 20_000), "wordCount": (8, 3_500),
    "count": (1, 8), "iterationIndex": (0, 4), "trainingImages": (8, 40), "seed": (0, 2**32 - 1),
}  # fmt: skip
_NODE_VERBS = ("generate", "upscale", "remove-background", "caption", "restyle", "select", "approve", "loop")
_SINGULAR_OVERRIDES = {"dependsOn": "nodeId", "loopBodyNodeIds": "nodeId", "items": "item", "inputs": "input"}
_ID_PREFIXES = {
    "asset": "asset_", "model": "model_", "outputModel": "model_", "job": "job_", "workflowJob": "job_",
    "workflow": "wflow_", "apiKey": "api_", "project": "proj_", "team": "team_", "collection": "collection_",
}  # fmt: skip
# `id` inside a `$defs` entry: what the entry's name says the id is of (both the SDK's and our model names).
_ID_BY_DEF = (
    ("FlowNode", "node"), ("JobMetadataFlow", "node"), ("Asset", "asset_"), ("Job", "job_"),
    ("Model", "model_"), ("Collection", "collection_"), ("User", "person"), ("Team", "team_"),
    ("Project", "proj_"),
)  # fmt: skip

# Kind-aware asset properties (see `_asset_table`).
_IMAGE_SIZES = ((1024, 1024), (1024, 1024), (768, 1344), (1344, 768), (832, 1216), (1216, 832), (512, 512),
                (1536, 1024), (1024, 1536), (2048, 2048), (896, 1152))  # fmt: skip
_VIDEO_SIZES = ((1280, 720), (1920, 1080), (720, 1280), (1080, 1920), (1024, 1024), (960, 960))
_BYTES_PER_PIXEL = {"png": 1.4, "jpeg": 0.25, "webp": 0.15}
_FORMATS = {
    "image": ("png", "png", "jpeg", "webp"), "image-hdr": ("hdr", "exr"), "video": ("mp4", "mp4", "webm"),
    "audio": ("mp3", "wav", "ogg"), "3d": ("glb", "glb", "gltf", "fbx", "obj", "ply"), "text": ("txt", "md"),
    "json": ("json",), "document": ("pdf", "pdf", "docx", "md"),
}  # fmt: skip
_ASSET_KINDS = tuple(_FORMATS)
_CODECS = {"mp4": ("h264", "h264", "hevc", "av1"), "webm": ("vp9", "av1")}
_CLASSIFICATIONS = ("music", "speech", "sound", "effect", "speech", "music", "interview", "other", "unknown")
_LINES = (
    "Welcome back, adventurer. The road ahead is long.",
    "Press start to continue.",
    "Our new season launches this Friday with three new heroes.",
    "Thanks for joining the interview today, let's start with your background.",
    "The dragon sleeps beneath the mountain, guarding its gold.",
)

# Job inputs and outputs by job type: field names, a trailing "?" marks a field present half of the time.
_IMAGE_GEN = (
    ("type", "prompt", "negativePrompt?", "modelId", "numSamples", "width", "height", "guidance",
     "numInferenceSteps", "seed", "scheduler?"),
    ("assetIds",),
)  # fmt: skip
_IMAGE_EDIT = (("image", "prompt?", "strength?", "seed?"), ("assetIds",))
_TRAINING = (
    ("modelId", "trainingImages", "maxTrainSteps", "learningRate", "rank?"),
    ("modelId", "trainSteps"),
)
_JOB_IO: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "inference": _IMAGE_GEN, "flux": _IMAGE_GEN, "image-generation": _IMAGE_GEN, "custom": _IMAGE_GEN,
    "openai-image-generation": (("prompt", "modelId", "numSamples", "quality", "background?"), ("assetIds",)),
    "image-prompt-editing": (("image", "prompt", "modelId", "numSamples"), ("assetIds",)),
    "model-training": _TRAINING, "flux-model-training": _TRAINING, "musubi-model-training": _TRAINING,
    "upscale": (("image", "scalingFactor", "style", "creativity?"), ("assetIds",)),
    "upscale-texture": (("image", "scalingFactor"), ("assetIds",)),
    "upscale-skybox": (("image", "scalingFactor"), ("assetIds",)),
    "remove-background": (("image", "format", "backgroundColor?"), ("assetIds",)),
    "pixelate": (("image", "pixelGridSize", "removeNoise", "colorPaletteSize?"), ("assetIds",)),
    "vectorize": (("image", "colorMode"), ("assetIds",)),
    "restyle": (("image", "prompt", "modelId", "strength"), ("assetIds",)),
    "reframe": (("image", "width", "height", "prompt?"), ("assetIds",)),
    "caption": (("images",), ("captions",)), "caption-llava": (("images",), ("captions",)),
    "describe-style": (("images",), ("styleDescription",)),
    "generate-prompt": (("prompt", "numSamples"), ("prompts",)),
    "translate": (("text", "targetLanguage"), ("text",)),
    "assets-download": (("assetIds",), ("url",)),
    "model-download": (("modelId",), ("url",)), "model-import": (("url", "name"), ("modelId",)),
    "upload": (("filename", "contentType"), ("assetIds",)),
    "embed": (("assetIds",), ("dimensions",)),
    "workflow": (("workflowId", "prompt?", "image?"), ("assetIds",)),
    "skybox-3d": (("image", "prompt?"), ("assetIds",)),
    "skybox-base-360": (("prompt", "seed"), ("assetIds",)),
    "splat": (("image",), ("assetIds",)), "texture": (("image", "prompt", "seed"), ("assetIds",)),
}  # fmt: skip

_Table = tuple[tuple[str, ...], tuple[float, ...]]


def _weighted(table: Mapping[str, float]) -> _Table:
    return tuple(table), tuple(accumulate(table.values()))


def _singular(field: str) -> str:
    if field in _SINGULAR_OVERRIDES:
        return _SINGULAR_OVERRIDES[field]
    if field.endswith("Ids"):
        return field[:-1]
    return field[:-1] if field.endswith("s") and not field.endswith(("ss", "us")) else field


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


class ValueGenerator:
    """Realistic values, each a pure function of this generator's seed and the key it is asked for."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._female = _weighted(_PersonProvider.first_names_female)
        self._male = _weighted(_PersonProvider.first_names_male)
        self._last = _weighted(_PersonProvider.last_names)
        self._words: tuple[str, ...] = tuple(w for w in _LoremProvider.word_list if len(w) > 2)
        self._domains: dict[str, str] = {}  # team name -> e-mail domain
        # id(schema) -> (schema, check); holding the schema keeps its id from being reused while cached.
        self._checks: dict[int, tuple[Mapping[str, Any], Callable[[Any], bool]]] = {}

    def rng(self, *key: object) -> random.Random:
        """Return a fresh `random.Random` for this seed and key (for callers that need their own draws)."""
        return random.Random(stable_seed(self.seed, *key))

    # --- names and text -------------------------------------------------------------------------------------

    @staticmethod
    def _pick(rng: random.Random, table: _Table) -> str:
        return rng.choices(table[0], cum_weights=table[1])[0]

    def _full_name(self, rng: random.Random) -> tuple[str, str]:
        first = self._pick(rng, self._female if rng.random() < 0.5 else self._male)
        return first, self._pick(rng, self._last)

    def person(self, key: object, *, team_name: str | None = None) -> dict[str, str]:
        """Make a person: `fullName`, `email` (at the team's domain, if any), `avatarAssetId`, `avatarUrl`."""
        rng = self.rng("person", key)
        first, last = self._full_name(rng)
        f, la = _slug(first), _slug(last)
        local = rng.choice((f"{f}.{la}", f"{f}.{la}", f"{f[0]}{la}", f, f"{f}{la[0]}", f"{f}_{la}"))
        if team_name and rng.random() < 0.85:
            domain = self.team_domain(team_name)
        else:
            domain = rng.choice(_FREE_MAIL)
            if rng.random() < 0.4:
                local += str(rng.randint(1, 99))
        asset_id = make_id("asset_", self.seed, "avatar", key)
        return {
            "fullName": f"{first} {last}",
            "email": f"{local}@{domain}",
            "avatarAssetId": asset_id,
            "avatarUrl": self.asset_url(asset_id, width=256),
        }

    def team_domain(self, team_name: str) -> str:
        """Return the e-mail domain of a team, the same for all of its members."""
        domain = self._domains.get(team_name)
        if domain is None:
            domain = self._domains[team_name] = self._team_domain(team_name)
        return domain

    def _team_domain(self, team_name: str) -> str:
        rng = self.rng("team_domain", team_name)
        words = team_name.split()
        if len(words) > 1 and words[-1] in _STUDIO_SUFFIXES and rng.random() < 0.5:
            return _slug(" ".join(words[:-1])) + rng.choice((".games", ".studio", ".io"))
        return (_slug(team_name) or "example") + rng.choice((".com", ".com", ".io", ".co"))

    @staticmethod
    def asset_url(asset_id: str, *, width: int | None = None) -> str:
        """Return a CDN transform URL for an asset, shaped like the real API's."""
        size = f"&width={width}&height={width}&format=webp" if width else ""
        return f"{_CDN}/assets-transform/{asset_id}?p=100{size}"

    def team_name(self, key: object) -> str:
        """Make a game-studio-like team name, e.g. "Copperleaf Games"."""
        rng = self.rng("team_name", key)
        pattern = rng.random()
        if pattern < 0.6:
            return f"{rng.choice(_STUDIO_WORDS)} {rng.choice(_STUDIO_SUFFIXES)}"
        last = self._pick(rng, self._last)
        if pattern < 0.8:
            return f"{last} {rng.choice(_STUDIO_SUFFIXES)}"
        return f"{last} & {self._pick(rng, self._last)} {rng.choice(_STUDIO_SUFFIXES)}"

    def project_name(self, key: object) -> str:
        """Make a project name, e.g. "Project Nightfall" or "Skyforge \u2013 Season 3"."""
        rng = self.rng("project_name", key)
        word = rng.choice(_PROJECT_WORDS)
        return rng.choice(
            (
                f"Project {word}",
                word,
                f"{word} {_DASH} {rng.choice(_SEASONS)}",
                f"{rng.choice(_GENRES)} Prototype",
                f"Marketing {_DASH} {rng.choice(_SEASONS)}",
                f"{rng.choice(_THEMES)} Exploration",
            )
        )

    def model_name(self, key: object) -> str:
        """Make a model name, e.g. "Isometric Buildings v2" or "Flux Dev LoRA \u2013 Characters"."""
        rng = self.rng("model_name", key)
        theme = rng.choice(_THEMES)
        return rng.choice(
            (
                theme,
                f"{theme} v{rng.randint(2, 5)}",
                f"{rng.choice(_BASE_MODELS)} LoRA {_DASH} {theme}",
                f"{theme} ({rng.choice(_BASE_MODELS)})",
                f"{rng.choice(_PROJECT_WORDS)} {theme}",
            )
        )

    def collection_name(self, key: object) -> str:
        """Make a collection name, e.g. "Hero Concepts" or "Moodboard: Spell Effects"."""
        rng = self.rng("collection_name", key)
        name = rng.choice(_COLLECTION_NAMES)
        return rng.choice((name, f"{name}: {rng.choice(_THEMES)}", f"{rng.choice(_THEMES)} {_DASH} {name}"))

    def short_description(self, key: object) -> str:
        """Make a one-sentence model description."""
        return self._description(self.rng("short_description", key))

    def _description(self, rng: random.Random) -> str:
        theme = rng.choice(_THEMES)
        return rng.choice(_DESCRIPTION_TEMPLATES).format(
            n=rng.randint(12, 80), theme=theme.lower(), Theme=theme, mod=rng.choice(_MODIFIERS)
        )

    def prompt(self, key: object) -> str:
        """Make an image-generation prompt, e.g. "a cozy cabin in a snowy forest, golden hour, 35mm"."""
        return self._prompt(self.rng("prompt", key))

    @staticmethod
    def _prompt(rng: random.Random) -> str:
        return ", ".join((rng.choice(_SUBJECTS), *rng.sample(_MODIFIERS, rng.randint(1, 4))))

    def error_message(self, key: object) -> str:
        """Make a realistic job failure message."""
        rng = self.rng("error_message", key)
        return rng.choice(_ERRORS).format(
            gib=rng.choice((2, 4, 8)),
            secs=rng.choice((60, 120, 300, 600)),
            model=make_id("model_", self.seed, "error", key),
            asset=make_id("asset_", self.seed, "error", key),
            small=rng.randint(1, 4),
            small4=4,
            big=rng.choice((3072, 4096)),
        )

    def byok_provider(self, key: object) -> dict[str, str]:
        """Pick a bring-your-own-key provider: `{"id", "displayName"}`."""
        pid, name = self.rng("byok_provider", key).choice(_BYOK)
        return {"id": pid, "displayName": name}

    def _sentence(self, rng: random.Random) -> str:
        words = rng.sample(self._words, rng.randint(5, 11))
        return " ".join(words).capitalize() + "."

    def _email(self, rng: random.Random) -> str:
        first, last = self._full_name(rng)
        return f"{_slug(first)}.{_slug(last)}@{rng.choice(_FREE_MAIL)}"

    # --- JSON Schema ----------------------------------------------------------------------------------------

    def from_schema(
        self,
        schema: Mapping[str, Any],
        key: object,
        *,
        defs: Mapping[str, Any] | None = None,
        field: str = "",
    ) -> Any:
        """Generate a JSON value valid against `schema` (pydantic's subset), chosen by field name if possible.

        Refs resolve in `defs`, else in the schema's own `$defs`. Optional properties appear half of the time,
        `anyOf [X, null]` gives X; below depth 4 objects keep only required fields; arrays have up to 3 items.
        """
        if defs is None:
            defs = schema.get("$defs") or schema.get("definitions") or {}
        rng = self.rng("schema", schema.get("$ref") or schema.get("title", ""), field, key)
        return self._value(rng, schema, defs, field, schema.get("title", ""), 0)

    def _resolve(self, schema: Mapping[str, Any], defs: Mapping[str, Any]) -> tuple[Mapping[str, Any], str]:
        name = schema["$ref"].rsplit("/", 1)[-1]
        try:
            return defs[name], name
        except KeyError:
            raise ValueError(f"unresolvable $ref {schema['$ref']!r}") from None

    def _value(
        self,
        rng: random.Random,
        schema: Mapping[str, Any],
        defs: Mapping[str, Any],
        field: str,
        owner: str,
        depth: int,
    ) -> Any:
        if depth > _HARD_DEPTH:
            raise ValueError(f"schema needs more than {_HARD_DEPTH} levels of nesting at field {field!r}")
        if "$ref" in schema:
            target, owner = self._resolve(schema, defs)
            return self._value(rng, target, defs, field, owner, depth)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return rng.choice(schema["enum"])
        for combinator in ("anyOf", "oneOf"):
            if combinator in schema:
                options = [s for s in schema[combinator] if s.get("type") != "null"] or schema[combinator]
                return self._value(rng, rng.choice(options), defs, field, owner, depth)
        if "allOf" in schema:  # pydantic wraps a described $ref this way; a single entry is all we meet
            return self._value(rng, schema["allOf"][0], defs, field, owner, depth)
        kind = schema.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if k != "null"] or kind
            kind = rng.choice(kinds)
        if kind is None:
            kind = "object" if "properties" in schema else "array" if "items" in schema else None
        if kind == "object":
            return self._object(rng, schema, defs, field, owner, depth)
        if kind == "array":
            return self._array(rng, schema, defs, field, owner, depth)
        if kind == "string":
            return self._string(rng, schema, field, owner)
        if kind in ("number", "integer"):
            return self._number(rng, schema, field, integer=kind == "integer")
        if kind == "boolean":
            return rng.random() < (0.9 if field in ("hasUVs", "hasNormals") else 0.5)
        if kind == "null":
            return None
        return self._any(rng, field, depth)

    def _object(
        self,
        rng: random.Random,
        schema: Mapping[str, Any],
        defs: Mapping[str, Any],
        field: str,
        owner: str,
        depth: int,
    ) -> dict[str, Any]:
        props: Mapping[str, Any] = schema.get("properties", {})
        if not props:
            if schema.get("additionalProperties") is False or depth >= _MAX_DEPTH:
                return {}
            return self._free_object(rng, field)
        if owner.endswith("AssetProperties"):  # kind-aware, as for a sibling `kind` below
            return self._conform_asset(rng, rng.choice(_ASSET_KINDS), schema, defs)
        required = schema.get("required", ())
        deep = depth >= _MAX_DEPTH
        out: dict[str, Any] = {}
        for name, sub in props.items():
            if name in required or (not deep and rng.random() < _OPTIONAL_P):
                target = _ref_target(sub, defs)
                if target and target[0].endswith("AssetProperties") and out.get("kind") in _FORMATS:
                    out[name] = self._conform_asset(rng, out["kind"], target[1], defs)
                else:
                    out[name] = self._value(rng, sub, defs, name, owner, depth + 1)
        if not out and not deep:  # an object with nothing set reads as a bug; give it one field
            name = rng.choice(list(props))
            out[name] = self._value(rng, props[name], defs, name, owner, depth + 1)
        return out

    def _array(
        self,
        rng: random.Random,
        schema: Mapping[str, Any],
        defs: Mapping[str, Any],
        field: str,
        owner: str,
        depth: int,
    ) -> list[Any]:
        low = schema.get("minItems", 0)
        high = max(low, min(schema.get("maxItems", _MAX_ITEMS), _MAX_ITEMS))
        if field in ("position", "target", "dimensions"):
            low = high = max(low, min(3, schema.get("maxItems", 3)))
        count = low if depth >= _MAX_DEPTH else rng.randint(max(low, 1) if high else 0, high)
        items = schema.get("items", {})
        if isinstance(items, list):  # draft-4 tuple form
            return [self._value(rng, s, defs, field, owner, depth + 1) for s in items]
        item_field = _singular(field)
        values = [self._value(rng, items, defs, item_field, owner, depth + 1) for _ in range(count)]
        if schema.get("uniqueItems"):
            unique: list[Any] = []
            for v in values:
                if v not in unique:
                    unique.append(v)
            if len(unique) >= low:
                values = unique
        return values

    def _free_object(self, rng: random.Random, field: str) -> dict[str, Any]:
        if field in ("input", "output"):
            job_in, job_out = self._job_io(rng, "inference", None, None)
            return job_in if field == "input" else job_out
        names = rng.sample(("prompt", "seed", "width", "height", "strength", "name", "modelId"), rng.randint(1, 3))
        return {n: self._field_value(rng, n) for n in names}

    def _any(self, rng: random.Random, field: str, depth: int) -> Any:
        if field == "output":
            return {"assetIds": [_rid(rng, "asset_") for _ in range(rng.randint(1, 3))]}
        if field in ("values", "ifDefined", "ifNotDefined"):
            return [rng.choice(("prompt", "image", "style", "seed", "strength"))]
        if field in ("default", "value", "allowedValue") and rng.random() < 0.4:
            return rng.choice((1, 4, 0.75, 1024, True))
        return rng.choice(self._words)

    def _string(self, rng: random.Random, schema: Mapping[str, Any], field: str, owner: str) -> str:
        fmt = schema.get("format")
        if fmt == "date-time":
            value = (_EPOCH + timedelta(milliseconds=rng.randrange(365 * 86_400_000))).isoformat(
                timespec="milliseconds"
            )
            value = value.replace("+00:00", "Z")
        elif fmt == "date":
            value = (_EPOCH + timedelta(days=rng.randrange(365))).date().isoformat()
        elif fmt in ("uri", "url"):
            value = self.asset_url(_rid(rng, "asset_"))
        elif fmt == "email":
            value = self._email(rng)
        elif fmt == "uuid":
            h = f"{rng.getrandbits(128):032x}"
            value = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"
        elif field == "id" and owner:
            value = self._owned_id(rng, owner)
        else:
            value = str(self._field_value(rng, field))
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        if len(value) < low:
            value = (value + " " + " ".join(rng.choices(self._words, k=low)))[: max(low, 1) + 40]
        if high is not None and len(value) > high:
            value = value[:high]
        return value

    def _owned_id(self, rng: random.Random, owner: str) -> str:
        name = owner.removesuffix("Entity")
        for suffix, prefix in _ID_BY_DEF:
            if name.endswith(suffix):
                if prefix == "node":
                    return self._node_id(rng)
                return _rid(rng) if prefix == "person" else _rid(rng, prefix)
        return _rid(rng)

    @staticmethod
    def _node_id(rng: random.Random) -> str:
        return f"{rng.choice(_NODE_VERBS)}-{rng.randint(1, 6)}"

    def _number(self, rng: random.Random, schema: Mapping[str, Any], field: str, *, integer: bool) -> float | int:
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        found = self._field_value(rng, field)
        value: float = found if isinstance(found, (int, float)) and not isinstance(found, bool) else rng.randint(0, 100)
        if integer and not isinstance(value, int):
            value = round(value)
        if not _in_bounds(value, schema):
            lo = low if low is not None else (high - 100 if high is not None else 0)
            hi = high if high is not None else lo + 100
            value = rng.randint(math.ceil(lo), math.floor(hi)) if integer else rng.uniform(lo, hi)
            if not _in_bounds(value, schema):  # an exclusive bound was hit exactly
                value = (lo + hi) / 2 if not integer else math.ceil(lo) + 1
        return value

    # --- field-name heuristics ------------------------------------------------------------------------------

    def _field_value(self, rng: random.Random, field: str) -> Any:
        """Return a plausible value for a field by its name (a number, a string or a list), else a word."""
        f = field
        if f in _FIELD_CHOICES:
            return rng.choice(_FIELD_CHOICES[f])
        if f in _FIELD_INTS:
            return rng.randint(*_FIELD_INTS[f])
        if f in ("width", "height"):
            return rng.randrange(256, 2049, 64)
        if f in ("size", "maxSize"):
            return round(math.exp(rng.uniform(math.log(10_000), math.log(20_000_000))))
        if f in ("duration", "maxDuration", "minDuration"):
            return round(rng.uniform(1.0, 60.0), 2)
        if f in ("position", "target", "dimension"):
            return round(rng.uniform(-10.0, 10.0), 3)
        if f in ("strength", "creativity"):
            return round(rng.uniform(0.2, 0.9), 2)
        if f.endswith("Count"):
            return rng.randint(1, 8)
        if f in ("prompt", "item"):
            return self._prompt(rng)
        if f in ("description", "shortDescription", "styleDescription"):
            return self._description(rng)
        if f in ("text", "hint", "placeholder", "caption"):
            return rng.choice(_LINES) if f == "text" and rng.random() < 0.5 else self._sentence(rng)
        if f in ("name", "label", "displayName", "group"):
            return " ".join(rng.sample(self._words, rng.randint(1, 3))).title()
        if f in ("url", "preview") or f.endswith("Url"):
            return self.asset_url(_rid(rng, "asset_"))
        if f in ("nodeId", "node", "loopNodeId", "equal", "conditional", "default", "value"):
            return self._node_id(rng)
        if f in ("id", "userId"):
            return _rid(rng)
        if f.endswith("Id"):
            return make_id(_ID_PREFIXES.get(f[:-2], ""), rng.getrandbits(64))
        if f == "email":
            return self._email(rng)
        if f == "fullName":
            return " ".join(self._full_name(rng))
        if f == "error":
            return self.error_message(rng.getrandbits(64))
        if f == "backgroundColor":
            return f"#{rng.getrandbits(24):06x}"
        if f == "filename":
            return f"{rng.choice(self._words)}_{rng.randint(1, 99):02d}.png"
        return rng.choice(self._words)

    # --- assets and jobs ------------------------------------------------------------------------------------

    def asset_properties(
        self,
        kind: str,
        key: object,
        schema: Mapping[str, Any] | None = None,
        *,
        defs: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Make the `properties` of an asset of this kind, valid against `schema` if one is given.

        Fields the schema does not know are dropped unless it allows additional properties; a value the schema
        rejects, and a required field the kind does not fill, are generated from the schema instead.
        """
        rng = self.rng("asset_properties", kind, key)
        if schema is None:
            return self._asset_table(rng, kind)
        if defs is None:
            defs = schema.get("$defs") or {}
        return self._conform_asset(rng, kind, schema, defs)

    def _checker(self, schema: Mapping[str, Any], defs: Mapping[str, Any]) -> Callable[[Any], bool]:
        cached = self._checks.get(id(schema))
        if cached is None or cached[0] is not schema:
            cached = self._checks[id(schema)] = (schema, _compile_check(schema, defs))
        return cached[1]

    def _conform_asset(
        self, rng: random.Random, kind: str, schema: Mapping[str, Any], defs: Mapping[str, Any]
    ) -> dict[str, Any]:
        values = self._asset_table(rng, kind)
        props: Mapping[str, Any] = schema.get("properties", {})
        extra_ok = schema.get("additionalProperties", True) is not False
        out: dict[str, Any] = {}
        for name, value in values.items():
            sub = props.get(name)
            if sub is None:
                if extra_ok:
                    out[name] = value
            elif self._checker(sub, defs)(value):
                out[name] = value
            else:
                out[name] = self._value(rng, sub, defs, name, "", 1)
        for name in schema.get("required", ()):
            if name not in out:
                out[name] = self._value(rng, props.get(name, {}), defs, name, "", 1)
        return out

    def _asset_table(self, rng: random.Random, kind: str) -> dict[str, Any]:
        fmt = rng.choice(_FORMATS.get(kind, ("bin",)))
        p: dict[str, Any] = {"format": fmt}
        if kind in ("image", "image-hdr"):
            w, h = rng.choice(_IMAGE_SIZES) if kind == "image" else rng.choice(((4096, 2048), (2048, 1024)))
            p |= {"width": w, "height": h}
            per_pixel = _BYTES_PER_PIXEL.get(fmt, 6.0)
            p["size"] = int(w * h * per_pixel * rng.uniform(0.6, 1.3))
            if rng.random() < 0.3:
                p["hasFullPreview"] = True
        elif kind == "video":
            w, h = rng.choice(_VIDEO_SIZES)
            fps = rng.choice((24, 24, 25, 30, 30, 60))
            duration = rng.choice((5.0, 5.0, 10.0, 6.04, 8.0, 4.0))
            bitrate = rng.randint(2_000_000, 12_000_000)
            p |= {"width": w, "height": h, "duration": duration, "frameRate": fps}
            p |= {
                "nbFrames": round(duration * fps),
                "bitrate": bitrate,
                "codecName": rng.choice(_CODECS[fmt]),
            }
            p["size"] = int(bitrate * duration / 8)
            p["preview"] = self.asset_url(_rid(rng, "asset_"), width=512)
        elif kind == "audio":
            duration = round(rng.uniform(1.5, 8.0) if rng.random() < 0.5 else rng.uniform(10.0, 180.0), 2)
            channels = rng.choice((1, 2, 2))
            sample_rate = rng.choice((44100, 48000))
            bitrate = sample_rate * 16 * channels if fmt == "wav" else rng.choice((128_000, 192_000, 320_000))
            classification = rng.choice(_CLASSIFICATIONS)
            p |= {"duration": duration, "sampleRate": sample_rate, "channels": channels, "bitrate": bitrate}
            p |= {"codecName": {"mp3": "mp3", "wav": "pcm_s16le", "ogg": "vorbis"}[fmt]}
            p |= {"classification": classification, "size": max(10_000, int(bitrate * duration / 8))}
            if classification in ("speech", "interview") and rng.random() < 0.7:
                p["transcription"] = {"text": rng.choice(_LINES)}
        elif kind == "3d":
            vertices = rng.randint(800, 250_000)
            skeleton = rng.random() < 0.25
            p |= {"vertexCount": vertices, "faceCount": int(vertices * rng.uniform(1.6, 2.0))}
            p |= {"hasUVs": rng.random() < 0.9, "hasNormals": rng.random() < 0.95, "hasSkeleton": skeleton}
            p["hasAnimations"] = skeleton and rng.random() < 0.6
            if skeleton:
                p["boneCount"] = rng.randint(20, 90)
            if p["hasAnimations"]:
                p["animationFrameCount"] = rng.randint(24, 480)
            p["dimensions"] = [round(rng.uniform(0.2, 4.0), 3) for _ in range(3)]
            p["size"] = int(vertices * rng.uniform(40, 90)) + 20_000
            p["preview"] = self.asset_url(_rid(rng, "asset_"), width=512)
            if rng.random() < 0.15:
                p["cameraMode"] = rng.choice(("aerial", "interior", "turntable"))
                p["cameraTrajectory"] = [self._camera_point(rng) for _ in range(rng.randint(2, 3))]
        else:  # text, json, document and anything newer: a text-like file
            words = rng.randint(8, 3_500)
            chars = int(words * rng.uniform(5.2, 6.4))
            p |= {"charCount": chars, "wordCount": words}
            p["size"] = max(chars, 200) * (8 if fmt in ("pdf", "docx") else 1)
            if rng.random() < 0.3:
                p["description"] = self._sentence(rng)
        return p

    @staticmethod
    def _camera_point(rng: random.Random) -> dict[str, Any]:
        return {
            "position": [round(rng.uniform(-5.0, 5.0), 3) for _ in range(3)],
            "target": [0.0, round(rng.uniform(0.0, 1.5), 3), 0.0],
            "fov": rng.choice((35, 45, 50, 60)),
        }

    def job_io(
        self,
        job_type: str,
        key: object,
        *,
        asset_ids: Sequence[str] | None = None,
        model_id: str | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Make the `input` and `output` of a job; `asset_ids` and `model_id` pin its outputs and model."""
        return self._job_io(self.rng("job_io", job_type, key), job_type, asset_ids, model_id)

    def _job_io(
        self, rng: random.Random, job_type: str, asset_ids: Sequence[str] | None, model_id: str | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        in_fields, out_fields = _JOB_IO.get(job_type, _IMAGE_EDIT)
        job_in: dict[str, Any] = {}
        for name in in_fields:
            if name.endswith("?"):
                if rng.random() >= _OPTIONAL_P:
                    continue
                name = name[:-1]
            if name == "modelId" and model_id is not None:
                job_in[name] = model_id
            elif name == "image":
                job_in[name] = _rid(rng, "asset_")
            elif name in ("images", "assetIds"):
                job_in[name] = [_rid(rng, "asset_") for _ in range(rng.randint(1, 3))]
            else:
                job_in[name] = self._field_value(rng, name)
        job_out: dict[str, Any] = {}
        for name in out_fields:
            if name == "assetIds":
                count = job_in.get("numSamples", rng.randint(1, 2))
                ids = asset_ids if asset_ids is not None else [_rid(rng, "asset_") for _ in range(count)]
                job_out[name] = list(ids)
            elif name == "modelId":
                job_out[name] = job_in.get("modelId") or model_id or _rid(rng, "model_")
            elif name in ("captions", "prompts"):
                n = len(job_in.get("images", ())) or job_in.get("numSamples", 1)
                job_out[name] = [self._sentence(rng) if name == "captions" else self._prompt(rng) for _ in range(n)]
            elif name == "dimensions":
                job_out[name] = rng.choice((512, 768, 1024))
            else:
                job_out[name] = self._field_value(rng, name)
        return job_in, job_out


def _ref_target(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """Return the name and schema of the definition a `$ref` (or `anyOf [$ref, null]`) points to."""
    for option in (schema, *schema.get("anyOf", ())):
        if "$ref" in option:
            name = option["$ref"].rsplit("/", 1)[-1]
            return (name, defs[name]) if name in defs else None
    return None


def _in_bounds(value: float, schema: Mapping[str, Any]) -> bool:
    lo, hi = schema.get("minimum"), schema.get("maximum")
    xlo, xhi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    return (
        (lo is None or value >= lo)
        and (hi is None or value <= hi)
        and (xlo is None or value > xlo)
        and (xhi is None or value < xhi)
    )


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


def _conforms(value: Any, schema: Mapping[str, Any], defs: Mapping[str, Any]) -> bool:
    """Check a value against the JSON Schema subset pydantic emits (enough to keep table values honest)."""
    if "$ref" in schema:
        target = defs.get(schema["$ref"].rsplit("/", 1)[-1])
        return target is not None and _conforms(value, target, defs)
    if "const" in schema and value != schema["const"]:
        return False
    if "enum" in schema and value not in schema["enum"]:
        return False
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema and not any(_conforms(value, s, defs) for s in schema[combinator]):
            return False
    if "allOf" in schema and not all(_conforms(value, s, defs) for s in schema["allOf"]):
        return False
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(_is_type(value, k) for k in kinds):
            return False
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not _in_bounds(value, schema):
        return False
    if isinstance(value, str) and not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
        return False
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            return False
        items = schema.get("items")
        if isinstance(items, dict) and not all(_conforms(v, items, defs) for v in value):
            return False
    if isinstance(value, dict):
        props = schema.get("properties", {})
        if any(name not in value for name in schema.get("required", ())):
            return False
        for name, v in value.items():
            if name in props:
                if not _conforms(v, props[name], defs):
                    return False
            elif schema.get("additionalProperties") is False:
                return False
    return True


_SCALAR_KEYS = frozenset(("type", "enum", "const", "default", "title", "description"))
_SCALAR_TYPES = frozenset(("string", "number", "integer", "boolean", "null"))


def _compile_check(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> Callable[[Any], bool]:
    """Return a fast `_conforms` for the scalar shapes pydantic emits (`T`, `anyOf [T, null]`, enums)."""
    wrapper = "anyOf" in schema and schema.keys() <= {"anyOf", "default", "title", "description"}
    options = schema["anyOf"] if wrapper else [schema]
    if not options or not all(
        o.keys() <= _SCALAR_KEYS and isinstance(o.get("type"), str) and o["type"] in _SCALAR_TYPES for o in options
    ):
        return lambda value: _conforms(value, schema, defs)
    # bool is an int to Python but not a number to JSON Schema, hence exact type matches.
    accepted = [(_TYPES[o["type"]], o.get("enum"), "const" in o, o.get("const")) for o in options]

    def check(value: Any) -> bool:
        for types, enum, has_const, const in accepted:
            if type(value) in types and (enum is None or value in enum) and (not has_const or value == const):
                return True
        return False

    return check


def _is_type(value: Any, kind: str) -> bool:
    if isinstance(value, bool):
        return kind == "boolean"
    if kind == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES.get(kind, (object,)))
