"""The entities of the imported world: people and API keys of `entities.users`, the models in `modelUsages` order, the
NSFW labels and the collections."""

from __future__ import annotations

from typing import Any

from mockserver.generate.ids import make_id
from mockserver.proxy.importer.frame import Frame
from mockserver.world.clock import format_ms


class Entities(Frame):
    """The entities the captures show."""

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
