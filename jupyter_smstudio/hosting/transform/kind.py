"""Batch transform as a kind of job the runner runs (queue, limits, backends, one log).

The runner queues, launches, follows, stops and re-attaches transforms like training
jobs. This kind lays out the job's ``/opt/ml`` tree (the model, its code, the inputs
and the package the transform runner comes from, as mounts), runs
``hosting/transform/runner.py`` in it, and copies what it wrote under
``/opt/ml/output/data`` to the user's output path once the job has ended (files that
succeeded are kept whatever the end, as before).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ...compute import ComputeProfile
from ...jobs.backends import HostPlan, JobPlan, RunShape
from ...jobs.kind import JobKind, KindContext, Resolved
from ...jobs.models import JobRequest, Secondary
from ...jobs.repository import StoredJob
from ...paths import is_remote
from ...runtime.files import atomic_write_json, read_json
from ..backends.docker import DEFAULT_IMAGE
from ..backends.local import PACKAGE_PARENT
from ..models import TransformJob, TransformJobCreate, TransformProgress

DEFAULT_ACCEPT = "application/json"
RUNNER_MODULE = "jupyter_smstudio.hosting.transform.runner"
#: Where inside ``/opt/ml`` things are mounted and written.
MODEL, CODE, INPUT, LIB, OUTPUT = "model", "code", "input/data", "lib", "output/data"
SPEC_FILE, PROGRESS_FILE, FAILURE_FILE = "job.json", "progress.json", "failure"
#: Transforms had no runtime limit; the runner's largest keeps it so in practice.
MAX_RUNTIME = 28 * 86400


class ModelRun(BaseModel):
    """The model as prepared when the job was created (on the server's disk)."""

    model_dir: str
    code_dir: str | None = None
    program: str
    environment: dict[str, str] = Field(default_factory=dict)
    requirements: str | None = None


class TransformRequest(JobRequest):
    """The runner's spec of a transform: the REST request as given, plus what was resolved.

    ``legacy`` is the document of a job created before transforms ran on the runner
    (migrated from ``hosting_transform_jobs``); such a job is only described.
    """

    transform: TransformJobCreate
    model: ModelRun | None = None
    source: str = ""  # the data source on the server's disk
    output: str = ""  # the output directory on the server's disk
    files_total: int = 0
    startup_timeout: float = 60
    legacy: dict[str, Any] | None = None


class TransformKind(JobKind[TransformRequest, Resolved]):
    name = "transform"
    noun = "transform job"
    running = Secondary.PROCESSING
    messages = {
        Secondary.STARTING: "Starting the model server",
        Secondary.PROCESSING: "Transforming the input files",
        Secondary.UPLOADING: "Saving the outputs",
        Secondary.COMPLETED: "Transform job completed",
        Secondary.STOPPING: "Stopping the transform job",
        Secondary.STOPPED: "The transform job was stopped",
        Secondary.FAILED: "Transform job failed",
    }
    spec_model = TransformRequest

    def parse(self, spec: dict[str, Any]) -> TransformRequest:
        if "transform" in spec:
            return TransformRequest.model_validate(spec)
        create = {k: v for k, v in spec.items() if k in TransformJobCreate.model_fields}
        return TransformRequest(
            name=spec["name"], transform=TransformJobCreate.model_validate(create), legacy=spec
        )

    def shape(self, spec: TransformRequest) -> RunShape:
        return RunShape(1, spec.image, True, "model_name")

    def image(self, spec: TransformRequest, profile: ComputeProfile) -> str:
        return spec.image or profile.image or DEFAULT_IMAGE

    def resolve(self, spec: TransformRequest, runner: KindContext, resolved: Resolved) -> Resolved:
        return resolved  # the paths and the model were checked when the job was created

    def remote_urls(self, spec: TransformRequest) -> list[tuple[str, str]]:
        given = [
            ("transform_input.data_source", spec.transform.transform_input.data_source),
            ("transform_output.output_path", spec.transform.transform_output.output_path),
        ]
        return [(where, url) for where, url in given if is_remote(url)]

    async def plan(
        self, runner: KindContext, job: StoredJob, spec: TransformRequest, resolved: Resolved
    ) -> JobPlan:
        data = spec.transform.transform_input.data_source
        if is_remote(data):  # fetched now, when the job starts
            fetched = await runner.fetch(
                job.owner, data, runner.job_dir(job.owner, job.name) / "s3"
            )
            spec = spec.model_copy(update={"source": str(fetched)})
        return await asyncio.to_thread(self._plan, runner, job, spec, resolved)

    async def publish(
        self,
        runner: KindContext,
        job: StoredJob,
        spec: TransformRequest,
        trees: list[Path],
        completed: bool,
    ) -> None:
        """The ``.out`` files to an s3:// output path (``<S3OutputPath>/<file>.out``)."""
        output = spec.transform.transform_output.output_path
        if is_remote(output) and await asyncio.to_thread(Path(spec.output).is_dir):
            await runner.upload(job.owner, Path(spec.output), output)

    def _plan(
        self, runner: KindContext, job: StoredJob, spec: TransformRequest, resolved: Resolved
    ) -> JobPlan:
        assert spec.model is not None, "a migrated job is never launched"
        backend = runner.backend(job.backend)
        job_dir = runner.job_dir(job.owner, job.name)
        (tree,) = runner.trees(job.owner, job.name, 1)
        base = backend.layout(tree).base
        source, model = Path(spec.source), spec.model
        mounts = {
            MODEL: Path(model.model_dir),
            INPUT: source,
            f"{LIB}/jupyter_smstudio": Path(PACKAGE_PARENT) / "jupyter_smstudio",
        }
        if model.code_dir:
            mounts[CODE] = Path(model.code_dir)
        venv = None
        if model.requirements is not None:
            from ...training.jobfiles import envcache

            key = envcache.requirements_key(Path(model.requirements))
            venv = f"{backend.job_paths(tree)['venvs']}/{key}"
        request = spec.transform
        runner_spec = {
            "name": job.name,
            "model": {
                "model_dir": f"{base}/{MODEL}",
                "code_dir": f"{base}/{CODE}" if model.code_dir else None,
                "program": model.program,
                "environment": {**model.environment, **request.environment},
                "venv": venv,
            },
            "inputs": [
                {"path": f"{base}/{INPUT}/{relative}", "relative": relative}
                for relative in input_files(source)
            ],
            "output_dir": f"{base}/{OUTPUT}",
            "content_type": request.transform_input.content_type,
            "split_type": request.transform_input.split_type,
            "batch_strategy": request.batch_strategy or "SingleRecord",
            "max_payload_in_mb": request.max_payload_in_mb,
            "max_concurrent_transforms": request.max_concurrent_transforms,
            "accept": request.transform_output.accept or DEFAULT_ACCEPT,
            "assemble_with": request.transform_output.assemble_with,
            "data_processing": request.data_processing.model_dump()
            if request.data_processing
            else None,
            "invocation_timeout": 600,
            "startup_timeout": spec.startup_timeout,
        }
        (tree / OUTPUT).mkdir(parents=True, exist_ok=True)
        atomic_write_json(tree / SPEC_FILE, runner_spec)
        backend.place_inputs(tree, mounts)
        env = {"PYTHONPATH": f"{base}/{LIB}", "PYTHONUNBUFFERED": "1"}
        return JobPlan(
            id=f"smstudio-transform-{job_dir.parent.name}-{job.name}"[:120],
            job_dir=job_dir,
            log_path=runner.log_path(job.owner, job.name),
            hosts=[HostPlan("algo-1", tree, env)],
            profile=resolved.profile,
            mounts=mounts,
            script_mode=False,
            image=self.image(spec, resolved.profile),
            entrypoint=["python3", "-m", RUNNER_MODULE, base],
            arguments=[],
            max_runtime_seconds=spec.max_runtime_seconds,
            grace_seconds=runner.grace_seconds,
            python_envs=venv is not None,
        )

    def failure_file(self, tree: Path) -> Path:
        return tree / FAILURE_FILE

    def collect(
        self,
        runner: KindContext,
        job: StoredJob,
        spec: TransformRequest,
        trees: list[Path],
        completed: bool,
    ) -> None:
        """Every ``.out`` the run wrote (only whole files are), whatever the job's end."""
        written = trees[0] / OUTPUT
        target = Path(spec.output)
        for path in sorted(p for p in written.rglob("*") if p.is_file()):
            dest = target / path.relative_to(written)
            dest.parent.mkdir(parents=True, exist_ok=True)
            partial = dest.with_name(f".{dest.name}.partial")
            shutil.copyfile(path, partial)
            os.replace(partial, dest)  # readers never see half a file

    def describe(self, runner: KindContext, job: StoredJob, spec: TransformRequest) -> TransformJob:
        """Blocking (reads the run's progress): the runner calls it in a thread."""
        times = {
            k: getattr(job, k) for k in ("created_ms", "modified_ms", "started_ms", "ended_ms")
        }
        if spec.legacy is not None:
            return TransformJob.model_validate(
                {
                    **spec.legacy,
                    "status": job.status.value,
                    "failure_reason": job.failure_reason or spec.legacy.get("failure_reason"),
                }
            )
        (tree,) = runner.trees(job.owner, job.name, 1)
        progress = read_json(tree / PROGRESS_FILE) if job.run else None
        return TransformJob(
            **spec.transform.model_dump(),
            owner=job.owner,
            status=job.status.value,
            failure_reason=job.failure_reason,
            progress=TransformProgress.model_validate(progress)
            if progress
            else TransformProgress(files_total=spec.files_total),
            job_dir=str(runner.job_dir(job.owner, job.name)),
            **times,
        )


def input_files(source: Path) -> list[str]:
    """The files of a data source, relative to it (a file: its name), dot files left out."""
    if source.is_file():
        return [source.name]
    files = sorted(p for p in source.rglob("*") if p.is_file() and not p.name.startswith("."))
    return [str(p.relative_to(source)) for p in files]
