"""The schema walker: values for what a scenario leaves open, valid against the contract's JSON Schema (pydantic's
subset), picked by field name where one is known; kind-aware asset properties and job inputs and outputs."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from mockserver.generate.conform import compile_check, in_bounds, ref_target
from mockserver.generate.ids import draw_id, make_id
from mockserver.generate.people import NameGenerator
from mockserver.generate.vocabulary import (
    ASSET_KINDS,
    BYTES_PER_PIXEL,
    CLASSIFICATIONS,
    CODECS,
    FIELD_CHOICES,
    FIELD_INTS,
    FORMATS,
    ID_BY_DEF,
    ID_PREFIXES,
    IMAGE_EDIT,
    IMAGE_SIZES,
    JOB_IO,
    LINES,
    NODE_VERBS,
    SINGULAR_OVERRIDES,
    VIDEO_SIZES,
)

__all__ = ["ValueGenerator"]

_MAX_DEPTH = 4  # below this, objects keep only required properties and arrays their minimum length
_HARD_DEPTH = 16  # a schema that still needs nesting here requires infinite values
_MAX_ITEMS = 3
_OPTIONAL_P = 0.5
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _singular(field: str) -> str:
    if field in SINGULAR_OVERRIDES:
        return SINGULAR_OVERRIDES[field]
    if field.endswith("Ids"):
        return field[:-1]
    return field[:-1] if field.endswith("s") and not field.endswith(("ss", "us")) else field


class ValueGenerator(NameGenerator):
    """Realistic values, each a pure function of this generator's seed and the key it is asked for."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        # id(schema) -> (schema, check); holding the schema keeps its id from being reused while cached.
        self._checks: dict[int, tuple[Mapping[str, Any], Callable[[Any], bool]]] = {}
        self._drawers: dict[str, Callable[[random.Random], Any]] = {}  # field name -> how `_field_value` draws it

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
            return self._conform_asset(rng, rng.choice(ASSET_KINDS), schema, defs)
        required = schema.get("required", ())
        deep = depth >= _MAX_DEPTH
        out: dict[str, Any] = {}
        for name, sub in props.items():
            if name in required or (not deep and rng.random() < _OPTIONAL_P):
                target = ref_target(sub, defs)
                if target and target[0].endswith("AssetProperties") and out.get("kind") in FORMATS:
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
            return {"assetIds": [draw_id(rng, "asset_") for _ in range(rng.randint(1, 3))]}
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
            value = self.asset_url(draw_id(rng, "asset_"))
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
        for suffix, prefix in ID_BY_DEF:
            if name.endswith(suffix):
                if prefix == "node":
                    return self._node_id(rng)
                return draw_id(rng) if prefix == "person" else draw_id(rng, prefix)
        return draw_id(rng)

    @staticmethod
    def _node_id(rng: random.Random) -> str:
        return f"{rng.choice(NODE_VERBS)}-{rng.randint(1, 6)}"

    def _number(self, rng: random.Random, schema: Mapping[str, Any], field: str, *, integer: bool) -> float | int:
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        found = self._field_value(rng, field)
        value: float = found if isinstance(found, (int, float)) and not isinstance(found, bool) else rng.randint(0, 100)
        if integer and not isinstance(value, int):
            value = round(value)
        if not in_bounds(value, schema):
            lo = low if low is not None else (high - 100 if high is not None else 0)
            hi = high if high is not None else lo + 100
            value = rng.randint(math.ceil(lo), math.floor(hi)) if integer else rng.uniform(lo, hi)
            if not in_bounds(value, schema):  # an exclusive bound was hit exactly
                value = (lo + hi) / 2 if not integer else math.ceil(lo) + 1
        return value

    # --- field-name heuristics ------------------------------------------------------------------------------

    def _field_value(self, rng: random.Random, field: str) -> Any:
        """Return a plausible value for a field by its name (a number, a string or a list), else a word."""
        draw = self._drawers.get(field)
        if draw is None:
            draw = self._drawers[field] = self._drawer(field)
        return draw(rng)

    def _drawer(self, f: str) -> Callable[[random.Random], Any]:
        """How `_field_value` draws a field: its name alone picks the branch, so the choice is made once a name."""
        if f in FIELD_CHOICES:
            return _chooser(FIELD_CHOICES[f])
        # `rng.randint(low, high)` and `rng.randrange(start, stop, step)` draw as a choice from their range.
        if f in FIELD_INTS:
            low, high = FIELD_INTS[f]
            return _chooser(range(low, high + 1))
        if f in ("width", "height"):
            return _chooser(range(256, 2049, 64))
        if f in ("size", "maxSize"):
            return lambda rng: round(math.exp(rng.uniform(math.log(10_000), math.log(20_000_000))))
        if f in ("duration", "maxDuration", "minDuration"):
            return lambda rng: round(rng.uniform(1.0, 60.0), 2)
        if f in ("position", "target", "dimension"):
            return lambda rng: round(rng.uniform(-10.0, 10.0), 3)
        if f in ("strength", "creativity"):
            return lambda rng: round(rng.uniform(0.2, 0.9), 2)
        if f.endswith("Count"):
            return _chooser(range(1, 9))
        if f in ("prompt", "item"):
            return self._prompt
        if f in ("description", "shortDescription", "styleDescription"):
            return self._description
        if f == "text":
            return lambda rng: rng.choice(LINES) if rng.random() < 0.5 else self._sentence(rng)
        if f in ("hint", "placeholder", "caption"):
            return self._sentence
        if f in ("name", "label", "displayName", "group"):
            return lambda rng: " ".join(rng.sample(self._words, rng.randint(1, 3))).title()
        if f in ("url", "preview") or f.endswith("Url"):
            return lambda rng: self.asset_url(draw_id(rng, "asset_"))
        if f in ("nodeId", "node", "loopNodeId", "equal", "conditional", "default", "value"):
            return self._node_id
        if f in ("id", "userId"):
            return draw_id
        if f.endswith("Id"):
            prefix = ID_PREFIXES.get(f[:-2], "")
            return lambda rng: make_id(prefix, rng.getrandbits(64))
        if f == "email":
            return self._email
        if f == "fullName":
            return lambda rng: " ".join(self._full_name(rng))
        if f == "error":
            return lambda rng: self.error_message(rng.getrandbits(64))
        if f == "backgroundColor":
            return lambda rng: f"#{rng.getrandbits(24):06x}"
        if f == "filename":
            return lambda rng: f"{rng.choice(self._words)}_{rng.randint(1, 99):02d}.png"
        return _chooser(self._words)

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
            cached = self._checks[id(schema)] = (schema, compile_check(schema, defs))
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
        fmt = rng.choice(FORMATS.get(kind, ("bin",)))
        p: dict[str, Any] = {"format": fmt}
        if kind in ("image", "image-hdr"):
            w, h = rng.choice(IMAGE_SIZES) if kind == "image" else rng.choice(((4096, 2048), (2048, 1024)))
            p |= {"width": w, "height": h}
            per_pixel = BYTES_PER_PIXEL.get(fmt, 6.0)
            p["size"] = int(w * h * per_pixel * rng.uniform(0.6, 1.3))
            if rng.random() < 0.3:
                p["hasFullPreview"] = True
        elif kind == "video":
            w, h = rng.choice(VIDEO_SIZES)
            fps = rng.choice((24, 24, 25, 30, 30, 60))
            duration = rng.choice((5.0, 5.0, 10.0, 6.04, 8.0, 4.0))
            bitrate = rng.randint(2_000_000, 12_000_000)
            p |= {"width": w, "height": h, "duration": duration, "frameRate": fps}
            p |= {
                "nbFrames": round(duration * fps),
                "bitrate": bitrate,
                "codecName": rng.choice(CODECS[fmt]),
            }
            p["size"] = int(bitrate * duration / 8)
            p["preview"] = self.asset_url(draw_id(rng, "asset_"), width=512)
        elif kind == "audio":
            duration = round(rng.uniform(1.5, 8.0) if rng.random() < 0.5 else rng.uniform(10.0, 180.0), 2)
            channels = rng.choice((1, 2, 2))
            sample_rate = rng.choice((44100, 48000))
            bitrate = sample_rate * 16 * channels if fmt == "wav" else rng.choice((128_000, 192_000, 320_000))
            classification = rng.choice(CLASSIFICATIONS)
            p |= {"duration": duration, "sampleRate": sample_rate, "channels": channels, "bitrate": bitrate}
            p |= {"codecName": {"mp3": "mp3", "wav": "pcm_s16le", "ogg": "vorbis"}[fmt]}
            p |= {"classification": classification, "size": max(10_000, int(bitrate * duration / 8))}
            if classification in ("speech", "interview") and rng.random() < 0.7:
                p["transcription"] = {"text": rng.choice(LINES)}
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
            p["preview"] = self.asset_url(draw_id(rng, "asset_"), width=512)
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
        input_model: str | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Make the `input` and `output` of a job; `asset_ids` and `model_id` pin its outputs and model.

        `input_model` only replaces the input's `modelId` once drawn (the other values stay those drawn without it).
        """
        rng = self.rng("job_io", job_type, key)
        return self._job_io(rng, job_type, asset_ids, model_id, input_model)

    def _job_io(
        self,
        rng: random.Random,
        job_type: str,
        asset_ids: Sequence[str] | None,
        model_id: str | None,
        input_model: str | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        in_fields, out_fields = _JOB_IO_PLANS.get(job_type, _IMAGE_EDIT_PLAN)
        job_in: dict[str, Any] = {}
        for name, optional in in_fields:
            if optional and rng.random() >= _OPTIONAL_P:
                continue
            if name == "modelId" and model_id is not None:
                job_in[name] = model_id
            elif name == "modelId" and input_model is not None and name not in out_fields:
                rng.getrandbits(64)  # the draw of the id it replaces (`_drawer("modelId")`), its id never derived
                job_in[name] = input_model
            elif name == "image":
                job_in[name] = draw_id(rng, "asset_")
            elif name in ("images", "assetIds"):
                job_in[name] = [draw_id(rng, "asset_") for _ in range(_ONE_TO_THREE(rng))]
            else:
                job_in[name] = self._field_value(rng, name)
        job_out: dict[str, Any] = {}
        for name in out_fields:
            if name == "assetIds":
                count = job_in.get("numSamples", _ONE_OR_TWO(rng))
                ids = asset_ids if asset_ids is not None else [draw_id(rng, "asset_") for _ in range(count)]
                job_out[name] = list(ids)
            elif name == "modelId":
                job_out[name] = job_in.get("modelId") or model_id or draw_id(rng, "model_")
            elif name in ("captions", "prompts"):
                n = len(job_in.get("images", ())) or job_in.get("numSamples", 1)
                job_out[name] = [self._sentence(rng) if name == "captions" else self._prompt(rng) for _ in range(n)]
            elif name == "dimensions":
                job_out[name] = rng.choice((512, 768, 1024))
            else:
                job_out[name] = self._field_value(rng, name)
        return job_in, job_out


_Plan = tuple[tuple[tuple[str, bool], ...], tuple[str, ...]]


def _io_plan(fields: tuple[tuple[str, ...], tuple[str, ...]]) -> _Plan:
    """A `JOB_IO` entry with each input's trailing `?` (optional: present half of the time) read once."""
    inputs, outputs = fields
    return tuple((name.removesuffix("?"), name.endswith("?")) for name in inputs), outputs


_JOB_IO_PLANS = {job_type: _io_plan(fields) for job_type, fields in JOB_IO.items()}
_IMAGE_EDIT_PLAN = _io_plan(IMAGE_EDIT)


def _chooser(options: Sequence[Any]) -> Callable[[random.Random], Any]:
    """`rng.choice(options)` without its two calls: the same draws (`getrandbits` of the length's bits, rejected
    until in range; a test holds it to `Random.choice`)."""
    n = len(options)
    if not n:
        raise ValueError("no options to choose from")
    bits = n.bit_length()

    def choose(rng: random.Random) -> Any:
        r = rng.getrandbits(bits)
        while r >= n:
            r = rng.getrandbits(bits)
        return options[r]

    return choose


# `rng.randint(1, 3)` and `rng.randint(1, 2)` of every job's inputs and outputs.
_ONE_TO_THREE, _ONE_OR_TWO = _chooser(range(1, 4)), _chooser(range(1, 3))
