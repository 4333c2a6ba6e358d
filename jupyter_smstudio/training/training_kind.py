"""Training jobs as one kind of job: script mode, the training contract, packed artifacts."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

from ..compute import ComputeProfile
from ..jobs.backends import HostPlan, JobBackend, JobPlan, RunShape
from ..jobs.kind import JobKind, KindContext, Resolved
from ..jobs.models import FINAL
from ..jobs.remote import fetch_remote
from ..jobs.repository import StoredJob
from . import contract, workspace
from .jobfiles import envcache
from .models import Secondary, TrainingJob, TrainingJobCreate
from .validation import ResolvedJob, resolve

ARTIFACTS = ("model.tar.gz", "output.tar.gz")
#: ``sagemaker_region``/``SAGEMAKER_REGION`` when the server's environment names none.
REGION = "us-east-1"
#: What runs inside a script-mode job: the launcher and the toolkit stand-ins.
JOBFILES = Path(__file__).resolve().parent / "jobfiles"


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
        return RunShape(spec.instance_count, spec.image, bool(spec.entry_point), "entry_point")

    def image(self, spec: TrainingJobCreate, profile: ComputeProfile) -> str:
        return spec.image or profile.image or ""

    def resolve(
        self, spec: TrainingJobCreate, runner: KindContext, resolved: Resolved
    ) -> ResolvedJob:
        return resolve(spec, root=runner.root, base=resolved)

    def artifact_dir(self, runner: KindContext, job: StoredJob, spec: TrainingJobCreate) -> Path:
        return runner.output_dir(job.owner, job.name, spec.output_path)

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
        channels = dict(resolved.channels)
        for name, url in resolved.remote_channels.items():
            channels[name] = await asyncio.to_thread(fetch_remote, url, job_dir / "channels" / name)
        script_mode = resolved.entry_point is not None
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
        plans = []
        for host, tree in zip(hosts, trees, strict=True):
            layout = backend.layout(tree)
            host_hps = (
                contract.with_reserved_hyperparameters(
                    encoded,
                    job_name=job.name,
                    entry_point=resolved.entry_point or "",
                    code_dir=layout.code,
                    region=region,
                )
                if script_mode
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
            env = {**contract.sm_environment(ctx), **spec.environment}
            env["PYTHONPATH"] = layout.code
            launch = (
                _launch_spec(backend, resolved, layout, user_args, venv) if script_mode else None
            )
            await asyncio.to_thread(
                _prepare_tree, backend, tree, resolved, contract.config_files(ctx), launch, mounts
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
        return {m.name: re.compile(m.regex) for m in spec.metric_definitions}

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

    def while_running(self, runner: KindContext, spec: TrainingJobCreate, tree: Path) -> None:
        """Checkpoints reach ``checkpoint_path`` while the job runs, not only at its end."""
        checkpoint = _checkpoint(runner.root, spec.checkpoint_path)
        if checkpoint is not None:
            settled = time.time() - runner.poll_seconds
            workspace.save_checkpoints(tree, checkpoint, settled_before=settled)

    def describe(self, runner: KindContext, job: StoredJob, spec: TrainingJobCreate) -> TrainingJob:
        public = TrainingJob.model_validate({**job.model_dump(), "spec": spec})
        if job.status in FINAL:
            out = self.artifact_dir(runner, job, spec)
            public.model_artifacts = str(out / "model.tar.gz")
            public.output_artifacts = str(out / "output.tar.gz")
        return public


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
