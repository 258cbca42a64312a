"""The immutable vocabularies values are picked from: studio, project and model words, prompts, errors, field
values by field name, asset formats and sizes by kind, and the input and output fields of each job type."""

from __future__ import annotations

from typing import Any

DASH = "\u2013"


def _split(text: str) -> tuple[str, ...]:
    return tuple(" ".join(item.split()) for item in text.split(","))


FREE_MAIL = ("gmail.com", "gmail.com", "gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me")
STUDIO_WORDS = _split("""
    Nightjar, Ember, Copperleaf, Lumen, Driftwood, Northstar, Pixelcraft, Bramble, Kite, Halcyon,
    Ironbark, Mosaic, Foxglove, Saltwater, Paper Moon, Red Panda, Blue Whale, Tinker, Wildcard, Orbit,
    Sundial, Cobalt, Maple, Glasshouse, Quill, Outpost""")
STUDIO_SUFFIXES = _split("Studios, Games, Interactive, Entertainment, Labs, Creative, Digital, Media")
THEMES = _split("""
    Isometric Buildings, Characters, Fantasy Props, Pixel Heroes, Sci-Fi Weapons, Cozy Interiors,
    Stylized Trees, Potion Icons, Card Art, Creature Concepts, UI Icons, Anime Portraits, Low-Poly
    Vehicles, Dungeon Tiles, Skyboxes, Food Items, Chibi Avatars, Spell Effects, Hand-Painted Textures,
    Mobile Game Backgrounds, Loot Chests, Racing Cars, Sticker Pack, Watercolor Landscapes, Product
    Shots, Mascots, Armor Sets, Cute Pets, Emotes""")
BASE_MODELS = _split("Flux Dev, Flux.1 Krea, Flux.2 Klein, SDXL, Qwen Image, Z-Image Turbo, Flux Kontext")
PROJECT_WORDS = _split("""
    Nightfall, Skyforge, Emberfall, Harvest Moon, Starlight, Deep Dive, Wildlands, Ironclad, Tidebound,
    Moonrise, Hollow Peak, Cinder, Aurora, Last Light, Frontier, Lantern""")
GENRES = _split("RPG, Puzzle, Match-3, Roguelike, Farming Sim, Tower Defense, Card Battler, Platformer")
SEASONS = _split("Season 2, Season 3, Q3, Q4, Summer Event, Holiday Event, Launch, Beta")
COLLECTION_NAMES = _split("""
    Hero Concepts, Final Renders, Store Screenshots, Moodboard, Approved, Keepers, Key Art, Reference
    Board, Marketing Picks, Rejected, Work in Progress, Shortlist, Thumbnails""")
SUBJECTS = _split("""
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
MODIFIERS = _split("""
    golden hour, 35mm, volumetric lighting, octane render, pixel art, watercolor, studio lighting,
    isometric view, highly detailed, soft pastel palette, cel shading, top-down view, game asset, white
    background, 4k, hand-painted, cinematic, shallow depth of field, flat colors, concept art, unreal
    engine, bokeh, vibrant colors, moody atmosphere, trending on artstation, centered composition,
    orthographic, clean line art, soft shadows, low poly""")
DESCRIPTION_TEMPLATES = (
    "Trained on {n} hand-picked images of {theme} for consistent {mod} renders.",
    "{Theme} in a {mod} style, tuned for game-ready assets.",
    "Generates {theme} with {mod} and clean silhouettes.",
    "Our house style for {theme}: {mod}, readable at small sizes.",
    "Fine-tuned on {n} {theme} from the art bible; works best with {mod}.",
    "Quick iterations on {theme}. Use {mod} in the prompt for best results.",
)
ERRORS = (
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
BYOK = (
    ("openai", "OpenAI"), ("elevenlabs", "ElevenLabs"), ("fal", "fal.ai"), ("replicate", "Replicate"),
    ("google", "Google Vertex AI"), ("bfl", "Black Forest Labs"), ("runway", "Runway"),
    ("stability", "Stability AI"), ("luma", "Luma AI"), ("kling", "Kling AI"),
)  # fmt: skip
# Field name -> the values it takes (`FIELD_CHOICES`) or its integer range (`FIELD_INTS`).
FIELD_CHOICES: dict[str, tuple[Any, ...]] = {
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
FIELD_INTS: dict[str, tuple[int, int]] = {
    "vertexCount": (800, 250_000), "faceCount": (1_500, 480_000), "animationFrameCount": (24, 600),
    "nbFrames": (24, 600), "boneCount": (12, 120), "charCount": (40, 20_000), "wordCount": (8, 3_500),
    "count": (1, 8), "iterationIndex": (0, 4), "trainingImages": (8, 40), "seed": (0, 2**32 - 1),
}  # fmt: skip
NODE_VERBS = ("generate", "upscale", "remove-background", "caption", "restyle", "select", "approve", "loop")
SINGULAR_OVERRIDES = {"dependsOn": "nodeId", "loopBodyNodeIds": "nodeId", "items": "item", "inputs": "input"}
ID_PREFIXES = {
    "asset": "asset_", "model": "model_", "outputModel": "model_", "job": "job_", "workflowJob": "job_",
    "workflow": "wflow_", "apiKey": "api_", "project": "proj_", "team": "team_", "collection": "collection_",
}  # fmt: skip
# `id` inside a `$defs` entry: what the entry's name says the id is of (both the SDK's and our model names).
ID_BY_DEF = (
    ("FlowNode", "node"), ("JobMetadataFlow", "node"), ("Asset", "asset_"), ("Job", "job_"),
    ("Model", "model_"), ("Collection", "collection_"), ("User", "person"), ("Team", "team_"),
    ("Project", "proj_"),
)  # fmt: skip

# Kind-aware asset properties (see `ValueGenerator._asset_table` in `schema`).
IMAGE_SIZES = ((1024, 1024), (1024, 1024), (768, 1344), (1344, 768), (832, 1216), (1216, 832), (512, 512),
                (1536, 1024), (1024, 1536), (2048, 2048), (896, 1152))  # fmt: skip
VIDEO_SIZES = ((1280, 720), (1920, 1080), (720, 1280), (1080, 1920), (1024, 1024), (960, 960))
BYTES_PER_PIXEL = {"png": 1.4, "jpeg": 0.25, "webp": 0.15}
FORMATS = {
    "image": ("png", "png", "jpeg", "webp"), "image-hdr": ("hdr", "exr"), "video": ("mp4", "mp4", "webm"),
    "audio": ("mp3", "wav", "ogg"), "3d": ("glb", "glb", "gltf", "fbx", "obj", "ply"), "text": ("txt", "md"),
    "json": ("json",), "document": ("pdf", "pdf", "docx", "md"),
}  # fmt: skip
ASSET_KINDS = tuple(FORMATS)
CODECS = {"mp4": ("h264", "h264", "hevc", "av1"), "webm": ("vp9", "av1")}
CLASSIFICATIONS = ("music", "speech", "sound", "effect", "speech", "music", "interview", "other", "unknown")
LINES = (
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
IMAGE_EDIT = (("image", "prompt?", "strength?", "seed?"), ("assetIds",))
_TRAINING = (
    ("modelId", "trainingImages", "maxTrainSteps", "learningRate", "rank?"),
    ("modelId", "trainSteps"),
)
JOB_IO: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
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
