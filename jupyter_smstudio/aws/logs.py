"""CloudWatch Logs as far as the SageMaker SDK reads it: jobs' logs as log streams.

Log groups ``/aws/sagemaker/TrainingJobs`` and ``/aws/sagemaker/ProcessingJobs``
hold one stream per job, ``<job>/algo-1-<creation epoch>`` as SageMaker names
them, over the job's own log (the one the REST API and the Lab show);
``/aws/sagemaker/Endpoints/<name>`` one per instance, ``<variant>/<instance id>``. Each line
is an event; lines carry no time of their own, so an event's timestamp is the
job's start. Tokens are byte offsets in the log (``f/<offset>``), so
``sagemaker.logs_for_job`` and ``fit(logs=True)`` follow a running job.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import NotFound
from ..hosting.models import LogQuery
from ..jobs.models import JobQuery, JobSummary
from .faults import AwsFault
from .protocol import Call, Operation

if TYPE_CHECKING:
    from ..jobs.service import KindService

GROUPS = {
    "/aws/sagemaker/TrainingJobs": "training",
    "/aws/sagemaker/ProcessingJobs": "processing",
}
MAX_EVENT_BYTES = 1 << 20
HOST = "algo-1"


ENDPOINTS = "/aws/sagemaker/Endpoints/"
#: Reads a stream from a byte offset: (text, whether no more will come).
Reader = Callable[[int], Awaitable[tuple[str, bool]]]


def _service(call: Call, group: str) -> KindService[Any, Any, Any]:
    kind = GROUPS.get(group)
    if kind is None:
        raise _no_group()
    service: KindService[Any, Any, Any] = getattr(call.services, kind)
    return service


def _no_group() -> AwsFault:
    return AwsFault("ResourceNotFoundException", "The specified log group does not exist.")


def stream_name(job: JobSummary) -> str:
    return f"{job.name}/{HOST}-{job.created_ms // 1000}"


@dataclass(frozen=True)
class Stream:
    name: str
    created_ms: int
    timestamp: int  # every event's: lines carry no time of their own
    modified_ms: int
    size: int
    read: Reader


def _job_stream(service: KindService[Any, Any, Any], owner: str, job: JobSummary) -> Reader:
    async def read(cursor: int) -> tuple[str, bool]:
        chunk = await service.logs(owner, job.name, cursor, MAX_EVENT_BYTES)
        return chunk.text, chunk.finished

    return read


async def _stream(service: KindService[Any, Any, Any], owner: str, name: str) -> Stream | None:
    """The job's stream, once it has written something."""
    try:
        job = await service.get(owner, name)
        chunk = await service.logs(owner, name, 0, 1)
    except NotFound:
        return None
    if not chunk.size:
        return None
    started = job.started_ms or job.created_ms
    reader = _job_stream(service, owner, job)
    return Stream(stream_name(job), job.created_ms, started, job.modified_ms, chunk.size, reader)


async def _endpoint_streams(call: Call, group: str) -> list[Stream]:
    """``<variant>/<instance id>`` of each instance of the endpoint the group names."""
    name = group.removeprefix(ENDPOINTS)
    hosting = call.services.hosting
    try:
        endpoint = await hosting.get_endpoint(call.owner, name)
    except NotFound:
        raise _no_group() from None
    streams = []
    for variant in endpoint.variants:
        for index, instance in enumerate(variant.instances):
            query = LogQuery(variant=variant.variant_name, instance=index)
            size = (await hosting.logs(call.owner, name, query)).size
            reader = _instance_reader(call, name, query)
            stream = f"{variant.variant_name}/{instance.id}"
            created, modified = endpoint.created_ms, endpoint.modified_ms
            streams.append(Stream(stream, created, created, modified, size, reader))
    return streams


def _instance_reader(call: Call, endpoint: str, query: LogQuery) -> Reader:
    async def read(cursor: int) -> tuple[str, bool]:
        at = query.model_copy(update={"cursor": cursor})
        page = await call.services.hosting.logs(call.owner, endpoint, at)
        return page.text, False  # an instance's log never ends while it runs

    return read


async def _streams(call: Call, group: str, prefix: str, limit: int) -> list[Stream]:
    """Streams whose name starts with ``prefix`` (a job name, maybe with its host part)."""
    if group.startswith(ENDPOINTS):
        return [s for s in await _endpoint_streams(call, group) if s.name.startswith(prefix)]
    service = _service(call, group)
    job_name, slash, _ = prefix.partition("/")
    exact = await _stream(service, call.owner, job_name) if job_name else None
    if exact is not None or slash:
        return [exact] if exact is not None and exact.name.startswith(prefix) else []
    page = await service.list(call.owner, JobQuery(limit=limit, name_contains=job_name or None))
    streams = [await _stream(service, call.owner, job.name) for job in page.items]
    return [s for s in streams if s is not None and s.name.startswith(prefix)]


async def _find(call: Call, group: str, name: str) -> Stream:
    if group.startswith(ENDPOINTS):
        found = [s for s in await _endpoint_streams(call, group) if s.name == name]
        stream = found[0] if found else None
    else:
        stream = await _stream(_service(call, group), call.owner, name.partition("/")[0])
    if stream is None or stream.name != name:
        raise AwsFault("ResourceNotFoundException", "The specified log stream does not exist.")
    return stream


def _describe(call: Call, group: str, stream: Stream) -> dict[str, Any]:
    arn = call.aws.config.arn(f"log-group:{group}:log-stream:{stream.name}", call.owner, "logs")
    return {
        "logStreamName": stream.name,
        "creationTime": stream.created_ms,
        "firstEventTimestamp": stream.timestamp,
        "lastEventTimestamp": stream.timestamp,
        "lastIngestionTime": stream.modified_ms,
        "arn": arn,
        "storedBytes": stream.size,
    }


async def describe_log_streams(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    group = p["logGroupName"]
    streams = await _streams(call, group, p.get("logStreamNamePrefix", ""), p.get("limit", 50))
    if p.get("orderBy") == "LastEventTime":
        streams.sort(key=lambda s: s.modified_ms)
    else:
        streams.sort(key=lambda s: s.name)
    if p.get("descending"):
        streams.reverse()
    return {"logStreams": [_describe(call, group, s) for s in streams]}


async def _events(
    call: Call, group: str, stream: str, cursor: int, limit: int
) -> tuple[list[dict[str, Any]], int, Stream]:
    """Complete lines of ``stream`` from byte ``cursor``, and the offset after them."""
    found = await _find(call, group, stream)
    text, finished = await found.read(cursor)
    if not finished and not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]  # a line still being written waits
    lines = text.splitlines(keepends=True)[:limit]
    consumed = sum(len(line.encode()) for line in lines)
    events = [
        {
            "timestamp": found.timestamp,
            "message": line.rstrip("\n"),
            "ingestionTime": found.modified_ms,
        }
        for line in lines
    ]
    return events, cursor + consumed, found


def _offset(token: str | None, field: str) -> int:
    if not token:
        return 0
    direction, _, offset = token.partition("/")
    if direction not in ("f", "b") or not offset.isdigit():
        raise AwsFault("InvalidParameterException", f"The {field} is invalid.")
    return int(offset)


async def get_log_events(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    cursor = _offset(p.get("nextToken"), "nextToken")
    events, after, _ = await _events(
        call, p["logGroupName"], p["logStreamName"], cursor, p.get("limit", 10000)
    )
    events = [e for e in events if _in_window(e["timestamp"], p)]
    return {"events": events, "nextForwardToken": f"f/{after}", "nextBackwardToken": f"b/{cursor}"}


def _in_window(timestamp: int, p: dict[str, Any]) -> bool:
    start, end = p.get("startTime"), p.get("endTime")
    return (start is None or timestamp >= start) and (end is None or timestamp < end)


def _matches(message: str, pattern: str) -> bool:
    """Filter patterns as plain terms: every term (or quoted phrase) must occur."""
    pattern = pattern.strip()
    if not pattern:
        return True
    if pattern.startswith('"') and pattern.endswith('"'):
        return pattern.strip('"') in message
    return all(term in message for term in pattern.split())


async def filter_log_events(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    """Events of the named streams (or those with the prefix), stream after stream."""
    group = p["logGroupName"]
    limit = p.get("limit", 10000)
    if p.get("logStreamNames"):
        names = list(p["logStreamNames"])
    else:
        names = [s.name for s in await _streams(call, group, p.get("logStreamNamePrefix", ""), 50)]
    names.sort()
    position = _position(p.get("nextToken"))
    index, cursor = position if position else (0, 0)
    out: list[dict[str, Any]] = []
    while index < len(names) and len(out) < limit:
        events, after, _ = await _events(call, group, names[index], cursor, limit - len(out))
        for number, event in enumerate(events):
            if _in_window(event["timestamp"], p) and _matches(
                event["message"], p.get("filterPattern", "")
            ):
                out.append(
                    {
                        **event,
                        "logStreamName": names[index],
                        "eventId": f"{index}-{cursor}-{number}",
                    }
                )
        if after == cursor or not events:
            index, cursor = index + 1, 0
        else:
            cursor = after
    token = _token(index, cursor) if index < len(names) else None
    return {"events": out, "nextToken": token}


def _token(index: int, cursor: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([index, cursor]).encode()).decode()


def _position(token: str | None) -> tuple[int, int] | None:
    if not token:
        return None
    try:
        index, cursor = json.loads(base64.urlsafe_b64decode(token.encode()))
        return int(index), int(cursor)
    except (ValueError, TypeError):
        raise AwsFault("InvalidParameterException", "The nextToken is invalid.") from None


OPERATIONS: dict[str, Operation] = {
    "DescribeLogStreams": describe_log_streams,
    "GetLogEvents": get_log_events,
    "FilterLogEvents": filter_log_events,
}
