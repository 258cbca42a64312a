"""Every code example of the README runs: sandbox snippets against a live server, pytest snippets through the
plugin (pytester), scenario snippets through the loader, shell snippets with curl; compose and CI YAML parse."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from mockserver.scenario.loader import load_scenario_text
from mockserver.world.builder import build_world
from tests.conftest import LiveServer

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parents[2] / "README.md"
SANDBOX_URL = "http://127.0.0.1:4010"
_BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.DOTALL)


def blocks(language: str, kind: str | None = None) -> list[str]:
    """The README's fenced blocks of a language, optionally only those whose first line is `# example: KIND`."""
    found = []
    for lang, body in _BLOCK.findall(README.read_text(encoding="utf-8")):
        if lang != language:
            continue
        first = body.splitlines()[0] if body.strip() else ""
        if kind is None or first.strip() == f"# example: {kind}":
            found.append(body)
    return found


def test_every_python_and_yaml_example_is_classified() -> None:
    for language in ("python", "yaml"):
        for body in blocks(language):
            assert body.startswith("# example: "), f"unclassified {language} example:\n{body[:200]}"


@pytest.mark.parametrize("index", range(len(blocks("python", "sandbox"))))
def test_sandbox_examples_run(live_server: LiveServer, index: int) -> None:
    code = blocks("python", "sandbox")[index].replace(SANDBOX_URL, live_server.url)
    exec(compile(code, f"README sandbox example {index}", "exec"), {})


def test_pytest_examples_pass(pytester: pytest.Pytester) -> None:
    examples = blocks("python", "pytest")
    assert len(examples) >= 8
    for index, code in enumerate(examples):
        pytester.makepyfile(**{f"test_readme_{index}": code})
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    tests = sum(code.count("\ndef test_") + code.startswith("def test_") for code in examples)
    result.assert_outcomes(passed=tests)


@pytest.mark.parametrize("index", range(len(blocks("yaml", "scenario"))))
def test_scenario_examples_load_and_build(index: int) -> None:
    build_world(load_scenario_text(blocks("yaml", "scenario")[index], f"README scenario {index}"))


def test_the_five_line_scenario_is_five_lines() -> None:
    five = [b for b in blocks("yaml", "scenario") if "name: my-team" in b]
    assert five and len(five[0].strip().splitlines()) - 1 == 5


def test_compose_and_ci_examples_are_valid_yaml() -> None:
    compose = yaml.safe_load(blocks("yaml", "compose")[0])
    assert compose["services"]["scenario-mock"]["ports"] == ["4010:4010"]
    ci = yaml.safe_load(blocks("yaml", "github-actions")[0])
    job = ci["jobs"]["integration"]
    assert job["env"]["SCENARIO_BASE_URL"].endswith(":4010/v1")
    assert job["services"]["scenario-mock"]["ports"] == ["4010:4010"]


def test_curl_examples_run(live_server: LiveServer) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    commands = [line for body in blocks("sh") for line in body.splitlines() if line.startswith("curl ")]
    assert commands
    for command in commands:
        argv = shlex.split(command.replace(SANDBOX_URL, live_server.url))
        output = subprocess.run(argv, capture_output=True, check=True, timeout=30).stdout
        assert output.startswith(b"{")


def test_docker_examples_match_what_the_container_test_runs() -> None:
    docker = "\n".join(blocks("sh"))
    assert "docker run --rm -p 4010:4010 mockserver" in docker
    container_test = (Path(__file__).resolve().parents[1] / "test_container.py").read_text()
    assert "MOCK_SCENARIOS" in container_test and "/scenarios" in container_test


def test_the_validation_example_prints_what_the_readme_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mockserver.cli import main

    (tmp_path / "broken.yaml").write_text(blocks("yaml", "broken-scenario")[0])
    shown = next(b for b in _BLOCK.findall(README.read_text()) if "$ mockserver validate broken.yaml" in b[1])
    expected = [line for line in shown[1].splitlines() if line.startswith("broken.yaml:")]
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "broken.yaml"]) == 1
    assert capsys.readouterr().out.splitlines() == expected


def test_quickstart_has_two_commands_and_ci_runs_the_second_verbatim() -> None:
    text = README.read_text(encoding="utf-8")
    quickstart = text[text.index("## Quickstart") : text.index("Then point the official SDK")]
    commands = [body.strip() for lang, body in _BLOCK.findall(quickstart) if lang == "sh"]
    assert len(commands) == 2, commands
    serve, test = commands
    # Both make and use a virtual environment: no `python` binary and no system-wide pip are assumed.
    assert serve.startswith("python3 -m venv .venv && . .venv/bin/activate && ") and "mockserver serve" in serve
    assert test.startswith("python3 -m venv .venv && . .venv/bin/activate && ") and test.endswith("python -m pytest")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.rstrip().splitlines()[-1] == test


def test_the_fleet_examples_are_the_files_the_fleet_test_runs() -> None:
    fleet = README.parent / "docs" / "fleet"
    (compose,) = blocks("yaml", "fleet-compose")
    assert compose.removeprefix("# example: fleet-compose\n") in (fleet / "compose.yaml").read_text()
    (nginx,) = blocks("nginx")
    assert nginx == (fleet / "nginx.conf").read_text()
