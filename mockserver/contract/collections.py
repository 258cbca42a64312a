"""The 200 bodies of `GET /collections` (`CollectionListResponse`, paginated) and
`GET /collections/{collectionId}` (`CollectionRetrieveResponse`)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from mockserver.contract.base import WireModel
from mockserver.contract.lists import QueryReader


class CollectionThumbnail(WireModel):
    """The asset shown for a collection."""

    asset_id: str = Field(description="The thumbnail's asset.")
    url: str = Field(description="Where the thumbnail can be downloaded.")


class Collection(WireModel):
    """A collection of assets and models (the same shape in the list and on its own)."""

    id: str = Field(description="Collection id.")
    asset_count: float = Field(description="Assets in the collection.")
    created_at: str = Field(description="Creation date, ISO 8601.")
    item_count: float = Field(description="Items (assets and models) in the collection.")
    model_count: float = Field(description="Models in the collection.")
    name: str = Field(description="Collection name.")
    owner_id: str = Field(description="The owner's id.")
    updated_at: str = Field(description="Last update date, ISO 8601.")
    thumbnail: CollectionThumbnail | None = Field(default=None, description="The collection's thumbnail, if any.")


class CollectionListResponse(WireModel):
    """The 200 body of `GET /collections`: one page, newest first."""

    collections: list[Collection] = Field(description="The page's collections.")
    next_pagination_token: str | None = Field(default=None, description="Token of the next page; absent on the last.")


class CollectionRetrieveResponse(WireModel):
    """The 200 body of `GET /collections/{collectionId}`."""

    collection: Collection = Field(description="The collection.")


@dataclass(frozen=True, slots=True)
class CollectionListQuery:
    """The filters of `GET /collections`, without the page."""

    project_id: str | None = None


def parse_collection_list_query(reader: QueryReader) -> CollectionListQuery:
    """Read the query of `GET /collections`."""
    return CollectionListQuery(project_id=reader.text("projectId"))
