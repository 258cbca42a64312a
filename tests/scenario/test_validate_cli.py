"""`mockserver validate FILE|DIR...` and `mockserver scenario-schema`, through `main(argv)`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockserver.cli import main
from mockserver.scenario.schema import scenario_json_schema

ROOT = Path(__file__).resolve().parents[2]
VALID = "name: tiny\nseed: 1\npeople: 2\n"


def test_a_valid_file_is_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "tiny.yaml"
    file.write_text(VALID)
    assert main(["validate", str(file)]) == 0
    assert capsys.readouterr().out == f"{file}: ok\n"


def test_the_shipped_scenarios_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(ROOT / "scenarios")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out and all(line.endswith(": ok") for line in out)


def test_a_directory_reports_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.yaml").write_text(VALID)
    (tmp_path / "b.yml").write_text("seed: x\npeple: 3\n")
    (tmp_path / "notes.txt").write_text("not a scenario")
    assert main(["validate", str(tmp_path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{tmp_path / 'a.yaml'}: ok",
        f"{tmp_path / 'b.yml'}:1:7: seed: expected an integer, found 'x'",
        f"{tmp_path / 'b.yml'}:2:1: peple: unknown key 'peple'; did you mean 'people'?",
    ]


def test_the_golden_files_through_the_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["validate", "tests/bad_scenarios"]) == 1
    expected = "".join(f.read_text(encoding="utf-8") for f in sorted(Path("tests/bad_scenarios").glob("*.expected")))
    assert capsys.readouterr().out == expected


def test_files_and_directories_mix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.yaml").write_text(VALID)
    assert main(["validate", str(tmp_path / "a.yaml"), str(ROOT / "scenarios" / "default.yaml")]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


@pytest.mark.parametrize(
    "argv",
    [pytest.param(["validate", "no/such/file.yaml"], id="missing"), pytest.param(["validate"], id="no-path")],
)
def test_misuse_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    assert code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no such file or directory" in captured.err or "required" in captured.err


def test_an_empty_directory_is_misuse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path)]) == 2
    assert "no *.yaml or *.yml file" in capsys.readouterr().err


def test_validate_help_shows_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["validate", "--help"])
    assert info.value.code == 0
    assert "mockserver validate scenarios/" in capsys.readouterr().out


def test_scenario_schema_prints_the_published_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario-schema"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == scenario_json_schema()
    assert out == (ROOT / "scenario.schema.json").read_text(encoding="utf-8"), (
        "scenario.schema.json is out of date; regenerate it: mockserver scenario-schema > scenario.schema.json"
    )
