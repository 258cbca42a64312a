"""docs/fleet: the compose file's replicas and nginx.conf, run without containers, and the README's pytest setup.

Three `serve` processes get the compose file's command and environment (only the Redis address and the port
differ), nginx gets docs/fleet/nginx.conf with only its upstream addresses, its port and its paths rewritten. It
skips without the nginx binary (Debian package `nginx`), unless NGINX_REQUIRED=1 (CI), where it fails.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import yaml

from tests.conftest import BASIC, free_port, stop_process
from tests.state.conftest import RedisServer

pytest_plugins = ["pytester"]

FLEET = Path(__file__).parents[2] / "docs" / "fleet"
MISSING = "install nginx (Debian package) to run the fleet configuration test (docs/fleet)"
COMPOSE_REDIS = "redis://redis:6379/0"
START_TIMEOUT_S = 30.0

INNER = """
def test_retries_cross_the_fleet(mockserver):
    mockserver.fault(endpoint="usages.list", sequence=[503, 503])
    mockserver.sdk(max_retries=2).usages.list(type="consumption")
    served = mockserver.requests(endpoint="usages.list")
    assert [entry.status for entry in served] == [503, 503, 200]
    assert sorted(entry.process for entry in served) == sorted({replicas!r})
"""


@dataclass
class Replica:
    name: str  # the compose service
    port: int
    process: subprocess.Popen[str]


def compose_replicas() -> dict[str, dict[str, Any]]:
    """The compose file's mockserver services (those that run `serve`), by name."""
    compose = yaml.safe_load((FLEET / "compose.yaml").read_text())
    return {
        name: service for name, service in compose["services"].items() if service.get("command", [""])[0] == "serve"
    }


def replica_command(service: dict[str, Any], port: int) -> list[str]:
    """The service's command with its --port replaced: on one machine, each replica needs its own."""
    command = list(service["command"])
    at = command.index("--port")
    command[at + 1] = str(port)
    return [sys.executable, "-m", "mockserver", *command]


def replica_env(service: dict[str, Any], redis_url: str) -> dict[str, str]:
    """This environment without MOCK_* settings, plus the service's, with the Redis address of this test."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("MOCK_")}
    for name, value in service.get("environment", {}).items():
        env[name] = str(value).replace(COMPOSE_REDIS, redis_url)
    return env


def wait_healthy(url: str, process: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url + "/__admin/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"{what} did not become healthy at {url}: {process.communicate()[1]}")


def nginx_conf(replicas: list[Replica], port: int, directory: Path) -> str:
    """docs/fleet/nginx.conf on this machine: upstreams and port rewritten, logs and temp files in `directory`."""
    text = (FLEET / "nginx.conf").read_text()
    for replica in replicas:
        text, count = re.subn(rf"\bserver {re.escape(replica.name)}:4010\b", f"server 127.0.0.1:{replica.port}", text)
        assert count == 1, f"nginx.conf has no `server {replica.name}:4010` line"
    text, count = re.subn(r"\blisten 8080;", f"listen 127.0.0.1:{port};", text)
    assert count == 1, "nginx.conf has no `listen 8080;` line"
    paths = "".join(
        f"\n    {directive} {directory / name};"
        for directive, name in [
            ("client_body_temp_path", "body"),
            ("proxy_temp_path", "proxy"),
            ("fastcgi_temp_path", "fastcgi"),
            ("uwsgi_temp_path", "uwsgi"),
            ("scgi_temp_path", "scgi"),
            ("access_log", "access.log"),
        ]
    )
    text, count = re.subn(r"^http \{", "http {" + paths, text, flags=re.MULTILINE)
    assert count == 1, "nginx.conf has no `http {` block"
    return text


@pytest.fixture(scope="module")
def fleet(
    redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, list[Replica]]]:
    """Redis, the compose file's three replicas and nginx: (Redis URL, nginx URL, replicas)."""
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if nginx is None:
        if os.environ.get("NGINX_REQUIRED") == "1":
            pytest.fail(f"NGINX_REQUIRED=1 but no nginx binary: {MISSING}", pytrace=False)
        pytest.skip(MISSING)
    services = compose_replicas()
    assert len(services) == 3, f"compose.yaml should run three replicas, has {sorted(services)}"
    client = redis.Redis.from_url(redis_server.url)
    try:
        client.flushall()
    finally:
        client.close()
    replicas: list[Replica] = []
    nginx_process: subprocess.Popen[str] | None = None
    try:
        for name, service in services.items():
            assert service["environment"]["MOCK_STATE"] == COMPOSE_REDIS
            port = free_port()
            process = subprocess.Popen(
                replica_command(service, port),
                env=replica_env(service, redis_server.url),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            replicas.append(Replica(name, port, process))
        for replica in replicas:
            wait_healthy(f"http://127.0.0.1:{replica.port}", replica.process, f"replica {replica.name}")
        directory = tmp_path_factory.mktemp("nginx")
        port = free_port()
        conf = directory / "nginx.conf"
        conf.write_text(nginx_conf(replicas, port, directory))
        # Started as root, nginx runs its workers as `nobody`: keep them the current user, who owns `directory`.
        user = f" user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
        command = [nginx, "-p", str(directory), "-c", str(conf), "-e", str(directory / "error.log")]
        command += ["-g", f"daemon off; pid {directory / 'nginx.pid'};{user}"]
        nginx_process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, nginx_process, "nginx")
        yield redis_server.url, url, replicas
    finally:
        if nginx_process is not None:
            nginx_process.terminate()
            try:
                nginx_process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                nginx_process.kill()
                nginx_process.communicate()
        for replica in replicas:
            stop_process(replica.process)


def test_nginx_passes_fault_headers_and_credentials(fleet: tuple[str, str, list[Replica]]) -> None:
    _, url, _ = fleet
    answer = httpx.get(url + "/v1/usages", headers={**BASIC, "X-Mock-Fault": "503"}, timeout=10)
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/json"
    assert httpx.get(url + "/v1/usages", headers=BASIC, timeout=10).status_code == 200
    assert httpx.get(url + "/v1/usages", timeout=10).status_code == 401  # no credentials: the replica refuses


def test_nginx_retries_nothing_itself(fleet: tuple[str, str, list[Replica]]) -> None:
    _, url, _ = fleet
    assert httpx.post(url + "/__admin/reset", timeout=10).status_code == 200
    # A reset connection is what nginx would retry on another replica by default (`error timeout`).
    answer = httpx.get(url + "/v1/usages", headers={**BASIC, "X-Mock-Fault": "reset"}, timeout=10)
    assert answer.status_code == 502  # nginx's answer to a replica that hung up: the client sees the fault
    served = httpx.get(url + "/__admin/journal", params={"path": "/v1/usages"}, timeout=10).json()
    assert len(served["entries"]) == 1, served


@pytest.mark.parametrize(
    ("host", "status"),
    [
        pytest.param(None, 200, id="loopback-ip"),
        pytest.param("localhost:8080", 200, id="localhost"),
        pytest.param("lb:8080", 200, id="compose-service"),
        pytest.param("evil.example", 403, id="other-name"),
    ],
)
def test_the_replicas_answer_admin_requests_for_the_host_sent_to_nginx(
    fleet: tuple[str, str, list[Replica]], host: str | None, status: int
) -> None:
    _, url, _ = fleet
    headers = {"Host": host} if host else {}
    assert httpx.get(url + "/__admin/faults", headers=headers, timeout=10).status_code == status


def test_the_readme_setup_retries_across_three_replicas(
    fleet: tuple[str, str, list[Replica]], pytester: pytest.Pytester
) -> None:
    redis_url, url, replicas = fleet
    pytester.makeini(f"[pytest]\nmockserver_state = {redis_url}\nmockserver_url = {url}\n")
    names = [f"{socket.gethostname()}:{replica.process.pid}" for replica in replicas]
    pytester.makepyfile(test_inner=INNER.format(replicas=names))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", timeout=120)
    result.assert_outcomes(passed=1)
