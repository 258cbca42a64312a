"""Semantic checks of a parsed scenario: references between its parts, counts, times, states that can exist.

Each problem is a (field path, message) pair such as `("apiKeys[2].revokedAt", "...")`; the loader, which
knows where each field was written, turns them into `path:line:col` problems.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from typing import get_origin

from mockserver.contract.query import EARLIEST_MS, LATEST_MS
from mockserver.generate.ids import make_id, person_id
from mockserver.scenario.budget import ENTITY_LIMITS, MAX_RELATIVE_DAYS, check_budget
from mockserver.scenario.fields import field_path, type_options, walk_fields
from mockserver.scenario.ids import MAX_LISTED, EntityIds
from mockserver.scenario.model import ApiKeySpec, FlowNodeSpec, JobSpec, PersonSpec, Scenario, TimeSpec
from mockserver.scenario.wording import TIME_FORMS, show_value
from mockserver.world.clock import DAY, floor_to, format_ms, parse_duration, parse_instant
from mockserver.world.flows import STARTED

Problem = tuple[str, str]

MAX_RELATIVE = MAX_RELATIVE_DAYS * DAY
# Every instant of a world lies where query dates may (1970-01-01 .. 9999-12-31), relative ones once resolved.
TIME_BOUNDS = "between 1970-01-01 and 9999-12-31 (as query dates)"
# A flow node that started needs each dependency to have succeeded or to be running (as the world has it);
# a successful job has only succeeded or skipped nodes.
NODE_FEEDS_STARTED = frozenset({"success", "processing"})
NODE_DONE = frozenset({"success", "skipped"})
KEY_ROLE = "'key' is the role of API keys; a person is 'admin' or 'member'"


def check_scenario(scenario: Scenario) -> list[Problem]:
    """Every semantic problem of a scenario whose structure is valid, in document order where possible."""
    return _Checker(scenario).run()


def check_world(scenario: Scenario) -> list[Problem]:
    """Build the scenario's world once; the problem it stops at, if any (the world reports one at a time)."""
    # Imported here: the world imports the scenario models, and this module is imported with them.
    from mockserver.world.builder import WorldError, build_world

    try:
        build_world(scenario)
    except WorldError as exc:
        return [(exc.field, exc.message)]
    return []


class _Checker:
    """One pass over a scenario; collects problems instead of stopping at the first."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.problems: list[Problem] = []
        self.anchor = self._anchor()

    def add(self, field: str, message: str) -> None:
        self.problems.append((field, message))

    def run(self) -> list[Problem]:
        self.check_values()
        self.projects = self.collection_ids("projects", "project", "proj_", "project")
        self.people = self.people_ids()
        self.keys = self.key_ids()
        self.models = self.collection_ids("models", "model", "model_", "model")
        self.collections = self.collection_ids("collections", "collection", "collection_", "collection")
        self.users = EntityIds(
            "user",
            "people or API keys",
            [*self.people.all, *self.keys.all],
            [*self.people.explicit, *self.keys.explicit],
            checked=self.people.checked,
        )
        self.actor_of = self.actors()
        self.check_projects()
        self.check_people()
        self.check_keys()
        self.check_team()
        self.check_billing()
        table = self.check_settings()
        self.problems += check_budget(self.scenario, table)
        self.check_generators()
        self.check_events()
        self.check_assets()
        self.check_jobs()
        return self.problems

    # -- values: numbers, counts, times ---------------------------------------------------------------------
    def _anchor(self) -> int:
        now = self.scenario.clock.now
        if now is not None:
            try:
                at = parse_instant(now)
            except (ValueError, OverflowError):
                pass
            else:
                if _in_bounds(at):  # else reported once, on clock.now, and the other times judged from today
                    return at
        return floor_to(int(time.time() * 1000), DAY)

    def time(self, text: str) -> int | None:
        """A time spec in epoch ms (relative ones from the clock), or None when it is not one."""
        try:
            offset = parse_duration(text)
        except (ValueError, OverflowError):
            pass
        else:
            return self.anchor + offset if abs(offset) <= MAX_RELATIVE else None
        try:
            return parse_instant(text)
        except (ValueError, OverflowError):
            return None

    def check_values(self) -> None:
        for path, hint, value in walk_fields(self.scenario, Scenario, ()):
            field = field_path(*path)
            options = type_options(hint)
            if isinstance(value, float) and not math.isfinite(value):
                self.add(field, f"expected a finite number, found {show_value(value)}")
            elif (
                isinstance(value, int)
                and not isinstance(value, bool)
                and int in options
                and any(get_origin(o) is list for o in options)
            ):
                if value < 0:
                    self.add(field, f"expected a count >= 0, found {value}")
            elif isinstance(value, str) and TimeSpec in options:
                if path == ("clock", "now"):
                    try:
                        instant = parse_instant(value)
                    except (ValueError, OverflowError):
                        self.add(
                            field,
                            f"expected an ISO 8601 instant such as '2026-11-30T12:00:00Z', found {show_value(value)}",
                        )
                    else:
                        if not _in_bounds(instant):
                            self.add(field, f"expected an instant {TIME_BOUNDS}, found {show_value(value)}")
                    continue
                at = self.time(value)
                if at is None:
                    if _is_duration(value):
                        self.add(field, f"expected a time at most a century from the clock, found {show_value(value)}")
                    else:
                        self.add(field, f"expected a time ({TIME_FORMS}), found {show_value(value)}")
                elif not _in_bounds(at):
                    resolved = f" ({format_ms(at)} from the clock)" if _is_duration(value) else ""
                    self.add(field, f"expected a time {TIME_BOUNDS}, found {show_value(value)}{resolved}")

    # -- ids ------------------------------------------------------------------------------------------------
    def _duplicates(self, plural: str, ids: Sequence[tuple[int, str | None]], key: str = "id") -> None:
        first: dict[str, int] = {}
        for i, entity_id in ids:
            if entity_id is None:
                continue
            if entity_id in first:
                self.add(
                    field_path(plural, i, key),
                    f"duplicate id {show_value(entity_id)} (also {plural}[{first[entity_id]}])",
                )
            else:
                first[entity_id] = i

    def collection_ids(self, plural: str, noun: str, prefix: str, part: str) -> EntityIds:
        # The same ids the world makes (mockserver.world.builder.build_world); a test keeps the two in step.
        specs = getattr(self.scenario, plural)
        seed = self.scenario.seed
        if isinstance(specs, int):
            if not 0 <= specs <= ENTITY_LIMITS[plural][0]:
                return EntityIds.unchecked(noun, plural)
            return EntityIds(noun, plural, [make_id(prefix, seed, part, i) for i in range(specs)], [])
        self._duplicates(plural, [(i, spec.id) for i, spec in enumerate(specs)])
        ids = [spec.id or make_id(prefix, seed, part, i) for i, spec in enumerate(specs)]
        return EntityIds(noun, plural, ids, [spec.id for spec in specs if spec.id])

    def people_ids(self) -> EntityIds:
        specs = self.scenario.people
        seed = self.scenario.seed
        if isinstance(specs, int):
            if not 0 <= specs <= ENTITY_LIMITS["people"][0]:
                return EntityIds.unchecked("person", "people")
            return EntityIds("person", "people", [person_id(seed, "person", i) for i in range(specs)], [])
        self._duplicates("people", [(i, spec.id) for i, spec in enumerate(specs)])
        ids = [spec.id or person_id(seed, "person", i) for i, spec in enumerate(specs)]
        return EntityIds("person", "people", ids, [spec.id for spec in specs if spec.id])

    def key_ids(self) -> EntityIds:
        specs = self.scenario.api_keys
        seed = self.scenario.seed
        self._duplicates("apiKeys", [(i, spec.id) for i, spec in enumerate(specs)])
        self._duplicates("apiKeys", [(i, spec.user_id) for i, spec in enumerate(specs)], key="userId")
        user_ids = [spec.user_id or make_id("apiu_", seed, "apikey-user", spec.id) for spec in specs]
        explicit = [spec.id for spec in specs]
        return EntityIds("API key", "API keys", [*explicit, *user_ids], explicit)

    def refs(self, field: str, refs: Sequence[str] | str | None, ids: EntityIds) -> None:
        if refs is None:
            return
        if isinstance(refs, str):
            if refs not in ids:
                self.add(field, ids.unknown(refs))
            return
        for j, ref in enumerate(refs):
            if ref not in ids:
                self.add(f"{field}[{j}]", ids.unknown(ref))

    # -- parts ----------------------------------------------------------------------------------------------
    def check_projects(self) -> None:
        if self.projects.checked and not self.projects.all:
            self.add("projects", "a world needs at least one project")

    def check_people(self) -> None:
        if isinstance(self.scenario.people, int):
            return
        for i, person in enumerate(self.scenario.people):
            self.refs(field_path("people", i, "projects"), person.projects, self.projects)
            if person.role == "key":
                self.add(field_path("people", i, "role"), KEY_ROLE)

    def check_keys(self) -> None:
        for i, key in enumerate(self.scenario.api_keys):
            field = field_path("apiKeys", i)
            self.refs(f"{field}.projects", key.projects, self.projects)
            if key.scope == "project" and not key.projects:
                self.add(
                    f"{field}.scope",
                    "a project-scoped key needs `projects`: the projects whose content it may read",
                )
            if key.status == "active" and key.revoked_at is not None:
                self.add(
                    f"{field}.revokedAt",
                    "only an inactive or deleted key can be revoked (status is 'active')",
                )
            created = self.time(key.created_at)
            revoked = self.time(key.revoked_at or "-1d") if key.status != "active" else None
            if created is not None and revoked is not None and revoked < created:
                where = "revokedAt" if key.revoked_at is not None else "status"
                self.add(
                    f"{field}.{where}",
                    f"a key cannot be revoked ({show_value(key.revoked_at or '-1d')}) before it was created "
                    f"({show_value(key.created_at)})",
                )

    def check_team(self) -> None:
        for i, invitation in enumerate(self.scenario.team.invitations):
            field = field_path("team", "invitations", i)
            self.refs(f"{field}.projects", invitation.projects, self.projects)
            if invitation.role == "key":
                self.add(f"{field}.role", KEY_ROLE)

    def check_billing(self) -> None:
        for i, purchase in enumerate(self.scenario.billing.one_shot):
            field = field_path("billing", "oneShot", i)
            if purchase.expires_in is not None:
                if purchase.expiration is not None:
                    self.add(f"{field}.expiration", "give expiresIn or expiration, not both")
                try:
                    positive = parse_duration(purchase.expires_in) > 0
                except (ValueError, OverflowError):
                    positive = False
                if not positive:
                    self.add(
                        f"{field}.expiresIn",
                        f"expected a positive duration such as '90d', found {show_value(purchase.expires_in)}",
                    )
            elif purchase.expiration is not None:
                bought, expires = self.time(purchase.at), self.time(purchase.expiration)
                if bought is not None and expires is not None and expires <= bought:
                    self.add(
                        f"{field}.expiration",
                        f"a purchase expires after it is bought ({show_value(purchase.at)}), "
                        f"found {show_value(purchase.expiration)}",
                    )
            if purchase.remaining is not None and purchase.remaining > purchase.amount:
                self.add(
                    f"{field}.remaining",
                    f"expected at most the amount bought ({show_value(purchase.amount)}), "
                    f"found {show_value(purchase.remaining)}",
                )

    def check_settings(self) -> list[tuple[int, str, int]] | None:
        """Check the granularity table; return it as the world has it, or None when it is not valid."""
        # Imported here: the world imports the scenario models, and this module is imported with them.
        from mockserver.world.world import COARSEST, DEFAULT_GRANULARITY, GRANULARITY_MS

        steps = self.scenario.settings.granularity
        if steps is None:  # the coarsest granularity covers every longer window
            return [*DEFAULT_GRANULARITY, (DEFAULT_GRANULARITY[-1][0] + 1, *COARSEST)]
        table: list[tuple[int, str, int]] | None = []
        previous = 0
        for i, step in enumerate(steps):
            field = field_path("settings", "granularity", i, "upTo")
            try:
                up_to = parse_duration(step.up_to)
            except (ValueError, OverflowError):
                self.add(field, f"expected a duration such as '6h' or '2d', found {show_value(step.up_to)}")
                table = None
                continue
            if up_to <= previous:
                what = "positive" if i == 0 else "longer than the previous step's"
                self.add(field, f"expected a duration {what}, found {show_value(step.up_to)}")
                table = None
            elif table is not None:
                table.append((up_to, step.granularity, GRANULARITY_MS[step.granularity]))
            previous = max(previous, up_to)
        return table or None

    def check_generators(self) -> None:
        for g, generator in enumerate(self.scenario.activity.generators):
            field = field_path("activity", "generators", g)
            for action, weight in generator.actions.items():
                if weight < 0:
                    self.add(f"{field}.actions.{action}", f"expected a weight >= 0, found {show_value(weight)}")
            if not any(weight > 0 for weight in generator.actions.values()):
                self.add(f"{field}.actions", "needs at least one action with a positive weight")
            if generator.people != "all":
                self.refs(f"{field}.people", generator.people, self.people)
            self.refs(f"{field}.apiKeys", generator.api_keys, self.keys)
            if generator.models != "all":
                self.refs(f"{field}.models", generator.models, self.models)

    def actors(self) -> dict[str, PersonSpec | ApiKeySpec | None]:
        """Who acts under each user id, as the world finds them: people first, then keys (None: generated)."""
        found: dict[str, PersonSpec | ApiKeySpec | None] = {}
        seed = self.scenario.seed
        people = self.scenario.people
        if isinstance(people, int):
            found.update(
                dict.fromkeys(person_id(seed, "person", i) for i in range(people if self.people.checked else 0))
            )
        else:
            for i, person in enumerate(people):
                found.setdefault(person.id or person_id(seed, "person", i), person)
        for key in self.scenario.api_keys:
            found.setdefault(key.id, key)
            found.setdefault(key.user_id or make_id("apiu_", seed, "apikey-user", key.id), key)
        return found

    def act(self, field: str, user: str, when: str, project: str | None, what: str, by_default: bool = False) -> None:
        """A user acting: it exists, exists at that time (created, not revoked, not left), in that project."""
        who = show_value(user) + (" (the owner by default: the first person)" if by_default else "")
        at = f"{field}.{'createdAt' if what == 'the asset' else 'time'}"
        if user not in self.users:
            self.add(f"{field}.{'user' if what == 'the event' else 'owner'}", self.users.unknown(user))
            return
        actor = self.actor_of.get(user)
        if project is not None and self.projects.checked:
            projects = (actor.projects if actor is not None else None) or sorted(self.projects.all)
            if project not in self.projects:
                self.add(f"{field}.project", self.projects.unknown(project))
            elif project not in projects:
                listed = ", ".join(projects[:MAX_LISTED]) + (", ..." if len(projects) > MAX_LISTED else "")
                self.add(
                    f"{field}.project",
                    f"{who} does not work in project {show_value(project)}; its projects: {listed}",
                )
        t = self.time(when)
        if t is None or actor is None:
            return
        if isinstance(actor, ApiKeySpec):
            created = self.time(actor.created_at)
            if created is not None and t < created:
                self.add(
                    at,
                    f"{what} ({show_value(when)}) is before its key {actor.id!r} was created "
                    f"({show_value(actor.created_at)})",
                )
            revoked = self.time(actor.revoked_at or "-1d") if actor.status != "active" else None
            if revoked is not None and t >= revoked:
                self.add(
                    at,
                    f"{what} ({show_value(when)}) is after its key {actor.id!r} was {actor.status} "
                    f"({show_value(actor.revoked_at or '-1d')})",
                )
        elif actor.left is not False:
            left = self.anchor - 30 * DAY if actor.left is True else self.time(str(actor.left))
            if left is not None and t >= left:
                since = "" if actor.left is True else f" ({show_value(actor.left)})"
                self.add(at, f"{what} ({show_value(when)}) is after its user {who} left{since}")

    def check_events(self) -> None:
        for e, event in enumerate(self.scenario.activity.events):
            field = field_path("activity", "events", e)
            self.act(field, event.user, event.time, event.project, "the event")
            self.refs(f"{field}.model", event.model, self.models)
            self.refs(f"{field}.collection", event.collection, self.collections)

    def check_assets(self) -> None:
        self._duplicates("assets", [(i, asset.id) for i, asset in enumerate(self.scenario.assets)])
        for a, asset in enumerate(self.scenario.assets):
            field = field_path("assets", a)
            if asset.id is not None and asset.count != 1:
                self.add(f"{field}.id", f"an id names one asset, but count is {asset.count}: use count 1, or no id")
            owner = asset.owner or next(iter(self.actor_of), None)  # the world's default: its first person
            if not self.users.checked:
                continue
            if owner is not None:
                self.act(field, owner, asset.created_at, asset.project, "the asset", by_default=asset.owner is None)
            else:
                self.add(f"{field}", "an asset needs an owner, and the scenario has no people or API keys")

    def check_jobs(self) -> None:
        self._duplicates("jobs", [(i, job.id) for i, job in enumerate(self.scenario.jobs)])
        for j, job in enumerate(self.scenario.jobs):
            field = field_path("jobs", j)
            self.act(field, job.owner, job.time, job.project, "the job")
            self.refs(f"{field}.model", job.model, self.models)
            if job.error is not None and job.status != "failure":
                self.add(f"{field}.error", f"only a failed job has an error (status is {job.status!r})")
            if job.flow is not None:
                self.check_flow(field, job)

    def check_flow(self, field: str, job: JobSpec) -> None:
        flow = job.flow or []
        if job.job_type != "workflow":
            self.add(f"{field}.flow", f"only workflow jobs have a flow (jobType is {job.job_type!r})")
        nodes: dict[str, FlowNodeSpec] = {}
        for n, node in enumerate(flow):
            if node.id in nodes:
                self.add(f"{field}.flow[{n}].id", f"duplicate node id {node.id!r}")
            nodes.setdefault(node.id, node)
        node_ids = EntityIds("node", "nodes of this flow", list(nodes), list(nodes))
        for n, node in enumerate(flow):
            at = f"{field}.flow[{n}]"
            self.refs(f"{at}.model", node.model, self.models)
            self.refs(f"{at}.loopBody", node.loop_body, node_ids)
            if node.type != "for-each":
                for name, value in (("iterations", node.iterations), ("loopBody", node.loop_body)):
                    if value is not None:
                        self.add(f"{at}.{name}", f"only for-each nodes have {name} (type is {node.type!r})")
            if node.logic is not None and node.type != "logic":
                self.add(f"{at}.logic", f"only logic nodes have logic (type is {node.type!r})")
            if job.status == "success" and node.status not in NODE_DONE:
                self.add(f"{at}.status", f"a successful job cannot have a {node.status!r} node")
            for d, dependency in enumerate(node.depends_on):
                dep_field = f"{at}.dependsOn[{d}]"
                if dependency == node.id:
                    self.add(dep_field, f"node {node.id!r} cannot depend on itself")
                elif dependency not in nodes:
                    self.add(dep_field, node_ids.unknown(dependency))
                elif node.status in STARTED and nodes[dependency].status not in NODE_FEEDS_STARTED:
                    self.add(
                        dep_field,
                        f"a {node.status!r} node cannot depend on {show_value(dependency)}, "
                        f"which is {nodes[dependency].status!r}",
                    )
        cycle = _cycle({node_id: node.depends_on for node_id, node in nodes.items()})
        if cycle:
            index = next(n for n, node in enumerate(flow) if node.id == cycle[0])
            self.add(f"{field}.flow[{index}].dependsOn", "dependency cycle: " + " -> ".join(cycle))


def _in_bounds(at: int) -> bool:
    return EARLIEST_MS <= at < LATEST_MS


def _is_duration(text: str) -> bool:
    try:
        parse_duration(text)
    except ValueError:
        return False
    except OverflowError:
        return True
    return True


def _cycle(edges: dict[str, list[str]]) -> list[str] | None:
    """A dependency cycle as [a, b, ..., a], or None (self-references are reported on their own)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in edges:
        if state.get(start):
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(edges[start]))]
        path = [start]
        state[start] = 1
        while stack:
            node, successors = stack[-1]
            for successor in successors:
                if successor == node or successor not in edges:
                    continue
                if state.get(successor) == 1:
                    return [*path[path.index(successor) :], successor]
                if not state.get(successor):
                    state[successor] = 1
                    path.append(successor)
                    stack.append((successor, iter(edges[successor])))
                    break
            else:
                state[node] = 2
                path.pop()
                stack.pop()
    return None
