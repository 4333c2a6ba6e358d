"""Create/Describe/List/Stop of a kind of job, written once for every kind SageMaker has.

SageMaker names the members of each kind alike (``<Kind>JobName``, ``<Kind>JobArn``,
``<Kind>JobStatus``, ``<Kind>StartTime``, ``<Kind>JobSummaries``...), and every kind
is a ``KindService`` on the one job runner, so a kind gives only how its request
becomes the REST request and what its Describe adds. The original request is kept
(``requests``) and answered back by Describe, restricted to the output shape's members.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from ..errors import InvalidInput, NotFound
from ..jobs.models import FINAL, JobQuery, JobRequest, JobSummary
from . import model, tags
from .faults import AwsFault, validation
from .protocol import Call, Operation

if TYPE_CHECKING:
    from ..jobs.service import KindService

SORT_BY = {"Name": "name", "CreationTime": "created", "Status": "created"}
SORT_ORDER = {"Ascending": "asc", "Descending": "desc"}


def seconds(ms: int | None) -> float | None:
    return None if ms is None else ms / 1000


def max_instances() -> int:
    """The most instances a job may have (the REST request's own limit)."""
    for meta in JobRequest.model_fields["instance_count"].metadata:
        if hasattr(meta, "le"):
            return int(meta.le)
    return 1


def check_instances(count: int) -> None:
    if count > max_instances():
        raise AwsFault(
            "ResourceLimitExceeded",
            f"The account-level service limit 'instances per job' is {max_instances()} "
            f"Instances, with current utilization of 0 Instances and a request delta of "
            f"{count} Instances.",
        )


def build(model_class: type[BaseModel], body: dict[str, Any]) -> Any:
    """The REST request ``body`` stands for; its first problem as InvalidInput."""
    try:
        return model_class.model_validate(body)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise InvalidInput(f"{where}: {first['msg']}", field=where) from None


def list_query(
    model_class: type[BaseModel],
    p: dict[str, Any],
    *,
    order: str,
    sorts: dict[str, str] | None = None,
    sort: str = "CreationTime",
    name: str | None = "NameContains",
    **fields: Any,
) -> Any:
    """The query of a List* request: MaxResults, NextToken, the ``name`` filter member,
    SortBy (through ``sorts``, ``sort`` by default), SortOrder (``order`` by default)
    and the operation's own ``fields``."""
    body: dict[str, Any] = {"limit": p.get("MaxResults", 10), "next_token": p.get("NextToken")}
    if name is not None:
        body["name_contains"] = p.get(name)
    if sorts is not None:
        body["sort_by"] = sorts[p.get("SortBy", sort)]
    body["sort_order"] = SORT_ORDER[p.get("SortOrder", order)]
    return build(model_class, {**body, **fields})


@contextmanager
def paging_token() -> Iterator[None]:
    """A NextToken the store cannot read as SageMaker's ValidationException."""
    try:
        yield
    except InvalidInput as err:
        if err.field == "next_token":
            raise validation("Invalid pagination token.") from None
        raise


def in_aws_terms(err: InvalidInput, members: dict[str, str]) -> AwsFault:
    """A REST field's error named by the AWS member it came from (``members``: field ->
    member path), e.g. ``source_dir`` -> ``hyperParameters.sagemaker_submit_directory``."""
    field_name = err.field or ""
    message = err.message
    for rest in sorted(members, key=len, reverse=True):  # the most precise first
        if field_name == rest or field_name.startswith(rest + "."):
            member = members[rest] + field_name[len(rest) :]
            if message.startswith(field_name):
                message = member + message[len(field_name) :]
            break
    return validation(message)


@dataclass(frozen=True)
class JobApi:
    """One kind of job as the SageMaker API names it (``prefix``: Training, Processing)."""

    prefix: str
    kind: str  # the runner's kind name, also the ``Services`` attribute of its service
    to_spec: Callable[[Call, dict[str, Any]], Awaitable[JobRequest]]
    #: Members Describe adds for this kind, from the job and its request (or None).
    details: Callable[[Call, Any, dict[str, Any] | None], dict[str, Any]]
    summary_details: Callable[[Any], dict[str, Any]] = field(default=lambda job: {})
    #: REST request field -> the AWS member it comes from (for error messages).
    members: dict[str, str] = field(default_factory=dict)

    def service(self, call: Call) -> KindService[Any, Any, Any]:
        service: KindService[Any, Any, Any] = getattr(call.services, self.kind)
        return service

    def arn(self, call: Call, name: str) -> str:
        return call.aws.config.arn(f"{self.prefix.lower()}-job/{name}", call.owner)

    def member(self, suffix: str) -> str:
        return f"{self.prefix}{suffix}"

    async def create(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        try:
            spec = await self.to_spec(call, p)
            await self.service(call).create(call.owner, spec)
        except InvalidInput as err:
            raise in_aws_terms(err, self.members) from err
        await call.aws.requests.put(call.owner, self.kind, spec.name, p)
        await tags.keep(call, f"{self.prefix.lower()}-job", spec.name, p.get("Tags"))
        return {self.member("JobArn"): self.arn(call, spec.name)}

    def describe_job(self, call: Call, job: Any, request: dict[str, Any] | None) -> dict[str, Any]:
        op = model.operation("sagemaker", f"Describe{self.prefix}Job")
        assert op is not None
        assert op.output_shape is not None
        known = op.output_shape.members
        answer: dict[str, Any] = {k: v for k, v in (request or {}).items() if k in known}
        answer.update(self.details(call, job, request))
        common = {
            self.member("JobName"): job.name,
            self.member("JobArn"): self.arn(call, job.name),
            self.member("JobStatus"): job.status.value,
            "FailureReason": job.failure_reason,
            "CreationTime": seconds(job.created_ms),
            self.member("StartTime"): seconds(job.started_ms),
            self.member("EndTime"): seconds(job.ended_ms) if job.status in FINAL else None,
            "LastModifiedTime": seconds(job.modified_ms),
        }
        # What every kind has, as far as this kind's shape has it (not every one
        # reports LastModifiedTime).
        answer.update({k: v for k, v in common.items() if k in known})
        return answer

    async def describe(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        name = p[self.member("JobName")]
        job = await self.service(call).get(call.owner, name)
        return self.describe_job(
            call, job, await call.aws.requests.get(call.owner, self.kind, name)
        )

    def summary(self, call: Call, job: JobSummary) -> dict[str, Any]:
        return {
            self.member("JobName"): job.name,
            self.member("JobArn"): self.arn(call, job.name),
            "CreationTime": seconds(job.created_ms),
            self.member("EndTime"): seconds(job.ended_ms),
            "LastModifiedTime": seconds(job.modified_ms),
            self.member("JobStatus"): job.status.value,
            **self.summary_details(job),
        }

    async def list(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        query = list_query(
            JobQuery, p, sorts=SORT_BY, order="Ascending", status=p.get("StatusEquals")
        )
        with paging_token():
            page = await self.service(call).list(call.owner, query)
        items = [
            self.summary(call, job)
            for job in page.items
            if _within(job.created_ms, p.get("CreationTimeAfter"), p.get("CreationTimeBefore"))
            and _within(
                job.modified_ms, p.get("LastModifiedTimeAfter"), p.get("LastModifiedTimeBefore")
            )
        ]
        return {self.member("JobSummaries"): items, "NextToken": page.next_token}

    async def stop(self, call: Call, p: dict[str, Any]) -> dict[str, Any]:
        name = p[self.member("JobName")]
        try:
            await self.service(call).stop(call.owner, name)
        except NotFound:
            noun = f"{self.prefix} job"
            raise AwsFault("ResourceNotFound", f"{noun} {name} does not exist.") from None
        return {}

    def operations(self) -> dict[str, Operation]:
        noun = f"{self.prefix}Job"
        return {
            f"Create{noun}": self.create,
            f"Describe{noun}": self.describe,
            f"List{noun}s": self.list,
            f"Stop{noun}": self.stop,
        }


def _within(ms: int, after: float | None, before: float | None) -> bool:
    return (after is None or ms > after * 1000) and (before is None or ms < before * 1000)
