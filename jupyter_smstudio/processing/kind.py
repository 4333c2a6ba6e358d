"""Processing jobs as a kind of job the runner runs.

The runner queues, launches, follows, stops and re-attaches them like training
jobs; this module checks the request, lays out ``/opt/ml/processing`` and
``/opt/ml/config`` for every instance, and saves the outputs once the job has
completed.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..compute import ComputeProfile
from ..errors import InvalidInput
from ..jobs.backends import HostPlan, JobBackend, JobPlan, RunShape
from ..jobs.checks import data_source
from ..jobs.kind import JobKind, KindContext, Resolved
from ..jobs.layout import hosts_of
from ..jobs.models import Secondary
from ..jobs.repository import StoredJob
from ..paths import check_path_text, confine, is_remote
from ..runtime.files import atomic_write_json
from . import contract, outputs
from .models import PROCESSING_ROOT, OutputLocation, ProcessingJob, ProcessingJobCreate


@dataclass(frozen=True)
class ResolvedProcessing(Resolved):
    """A valid processing request; paths inside the job are relative to ``/opt/ml``."""

    inputs: dict[str, Path] = field(default_factory=dict)  # inside -> local file or directory
    remote_inputs: dict[str, str] = field(default_factory=dict)  # inside -> fsspec URL


class ProcessingKind(JobKind[ProcessingJobCreate, ResolvedProcessing]):
    name = "processing"
    noun = "processing job"
    running = Secondary.PROCESSING
    messages = {
        Secondary.STARTING: "Preparing the instances for processing",
        Secondary.PROCESSING: "Processing in progress",
        Secondary.UPLOADING: "Saving the outputs",
        Secondary.COMPLETED: "Processing job completed",
        Secondary.STOPPING: "Stopping the processing job",
        Secondary.STOPPED: "The processing job was stopped",
        Secondary.MAX_RUNTIME_EXCEEDED: (
            "Processing job runtime exceeded MaxRuntimeInSeconds provided"
        ),
        Secondary.FAILED: "Processing job failed",
    }
    spec_model = ProcessingJobCreate

    def shape(self, spec: ProcessingJobCreate) -> RunShape:
        return RunShape(
            spec.instance_count, spec.image, bool(spec.container_entrypoint), "container_entrypoint"
        )

    def image(self, spec: ProcessingJobCreate, profile: ComputeProfile) -> str:
        return spec.image or profile.image or ""

    # ---- checks ---------------------------------------------------------------------
    def resolve(
        self, spec: ProcessingJobCreate, runner: KindContext, resolved: Resolved
    ) -> ResolvedProcessing:
        local: dict[str, Path] = {}
        remote: dict[str, str] = {}
        inside: list[str] = []
        _unique([i.input_name for i in spec.inputs], "inputs", "input_name")
        _unique([o.output_name for o in spec.outputs], "outputs", "output_name")
        for i, item in enumerate(spec.inputs):
            where = f"inputs.{i}.destination"
            path = _inside(contract.input_path(item.destination, item.input_name), where)
            source = data_source(runner.root, item.source, f"inputs.{i}.source")
            if isinstance(source, Path):
                local[path] = source
            else:
                remote[path] = source
            inside.append(path)
        for i, out in enumerate(spec.outputs):
            inside.append(
                _inside(contract.output_path(out.source, out.output_name), f"outputs.{i}.source")
            )
            if out.destination is not None and not is_remote(out.destination):
                confine(runner.root, out.destination, f"outputs.{i}.destination")
        clash = contract.overlapping(inside)
        if clash:
            first, second = clash
            field_name = "inputs" if second < len(spec.inputs) else "outputs"
            raise InvalidInput(
                f"{field_name}: the job's paths /opt/ml/{inside[first]} and "
                f"/opt/ml/{inside[second]} overlap; give every input and output its own "
                "directory.",
                field=field_name,
            )
        return ResolvedProcessing(resolved.backend, resolved.profile, local, remote)

    def remote_urls(self, spec: ProcessingJobCreate) -> list[tuple[str, str]]:
        given = [(f"inputs.{i}.source", item.source) for i, item in enumerate(spec.inputs)]
        given += [
            (f"outputs.{i}.destination", o.destination or "") for i, o in enumerate(spec.outputs)
        ]
        return [(where, url) for where, url in given if url and is_remote(url)]

    # ---- before the run -------------------------------------------------------------
    def destinations(
        self, runner: KindContext, job: StoredJob, spec: ProcessingJobCreate
    ) -> list[Path]:
        """Where each output is saved on the server (an s3:// one: the copy uploaded)."""
        found = []
        for out in spec.outputs:
            if out.destination and not is_remote(out.destination):
                given = Path(out.destination.removeprefix("file://"))
                found.append(given if given.is_absolute() else runner.root / given)
            else:
                found.append(runner.output_dir(job.owner, job.name) / out.output_name)
        return found

    async def plan(
        self,
        runner: KindContext,
        job: StoredJob,
        spec: ProcessingJobCreate,
        resolved: ResolvedProcessing,
    ) -> JobPlan:
        backend = runner.backend(job.backend)
        job_dir = runner.job_dir(job.owner, job.name)
        mounts = dict(resolved.inputs)
        for i, (inside, url) in enumerate(sorted(resolved.remote_inputs.items())):
            mounts[inside] = await runner.fetch(job.owner, url, job_dir / "inputs" / str(i))
        sources = [_uri(item.source, runner.root) for item in spec.inputs]
        destinations = self.locations(runner, job, spec)
        written = [contract.output_path(o.source, o.output_name) for o in spec.outputs]
        image = self.image(spec, resolved.profile)
        aws = await runner.job_environment(job, backend.name == "docker")
        hosts = []
        trees = runner.trees(job.owner, job.name, spec.instance_count)
        names = hosts_of(spec.instance_count)
        for host, tree in zip(names, trees, strict=True):
            files = {
                "processingjobconfig.json": contract.processing_config(
                    job.name,
                    spec,
                    base=backend.layout(tree).base,
                    instance_type=resolved.profile.name,
                    image=image,
                    sources=sources,
                    destinations=destinations,
                ),
                "resourceconfig.json": contract.resource_config(resolved.profile.name, names, host),
            }
            await asyncio.to_thread(_prepare_tree, backend, tree, files, mounts, written)
            env = {**aws, "PYTHONUNBUFFERED": "1", **spec.environment}
            hosts.append(HostPlan(host, tree, env))
        return JobPlan(
            id=f"smstudio-proc-{hashlib.sha256(str(job_dir).encode()).hexdigest()[:12]}",
            job_dir=job_dir,
            log_path=runner.log_path(job.owner, job.name),
            hosts=hosts,
            profile=resolved.profile,
            mounts=mounts,
            script_mode=False,
            image=image,
            entrypoint=spec.container_entrypoint,
            arguments=spec.container_arguments or [],
            max_runtime_seconds=spec.max_runtime_seconds,
            grace_seconds=runner.grace_seconds,
        )

    # ---- after the run --------------------------------------------------------------
    def failure_file(self, tree: Path) -> Path:
        return tree / contract.MESSAGE_FILE

    def collect(
        self,
        runner: KindContext,
        job: StoredJob,
        spec: ProcessingJobCreate,
        trees: list[Path],
        completed: bool,
    ) -> None:
        """Save the outputs of every instance, only when the job completed."""
        if not completed:
            return
        inside = [
            contract.relative_path(contract.output_path(o.source, o.output_name)) or ""
            for o in spec.outputs
        ]
        pairs = [
            ([tree / path for tree in trees], destination)
            for path, destination in zip(inside, self.destinations(runner, job, spec), strict=True)
        ]
        outputs.save_outputs(pairs, job.name)

    async def publish(
        self,
        runner: KindContext,
        job: StoredJob,
        spec: ProcessingJobCreate,
        trees: list[Path],
        completed: bool,
    ) -> None:
        """Outputs with an s3:// destination are uploaded there (S3UploadMode EndOfJob)."""
        if not completed:
            return
        saved = self.destinations(runner, job, spec)
        for out, local in zip(spec.outputs, saved, strict=True):
            remote = out.destination and is_remote(out.destination)
            if remote and out.destination and await asyncio.to_thread(local.is_dir):
                await runner.upload(job.owner, local, out.destination)

    def locations(
        self, runner: KindContext, job: StoredJob, spec: ProcessingJobCreate
    ) -> list[str]:
        """Each output's final place: its s3:// destination, else a file:// URI."""
        return [
            o.destination if o.destination and is_remote(o.destination) else d.as_uri()
            for o, d in zip(spec.outputs, self.destinations(runner, job, spec), strict=True)
        ]

    def describe(
        self, runner: KindContext, job: StoredJob, spec: ProcessingJobCreate
    ) -> ProcessingJob:
        locations = [
            OutputLocation(
                output_name=o.output_name,
                path=o.destination if o.destination and is_remote(o.destination) else str(d),
            )
            for o, d in zip(spec.outputs, self.destinations(runner, job, spec), strict=True)
        ]
        return ProcessingJob.model_validate(
            {**job.model_dump(), "spec": spec, "output_locations": locations}
        )


def _unique(names: list[str], field_name: str, key: str) -> None:
    for i, name in enumerate(names):
        if name in names[:i]:
            raise InvalidInput(
                f"{field_name}: '{name}' is used twice; every {key} must be unique.",
                field=f"{field_name}.{i}.{key}",
            )


def _inside(path: str, where: str) -> str:
    relative = contract.relative_path(check_path_text(path, where))
    if relative is None:
        raise InvalidInput(
            f"{where}: '{path}' must be a directory under {PROCESSING_ROOT}/.", field=where
        )
    return relative


def _uri(source: str, root: Path) -> str:
    """An input's source as a URI (the S3Uri of the config)."""
    if is_remote(source):
        return source
    path = Path(source.removeprefix("file://"))
    return (path if path.is_absolute() else root / path).as_uri()


def _prepare_tree(
    backend: JobBackend,
    tree: Path,
    files: dict[str, Any],
    mounts: dict[str, Path],
    written: list[str],
) -> None:
    """``config/``, ``output/``, the inputs and empty output directories of one instance."""
    for name, document in files.items():
        atomic_write_json(tree / contract.CONFIG_DIR / name, document)
    (tree / "output").mkdir(parents=True, exist_ok=True)
    for path in written:
        (tree / (contract.relative_path(path) or "")).mkdir(parents=True, exist_ok=True)
    backend.place_inputs(tree, mounts)
