"""pytest plugin: one mockserver per session (real uvicorn on a free port), reset cheaply before every test.

Fixtures: `mockserver` (the per-test handle: clock, faults, `serve_body`, `use_world`, journal, clients),
`mockserver_session` (the running server), `mockserver_settings` (override it to configure).
Marker: `@pytest.mark.mockserver(scenario=..., now=..., contract=..., drift=...)`.
Ini options: `mockserver_scenarios`, `mockserver_scenario`, `mockserver_seed`, `mockserver_now`, `mockserver_state`,
`mockserver_state_namespace`, `mockserver_url`.
Built only on the public API: `build_app`, `Settings`, the app's worlds, journal and faults.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from mockserver.controls.journal import Journal, JournalEntry
from mockserver.scenario.faults import FaultRule
from mockserver.settings import Settings
from mockserver.state.store import ClockState
from mockserver.state.url import check_namespace, check_state_url
from mockserver.world.clock import parse_duration, parse_instant

if TYPE_CHECKING:
    import httpx
    from starlette.applications import Starlette

MARKER = "mockserver"
_URL = pytest.StashKey[str]()
START_TIMEOUT_S = 30.0


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "mockserver_scenarios",
        "a directory of scenario files, or one file, relative to the rootdir (default: the shipped scenarios)",
        default="",
    )
    parser.addini(
        "mockserver_scenario",
        "the scenario served by default (default: the one named default, or the only one)",
        default="",
    )
    parser.addini("mockserver_seed", "override every scenario's seed", default="")
    parser.addini("mockserver_now", "freeze every world's clock at this ISO 8601 instant", default="")
    parser.addini(
        "mockserver_state",
        "keep run-time state in this Redis (redis://HOST:PORT/DB), shared with the servers that name it "
        "(default: the MOCK_STATE environment variable, else in the session's server only)",
        default="",
    )
    parser.addini(
        "mockserver_url",
        "send the fixture's clients here (e.g. a load balancer in front of a fleet sharing mockserver_state) "
        "instead of the session's own server (default: MOCK_URL, else the session's server)",
        default="",
    )
    parser.addini(
        "mockserver_state_namespace",
        "the prefix of the state's keys in Redis (default: MOCK_STATE_NAMESPACE, else mockserver)",
        default="",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mockserver(scenario=None, now=None, contract=None, drift=False): configure the mockserver for one test",
    )


class MockServerSession:
    """The server started once per session: a uvicorn thread serving `build_app(settings)` on a free port."""

    def __init__(self, settings: Settings, url: str | None = None) -> None:
        import uvicorn

        from mockserver.api import build_app
        from mockserver.api.server import server_config

        self.settings = settings
        self.app: Starlette = build_app(settings)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{port}"
        config = server_config(self.app, "127.0.0.1", port, settings)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="mockserver", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("mockserver did not start")
            time.sleep(0.005)
        self.loop: asyncio.AbstractEventLoop = self.app.state.loop
        self.store = self.app.state.store
        self.own_url = self.url
        if url:
            self.url = url.rstrip("/")  # the fleet's address: the fixture's clients go there

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def call(self, work: Coroutine[Any, Any, Any]) -> Any:
        """Run a store call on the server's event loop (where its connections live) and return its result."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(START_TIMEOUT_S)

    def reset(self) -> None:
        """World state, clocks, fault rules and sequences, journal, default scenario: all back to the start
        (with `mockserver_state`: for every process of the fleet)."""
        from mockserver.api.admin import reset_state

        self.call(reset_state(self.app, clear_faults=True))

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)


class Clock:
    """The clock of every world (or of one scenario): frozen, set, advanced."""

    def __init__(self, session: MockServerSession) -> None:
        self._session = session
        self._worlds = session.app.state.worlds

    def _set(self, scenario: str | None, state: Callable[[Any], ClockState]) -> None:
        """Give the clocks of every world (or of `scenario`) a state, through the store (a fleet's: everywhere)."""
        worlds = [self._worlds.get(scenario)] if scenario else list(self._worlds.worlds.values())
        states = {world.name: state(world.clock) for world in worlds}
        self._session.call(self._session.store.set_clocks(self._worlds, states))

    def now(self, scenario: str | None = None) -> int:
        """The current time of a world (the default one) in epoch milliseconds."""
        world = self._worlds.get(scenario) if scenario else self._worlds.default
        return int(world.clock.now())

    def anchor(self, scenario: str | None = None) -> int:
        """The instant a scenario's relative times (`-2h`) count from, in epoch milliseconds."""
        world = self._worlds.get(scenario) if scenario else self._worlds.default
        return int(world.anchor)

    def set(self, instant: str | int, scenario: str | None = None) -> None:
        """Freeze the clock at an ISO instant or epoch ms."""
        at = parse_instant(instant) if isinstance(instant, str) else instant
        self._set(scenario, lambda clock: at)

    def freeze(self, scenario: str | None = None) -> None:
        self._set(scenario, lambda clock: clock.now())

    def advance(self, by: str | int, scenario: str | None = None) -> None:
        """Move the clock on by a duration (`"90s"`, `"2h"`) or milliseconds."""
        ms = parse_duration(by) if isinstance(by, str) else by
        self._set(scenario, lambda clock: clock.now() + ms)


class MockServer:
    """What a test gets from the `mockserver` fixture."""

    def __init__(self, session: MockServerSession) -> None:
        self._session = session
        self.url = session.url
        self.base_url = session.base_url
        self.app = session.app
        self.clock = Clock(session)
        self._clients: list[Any] = []
        self._served: dict[str, int] = {}  # endpoint -> the rule of its `serve_body`
        # The clients' Basic credentials: any will do, unless `use_world` served a world that accepts only its keys.
        self.credentials: tuple[str, str] = ("mockserver-key", "mockserver-secret")

    # -- scenario and contract -----------------------------------------------------------------------------
    def use(self, scenario: str) -> None:
        """Serve `scenario` by default for the rest of this test."""
        worlds = self.app.state.worlds
        worlds.get(scenario)  # an unknown name: the error lists the known ones
        self._session.call(self._session.store.set_default(worlds, scenario))

    @property
    def scenario(self) -> str:
        return str(self.app.state.worlds.default.name)

    def contract(self, version: str | None, *, drift: bool = False) -> None:
        """Pin responses to a published SDK contract version (None: newest); `drift` mixes in newer values."""
        self.app.state.worlds.set_contract(version, drift=drift)

    # -- faults --------------------------------------------------------------------------------------------
    def fault(self, rule: FaultRule | dict[str, Any] | None = None, **fields: Any) -> int:
        """Add a fault rule (a `FaultRule`, a dict as in a scenario file, or keyword fields); return its id."""
        if not isinstance(rule, FaultRule):
            rule = FaultRule.model_validate({**(rule or {}), **fields})
        ids = self._session.call(self._session.store.add_faults([rule]))
        return int(ids[0])

    def serve_body(
        self, body: Mapping[str, Any], status: int = 200, endpoint: str = "usages.list", **match: Any
    ) -> int:
        """Answer the matching requests with exactly `body` (JSON, `status`) until the test ends; return the rule id.

        A later `serve_body` on the same endpoint replaces the earlier one.
        Through the real server, so a client parses it as it would the API's: e.g. a body a hypothesis strategy
        drew (`mockserver.strategies`). `match` narrows the requests as a fault rule does (`query`, `calls`, ...).
        """
        if not isinstance(body, Mapping):
            raise TypeError(f"serve_body answers a JSON object (a dict), not {type(body).__name__}")
        import orjson

        try:
            orjson.dumps(body)
        except TypeError as exc:  # found now, not as a 500 when the client asks
            raise TypeError(f"serve_body: the body is not JSON: {exc}") from None
        previous = self._served.pop(endpoint, None)
        if previous is not None:  # the latest body served on an endpoint wins
            self._session.call(self._session.store.remove_fault(previous))
        rule_id = self.fault(endpoint=endpoint, kind="body", body=dict(body), status=status, **match)
        self._served[endpoint] = rule_id
        return rule_id

    def use_world(self, document: Mapping[str, Any]) -> str:
        """Serve the world of a scenario document held in memory, by default, until the test ends; return its name.

        The document is validated like a scenario file (`ScenarioError` naming the field). A world of the same
        name stands aside until the reset. If the world accepts only its declared keys, the fixture's clients
        (`client`, `sdk()`, `http()`, ...) use its first active team key with a secret (`credentials`).
        The world lives in the session's own server: with `mockserver_state` or `mockserver_url` (a fleet), put the
        document in a scenario file instead.
        """
        if self._session.url != self._session.own_url or self._session.settings.state is not None:
            raise pytest.UsageError(
                "mockserver.use_world serves a world from this session's server only, and with mockserver_state or "
                "mockserver_url the worlds are a fleet's; put the document in a scenario file of the fleet instead"
            )
        worlds = self.app.state.worlds
        world = worlds.use_document(document, source="<use_world>")
        self.credentials = ("mockserver-key", "mockserver-secret")
        if world.settings.accept_only_declared_keys:
            readers = (k for k in world.keys if k.status == "active" and k.scope == "team" and k.secret)
            reader = next(readers, None)
            if reader is not None and reader.secret is not None:
                self.credentials = (reader.id, reader.secret)
        return str(world.name)

    @property
    def faults(self) -> Any:
        return self.app.state.faults

    # -- journal -------------------------------------------------------------------------------------------
    @property
    def journal(self) -> Journal:
        """The journal as it is now (with `mockserver_state`: the fleet's, every process's requests in order)."""
        journal: Journal = self._session.call(self._session.store.journal())[0]
        return journal

    def requests(self, **match: Any) -> list[JournalEntry]:
        """The requests recorded so far that match (see `Journal.entries`)."""
        return list(self.journal.entries(**match))

    def assert_called(self, times: int | None = None, **match: Any) -> None:
        self.journal.assert_called(times, **match)

    def assert_walked_activity_pages(self, **match: Any) -> None:
        self.journal.assert_walked_activity_pages(**match)

    def assert_waited_retry_after(self, **match: Any) -> None:
        self.journal.assert_waited_retry_after(**match)

    def assert_polled(self, job_id: str, **options: Any) -> None:
        """Check that the client polled `GET /jobs/{job_id}` until `until` (see `Journal.assert_polled`)."""
        self.journal.assert_polled(job_id, **options)

    # -- clients -------------------------------------------------------------------------------------------
    def sdk(self, *, strict: bool = True, **options: Any) -> Any:
        """A sync `scenario_sdk.Scenario` client on this server (closed after the test)."""
        from scenario_sdk import Scenario

        options.setdefault("api_key", self.credentials[0])
        options.setdefault("api_secret", self.credentials[1])
        client = Scenario(base_url=self.base_url, _strict_response_validation=strict, **options)
        self._clients.append(client)
        return client

    def async_sdk(self, *, strict: bool = True, **options: Any) -> Any:
        """An async `scenario_sdk.AsyncScenario` client on this server."""
        from scenario_sdk import AsyncScenario

        options.setdefault("api_key", self.credentials[0])
        options.setdefault("api_secret", self.credentials[1])
        return AsyncScenario(base_url=self.base_url, _strict_response_validation=strict, **options)

    @property
    def client(self) -> Any:
        """A ready, strict sync SDK client (needs `scenario-sdk`)."""
        return self.sdk()

    def http(self, **options: Any) -> httpx.Client:
        """A plain httpx client on the server root, with Basic credentials."""
        import httpx

        options.setdefault("auth", self.credentials)
        client = httpx.Client(base_url=self.url, **options)
        self._clients.append(client)
        return client

    def asgi_client(self, **options: Any) -> httpx.AsyncClient:
        """An in-process async httpx client (no socket) on the same app: `async with mockserver.asgi_client() as c`."""
        import httpx

        options.setdefault("auth", self.credentials)
        # Host `localhost`: the admin API answers only local names (and the in-process app has no other).
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://localhost", **options)

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()


def _ini(config: pytest.Config, name: str) -> str:
    return str(config.getini(name) or "").strip()


@pytest.fixture(scope="session")
def mockserver_settings(pytestconfig: pytest.Config) -> Settings:
    """The settings of the session's server; override this fixture to configure it in code.

    `lazy_worlds=True` builds only the default world at start (the others on first use): a short first test.
    """
    directory = _ini(pytestconfig, "mockserver_scenarios")
    seed = _ini(pytestconfig, "mockserver_seed")
    now = _ini(pytestconfig, "mockserver_now")
    state = _ini(pytestconfig, "mockserver_state") or os.environ.get("MOCK_STATE") or None
    pytestconfig.stash[_URL] = _ini(pytestconfig, "mockserver_url") or os.environ.get("MOCK_URL") or ""
    namespace = _ini(pytestconfig, "mockserver_state_namespace") or os.environ.get("MOCK_STATE_NAMESPACE")
    try:
        if state is not None:
            check_state_url(state)
        if namespace:
            check_namespace(namespace)
    except ValueError as exc:
        pytest.fail(f"mockserver_state / mockserver_state_namespace: {exc}", pytrace=False)
    return Settings(
        scenarios_dir=Path(pytestconfig.rootpath, directory) if directory else None,
        scenario=_ini(pytestconfig, "mockserver_scenario") or None,
        seed=int(seed) if seed else None,
        now=parse_instant(now) if now else None,
        log_requests=False,
        state=state,
        state_namespace=namespace or "mockserver",
        lazy_worlds=True,
    )


@pytest.fixture(scope="session")
def mockserver_session(mockserver_settings: Settings, pytestconfig: pytest.Config) -> Iterator[MockServerSession]:
    """The server, started on first use and stopped at the end of the session."""
    if mockserver_settings.state is not None:
        from mockserver.errors import StateError
        from mockserver.state.redis_store import check_reachable

        try:
            check_reachable(mockserver_settings.state)
        except StateError as exc:
            pytest.fail(f"mockserver_state: {exc}", pytrace=False)
    session = MockServerSession(mockserver_settings, pytestconfig.stash.get(_URL, "") or None)
    yield session
    session.stop()


@pytest.fixture
def mockserver(request: pytest.FixtureRequest, mockserver_session: MockServerSession) -> Iterator[MockServer]:
    """A clean mockserver for this test: worlds, clocks, faults, sequences and journal reset; marker applied."""
    mockserver_session.reset()
    handle = MockServer(mockserver_session)
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        options = dict(marker.kwargs)
        unknown = set(options) - {"scenario", "now", "contract", "drift"}
        if unknown or marker.args:
            got = sorted(unknown) or marker.args
            raise pytest.UsageError(f"@pytest.mark.mockserver takes scenario=, now=, contract=, drift=; got {got}")
        if options.get("scenario"):
            handle.use(options["scenario"])
        if options.get("now"):
            handle.clock.set(options["now"])
        if options.get("contract") or options.get("drift"):
            handle.contract(options.get("contract"), drift=bool(options.get("drift")))
    try:
        yield handle
    finally:
        handle.close()
