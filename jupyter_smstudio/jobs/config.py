"""Administrator settings for training jobs (``c.TrainingJobs.<trait>``)."""

from __future__ import annotations

from traitlets import Float, Int, Unicode
from traitlets.config import LoggingConfigurable

from ..runtime.backends import BackendType
from .backends import LocalBackend, TrainingBackend

GIB = 1 << 30


class TrainingJobs(LoggingConfigurable):
    """Where training jobs run and how many may run at once."""

    backend = BackendType(
        LocalBackend,
        klass=TrainingBackend,
        area="jobs",
        config=True,
        help="Default backend: 'local' (processes on this machine), 'docker' (containers; "
        "needed for images and instance_count > 1), another installed one by its entry-point "
        "name, or an import path. A job may choose any installed one with its 'backend' field.",
    )
    max_concurrent_jobs = Int(
        4, config=True, help="Jobs running at once on this server; more wait as Pending."
    )
    max_concurrent_jobs_per_user = Int(
        2, config=True, help="Jobs one user may run at once; more wait as Pending."
    )
    stop_grace_seconds = Float(
        120.0, config=True, help="Seconds between SIGTERM and SIGKILL when a job is stopped."
    )
    artifact_dir = Unicode(
        "",
        config=True,
        help="Default output location (per user subfolder). Default: <data_dir>/artifacts.",
    )
    root_dir = Unicode(
        "",
        config=True,
        help="The directory users' paths (code, channels, outputs) must stay inside. "
        "Default: the server's root_dir.",
    )
    max_output_bytes = Int(
        50 * GIB,
        min=0,
        config=True,
        help="Disk a job's files under /opt/ml (model, output, checkpoints; inputs not "
        "counted) may use; a job past it is stopped and fails saying so. 0: no quota.",
    )
    docker_command = Unicode("docker", config=True, help="The Docker CLI to run containers with.")
    poll_seconds = Float(0.2, config=True, help="How often running jobs are checked.")
