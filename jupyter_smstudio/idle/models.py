"""Idle shutdown as the API shows it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class PolicyInfo(BaseModel):
    enabled: bool
    default_timeout_minutes: float
    min_timeout_minutes: float
    max_timeout_minutes: float
    check_interval_seconds: float
    warning_minutes: float
    users_may_disable: bool
    connections_keep_alive: bool
    cpu_busy_percent: float
    gpu_busy_percent: float
    max_busy_minutes: float


class KernelIdle(BaseModel):
    id: str
    name: str
    space: str | None = None
    execution_state: str | None = None
    connections: int = 0
    idle_seconds: float
    last_activity_ms: int
    cpu_percent: float | None = None
    gpu: str | None = Field(None, description="GPU it holds a compute context on, if any.")
    activity: list[str] = Field(description="What counts as activity right now (empty: idle).")
    keep_alive_until_ms: int | None = None
    shutdown_at_ms: int | None = Field(None, description="When the culler may shut it down.")


class TerminalIdle(BaseModel):
    name: str
    idle_seconds: float
    cpu_percent: float | None = None
    activity: list[str]


class SpaceIdle(BaseModel):
    name: str
    status: str
    timeout_minutes: float | None = Field(description="None: idle shutdown off for the space.")
    idle_seconds: float
    last_activity_ms: int
    activity: list[str]
    keep_alive_until_ms: int | None = None
    shutdown_at_ms: int | None = None


class ServerIdle(BaseModel):
    idle_seconds: float
    last_activity_ms: int
    activity: list[str]
    shutdown_at_ms: int | None = Field(
        None, description="When the server shuts itself down (shutdown_no_activity_timeout)."
    )


ShutdownKind = Literal["kernel", "space", "server"]


class PendingShutdown(BaseModel):
    kind: ShutdownKind
    id: str
    space: str | None = None
    at_ms: int
    in_seconds: float


class RecentShutdown(BaseModel):
    kind: Literal["kernel", "space"]
    id: str
    space: str | None = None
    time_ms: int
    message: str


class IdleReport(BaseModel):
    policy: PolicyInfo
    checked_ms: int | None = Field(None, description="When the monitor last checked.")
    check_ms: float | None = Field(None, description="Wall time of the last check.")
    server: ServerIdle
    kernels: list[KernelIdle]
    terminals: list[TerminalIdle]
    spaces: list[SpaceIdle]
    pending: list[PendingShutdown] = Field(description="Shutdowns to come, soonest first.")
    recent: list[RecentShutdown] = Field(description="Idle shutdowns this server made.")


class KeepAliveRequest(BaseModel):
    """Keep a space, a kernel or (neither given) the server alive."""

    model_config = ConfigDict(extra="forbid")

    space: str | None = Field(None, max_length=255)
    kernel_id: str | None = Field(None, max_length=255)
    minutes: float = Field(
        0,
        ge=0,
        le=525600,
        description="Keep alive this long; 0 resets its idle clock now ('Keep running').",
    )

    @model_validator(mode="after")
    def _one_target(self) -> KeepAliveRequest:
        if self.space and self.kernel_id:
            raise ValueError("give space or kernel_id, not both")
        return self


class KeepAliveResult(BaseModel):
    kind: Literal["kernel", "space", "server"]
    id: str
    until_ms: int


class ActivityPing(BaseModel):
    """The user typed or clicked in Lab (the frontend throttles these)."""

    model_config = ConfigDict(extra="forbid")

    kernel_id: str | None = Field(
        None, max_length=255, description="Kernel of the active document."
    )
    space: str | None = Field(None, max_length=255)
