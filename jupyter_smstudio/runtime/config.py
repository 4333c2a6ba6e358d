"""Administrator settings for every detached run (``c.RunLimits.<trait>``)."""

from __future__ import annotations

from traitlets import Bool, Int
from traitlets.config import LoggingConfigurable

from .limits import RunPolicy

MIB = 1 << 20


class RunLimits(LoggingConfigurable):
    """Caps on what any one run (a job, an endpoint instance, a batch transform, a
    space's lifecycle scripts) may take of the machine, whatever its compute profile."""

    max_log_bytes = Int(
        256 * MIB,
        min=0,
        config=True,
        help="Bytes of output kept per run: past it the log keeps its first half and its "
        "last lines, with a line saying how many bytes were dropped between. 0: no cap. "
        "At least 64 KiB.",
    )
    max_processes = Int(
        4096,
        min=0,
        config=True,
        help="Processes and threads a run may have at once (its cgroup's pids.max; "
        "RLIMIT_NPROC on top of the user's own where there is no cgroup). A run that "
        "reaches it is stopped and fails saying so. 0: no limit.",
    )
    cgroups = Bool(
        True,
        config=True,
        help="Give each run its own cgroups where the machine allows (needs write access "
        "to /sys/fs/cgroup): they bound its processes and memory and end its whole tree. "
        "Without them, process groups, rlimits and an environment marker do.",
    )

    def policy(self) -> RunPolicy:
        log_bytes = self.max_log_bytes and max(self.max_log_bytes, 64 << 10)
        return RunPolicy(
            max_log_bytes=log_bytes or None,
            max_processes=self.max_processes or None,
            cgroups=self.cgroups,
        )
