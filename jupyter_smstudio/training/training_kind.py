"""Training jobs as one kind of job: script mode, the training contract, packed artifacts."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import hashlib
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

from .. import algorithms
from ..compute import ComputeProfile
from ..jobs.backends import HostPlan, JobBackend, JobPlan, RunShape
from ..jobs.kind import JobKind, KindContext, Resolved
from ..jobs.models import FINAL
from ..jobs.remote import unpacked
from ..jobs.repository import StoredJob
from ..paths import is_remote
from . import contract, workspace
from .jobfiles import envcache
from .models import Secondary, TrainingJob, TrainingJobCreate
from .validation import ResolvedJob, code_in, resolve

ARTIFACTS = ("model.tar.gz", "output.tar.gz")
#: ``sagemaker_region``/``SAGEMAKER_REGION`` when the server's environment names none.
REGION = "us-east-1"
#: What runs inside a script-mode job: the launcher and the toolkit stand-ins.
JOBFILES = Path(__file__).resolve().parent / "jobfiles"
#: The directory holding the ``jupyter_smstudio`` package (for algorithm jobs' path).
PACKAGE_ROOT = Path(algorithms.__file__).resolve().parents[2]


class TrainingKind(JobKind[TrainingJobCreate, ResolvedJob]):
    name = "training"
    noun = "training job"
    running = Secondary.TRAINING
    messages = {
        Secondary.STARTING: "Preparing the instances for training",
        Secondary.DOWNLOADING: "Downloading input data and installing requirements",
        Secondary.TRAINING: "Training in progress",
        Secondary.UPLOADING: "Uploading generated training model",
        Secondary.COMPLETED: "Training job completed",
        Secondary.STOPPING: "Stopping the training job",
        Secondary.STOPPED: "The training job was stopped",
        Secondary.MAX_RUNTIME_EXCEEDED: (
            "Training job runtime exceeded MaxRuntimeInSeconds provided"
        ),
        Secondary.FAILED: "Training job failed",
    }
    spec_model = TrainingJobCreate

    def shape(self, spec: TrainingJobCreate) -> RunShape:
        command = bool(spec.entry_point or spec.algorithm)
        return RunShape(spec.instance_count, spec.image, command, "entry_point")

    def image(self, spec: TrainingJobCreate, profile: ComputeProfile) -> str:
        return spec.image or profile.image or ""

    def resolve(
        self, spec: TrainingJobCreate, runner: KindContext, resolved: Resolved
    ) -> ResolvedJob:
        return resolve(spec, root=runner.root, base=resolved)

    def artifact_dir(self, runner: KindContext, job: StoredJob, spec: TrainingJobCreate) -> Path:
        """On the server's disk (with an s3:// output_path, the copy ``publish`` uploads)."""
        local = None if spec.output_path and is_remote(spec.output_path) else spec.output_path
        return runner.output_dir(job.owner, job.name, local)

    def remote_urls(self, spec: TrainingJobCreate) -> list[tuple[str, str]]:
        given = [(f"channels.{n}.path", c.path) for n, c in spec.channels.items()] + [
            ("source_dir", spec.source_dir or ""),
            ("output_path", spec.output_path or ""),
            ("checkpoint_path", spec.checkpoint_path or ""),
        ]
        return [(where, url) for where, url in given if url and is_remote(url)]

    async def plan(
        self,
        runner: KindContext,
        job: StoredJob,
        spec: TrainingJobCreate,
        resolved: ResolvedJob,
    ) -> JobPlan:
        backend = runner.backend(job.backend)
        job_dir = runner.job_dir(job.owner, job.name)
        trees = runner.trees(job.owner, job.name, spec.instance_count)
        hosts = contract.hosts_of(spec.instance_count)
        if spec.source_dir is not None and is_remote(spec.source_dir):
            resolved = await _fetch_code(runner, job, spec, resolved)
        channels = dict(resolved.channels)
        sharded: dict[str, str] = {}  # each host fetches its own share, into its tree
        for name, url in resolved.remote_channels.items():
            if spec.instance_count > 1 and spec.channels[name].distribution == "ShardedByS3Key":
                sharded[name] = url
            else:
                channels[name] = await runner.fetch(
                    job.owner, url, job_dir / "channels" / name,
                    manifest=spec.channels[name].data_type == "ManifestFile",
                )  # fmt: skip
        script_mode = resolved.entry_point is not None or spec.algorithm is not None
        encoded = contract.encode_hyperparameters(spec.hyperparameters)
        user_args = contract.to_cmd_args(
            contract.split_hyperparameters(contract.decode_hyperparameters(encoded))[0]
        )
        profile = resolved.profile
        cpus = int(-(-profile.cpus // 1)) if profile.cpus else len(os.sched_getaffinity(0))
        venv = await asyncio.to_thread(_venv_key, backend, resolved)
        detected = await asyncio.to_thread(visible_gpus)
        gpus = (
            detected
            if profile.cpus is None and profile.memory_gib is None
            else min(detected, profile.gpus)
        )
        mounts = {f"input/data/{name}": path for name, path in channels.items()}
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or REGION
        aws = await runner.job_environment(job, backend.name == "docker")
        plans = []
        for index, (host, tree) in enumerate(zip(hosts, trees, strict=True)):
            layout = backend.layout(tree)
            host_hps = (
                contract.with_reserved_hyperparameters(
                    encoded,
                    job_name=job.name,
                    entry_point=resolved.entry_point or "",
                    code_dir=layout.code,
                    region=region,
                )
                if resolved.entry_point is not None
                else encoded
            )
            ctx = contract.JobContext(
                job_name=job.name,
                entry_point=resolved.entry_point or "",
                hyperparameters=host_hps,
                region=region,
                channels={n: c.content_type for n, c in spec.channels.items()},
                instance_type=profile.name,
                hosts=hosts,
                current_host=host,
                layout=layout,
                num_cpus=cpus,
                num_gpus=gpus,
            )
            env = {**aws, **contract.sm_environment(ctx), **spec.environment}
            env["PYTHONPATH"] = layout.code
            launch = (
                _launch_spec(backend, resolved, layout, user_args, venv) if script_mode else None
            )
            if spec.algorithm is not None and launch is not None:
                _algorithm_launch(launch, env, spec.algorithm)
            await asyncio.to_thread(
                _prepare_tree, backend, tree, resolved, contract.config_files(ctx), launch, mounts
            )
            for name, url in sharded.items():
                share = (index, len(hosts))
                await runner.fetch(
                    job.owner, url, tree / "input/data" / name, share, required=False,
                    manifest=spec.channels[name].data_type == "ManifestFile",
                )  # fmt: skip
            if spec.checkpoint_path and is_remote(spec.checkpoint_path):
                await runner.fetch(
                    job.owner, spec.checkpoint_path, tree / "checkpoints", required=False
                )
            plans.append(HostPlan(host, tree, env))
        arguments = spec.container_arguments if spec.container_arguments is not None else ["train"]
        return JobPlan(
            id=f"smstudio-train-{hashlib.sha256(str(job_dir).encode()).hexdigest()[:12]}",
            job_dir=job_dir,
            log_path=runner.log_path(job.owner, job.name),
            hosts=plans,
            profile=profile,
            mounts=mounts,
            script_mode=script_mode,
            image=self.image(spec, profile),
            entrypoint=spec.container_entrypoint,
            arguments=arguments,
            max_runtime_seconds=spec.max_runtime_seconds,
            grace_seconds=runner.grace_seconds,
            jobfiles=JOBFILES if script_mode else None,
        )

    def stages(self, spec: TrainingJobCreate, tree: Path) -> list[tuple[str, int]] | None:
        return workspace.read_stages(tree) if spec.entry_point else None

    def metric_patterns(self, spec: TrainingJobCreate) -> dict[str, re.Pattern[str]]:
        patterns = {m.name: re.compile(m.regex) for m in spec.metric_definitions}
        if spec.algorithm is not None:  # the algorithm's own metrics, as SageMaker records
            for metric in algorithms.get(spec.algorithm).SPEC.metrics:
                patterns.setdefault(metric.name, re.compile(metric.regex))
        return patterns

    def failure_file(self, tree: Path) -> Path:
        return tree / "output" / "failure"

    def collect(
        self,
        runner: KindContext,
        job: StoredJob,
        spec: TrainingJobCreate,
        trees: list[Path],
        completed: bool,
    ) -> None:
        """Pack model/ and output/data whatever the outcome (as SageMaker does); checkpoints."""
        workspace.pack_artifacts(trees, self.artifact_dir(runner, job, spec))
        checkpoint = _checkpoint(runner.root, spec.checkpoint_path)
        for tree in trees[:1]:
            workspace.save_checkpoints(tree, checkpoint, settled_before=None)

    async def publish(
        self,
        runner: KindContext,
        job: StoredJob,
        spec: TrainingJobCreate,
        trees: list[Path],
        completed: bool,
    ) -> None:
        """model.tar.gz and output.tar.gz to ``<output_path>/<job>/output/``, checkpoints
        to ``checkpoint_path``, when they are s3:// (whatever the outcome, as SageMaker)."""
        if spec.output_path and is_remote(spec.output_path):
            local = self.artifact_dir(runner, job, spec)
            remote = _remote_output(spec.output_path, job.name)
            for name in ARTIFACTS:
                if await asyncio.to_thread((local / name).is_file):
                    await runner.upload(job.owner, local / name, f"{remote}/{name}")
        checkpoints = trees[0] / "checkpoints"
        to = spec.checkpoint_path
        if to and is_remote(to) and await asyncio.to_thread(checkpoints.is_dir):
            await runner.upload(job.owner, checkpoints, to)

    def while_running(self, runner: KindContext, spec: TrainingJobCreate, tree: Path) -> None:
        """Checkpoints reach ``checkpoint_path`` while the job runs, not only at its end."""
        checkpoint = _checkpoint(runner.root, spec.checkpoint_path)
        if checkpoint is not None:
            settled = time.time() - runner.poll_seconds
            workspace.save_checkpoints(tree, checkpoint, settled_before=settled)

    def describe(self, runner: KindContext, job: StoredJob, spec: TrainingJobCreate) -> TrainingJob:
        public = TrainingJob.model_validate({**job.model_dump(), "spec": spec})
        if job.status in FINAL:
            out = str(self.artifact_dir(runner, job, spec))
            if spec.output_path and is_remote(spec.output_path):
                out = _remote_output(spec.output_path, job.name)
            public.model_artifacts = f"{out}/model.tar.gz"
            public.output_artifacts = f"{out}/output.tar.gz"
        return public


def _remote_output(output_path: str, job: str) -> str:
    """``<S3OutputPath>/<job>/output``, as SageMaker names it."""
    return f"{output_path.rstrip('/')}/{job}/output"


async def _fetch_code(
    runner: KindContext, job: StoredJob, spec: TrainingJobCreate, resolved: ResolvedJob
) -> ResolvedJob:
    """An s3:// source_dir (the SDK's sourcedir.tar.gz), fetched and unpacked for the job."""
    assert spec.source_dir is not None
    job_dir = runner.job_dir(job.owner, job.name)
    fetched = await runner.fetch(job.owner, spec.source_dir, job_dir / "source")
    code = await asyncio.to_thread(unpacked, fetched)
    entry, package = await asyncio.to_thread(code_in, code, spec.entry_point or "")
    return dataclasses.replace(resolved, code_dir=code, entry_point=entry, package=package)


@functools.cache
def visible_gpus() -> int:
    """GPUs as the toolkit counts them: ``GPU `` lines of ``nvidia-smi --list-gpus``, 0 on error."""
    try:
        out = subprocess.run(
            ["nvidia-smi", "--list-gpus"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    return sum(1 for line in out.splitlines() if line.startswith("GPU "))


def _checkpoint(root: Path, path: str | None) -> Path | None:
    if not path:
        return None
    return (root / path).resolve() if not Path(path).is_absolute() else Path(path)


def _venv_key(backend: JobBackend, resolved: ResolvedJob) -> str | None:
    """The cache key of the job's Python environment: its requirements (or package) content."""
    code = resolved.code_dir
    if code is None:
        return None
    requirements = code / "requirements.txt"
    if not resolved.package and not requirements.is_file():
        return None
    image = resolved.profile.image or "" if backend.name == "docker" else None
    if resolved.package:
        return envcache.env_key([code], image)
    return envcache.requirements_key(requirements, image)


def _launch_spec(
    backend: JobBackend,
    resolved: ResolvedJob,
    layout: contract.Layout,
    user_args: list[str],
    venv: str | None,
) -> dict[str, Any]:
    """What the launcher (``jobfiles/launcher.py``) does, in the paths the job sees."""
    paths = backend.job_paths(JOBFILES)
    entry = resolved.entry_point or ""
    mode = contract.script_mode(entry, resolved.package)
    install: list[list[str]] = []
    if venv:
        if resolved.code_dir is not None and (resolved.code_dir / "requirements.txt").is_file():
            install.append(["-r", f"{layout.code}/requirements.txt"])
        if resolved.package:
            install.append([layout.code])
    return {
        "command": contract.entry_command(mode, entry, user_args, "{python}"),
        "cwd": layout.code,
        "venv": f"{paths['venvs']}/{venv}" if venv else None,
        "install": install,
        "stage_file": f"{layout.base}/{workspace.STAGE_FILE}",
        "failure_file": layout.failure,
        "shim": f"{paths['jobfiles']}/toolkits",
    }


def _algorithm_launch(launch: dict[str, Any], env: dict[str, str], name: str) -> None:
    """A built-in algorithm's job: ``python -m jupyter_smstudio.algorithms.train NAME``,
    with this server's package on the path (the local backend runs the server's Python)."""
    launch["command"] = ["{python}", "-m", "jupyter_smstudio.algorithms.train", name]
    env["PYTHONPATH"] = os.pathsep.join([env["PYTHONPATH"], str(PACKAGE_ROOT)])
    env[algorithms.ALGORITHM_ENV] = name


def _prepare_tree(
    backend: JobBackend,
    tree: Path,
    resolved: ResolvedJob,
    config: dict[str, Any],
    launch: dict[str, Any] | None,
    mounts: dict[str, Path],
) -> None:
    workspace.make_tree(tree, resolved.code_dir, resolved.entry_file)
    workspace.write_config(tree, config, launch)
    backend.place_inputs(tree, mounts)
    workspace.restore_checkpoints(tree, resolved.checkpoint)
