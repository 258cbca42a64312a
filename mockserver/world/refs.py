"""Resolving a scenario's references (people, API keys, projects, ids) while its world is built, and `WorldError`
when one does not hold: the scenario is valid YAML but describes an impossible world."""

from __future__ import annotations

from typing import Any

from mockserver.world.entities import ApiKey, Person


class WorldError(ValueError):
    """A scenario is valid YAML but describes an impossible world (the loader reports it with its location)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def resolve_actor(field: str, ref: str, people: list[Person], keys: list[ApiKey]) -> Person | ApiKey:
    """The person or API key `ref` names: a person id, an API key id or a key's user id."""
    for person in people:
        if person.id == ref:
            return person
    for key in keys:
        if ref in (key.id, key.user_id):
            return key
    known = [p.id for p in people] + [k.id for k in keys]
    raise WorldError(field, f"unknown person or API key {ref!r}; known: {', '.join(known) or 'none'}")


def resolve_project(field: str, ref: str | None, actor: Person | ApiKey) -> str:
    """The project an actor acts in: `ref`, which must be one of theirs, else their first."""
    if ref is None:
        return actor.projects[0]
    if ref not in actor.projects:
        raise WorldError(field, f"{ref!r} is not one of the projects of {actor.id!r}: {', '.join(actor.projects)}")
    return ref


def check_active(field: str, actor: Person | ApiKey, t: int) -> None:
    """Refuse an act at `t` by a key not yet created or already revoked, or by a person who had left."""
    if isinstance(actor, ApiKey):
        if t < actor.created_at:
            raise WorldError(field, f"API key {actor.id!r} did not exist yet at that time")
        if actor.revoked_at is not None and t >= actor.revoked_at:
            raise WorldError(field, f"API key {actor.id!r} was already {actor.status} at that time")
    elif actor.left_at is not None and t >= actor.left_at:
        raise WorldError(field, f"{actor.id!r} had already left the platform at that time")


def user_id_of(actor: Person | ApiKey) -> str:
    """The user id an actor's activity is reported under."""
    return actor.user_id if isinstance(actor, ApiKey) else actor.id


def check_refs(field: str, refs: Any, known: Any) -> None:
    """Refuse the first of `refs` that is not among `known`."""
    missing = [r for r in refs if r not in known]
    if missing:
        raise WorldError(field, f"unknown id {missing[0]!r}; known: {', '.join(sorted(known)) or 'none'}")
