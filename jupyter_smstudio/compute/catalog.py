"""The compute-profile catalog (SageMaker instance types, self-hosted).

Admins define profiles in traitlets config; the catalog validates them when the
server starts, so a typo fails loudly at start instead of at a user's first job.

    c.ComputeCatalog.profiles = {
        "ml.m5.xlarge": {"cpus": 4, "memory_gib": 16},
        "ml.g5.xlarge": {"cpus": 4, "memory_gib": 16, "gpus": 1, "image": "my-cuda:12"},
    }
    c.ComputeCatalog.default_profile = "ml.m5.xlarge"

Any other ``ml.*`` type SageMaker lists is accepted too, with its real vCPUs and
memory as limits, clipped to the machine (``instance_types``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from traitlets import Dict, TraitError, Unicode, validate
from traitlets.config import LoggingConfigurable

from ..errors import InvalidInput
from ..runtime.limits import ResourceLimits
from .instance_types import profile_of

GIB = 1 << 30

#: A SageMaker-like starting catalog; "local" means the machine, unlimited.
DEFAULT_PROFILES: dict[str, dict[str, Any]] = {
    "local": {"cpus": None, "memory_gib": None, "description": "This machine, no limits"},
    "ml.t3.medium": {"cpus": 2, "memory_gib": 4},
    "ml.t3.large": {"cpus": 2, "memory_gib": 8},
    "ml.m5.large": {"cpus": 2, "memory_gib": 8},
    "ml.m5.xlarge": {"cpus": 4, "memory_gib": 16},
    "ml.m5.2xlarge": {"cpus": 8, "memory_gib": 32},
    "ml.c5.xlarge": {"cpus": 4, "memory_gib": 8},
    "ml.r5.large": {"cpus": 2, "memory_gib": 16},
    "ml.g4dn.xlarge": {"cpus": 4, "memory_gib": 16, "gpus": 1},
    "ml.g5.xlarge": {"cpus": 4, "memory_gib": 16, "gpus": 1},
    "ml.g5.2xlarge": {"cpus": 8, "memory_gib": 32, "gpus": 1},
}


class ProfileSpec(BaseModel):
    """One profile as an admin writes it."""

    model_config = ConfigDict(extra="forbid")

    cpus: float | None = Field(None, gt=0, description="CPUs; None = no limit")
    memory_gib: float | None = Field(None, gt=0, description="Memory in GiB; None = no limit")
    gpus: int = Field(0, ge=0)
    image: str | None = Field(None, description="Default container image (Docker backend)")
    description: str = ""


class ComputeProfile(ProfileSpec):
    """A profile as the API shows it."""

    name: str

    @property
    def memory_bytes(self) -> int | None:
        return int(self.memory_gib * GIB) if self.memory_gib else None

    def limits(self) -> ResourceLimits:
        return ResourceLimits(cpus=self.cpus, memory_bytes=self.memory_bytes, gpus=self.gpus)

    def summary(self) -> str:
        parts = [f"{self.cpus:g} CPU" if self.cpus else "all CPUs"]
        parts.append(f"{self.memory_gib:g} GiB" if self.memory_gib else "no memory limit")
        if self.gpus:
            parts.append(f"{self.gpus} GPU")
        return ", ".join(parts)


class ComputeProfileList(BaseModel):
    items: list[ComputeProfile]
    default_profile: str


class ComputeCatalog(LoggingConfigurable):
    """The compute profiles users may choose for spaces, jobs and endpoints."""

    profiles = Dict(
        default_value=DEFAULT_PROFILES,
        config=True,
        help="Profiles by name: {name: {cpus, memory_gib, gpus, image, description}}.",
    )
    default_profile = Unicode("ml.t3.medium", config=True, help="Profile used when none is given.")
    default_image = Unicode(
        "smstudio-base:py311", config=True, help="Image for profiles that name none (Docker)."
    )

    @validate("profiles")
    def _check_profiles(self, proposal: Any) -> dict[str, dict[str, Any]]:
        value: dict[str, dict[str, Any]] = proposal["value"]
        if not value:
            raise TraitError("ComputeCatalog.profiles must define at least one profile")
        for name, spec in value.items():
            try:
                ProfileSpec.model_validate(spec)
            except ValidationError as err:
                first = err.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise TraitError(
                    f"ComputeCatalog.profiles[{name!r}].{where}: {first['msg']}"
                ) from err
        return value

    def check(self) -> None:
        """Validate cross-field settings; call once at start."""
        if self.default_profile not in self.profiles:
            raise ValueError(
                f"ComputeCatalog.default_profile {self.default_profile!r} is not one of "
                f"the profiles: {sorted(self.profiles)}"
            )

    def all(self) -> list[ComputeProfile]:
        return [self._profile(name) for name in sorted(self.profiles)]

    def get(self, name: str | None, *, field: str = "profile") -> ComputeProfile:
        """The named profile (or the default); unknown names are the user's mistake."""
        name = name or self.default_profile
        if name not in self.profiles and (listed := profile_of(name)) is not None:
            # any other type SageMaker lists (an old notebook's ml.m4.xlarge): its real
            # capacity as limits, clipped to this machine; the admin's profiles come first
            return self._profile(name, listed)
        if name not in self.profiles:
            choices = ", ".join(sorted(self.profiles))
            raise InvalidInput(
                f"Unknown compute profile '{name}'. Choose one of: {choices}.",
                field=field,
            )
        return self._profile(name)

    def _profile(self, name: str, given: dict[str, Any] | None = None) -> ComputeProfile:
        spec = ProfileSpec.model_validate(given if given is not None else self.profiles[name])
        image = spec.image or self.default_image
        return ComputeProfile(name=name, **{**spec.model_dump(), "image": image})
