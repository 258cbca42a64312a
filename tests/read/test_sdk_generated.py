"""The SDK's own generated tests of the read methods, run against `mockserver serve --lenient`.

`scenario-sdk` 2.4.0 ships, in its sdist, tests generated with the SDK (`tests/api_resources/test_<resource>.py`)
that call every method against a mock server at `TEST_API_BASE_URL` (without `/v1`) with placeholder ids (`jobId`),
and skips them ("Mock server tests are disabled"). This module downloads the sdist once per session (pip, from the
package index; nothing of it is committed), copies out those tests with their `conftest.py` and `utils.py`, removes
the skips, and runs the read methods of teams, projects, jobs, assets, models and collections (`retrieve`,
`retrieve_limits`, `list`: sync, async and aiohttp, loose and strict) with pytest in a subprocess. The sdist's
conftest needs `pytest-asyncio`, which this suite does not use: it is installed with the sdist, into the same
temporary directory, at the version the SDK's lock file pins. Each resource is one test here, which lists every SDK
test with its outcome. Without network the module is skipped, unless `SDK_VERSIONS_REQUIRED=1`; it is marked `slow`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import serve_process, stop_process

pytestmark = pytest.mark.slow

SDK_VERSION = "2.4.0"
PYTEST_ASYNCIO = "pytest-asyncio==1.3.0"  # the SDK's requirements-dev.lock for Python >= 3.10
RESOURCES = ("teams", "projects", "jobs", "assets", "models", "collections")
READ_TEST = re.compile(
    r"^test_(?:method|raw_response|streaming_response|path_params)_(?:retrieve|retrieve_limits|list)"
    r"(?:_with_all_params)?$"
)
SKIP_LINE = re.compile(r'^\s*@pytest\.mark\.skip\(reason="Mock server tests are disabled"\)\n', re.MULTILINE)
REQUIRED = os.environ.get("SDK_VERSIONS_REQUIRED") == "1"
PIP_TIMEOUT = 300
RUN_TIMEOUT = 900
SUPPORT_FILES = ("tests/__init__.py", "tests/conftest.py", "tests/utils.py", "tests/api_resources/__init__.py")

# Loaded into the inner pytest with `-p`: keeps the read methods' tests only.
SELECT_PLUGIN = f"""
import re

READ_TEST = re.compile({READ_TEST.pattern!r})


def pytest_collection_modifyitems(config, items):
    kept = [item for item in items if READ_TEST.match(item.originalname)]
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept
"""
# The sdist's pytest options that its tests rely on (without `-n auto`: no xdist here, and one server answers all).
INNER_INI = """\
[pytest]
testpaths = tests
xfail_strict = true
asyncio_mode = auto
asyncio_default_fixture_loop_scope = session
"""


@dataclass(frozen=True)
class Outcome:
    """One SDK test: its node id, `passed`, `failed`, `error` or `skipped`, and the first lines of why."""

    test: str
    outcome: str
    detail: str = ""


def _pip(args: list[str]) -> str | None:
    command = [sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check", "--no-input"]
    command += ["--retries", "1", "--timeout", "20"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return f"pip {args[0]} took more than {PIP_TIMEOUT} s"
    if done.returncode != 0:
        tail = "\n".join(line for line in done.stderr.splitlines() if not line.startswith("WARNING:"))[-800:]
        return f"pip {' '.join(args)} failed (exit {done.returncode}): {tail}"
    return None


def _download(work: Path) -> Path:
    """The sdist's tests and their support files under `work/sdk`, un-skipped; pytest-asyncio under `work/deps`."""
    downloads = work / "downloads"
    problem = _pip(
        ["download", "--no-deps", "--no-binary", ":all:", "-d", str(downloads), f"scenario-sdk=={SDK_VERSION}"]
    )
    problem = problem or _pip(["install", "--no-deps", "--target", str(work / "deps"), PYTEST_ASYNCIO])
    if problem is not None:
        if REQUIRED:
            pytest.fail(f"SDK_VERSIONS_REQUIRED=1 but {problem}")
        pytest.skip(f"the scenario-sdk {SDK_VERSION} sdist is unavailable (no network?): {problem}")
    (archive,) = downloads.glob(f"scenario_sdk-{SDK_VERSION}.tar.gz")
    wanted = {*SUPPORT_FILES, *(f"tests/api_resources/test_{r}.py" for r in RESOURCES)}
    root = work / "sdk"
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            inner = member.name.partition("/")[2]
            if inner in wanted:
                source = tar.extractfile(member)
                assert source is not None, member.name
                target = root / inner
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(source.read())
                wanted.discard(inner)
    assert not wanted, f"the sdist no longer has {sorted(wanted)}"
    for resource in RESOURCES:
        path = root / "tests" / "api_resources" / f"test_{resource}.py"
        text, removed = SKIP_LINE.subn("", path.read_text(encoding="utf-8"))
        assert removed, f"{path.name}: no 'Mock server tests are disabled' skip to remove (has the sdist changed?)"
        path.write_text(text, encoding="utf-8")
    (root / "pytest.ini").write_text(INNER_INI, encoding="utf-8")
    (root / "mockserver_select_read.py").write_text(SELECT_PLUGIN, encoding="utf-8")
    return root


def _run(root: Path, deps: Path, base_url: str) -> tuple[subprocess.CompletedProcess[str], list[Outcome]]:
    report = root / "report.xml"
    command = [sys.executable, "-m", "pytest", "-p", "mockserver_select_read", "-p", "no:cacheprovider"]
    # This environment's own plugins stay out: the inner run is the SDK's suite, configured by its conftest.
    command += ["-p", "no:mockserver", "-p", "no:anyio", "-p", "no:hypothesispytest", "-q", "-rN", "--tb=short"]
    command += ["--junitxml", str(report), "tests/api_resources"]
    env = {**os.environ, "TEST_API_BASE_URL": base_url, "PYTHONPATH": os.pathsep.join([str(root), str(deps)])}
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    assert report.is_file(), f"the SDK's tests did not run (exit {done.returncode}):\n{done.stdout[-3000:]}"
    return done, _outcomes(report)


def _outcomes(report: Path) -> list[Outcome]:
    """The outcomes in a JUnit report; a test `tests.api_resources.test_jobs.TestJobs` / `test_method_list[strict]`
    is `test_jobs.py::TestJobs::test_method_list[strict]`."""
    found = []
    for case in ET.parse(report).getroot().iter("testcase"):
        *_, module, cls = case.get("classname", "").split(".")
        outcome, detail = "passed", ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = "failed" if child.tag == "failure" else child.tag
                text = (child.get("message") or child.text or "").strip()
                detail = text.splitlines()[0][:300] if text else ""
        found.append(Outcome(f"{module}.py::{cls}::{case.get('name')}", outcome, detail))
    return found


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Outcome]]:
    """Every SDK read-method test and its outcome, from one run against `mockserver serve --lenient`."""
    work = tmp_path_factory.mktemp("scenario-sdk-tests")
    root = _download(work)
    process, url = serve_process("--lenient")
    try:
        done, found = _run(root, work / "deps", url)
    finally:
        stop_process(process)
    print(f"\nscenario-sdk {SDK_VERSION} generated tests (read methods): {done.stdout.strip().splitlines()[-1]}")
    for outcome in found:
        print(f"  {outcome.outcome.upper():7} {outcome.test}" + (f"  ({outcome.detail})" if outcome.detail else ""))
    yield found


@pytest.mark.parametrize("resource", RESOURCES)
def test_the_sdks_generated_read_tests_pass(outcomes: list[Outcome], resource: str) -> None:
    mine = [o for o in outcomes if o.test.startswith(f"test_{resource}.py::")]
    assert mine, f"no SDK test of {resource} ran"
    methods = {o.test.split("::")[-1].partition("[")[0] for o in mine}
    assert methods <= {m for m in methods if READ_TEST.match(m)}, methods
    failed = [o for o in mine if o.outcome != "passed"]
    passed = len(mine) - len(failed)
    if failed:
        listing = "\n".join(f"  {o.outcome.upper()} {o.test}: {o.detail[:200]}" for o in failed)
        pytest.fail(f"{resource}: {passed} of {len(mine)} SDK tests passed; these did not:\n{listing}", pytrace=False)
