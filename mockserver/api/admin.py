"""The admin API under `/__admin/`: health, scenarios, memory, the journal, the clock, fault rules and reset.

JSON in and out; errors are the API's JSON error body. No API credentials; when the server has an admin token,
every admin route needs `Authorization: Bearer <token>`. `build_app` leaves these routes out with `admin=False`.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from pydantic import Field, ValidationError, model_validator
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver import __version__
from mockserver.api.errors import error_response
from mockserver.contract.query import EARLIEST_MS, LATEST_MS
from mockserver.controls.faults import declared_rules
from mockserver.controls.journal import Journal
from mockserver.errors import ConflictError, NotFoundError, QueryError, StoreUnavailableError
from mockserver.offload import in_daemon_thread
from mockserver.scenario.faults import FaultRule
from mockserver.scenario.spec import Spec
from mockserver.settings import Settings
from mockserver.state.store import BUILT, RUNNING, ClockState, StateStore
from mockserver.world.clock import format_ms, parse_duration, parse_instant
from mockserver.world.world import World
from mockserver.worlds import Worlds

MAX_BODY = 1_000_000
DEFAULT_JOURNAL_LIMIT = 1000

Handler = Callable[[Request], Awaitable[Response]]


def _json(data: object, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def guarded(handler: Handler) -> Handler:
    """Refuse the request unless it carries the server's admin token (when it has one)."""

    async def check(request: Request) -> Response:
        token: str | None = request.app.state.settings.admin_token
        if token is not None:
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
                return error_response(
                    401,
                    "The admin API needs `Authorization: Bearer <admin token>`",
                    headers={"WWW-Authenticate": 'Bearer realm="mockserver-admin"'},
                )
        return await handler(request)

    check.__name__ = handler.__name__
    return check


AREAS = ("clock", "default scenario", "faults", "journal")  # what run-time controls change; `reset` touches all


def fleet_control(area: str) -> Callable[[Handler], Handler]:
    """Refuse a control of `area` (409) in a process that is one of several, unless the store shares `area`:
    the change would reach this process only, and the fleet's answers would silently diverge."""

    def wrap(handler: Handler) -> Handler:
        async def check(request: Request) -> Response:
            settings = request.app.state.settings
            shared: frozenset[str] = request.app.state.store.shared
            touched = AREAS if area == "reset" else (area,)
            if settings.in_fleet and not shared.issuperset(touched):
                raise ConflictError(_not_shared(settings, shared, area), code="STATE_NOT_SHARED")
            return await handler(request)

        check.__name__ = handler.__name__
        return check

    return wrap


def _change_of(area: str) -> str:
    return "a reload of the scenarios" if area == "reload" else f"a change of the {area}"


def _not_shared(settings: Settings, shared: frozenset[str], area: str) -> str:
    if settings.state is None:
        return (
            f"This server runs {settings.workers} worker processes that share no state: {_change_of(area)} "
            "would reach one of them only. Pass `--state redis://HOST:PORT/DB` (or MOCK_STATE) to share run-time "
            "state between them, or declare it in the scenario file"
        )
    missing = ", ".join(f"the {a}" for a in AREAS if a not in shared) if area == "reset" else f"the {area}"
    return (
        f"The state store does not share {missing} yet: a change here would reach this process only, and the "
        "processes sharing the store would diverge. Declare it in the scenario file instead"
    )


async def _body(request: Request) -> Any:
    """The request's JSON body (at most 1 MB); QueryError if it is not JSON."""
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise QueryError(f"The request body is larger than {MAX_BODY} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        return {}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise QueryError(f"The request body is not JSON: {exc}") from None


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())


def _validation_error(exc: ValidationError) -> Response:
    problems = [{"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]
    return error_response(400, f"Invalid body: {_problems(exc)}", extra={"problems": problems})


# -- health and scenarios --------------------------------------------------------------------------------------
async def health(request: Request) -> Response:
    worlds: Worlds = request.app.state.worlds
    return _json({"status": "ok", "version": __version__, "scenarios": len(worlds.worlds)})


def _scenario_listing(worlds: Worlds) -> dict[str, Any]:
    files = {name: path for path, name in worlds.files.items()}
    return {
        "default": worlds.default_name,
        "generation": worlds.generation,
        "scenarios": [
            {
                "name": name,
                "file": files.get(name),  # None: a default kept after its file went (see `warnings`)
                "description": world.scenario.description,
                "team": world.team.id,
                "people": len(world.people),
                "apiKeys": len(world.keys),
                "models": len(world.models),
            }
            for name, world in sorted(worlds.worlds.items())
        ],
        "errors": [
            {"file": path, "problems": [str(p) for p in error.problems]}
            for path, error in sorted(worlds.errors.items())
        ],
        "warnings": [
            {"scenario": name, "file": path, "message": message}
            for name, (path, message) in sorted(worlds.warnings.items())
        ],
    }


async def _processes(request: Request) -> dict[str, Any]:
    """This process and (in a fleet) every process sharing the store, each with its loaded generation."""
    store: StateStore = request.app.state.store
    worlds: Worlds = request.app.state.worlds
    problem: str | None
    try:
        listed = await store.processes(worlds)
    except StoreUnavailableError as exc:
        listed, problem = [{"process": store.process, "generation": worlds.generation}], str(exc)
    else:
        problem = None
    return {"process": store.process, "processes": listed, **({"processesError": problem} if problem else {})}


async def scenarios(request: Request) -> Response:
    return _json({**_scenario_listing(request.app.state.worlds), **await _processes(request)})


async def memory(request: Request) -> Response:
    """The estimated bytes the worlds' caches (one budget, in pools) and the journal keep, with their bounds."""
    worlds: Worlds = request.app.state.worlds
    journal: Journal = request.app.state.journal
    return _json({"caches": worlds.cache_budget.usage(), "journal": journal.usage()})


async def reload_scenarios(request: Request) -> Response:
    """Reload every scenario file as live reload does: a file that fails keeps its last good world and reports
    its errors; a deleted file's world goes, unless it is the default (kept, with a warning)."""
    worlds: Worlds = request.app.state.worlds
    # Building worlds is CPU work: off the event loop, so requests keep flowing (as live reload does); in a daemon
    # thread, so that a SIGTERM does not wait for it.
    failed = await in_daemon_thread(worlds.reload_all)
    store: StateStore = request.app.state.store
    await store.announce_reload()  # every other process rebuilds from its own files (StoreUnavailableError: 503)
    listing = {**_scenario_listing(worlds), **await _processes(request)}
    return _json({"reloaded": not failed, "failed": failed, **listing})


class DefaultCommand(Spec):
    name: str = Field(max_length=128)


async def set_default(request: Request) -> Response:
    """Make another loaded scenario the default one (until reset)."""
    worlds: Worlds = request.app.state.worlds
    try:
        command = DefaultCommand.model_validate(await _body(request))
    except ValidationError as exc:
        return _validation_error(exc)
    worlds.get(command.name)  # NotFoundError listing the known names
    store: StateStore = request.app.state.store
    await store.set_default(worlds, command.name)  # StoreUnavailableError: a 503 naming the store
    return _json({"default": command.name})


# -- journal ------------------------------------------------------------------------------------------------------
def _int_param(request: Request, name: str, default: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise QueryError(f"{name} must be an integer, not {raw[:50]!r}") from None


async def journal_entries(request: Request) -> Response:
    """Recorded requests, oldest first: filters `method`, `path` (or a template: `/v1/jobs/{id}`), `endpoint` (an SDK
    call name: `jobs.retrieve`), `scenario`, `status`, `query=name=value` (repeatable), `since` (entries after this
    id) and `limit` (the newest ones; default 1000)."""
    store: StateStore = request.app.state.store
    journal, unwritten = await store.journal()  # a fleet's: every process's entries, in the order written
    params = request.query_params
    query = {}
    for item in params.getlist("query"):
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise QueryError(f"query filters are `name=value`, not {item[:50]!r}")
        query[name] = value
    statuses = []
    for raw in params.getlist("status"):
        try:
            statuses.append(int(raw))
        except ValueError:
            raise QueryError(f"status must be an integer, not {raw[:50]!r}") from None
    try:
        entries = journal.entries(
            method=params.get("method"),
            path=params.get("path"),
            query=query or None,
            scenario=params.get("scenario"),
            status=statuses or None,
            endpoint=params.get("endpoint"),
        )
    except ValueError as exc:  # an unknown endpoint name
        raise QueryError(str(exc)) from None
    since = _int_param(request, "since")
    if since is not None:
        entries = [e for e in entries if e.id > since]
    limit = _int_param(request, "limit", DEFAULT_JOURNAL_LIMIT)
    assert limit is not None
    matched = len(entries)
    entries = entries[-limit:] if limit > 0 else []
    listing = {"total": len(journal), "matched": matched, "entries": [e.to_json() for e in entries]}
    if store.shared:
        listing["unwritten"] = unwritten  # per process: entries it could not write while the store was away
    return _json(listing)


async def clear_journal(request: Request) -> Response:
    store: StateStore = request.app.state.store
    return _json({"cleared": await store.clear_journal()})


# -- clock ---------------------------------------------------------------------------------------------------------
class ClockCommand(Spec):
    """One clock operation, on every world or on `scenario` only."""

    scenario: str | None = None
    now: str | None = Field(None, description="Freeze the clock at this ISO 8601 instant.")
    advance: str | int | None = Field(None, description="Move the clock by a duration (`1h`, `-30m`) or by ms.")
    freeze: bool | None = Field(None, description="Stop the clock where it is.")
    unfreeze: bool | None = Field(None, description="Run on real time again.")
    reset: bool | None = Field(None, description="Back to the clock the world was built with.")

    @model_validator(mode="after")
    def _one_operation(self) -> ClockCommand:
        given = [name for name in ("now", "advance", "freeze", "unfreeze", "reset") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of now (ISO instant), advance (`1h`, `-30m` or ms), freeze, unfreeze, reset"
                + (f"; got {', '.join(given)}" if given else "")
            )
        return self


def _clock_worlds(worlds: Worlds, scenario: str | None) -> list[World]:
    return [worlds.get(scenario)] if scenario is not None else [worlds.worlds[n] for n in sorted(worlds.worlds)]


def _clock_listing(targets: list[World]) -> dict[str, Any]:
    return {
        "clocks": [
            {"scenario": w.name, "now": format_ms(w.clock.now()), "nowMs": w.clock.now(), "frozen": w.clock.frozen}
            for w in targets
        ]
    }


async def get_clock(request: Request) -> Response:
    worlds: Worlds = request.app.state.worlds
    return _json(_clock_listing(_clock_worlds(worlds, request.query_params.get("scenario"))))


async def set_clock(request: Request) -> Response:
    """Freeze, set, advance, unfreeze or reset the clock of every world (or of `scenario`)."""
    worlds: Worlds = request.app.state.worlds
    try:
        command = ClockCommand.model_validate(await _body(request))
    except ValidationError as exc:
        return _validation_error(exc)
    targets = _clock_worlds(worlds, command.scenario or request.query_params.get("scenario"))
    try:
        at = parse_instant(command.now) if command.now is not None else None
        by = parse_duration(command.advance) if isinstance(command.advance, str) else command.advance
    except ValueError as exc:
        raise QueryError(f"Invalid clock value: {exc}") from None
    # A clock stays where query dates may lie (as a scenario's clock does).
    for world in targets:
        moved = at if at is not None else world.clock.now() + by if by is not None else None
        if moved is not None and not EARLIEST_MS <= moved < LATEST_MS:
            raise QueryError(f"Invalid clock value: {format_ms(moved)} is not between 1970-01-01 and 9999-12-31")
    # As states, not operations, so that every process of a fleet lands on the same instant (an advance is computed
    # here, from the clock this process last synced; two advances racing on two processes: the last one wins).
    states: dict[str, ClockState] = {}
    for world in targets:
        if at is not None:
            states[world.name] = at
        elif by is not None:
            states[world.name] = world.clock.now() + by
        elif command.freeze:
            states[world.name] = world.clock.now()
        elif command.unfreeze:
            states[world.name] = RUNNING
        elif command.reset:
            states[world.name] = BUILT
    store: StateStore = request.app.state.store
    await store.set_clocks(worlds, states)  # StoreUnavailableError: a 503 naming the store
    return _json(_clock_listing(targets))


# -- faults ---------------------------------------------------------------------------------------------------------
async def list_faults(request: Request) -> Response:
    store: StateStore = request.app.state.store
    worlds: Worlds = request.app.state.worlds
    declared = [
        {"scenario": name, "rules": [r.model_dump(mode="json", by_alias=True, exclude_unset=True) for r in rules]}
        for name, world in sorted(worlds.worlds.items())
        if (rules := declared_rules(world))
    ]
    return _json({"rules": await store.describe_faults(), "scenarioRules": declared})


async def add_faults(request: Request) -> Response:
    """Install one rule (a JSON object) or several (a list); 201 with their ids."""
    store: StateStore = request.app.state.store
    body = await _body(request)
    items = body if isinstance(body, list) else [body]
    try:
        rules = [FaultRule.model_validate(item) for item in items]
    except ValidationError as exc:
        return _validation_error(exc)
    try:
        ids = await store.add_faults(rules)
    except ValueError as exc:
        raise QueryError(str(exc)) from None
    return _json({"ids": ids, "id": ids[0] if len(ids) == 1 else None}, status=201)


async def clear_faults(request: Request) -> Response:
    store: StateStore = request.app.state.store
    await store.clear_faults()
    return _json({"rules": []})


async def remove_fault(request: Request) -> Response:
    store: StateStore = request.app.state.store
    rule_id = request.path_params["rule_id"]
    try:
        await store.remove_fault(rule_id)
    except KeyError:
        raise NotFoundError(f"No fault rule with id {rule_id}", code="UNKNOWN_FAULT_RULE") from None
    return _json({"removed": rule_id})


# -- reset ----------------------------------------------------------------------------------------------------------
async def reset_state(app: Starlette, *, clear_faults: bool = False) -> None:
    """Back to the state after start: worlds (clocks, default scenario, contract), rule counters and sequences,
    the journal; installed fault rules stay unless `clear_faults` (the pytest plugin clears them per test).
    In a fleet, for every process (a pinned contract is this process's own)."""
    store: StateStore = app.state.store
    await store.reset(app.state.worlds, clear_faults=clear_faults)


async def reset(request: Request) -> Response:
    """`POST /__admin/reset` (installed fault rules stay: `DELETE /__admin/faults` removes them)."""
    await reset_state(request.app)
    return _json({"reset": True})


ROUTES = [
    # Health stays open with a token: container health checks and load balancers carry no credentials.
    Route("/__admin/health", health, methods=["GET"]),
    Route("/__admin/scenarios", guarded(scenarios), methods=["GET"]),
    Route("/__admin/memory", guarded(memory), methods=["GET"]),
    Route("/__admin/scenarios/reload", guarded(fleet_control("reload")(reload_scenarios)), methods=["POST"]),
    Route("/__admin/scenarios/default", guarded(fleet_control("default scenario")(set_default)), methods=["PUT"]),
    Route("/__admin/journal", guarded(journal_entries), methods=["GET"]),
    Route("/__admin/journal", guarded(fleet_control("journal")(clear_journal)), methods=["DELETE"]),
    Route("/__admin/clock", guarded(get_clock), methods=["GET"]),
    Route("/__admin/clock", guarded(fleet_control("clock")(set_clock)), methods=["POST"]),
    Route("/__admin/faults", guarded(list_faults), methods=["GET"]),
    Route("/__admin/faults", guarded(fleet_control("faults")(add_faults)), methods=["POST"]),
    Route("/__admin/faults", guarded(fleet_control("faults")(clear_faults)), methods=["DELETE"]),
    Route("/__admin/faults/{rule_id:int}", guarded(fleet_control("faults")(remove_fault)), methods=["DELETE"]),
    Route("/__admin/reset", guarded(fleet_control("reset")(reset)), methods=["POST"]),
]
