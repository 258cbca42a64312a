"""The fields of a parsed scenario: the alternatives of a declared type, and every value walked with its declared
type and its YAML field path."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

from pydantic import BaseModel

from mockserver.scenario.model import TimeSpec


def field_path(*parts: str | int) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def type_options(tp: Any) -> list[Any]:
    """The alternatives of a type: union members flattened, `Annotated` unwrapped except `TimeSpec`."""
    if tp == TimeSpec:
        return [tp]
    origin = get_origin(tp)
    if origin is Annotated:
        return type_options(get_args(tp)[0])
    if origin in (Union, UnionType):
        return [option for arg in get_args(tp) for option in type_options(arg)]
    return [tp]


@functools.cache
def _hints(model: type[BaseModel]) -> dict[str, Any]:
    return get_type_hints(model, include_extras=True)


def walk_fields(value: Any, hint: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any, Any]]:
    """Every value of a parsed scenario with its declared type and its YAML field path."""
    yield path, hint, value
    if isinstance(value, BaseModel):
        hints = _hints(type(value))
        for name, info in type(value).model_fields.items():
            yield from walk_fields(getattr(value, name), hints.get(name), (*path, info.alias or name))
    elif isinstance(value, list | tuple):
        item_hints = [get_args(o)[0] for o in type_options(hint) if get_origin(o) is list]
        for i, item in enumerate(value):
            yield from walk_fields(item, item_hints[0] if item_hints else None, (*path, i))
    elif isinstance(value, dict):
        value_hints = [get_args(o)[1] for o in type_options(hint) if get_origin(o) is dict]
        for key, item in value.items():
            yield from walk_fields(item, value_hints[0] if value_hints else None, (*path, str(key)))
