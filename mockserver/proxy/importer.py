"""`mockserver import`: captured `/v1/usages` answers become a scenario whose world gives them back.

The world is built from what the captures show: the team (its id, when a query named it), the people and API keys of
`entities.users`, the projects of the activity, the models in `modelUsages` order, the collections, the NSFW labels,
the captured activity events exactly (`recorded.events`), the job and asset bodies verbatim (`recorded.jobs`,
`recorded.assets`), and filler events (`mockserver.proxy.synthesis`) wherever the series and the consumption rows
count more than the listed events explain. The clock is frozen at an instant every capture agrees with. The scenario
is then served in memory and each captured query compared with its capture: what differs is listed, with the reason.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml

from mockserver.contract.enums import ACTIONS, JOB_TYPES
from mockserver.contract.query import UsageQuery, parse_usage_query
from mockserver.contract.versions import LATEST_VERSION
from mockserver.errors import CaptureError, QueryError
from mockserver.generate.ids import make_id
from mockserver.proxy.capture import Capture, capture_files, read_capture
from mockserver.world.catalog import CATALOG
from mockserver.world.clock import DAY, floor_to, format_ms, parse_instant
from mockserver.world.timeline import Event
from mockserver.world.world import COARSEST, DEFAULT_GRANULARITY
from mockserver.worlds import NOW_HEADER, SCENARIO_HEADER

USAGE_KEYS = frozenset(
    {"usages", "modelUsages", "assetUsages", "nsfwUsages", "qualityGateUsages", "consumption", "activity", "entities"}
)
ACTIVITY_PAGE = 100
DEFAULT_NAME = "imported"


@dataclass
class Exchange:
    """One captured `/usages` 200 answer, with its query parsed the way the mock parses it."""

    capture: Capture
    body: dict[str, Any]
    query: UsageQuery

    @property
    def source(self) -> str:
        return self.capture.source

    @property
    def relative(self) -> bool:
        return self.query.start is None


@dataclass
class Imported:
    """What `import_captures` made: the scenario document, its YAML, and what it does not reproduce."""

    name: str
    document: dict[str, Any]
    text: str
    now: int
    notes: list[str] = field(default_factory=list)  # what is not reproduced exactly, and why
    compared: int = 0  # captures served again and compared
    equal: int = 0  # of those, how many came out JSON-equal


def import_captures(paths: Sequence[Path], name: str | None = None) -> Imported:
    """Read the captures named (files or directories) and build the scenario that reproduces them."""
    files = capture_files(paths)
    if not files:
        raise CaptureError(", ".join(map(str, paths)) or "<none>", "", "no capture files (expected *.json)")
    captures = [read_capture(path) for path in files]
    notes: list[str] = []
    exchanges = [e for e in (_exchange(c, notes) for c in captures) if e is not None]
    if not exchanges:
        raise CaptureError(
            captures[0].source if len(captures) == 1 else f"{len(captures)} captures",
            "",
            "no capture is a 200 answer of GET /v1/usages: nothing to import",
        )
    worlds = sorted({str(e.capture.request_headers.get(SCENARIO_HEADER, "")) for e in exchanges})
    if len(worlds) > 1:
        shown = ", ".join(repr(w) if w else "(the default)" for w in worlds)
        notes.append(f"the captures asked for different worlds (X-Mock-Scenario {shown}): imported into one")
    builder = _Builder(exchanges, name or DEFAULT_NAME, notes)
    document = builder.build()
    text = dump_scenario(document)
    imported = Imported(builder.name, document, text, builder.now, notes)
    _compare(imported, exchanges)
    return imported


def write_scenario(imported: Imported, target: Path) -> None:
    """Write the scenario file whole, or not at all (written aside, then renamed into place)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(imported.text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- reading the captures --------------------------------------------------------------------------------------------
def _exchange(capture: Capture, notes: list[str]) -> Exchange | None:
    if capture.endpoint != "usages.list":
        notes.append(f"{capture.source}: not imported: {capture.path} is not GET /v1/usages")
        return None
    if capture.status != 200:
        notes.append(f"{capture.source}: not imported: an error answer ({capture.status})")
        return None
    body = capture.body
    if capture.text is not None or not isinstance(body, dict):
        raise CaptureError(capture.source, "$.response.body", "not a JSON object: a usages body is one")
    if not body or not set(body) & USAGE_KEYS:
        found = ", ".join(map(repr, list(body)[:5])) or "none"
        raise CaptureError(
            capture.source,
            "$.response.body" if capture.time is not None or capture.request_headers else "$.body",
            f"not a usages body: expected some of {', '.join(sorted(USAGE_KEYS))}; found keys {found}",
        )
    _check_contract(capture, body)
    try:
        query = parse_usage_query(capture.params)
    except QueryError as exc:
        raise CaptureError(capture.source, "$.request.query", f"the query is one the API refuses: {exc}") from None
    return Exchange(capture, body, query)


def _check_contract(capture: Capture, body: dict[str, Any]) -> None:
    """CaptureError at the first place the body breaks the newest contract (what the SDK would refuse)."""
    from mockserver.proxy.contracts import check_contracts

    violations = check_contracts("usages.list", body).get(LATEST_VERSION)
    if violations:
        first = violations[0]
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        raise CaptureError(
            capture.source,
            first.path,
            f"breaks the {LATEST_VERSION} contract: {first.reason}{more}",
        )


# -- building the world ----------------------------------------------------------------------------------------------
class _Builder:
    def __init__(self, exchanges: list[Exchange], name: str, notes: list[str]) -> None:
        self.exchanges = exchanges
        self.name = name
        self.notes = notes
        self.table: list[tuple[int | None, str]] = [(longest, name) for longest, name, _ in DEFAULT_GRANULARITY]
        self.table.append((None, COARSEST[0]))
        self._granularity()
        self.now = self._instant()

    # The instant: every capture's window must come out with the buckets it shows, and after its newest event.
    def _instant(self) -> int:
        low, high = -(2**62), 2**62
        for ex in self.exchanges:
            lo, hi = _instant_bounds(ex, self.step_of)
            low, high = max(low, lo), min(high, hi)
        if low > high:
            self.notes.append(
                "the captures were answered at different instants (their windows disagree): the clock is frozen at "
                f"{format_ms(low)}, and captures made earlier come out different"
            )
            return low
        # The instant each answer was given: a mockserver upstream says it (`X-Mock-Now`: its clock may be frozen),
        # else the capture's time (when the request arrived: its answer came a little later). The latest that fits.
        fitting = []
        for ex in self.exchanges:
            announced = ex.capture.response_headers.get(NOW_HEADER)
            at = ex.capture.time
            if announced:
                with contextlib.suppress(ValueError):
                    at = parse_instant(announced)
            if at is not None and low <= at <= high:
                fitting.append(at)
        if fitting:
            return max(fitting)
        if high == 2**62:  # only custom windows: after all of them, so that each is wholly in the past
            return max(low, *(ex.query.window(0, "last-seven-days")[1] for ex in self.exchanges))
        return low

    def build(self) -> dict[str, Any]:
        users = self._users()
        events, jobs, assets = self._listed_events(users)
        projects = sorted({e.project for e in events}) or ["proj_imported"]
        models = self._models()
        labels = self._labels()
        collections = self._collections()
        events = self._synthesize(events, users, models, labels, projects)
        start = min((e.t for e in events), default=self.now) if events else self.now
        created = format_ms(floor_to(min(start, self._earliest()), DAY) - DAY)
        document: dict[str, Any] = {
            "name": self.name,
            "description": f"Imported by `mockserver import` from {len(self.exchanges)} captured /v1/usages answers.",
            "seed": 0,
            "clock": {"now": format_ms(self.now)},
        }
        if self.settings_granularity is not None:
            document["settings"] = {"granularity": self.settings_granularity}
        team_ids = {ex.query.team_id for ex in self.exchanges if ex.query.team_id}
        if len(team_ids) == 1:
            document["team"] = {"id": team_ids.pop()}
        document["projects"] = [{"id": p} for p in projects]
        document["people"] = [self._person(u, created) for u in users.values() if not u["isApiKey"]]
        document["apiKeys"] = [self._key(u, created) for u in users.values() if u["isApiKey"]]
        document["models"] = models
        document["collections"] = collections
        document["nsfwLabels"] = labels
        document["recorded"] = {
            "events": [_event_document(e) for e in sorted(events, key=lambda e: (e.t, e.key))],
            "jobs": jobs,
            "assets": assets,
        }
        return document

    def _earliest(self) -> int:
        return min(ex.query.window(self.now, "last-seven-days")[0] for ex in self.exchanges)

    # Granularity: the mock's table, unless the captures show another one; then a table that gives what they show
    # (window lengths do not depend on the instant: a named range has its length, a custom window its dates).
    def _granularity(self) -> None:
        seen: dict[int, str] = {}
        for ex in self.exchanges:
            rows = [r for r in ex.body.get("usages") or () if isinstance(r, dict) and "granularity" in r]
            if rows:
                start, end = ex.query.window(0, "last-seven-days")
                seen[end - start] = rows[0]["granularity"]
        table: list[tuple[int | None, str]] = [(longest, name) for longest, name, _ in DEFAULT_GRANULARITY]
        table.append((None, COARSEST[0]))
        for length, name in sorted(seen.items()):
            if _lookup(table, length) != name:
                index = next(i for i, (longest, _) in enumerate(table) if longest is None or length <= longest)
                table.insert(index, (length, name))  # windows up to this length take what the capture shows
        self.settings_granularity: list[dict[str, str]] | None = None
        if table == [*((longest, name) for longest, name, _ in DEFAULT_GRANULARITY), (None, COARSEST[0])]:
            return
        if any(_lookup(table, length) != name for length, name in seen.items()):
            self.notes.append("the captures disagree on the granularity of a window length: the mock's table is kept")
            return
        self.table = table
        steps = [{"upTo": _duration(longest), "granularity": name} for longest, name in table if longest is not None]
        steps.append({"upTo": _duration((table[-2][0] or 0) + DAY), "granularity": table[-1][1]})
        self.settings_granularity = steps
        self.notes.append(
            "the captures show another granularity table than the mock's: the scenario sets settings.granularity"
        )

    def step_of(self, length: int) -> int:
        return _STEP[_lookup(self.table, length)]

    def _users(self) -> dict[str, dict[str, Any]]:
        users: dict[str, dict[str, Any]] = {}
        for ex in self.exchanges:
            for user in (ex.body.get("entities") or {}).get("users") or ():
                users.setdefault(user["id"], user)
        referenced: set[str] = set()
        for ex in self.exchanges:
            referenced.update(row["userId"] for row in ex.body.get("consumption") or ())
            referenced.update(item["userId"] for item in ex.body.get("activity") or ())
        for user_id in sorted(referenced - set(users)):
            self.notes.append(f"user {user_id!r} is referenced but in no capture's entities: imported without details")
            api = user_id.startswith("apiu_")
            users[user_id] = {"id": user_id, "isApiKey": api, "apiKeyStatus": "active"} if api else {"id": user_id}
            users[user_id].setdefault("isApiKey", api)
        return users

    def _person(self, user: dict[str, Any], created: str) -> dict[str, Any]:
        person: dict[str, Any] = {"id": user["id"]}
        if "fullName" not in user:
            person["left"] = format_ms(self.now)  # left by the capture's instant: the entity keeps only its id
            person["avatar"] = False
            return person
        person["name"] = user["fullName"]
        if "email" in user:
            person["email"] = user["email"]
        avatar = user.get("avatar")
        if isinstance(avatar, dict) and isinstance(avatar.get("url"), str):
            person["avatar"] = avatar["url"]
            if isinstance(avatar.get("assetId"), str):
                person["avatarAssetId"] = avatar["assetId"]
        else:
            person["avatar"] = False
        person["joinedAt"] = created
        return person

    def _key(self, user: dict[str, Any], created: str) -> dict[str, Any]:
        key: dict[str, Any] = {
            "id": user.get("apiKeyId") or make_id("api_", 0, "imported-key", user["id"]),
            "userId": user["id"],
            "status": user.get("apiKeyStatus", "active"),
            "createdAt": created,
        }
        if key["status"] != "active":
            key["revokedAt"] = format_ms(self.now)
        return key

    def _models(self) -> list[dict[str, Any]]:
        order: list[str] = []
        for ex in self.exchanges:
            for row in ex.body.get("modelUsages") or ():
                if row["modelId"] not in order:
                    order.append(row["modelId"])
        entities: dict[str, dict[str, Any]] = {}
        for ex in self.exchanges:
            for model in (ex.body.get("entities") or {}).get("models") or ():
                entities.setdefault(model["id"], model)
            for item in ex.body.get("activity") or ():
                model_id = (item.get("data") or {}).get("modelId")
                if model_id and model_id not in order and model_id not in entities:
                    entities[model_id] = {"id": model_id}
        for model_id in entities:
            if model_id not in order:
                order.append(model_id)
                if any("modelUsages" in ex.body for ex in self.exchanges):
                    self.notes.append(
                        f"model {model_id!r} is named but has no modelUsages row: served, it gets a zero row"
                    )
        models = []
        for model_id in order:
            entity = entities.get(model_id, {})
            spec: dict[str, Any] = {"id": model_id}
            if "name" in entity:
                spec["name"] = entity["name"]
            if entity:
                spec["shortDescription"] = entity.get("shortDescription", False)
            models.append(spec)
        return models

    def _labels(self) -> list[str]:
        labels: list[str] = []
        seen_rows = False
        for ex in self.exchanges:
            if "nsfwUsages" in ex.body:
                seen_rows = True
                for row in ex.body["nsfwUsages"]:
                    if row["label"] not in labels:
                        labels.append(row["label"])
        return labels if seen_rows else ["explicit-nudity", "suggestive", "violence"]

    def _collections(self) -> list[dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for ex in self.exchanges:
            for collection in (ex.body.get("entities") or {}).get("collections") or ():
                found.setdefault(collection["id"], {"id": collection["id"], "name": collection.get("name", "")})
            for item in ex.body.get("activity") or ():
                cid = (item.get("data") or {}).get("collectionId")
                if cid and cid not in found:
                    found[cid] = {"id": cid}
        return [found[c] for c in sorted(found)]

    # The captured activity: each event once, exactly as shown; the entity bodies it references, verbatim.
    def _listed_events(
        self, users: dict[str, dict[str, Any]]
    ) -> tuple[list[Event], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        jobs: dict[str, dict[str, Any]] = {}
        assets: dict[str, dict[str, Any]] = {}
        for ex in self.exchanges:
            entities = ex.body.get("entities") or {}
            for job in entities.get("jobs") or ():
                jobs.setdefault(job["id"], job)
            for asset in entities.get("assets") or ():
                assets.setdefault(asset["id"], asset)
        events: dict[tuple[Any, ...], Event] = {}
        order: dict[tuple[Any, ...], tuple[int, int]] = {}  # identity -> (time, rank within its instant)
        for ex in self.exchanges:
            items = ex.body.get("activity") or ()
            for position, item in enumerate(items):
                identity = _identity(item)
                if identity in events:
                    continue
                events[identity] = self._event(ex, item, users, jobs, assets)
                order[identity] = (events[identity].t, -(ex.query.activity_offset + position))
        ranked = sorted(order, key=lambda k: order[k])
        for rank, identity in enumerate(ranked):
            events[identity].key = rank - len(ranked) - 1_000_000  # below every filler key: listed events keep order
        used_jobs = {e.job for e in events.values() if e.job}
        used_assets = {e.asset for e in events.values() if e.asset}
        return (
            [events[k] for k in ranked],
            {j: jobs[j] for j in sorted(jobs) if j in used_jobs},
            {a: assets[a] for a in sorted(assets) if a in used_assets},
        )

    def _event(
        self,
        ex: Exchange,
        item: dict[str, Any],
        users: dict[str, dict[str, Any]],
        jobs: dict[str, dict[str, Any]],
        assets: dict[str, dict[str, Any]],
    ) -> Event:
        data = item.get("data") or {}
        action = item["action"]
        info = CATALOG.get(action)
        user = item["userId"]
        api = bool(users.get(user, {}).get("isApiKey"))
        if bool(data.get("isApiKey")) != api:
            self.notes.append(
                f"{ex.source}: an event of {user!r} at {item['time']} says isApiKey {bool(data.get('isApiKey'))}, "
                "but its user is " + ("an API key" if api else "a person") + ": served, it follows the user"
            )
        cost = round(float(item.get("creativeUnitsCost") or 0) * 1000)
        job_id = data.get("jobId")
        job = jobs.get(job_id) if job_id else None
        job_type = None
        if job_id:
            job_type = (job or {}).get("jobType") or (info.job_type if info else None) or "inference"
            if job_type not in JOB_TYPES:
                job_type = "inference"
        elif "creativeUnitsCost" in item and not cost:
            self.notes.append(
                f"{ex.source}: an event of {user!r} at {item['time']} shows creativeUnitsCost 0 without a job; "
                "served, it has none (the mock shows it on jobs and charged events only)"
            )
        asset_id = data.get("assetId")
        asset = assets.get(asset_id) if asset_id else None
        byok = data.get("byokProvider")
        return Event(
            t=parse_instant(item["time"]),
            seq=0,
            action=action if action in ACTIONS else "custom",
            usage_row=info.usage_row if info else None,
            user=user,
            api=api,
            project=item.get("projectId") or "proj_imported",
            cost=cost,
            model=data.get("modelId"),
            job=job_id,
            job_type=job_type,
            job_status=(job or {}).get("status", "success") if job_id else None,
            asset=asset_id,
            asset_kind=(asset or {}).get("kind", "image") if asset_id else None,
            asset_source=(asset or {}).get("source"),
            asset_type=((asset or {}).get("metadata") or {}).get("type"),
            created=bool(asset_id) and (info is None or info.references != "asset"),
            collection=data.get("collectionId"),
            byok=(byok["id"], byok["displayName"]) if isinstance(byok, dict) else None,
        )

    def _synthesize(
        self,
        events: list[Event],
        users: dict[str, dict[str, Any]],
        models: list[dict[str, Any]],
        labels: list[str],
        projects: list[str],
    ) -> list[Event]:
        from mockserver.proxy.synthesis import synthesize, target_from_body

        targets = []
        covered: list[tuple[int, int]] = []
        pages: dict[Any, dict[int, Exchange]] = {}
        for ex in self.exchanges:
            q = ex.query
            start, end = q.window(self.now, "last-seven-days")
            if q.user_ids is not None or q.project_ids is not None or q.team_id is not None:
                self.notes.append(f"{ex.source}: a filtered query: compared, but its numbers do not shape the world")
                continue
            shown = next((r.get("granularity") for r in ex.body.get("usages") or () if isinstance(r, dict)), None)
            step = _STEP[shown] if isinstance(shown, str) and shown in _STEP else self.step_of(end - start)
            first = floor_to(start, step)
            count = -(-(end - first) // step)
            limit = min(end, self.now + 1)
            try:
                targets.append(target_from_body(ex.source, ex.body, start, limit, step, first, count))
            except ValueError as exc:  # points off the buckets the mock would have: its series shape nothing
                self.notes.append(f"{ex.source}: its series are not on the mock's buckets ({exc}): not reproduced")
            if "activity" in ex.body:
                signature = (start, end)
                pages.setdefault(signature, {})[q.activity_offset] = ex
        for (start, end), by_offset in pages.items():
            offset, oldest, complete = 0, None, False
            while offset in by_offset:
                items = by_offset[offset].body["activity"]
                if items:
                    oldest = parse_instant(items[-1]["time"])
                if len(items) < ACTIVITY_PAGE:
                    complete = True
                    break
                offset += ACTIVITY_PAGE
            limit = min(end, self.now + 1)
            if complete:
                covered.append((start, limit))
            elif oldest is not None:
                covered.append((oldest, limit))
        people = [u for u, v in users.items() if not v["isApiKey"]]
        api_users = [u for u, v in users.items() if v["isApiKey"]]
        created_users: list[dict[str, Any]] = []

        def new_user(is_api_key: bool) -> str:
            user_id = make_id("apiu_" if is_api_key else "", 0, "imported-user", len(created_users))
            user: dict[str, Any] = {"id": user_id, "isApiKey": is_api_key}
            if is_api_key:
                user["apiKeyStatus"] = "active"
            created_users.append(user)
            users[user_id] = user
            return user_id

        result = synthesize(
            targets,
            events,
            people=people,
            api_users=api_users,
            models=[m["id"] for m in models],
            nsfw_labels=labels,
            covered=covered,
            projects=projects,
            new_user=new_user,
        )
        self.notes.extend(result.problems)
        return result.events


_STEP = {name: step for _, name, step in DEFAULT_GRANULARITY} | {COARSEST[0]: COARSEST[1]}


def _lookup(table: Sequence[tuple[int | None, str]], length: int) -> str:
    for longest, name in table:
        if longest is None or length <= longest:
            return name
    return table[-1][1]


def _duration(ms: int) -> str:
    for unit, size in (("d", DAY), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def _instant_bounds(ex: Exchange, step_of: Callable[[int], int]) -> tuple[int, int]:
    """The instants at which the upstream could have given this body: [low, high] in epoch ms."""
    low, high = -(2**62), 2**62
    for item in ex.body.get("activity") or ():
        low = max(low, parse_instant(item["time"]) + 1)
    rows = [r for r in ex.body.get("usages") or () if r.get("points")]
    if not ex.relative or not rows:
        return low, high
    q = ex.query
    from mockserver.contract.query import _TIME_RANGE_MS  # the lengths of the named ranges

    length = _TIME_RANGE_MS[q.time_range or "last-seven-days"]
    step = step_of(length)
    step = _STEP.get(rows[0].get("granularity"), step)
    points = rows[0]["points"]
    first, last = parse_instant(points[0]["time"]), parse_instant(points[-1]["time"])
    if q.drop_zero_points:  # the points shown are some of the buckets: only that now is after the last one
        return max(low, last + 1), high
    # first == floor(now - length, step), and the last bucket holds now - 1 ms: last < now <= last + step.
    low = max(low, first + length, last + 1)
    high = min(high, first + length + step - 1, last + step)
    return low, high


def _identity(item: dict[str, Any]) -> tuple[Any, ...]:
    return (item["time"], item["userId"], item["action"], item.get("projectId"), orjson.dumps(item.get("data") or {}))


def _event_document(e: Event) -> dict[str, Any]:
    doc: dict[str, Any] = {"time": format_ms(e.t), "action": e.action, "user": e.user, "project": e.project}
    if e.cost:
        doc["cost"] = _cu(e.cost)
    if e.discount:
        doc["discount"] = _cu(e.discount)
    if e.model is not None:
        doc["model"] = e.model
    if e.collection is not None:
        doc["collection"] = e.collection
    if e.job is not None:
        doc["job"] = e.job
        doc["jobType"] = e.job_type or "inference"
        if e.job_status and e.job_status != "success":
            doc["jobStatus"] = e.job_status
    if e.asset is not None:
        doc["asset"] = e.asset
        if e.asset_kind and e.asset_kind != "image":
            doc["assetKind"] = e.asset_kind
        if e.created:
            doc["created"] = True
    if e.verdict is not None:
        doc["verdict"] = e.verdict
    if e.qg_cost:
        doc["qualityGateCost"] = _cu(e.qg_cost)
    if e.nsfw is not None:
        doc["nsfw"] = e.nsfw
    if e.byok is not None:
        doc["byok"] = {"id": e.byok[0], "displayName": e.byok[1]}
    return doc


def _cu(milli: int) -> int | float:
    return milli // 1000 if milli % 1000 == 0 else milli / 1000


# -- writing and checking --------------------------------------------------------------------------------------------
class _Dumper(yaml.SafeDumper):
    pass


class _Flow(dict[str, Any]):
    """A mapping written on one line (`{time: ..., action: ...}`): one recorded event per line."""


_Dumper.add_representer(_Flow, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True))


def dump_scenario(document: dict[str, Any]) -> str:
    """The scenario as YAML: sections in block style, each recorded event on one line."""
    doc = dict(document)
    recorded = dict(doc.get("recorded") or {})
    recorded["events"] = [_Flow(e) for e in recorded.get("events") or ()]
    doc["recorded"] = recorded
    header = (
        "# yaml-language-server: $schema=https://raw.githubusercontent.com/mockserver/scenario.schema.json\n"
        "# Written by `mockserver import`: edit freely; `recorded` holds what the captures showed.\n"
    )
    body = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)
    return header + body


def _compare(imported: Imported, exchanges: Iterable[Exchange]) -> None:
    """Serve the scenario in memory; note every captured query whose answer is not JSON-equal to its capture."""
    from mockserver.scenario.loader import load_scenario_text
    from mockserver.world.builder import build_world
    from mockserver.world.report import build_report

    scenario = load_scenario_text(imported.text, f"<{imported.name}.yaml>")
    world = build_world(scenario)
    for ex in exchanges:
        served = orjson.loads(orjson.dumps(build_report(world, ex.query, imported.now)))
        imported.compared += 1
        difference = first_difference(ex.body, served)
        if difference is None:
            imported.equal += 1
        else:
            path, captured, got = difference
            imported.notes.append(
                f"{ex.source}: served again, {path} differs: captured {_short(captured)}, served {_short(got)}"
            )


def first_difference(expected: Any, actual: Any, path: str = "$") -> tuple[str, Any, Any] | None:
    """The first JSON path where two documents differ (numbers compared as numbers), or None."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected.keys() | actual.keys():
            if key not in expected or key not in actual:
                return f"{path}.{key}", expected.get(key, "<absent>"), actual.get(key, "<absent>")
        for key in expected:
            found = first_difference(expected[key], actual[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        for i, (a, b) in enumerate(zip(expected, actual, strict=False)):
            found = first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        if len(expected) != len(actual):
            return f"{path}.length", len(expected), len(actual)
        return None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return None if expected is actual else (path, expected, actual)
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return None if expected == actual else (path, expected, actual)
    return None if expected == actual else (path, expected, actual)


def _short(value: Any) -> str:
    text = orjson.dumps(value).decode() if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
