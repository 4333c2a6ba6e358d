"""The compute-profile catalog admins configure."""

from __future__ import annotations

from typing import Any

import pytest
from traitlets import TraitError

from jupyter_smstudio.compute import ComputeCatalog
from jupyter_smstudio.errors import InvalidInput

from .conftest import ApiCall


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **jp_server_config,
        "ComputeCatalog": {
            "profiles": {
                "small": {"cpus": 1, "memory_gib": 0.5, "description": "tiny"},
                "gpu": {"cpus": 2, "memory_gib": 4, "gpus": 1, "image": "cuda:12"},
            },
            "default_profile": "small",
        },
    }


@pytest.mark.usefixtures("jp_serverapp")
async def test_users_see_the_admins_catalog(api: ApiCall) -> None:
    reply = await api("GET", "compute-profiles")
    assert reply.status == 200
    assert reply.json["default_profile"] == "small"
    by_name = {p["name"]: p for p in reply.json["items"]}
    assert set(by_name) == {"small", "gpu"}
    assert by_name["gpu"]["gpus"] == 1
    assert by_name["gpu"]["image"] == "cuda:12"
    assert by_name["small"]["image"] == "smstudio-base:py311"


def test_default_catalog_has_sagemaker_names() -> None:
    catalog = ComputeCatalog()
    catalog.check()
    names = {p.name for p in catalog.all()}
    assert {"ml.t3.medium", "ml.m5.xlarge", "ml.g5.xlarge", "local"} <= names
    medium = catalog.get(None)
    assert medium.name == "ml.t3.medium"
    assert medium.limits().memory_bytes == 4 << 30
    assert catalog.get("ml.g5.xlarge").limits().gpus == 1


def test_bad_admin_config_fails_at_start_naming_the_setting() -> None:
    with pytest.raises(TraitError, match=r"profiles\['bad'\]\.cpus"):
        ComputeCatalog(profiles={"bad": {"cpus": -1}})
    with pytest.raises(TraitError, match=r"profiles\['typo'\]\.memroy_gib"):
        ComputeCatalog(profiles={"typo": {"memroy_gib": 2}})
    catalog = ComputeCatalog(profiles={"a": {}}, default_profile="b")
    with pytest.raises(ValueError, match="default_profile 'b'"):
        catalog.check()


def test_unknown_profile_is_the_users_mistake() -> None:
    with pytest.raises(InvalidInput, match=r"Unknown compute profile 'ml\.x'") as info:
        ComputeCatalog().get("ml.x", field="instance_type")
    assert info.value.field == "instance_type"
