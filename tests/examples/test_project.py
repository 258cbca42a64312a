"""The README's "Use it in your project": its config, scenario and test file make a user's project that passes, run
with this checkout (pytester) and from the built wheel installed with only the `pytest` extra in a fresh venv."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.examples.test_readme import blocks

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
PROJECT_TESTS = 3  # the test functions of the README's `project-test` block
INSTALL_TIMEOUT = 600  # a cold pip cache downloads the dependencies from the package index


def _example(language: str, kind: str) -> str:
    found = blocks(language, kind)
    assert len(found) == 1, f"the README should have one `{kind}` {language} block, found {len(found)}"
    return found[0]


def write_project(directory: Path) -> Path:
    """A user's project made of the README's blocks, outside this repository's layout."""
    (directory / "pyproject.toml").write_text(_example("toml", "project-config"), encoding="utf-8")
    scenarios = directory / "tests" / "scenarios"
    scenarios.mkdir(parents=True)
    (scenarios / "shop.yaml").write_text(_example("yaml", "project-scenario"), encoding="utf-8")
    (directory / "tests" / "test_usage.py").write_text(_example("python", "project-test"), encoding="utf-8")
    return directory


def test_the_project_example_passes_with_this_checkout(pytester: pytest.Pytester) -> None:
    write_project(pytester.path)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", "tests")
    result.assert_outcomes(passed=PROJECT_TESTS)


@pytest.mark.slow
def test_the_wheel_with_only_the_pytest_extra_runs_a_users_tests(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist), str(ROOT)],
        check=True,
        timeout=INSTALL_TIMEOUT,
    )
    (wheel,) = dist.glob("mockserver-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "mockserver/scenario.schema.json" in names  # the shipped scenarios' `$schema=../scenario.schema.json`
    assert "mockserver/scenarios/default.yaml" in names

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", f"{wheel}[pytest]"], check=True, timeout=INSTALL_TIMEOUT
    )
    (tmp_path / "project").mkdir()
    project = write_project(tmp_path / "project")
    # Nothing of this checkout on the path: the project sees only what the wheel installed.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    proc = subprocess.run(
        [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{PROJECT_TESTS} passed" in proc.stdout, proc.stdout
    located = subprocess.run(
        [str(python), "-c", "import mockserver; print(mockserver.__file__)"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(env_dir) in located.stdout  # the wheel's copy, not this checkout's
