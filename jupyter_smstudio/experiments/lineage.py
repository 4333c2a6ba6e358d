"""Lineage: data → processing job → training job → model / model version → endpoint or
transform, for one user.

The graph is read off the resources themselves when asked (each job's inputs and
outputs, each model's data, each endpoint's models, each version's job and models),
not kept in a second store that could disagree with them: what a resource names is
its lineage. Data is a node per location (an ``s3://`` URI or a path), so a processing
job's output that a training job reads joins the two. A deleted resource leaves the
graph with its edges.
"""

from __future__ import annotations

import functools
import os
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ..errors import NotFound
from ..hosting.models import EndpointQuery, ModelQuery
from ..jobs.repository import StoredJob
from ..jobs.runner import JobRunner
from ..store.paging import ListQuery

if TYPE_CHECKING:
    from ..services import Services

NodeKind = Literal[
    "data", "training-job", "processing-job", "transform-job", "model", "model-package",
    "endpoint",
]  # fmt: skip
T = TypeVar("T")
PAGE = 1000


class LineageNode(BaseModel):
    id: str = Field(description="The resource's ARN, or the data's URI or path.")
    kind: NodeKind
    name: str


class LineageEdge(BaseModel):
    source: str = Field(description="Upstream node id.")
    target: str = Field(description="Downstream node id.")


class LineageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    arn: str = Field(
        min_length=1, max_length=4096, description="A resource's ARN, or a data URI or path."
    )


class LineageGraph(BaseModel):
    arn: str = Field(description="The node asked about.")
    nodes: list[LineageNode]
    edges: list[LineageEdge]


class _Builder:
    def __init__(self, services: Services, owner: str) -> None:
        self.services = services
        self.owner = owner
        self.nodes: dict[str, LineageNode] = {}
        self.edges: set[tuple[str, str]] = set()

    def arn(self, kind: str, name: str) -> str:
        return self.services.aws.config.arn(f"{kind}/{name}", self.owner)

    def resource(self, kind: NodeKind, name: str) -> str:
        node = self.arn(kind, name)
        self.nodes.setdefault(node, LineageNode(id=node, kind=kind, name=name))
        return node

    def data(self, location: str | None) -> str | None:
        if not location:
            return None
        node = _location(location, self.services.jobs.root)
        self.nodes.setdefault(node, LineageNode(id=node, kind="data", name=node))
        return node

    def edge(self, source: str | None, target: str | None) -> None:
        if source and target and source != target:
            self.edges.add((source, target))


def _location(value: str, root: Any) -> str:
    """One id per place: ``file://`` and relative paths as absolute paths, no trailing /."""
    value = value.removeprefix("file://")
    if "://" in value:
        return value.rstrip("/")
    return os.path.normpath(os.path.join(str(root), value))


async def _pages(
    fetch: Callable[[ListQuery], Awaitable[tuple[list[T], str | None]]],
) -> AsyncIterator[T]:
    token = None
    while True:
        items, token = await fetch(ListQuery(limit=PAGE, next_token=token))
        for item in items:
            yield item
        if not token:
            return


async def _rows(
    runner: JobRunner, owner: str, kind: str, query: ListQuery
) -> tuple[list[StoredJob], str | None]:
    return await runner.repository.page_rows(owner, kind, query, None)


async def _jobs(b: _Builder) -> None:
    services, owner = b.services, b.owner
    runner = services.jobs
    for kind in ("training", "processing", "transform"):
        if kind not in runner.kinds:
            continue
        async for job in _pages(functools.partial(_rows, runner, owner, kind)):
            node = b.resource(f"{kind}-job", job.name)  # type: ignore[arg-type]
            spec = job.spec
            if kind == "training":
                for channel in spec.get("channels") or []:
                    b.edge(b.data(channel.get("path")), node)
                described = await runner.describe(owner, job.name, kind)
                b.edge(node, b.data(getattr(described, "model_artifacts", None)))
                request = await services.aws.requests.get(owner, "training", job.name)
                output = ((request or {}).get("OutputDataConfig") or {}).get("S3OutputPath")
                if output:  # the SageMaker API's S3ModelArtifacts
                    b.edge(node, b.data(f"{output.rstrip('/')}/{job.name}/output/model.tar.gz"))
            elif kind == "processing":
                for item in spec.get("inputs") or []:
                    b.edge(b.data(item.get("source")), node)
                for item in spec.get("outputs") or []:
                    b.edge(node, b.data(item.get("destination")))
                described = await runner.describe(owner, job.name, kind)
                for location in getattr(described, "output_locations", []):
                    b.edge(node, b.data(location.path))
            else:
                b.edge(b.data((spec.get("transform_input") or {}).get("data_source")), node)
                b.edge(node, b.data((spec.get("transform_output") or {}).get("output_path")))
                if spec.get("model_name"):
                    b.edge(b.resource("model", spec["model_name"]), node)


async def _hosting(b: _Builder) -> None:
    hosting, owner = b.services.hosting, b.owner

    async def models(q: ListQuery) -> tuple[list[Any], str | None]:
        page = await hosting.list_models(owner, ModelQuery(**q.model_dump()))
        return page.items, page.next_token

    async for model in _pages(models):
        node = b.resource("model", model.name)
        b.edge(b.data(model.model_data), node)
        request = await b.services.aws.requests.get(owner, "model", model.name) or {}
        container = request.get("PrimaryContainer") or {}
        b.edge(b.data(container.get("ModelDataUrl")), node)

    async def endpoints(q: ListQuery) -> tuple[list[Any], str | None]:
        page = await hosting.list_endpoints(owner, EndpointQuery(**q.model_dump()))
        return page.items, page.next_token

    async for endpoint in _pages(endpoints):
        node = b.resource("endpoint", endpoint.name)
        names = {endpoint.endpoint_config_name, endpoint.pending_config_name} - {None}
        for name in names:
            try:
                config = await hosting.get_config(owner, str(name))
            except NotFound:  # deleted since
                continue
            for variant in config.variants:
                b.edge(b.resource("model", variant.model_name), node)


async def _registry(b: _Builder) -> None:
    experiments = b.services.experiments
    if not experiments.available:
        return
    registry = experiments.service
    token = None
    while True:
        versions, token = await registry.versions(b.owner, None, None, PAGE, token, "ASC")
        for version in versions:
            name = f"{version.model_name}/{version.version}"
            node = b.resource("model-package", name)
            if version.source and not version.source.startswith(("mlflow-artifacts:", "runs:")):
                b.edge(b.data(version.source), node)
            kind, _, job = version.tags.get("smstudio.job", "").partition("/")
            if job:
                b.edge(b.resource(f"{kind}-job", job), node)  # type: ignore[arg-type]
            for model in filter(None, version.tags.get("smstudio.models", "").split(",")):
                b.edge(node, b.resource("model", model))
        if not token:
            return


async def lineage(services: Services, owner: str, arn: str) -> LineageGraph:
    """The graph upstream and downstream of ``arn`` (a resource ARN or a data URI)."""
    b = _Builder(services, owner)
    await _jobs(b)
    await _hosting(b)
    await _registry(b)
    start = arn if arn in b.nodes else _location(arn, services.jobs.root)
    if start not in b.nodes:
        raise NotFound(f"arn: nothing of yours is named '{arn}'.", field="arn")
    down: defaultdict[str, set[str]] = defaultdict(set)
    up: defaultdict[str, set[str]] = defaultdict(set)
    for source, target in b.edges:
        down[source].add(target)
        up[target].add(source)
    seen = {start}
    for links in (up, down):  # upstream of start, then downstream: not sideways
        todo = [start]
        while todo:
            for nxt in links[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
    return LineageGraph(
        arn=start,
        nodes=[b.nodes[n] for n in sorted(seen)],
        edges=[
            LineageEdge(source=s, target=t) for s, t in sorted(b.edges) if s in seen and t in seen
        ],
    )
