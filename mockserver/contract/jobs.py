"""The 200 bodies of `GET /v1/jobs` and `GET /v1/jobs/{jobId}`: a job with its progress, status history and
billing; its `metadata` (inputs, outputs, workflow flow) is the `/usages` entity's, shared from `entities`."""

from __future__ import annotations

from pydantic import Field

from mockserver.contract.base import WireModel
from mockserver.contract.entities import JobMetadata
from mockserver.contract.enums import JobStatus, JobType


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
