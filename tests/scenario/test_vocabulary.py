"""`mockserver vocabulary` and the README's reference: the lists, the usage row of each action, the required keys
and the workflow flow statuses all agree with the contract, the scenario schema and what the server serves."""

from __future__ import annotations

import json
import re
from pathlib import Path

import orjson
import pytest

from mockserver.cli import main
from mockserver.contract.enums import ACTIONS, NODE_STATUSES, NODE_TYPES, USAGE_NAMES

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_index_names_every_list_and_where_a_scenario_uses_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "vocabulary")
    assert code == 0
    for name in ("actions", "job-types", "node-types", "node-statuses", "usage-names", "asset-kinds"):
        assert re.search(rf"^{name}\s+\d+ values\s+used in ", out, re.MULTILINE), out
    assert f"actions           {len(ACTIONS)} values" in out


def test_actions_say_which_usage_row_they_count_under(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "vocabulary", "actions")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert set(lines) == set(ACTIONS)
    assert "-> images-generation" in lines["txt2img"]
    assert "-> models-training" in lines["start-train"]
    assert "-> (no usage row)" in lines["delete-model"]


def test_json_output_and_an_unknown_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "vocabulary", "node-statuses", "--json")
    assert code == 0
    assert [v["value"] for v in orjson.loads(out)["values"]] == list(NODE_STATUSES)
    code, _, err = run(capsys, "vocabulary", "generate-image")
    assert code == 2
    assert "unknown list 'generate-image'; lists: actions, job-types" in err


def test_the_readme_table_of_usage_rows_is_the_vocabulary(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "vocabulary", "usage-names", "--json")
    counted = {v["value"]: v["note"].removeprefix("<- ").split(", ") for v in orjson.loads(out)["values"]}
    assert set(counted) == set(USAGE_NAMES)
    for row in ("images-generation", "models-training"):
        cells = re.search(rf"^\| `{row}` \| (.*) \|$", README, re.MULTILINE)
        assert cells is not None, f"README has no row for {row}"
        assert re.findall(r"`([^`]+)`", cells.group(1)) == counted[row]
    # Every other row counts only its own action (or is a billing row): the README says "most ... of the same name".
    for row, actions in counted.items():
        if row not in ("images-generation", "models-training", "creative-unit-cost", "creative-unit-discount"):
            assert actions == [row], (row, actions)


def test_the_readme_lists_the_flow_node_types_and_statuses() -> None:
    flows = README[README.index("**Workflow flows.**") : README.index("**Vocabulary.**")]
    types = flows[flows.index("`jobs[].flow[].type`") : flows.index("`status` one of")]
    statuses = flows[flows.index("`status` one of") : flows.index("A `workflow` job")]
    assert re.findall(r"`([a-z-]+)`", types) == list(NODE_TYPES)
    assert re.findall(r"`([a-z-]+)`", statuses)[1:] == list(NODE_STATUSES)


def test_the_readme_names_exactly_the_required_keys() -> None:
    schema = json.loads((ROOT / "scenario.schema.json").read_text(encoding="utf-8"))
    required = {name: spec["required"] for name, spec in schema["$defs"].items() if spec.get("required")}
    paragraph = README[README.index("**Required keys.**") : README.index("**Times.**")]
    named = re.findall(r"`([a-zA-Z]+)`", paragraph)
    assert sorted(set(named) - {"apiKeys"}) == sorted({key for keys in required.values() for key in keys} - set())
    assert len(required) == 10, sorted(required)  # a new model with required keys needs its line in the README


def test_a_pending_workflow_job_waits_at_its_user_approval_node(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "render",
        "type=activity&timeRange=last-day",
        "--scenario",
        "workflow-jobs",
        "--now",
        "2026-11-30T12:00Z",
    )
    assert code == 0
    jobs = orjson.loads(out)["entities"]["jobs"]
    waiting = [j for j in jobs if j["jobType"] == "workflow" and j["status"] == "pending"]
    assert waiting
    for job in waiting:
        statuses = {node["type"]: node["status"] for node in job["metadata"]["flow"] if node["type"] != "model"}
        assert statuses["user-approval"] == "processing"
        if "user-selection" in statuses:  # the built-in flow (the scenario's own flow has none)
            assert statuses["user-selection"] == "pending"
    assert any("user-selection" in {n["type"] for n in job["metadata"]["flow"]} for job in waiting)
