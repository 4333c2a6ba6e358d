"""What the administrator decides about idle shutdown: ``c.IdlePolicy.<option>``.

Mirrors SageMaker's ``IdleSettings`` (``LifecycleManagement``, ``IdleTimeoutInMinutes``,
``MinIdleTimeoutInMinutes``, ``MaxIdleTimeoutInMinutes``) plus the signals that
count as busy. Checked once at start so a bad value fails loudly, not silently.
"""

from __future__ import annotations

from typing import Any

from traitlets import Bool, Enum, Float, TraitError, validate
from traitlets.config import LoggingConfigurable

from ..errors import AccessDenied, InvalidInput


class IdlePolicy(LoggingConfigurable):
    """Idle auto-shutdown of kernels, spaces and the server."""

    enabled = Enum(
        ["ENABLED", "DISABLED"],
        "ENABLED",
        config=True,
        help="LifecycleManagement: ENABLED shuts idle kernels and spaces down; DISABLED "
        "turns idle shutdown off (signals are still reported by /smstudio/api/idle).",
    )
    default_timeout_minutes = Float(
        60,
        config=True,
        help="IdleTimeoutInMinutes: idle time after which a kernel is shut down and a space "
        "stopped, unless the space sets its own. Also the default of "
        "MappingKernelManager.cull_idle_timeout when that is not configured.",
    )
    min_timeout_minutes = Float(
        60, config=True, help="MinIdleTimeoutInMinutes: the smallest timeout a user may set."
    )
    max_timeout_minutes = Float(
        525600, config=True, help="MaxIdleTimeoutInMinutes: the largest timeout a user may set."
    )
    check_interval_seconds = Float(
        60,
        config=True,
        help="Seconds between checks (CPU/GPU sampling, space timeouts); also the default "
        "MappingKernelManager.cull_interval.",
    )
    connections_keep_alive = Bool(
        False,
        config=True,
        help="Whether an open browser connection to a kernel keeps it (and its space) alive. "
        "Off: an abandoned open tab does not keep compute running (sets "
        "MappingKernelManager.cull_connected=True unless configured).",
    )
    endpoints_keep_alive = Bool(
        False,
        config=True,
        help="Whether endpoints in service keep the server alive (they run detached).",
    )
    cpu_busy_percent = Float(
        10,
        config=True,
        help="A kernel's or terminal's process tree using at least this much CPU (percent "
        "of one core, averaged over a check interval) counts as busy even when silent.",
    )
    gpu_busy_percent = Float(
        5,
        config=True,
        help="A GPU whose utilization is at least this (percent) counts as busy for the "
        "kernels holding it (read with nvidia-smi when present).",
    )
    max_busy_minutes = Float(
        0,
        config=True,
        help="After this many minutes of continuous busyness a kernel is no longer kept "
        "alive by being busy, so it may be stopped (0: off, busy work is never stopped).",
    )
    warning_minutes = Float(
        5,
        config=True,
        help="Minutes before a shutdown at which the Lab frontend warns the user (with a "
        "'Keep running' button) and saves open documents.",
    )
    users_may_disable = Bool(
        True,
        config=True,
        help="Whether a user may turn idle shutdown off for a space (idle_timeout_minutes=0).",
    )

    @validate(
        "default_timeout_minutes",
        "min_timeout_minutes",
        "max_timeout_minutes",
        "max_busy_minutes",
        "warning_minutes",
    )
    def _not_negative(self, proposal: Any) -> float:
        if proposal["value"] < 0:
            raise TraitError(f"IdlePolicy.{proposal['trait'].name} must be >= 0")
        return float(proposal["value"])

    @validate("cpu_busy_percent", "gpu_busy_percent")
    def _percent(self, proposal: Any) -> float:
        if not 0 < proposal["value"] <= 100 * 1024:
            raise TraitError(f"IdlePolicy.{proposal['trait'].name} must be > 0 (percent)")
        return float(proposal["value"])

    @validate("check_interval_seconds")
    def _interval(self, proposal: Any) -> float:
        if proposal["value"] <= 0:
            raise TraitError("IdlePolicy.check_interval_seconds must be > 0")
        return float(proposal["value"])

    @property
    def on(self) -> bool:
        return self.enabled == "ENABLED"

    def check(self) -> None:
        """Cross-option checks, run once at server start."""
        if self.min_timeout_minutes > self.max_timeout_minutes:
            raise TraitError(
                f"IdlePolicy.min_timeout_minutes ({self.min_timeout_minutes:g}) is above "
                f"max_timeout_minutes ({self.max_timeout_minutes:g})"
            )
        if self.default_timeout_minutes <= 0:
            raise TraitError("IdlePolicy.default_timeout_minutes must be > 0")

    def check_space_timeout(self, minutes: int | None) -> None:
        """A user's choice for one space: None = the default, 0 = off, else within bounds."""
        if minutes is None:
            return
        if minutes == 0:
            if not self.users_may_disable:
                raise AccessDenied(
                    "The administrator does not allow turning idle shutdown off "
                    f"(idle_timeout_minutes must be {self.bounds()})."
                )
            return
        if not self.min_timeout_minutes <= minutes <= self.max_timeout_minutes:
            raise InvalidInput(
                f"idle_timeout_minutes {minutes} is outside the administrator's bounds: "
                f"{self.bounds()}.",
                field="idle_timeout_minutes",
            )

    def bounds(self) -> str:
        return f"between {self.min_timeout_minutes:g} and {self.max_timeout_minutes:g} minutes"

    def space_timeout_seconds(self, minutes: int | None) -> float | None:
        """Seconds a space may idle, or None when idle shutdown does not apply."""
        if not self.on or minutes == 0:
            return None
        return 60.0 * (minutes if minutes is not None else self.default_timeout_minutes)
