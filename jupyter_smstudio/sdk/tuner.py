"""``HyperparameterTuner``: the SageMaker SDK's tuning entry point, on SM Studio tuning jobs.

    tuner = HyperparameterTuner(
        est, "loss", {"lr": ContinuousParameter(1e-4, 1e-1, "Logarithmic"),
                      "opt": CategoricalParameter(["sgd", "adam"])},
        objective_type="Minimize", max_jobs=8, max_parallel_jobs=2)
    tuner.fit({"train": "data/train"})
    tuner.best_training_job()          # the best trial's training job name
    tuner.analytics().dataframe()      # one row per trial (pandas when installed)

The signature is the official SDK's (same names, same order, same defaults); each
trial is a training job of ``estimator`` with the tuned values added to its static
hyperparameters. Calls the server's REST routes through ``jupyter_smstudio.client``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .base import UsesClient
from .estimator import Estimator, _metric
from .jobs import POLL_SECONDS

TUNING_FINAL = ("Completed", "Failed", "Stopped")
#: HyperParameterTuningJobName's limit.
MAX_NAME = 32


class ParameterRange:
    """A range of one hyperparameter (``IntegerParameter``, ``ContinuousParameter``)."""

    kind = "continuous"

    def __init__(self, min_value: float, max_value: float, scaling_type: str = "Auto") -> None:
        self.min_value = min_value
        self.max_value = max_value
        self.scaling_type = scaling_type

    def as_range(self, name: str) -> dict[str, Any]:
        return {"name": name, "min_value": self.min_value, "max_value": self.max_value,
                "scaling_type": self.scaling_type}  # fmt: skip


class IntegerParameter(ParameterRange):
    kind = "integer"


class ContinuousParameter(ParameterRange):
    kind = "continuous"


class CategoricalParameter(ParameterRange):
    """Its values become strings, as the official SDK sends them."""

    kind = "categorical"

    def __init__(self, values: Any) -> None:  # pylint: disable=super-init-not-called
        items = values if isinstance(values, (list, tuple)) else [values]
        self.values = [str(v) for v in items]

    def as_range(self, name: str) -> dict[str, Any]:
        return {"name": name, "values": self.values}


class TuningJobError(RuntimeError):
    """A tuning job ended Failed (``wait`` raises it)."""

    def __init__(self, job: dict[str, Any]) -> None:
        super().__init__(
            f"Tuning job {job['name']} ended {job['status']}: {job.get('failure_reason') or ''}"
        )
        self.job = job


class HyperparameterTuner(UsesClient):
    """Tune ``estimator``'s hyperparameters over ``hyperparameter_ranges``."""

    def __init__(
        self,
        estimator: Estimator,
        objective_metric_name: str,
        hyperparameter_ranges: Mapping[str, ParameterRange],
        metric_definitions: list[Mapping[str, str]] | None = None,
        strategy: str = "Bayesian",
        objective_type: str = "Maximize",
        max_jobs: int | None = None,
        max_parallel_jobs: int = 1,
        max_runtime_in_seconds: int | None = None,
        tags: Any = None,
        base_tuning_job_name: str | None = None,
        warm_start_config: Any = None,
        strategy_config: Any = None,
        completion_criteria_config: Any = None,
        early_stopping_type: str = "Off",
        estimator_name: str | None = None,
        random_seed: int | None = None,
        autotune: bool = False,
        hyperparameters_to_keep_static: list[str] | None = None,
    ) -> None:
        if warm_start_config is not None or autotune:
            raise NotImplementedError("warm_start_config and autotune are not supported yet.")
        self.estimator = estimator
        self.objective_metric_name = objective_metric_name
        self._hyperparameter_ranges = dict(hyperparameter_ranges)
        self.metric_definitions = [_metric(m) for m in metric_definitions or []]
        self.strategy = strategy
        self.objective_type = objective_type
        self.max_jobs = max_jobs
        self.max_parallel_jobs = max_parallel_jobs
        self.max_runtime_in_seconds = max_runtime_in_seconds
        self.tags = tags
        self.base_tuning_job_name = base_tuning_job_name
        self.strategy_config = strategy_config
        self.completion_criteria_config = completion_criteria_config
        self.early_stopping_type = early_stopping_type
        self.estimator_name = estimator_name
        self.random_seed = random_seed
        self.hyperparameters_to_keep_static = hyperparameters_to_keep_static
        self._client = getattr(estimator, "_client", None)
        self.latest_tuning_job: str | None = None
        self._job: dict[str, Any] | None = None

    def hyperparameter_ranges(self) -> dict[str, list[dict[str, Any]]]:
        """The ranges as the request sends them (``integer_parameter_ranges``, ...)."""
        groups: dict[str, list[dict[str, Any]]] = {
            "integer_parameter_ranges": [],
            "continuous_parameter_ranges": [],
            "categorical_parameter_ranges": [],
        }
        for name, rng in self._hyperparameter_ranges.items():
            groups[f"{rng.kind}_parameter_ranges"].append(rng.as_range(name))
        return groups

    def _config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "strategy": self.strategy,
            "hyper_parameter_tuning_job_objective": {
                "type": self.objective_type, "metric_name": self.objective_metric_name,
            },
            "resource_limits": {
                "max_number_of_training_jobs": self.max_jobs,
                "max_parallel_training_jobs": self.max_parallel_jobs,
                "max_runtime_in_seconds": self.max_runtime_in_seconds,
            },
            "parameter_ranges": self.hyperparameter_ranges(),
            "training_job_early_stopping_type": self.early_stopping_type,
            "random_seed": self.random_seed,
        }  # fmt: skip
        if self.strategy_config is not None:
            hb = getattr(self.strategy_config, "hyperband_strategy_config", self.strategy_config)
            config["strategy_config"] = {"hyperband_strategy_config": {
                "min_resource": getattr(hb, "min_resource", None),
                "max_resource": getattr(hb, "max_resource", None),
            }}  # fmt: skip
        criteria = self.completion_criteria_config
        if criteria is not None:
            patience = getattr(criteria, "max_number_of_training_jobs_not_improving", None)
            config["tuning_job_completion_criteria"] = {
                "target_objective_metric_value": getattr(
                    criteria, "target_objective_metric_value", None
                ),
                "best_objective_not_improving": (
                    {"max_number_of_training_jobs_not_improving": patience} if patience else None
                ),
            }
        config["resource_limits"] = _drop_none(config["resource_limits"])
        return _drop_none(config)

    def _definition(self, inputs: Any, name: str) -> dict[str, Any]:
        """The estimator's training job request, without a name (each trial gets one)."""
        est = self.estimator
        spec = est.training_request(inputs, name)
        del spec["name"]
        tuned = set(self._hyperparameter_ranges)
        spec["hyperparameters"] = {k: v for k, v in est.hyperparameters().items() if k not in tuned}
        names = {m["name"] for m in est.metric_definitions}
        spec["metric_definitions"] = est.metric_definitions + [
            m for m in self.metric_definitions if m["name"] not in names
        ]
        return spec

    def _job_name(self) -> str:
        base = self.base_tuning_job_name or self.estimator.base_job_name or "tuning"
        stamp = datetime.now().strftime("%y%m%d-%H%M%S")
        return f"{base[: MAX_NAME - len(stamp) - 1].rstrip('-')}-{stamp}"

    def fit(
        self,
        inputs: Any = None,
        job_name: str | None = None,
        include_cls_metadata: Any = False,
        estimator_kwargs: Any = None,
        wait: bool = True,
        **kwargs: Any,
    ) -> None:
        """Start the tuning job; with ``wait`` (the SDK's default), block until it ends."""
        name = job_name or self._job_name()
        spec = {
            "name": name,
            "config": self._config(),
            "training_job_definition": self._definition(inputs, name),
        }
        self._job = self.client.create_tuning_job(spec)
        self.latest_tuning_job = self._job["name"]
        if wait:
            self.wait()

    def _name(self) -> str:
        if self.latest_tuning_job is None:
            raise ValueError("No tuning job yet: call fit() first.")
        return self.latest_tuning_job

    def describe(self) -> dict[str, Any]:
        """DescribeHyperParameterTuningJob (this server's snake_case names)."""
        self._job = self.client.tuning_job(self._name())
        return self._job

    def wait(self) -> dict[str, Any]:
        """Block until the tuning job ends; raise ``TuningJobError`` if it failed."""
        while (job := self.describe())["status"] not in TUNING_FINAL:
            time.sleep(POLL_SECONDS)
        if job["status"] == "Failed":
            raise TuningJobError(job)
        return job

    def stop_tuning_job(self) -> None:
        self._job = self.client.stop_tuning_job(self._name())

    def best_training_job(self) -> str:
        """The name of the training job with the best objective (raises before there is one)."""
        best = self.describe().get("best_training_job")
        if not best:
            raise Exception(f"Best training job not available for tuning job: {self._name()}")
        return str(best["training_job_name"])

    def best_estimator(self, best_training_job: str | None = None) -> Estimator:
        return Estimator.attach(best_training_job or self.best_training_job(), client=self.client)

    def deploy(
        self,
        initial_instance_count: int | None = None,
        instance_type: str | None = None,
        serializer: Any = None,
        deserializer: Any = None,
        accelerator_type: str | None = None,
        endpoint_name: str | None = None,
        wait: bool = True,
        model_name: str | None = None,
        kms_key: str | None = None,
        data_capture_config: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Deploy the best training job's model (as the SDK's ``tuner.deploy``)."""
        return self.best_estimator().deploy(
            initial_instance_count, instance_type, serializer, deserializer,
            accelerator_type, endpoint_name, wait=wait, model_name=model_name,
            kms_key=kms_key, data_capture_config=data_capture_config, **kwargs,
        )  # fmt: skip

    def analytics(self) -> TuningJobAnalytics:
        return TuningJobAnalytics(self._name(), self.client)


class TuningJobAnalytics:
    """``HyperparameterTuningJobAnalytics``: the trials as a table."""

    def __init__(self, tuning_job_name: str, client: Any) -> None:
        self.name = tuning_job_name
        self.client = client

    def training_job_summaries(self) -> list[dict[str, Any]]:
        return self.client.tuning_job_training_jobs(self.name)  # type: ignore[no-any-return]

    def dataframe(self) -> Any:
        """One row per trial, the SDK's columns; a pandas DataFrame when pandas is there,
        else a list of dicts (the kernel side needs nothing beyond the standard library)."""
        rows = []
        for t in self.training_job_summaries():
            metric = t.get("final_hyper_parameter_tuning_job_objective_metric") or {}
            start, end = t.get("training_start_time_ms"), t.get("training_end_time_ms")
            rows.append({
                **t["tuned_hyper_parameters"],
                "TrainingJobName": t["training_job_name"],
                "TrainingJobStatus": t["training_job_status"],
                "FinalObjectiveValue": metric.get("value"),
                "TrainingStartTime": _time(start),
                "TrainingEndTime": _time(end),
                "TrainingElapsedTimeSeconds": (end - start) / 1000 if start and end else None,
            })  # fmt: skip
        try:
            import pandas as pd
        except ImportError:
            return rows
        return pd.DataFrame(rows)


def _time(ms: int | None) -> datetime | None:
    return datetime.fromtimestamp(ms / 1000) if ms else None


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
