"""Workflow jobs: the flow of nodes a workflow job shows, consistent with the job's status.

One template covers every node type; the job's status decides each node's status:
success: all done (the untaken if-else branch and the loop templates skipped); failure: a node failed;
canceled: the user rejected the approval; pending: an approval waits for the user; in-progress: the loop runs;
queued / warming-up: nothing started; finalizing: the last node still runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (node id, type, depends on) — the template every generated workflow follows.
TEMPLATE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("prompts", "list", ()),
    ("enhance", "generate-prompt", ("prompts",)),
    ("loop", "for-each", ("enhance",)),
    ("render", "model", ("loop",)),
    ("check", "logic", ("loop",)),
    ("cutout", "remove-background", ("check",)),
    ("stylize", "custom-model", ("check",)),
    ("approve", "user-approval", ("cutout",)),
    ("pick", "user-selection", ("approve",)),
    ("finish", "workflow", ("pick",)),
    ("package", "transform", ("finish",)),
)
ITERATIONS = 3

# Node statuses per job status, for nodes in template order (the loop's copies follow "render").
_STATUSES: dict[str, dict[str, str]] = {
    "success": {"stylize": "skipped"},
    "failure": {
        "cutout": "failure",
        "approve": "pending",
        "pick": "pending",
        "finish": "pending",
        "package": "pending",
        "stylize": "skipped",
    },
    "canceled": {
        "approve": "rejected",
        "pick": "skipped",
        "finish": "skipped",
        "package": "skipped",
        "stylize": "skipped",
    },
    "pending": {
        "approve": "processing",
        "pick": "pending",
        "finish": "pending",
        "package": "pending",
        "stylize": "skipped",
    },
    "in-progress": {
        "loop": "processing",
        "check": "pending",
        "cutout": "pending",
        "stylize": "pending",
        "approve": "pending",
        "pick": "pending",
        "finish": "pending",
        "package": "pending",
    },
    "finalizing": {"package": "processing", "stylize": "skipped"},
}
_NOT_STARTED = ("queued", "warming-up")
STARTED = frozenset({"success", "failure", "processing", "rejected"})


def node_status(job_status: str, node: str) -> str:
    """Return the status of a template node in a workflow job of the given status."""
    if job_status in _NOT_STARTED:
        return "pending"
    return _STATUSES.get(job_status, {}).get(node, "success")


def iteration_status(job_status: str, index: int) -> str:
    """Status of the loop body's copy for one iteration."""
    if job_status in _NOT_STARTED:
        return "pending"
    if job_status == "in-progress":
        return ("success", "processing", "pending")[min(index, 2)]
    return "success"


def build_flow(
    job_id: str,
    job_status: str,
    workflow_id: str,
    model_id: str | None,
    make_job_id: Callable[[str], str],
    make_asset: Callable[[str], dict[str, str]],
    text: Callable[[str], str],
) -> list[dict[str, Any]]:
    """Return the `metadata.flow` of a workflow job (wire format)."""
    flow: list[dict[str, Any]] = []

    def node(node_id: str, node_type: str, depends: tuple[str, ...], status: str, **extra: Any) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": node_id,
            "type": node_type,
            "status": status,
            "workflowId": workflow_id,
        }
        if depends:
            entry["dependsOn"] = list(depends)
        if status in STARTED and node_type not in ("list", "logic", "for-each"):
            entry["jobId"] = make_job_id(node_id)
        entry.update(extra)
        flow.append(entry)
        return entry

    for node_id, node_type, depends in TEMPLATE:
        status = node_status(job_status, node_id)
        if node_type == "list":
            node(node_id, node_type, depends, status, items=[text(f"{node_id}-{i}") for i in range(ITERATIONS)])
        elif node_type == "generate-prompt":
            node(
                node_id,
                node_type,
                depends,
                status,
                inputs=[{"name": "prompt", "type": "string", "prompt": True, "ref": {"node": "prompts"}}],
                output={"prompts": [text(f"{node_id}-out-{i}") for i in range(ITERATIONS)]}
                if status == "success"
                else None,
            )
        elif node_type == "for-each":
            node(
                node_id,
                node_type,
                depends,
                status,
                count=ITERATIONS,
                loopBodyNodeIds=["render"],
                inputs=[{"name": "items", "type": "string_array", "ref": {"node": "enhance", "name": "prompts"}}],
            )
        elif node_type == "model":
            # The loop body's template is skipped; its copies (one per iteration) run.
            node(
                node_id,
                node_type,
                depends,
                "skipped",
                modelId=model_id,
                loopNodeId="loop",
                inputs=[{"name": "prompt", "type": "string", "ref": {"node": "loop", "name": "item"}}],
            )
            for index in range(ITERATIONS):
                copy_status = iteration_status(job_status, index)
                copy_id = f"render-{index}"
                extra: dict[str, Any] = {"modelId": model_id, "loopNodeId": "loop", "iterationIndex": index}
                if copy_status == "success":
                    extra["assets"] = [make_asset(copy_id)]
                node(copy_id, node_type, depends, copy_status, **extra)
        elif node_type == "logic":
            node(
                node_id,
                node_type,
                depends,
                status,
                logicType="if-else",
                logic={
                    "cases": [{"condition": "render.width >= 1024", "value": "cutout"}],
                    "default": "stylize",
                },
            )
        elif node_type == "user-approval":
            node(
                node_id,
                node_type,
                depends,
                status,
                inputs=[{"name": "approved", "type": "boolean", "label": "Approve the cut-outs?"}],
            )
        elif node_type == "user-selection":
            node(
                node_id,
                node_type,
                depends,
                status,
                inputs=[{"name": "selection", "type": "file_array", "kind": "image", "ref": {"node": "cutout"}}],
            )
        else:
            extra = {}
            if status == "success" and node_type in ("remove-background", "custom-model", "transform"):
                extra["assets"] = [make_asset(node_id)]
            if node_type == "custom-model":
                extra["modelId"] = model_id
            if node_type == "transform":
                extra["includeOutputsInWorkflowJob"] = True
            node(node_id, node_type, depends, status, **extra)
    for entry in flow:
        if entry.get("output", 0) is None:
            del entry["output"]
        if entry.get("modelId", 0) is None:
            del entry["modelId"]
    return flow
