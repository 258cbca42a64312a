"""Strategies for the 200 bodies a published contract allows: `/usages` for every contract version, and each read
endpoint of 2.4.0, drawn from the contract's JSON Schema and biased toward the edges a client meets.

The walker turns each schema node into a strategy of its own shape (objects into `fixed_dictionaries` with every
optional key sometimes absent and, where the schema allows more keys, sometimes a field it does not name; arrays into
empty, one-element or short lists; enums into `sampled_from`) and leaves the leaves to
`hypothesis_jsonschema.from_schema`, mixed with edge values (zero, 2**53, the leaf's own bounds, 15-digit numeric,
long and non-ASCII strings) that the leaf's schema accepts. Anything the walker does not know goes whole to
`from_schema`, so every body is valid by construction, and hypothesis alone draws and shrinks it.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from hypothesis_jsonschema import from_schema

from mockserver.contract.versions import LATEST_VERSION, available_versions, contracts_dir
from mockserver.controls.routes import ENDPOINT_NAMES

__all__ = ["bodies", "usage_bodies"]

Schema = dict[str, Any]

# Sections of a usages body that no `type=` value names: the entities the other sections refer to come with any type.
_UNTYPED_SECTIONS = frozenset({"entities"})

# Keywords the walker handles itself; a node with any other keyword (or a leaf) goes to `from_schema`.
_ANNOTATIONS = frozenset(
    {"description", "title", "default", "examples", "$comment", "deprecated", "readOnly", "$defs", "$schema"}
)
_OBJECT_KEYWORDS = frozenset({"type", "properties", "required", "additionalProperties"}) | _ANNOTATIONS
_ARRAY_KEYWORDS = frozenset({"type", "items", "minItems", "maxItems"}) | _ANNOTATIONS

# Numbers a client mishandles: zero, one off either side, the edge of exact integers in a double (JavaScript's
# `Number.MAX_SAFE_INTEGER` and the first integer past it), a fraction, and the largest double.
_EDGE_NUMBERS: tuple[int | float, ...] = (
    0,
    1,
    -1,
    0.5,
    2**53 - 1,
    2**53 + 1,
    -(2**53 - 1),
    999_999_999_999_999,
    1.7976931348623157e308,
)
# Strings a client mishandles: empty, blank, numeric (15 digits, the most a double keeps exactly), long, and
# non-ASCII (accents, CJK, right-to-left, an emoji sequence joined by ZWJ, a combining mark).
_EDGE_STRINGS: tuple[str, ...] = (
    "",
    " ",
    "0",
    "123456789012345",
    "-123456789012345.5",
    "x" * 1000,
    "Zoë Ærøskøbing 東京 مرحبا 👩\u200d💻 e\u0301",
    "名前" * 300,
)
# A name (`fullName`, `name`, `displayName`, ...) is what a client shows and truncates: two in three are long or not
# ASCII, or both, where the field's schema accepts it.
_NAME_FIELD = re.compile(r"(^|[a-z])[Nn]ame$")
_NAME_EDGES: tuple[str, ...] = (
    "x" * 1000,
    "Zoë Ærøskøbing 東京 مرحبا 👩\u200d💻 e\u0301",
    "名前" * 300,
    "Ŝċéńàŕíø " * 120,
)
# The key of a field newer than the contract, in the objects that allow more keys than they name.
_ADDED_FIELD = "addedLater"
# Any JSON value, for a node that allows anything (`{}`) and an added field: small, integers within 64 bits.
_JSON_VALUES: SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
_LIST_SHORT = 4
_SWEEP = 81  # the most items of a list whose items take each value of their enums in turn
_DICT_SHORT = 3


def _bound_edges(node: Schema) -> tuple[Any, ...]:
    """The values at a leaf's own bounds: its minimum and maximum (or just inside exclusive ones), its shortest and
    longest strings, and 15 digits where a pattern asks for digits."""
    edges: list[Any] = []
    step = 1 if node.get("type") == "integer" else 0.5
    for key, inward in (("minimum", 0), ("maximum", 0), ("exclusiveMinimum", step), ("exclusiveMaximum", -step)):
        if isinstance(node.get(key), int | float) and not isinstance(node[key], bool):
            edges.append(node[key] + inward)
    for key in ("minLength", "maxLength"):
        if isinstance(node.get(key), int):
            edges.append("x" * node[key])
            edges.append("é" * node[key])
    if "pattern" in node:
        edges += ["0", "1", "123456789012345", "999999999999999", "-123456789012345", "12345678901234.5"]
    return tuple(edges)


def _fits_64_bits(value: Any) -> bool:
    return not isinstance(value, int) or -(2**63) <= value < 2**63


def _same(value: Any) -> Any:
    return value


_ABSENT: Any = object()  # an optional field left out


def _present(value: dict[str, Any]) -> dict[str, Any]:
    return {name: field for name, field in value.items() if field is not _ABSENT}


def _camel_to_kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


class _Walker:
    """Builds the strategy of one schema document; each `$defs` entry is built once."""

    def __init__(self, root: Schema, biased: bool = True) -> None:
        self.root = root
        self.defs: Schema = root.get("$defs", {})
        self.refs: dict[str, SearchStrategy[Any]] = {}
        self.building: set[str] = set()
        self.leaves: dict[str, SearchStrategy[Any]] = {}
        # The items a sweep copies come from a walker without sweeps or whole objects: a sweep of sweeps would copy
        # lists of lists, and a sweep of whole objects bodies of megabytes.
        self.plain = _Walker(root, biased=False) if biased else None

    def strategy(self, node: Schema | bool) -> SearchStrategy[Any]:
        """The strategy of `node`, a subschema of `root`."""
        if node is False:
            return st.nothing()
        keys = set() if node is True else set(node) - _ANNOTATIONS
        if not keys:  # `true`, `{}` or a description alone: any value
            return _JSON_VALUES
        assert isinstance(node, dict)
        if keys == {"$ref"}:
            return self.ref(node["$ref"])
        if keys in ({"anyOf"}, {"oneOf"}):
            options = node[next(iter(keys))]
            values = [self.strategy(branch) for branch in options if branch != {"type": "null"}]
            nulls = [st.none()] if len(values) < len(options) else []
            if nulls and len(values) == 1:
                # A nullable field is null one time in three, not one in two: null is one edge, and the value's
                # own edges (its lists, enums, nested optionals) are many, deeper down. `one_of` drops a repeated
                # strategy, so the second weight is the same strategy under another name.
                values.append(values[0].map(_same))
            branches = st.one_of(values + nulls)
            if "oneOf" in keys:
                # Branches may overlap; keep the draws exactly one of them accepts.
                return branches.filter(jsonschema.Draft202012Validator({**node, "$defs": self.defs}).is_valid)
            return branches
        if "enum" in keys and keys <= {"enum", "type"}:
            return st.sampled_from([value for value in node["enum"] if self.valid(node, value)])
        if "const" in keys and keys <= {"const", "type"}:
            return st.just(node["const"])
        kind = node.get("type")
        if isinstance(kind, list):
            rest = {k: v for k, v in node.items() if k != "type"}
            return st.one_of([self.strategy({**rest, "type": one}) for one in kind])
        if kind == "object" and set(node) <= _OBJECT_KEYWORDS:
            return self.object(node)
        if kind == "array" and set(node) <= _ARRAY_KEYWORDS:
            return self.array(node)
        if kind in ("number", "integer"):
            return self.leaf(node, _EDGE_NUMBERS)
        if kind == "string":
            return self.leaf(node, _EDGE_STRINGS)
        if kind == "boolean" and keys == {"type"}:
            return st.booleans()
        if kind == "null" and keys == {"type"}:
            return st.none()
        return self.whole(node)

    def ref(self, ref: str) -> SearchStrategy[Any]:
        if not ref.startswith("#/$defs/"):
            return self.whole({"$ref": ref})
        name = ref.removeprefix("#/$defs/")
        if name in self.refs:
            return self.refs[name]
        if name in self.building:  # a recursive definition: resolved once its strategy exists
            return st.deferred(lambda: self.refs[name])
        self.building.add(name)
        built = self.strategy(self.defs[name])
        self.building.discard(name)
        self.refs[name] = built
        return built

    def object(self, node: Schema) -> SearchStrategy[dict[str, Any]]:
        properties: Schema = node.get("properties", {})
        required = set(node.get("required", ()))
        extra = node.get("additionalProperties", True)
        if required - set(properties):
            return self.whole(node)
        if not properties and isinstance(extra, dict):
            values = self.strategy(extra)
            return st.one_of(
                st.just({}),
                st.dictionaries(self.leaf({"type": "string"}, _EDGE_STRINGS), values, min_size=1, max_size=1),
                st.dictionaries(st.text(max_size=8), values, max_size=_DICT_SHORT),
            )
        optional = {name: self.field(name, sub) for name, sub in properties.items() if name not in required}
        if extra is True and properties and node is not self.root and _ADDED_FIELD not in properties:
            # A field the API added after this contract: what `additionalProperties: true` allows and a client
            # that checks keys strictly breaks on. Not at the top, where the sections are what `types` chooses.
            optional[_ADDED_FIELD] = _JSON_VALUES
        fields = {name: self.field(name, sub) for name, sub in properties.items() if name in required}
        # Each optional field is there or not on its own (one time in two): shrinking then takes any of them away by
        # itself. (`fixed_dictionaries(optional=...)` draws which keys come by their index among those left, so
        # taking one away turns the next into another key, and a shrunk body kept its empty neighbours.)
        chosen = {name: st.one_of(st.just(_ABSENT), strategy) for name, strategy in optional.items()}
        return st.fixed_dictionaries({**fields, **chosen}).map(_present)

    def field(self, name: str, node: Schema | bool) -> SearchStrategy[Any]:
        """The strategy of an object's field: its node's, and for a string field called a name, two times in three a
        long or non-ASCII name (`_NAME_EDGES`) it accepts."""
        strategy = self.strategy(node)
        field = self.resolved(node)
        if not _NAME_FIELD.search(name) or field is None or field.get("type") != "string" or "enum" in field:
            return strategy
        names = [value for value in _NAME_EDGES if isinstance(node, dict) and self.valid(node, value)]
        if not names:
            return strategy
        edges = st.sampled_from(names)
        return st.one_of(strategy, edges, edges.map(_same))  # (the node's own first: shrinking goes toward it)

    def array(self, node: Schema) -> SearchStrategy[list[Any]]:
        items = self.strategy(node.get("items", {}))
        low: int = node.get("minItems", 0)
        high: int | None = node.get("maxItems")
        sizes = [(0, 0), (1, 1), (2, _LIST_SHORT)]
        ranges = []
        for size_low, size_high in sizes:
            start, stop = max(low, size_low), size_high if high is None else min(high, size_high)
            if start <= stop:
                ranges.append((start, stop))
        if not ranges:  # only long lists are allowed: the shortest of them
            ranges.append((low, low if high is None else min(high, low + _LIST_SHORT)))
        options = [st.lists(items, min_size=start, max_size=stop) for start, stop in ranges]
        sweep = self.sweep(node.get("items", {}), low, high)
        return st.one_of([*options, sweep, sweep.map(_same)] if sweep is not None else options)

    def sweep(self, items: Schema, low: int, high: int | None) -> SearchStrategy[list[Any]] | None:
        """A list whose items take every value of each enum in them, in turn (None: no enum, or too many for the
        list's bounds): one drawn item, copied once per value. A body holds a handful of items, so a 101-value enum
        drawn item by item takes thousands of bodies to show each value once; a client's table of names breaks on
        the one it lacks. Last of the list's options: hypothesis shrinks toward the first."""
        item = self.resolved(items)
        if item is None or self.plain is None:
            return None
        if set(item) - _ANNOTATIONS <= {"enum", "type"} and "enum" in item:
            values = [value for value in item["enum"] if self.valid(item, value)]
            return st.just(values) if len(values) > 1 and low <= len(values) <= (high or len(values)) else None
        paths = self.enum_paths(item, (), 0)
        size = max((len(values) for _, values in paths), default=0)
        if size < 2:
            return None
        # A sweep lists `_SWEEP` values at most, from one of evenly spaced ones on: one sweep shows every value of
        # an enum of up to 81 (an asset's source), two the 101 activity actions. (Fewer a sweep would halve the
        # bodies' size, but hypothesis's draws are correlated: measured, 300 bodies then missed half an 81-value
        # enum under one hypothesis version and not another.)
        length = min(size, _SWEEP)
        if not low <= length <= (high or length):
            return None
        starts = st.sampled_from(range(0, size, length))  # (even thirds, say: `integers` favours small ones)
        return st.tuples(self.plain.strategy(items), starts).map(
            lambda drawn: _swept(drawn[0], paths, drawn[1], length)
        )

    def resolved(self, node: Schema | bool) -> Schema | None:
        """A node's schema through `$ref`s and a nullable `anyOf` (its one other branch); None if not that simple."""
        for _ in range(8):
            if not isinstance(node, dict):
                return None
            keys = set(node) - _ANNOTATIONS
            if keys == {"$ref"} and node["$ref"].startswith("#/$defs/"):
                node = self.defs.get(node["$ref"].removeprefix("#/$defs/"), False)
            elif keys == {"anyOf"}:
                branches = [branch for branch in node["anyOf"] if branch != {"type": "null"}]
                if len(branches) != 1:
                    return None
                node = branches[0]
            else:
                return node
        return None

    def enum_paths(self, node: Schema, path: tuple[str, ...], depth: int) -> list[tuple[tuple[str, ...], list[Any]]]:
        """The enums of an object and of the objects in it (not through lists: those sweep on their own), with the
        values each accepts. Only through plain objects (properties, nothing tying one field to another): any
        accepted value of an enum then leaves its object valid."""
        if node.get("type") != "object" or not set(node) <= _OBJECT_KEYWORDS or depth > 3:
            return []
        found = []
        for name, sub in node.get("properties", {}).items():
            field = self.resolved(sub)
            if field is None:
                continue
            if "enum" in field and set(field) - _ANNOTATIONS <= {"enum", "type"}:
                values = [value for value in field["enum"] if self.valid(field, value)]
                if len(values) > 1:
                    found.append(((*path, name), values))
            else:
                found += self.enum_paths(field, (*path, name), depth + 1)
        return found

    def leaf(self, node: Schema, edges: tuple[Any, ...]) -> SearchStrategy[Any]:
        """`from_schema` of a scalar node, mixed half and half with the edge values it accepts."""
        key = json.dumps(node, sort_keys=True)
        if key not in self.leaves:
            candidates = (*_bound_edges(node), *edges)
            accepted = [value for value in dict.fromkeys(candidates) if self.valid(node, value)]
            general = self.whole(node)
            if node.get("type") in ("number", "integer"):
                # Integers past 64 bits are valid JSON Schema numbers that no real API sends and many parsers
                # (orjson, Go's encoding/json) reject; the huge edges above stop at a double's exact integers.
                general = general.filter(_fits_64_bits)
            self.leaves[key] = st.one_of(st.sampled_from(accepted), general) if accepted else general
        return self.leaves[key]

    def valid(self, node: Schema, value: Any) -> bool:
        if node.get("type") == "integer" and not isinstance(value, int):
            return False  # JSON Schema calls 1.0 an integer; a client's `int` parser may not
        return bool(jsonschema.Draft202012Validator({**node, "$defs": self.defs}).is_valid(value))

    def whole(self, node: Schema) -> SearchStrategy[Any]:
        """`from_schema` of a node the walker leaves alone, with the document's definitions for its refs."""
        return from_schema({**node, "$defs": self.defs} if self.defs and "$ref" in json.dumps(node) else node)


def _swept(base: Any, paths: list[tuple[tuple[str, ...], list[Any]]], first: int, length: int) -> list[Any]:
    """`length` copies of `base`, the `i`th with each enum at `paths` set to its `first + i`th value (cycling), where
    the object holding it is there (a nullable item drawn null: just that)."""
    if not isinstance(base, dict):
        return [base]
    swept = []
    for i in range(first, first + length):
        item = copy.deepcopy(base)
        for path, values in paths:
            holder: Any = item
            for name in path[:-1]:
                holder = holder.get(name) if isinstance(holder, dict) else None
            if isinstance(holder, dict):
                holder[path[-1]] = values[i % len(values)]
        swept.append(item)
    return swept


def _load(path: Path) -> Schema:
    schema: Schema = json.loads(path.read_text(encoding="utf-8"))["response_200"]
    return schema


def _usage_types(root: Schema) -> dict[str, str]:
    """The `type=` value of each typed top-level section (`model-usages` for `modelUsages`)."""
    return {_camel_to_kebab(name): name for name in root.get("properties", {}) if name not in _UNTYPED_SECTIONS}


@lru_cache(maxsize=64)
def _usage_strategy(directory: str, contract: str, types: frozenset[str] | None) -> SearchStrategy[dict[str, Any]]:
    root = _load(Path(directory) / f"usages-{contract}.json")
    if types is not None:
        known = _usage_types(root)
        unknown = sorted(types - set(known))
        if unknown:
            raise ValueError(
                f"unknown usage type(s) {', '.join(map(repr, unknown))} for contract {contract!r} "
                f"(known: {', '.join(sorted(known))})"
            )
        keep = {known[t] for t in types} | _UNTYPED_SECTIONS
        root = {**root, "properties": {k: v for k, v in root["properties"].items() if k in keep}}
    strategy: SearchStrategy[dict[str, Any]] = _Walker(root).strategy(root)
    return strategy


@lru_cache(maxsize=64)
def _endpoint_strategy(directory: str, endpoint: str) -> SearchStrategy[dict[str, Any]]:
    path = Path(directory) / "endpoints" / f"{endpoint.replace('.', '-').replace('_', '-')}-{LATEST_VERSION}.json"
    root = _load(path)
    strategy: SearchStrategy[dict[str, Any]] = _Walker(root).strategy(root)
    return strategy


def _check_contract(contract: str) -> None:
    known = available_versions()
    if contract not in known:
        raise ValueError(f"unknown contract version {contract!r} (known: {', '.join(known) or 'none'})")


def usage_bodies(contract: str = LATEST_VERSION, types: Iterable[str] | None = None) -> SearchStrategy[dict[str, Any]]:
    """Draw `GET /v1/usages` 200 bodies valid under `contract`, with only the sections of `types` (all if None).

    `types` are the `type=` query values the contract knows (`consumption`, `model-usages`, ...); `entities` may
    appear with any of them, as the API sends it. An unknown version or type is a `ValueError` naming the known ones.
    """
    _check_contract(contract)
    chosen = None if types is None else frozenset([types] if isinstance(types, str) else types)
    return _usage_strategy(str(contracts_dir()), contract, chosen)


def bodies(endpoint: str, contract: str = LATEST_VERSION) -> SearchStrategy[dict[str, Any]]:
    """Draw 200 bodies of `endpoint` (an SDK call name: `usages.list`, `jobs.list`, `teams.retrieve_limits`, ...).

    The read endpoints have contracts for 2.4.0 only; another version, or an unknown name, is a `ValueError`.
    """
    if endpoint not in ENDPOINT_NAMES:
        raise ValueError(f"unknown endpoint {endpoint!r} (known: {', '.join(ENDPOINT_NAMES)})")
    if endpoint == "usages.list":
        return usage_bodies(contract)
    _check_contract(contract)
    if contract != LATEST_VERSION:
        raise ValueError(
            f"{endpoint} has a published contract for {LATEST_VERSION} only, not {contract!r} "
            "(the older SDKs know /usages alone)"
        )
    return _endpoint_strategy(str(contracts_dir()), endpoint)
