"""Every published `scenario-sdk` version, installed as released, judges the bodies pinned to its contract: its strict
validation accepts every shipped scenario pinned to it, and rejects the same bodies drifted, which its loose
parsing still accepts.

Each version is installed once per session into its own directory (pip, from the package index) and imported in a
subprocess, so that it never meets the SDK installed in this environment. Without network the module is skipped,
unless `SDK_VERSIONS_REQUIRED=1`, which turns a failed install into a test failure. The module is marked `slow`:
nine SDKs validating 24 bodies each (about 30 MB per version) cost about a minute of CPU after the installs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from mockserver.contract.adapt import adapter_for, known_versions
from mockserver.contract.query import UsageQuery
from mockserver.contract.versions import version_key
from mockserver.world.report import build_report
from mockserver.worlds import build_world_from_file

pytestmark = pytest.mark.slow

Body = dict[str, Any]

NOW = 1764513432345  # 2025-11-30T14:37:12.345Z
SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
SCENARIOS = sorted(path.stem for path in SCENARIO_DIR.glob("*.yaml"))
TIME_RANGES = ("last-day", "last-seven-days")
REQUIRED = os.environ.get("SDK_VERSIONS_REQUIRED") == "1"
PIP_TIMEOUT = 300

# Runs in a subprocess: `python -I -c VALIDATE SDK_DIR BODIES_JSON` prints one JSON object. Strict is what the SDK
# does with `_strict_response_validation=True` (`validate_type`, a pydantic validation of the response model);
# loose is what it does by default (`construct_type`, no validation).
VALIDATE = r"""
import json, sys
sdk_dir, bodies_path = sys.argv[1], sys.argv[2]
sys.path.insert(0, sdk_dir)
import scenario_sdk
from scenario_sdk._models import construct_type, validate_type
from scenario_sdk.types.usage_list_response import UsageListResponse

try:
    from orjson import loads
except ImportError:
    loads = json.loads
if not scenario_sdk.__file__.startswith(sdk_dir):
    sys.exit(f"imported {scenario_sdk.__file__}, not the SDK in {sdk_dir}")
with open(bodies_path, "rb") as handle:
    cases = loads(handle.read())
results = []
for case in cases:
    body, result = case["body"], {}
    try:
        validate_type(type_=UsageListResponse, value=body)
        result["strict"] = "OK"
    except Exception as exc:
        result["strict"] = "FAIL"
        result["strict_error"] = "\n".join(str(exc).splitlines()[:7])
    if case["loose"]:
        try:
            parsed = construct_type(value=body, type_=UsageListResponse)
            assert isinstance(parsed, UsageListResponse), type(parsed)
            result["loose"] = "OK"
        except Exception as exc:
            result["loose"] = "FAIL"
            result["loose_error"] = f"{type(exc).__name__}: {exc}"[:500]
    results.append(result)
print(json.dumps({"version": scenario_sdk.__version__, "results": results}))
"""

IMPORT_CHECK = (
    "import sys; sys.path.insert(0, sys.argv[1]); import scenario_sdk; "
    "import scenario_sdk._models, scenario_sdk.types.usage_list_response; print(scenario_sdk.__version__)"
)


@dataclass(frozen=True)
class SdkInstall:
    """One SDK version in its own directory, or why it could not be installed."""

    version: str
    directory: Path
    seconds: float
    problem: str | None = None


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)


def _pip_install(version: str, directory: Path, *, with_deps: bool) -> str | None:
    args = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input"]
    args += ["--retries", "1", "--timeout", "20", "--target", str(directory), f"scenario-sdk=={version}"]
    if not with_deps:
        args.append("--no-deps")
    try:
        done = _run(args, PIP_TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"pip install scenario-sdk=={version} took more than {PIP_TIMEOUT} s"
    if done.returncode != 0:
        tail = "\n".join(line for line in done.stderr.splitlines() if not line.startswith("WARNING:"))[-800:]
        return f"pip install scenario-sdk=={version} failed (exit {done.returncode}): {tail}"
    return None


def _import_problem(version: str, directory: Path) -> str | None:
    done = _run([sys.executable, "-I", "-c", IMPORT_CHECK, str(directory)], 120)
    if done.returncode != 0:
        return f"scenario-sdk {version} does not import: {done.stderr.strip()[-800:]}"
    if done.stdout.strip() != version:
        return f"scenario-sdk in {directory} reports version {done.stdout.strip()!r}, expected {version!r}"
    return None


def _install(version: str, directory: Path) -> SdkInstall:
    """Install one version without its dependencies (the environment has them); with them if it needs others."""
    start = time.monotonic()
    problem = _pip_install(version, directory, with_deps=False)
    if problem is None and _import_problem(version, directory) is not None:
        problem = _pip_install(version, directory, with_deps=True) or _import_problem(version, directory)
    return SdkInstall(version, directory, time.monotonic() - start, problem)


class SdkInstaller:
    """Installs SDK versions under one directory, each at most once, several at a time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.installs: dict[str, SdkInstall] = {}

    def install(self, versions: list[str]) -> dict[str, SdkInstall]:
        """Return the installs of `versions`, installing in parallel those not installed yet."""
        missing = [v for v in versions if v not in self.installs]
        if missing:
            with ThreadPoolExecutor(max_workers=len(missing)) as pool:
                for install in pool.map(lambda v: _install(v, self.root / v), missing):
                    self.installs[install.version] = install
        return {version: self.installs[version] for version in versions}


@pytest.fixture(scope="session")
def sdk_installer(tmp_path_factory: pytest.TempPathFactory) -> SdkInstaller:
    """The SDK versions of this session, installed on demand into one temporary directory."""
    return SdkInstaller(tmp_path_factory.mktemp("scenario-sdk"))


@pytest.fixture(scope="module")
def bodies() -> dict[str, Body]:
    """The latest-contract body of every shipped scenario for each time range, by `scenario/time-range`."""
    rendered: dict[str, Body] = {}
    for scenario in SCENARIOS:
        world = build_world_from_file(SCENARIO_DIR / f"{scenario}.yaml", now=NOW)
        for time_range in TIME_RANGES:
            rendered[f"{scenario}/{time_range}"] = build_report(world, UsageQuery(time_range=time_range), NOW)
    return rendered


@dataclass(frozen=True)
class Case:
    """One body for one SDK version: a scenario and time range, pinned, or pinned then drifted."""

    name: str
    drifted: bool
    body: Body


@dataclass(frozen=True)
class Verdicts:
    """What one SDK version said about its cases (`results[i]` for `cases[i]`), or why it could not say."""

    install: SdkInstall
    cases: list[Case]
    results: list[dict[str, str]]
    seconds: float = 0.0


def _cases(version: str, bodies: dict[str, Body]) -> list[Case]:
    adapter = adapter_for(version)
    cases = []
    for seed, (name, body) in enumerate(sorted(bodies.items())):
        pinned = adapter.pin(body)
        cases.append(Case(name, False, pinned))
        cases.append(Case(name, True, adapter.drift(pinned, seed)))
    return cases


def _judge(install: SdkInstall, cases: list[Case], work: Path) -> Verdicts:
    """Run one SDK version over its cases in one subprocess; loose parsing is asked of drifted bodies only (a body
    that validates strictly parses loosely)."""
    if install.problem is not None:
        return Verdicts(install, cases, [])
    start = time.monotonic()
    bodies_path = work / f"bodies-{install.version}.json"
    bodies_path.write_bytes(orjson.dumps([{"body": case.body, "loose": case.drifted} for case in cases]))
    done = _run([sys.executable, "-I", "-c", VALIDATE, str(install.directory), str(bodies_path)], 900)
    bodies_path.unlink()
    assert done.returncode == 0, f"the SDK {install.version} validator crashed:\n{done.stderr[-3000:]}"
    output = json.loads(done.stdout)
    assert output["version"] == install.version
    assert len(output["results"]) == len(cases)
    return Verdicts(install, cases, output["results"], time.monotonic() - start)


@pytest.fixture(scope="module")
def verdicts(
    request: pytest.FixtureRequest,
    sdk_installer: SdkInstaller,
    bodies: dict[str, Body],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Verdicts]:
    """The verdicts of the versions this session selected (`-k 1.0.0` installs and runs one), one subprocess per
    version, as many at a time as there are CPUs."""
    selected = {
        item.callspec.params["version"]
        for item in request.session.items
        if item.path == request.path and isinstance(item, pytest.Function) and hasattr(item, "callspec")
    }
    installs = sdk_installer.install(sorted(selected, key=version_key))
    work = tmp_path_factory.mktemp("sdk-bodies")
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        futures = {
            version: pool.submit(_judge, install, _cases(version, bodies), work)
            for version, install in installs.items()
        }
        return {version: future.result() for version, future in futures.items()}


@pytest.mark.parametrize("version", known_versions())
def test_an_sdk_version_accepts_pinned_bodies_and_rejects_drifted_ones(
    version: str, verdicts: dict[str, Verdicts]
) -> None:
    verdict = verdicts[version]
    problem = verdict.install.problem
    if problem is not None:
        if REQUIRED:
            pytest.fail(f"SDK_VERSIONS_REQUIRED=1 but {problem}")
        pytest.skip(f"scenario-sdk {version} unavailable (no network, or no such release): {problem}")

    problems = []
    for case, result in zip(verdict.cases, verdict.results, strict=True):
        label = f"{case.name} {'drifted' if case.drifted else 'pinned'}"
        if not case.drifted and result["strict"] != "OK":
            problems.append(f"{label}: strict validation failed:\n{result['strict_error']}")
        if case.drifted and result["strict"] == "OK":
            problems.append(f"{label}: strict validation accepted a drifted body")
        if case.drifted and result["loose"] != "OK":
            problems.append(f"{label}: loose parsing failed: {result['loose_error']}")
    assert not problems, f"scenario-sdk {version}:\n" + "\n".join(problems)
