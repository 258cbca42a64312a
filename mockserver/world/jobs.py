"""Jobs as the read endpoints show them: jobs.list and jobs.retrieve, derived from the activity's events.

A job is the job of an activity event: its type, status and metadata are the `/usages` entity's at the same instant;
its dates and progress come from `job_history`, the list's walk from `job_list`.
"""

from __future__ import annotations

from typing import Any

import orjson

from mockserver.errors import NotFoundError
from mockserver.generate.ids import stable_seed
from mockserver.world.access import ReadContext
from mockserver.world.aggregate import cu
from mockserver.world.catalog import CATALOG
from mockserver.world.clock import DAY, HOUR, MINUTE, format_ms
from mockserver.world.job_history import job_times, progress_steps
from mockserver.world.job_list import scan_jobs
from mockserver.world.pages import paginate
from mockserver.world.timeline import NOT_CHARGED, Event
from mockserver.world.world import ENTITY_JSON_FACTOR, World

# The job types a generated placeholder job (`--lenient`, unknown id) is drawn from.
_PLACEHOLDER_ACTIONS = ("txt2img", "img2img", "inference", "upscale", "background-removal")


def job_body(world: World, event: Event, now: int, keep: bool = True) -> dict[str, Any]:
    """The job of an activity event as `jobs.retrieve` and `jobs.list` show it at `now` (memoised, if `keep`, unless
    it moves on with the clock: every other job's status and dates are its event's)."""
    job = event.job
    if progress_steps(world, job) is not None:
        return _job_body(world, event, now, keep=True)
    key = ("job", job, event.key, event.project, event.user, event.t)  # a placeholder job is the caller's
    found = world.bodies.get(key)
    if found is None:
        # Shared between responses: never changed once built. It holds its entity's metadata, so the entity
        # itself is not kept as well (a list walk would only push other entities out with it).
        found = _job_body(world, event, now, keep=False)
        if keep:
            world.bodies.put(key, found, ENTITY_JSON_FACTOR * len(orjson.dumps(found)))
    return found


def _job_body(world: World, event: Event, now: int, keep: bool) -> dict[str, Any]:
    entity = world.job_entity(event, now, keep)
    status = entity["status"]
    times = job_times(world, event, now)
    charged = status not in NOT_CHARGED
    billing: dict[str, Any] = {"cuCost": cu(event.cost) if charged else 0, "cuDiscount": cu(event.discount)}
    if event.qg_cost:
        billing["cuCostDetails"] = {"quality-gate": cu(event.qg_cost) if charged else 0}
    history = _history(times.history)
    body: dict[str, Any] = {
        "jobId": event.job,
        "jobType": entity["jobType"],
        "status": status,
        "progress": times.progress,
        "createdAt": history[0]["date"],
        "updatedAt": history[-1]["date"],
        "statusHistory": history,
        "metadata": entity["metadata"],
        "ownerId": event.project,
        "billing": billing,
    }
    if event.user:
        body["authorId"] = event.user
    return body


def _history(steps: tuple[tuple[int, str], ...]) -> list[dict[str, str]]:
    """A job's status history as the API shows it, from createdAt to updatedAt (the body reuses its ends' dates).

    Formatting dates is the hottest call of a walk, and half of a history's dates fall in the minute of the one
    before: those reuse its `YYYY-MM-DDTHH:MM:` and format only the seconds.
    """
    history = []
    minute, head = None, ""
    for date, name in steps:
        if date // MINUTE == minute:
            seconds, millis = divmod(date % MINUTE, 1000)
            text = f"{head}{seconds:02d}.{millis:03d}Z"
        else:
            text = format_ms(date)
            minute, head = date // MINUTE, text[:-7]  # all but `SS.sssZ`
        history.append({"date": text, "status": name})
    return history


def retrieve_job(world: World, ctx: ReadContext) -> dict[str, Any]:
    """`GET /v1/jobs/{jobId}`: the job at the served instant; a 404 for an unknown id or a job the caller does not see.

    `projectId` asserts ownership: a job of another project is a 404.
    """
    job_id = ctx.id or ""
    project = ctx.query.text("projectId")
    event = world.index.job(job_id, ctx.now)
    if event is None and ctx.lenient:
        event = placeholder_event(world, job_id, ctx, project)
    if event is None or not ctx.access.sees(event.project) or project not in (None, event.project):
        raise NotFoundError(f"job {job_id!r} not found")
    return {"job": job_body(world, event, ctx.now)}


def list_jobs(world: World, ctx: ReadContext) -> dict[str, Any]:
    """`GET /v1/jobs`: one page of the jobs the caller sees, filtered, newest first."""
    # Imported with the first list, not at start-up: see contract/lists.py.
    from mockserver.contract.jobs import parse_job_list_query

    query = parse_job_list_query(ctx.query)
    access = ctx.access
    page = ctx.query.page()
    now, events, token = paginate(
        world,
        "jobs.list",
        (query, access.projects),
        page,
        ctx.now,
        lambda at, cursor: scan_jobs(world, query, access, at, cursor),
        lenient=ctx.lenient,
    )
    # The first page is the one clients poll: its bodies are kept. A walk reads each later page once; keeping those
    # would only push the polled ones out, and cost the walk a serialisation of each body for its size.
    keep = page.token is None
    body: dict[str, Any] = {"jobs": [job_body(world, event, now, keep) for event in events]}
    if token is not None:
        body["nextPaginationToken"] = token
    return body


def placeholder_event(world: World, job_id: str, ctx: ReadContext, project: str | None = None) -> Event:
    """The event of a generated job carrying an unknown id (`--lenient`), seeded by the world and the id.

    Its owner is `project` when the request names one, else one of the projects the caller sees.
    """
    seed = stable_seed(world.seed, "placeholder-job", job_id)
    info = CATALOG[_PLACEHOLDER_ACTIONS[seed % len(_PLACEHOLDER_ACTIONS)]]
    actors = [(p.id, False) for p in world.people] + [(k.user_id, True) for k in world.keys]
    if project is not None:
        projects = [project]
    elif ctx.access.projects is not None:
        projects = sorted(ctx.access.projects)
    else:
        projects = [p.id for p in world.projects]
    actor, api = actors[(seed >> 8) % len(actors)] if actors else ("", False)
    low, high = info.cost
    # Anchored to the world, not to the clock: polling a placeholder id gives the same job.
    t = min(ctx.now, world.anchor) - HOUR - (seed >> 16) % (7 * DAY)
    return Event(
        t=t,
        seq=0,
        action=info.name,
        usage_row=info.usage_row,
        user=actor,
        api=api,
        project=projects[(seed >> 12) % len(projects)] if projects else "",
        cost=(low + (seed >> 20) % (high - low + 1)) // 1000 * 1000 if high else 0,
        model=world.models[(seed >> 24) % len(world.models)].id if info.uses_model and world.models else None,
        job=job_id,
        job_type=info.job_type,
        job_status="success",
        key=seed,
    )
