"""The 200 bodies of `GET /v1/jobs` and `GET /v1/jobs/{jobId}`: a job with its progress, status history and
billing; its `metadata` (inputs, outputs, workflow flow) is the `/usages` entity's. And the list's typed query."""

from __future__ import annotations

from dataclasses import dataclass, replace

from pydantic import Field

from mockserver.contract.base import WireModel
from mockserver.contract.entities import JobMetadata
from mockserver.contract.enums import JOB_STATUSES, JOB_TYPES, JobStatus, JobType
from mockserver.contract.lists import QueryReader


class JobStatusChange(WireModel):
    """One entry of a job's status history: a status and when the job reached it."""

    date: str = Field(description="When the job reached the status, UTC ISO 8601 with milliseconds.")
    status: JobStatus = Field(description="The status reached.")


class JobBillingCostDetails(WireModel):
    """Compute Units charged for a job's add-ons (fees on top of the generation), per action."""

    ip_detection: float | None = Field(default=None, alias="ip-detection", description="IP detection fee.")
    quality_gate: float | None = Field(default=None, alias="quality-gate", description="Quality-gate fee.")


class JobBilling(WireModel):
    """What a job cost."""

    cu_cost: float = Field(description="Compute Units charged, add-ons included.")
    cu_cost_details: JobBillingCostDetails | None = Field(
        default=None, description="Part of `cuCost` charged for add-ons, per action."
    )
    cu_discount: float = Field(description="Compute Units discounted.")
    disable_refund: bool | None = Field(
        default=None, description="The credits are not refunded automatically if the generation fails."
    )


class Job(WireModel):
    """A job as `jobs.retrieve` and `jobs.list` return it (the `/usages` entity plus dates, progress, billing)."""

    author_id: str | None = Field(default=None, description="The author's user id.")
    billing: JobBilling | None = Field(default=None, description="The billing of the job.")
    created_at: str = Field(description="Creation date, ISO 8601 (e.g. `2023-02-03T11:19:41.579Z`).")
    job_id: str = Field(description="The job id (`job_...`).")
    job_type: JobType = Field(description="The type of job.")
    metadata: JobMetadata = Field(description="Inputs, outputs and, for workflow jobs, the flow.")
    owner_id: str | None = Field(default=None, description="The owner id (a project or team).")
    progress: float = Field(description="Progress of the job, between 0 and 1.")
    status: JobStatus = Field(description="The current status of the job.")
    status_history: list[JobStatusChange] = Field(description="The statuses the job went through, with when.")
    updated_at: str = Field(description="Last update date, ISO 8601.")


class JobRetrieveResponse(WireModel):
    """The 200 body of `GET /v1/jobs/{jobId}`."""

    job: Job = Field(description="The job.")


class JobListResponse(WireModel):
    """The 200 body of `GET /v1/jobs`: one page of jobs, newest first."""

    jobs: list[Job] = Field(description="The page's jobs.")
    next_pagination_token: str | None = Field(default=None, description="Token of the next page; absent on the last.")


RECENT_WINDOW = 30 * 24 * 3_600_000  # the 30 days of `authorId` and `hideResults=false`


@dataclass(frozen=True, slots=True)
class JobListQuery:
    """The filters of `GET /v1/jobs` (without `pageSize` and `paginationToken`), instants in epoch ms."""

    status: str | None = None
    types: tuple[str, ...] | None = None  # from `types`, or else `type`
    author_id: str | None = None
    project_id: str | None = None
    workflow_id: str | None = None
    created_after: int | None = None  # exclusive
    updated_after: int | None = None  # exclusive
    hide_results: bool | None = None

    @property
    def by_update(self) -> bool:
        """Whether the list is ordered by `updatedAt` (a status, type or workflow filter), not by `createdAt`."""
        return self.status is not None or self.types is not None or self.workflow_id is not None

    def since(self, now: int) -> int | None:
        """The earliest sort instant (createdAt, or updatedAt when `by_update`) a listed job may have; None: any.

        `authorId` or `hideResults=false` limit the list to the last 30 days unless `createdAfter` or `updatedAfter`
        is given (and overrides that window).
        """
        after = self.updated_after if self.by_update else self.created_after
        if after is not None:
            return after + 1
        if self.author_id is not None or self.hide_results is False:
            return now - RECENT_WINDOW
        return None


def parse_job_list_query(reader: QueryReader) -> JobListQuery:
    """The typed filters of a jobs.list query; a 400 for a bad value or a refused combination (unless lenient).

    `type` and `types` accept the 40 job types of the response body (the contract's filter lists 36 of them);
    `type` is ignored when `types` is given, as documented.
    """
    status = reader.choice("status", JOB_STATUSES)
    many = reader.choices("types", JOB_TYPES)
    if many is None and not reader.has("types"):
        one = reader.choice("type", JOB_TYPES)
        many = [one] if one is not None else None
    query = JobListQuery(
        status=status,
        types=tuple(dict.fromkeys(many)) if many else None,
        author_id=reader.text("authorId"),
        project_id=reader.text("projectId"),
        workflow_id=reader.text("workflowId"),
        created_after=reader.instant("createdAfter"),
        updated_after=reader.instant("updatedAfter"),
        hide_results=reader.boolean("hideResults"),
    )
    if query.created_after is not None and query.by_update:
        reader.fail(
            "createdAfter is only allowed without status, type, types and workflowId, which sort jobs by update "
            "date: use updatedAfter with them"
        )
        query = replace(query, created_after=None)
    if query.updated_after is not None and not query.by_update:
        reader.fail(
            "updatedAfter is only allowed with status, type, types or workflowId: without them jobs are sorted by "
            "creation date, use createdAfter"
        )
        query = replace(query, updated_after=None)
    return query
