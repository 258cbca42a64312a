"""Server settings: everything `build_app` needs, from CLI flags, environment variables or the pytest plugin."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path


def shipped_scenarios_dir() -> Path:
    """The scenarios shipped with mockserver (inside the wheel, or `scenarios/` of a source checkout)."""
    packaged = Path(__file__).resolve().parent / "scenarios"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "scenarios"


@dataclass(frozen=True)
class Settings:
    """How one mockserver process serves: which scenarios, which clock, how strict."""

    scenarios_dir: Path | None = None  # a directory of scenario files, or one file; None: the shipped scenarios
    scenario: str | None = None  # the world served when a request picks none; None: `default`, or the only one
    now: int | None = None  # freeze every world's clock at this instant (epoch ms)
    lenient: bool = False  # malformed query values count as absent instead of a 400
    log_requests: bool = True
    reload: bool = False  # watch the scenario directory and rebuild edited worlds in the background
    admin: bool = True  # serve the admin API under /__admin/
    admin_token: str | None = None  # if set, the admin API needs `Authorization: Bearer <token>`
    journal_size: int = 5_000  # requests kept in the journal (oldest dropped)
    contract: str | None = None  # pin responses to this published SDK contract version (default: newest)
    seed: int | None = None  # overrides every scenario's seed
    # Host names the admin API and the dashboard answer besides localhost and IP literals (`*`: any), see api/origin
    allow_hosts: tuple[str, ...] = ()
    header_timeout: float = 10.0  # seconds a connection has to send a complete request head (0: no limit)
    max_connections_per_client: int = 512  # open connections per client IP address (0: no limit)
    render_timeout: float = 10.0  # seconds a request waits for an uncached render, then a 503 (the render goes on)
    journal_bytes: int = 8 * 1024 * 1024  # estimated bytes the journal keeps (oldest dropped; entries cut at 8 KB)
    cache_bytes: int = 24 * 1024 * 1024  # estimated bytes all worlds' caches keep together (least recently used out)
    # Where run-time state (faults, clocks, default scenario) lives: a Redis URL shared by every process of a fleet;
    # None: in this process only
    state: str | None = None
    state_namespace: str = "mockserver"  # the prefix of every key in the store: fleets sharing one Redis stay apart
    workers: int = 1  # processes `serve --workers` runs with these settings (over 1: run-time state must be shared)
    # Build only the default world at start, the others on first use (the pytest plugin: a short first test); the
    # same worlds, lists and errors, but a broken file other than the default's is logged when it is first read.
    lazy_worlds: bool = False

    @property
    def in_fleet(self) -> bool:
        """True when other processes serve beside this one: several workers, or a shared state store."""
        return self.workers > 1 or self.state is not None

    def to_json(self) -> str:
        """These settings as JSON (for `serve --workers`, whose worker processes rebuild them)."""
        data = dataclasses.asdict(self)
        data["scenarios_dir"] = str(self.scenarios_dir) if self.scenarios_dir is not None else None
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> Settings:
        data = json.loads(text)
        if data.get("scenarios_dir") is not None:
            data["scenarios_dir"] = Path(data["scenarios_dir"])
        if "allow_hosts" in data:
            data["allow_hosts"] = tuple(data["allow_hosts"])
        return cls(**data)

    def scenario_directory(self) -> Path:
        """Where the scenarios are: a directory, or a single scenario file."""
        return self.scenarios_dir if self.scenarios_dir is not None else shipped_scenarios_dir()
