"""One profile -> limits -> ``docker run`` mapping for space containers, jobs and endpoints.

A GPU profile must give a space's containers, a training job's containers and an
endpoint's container the same ``--gpus``/``--cpus``/``--memory``/``--memory-swap``, and
local processes the matching ``CUDA_VISIBLE_DEVICES``. These build argument lists only:
nothing is started, so no Docker engine is needed.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from jupyter_smstudio.compute.catalog import ComputeProfile
from jupyter_smstudio.hosting.backends.base import InstanceSpec
from jupyter_smstudio.hosting.backends.docker import DockerBackend as EndpointDocker
from jupyter_smstudio.jobs.backends.base import HostPlan, JobPlan
from jupyter_smstudio.jobs.backends.docker import DockerBackend as JobDocker
from jupyter_smstudio.runtime.containers import limit_args
from jupyter_smstudio.spaces.backends.docker import DockerSpaceBackend

GPU = ComputeProfile(name="ml.g5.xlarge", cpus=1, memory_gib=2, gpus=1)
EXPECTED = ["--cpus", "1", "--memory", str(2 << 30), "--memory-swap", str(2 << 30)]


def flags(argv: list[str]) -> dict[str, str]:
    """The limit flags of a docker argv, and CUDA_VISIBLE_DEVICES if set with -e/--env."""
    found: dict[str, str] = {}
    for flag, value in itertools.pairwise(argv):
        if flag in ("--cpus", "--memory", "--memory-swap", "--gpus"):
            found[flag] = value
        if flag in ("-e", "--env") and value.startswith("CUDA_VISIBLE_DEVICES="):
            found["CUDA_VISIBLE_DEVICES"] = value
    return found


def job_argv(tmp: Path) -> list[str]:
    host = HostPlan(name="algo-1", tree=tmp / "algo-1", env={})
    plan = JobPlan(
        id="job-1", job_dir=tmp, log_path=tmp / "job.log", hosts=[host], profile=GPU,
        mounts={}, script_mode=False, image="smstudio-base:py311", entrypoint=["python3"],
        arguments=[], max_runtime_seconds=60, grace_seconds=5,
    )  # fmt: skip
    return JobDocker(tmp / "venvs")._run_argv(plan, host, None)


def endpoint_argv(tmp: Path) -> list[str]:
    spec = InstanceSpec(
        id="ep-1", model_dir=str(tmp), code_dir=None, program="inference.py",
        environment={}, profile=GPU.model_dump(), workers=1, state_dir=str(tmp),
    )  # fmt: skip
    return EndpointDocker(tmp / "venvs").argv(spec)


def space_argv(tmp: Path) -> list[str]:
    backend = DockerSpaceBackend(tmp / "spaces")
    spec = backend.script_spec("s", "run-1", ["true"], GPU, None, 60)
    return spec.argv


def test_a_gpu_profile_maps_the_same_for_spaces_jobs_and_endpoints(tmp_path: Path) -> None:
    expected = {**dict(zip(EXPECTED[::2], EXPECTED[1::2], strict=True)), "--gpus": "1"}
    assert flags(limit_args(GPU.limits())) == expected
    for what, argv in (
        ("space", space_argv(tmp_path)),
        ("training job", job_argv(tmp_path)),
        ("endpoint", endpoint_argv(tmp_path)),
    ):
        # Containers get the GPU from --gpus; CUDA_VISIBLE_DEVICES is Docker's to set.
        assert flags(argv) == expected, what


def test_local_processes_see_the_profile_gpus() -> None:
    assert GPU.limits().env()["CUDA_VISIBLE_DEVICES"] == "0"
    two = ComputeProfile(name="ml.g5.12xlarge", gpus=2).limits().env()
    assert two["CUDA_VISIBLE_DEVICES"] == "0,1"
    # A profile without GPUs hides the machine's: it must not use what it did not ask for.
    assert ComputeProfile(name="cpu").limits().env()["CUDA_VISIBLE_DEVICES"] == ""
