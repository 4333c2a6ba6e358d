"""Every ``ml.*`` type SageMaker lists is a compute profile: its capacity, clipped here."""

from __future__ import annotations

import pytest

from jupyter_smstudio.compute import ComputeCatalog
from jupyter_smstudio.compute.instance_types import capacity, machine, sagemaker_instance_types
from jupyter_smstudio.errors import InvalidInput


def test_every_listed_type_has_a_capacity_and_a_profile() -> None:
    names = sagemaker_instance_types()
    assert {"ml.m4.xlarge", "ml.c4.xlarge", "ml.p3.2xlarge", "ml.g5.48xlarge"} <= names
    catalog = ComputeCatalog()
    here = machine()
    for name in sorted(names - set(catalog.profiles)):  # the admin's profiles come first
        real = capacity(name)
        assert real is not None, name
        profile = catalog.get(name, field="instance_type")
        assert profile.name == name
        assert profile.cpus == min(real.vcpus, here.vcpus)
        assert profile.memory_gib == pytest.approx(min(real.memory_gib, here.memory_gib), 0.01)
        assert profile.gpus <= real.gpus


@pytest.mark.parametrize(
    ("name", "vcpus", "memory", "gpus"),
    [
        ("ml.m4.xlarge", 4, 16, 0),  # AWS: 4 vCPU, 16 GiB
        ("ml.c4.xlarge", 4, 7.5, 0),  # 4 vCPU, 7.5 GiB
        ("ml.c5.9xlarge", 36, 72, 0),
        ("ml.t2.medium", 2, 4, 0),
        ("ml.r5.24xlarge", 96, 768, 0),
        ("ml.p3.2xlarge", 8, 61, 1),
        ("ml.p3.16xlarge", 64, 488, 8),
        ("ml.g5.12xlarge", 48, 192, 4),
        ("ml.p4d.24xlarge", 96, 1152, 8),
    ],
)
def test_capacity_follows_aws_instance_type_pages(
    name: str, vcpus: int, memory: float, gpus: int
) -> None:
    real = capacity(name)
    assert real is not None
    assert (real.vcpus, real.memory_gib, real.gpus) == (vcpus, pytest.approx(memory), gpus)


def test_configured_profiles_win_and_unknown_names_are_refused() -> None:
    catalog = ComputeCatalog(profiles={"ml.m4.xlarge": {"cpus": 1, "memory_gib": 1}, "local": {}})
    assert catalog.get("ml.m4.xlarge").cpus == 1  # the admin's own profile
    assert catalog.get("ml.m5.large").description.startswith("SageMaker ml.m5.large")
    assert [p.name for p in catalog.all()] == ["local", "ml.m4.xlarge"]  # the list is the admin's
    with pytest.raises(InvalidInput) as err:
        catalog.get("ml.m99.large", field="instance_type")
    assert err.value.field == "instance_type"
