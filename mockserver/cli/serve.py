"""`mockserver serve`: the mock on uvicorn, in one process or `--workers N`."""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Iterator

from mockserver import __version__
from mockserver.cli.arguments import parse_now, scenario_dir
from mockserver.cli.listen import WILDCARD_HOSTS, allowed_hosts, browsable, check_address

SETTINGS_ENV = "MOCKSERVER_SETTINGS_JSON"
# glibc's malloc for a serving process: render threads would each get an arena of their own (up to 8 per core),
# every one keeping the freed chunks of the bodies it built; two arenas return that memory. The mmap threshold stays
# glibc's (it rises as large blocks are freed, so later bodies come from the heap): a fixed 128 KB one mapped every
# body afresh, 200 page faults for an 800 KB render, which cost distinct windows a quarter of their speed for no
# measurable RSS (bench/OPTIMISATIONS.md). Set only where the environment does not: variable -> (mallopt param, value).
MALLOC_OPTIONS = {"MALLOC_ARENA_MAX": (-8, 2)}


def tune_malloc() -> None:
    """Apply `MALLOC_OPTIONS` to this process's glibc malloc (before threads start); a no-op anywhere else."""
    if not sys.platform.startswith("linux") or "GLIBC_TUNABLES" in os.environ:
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # pragma: no cover - a C library without mallopt
        return
    for variable, (param, value) in MALLOC_OPTIONS.items():
        if variable not in os.environ:
            mallopt(param, value)  # 0 (refused) changes nothing, as on musl


@contextlib.contextmanager
def frozen_imports() -> Iterator[None]:
    """Import the server's modules with the cyclic GC paused, then freeze what they made out of later collections.

    The imports make ~85,000 objects that live as long as the process (modules, classes, pydantic's schemas) and
    almost no garbage: each collection on the way scans them all again, ~30 ms of a 0.5 s start. The worlds are
    built after, with the GC on: a reloaded world is garbage with cycles, which a frozen one would never free.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if enabled:
            gc.enable()


def app_from_environment() -> object:
    """The app of one `serve --workers N` worker process."""
    with frozen_imports():
        from mockserver.api import build_app
        from mockserver.settings import Settings

    tune_malloc()
    return build_app(Settings.from_json(os.environ[SETTINGS_ENV]))


def serve(args: argparse.Namespace) -> int:
    """Run `mockserver serve`: check the options and the address, then serve until interrupted."""
    with frozen_imports():
        import uvicorn

        from mockserver.api import build_app
        from mockserver.api.server import server_options
        from mockserver.settings import Settings

    allow_hosts = allowed_hosts(args)
    now = parse_now(args.now)
    check_address(args.host, args.port)
    if args.state is not None:
        from mockserver.state.redis_store import check_reachable

        check_reachable(args.state)  # StateError: one line naming the URL, exit 1
    tune_malloc()
    settings = Settings(
        scenarios_dir=scenario_dir(args.scenarios),
        scenario=args.scenario,
        now=now,
        lenient=args.lenient,
        log_requests=not args.quiet,
        reload=args.reload,
        contract=args.contract,
        seed=args.seed,
        admin=args.admin,
        admin_token=args.admin_token,
        allow_hosts=allow_hosts,
        header_timeout=args.header_timeout,
        max_connections_per_client=args.max_connections_per_client,
        render_timeout=args.render_timeout,
        cache_bytes=args.cache_mb * 1024 * 1024,
        state=args.state,
        state_namespace=args.state_namespace,
        workers=args.workers,
    )
    app = build_app(settings)
    worlds = app.state.worlds
    base = browsable(args.host, args.port)
    everywhere = f" (listening on all interfaces: {args.host})" if args.host in WILDCARD_HOSTS else ""
    print(f"mockserver {__version__} listening on {base}/v1/usages{everywhere}", file=sys.stderr)
    print(f"  dashboard: {base}/", file=sys.stderr)
    if settings.state is not None:
        from mockserver.state.url import shown

        print(f"  state: {shown(settings.state)} (namespace {settings.state_namespace})", file=sys.stderr)
    for name, world in sorted(worlds.worlds.items()):
        marker = " (default)" if name == worlds.default_name else ""
        print(f"  scenario {name}{marker}: {world.scenario.description}", file=sys.stderr)
    for path, error in worlds.errors.items():
        print(f"  not loaded: {path}\n{error}", file=sys.stderr)
    target: object = app
    if args.workers > 1:
        # Each worker process builds the same worlds from the same settings (passed in the environment).
        os.environ[SETTINGS_ENV] = settings.to_json()
        target = "mockserver.cli.serve:app_from_environment"
    uvicorn.run(
        target,  # type: ignore[arg-type]
        host=args.host,
        port=args.port,
        factory=args.workers > 1,
        workers=args.workers,
        **server_options(settings),
    )
    return 0
