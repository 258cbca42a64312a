"""The command line through `main(argv)`: every command, its help, and a useful message for every misuse."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import pytest

from mockserver import __version__
from mockserver.cli import main
from tests.conftest import BASIC, NOW_TEXT, LiveServer, serve_process, stop_process

COMMANDS = ["serve", "render", "scenarios", "validate", "scenario-schema", "openapi", "vocabulary"]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"mockserver {__version__}"


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    err = capsys.readouterr().err
    for command in COMMANDS:
        assert command in err


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "example" in out and f"mockserver {command}" in out


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        pytest.param(["serve", "--now", "yesterday"], "--now is not an ISO 8601 instant", id="bad-now"),
        pytest.param(["serve", "--scenarios", "/no/such/dir"], "no such directory or file", id="bad-dir"),
        pytest.param(["render", "--now", "soon"], "--now is not an ISO 8601 instant", id="render-bad-now"),
        pytest.param(["scenarios", "--scenarios", "/no/such/dir"], "no such directory or file", id="scenarios-bad-dir"),
        pytest.param(["validate", "/no/such/file.yaml"], "no such file", id="validate-missing"),
    ],
)
def test_misuse_is_one_line_and_exit_2(argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_unknown_command_or_flag_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["serv"], ["serve", "--prot", "1"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_render_prints_exactly_what_the_server_answers(
    live_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    query = "timeRange=last-day&type=consumption,activity"
    assert main(["render", query, "--now", NOW_TEXT]) == 0
    rendered = capsys.readouterr().out.rstrip("\n").encode()
    served = httpx.get(f"{live_server.url}/v1/usages?{query}", headers=BASIC).content
    assert rendered == served


def test_render_pretty_scenario_and_contract(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["render", "type=activity", "--scenario", "workflow-jobs", "--now", NOW_TEXT, "--pretty"]
    assert main(argv) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["activity"] and "\n  " in json.dumps(body, indent=2)
    assert main(["render", "", "--now", NOW_TEXT, "--contract", "2.0.0"]) == 0
    assert "slopUsages" in json.loads(capsys.readouterr().out)


def test_render_bad_query_is_the_api_message_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "timeRange=bad", "--now", NOW_TEXT]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("mockserver: timeRange must be one of") and len(err.splitlines()) == 1
    assert main(["render", "timeRange=bad", "--now", NOW_TEXT, "--lenient"]) == 0


def test_scenarios_lists_one_line_each_and_the_broken_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "default",
        "edge-cases",
        "empty-team",
        "heavy-usage",
        "revoked-keys",
        "workflow-jobs",
    ]
    (tmp_path / "good.yaml").write_text("name: good\ndescription: fine\n")
    (tmp_path / "bad.yaml").write_text("name: bad\npeple: 3\n")
    assert main(["scenarios", "--scenarios", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "good: fine" in out and "bad.yaml: not loaded" in out and "mockserver validate" in out


def test_openapi_prints_the_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi"]) == 0
    assert json.loads(capsys.readouterr().out)["paths"]["/v1/usages"]["get"]


_serve, _stop = serve_process, stop_process


def test_serve_says_where_it_listens_and_logs_one_line_per_request() -> None:
    process, url = _serve()
    try:
        httpx.get(url + "/v1/usages?type=consumption", headers=BASIC)
    finally:
        err = _stop(process)
    assert f"listening on {url}/v1/usages" in err
    assert "scenario default (default)" in err and "scenario heavy-usage" in err
    assert "GET /v1/usages?type=consumption 200" in err


def test_serve_with_two_workers_gives_the_same_bytes() -> None:
    process, url = _serve("--workers", "2", "--quiet")
    try:
        bodies = {httpx.get(url + "/v1/usages?type=consumption", headers=BASIC).content for _ in range(6)}
    finally:
        _stop(process)
    assert len(bodies) == 1


def test_serve_reads_the_environment() -> None:
    process, url = _serve(env={"MOCK_SCENARIO": "empty-team", "MOCK_ADMIN_TOKEN": "t0ken"})
    try:
        body = httpx.get(url + "/v1/usages?type=activity", headers=BASIC).json()
        refused = httpx.get(url + "/__admin/scenarios")
        allowed = httpx.get(url + "/__admin/scenarios", headers={"Authorization": "Bearer t0ken"})
    finally:
        _stop(process)
    assert body["activity"] == []
    assert refused.status_code == 401 and allowed.json()["default"] == "empty-team"


@pytest.mark.parametrize(
    ("argv", "env", "fragment"),
    [
        pytest.param(["--port", "99999"], {}, "99999 is not a port: use 1-65535", id="too-big"),
        pytest.param(["--port", "0"], {}, "0 is not a port", id="zero"),
        pytest.param([], {"MOCK_PORT": "abc"}, "not a port number: 'abc'", id="env"),
        pytest.param(["--workers", "0"], {}, "must be at least 1", id="workers"),
    ],
)
def test_serve_refuses_a_port_or_worker_count_out_of_range(
    argv: list[str], env: dict[str, str], fragment: str, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", *argv])
    assert exit_info.value.code == 2
    assert fragment in capsys.readouterr().err


def test_serve_on_all_interfaces_prints_an_address_a_browser_can_open() -> None:
    process, url = _serve("--host", "0.0.0.0")
    try:
        assert httpx.get(url + "/v1/usages", headers=BASIC).status_code == 200
    finally:
        err = _stop(process)
    assert f"listening on {url}/v1/usages (listening on all interfaces: 0.0.0.0)" in err
    assert f"dashboard: {url}/" in err and "http://0.0.0.0" not in err


def test_scenarios_counts_are_plural_only_when_they_should_be(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios"]) == 0
    lines = {line.split(":")[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "1 API key," in lines["edge-cases"] and "API keys" not in lines["edge-cases"]
    assert "5 API keys" in lines["default"]


def test_serve_on_a_busy_port_says_so_once_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"mockserver: cannot listen on 127.0.0.1:{port}: address already in use"
    assert "listening" not in err


def test_serve_cache_budget_from_the_flag_and_the_environment() -> None:
    process, url = _serve("--cache-mb", "8", "--quiet", env={"MOCK_CACHE_MB": "64"})  # the flag wins
    try:
        caches = httpx.get(url + "/__admin/memory").json()["caches"]
    finally:
        _stop(process)
    assert caches["limit"] == 8 * 1024 * 1024
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--cache-mb", "0"])
    assert exit_info.value.code == 2


def test_serve_imports_with_the_gc_paused_and_freezes_what_they_made() -> None:
    import gc

    from mockserver.cli.serve import frozen_imports

    try:
        with pytest.raises(ImportError), frozen_imports():
            assert not gc.isenabled()
            failed: list[list[int]] = [[]]
            import mockserver.no_such_module  # noqa: F401
        assert gc.isenabled() and any(o is failed for o in gc.get_objects())  # a failed import freezes nothing
        with frozen_imports():
            made = [[] for _ in range(100)]
        # Frozen objects are out of the collector's generations (the count may also drop as older frozen ones die).
        assert gc.isenabled() and not any(o is made for o in gc.get_objects())
    finally:
        gc.unfreeze()  # the rest of the suite collects as before


def test_serve_tunes_malloc_where_the_environment_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctypes
    import sys

    from mockserver.cli import serve

    calls: list[tuple[int, int]] = []

    class Libc:
        def mallopt(self, param: int, value: int) -> int:
            calls.append((param, value))
            return 1

    monkeypatch.setattr(ctypes, "CDLL", lambda name: Libc())
    monkeypatch.setattr(sys, "platform", "linux")
    for variable in [*serve.MALLOC_OPTIONS, "GLIBC_TUNABLES"]:
        monkeypatch.delenv(variable, raising=False)
    serve.tune_malloc()
    assert calls == [(-8, 2)]  # M_ARENA_MAX
    calls.clear()
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    serve.tune_malloc()
    assert calls == []
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=4")
    serve.tune_malloc()
    assert calls == []
    monkeypatch.delenv("GLIBC_TUNABLES")
    monkeypatch.setattr(sys, "platform", "darwin")
    serve.tune_malloc()
    assert calls == []
