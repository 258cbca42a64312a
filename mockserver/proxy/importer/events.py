"""The events of the imported world: the captured activity exactly, once each, with the job and asset bodies it
references verbatim; then the filler events `mockserver.proxy.synthesis` adds where the series count more."""

from __future__ import annotations

from typing import Any

import orjson

from mockserver.contract.enums import ACTIONS, JOB_TYPES
from mockserver.generate.ids import make_id
from mockserver.proxy.importer.captures import Exchange
from mockserver.proxy.importer.frame import STEP, Frame
from mockserver.world.catalog import CATALOG
from mockserver.world.clock import floor_to, parse_instant
from mockserver.world.timeline import Event

ACTIVITY_PAGE = 100


class Events(Frame):
    """The recorded events the captures show and the filler events they need."""

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
        from mockserver.proxy.synthesis import PageTarget, synthesize, target_from_body

        targets = []
        covered: list[tuple[int, int]] = []
        pages: dict[Any, dict[int, Exchange]] = {}
        for ex in self.exchanges:
            q = ex.query
            start, end = q.window(self.now, "last-seven-days")
            if self.is_filtered(ex):
                what = (
                    "a filtered query"
                    if q.team_id in (None, self.team_id)
                    else f"a query of another team {q.team_id!r}"
                )
                self.notes.append(f"{ex.source}: {what}: compared, but its numbers do not shape the world")
                continue
            shown = next((r.get("granularity") for r in ex.body.get("usages") or () if isinstance(r, dict)), None)
            step = STEP[shown] if isinstance(shown, str) and shown in STEP else self.step_of(end - start)
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
        page_targets: list[PageTarget] = []
        for (start, end), by_offset in pages.items():
            limit = min(end, self.now + 1)
            consumed: set[int] = set()
            # Each run of pages 100 apart: from its first page to a short one (every older event listed) or a gap.
            for begin in sorted(by_offset):
                if begin in consumed:
                    continue
                offset, newest, oldest, complete = begin, None, None, False
                while offset in by_offset:
                    consumed.add(offset)
                    items = by_offset[offset].body["activity"]
                    if items:
                        oldest = parse_instant(items[-1]["time"])
                        newest = parse_instant(items[0]["time"]) if newest is None else newest
                    if len(items) < ACTIVITY_PAGE:
                        complete = True
                        break
                    offset += ACTIVITY_PAGE
                if begin == 0:
                    top = limit  # the first page: every event up to the window's end is listed
                elif newest is not None:
                    # A page past the first: its items are every event from its last to its first; newer ones
                    # (as many as its offset) are not known, and are made up (`PageTarget`).
                    top = newest + 1
                    page_targets.append(PageTarget(by_offset[begin].source, newest, limit, begin))
                else:
                    continue  # an empty page past the first: the window holds at most that many events
                if complete:
                    covered.append((start, top))
                elif oldest is not None:
                    covered.append((oldest, top))
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
            pages=page_targets,
        )
        self.notes.extend(result.problems)
        return result.events


def _identity(item: dict[str, Any]) -> tuple[Any, ...]:
    return (item["time"], item["userId"], item["action"], item.get("projectId"), orjson.dumps(item.get("data") or {}))
