"""When a job was created, the statuses it went through and how far it got: derived from its activity event.

An event's time is when its job reached its current status (the activity records a job when it is charged or
finishes); a job the scenario makes progress with the clock (`jobs[].progress`) is created at its event's time instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from mockserver.generate.ids import stable_seed
from mockserver.world.timeline import JOB_STATUS_WEIGHTS, Event, GeneratedEvent
from mockserver.world.world import World

# The longest a generated job runs from creation to its current status: the look-behind of the newest-first list.
MAX_JOB_DURATION = 10 * 60_000
# How long a job runs from creation to its current status, by job type (ms, inclusive bounds).
_TRAINING = frozenset({"model-training", "flux-model-training", "musubi-model-training"})
_TRAINING_DURATION = (120_000, MAX_JOB_DURATION)
_WORKFLOW_DURATION = (20_000, 360_000)
_DEFAULT_DURATION = (3_000, 90_000)
# Progress a status shows (in-progress is seeded, or moves with the clock toward the next progress step).
_WARMING_UP, _RUNNING_LOW, _RUNNING_HIGH, _FINALIZING = 0.05, 0.1, 0.9, 0.95
_CUT_SPAN = 0.95 - 0.05  # the cuts of a history: `Random.uniform(0.05, 0.95)` is `0.05 + _CUT_SPAN * random()`
_LEVELS = {"warming-up": _WARMING_UP, "finalizing": _FINALIZING, "success": 1.0}  # and in-progress: its own


@dataclass(frozen=True, slots=True)
class JobTimes:
    """A job's dates (epoch ms) and progress at one instant: its status history, oldest first."""

    created: int
    updated: int
    history: tuple[tuple[int, str], ...]
    progress: float


def progress_steps(world: World, job_id: str | None) -> list[tuple[int, str]] | None:
    """The `(instant, status)` steps of a job the scenario makes progress with the clock; None for any other job."""
    return world.progress_steps(job_id)


def progressing_jobs(world: World) -> list[str]:
    """The ids of the jobs that progress with the clock (a few explicit jobs of the scenario)."""
    return world.progressing_jobs()


def status_path(status: str, uses_model: bool, workflow: bool) -> tuple[str, ...]:
    """The statuses a generated (or explicit, non-progressing) job went through to reach `status`, in order."""
    if status in ("queued", "warming-up"):
        return ("queued", "warming-up")[: 1 + (status == "warming-up")]
    if status == "pending" and not workflow:
        return ("pending",)  # waiting for the user's input from the start
    running = ("queued", "warming-up", "in-progress") if uses_model else ("queued", "in-progress")
    if status == "in-progress":
        return running
    return (*running, status)  # pending (a workflow waiting at an approval), finalizing, success, failure, canceled


def _duration(world: World, event: Event) -> int:
    """How long the job of an event that does not progress ran: drawn once per generated event (a list walk sorts
    every job it passes by its creation)."""
    if type(event) is not GeneratedEvent:
        return _drawn_duration(world, event)
    if event.job_duration < 0:
        event.job_duration = _drawn_duration(world, event)
    return event.job_duration


def _drawn_duration(world: World, event: Event) -> int:
    job_type = event.job_type or "inference"
    if job_type in _TRAINING:
        low, high = _TRAINING_DURATION
    elif job_type == "workflow":
        low, high = _WORKFLOW_DURATION
    else:
        low, high = _DEFAULT_DURATION
    return low + stable_seed(world.seed, "job-duration", event.key) % (high - low + 1)


def _path_of(event: Event, status: str) -> tuple[str, ...]:
    return status_path(status, event.model is not None, event.job_type == "workflow")


def _reached(path: tuple[str, ...]) -> tuple[float, bool]:
    """The progress a path's fixed levels reach, and whether it ran (then it also reached its seeded level)."""
    return max([0.0, *(_LEVELS[name] for name in path if name in _LEVELS)]), "in-progress" in path


def created_at(world: World, event: Event, status: str) -> int:
    """When a job that does not progress with the clock was created (cheap: what a list walk sorts by)."""
    if status == "queued" or (status == "pending" and event.job_type != "workflow"):  # `_path_of` has one step
        return event.t
    return event.t - _duration(world, event)


def job_times(world: World, event: Event, now: int) -> JobTimes:
    """A job's dates, status history and progress at `now` (its status is `world.job_status(event, now)`)."""
    steps = progress_steps(world, event.job)
    if steps is not None:
        return _progressing(event, steps, now)
    t = event.t
    path = _path_of(event, event.job_status or "success")  # `world.job_status` of a job that does not progress
    seed = stable_seed(world.seed, "job-times", event.key)
    if len(path) == 1:
        dates = [t]
    else:
        created = t - _duration(world, event)
        # `rng.uniform(0.05, 0.95)` for each date between creation and the event, without its call.
        random = Random(seed).random
        cuts = sorted([0.05 + _CUT_SPAN * random() for _ in path[2:]])
        dates = [created, *[created + round((t - created) * cut) for cut in cuts], t]
        for i in range(1, len(dates)):  # strictly increasing, even for the shortest jobs
            dates[i] = max(dates[i], dates[i - 1] + 1)
        dates[-1] = t
    progress, ran = _REACHED.get(path) or _reached(path)
    if ran:
        progress = max(progress, _RUNNING_LOW + (_RUNNING_HIGH - _RUNNING_LOW) * ((seed >> 8) % 1000) / 1000)
    return JobTimes(dates[0], t, tuple(zip(dates, path, strict=True)), round(progress, 4))


# `_reached` of the path of every generated job (the walk of a list reads it for every job).
_REACHED = {
    path: _reached(path)
    for path in {
        status_path(status, model, flow)
        for status, _ in JOB_STATUS_WEIGHTS
        for model in (False, True)
        for flow in (False, True)
    }
}


def _progressing(event: Event, steps: list[tuple[int, str]], now: int) -> JobTimes:
    history = [(event.t, event.job_status or "queued")]
    ends: list[int | None] = [steps[0][0] if steps else None]  # when each reached status gave way (or will)
    for i, (at, status) in enumerate(steps):
        if at <= now:
            history.append((at, status))
            ends.append(steps[i + 1][0] if i + 1 < len(steps) else None)
    progress = 0.0
    for (date, status), end in zip(history, ends, strict=True):
        running = _RUNNING_HIGH
        if status == "in-progress" and end is not None and end > date:
            running = _RUNNING_LOW + (_RUNNING_HIGH - _RUNNING_LOW) * (min(now, end) - date) / (end - date)
        elif status == "in-progress":
            running = (_RUNNING_LOW + _RUNNING_HIGH) / 2  # no later step: it stays where it is
        progress = _level(status, progress, running)
    return JobTimes(event.t, history[-1][0], tuple(history), round(progress, 4))


def _level(status: str, reached: float, running: float) -> float:
    """The progress after reaching `status`, from the progress `reached` before it: never lower."""
    # queued, pending: where it was; failure, canceled: where it stopped
    level = running if status == "in-progress" else _LEVELS.get(status, reached)
    return max(reached, level)
