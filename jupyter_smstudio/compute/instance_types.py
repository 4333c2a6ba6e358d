"""Every ``ml.*`` instance type SageMaker lists, as local capacity (old notebooks' types run).

The list is botocore's own SageMaker model: the enums ``TrainingInstanceType``,
``ProductionVariantInstanceType``, ``ProcessingInstanceType`` and
``TransformInstanceType`` (so a botocore upgrade brings new types). The capacity of
a type follows EC2's naming, as AWS's instance-type pages give it: ``large`` is 2
vCPUs, ``xlarge`` 4 and ``<N>xlarge`` 4·N (``medium``: 1, burstable ``t`` 2); memory is
the family's GiB per vCPU (``c`` 2, ``m`` 4, ``r`` 8, ``p3`` 7.625, ...), GPUs per
size for the GPU families. Limits are clipped to this machine (its CPUs, memory and
GPUs), so ``ml.p4d.24xlarge`` runs here as "all of it".
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

GIB = 1 << 30
ENUMS = (
    "TrainingInstanceType",
    "ProductionVariantInstanceType",
    "ProcessingInstanceType",
    "TransformInstanceType",
)
_NAME = re.compile(r"^ml\.(?P<family>[a-z0-9-]+)\.(?P<size>medium|large|xlarge|\d+xlarge)$")

#: GiB of memory per vCPU, by family (the first matching prefix); others: 4 (general).
MEMORY_PER_VCPU: tuple[tuple[str, float], ...] = (
    ("c4", 1.875),
    ("c", 2),
    ("r", 8),
    ("x1e", 30.5),
    ("x1", 15.25),
    ("g6e", 8),
    ("g7e", 8),
    ("p2", 15.25),
    ("p3dn", 8),
    ("p3", 7.625),
    ("p4", 12),
    ("p5", 2048 / 192),
    ("p6", 2048 / 192),
    ("inf1", 2),
    ("trn2", 2048 / 192),
    ("dl1", 8),
)
#: GPUs by family and size; a GPU family's other sizes have 1.
GPUS: dict[str, dict[str, int]] = {
    "g4dn": {"12xlarge": 4},
    "g5": {"12xlarge": 4, "24xlarge": 4, "48xlarge": 8},
    "g6": {"12xlarge": 4, "24xlarge": 4, "48xlarge": 8},
    "g6e": {"12xlarge": 4, "24xlarge": 4, "48xlarge": 8},
    "g7": {"12xlarge": 4, "24xlarge": 4, "48xlarge": 8},
    "g7e": {"12xlarge": 4, "24xlarge": 4, "48xlarge": 8},
    "p2": {"8xlarge": 8, "16xlarge": 16},
    "p3": {"8xlarge": 4, "16xlarge": 8},
    "p3dn": {"24xlarge": 8},
    "p4d": {"24xlarge": 8},
    "p4de": {"24xlarge": 8},
    "p5": {"48xlarge": 8},
    "p5e": {"48xlarge": 8},
    "p5en": {"48xlarge": 8},
    "p6-b200": {"48xlarge": 8},
    "p6-b300": {"48xlarge": 8},
    "p6e-gb200": {"36xlarge": 4},
}


@dataclass(frozen=True)
class Capacity:
    """What an instance type has on AWS."""

    vcpus: int
    memory_gib: float
    gpus: int


@functools.cache
def sagemaker_instance_types() -> frozenset[str]:
    """Every instance type SageMaker's API accepts for jobs and endpoints."""
    from botocore.loaders import Loader  # the server's own botocore; only when asked

    shapes = Loader().load_service_model("sagemaker", "service-2")["shapes"]
    return frozenset(n for enum in ENUMS for n in shapes.get(enum, {}).get("enum", []))


def capacity(name: str) -> Capacity | None:
    """The type's vCPUs, memory and GPUs on AWS (None: not an ``ml.*`` name we can read)."""
    found = _NAME.match(name)
    if found is None:
        return None
    family, size = found["family"], found["size"]
    if size == "medium":
        vcpus = 2 if family.startswith("t") else 1
    elif size == "large":
        vcpus = 2
    else:
        vcpus = 4 * int(size.removesuffix("xlarge") or 1)
    per_vcpu = next((gib for prefix, gib in MEMORY_PER_VCPU if family.startswith(prefix)), 4.0)
    if family.startswith("t") and size == "medium":
        per_vcpu = 2
    gpus = GPUS[family].get(size, 1) if family in GPUS else 0
    return Capacity(vcpus, per_vcpu * vcpus, gpus)


@functools.cache
def machine() -> Capacity:
    """This machine's CPUs (those the server may use), memory and NVIDIA GPUs."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB
    return Capacity(cpus or 1, memory, _gpus())


def _gpus() -> int:
    command = shutil.which("nvidia-smi")
    if command is None:
        return 0
    try:
        out = subprocess.run(
            [command, "--list-gpus"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    return sum(1 for line in out.splitlines() if line.startswith("GPU "))


def profile_of(name: str) -> dict[str, object] | None:
    """A compute profile for a SageMaker instance type, clipped to this machine (None: not
    one SageMaker lists)."""
    if name not in sagemaker_instance_types():
        return None
    real = capacity(name)
    if real is None:
        return None
    here = machine()
    cpus = min(real.vcpus, here.vcpus)
    memory = round(min(real.memory_gib, here.memory_gib), 2)
    clipped = "" if (cpus, memory) == (real.vcpus, real.memory_gib) else ", clipped to this machine"
    return {
        "cpus": cpus,
        "memory_gib": memory,
        "gpus": min(real.gpus, here.gpus),
        "description": f"SageMaker {name}: {real.vcpus} vCPU, {real.memory_gib:g} GiB"
        + (f", {real.gpus} GPU" if real.gpus else "")
        + clipped,
    }
