"""The scenario document of the imported world (`Builder`): its frame, entities and events put together."""

from __future__ import annotations

from typing import Any

from mockserver.proxy.importer.entities import Entities
from mockserver.proxy.importer.events import Events
from mockserver.world.clock import DAY, floor_to, format_ms
from mockserver.world.timeline import Event


class Builder(Entities, Events):
    """The scenario document the captures show."""

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
        if self.team_id is not None:
            document["team"] = {"id": self.team_id}
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
