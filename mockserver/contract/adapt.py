"""Contract versions applied to a response body: `pin` keeps what one published SDK version knows, `drift` mixes in
what is newer than it. Both are pure functions of a plain-data body, compiled once per version from the reference
contract's `response_200` JSON Schema.

The server renders the latest contract (`LATEST_VERSION`); pinning it to an older version

- drops every key that version's schema does not list, at every object level (keys are renamed where the contract
  renamed them: the latest `qualityGateUsages` is `slopUsages` in 2.0.0 and 2.1.0, with the same row shape);
- drops every array item holding, in a required field, an enum value the version does not know (an activity event
  with a newer `action`, a usage row with a newer `usageName`, a job with a newer `jobType` or `status`, a workflow
  node with a newer `type` or `status`, an asset whose `metadata.type` is newer, ...); an unknown value in an
  optional field drops that field only;
- drops an item that would lack a field the version requires.

`pin` takes the body to follow the latest contract, as the server renders it: a subtree where the version accepts
everything the latest contract allows (say, the points of every series in 2.x) is passed through without a look,
which keeps pinning a default body to about a millisecond. Types are not checked: no old contract is narrower
than the latest one, only smaller. Bodies are read, never mutated; the results of `pin` and `drift` may share
unchanged sub-objects with their input, so treat both as read-only.

`drift` is the converse test double: unknown enum values and unknown keys, as a newer API would send them.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from mockserver.contract.versions import LATEST_VERSION, available_versions, contracts_dir, load_contract
from mockserver.errors import MockServerError

__all__ = [
    "ContractAdapter",
    "ContractError",
    "adapter_for",
    "known_versions",
    "query_parameters",
]

# Top-level keys an older contract spells differently: its name -> the latest contract's name for the same data.
ROOT_RENAMES: Mapping[str, str] = MappingProxyType({"slopUsages": "qualityGateUsages"})

# The enums whose growth breaks old clients in practice: `drift` always changes one of these when the body has one.
EVOLVING_ENUMS = frozenset(
    {
        "activity[].action",
        "usages[].usageName",
        "assetUsages[].kind",
        "entities.assets[].kind",
        "entities.assets[].source",
        "entities.jobs[].jobType",
        "entities.jobs[].status",
        "entities.jobs[].metadata.flow[].type",
        "entities.jobs[].metadata.flow[].status",
        "entities.users[].apiKeyStatus",
    }
)

# Names of the extra fields `drift` adds; none of them is a field of any published contract.
EXTRA_FIELD_NAMES = ("newField", "futureField", "newFieldV3", "betaFlags", "extensions")
EXTRA_FIELD_VALUES: tuple[Callable[[], Any], ...] = (  # factories, so that no two bodies share a value
    lambda: "preview",
    lambda: 42,
    lambda: 0.25,
    lambda: True,
    lambda: None,
    lambda: ["alpha", "beta"],
    lambda: {"since": "next", "enabled": True},
)


class ContractError(MockServerError):
    """An unknown contract version, or a reference contract this module cannot read."""


class _Drop:
    """The marker a pinner returns for a value the pinned version cannot hold."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "DROP"


DROP = _Drop()

Pinner = Callable[[Any], Any]  # returns the pinned value, or DROP


# -- the compiled schema ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False)
class Property:
    """One property of an object node: its wire name in this version, the input keys it is read from."""

    name: str
    sources: tuple[str, ...]
    node: Node
    required: bool


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    """A schema reduced to what pinning and drifting need. `kind` is `any`, `leaf`, `enum`, `array` or `object`."""

    kind: str
    nullable: bool = False
    allowed: frozenset[Any] = frozenset()
    item: Node | None = None
    fields: Mapping[str, Property] = field(default_factory=lambda: MappingProxyType({}))
    required: frozenset[str] = frozenset()
    has_enum: bool = False


ANY = Node("any")


class _Compiler:
    """Turns one `response_200` schema into `Node`s, resolving each `$defs` entry once."""

    def __init__(self, schema: Mapping[str, Any], version: str) -> None:
        self.defs: Mapping[str, Any] = schema.get("$defs", {})
        self.version = version
        self.done: dict[str, Node] = {}
        self.active: set[str] = set()

    def compile(self, schema: Mapping[str, Any], *, renames: Mapping[str, str] | None = None) -> Node:
        if "$ref" in schema:
            return self._ref(schema["$ref"])
        if "anyOf" in schema:
            branches = [b for b in schema["anyOf"] if b.get("type") != "null"]
            nullable = len(branches) < len(schema["anyOf"])
            if len(branches) != 1:
                return ANY  # unions of several shapes do not occur in the contracts; accept anything
            node = self.compile(branches[0])
            return _replace_nullable(node, nullable)
        if "enum" in schema:
            return Node("enum", allowed=frozenset(schema["enum"]), has_enum=True)
        if "const" in schema:
            return Node("enum", allowed=frozenset([schema["const"]]), has_enum=True)
        kind = schema.get("type")
        if kind == "array":
            item = self.compile(schema.get("items", {}))
            return Node("array", item=item, has_enum=item.has_enum)
        if kind == "object" and "properties" in schema:
            return self._object(schema, renames or {})
        if kind in ("string", "number", "integer", "boolean"):
            return Node("leaf")
        return ANY  # `{}` or a free-form object

    def _ref(self, ref: str) -> Node:
        name = ref.rsplit("/", 1)[-1]
        if name in self.done:
            return self.done[name]
        if name in self.active or name not in self.defs:
            raise ContractError(f"contract {self.version}: unsupported or missing schema reference {ref!r}")
        self.active.add(name)
        node = self.compile(self.defs[name])
        self.active.discard(name)
        self.done[name] = node
        return node

    def _object(self, schema: Mapping[str, Any], renames: Mapping[str, str]) -> Node:
        properties: Mapping[str, Any] = schema["properties"]
        required = frozenset(schema.get("required", ()))
        fields: dict[str, Property] = {}
        for name, sub in properties.items():
            sources: tuple[str, ...] = (name,)
            renamed = renames.get(name)
            if renamed is not None and renamed not in properties:
                sources = (renamed, name)
            fields[name] = Property(name, sources, self.compile(sub), name in required)
        return Node(
            "object",
            fields=MappingProxyType(fields),
            required=required,
            has_enum=any(f.node.has_enum for f in fields.values()),
        )


def _replace_nullable(node: Node, nullable: bool) -> Node:
    if not nullable or node.nullable or node.kind == "any":
        return node
    return Node(node.kind, True, node.allowed, node.item, node.fields, node.required, node.has_enum)


def compile_schema(schema: Mapping[str, Any], version: str = "?") -> Node:
    """Compile a `response_200` JSON Schema into the node tree `ContractAdapter` walks."""
    return _Compiler(schema, version).compile(schema, renames=ROOT_RENAMES)


def _enum_paths(node: Node, path: str = "") -> Iterator[tuple[str, Node]]:
    """Yield every enum node with its schema path (`activity[].action`), top-level renames undone."""
    if node.kind == "enum":
        yield path, node
    elif node.kind == "array" and node.item is not None and node.has_enum:
        yield from _enum_paths(node.item, path + "[]")
    elif node.kind == "object" and node.has_enum:
        for f in node.fields.values():
            name = f.sources[0]  # the latest contract's name, so paths compare across versions
            yield from _enum_paths(f.node, f"{path}.{name}" if path else name)


# -- pinning: the node tree compiled into closures -------------------------------------------------------------
def covers(node: Node, latest: Node | None) -> bool:
    """Whether every value the latest contract allows at this place is also valid, unchanged, for `node`.

    Such subtrees are not walked when pinning: a body the server rendered for the latest contract passes as is.
    """
    if node.kind == "any":
        return True
    if latest is None or latest.kind == "any":
        return False
    if node.kind == "leaf":
        return latest.kind in ("leaf", "enum")
    if node.kind == "enum":
        return latest.kind == "enum" and latest.allowed <= node.allowed
    if node.kind == "array":
        return latest.kind == "array" and covers(node.item or ANY, latest.item)
    if latest.kind != "object" or not node.required <= latest.required:
        return False
    return all(
        name in node.fields and node.fields[name].sources == (name,) and covers(node.fields[name].node, prop.node)
        for name, prop in latest.fields.items()
    )


def _pinner(node: Node, latest: Node | None) -> Pinner | None:
    """Compile a node into a function returning the pinned value or `DROP`; `None` means the identity.

    `latest` is the latest contract's node at the same place (or `None`), which the body is assumed to follow.
    """
    if covers(node, latest):
        return None
    if node.kind == "enum":
        return _enum_pinner(node.allowed, node.nullable)
    if node.kind == "array":
        latest_item = latest.item if latest is not None and latest.kind == "array" else None
        return _array_pinner(_pinner(node.item or ANY, latest_item))
    if node.kind == "object":
        return _object_pinner(node, latest if latest is not None and latest.kind == "object" else None)
    return None


def _enum_pinner(allowed: frozenset[Any], nullable: bool) -> Pinner:
    def pin_enum(value: Any) -> Any:
        try:
            if value in allowed:
                return value
        except TypeError:  # an unhashable value is no enum value
            return DROP
        return value if value is None and nullable else DROP

    return pin_enum


def _array_pinner(item: Pinner | None) -> Pinner | None:
    if item is None:
        return None

    def pin_array(value: Any) -> Any:
        if type(value) is not list:
            return value
        return [pinned for pinned in map(item, value) if pinned is not DROP]

    return pin_array


def _object_pinner(node: Node, latest: Node | None) -> Pinner:
    required = node.required
    children: dict[str, tuple[str, Pinner | None, bool]] = {}
    for prop in node.fields.values():
        latest_prop = latest.fields.get(prop.sources[0]) if latest is not None else None
        pin = _pinner(prop.node, latest_prop.node if latest_prop is not None else None)
        for source in prop.sources:
            children[source] = (prop.name, pin, prop.required)

    if all(pin is None and name == source for source, (name, pin, _) in children.items()):
        # Only keys to keep (points, most entities): look up the known keys rather than scan the object's;
        # the result lists them in the contract's order.
        required_keys = tuple(name for name in node.fields if name in required)
        optional_keys = tuple(name for name in node.fields if name not in required)

        def pin_flat(value: Any) -> Any:
            if type(value) is not dict:
                return value
            try:
                out = {key: value[key] for key in required_keys}
            except KeyError:
                return DROP
            for key in optional_keys:
                if key in value:
                    out[key] = value[key]
            return out

        return pin_flat

    def pin_object(value: Any) -> Any:
        if type(value) is not dict:
            return value
        out: dict[str, Any] = {}
        for key, item in value.items():
            child = children.get(key)
            if child is None:
                continue
            name, pin, is_required = child
            if pin is not None:
                item = pin(item)
                if item is DROP:
                    if is_required:
                        return DROP
                    continue
            out[name] = item
        return out if required <= out.keys() else DROP

    return pin_object


# -- drifting: copy-on-write edits of a body ------------------------------------------------------------------
class _Editor:
    """Edits a body without touching it: each container on an edited path is copied once, then edited in place."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.root: dict[str, Any] = dict(body)
        self._owned = {id(self.root)}

    def container(self, path: tuple[str | int, ...]) -> Any:
        """Return the (owned, editable) container at `path`, copying the ones on the way that are not yet owned."""
        node: Any = self.root
        for step in path:
            child = node[step]
            if id(child) not in self._owned:
                child = dict(child) if isinstance(child, dict) else list(child)
                self._owned.add(id(child))
                node[step] = child
            node = child
        return node


@dataclass(frozen=True, slots=True)
class _EnumSite:
    path: tuple[str | int, ...]  # of the value
    schema_path: str  # `activity[].action`
    node: Node


def _enum_sites(node: Node, value: Any, path: tuple[str | int, ...], schema_path: str) -> Iterator[_EnumSite]:
    """Yield the enum-typed values of a body, in body order; subtrees without enums are not visited."""
    if not node.has_enum or value is None:
        return
    if node.kind == "enum":
        yield _EnumSite(path, schema_path, node)
    elif node.kind == "array" and type(value) is list:
        assert node.item is not None
        for index, item in enumerate(value):
            yield from _enum_sites(node.item, item, (*path, index), schema_path + "[]")
    elif node.kind == "object" and type(value) is dict:
        for f in node.fields.values():
            if f.name in value:
                child_schema_path = f"{schema_path}.{f.sources[0]}" if schema_path else f.sources[0]
                yield from _enum_sites(f.node, value[f.name], (*path, f.name), child_schema_path)


def _extra_sites(
    node: Node, value: Any, path: tuple[str | int, ...], rng: random.Random
) -> Iterator[tuple[tuple[str | int, ...], Node]]:
    """Yield `(path, node)` for the objects that get an extra field: every schema object met on a random descent
    that enters every present property and one random item of every array."""
    if node.kind == "object" and type(value) is dict:
        yield path, node
        for f in node.fields.values():
            child = value.get(f.name)
            if child is not None and f.node.kind in ("object", "array"):
                yield from _extra_sites(f.node, child, (*path, f.name), rng)
    elif node.kind == "array" and type(value) is list and value:
        assert node.item is not None
        index = rng.randrange(len(value))
        yield from _extra_sites(node.item, value[index], (*path, index), rng)


def _unknown_value(name: str, allowed: frozenset[Any], rng: random.Random) -> str:
    """Invent an enum value the version cannot know, named after its field (`future-action-17`)."""
    while True:
        candidate = f"future-{name.lower()}-{rng.randrange(100)}"
        if candidate not in allowed:
            return candidate


def _first_time(body: Mapping[str, Any]) -> str:
    for rows in body.values():
        if type(rows) is list:
            for row in rows:
                if type(row) is dict:
                    points = row.get("points")
                    if type(points) is list and points and type(points[0]) is dict and "time" in points[0]:
                        return str(points[0]["time"])
    return "1970-01-01T00:00:00.000Z"


# -- the public face ------------------------------------------------------------------------------------------
class ContractAdapter:
    """One contract version, compiled: `pin` bodies down to it, `drift` them past it."""

    def __init__(self, version: str, contract: Mapping[str, Any], latest: Node | None) -> None:
        """Compile `contract` (one reference contract file); `latest` is the compiled latest contract, which
        rendered bodies follow (`None` when this is the latest one)."""
        self.version = version
        self.is_latest = latest is None
        self.query_parameters: frozenset[str] = frozenset(contract.get("query", {}))
        self.schema: Mapping[str, Any] = contract["response_200"]
        self.root = compile_schema(self.schema, version)
        self._pin_root = None if latest is None else _pinner(self.root, latest)
        newer_enums = dict(_enum_paths(latest)) if latest is not None else {}
        # Per enum schema path: the values the latest contract knows and this one does not.
        self.newer_values: Mapping[str, tuple[Any, ...]] = MappingProxyType(
            {
                path: tuple(sorted(newer_enums[path].allowed - node.allowed, key=str))
                for path, node in _enum_paths(self.root)
                if path in newer_enums
            }
        )

    def __repr__(self) -> str:
        return f"ContractAdapter({self.version!r})"

    def pin(self, body: dict[str, Any]) -> dict[str, Any]:
        """Return the body as this version knows it (the body itself for the latest version)."""
        if self._pin_root is None:  # the latest version, or one that covers it
            return body
        pinned: dict[str, Any] = self._pin_root(body)
        return pinned

    def drift(self, body: dict[str, Any], seed: int) -> dict[str, Any]:
        """Return a copy of the body with values newer than this version mixed in, chosen by `seed`.

        At least one enum value becomes one this version does not know (a value of the latest contract when there
        is one, else an invented `future-...` value), so strict validation by this version's SDK fails; objects on
        a random descent (the root, a row, a point, an entity of each kind, ...) get an extra field, and the root
        an extra series, which loose parsing must ignore. A body with no enum value at all (say `type=consumption`)
        gets one extra activity event with an unknown `action`.
        """
        rng = random.Random(seed)
        editor = _Editor(body)
        for path, node in list(_extra_sites(self.root, body, (), rng)):
            target = editor.container(path)
            names = [n for n in EXTRA_FIELD_NAMES if n not in target and n not in node.fields]
            if names:
                target[rng.choice(names)] = rng.choice(EXTRA_FIELD_VALUES)()
        editor.root["futureUsages"] = [{"metric": "gpu-seconds", "points": [{"time": _first_time(body), "value": "1"}]}]

        by_schema_path: dict[str, list[_EnumSite]] = {}
        for site in _enum_sites(self.root, body, (), ""):
            by_schema_path.setdefault(site.schema_path, []).append(site)
        if not by_schema_path:
            self._inject_event(editor, body, rng)
            return editor.root
        kinds = sorted(by_schema_path)
        evolving = [k for k in kinds if k in EVOLVING_ENUMS]
        first = rng.choice(evolving or kinds)
        others = [k for k in kinds if k != first]
        for schema_path in [first, *rng.sample(others, min(len(others), rng.randint(0, 2)))]:
            site = rng.choice(by_schema_path[schema_path])
            *parent, key = site.path
            newer = self.newer_values.get(schema_path, ())
            if newer and rng.random() < 0.5:
                value = rng.choice(newer)
            else:
                name = schema_path.rsplit(".", 1)[-1].removesuffix("[]")
                value = _unknown_value(name, site.node.allowed, rng)
            editor.container(tuple(parent))[key] = value
        return editor.root

    def adapt(self, body: dict[str, Any], *, drift_seed: int | None = None) -> dict[str, Any]:
        """Pin the body, then drift it when `drift_seed` is given."""
        pinned = self.pin(body)
        return pinned if drift_seed is None else self.drift(pinned, drift_seed)

    def _inject_event(self, editor: _Editor, body: Mapping[str, Any], rng: random.Random) -> None:
        activity = self.root.fields.get("activity")
        if activity is None or activity.node.item is None:
            return
        action = activity.node.item.fields["action"].node
        event = {
            "action": _unknown_value("action", action.allowed, rng),
            "data": {},
            "projectId": "proj_future",
            "time": _first_time(body),
            "userId": "future-user",
        }
        events = editor.root.get("activity")
        editor.root["activity"] = [*(events if type(events) is list else ()), event]


# -- versions -----------------------------------------------------------------------------------------------
def known_versions() -> list[str]:
    """List the contract versions that can be pinned, oldest first."""
    return available_versions()


def adapter_for(version: str) -> ContractAdapter:
    """Return the compiled adapter of one contract version (built once per version and contracts directory)."""
    return _adapter_for(str(contracts_dir()), version)


@functools.lru_cache(maxsize=64)
def _adapter_for(directory: str, version: str) -> ContractAdapter:
    versions = available_versions()
    if version not in versions:
        raise ContractError(f"unknown contract version {version!r}; available: {', '.join(versions) or 'none'}")
    contract = load_contract(version)
    if "response_200" not in contract:
        raise ContractError(f"contract {version} at {directory} has no 'response_200' schema")
    if version == LATEST_VERSION or LATEST_VERSION not in versions:
        return ContractAdapter(version, contract, None)
    return ContractAdapter(version, contract, _adapter_for(directory, LATEST_VERSION).root)


def query_parameters(version: str) -> set[str]:
    """Return the query parameters the SDK of that version can send (wire names)."""
    return set(adapter_for(version).query_parameters)
