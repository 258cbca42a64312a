"""The scenario loader: golden messages for broken files, positions, safe YAML, the published JSON Schema.

Regenerate the golden files after a deliberate change of wording, then read every diff:
    UPDATE_GOLDEN=1 python -m pytest tests/scenario/test_loader.py -k golden
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mockserver.errors import ScenarioError
from mockserver.scenario.budget import MAX_WRITTEN
from mockserver.scenario.loader import (
    MAX_BYTES,
    format_field_path,
    load_scenario,
    load_scenario_text,
    parse_field_path,
    read_scenario,
    read_scenario_text,
)
from mockserver.scenario.model import Scenario
from mockserver.scenario.schema import scenario_json_schema
from mockserver.scenario.validate import check_scenario
from mockserver.scenario.yaml_compose import LIBYAML_FROM
from mockserver.world.builder import build_world
from mockserver.worlds import build_world_from_file

ROOT = Path(__file__).resolve().parents[2]
BAD = Path("tests/bad_scenarios")  # relative to ROOT: the paths the golden files show
BAD_FILES = sorted((ROOT / BAD).glob("*.yaml"))
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))


def problems_of(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "s.yaml")
    return str(info.value).splitlines()


# --- golden files ------------------------------------------------------------------------------------------


def test_there_are_enough_golden_files() -> None:
    assert len(BAD_FILES) >= 28
    for file in BAD_FILES:
        assert file.with_suffix(".expected").is_file(), f"{file.name} has no .expected file"


@pytest.mark.parametrize("file", [pytest.param(f, id=f.stem) for f in BAD_FILES])
def test_golden_messages(file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    with pytest.raises(ScenarioError) as info:
        load_scenario(BAD / file.name)
    actual = str(info.value) + "\n"
    expected_file = file.with_suffix(".expected")
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected_file.write_text(actual, encoding="utf-8")
    assert actual == expected_file.read_text(encoding="utf-8"), (
        f"messages of {file.name} changed; if on purpose: UPDATE_GOLDEN=1 pytest {__file__} -k golden"
    )
    # Every problem names this file and a real line of it.
    lines = (ROOT / BAD / file.name).read_text(encoding="utf-8").count("\n") + 1
    for problem in info.value.problems:
        assert problem.path == str(BAD / file.name)
        assert 1 <= problem.line <= lines
        assert problem.column >= 1


# --- valid files -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("file", [pytest.param(f, id=f.stem) for f in SHIPPED])
def test_shipped_scenarios_load(file: Path) -> None:
    assert isinstance(load_scenario(file), Scenario)


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n", "{}\n", "null\n"])
def test_an_empty_document_is_the_default_scenario(text: str) -> None:
    assert load_scenario_text(text) == Scenario()


def test_merge_keys_and_anchors_are_plain_yaml() -> None:
    scenario = load_scenario_text(
        "apiKeys:\n"
        "  - &ci {id: api_ci, status: inactive, createdAt: -9d, revokedAt: -2d}\n"
        "  - <<: *ci\n"
        "    id: api_two\n"
        "    status: deleted\n"
    )
    assert [(k.id, k.status, k.created_at) for k in scenario.api_keys] == [
        ("api_ci", "inactive", "-9d"),
        ("api_two", "deleted", "-9d"),
    ]


def test_yaml_dates_stay_text() -> None:
    scenario = load_scenario_text("clock: {now: 2026-11-30}\napiKeys: [{id: k, createdAt: 2026-01-01 10:00:00}]\n")
    assert scenario.clock.now == "2026-11-30"
    assert scenario.api_keys[0].created_at == "2026-01-01 10:00:00"


def test_keys_are_the_text_written() -> None:
    # `yes` and `1` are a boolean and an integer to YAML 1.1, but keys of a scenario are names.
    assert problems_of("yes: 1\n") == [
        "s.yaml:1:1: yes: unknown key 'yes'; allowed keys: "
        + ", ".join(info.alias or name for name, info in Scenario.model_fields.items())
    ]


def test_snake_case_names_are_not_keys() -> None:
    # The Python names of the fields are not part of the format (the JSON Schema does not allow them either).
    assert problems_of("api_keys: []\n") == ["s.yaml:1:1: api_keys: unknown key 'api_keys'; did you mean 'apiKeys'?"]


# --- positions ---------------------------------------------------------------------------------------------


def test_positions_point_at_values_keys_and_items() -> None:
    located = read_scenario_text("name: x\napiKeys:\n  - id: k1\n    status: inactive\n  - {id: k2}\n")
    positions = located.positions
    assert positions.values[("name",)] == (1, 7)
    assert positions.keys[("apiKeys",)] == (2, 1)
    assert positions.values[("apiKeys", 0)] == (3, 5)
    assert positions.values[("apiKeys", 0, "status")] == (4, 13)
    assert positions.keys[("apiKeys", 1, "id")] == (5, 6)
    # A field that was not written is located at its nearest written ancestor.
    assert located.problem("apiKeys[1].revokedAt", "m").line == 5
    assert located.problem("activity.generators[0]", "m").line == 1


def test_world_errors_are_located(tmp_path: Path) -> None:
    # The world reports problems by field path; build_world_from_file turns them into file positions.
    file = tmp_path / "w.yaml"
    file.write_text("name: w\nseed: 1\napiKeys:\n  - id: api_ci\n    status: inactive\n    createdAt: -1d\n")
    # The key is revoked at its default (-1d) from the clock: with a frozen clock it is fine...
    assert build_world_from_file(file, now=1_800_000_000_000).name == "w"
    file.write_text("name: w\napiKeys:\n  - id: api_ci\n    status: active\n    revokedAt: -1d\n")
    with pytest.raises(ScenarioError) as info:
        build_world_from_file(file)
    [problem] = info.value.problems
    assert (problem.line, problem.column, problem.field) == (5, 16, "apiKeys[0].revokedAt")


@pytest.mark.parametrize(
    ("path", "text"),
    [
        pytest.param(("apiKeys", 2, "status"), "apiKeys[2].status", id="plain"),
        pytest.param(
            ("activity", "generators", 0, "actions", "txt2im"), "activity.generators[0].actions.txt2im", id="nested"
        ),
        pytest.param(("nsfwLabels", "a b"), "nsfwLabels['a b']", id="quoted"),
        pytest.param((), "(document)", id="document"),
    ],
)
def test_field_paths_round_trip(path: tuple[str | int, ...], text: str) -> None:
    assert format_field_path(path) == text
    assert parse_field_path(text) == path


# --- safety and bounds -------------------------------------------------------------------------------------


def test_python_tags_are_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"description: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path ['{marker}']]\n"
    assert problems_of(text)[0].startswith("s.yaml:1:14: description: unsupported tag '!!python/object/apply")
    assert not marker.exists()


def test_every_problem_of_a_file_is_reported_once_sorted() -> None:
    lines = problems_of("seed: x\npeople: -1\nname: ../x\nteam: {nme: a}\nseed: 3\n")
    assert lines == [
        "s.yaml:1:7: seed: expected an integer, found 'x'",
        # A semantic check of a part that parsed, reported in the same pass as the structural problems.
        "s.yaml:2:9: people: expected a count >= 0, found -1",
        "s.yaml:3:7: name: expected an identifier (letters, digits, '_', '.' and '-', starting with a letter "
        "or a digit), found '../x'",
        "s.yaml:4:8: team.nme: unknown key 'nme'; did you mean 'name'?",
        "s.yaml:5:1: seed: duplicate key 'seed' (first at line 1)",
    ]


def test_file_size_is_bounded(tmp_path: Path) -> None:
    file = tmp_path / "big.yaml"
    file.write_text("description: " + "x" * MAX_BYTES + "\n")
    with pytest.raises(ScenarioError, match="file too large"):
        load_scenario(file)
    with pytest.raises(ScenarioError, match="file too large"):
        load_scenario_text("description: " + "x" * MAX_BYTES)


def test_unreadable_files_are_scenario_errors(tmp_path: Path) -> None:
    (tmp_path / "latin1.yaml").write_bytes(b"name: caf\xe9\n")
    with pytest.raises(ScenarioError, match=r"latin1.yaml:1:10: \(document\): not UTF-8 text"):
        load_scenario(tmp_path / "latin1.yaml")
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.yaml")
    assert problems_of("name: 'a\x01'\n") == ["s.yaml:1:9: (document): invalid YAML: unacceptable character '\\x01'"]


def test_a_wide_alias_fan_out_stops_early() -> None:
    text = "a: &a [" + ", ".join(["x"] * 1000) + "]\nnsfwLabels: [" + ", ".join(["*a"] * 1000) + "]\n"
    [problem] = problems_of(text)
    assert "document too large or too deeply nested (alias expansion" in problem


def large(document_tail: str, *, events: int = 1500) -> str:
    """A scenario past LIBYAML_FROM characters (read by libyaml), with `document_tail` after its events."""
    lines = [
        "name: large",
        "clock: {now: '2026-11-30T12:00:00.000Z'}",
        "projects: [{id: proj_a}]",
        "people: [{id: p1}]",
        "recorded:",
        "  events:",
    ]
    lines += [
        f"    - {{time: '2026-11-2{i % 9}T10:{i % 60:02d}:00Z', action: txt2img, user: p1, project: proj_a}}"
        for i in range(events)
    ]
    text = "\n".join(lines) + "\n" + document_tail
    assert len(text) > LIBYAML_FROM
    return text


BROKEN_LARGE = [
    pytest.param(large("").replace("action: txt2img", "action: txt2imgg", 1), id="enum"),
    pytest.param(large("team: {nme: x}\n"), id="unknown-key"),
    pytest.param(large("seed: " + "[" * 70 + "]" * 70 + "\n"), id="deep"),
    pytest.param(large("team: {name: [x}\n"), id="syntax"),
    pytest.param(large("seed: 1\nseed: 2\n"), id="duplicate-key"),
]


@pytest.mark.parametrize("text", BROKEN_LARGE)
def test_a_large_file_read_by_libyaml_gets_the_pure_python_loaders_problems(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = problems_of(text)
    monkeypatch.setattr("mockserver.scenario.yaml_compose.LIBYAML_FROM", 10**9)
    assert fast == problems_of(text)


def test_a_large_file_is_read_whole_and_its_size_is_bounded() -> None:
    import yaml

    assert yaml.__with_libyaml__, "PyYAML without libyaml: large scenario files are read by the slow parser"
    assert len(load_scenario_text(large(""), "s.yaml").recorded.events) == 1500
    [problem] = problems_of(large("nsfwLabels: [" + ", ".join(["x"] * MAX_WRITTEN) + "]\n"))
    assert f"document too large (more than {MAX_WRITTEN} values written)" in problem


# --- the semantic checks agree with the world ---------------------------------------------------------------


@pytest.mark.parametrize("file", [pytest.param(f, id=f.stem) for f in SHIPPED])
def test_generated_ids_are_the_worlds(file: Path) -> None:
    # validate.py derives the ids of counted entities as the world does; a reference to one must be accepted.
    scenario = read_scenario(file).scenario
    world = build_world(scenario)
    generators = [
        {
            "actions": {"txt2img": 1},
            "perWorkingDay": 1,
            "people": [p.id for p in world.people][:3],
            "models": [m.id for m in world.models][:3],
            "apiKeys": [k.user_id for k in world.keys][:3],
        }
    ]
    document = scenario.model_dump(by_alias=True, exclude_none=True)
    document["projects"] = [{"id": p.id} for p in world.projects]
    document["activity"] = {"generators": generators}
    document["jobs"] = document["assets"] = []
    assert check_scenario(Scenario.model_validate(document)) == []


# --- the JSON Schema ---------------------------------------------------------------------------------------


def test_the_published_schema_is_up_to_date() -> None:
    published = json.loads((ROOT / "scenario.schema.json").read_text(encoding="utf-8"))
    assert published == scenario_json_schema(), (
        "scenario.schema.json is out of date; regenerate it: mockserver scenario-schema > scenario.schema.json"
    )


def test_the_schema_is_draft_2020_12_and_accepts_the_shipped_scenarios() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = scenario_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] and schema["title"]
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for file in SHIPPED:
        # JSON-compatible view of the YAML (dates as text), as an editor's language server sees it.
        document = read_scenario(file).scenario.model_dump(by_alias=True, exclude_unset=True)
        assert list(validator.iter_errors(document)) == [], file.name
    assert not validator.is_valid({"peple": 3})
    assert not validator.is_valid({"activity": {"generators": [{"actions": {"txt2im": 1}, "perWorkingDay": 1}]}})


def test_lines_are_counted_as_editors_count_them() -> None:
    # YAML also breaks lines at LS, PS, NEL and CR (inside a quoted string here); editors and `grep -n` do not.
    text = (
        'name: x\ndescription: "a\u2028b\u2029c\x85d"\npeople: [{id: ada, name: Ada}]\n'
        "activity:\n  events:\n  - {action: txt2img, user: alice, time: -1h}\n"
    )
    assert problems_of(text) == [
        "s.yaml:6:29: activity.events[0].user: unknown user 'alice'; known people or API keys: ada"
    ]
