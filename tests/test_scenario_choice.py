"""Which scenario a server serves by default: `--scenario NAME`, else the one named `default`, else the only one; a
directory of several without `default` says so and lists them; `--scenarios` also takes a single file."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import orjson
import pytest

from mockserver.cli import main
from mockserver.settings import Settings
from tests.conftest import BASIC, NOW, serving

pytest_plugins = ["pytester"]

SHOP = "name: shop\nseed: 7\npeople: 3\nactivity:\n  generators: [{actions: {txt2img: 1}, perWorkingDay: 40}]\n"
FARM = "name: farm\nseed: 8\npeople: 4\n"


def render(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["render", "type=consumption", "--now", "2026-11-30T12:00:00Z", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def one(tmp_path: Path) -> Path:
    directory = tmp_path / "one"
    directory.mkdir()
    (directory / "shop.yaml").write_text(SHOP)
    return directory


@pytest.fixture
def two(tmp_path: Path) -> Path:
    directory = tmp_path / "two"
    directory.mkdir()
    (directory / "shop.yaml").write_text(SHOP)
    (directory / "farm.yaml").write_text(FARM)
    return directory


def test_a_directory_with_one_scenario_serves_it(capsys: pytest.CaptureFixture[str], one: Path) -> None:
    code, out, err = render(capsys, "--scenarios", str(one))
    assert code == 0, err
    assert len(orjson.loads(out)["consumption"]) > 0


def test_several_without_default_list_them_and_say_how_to_pick(capsys: pytest.CaptureFixture[str], two: Path) -> None:
    code, out, err = render(capsys, "--scenarios", str(two))
    assert code == 1 and out == ""
    (line,) = err.strip().splitlines()
    assert "has several scenarios and none named 'default' (loaded: farm, shop)" in line
    assert "--scenario NAME" in line
    assert ":1:1:" not in line  # a directory has no line and column
    code, _, err = render(capsys, "--scenarios", str(two), "--scenario", "farm")
    assert code == 0, err


def test_an_unknown_scenario_names_what_was_loaded(capsys: pytest.CaptureFixture[str], two: Path) -> None:
    code, _, err = render(capsys, "--scenarios", str(two), "--scenario", "ranch")
    assert code == 1
    assert f"no scenario named 'ranch' in {two}; loaded: farm, shop" in err


def test_a_broken_file_is_never_replaced_by_the_only_good_one(capsys: pytest.CaptureFixture[str], one: Path) -> None:
    (one / "default.yaml").write_text("name: default\npeople: many\n")
    code, _, err = render(capsys, "--scenarios", str(one))
    assert code == 1
    assert "not loaded (see the errors above): " in err and "default.yaml" in err


def test_a_single_file(capsys: pytest.CaptureFixture[str], two: Path) -> None:
    code, _, err = render(capsys, "--scenarios", str(two / "farm.yaml"))
    assert code == 0, err
    assert main(["scenarios", "--scenarios", str(two / "farm.yaml")]) == 0
    assert capsys.readouterr().out.startswith("farm: ")
    (two / "notes.txt").write_text("hello")
    assert main(["render", "--scenarios", str(two / "notes.txt")]) == 2
    assert "not a scenario file" in capsys.readouterr().err


def test_a_single_file_is_served_and_reloaded_live(one: Path) -> None:
    path = one / "shop.yaml"
    with serving(Settings(scenarios_dir=path, now=NOW, reload=True, log_requests=False)) as url:
        listed = httpx.get(url + "/__admin/scenarios").json()
        assert listed["default"] == "shop" and [s["name"] for s in listed["scenarios"]] == ["shop"]
        (one / "other.yaml").write_text("name: other\n")  # beside the file: not served
        path.write_text(SHOP.replace("people: 3", "people: 5"))
        for _ in range(150):  # bounded: 15 s
            listed = httpx.get(url + "/__admin/scenarios").json()
            if listed["scenarios"][0]["people"] == 5:
                break
            time.sleep(0.1)
        assert listed["scenarios"][0]["people"] == 5
        assert [s["name"] for s in listed["scenarios"]] == ["shop"]
        assert httpx.get(url + "/v1/usages", headers=BASIC).status_code == 200


def test_the_plugin_serves_the_only_scenario_of_its_directory(pytester: pytest.Pytester) -> None:
    scenarios = pytester.path / "scenarios"
    scenarios.mkdir()
    (scenarios / "shop.yaml").write_text(SHOP)
    pytester.makeini("[pytest]\nmockserver_scenarios = scenarios\n")
    pytester.makepyfile(
        test_shop="def test_default_is_shop(mockserver):\n    assert mockserver.scenario == 'shop'\n"
        "    assert mockserver.http().get('/v1/usages').status_code == 200\n"
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q").assert_outcomes(passed=1)


def test_a_relative_directory_reloads_live(one: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # watchfiles reports absolute paths; the worlds know the files by their relative path: one file, one world.
    monkeypatch.chdir(one.parent)
    with serving(Settings(scenarios_dir=Path(one.name), now=NOW, reload=True, log_requests=False)) as url:
        (one / "shop.yaml").write_text(SHOP.replace("people: 3", "people: 6"))
        for _ in range(150):  # bounded: 15 s
            listed = httpx.get(url + "/__admin/scenarios").json()
            if listed["scenarios"][0]["people"] == 6:
                break
            time.sleep(0.1)
        assert [(s["name"], s["people"]) for s in listed["scenarios"]] == [("shop", 6)]
        assert listed["errors"] == [], listed["errors"]
