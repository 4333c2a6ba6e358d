"""``Estimator``: the SageMaker SDK's training entry point, backed by SM Studio training jobs.

    est = Estimator(entry_point="train.py", source_dir="src", instance_type="ml.m5.large",
                    hyperparameters={"epochs": 5},
                    metric_definitions=[{"Name": "loss", "Regex": "loss=([0-9.]+)"}])
    est.fit({"train": "data/train"})
    est.model_data  # .../model.tar.gz

Paths are taken from the current directory (the notebook's folder, as in ``open()``)
and sent absolute, exactly as ``Model`` does, so the code that trained is the code that
deploys; ``entry_point`` is relative to ``source_dir`` when there is one. ``file://`` and
fsspec URLs (``s3://...``) pass unchanged. Names follow the SDK; both SDK-style
(``Name``/``Regex``) and snake_case metric definitions are accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TextIO

from ..client import Client
from .base import UsesClient, local_path
from .jobs import FINAL, JobFailed, WaitsForJob, base_name, follow_log, stamped


class TrainingJobError(JobFailed):
    """A job ended Failed (``fit(wait=True)`` raises it)."""

    kind = "Training"


def _metric(definition: Mapping[str, str]) -> dict[str, str]:
    return {
        "name": definition.get("Name") or definition["name"],
        "regex": definition.get("Regex") or definition["regex"],
    }


def _channel(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"path": local_path(value)}
    if isinstance(value, Mapping):
        channel = dict(value)
        if isinstance(channel.get("path"), str):
            channel["path"] = local_path(channel["path"])
        return channel
    # sagemaker.inputs.TrainingInput-like objects
    return {"path": local_path(value.config["DataSource"]["S3DataSource"]["S3Uri"]),
            "content_type": value.config.get("ContentType")}  # fmt: skip


class Estimator(WaitsForJob, UsesClient):
    """Train with a script (script mode) or a container image, like ``sagemaker.estimator``."""

    failure = TrainingJobError

    def __init__(
        self,
        entry_point: str | None = None,
        source_dir: str | None = None,
        hyperparameters: dict[str, Any] | None = None,
        instance_type: str | None = None,
        instance_count: int = 1,
        metric_definitions: list[Mapping[str, str]] | None = None,
        output_path: str | None = None,
        checkpoint_s3_uri: str | None = None,
        max_run: int = 24 * 60 * 60,
        environment: dict[str, str] | None = None,
        image_uri: str | None = None,
        container_entry_point: list[str] | None = None,
        container_arguments: list[str] | None = None,
        base_job_name: str | None = None,
        backend: str | None = None,
        client: Client | None = None,
        **_ignored: Any,  # role, sagemaker_session, framework_version, py_version, ...
    ) -> None:
        self.entry_point = entry_point
        self.source_dir = source_dir
        self._hyperparameters = dict(hyperparameters or {})
        self.instance_type = instance_type
        self.instance_count = instance_count
        self.metric_definitions = [_metric(m) for m in metric_definitions or []]
        self.output_path = output_path
        self.checkpoint_s3_uri = checkpoint_s3_uri
        self.max_run = max_run
        self.environment = dict(environment or {})
        self.image_uri = image_uri
        self.container_entry_point = container_entry_point
        self.container_arguments = container_arguments
        self.base_job_name = base_job_name or base_name(entry_point or image_uri or "", "training")
        self.backend = backend
        self._client = client
        self.latest_training_job: str | None = None
        self._job: dict[str, Any] | None = None

    def hyperparameters(self) -> dict[str, Any]:
        return dict(self._hyperparameters)

    def set_hyperparameters(self, **kwargs: Any) -> None:
        self._hyperparameters.update(kwargs)

    def _job_name(self) -> str:
        return stamped(self.base_job_name)

    def fit(
        self,
        inputs: str | Mapping[str, Any] | None = None,
        wait: bool = True,
        logs: bool = True,
        job_name: str | None = None,
    ) -> None:
        """Start a training job; with ``wait``, follow it to its end (raising if it failed)."""
        if isinstance(inputs, str):
            inputs = {"training": inputs}
        spec: dict[str, Any] = {
            "name": job_name or self._job_name(),
            "entry_point": self.entry_point if self.source_dir else local_path(self.entry_point),
            "source_dir": local_path(self.source_dir),
            "image": self.image_uri,
            "container_entrypoint": self.container_entry_point,
            "container_arguments": self.container_arguments,
            "hyperparameters": self._hyperparameters,
            "channels": {k: _channel(v) for k, v in (inputs or {}).items()},
            "output_path": local_path(self.output_path),
            "checkpoint_path": local_path(self.checkpoint_s3_uri),
            "instance_type": self.instance_type,
            "instance_count": self.instance_count,
            "backend": self.backend,
            "environment": self.environment,
            "max_runtime_seconds": self.max_run,
            "metric_definitions": self.metric_definitions,
        }
        self._job = self.client.create_training_job(
            {k: v for k, v in spec.items() if v is not None}
        )
        self.latest_training_job = self._job["name"]
        if wait:
            self.wait(logs=logs)

    @classmethod
    def attach(cls, training_job_name: str, client: Client | None = None) -> Estimator:
        """An Estimator for an existing job (its settings as the job was created)."""
        client = client or Client()
        job = client.training_job(training_job_name)
        spec = job["spec"]
        est = cls(
            entry_point=spec.get("entry_point"), source_dir=spec.get("source_dir"),
            hyperparameters=spec.get("hyperparameters"), instance_type=job["instance_type"],
            instance_count=spec.get("instance_count", 1),
            metric_definitions=spec.get("metric_definitions"),
            output_path=spec.get("output_path"), image_uri=spec.get("image"),
            environment=spec.get("environment"), client=client,
        )  # fmt: skip
        est.latest_training_job = training_job_name
        est._job = job
        return est

    def _name(self) -> str:
        if self.latest_training_job is None:
            raise ValueError("No training job yet: call fit() or Estimator.attach(name) first.")
        return self.latest_training_job

    def describe(self) -> dict[str, Any]:
        self._job = self.client.training_job(self._name())
        return self._job

    def logs(self, out: TextIO | None = None) -> None:
        """Print the job's log, following it until the job ends."""
        follow_log(lambda cursor: self.client.training_job_logs(self._name(), cursor), out)

    def stop(self) -> None:
        self._job = self.client.stop_training_job(self._name())

    def training_job_analytics(self) -> dict[str, list[Any]]:
        """Metric name -> [(timestamp_ms, value), ...] (the SDK returns a DataFrame)."""
        return self.client.training_job_metrics(self._name())

    @property
    def model_data(self) -> str | None:
        """Path of ``model.tar.gz`` once the job has ended (None before)."""
        job = self._job if self._job and self._job["status"] in FINAL else self.describe()
        return job.get("model_artifacts")

    def deploy(
        self,
        initial_instance_count: int = 1,
        instance_type: str | None = None,
        entry_point: str | None = None,
        source_dir: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Serve this job's model: ``Model.from_estimator(self).deploy(...)`` → ``Predictor``.

        As in SageMaker, the code the job trained with (its ``source_dir``, with
        ``requirements.txt``, and the entry point's ``model_fn``) is the inference code
        unless ``entry_point``/``source_dir`` name another.
        """
        from .model import Model

        overrides = {
            k: v for k, v in (("entry_point", entry_point), ("source_dir", source_dir)) if v
        }
        model = Model.from_estimator(
            self, instance_type=instance_type or self.instance_type, client=self.client, **overrides
        )
        return model.deploy(initial_instance_count, instance_type or self.instance_type, **kwargs)
