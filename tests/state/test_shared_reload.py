"""Reloads reach the fleet: a reload through the admin API of one process, or a file change seen by one process's
live reload, makes every process rebuild from its own files; `/__admin/scenarios` lists each one's generation."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx

from tests.conftest import serve_process, stop_process

SHIPPED = Path(__file__).resolve().parents[2] / "scenarios"
OLD = "A mid-size game studio using Scenario every working day, by hand and through API keys."


def _listing(url: str) -> dict[str, object]:
    answer = httpx.get(url + "/__admin/scenarios")
    assert answer.status_code == 200, answer.text
    listing: dict[str, object] = answer.json()
    return listing


def _description(url: str) -> str:
    scenarios = _listing(url)["scenarios"]
    assert isinstance(scenarios, list)
    return str(next(s["description"] for s in scenarios if s["name"] == "default"))


def _wait_for(url: str, description: str) -> dict[str, object]:
    deadline = time.monotonic() + 30  # building the default world takes a second or two on a busy machine
    while time.monotonic() < deadline:
        if _description(url) == description:
            return _listing(url)
        time.sleep(0.1)
    raise AssertionError(f"{url} still serves {_description(url)!r}")


def _directory(tmp_path: Path, name: str) -> Path:
    directory = tmp_path / name
    directory.mkdir()
    shutil.copy(SHIPPED / "default.yaml", directory / "default.yaml")
    return directory


def _edit(directory: Path, description: str) -> None:
    path = directory / "default.yaml"
    path.write_text(path.read_text().replace(OLD, description))


def test_a_reload_through_one_process_rebuilds_every_process(tmp_path: Path, redis_url: str) -> None:
    # Each process has its own copy of the files (as containers would), edited alike.
    first_dir, second_dir = _directory(tmp_path, "one"), _directory(tmp_path, "two")
    first, one = serve_process("--state", redis_url, "--scenarios", str(first_dir), "--quiet")
    second, other = serve_process("--state", redis_url, "--scenarios", str(second_dir), "--quiet")
    try:
        assert _listing(other)["generation"] == 1
        _edit(first_dir, "Edited for the fleet.")
        _edit(second_dir, "Edited for the fleet.")
        reloaded = httpx.post(one + "/__admin/scenarios/reload", timeout=60)
        assert reloaded.status_code == 200 and reloaded.json()["generation"] == 2
        listing = _wait_for(other, "Edited for the fleet.")
        assert listing["generation"] == 2
        processes = listing["processes"]
        assert isinstance(processes, list) and len(processes) == 2
        assert {p["process"] for p in processes} == {reloaded.json()["process"], listing["process"]}
        assert all(p["generation"] == 2 for p in processes)
    finally:
        stop_process(first)
        stop_process(second)


def test_a_file_change_seen_by_one_process_reaches_the_others(tmp_path: Path, redis_url: str) -> None:
    watched_dir, other_dir = _directory(tmp_path, "watched"), _directory(tmp_path, "other")
    watcher, watching = serve_process("--state", redis_url, "--scenarios", str(watched_dir), "--reload", "--quiet")
    plain, other = serve_process("--state", redis_url, "--scenarios", str(other_dir), "--quiet")
    try:
        _edit(other_dir, "Edited by hand.")  # the process without --reload does not watch its files ...
        time.sleep(0.5)
        assert _description(other) == OLD
        _edit(watched_dir, "Edited by hand.")  # ... but rebuilds when the watching one reloads
        _wait_for(watching, "Edited by hand.")
        assert _wait_for(other, "Edited by hand.")["generation"] == 2
    finally:
        stop_process(watcher)
        stop_process(plain)
