"""The admin's settings for experiment tracking (``c.Experiments.*``)."""

from __future__ import annotations

from traitlets import Bool, Float, Unicode
from traitlets.config import Configurable


class Experiments(Configurable):
    """Where runs are tracked: the embedded MLflow (default) or an existing one."""

    tracking_uri = Unicode(
        "",
        config=True,
        help="URL of an existing MLflow tracking server to use instead of the embedded one "
        "(e.g. https://mlflow.example.com). Kernels get it as MLFLOW_TRACKING_URI and jobs "
        "are logged there, in one experiment per user; the /smstudio/mlflow/ proxy forwards "
        "to it. Empty: each user gets an embedded MLflow, started on first use.",
    )

    log_jobs = Bool(
        True,
        config=True,
        help="Log every training, processing and transform job as an MLflow run in its "
        "owner's experiment ('<owner>/jobs'); the first job starts the user's MLflow.",
    )

    idle_timeout = Float(
        1800.0,
        config=True,
        help="Seconds without a request after which an embedded MLflow is stopped "
        "(it starts again on the next request). 0: never.",
    )

    start_timeout = Float(
        180.0,
        config=True,
        help="Seconds an embedded MLflow may take to answer its health check when it starts.",
    )

    job_run_wait = Float(
        10.0,
        config=True,
        help="Seconds a job's launch waits for its MLflow run (MLFLOW_RUN_ID, for the job's "
        "own mlflow calls) when the user's MLflow is running; the job starts without one "
        "after that, or at once while MLflow is starting, and is still logged.",
    )

    backfill_interval = Float(
        30.0,
        config=True,
        help="Seconds between attempts to back-fill the runs of jobs that could not be "
        "logged as they ran (MLflow was down); a job is back-filled once it has ended.",
    )
