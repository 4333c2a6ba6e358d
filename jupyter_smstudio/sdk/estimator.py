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
from typing import Any

from ..algorithms import algorithm_for_image
from ..client import Client
from .base import UnsupportedArgument, UsesClient, local_path, reject_unsupported, take_legacy
from .code import with_dependencies
from .jobs import FINAL, JobFailed, JobHandle, WaitsForJob, base_name, stamped
from .session import session_client

#: SDK v1 keyword names and their v2 names (``EstimatorBase.__init__``'s renamed_kwargs).
LEGACY = {
    "train_instance_count": "instance_count",
    "train_instance_type": "instance_type",
    "train_max_run": "max_run",
    "train_use_spot_instances": "use_spot_instances",
    "train_max_wait": "max_wait",
    "train_volume_size": "volume_size",
    "train_volume_kms_key": "volume_kms_key",
    "image_name": "image_uri",  # Framework's renamed_kwargs; v1's Estimator too
}
#: Arguments with nothing to do on this server (no IAM, VPC, KMS, billing): accepted.
NO_EFFECT = ("role", "volume_size", "volume_kms_key", "output_kms_key", "tags", "subnets",
             "security_group_ids", "encrypt_inter_container_traffic", "use_spot_instances",
             "max_wait", "enable_sagemaker_metrics", "container_log_level",
             "disable_profiler")  # fmt: skip
#: Arguments that would change what runs and are not implemented: refused.
UNSUPPORTED = ("keep_alive_period_in_seconds", "model_uri", "model_channel_name",
               "checkpoint_local_path", "enable_network_isolation", "rules",
               "debugger_hook_config", "tensorboard_output_config", "profiler_config",
               "max_retry_attempts", "git_config", "instance_groups",
               "training_repository_access_mode",
               "training_repository_credentials_provider_arn", "disable_output_compression",
               "enable_infra_check", "enable_remote_debug", "enable_session_tag_chaining",
               "training_plan", "instance_placement_config")  # fmt: skip


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
    # TrainingInput (ours or the official one's config); FileSystemInput has no S3 source
    source = getattr(value, "config", {}).get("DataSource", {}).get("S3DataSource")
    if source is None:
        raise UnsupportedArgument(
            f"fit: a {type(value).__name__} input is not supported "
            "(give a path or a TrainingInput)."
        )
    return {"path": local_path(source["S3Uri"]), "content_type": value.config.get("ContentType")}


class Estimator(WaitsForJob, UsesClient):
    """Train with a script (script mode) or a container image, like ``sagemaker.estimator``.

    The official signature, in its order; ``backend`` and ``client`` are this server's.
    Legacy v1 names (``train_instance_type``, ...) map to v2 ones with a warning; the
    arguments in ``UNSUPPORTED`` raise when given.
    """

    failure = TrainingJobError

    def __init__(
        self,
        image_uri: str | None = None,
        role: str | None = None,
        instance_count: int | None = None,
        instance_type: str | None = None,
        keep_alive_period_in_seconds: int | None = None,
        volume_size: int = 30,
        volume_kms_key: str | None = None,
        max_run: int = 24 * 60 * 60,
        input_mode: str = "File",
        output_path: str | None = None,
        output_kms_key: str | None = None,
        base_job_name: str | None = None,
        sagemaker_session: Any = None,
        hyperparameters: dict[str, Any] | None = None,
        tags: Any = None,
        subnets: list[str] | None = None,
        security_group_ids: list[str] | None = None,
        model_uri: str | None = None,
        model_channel_name: str = "model",
        metric_definitions: list[Mapping[str, str]] | None = None,
        encrypt_inter_container_traffic: bool | None = None,
        use_spot_instances: bool = False,
        max_wait: int | None = None,
        checkpoint_s3_uri: str | None = None,
        checkpoint_local_path: str | None = None,
        enable_network_isolation: bool | None = None,
        rules: Any = None,
        debugger_hook_config: Any = None,
        tensorboard_output_config: Any = None,
        enable_sagemaker_metrics: bool | None = None,
        profiler_config: Any = None,
        disable_profiler: bool = False,
        environment: dict[str, str] | None = None,
        max_retry_attempts: int | None = None,
        source_dir: str | None = None,
        git_config: dict[str, str] | None = None,
        container_log_level: int = 20,
        code_location: str | None = None,
        entry_point: str | None = None,
        dependencies: list[str] | None = None,
        instance_groups: Any = None,
        training_repository_access_mode: str | None = None,
        training_repository_credentials_provider_arn: str | None = None,
        container_entry_point: list[str] | None = None,
        container_arguments: list[str] | None = None,
        disable_output_compression: bool = False,
        enable_infra_check: bool | None = None,
        enable_remote_debug: bool | None = None,
        enable_session_tag_chaining: bool | None = None,
        training_plan: str | None = None,
        instance_placement_config: dict[str, Any] | None = None,
        *,
        backend: str | None = None,
        client: Client | None = None,
        **kwargs: Any,
    ) -> None:
        legacy = take_legacy(type(self).__name__, kwargs, LEGACY)
        image_uri = legacy.get("image_uri", image_uri)
        instance_count = legacy.get("instance_count", instance_count)
        instance_type = legacy.get("instance_type", instance_type)
        max_run = legacy.get("max_run", max_run)
        if debugger_hook_config is False:  # the SDK's way to say "no debugger"
            debugger_hook_config = None
        if enable_network_isolation is False:
            enable_network_isolation = None
        reject_unsupported(type(self).__name__, Estimator.__init__, locals(), UNSUPPORTED)
        if input_mode not in ("File", "FastFile"):
            raise UnsupportedArgument(
                f"{type(self).__name__}: input_mode={input_mode!r} is not supported "
                "(channels are files on disk: File, FastFile)."
            )
        self.role = role
        self.entry_point = entry_point
        self.source_dir = source_dir
        self.dependencies = list(dependencies or [])
        self.code_location = code_location
        self._hyperparameters = dict(hyperparameters or {})
        self.instance_type = instance_type
        self.instance_count = 1 if instance_count is None else instance_count
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
        self.sagemaker_session = sagemaker_session
        self._client = session_client(type(self).__name__, sagemaker_session, client)
        self.latest_training_job: JobHandle | None = None
        self._job: dict[str, Any] | None = None

    def hyperparameters(self) -> dict[str, Any]:
        return dict(self._hyperparameters)

    def set_hyperparameters(self, **kwargs: Any) -> None:
        self._hyperparameters.update(kwargs)

    def _job_name(self) -> str:
        return stamped(self.base_job_name)

    def fit(
        self,
        inputs: Any = None,
        wait: bool = True,
        logs: bool | str = "All",
        job_name: str | None = None,
        experiment_config: dict[str, str] | None = None,
    ) -> None:
        """Start a training job; with ``wait``, follow it to its end (raising if it failed).

        ``inputs``: a path, a ``TrainingInput``, or a dict of channel name -> either
        (one path or input is the ``training`` channel, as in the SDK).
        """
        reject_unsupported("fit", Estimator.fit, locals(), ("experiment_config",))
        request = self.training_request(inputs, job_name or self._job_name())
        self._job = self.client.create_training_job(request)
        self.latest_training_job = JobHandle(self._job["name"], self)
        if wait:
            self.wait(logs=logs)

    def training_request(self, inputs: Any, name: str) -> dict[str, Any]:
        """The training job body ``fit`` sends (a tuning job reuses it for its trials)."""
        if inputs is not None and not isinstance(inputs, Mapping):
            inputs = {"training": inputs}
        source_dir, entry_point = with_dependencies(
            name, self.entry_point, self.source_dir, self.dependencies, self.code_location
        )
        spec: dict[str, Any] = {
            "name": name,
            "entry_point": entry_point if source_dir else local_path(entry_point),
            "source_dir": local_path(source_dir),
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
        builtin = None if self.entry_point else algorithm_for_image(self.image_uri)
        if builtin is not None:  # e.g. the XGBoost image without a script: algorithm mode
            spec.update(algorithm=builtin, image=None)
        return {k: v for k, v in spec.items() if v is not None}

    @classmethod
    def attach(
        cls,
        training_job_name: str,
        sagemaker_session: Any = None,
        model_channel_name: str = "model",
        *,
        client: Client | None = None,
    ) -> Estimator:
        """An Estimator for an existing job (its settings as the job was created)."""
        reject_unsupported("attach", Estimator.attach, locals(), ("model_channel_name",))
        client = session_client("attach", sagemaker_session, client) or Client()
        job = client.training_job(training_job_name)
        spec = job["spec"]
        est = Estimator(
            entry_point=spec.get("entry_point"), source_dir=spec.get("source_dir"),
            hyperparameters=spec.get("hyperparameters"), instance_type=job["instance_type"],
            instance_count=spec.get("instance_count", 1),
            metric_definitions=spec.get("metric_definitions"),
            output_path=spec.get("output_path"), image_uri=spec.get("image"),
            environment=spec.get("environment"), client=client,
        )  # fmt: skip
        est.latest_training_job = JobHandle(training_job_name, est)
        est._job = job
        return est

    def current_job(self) -> str:
        if self.latest_training_job is None:
            raise ValueError("No training job yet: call fit() or Estimator.attach(name) first.")
        return str(self.latest_training_job)

    def describe_job(self, name: str) -> dict[str, Any]:
        job = self.client.training_job(name)
        if name == self.latest_training_job:
            self._job = job
        return job

    def read_log(self, name: str, cursor: int) -> dict[str, Any]:
        return self.client.training_job_logs(name, cursor)

    def stop_job(self, name: str) -> dict[str, Any]:
        return self.client.stop_training_job(name)

    def stop(self) -> None:
        self._job = self.stop_job(self.current_job())

    def training_job_analytics(self) -> dict[str, list[Any]]:
        """Metric name -> [(timestamp_ms, value), ...] (the SDK returns a DataFrame)."""
        return self.client.training_job_metrics(self.current_job())

    @property
    def model_data(self) -> str | None:
        """Path of ``model.tar.gz`` once the job has ended (None before)."""
        job = self._job if self._job and self._job["status"] in FINAL else self.describe()
        return job.get("model_artifacts")

    def create_model(
        self,
        role: str | None = None,
        image_uri: str | None = None,
        predictor_cls: Any = None,
        vpc_config_override: Any = "VPC_CONFIG_DEFAULT",
        **kwargs: Any,
    ) -> Any:
        """The ``Model`` serving this job's output with the code it trained with
        (``entry_point``, ``source_dir``, ``dependencies``, ... in ``kwargs`` override it)."""
        from .model import Model

        return self._model(Model, role=role, image_uri=image_uri,
                           predictor_cls=predictor_cls, **kwargs)  # fmt: skip

    def _model(self, model_cls: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("instance_type", self.instance_type)
        kwargs.setdefault("role", self.role)
        return model_cls.from_estimator(self, client=self.client, **kwargs)

    def deploy(
        self,
        initial_instance_count: int | None = None,
        instance_type: str | None = None,
        serializer: Any = None,
        deserializer: Any = None,
        accelerator_type: str | None = None,
        endpoint_name: str | None = None,
        use_compiled_model: bool = False,
        wait: bool = True,
        model_name: str | None = None,
        kms_key: str | None = None,
        data_capture_config: Any = None,
        tags: Any = None,
        serverless_inference_config: Any = None,
        async_inference_config: Any = None,
        volume_size: int | None = None,
        model_data_download_timeout: int | None = None,
        container_startup_health_check_timeout: int | None = None,
        inference_recommendation_id: str | None = None,
        explainer_config: Any = None,
        *,
        workers: int | None = None,
        **kwargs: Any,
    ) -> Any:
        """Serve this job's model: ``create_model(**kwargs).deploy(...)`` → ``Predictor``.

        As in SageMaker, the code the job trained with (its ``source_dir``, with
        ``requirements.txt`` and its dependencies, and the entry point's ``model_fn``) is
        the inference code unless ``entry_point``/``source_dir`` (in ``kwargs``, passed to
        the model as the SDK does) name another.
        """
        reject_unsupported(
            "deploy",
            Estimator.deploy,
            locals(),
            ("use_compiled_model", "inference_recommendation_id"),
        )
        model = self.create_model(name=model_name, **kwargs)
        return model.deploy(
            initial_instance_count, instance_type or self.instance_type, serializer,
            deserializer, accelerator_type, endpoint_name, tags=tags, kms_key=kms_key,
            wait=wait, data_capture_config=data_capture_config,
            async_inference_config=async_inference_config,
            serverless_inference_config=serverless_inference_config,
            explainer_config=explainer_config, workers=workers,
        )  # fmt: skip

    def transformer(
        self,
        instance_count: int = 1,
        instance_type: str | None = None,
        strategy: str | None = None,
        assemble_with: str | None = None,
        output_path: str | None = None,
        output_kms_key: str | None = None,
        accept: str | None = None,
        env: dict[str, str] | None = None,
        max_concurrent_transforms: int | None = None,
        max_payload: int | None = None,
        tags: Any = None,
        role: str | None = None,
        volume_kms_key: str | None = None,
        vpc_config_override: Any = "VPC_CONFIG_DEFAULT",
        enable_network_isolation: bool | None = None,
        model_name: str | None = None,
    ) -> Any:
        """A ``Transformer`` for this job's model (served by the code it trained with)."""
        reject_unsupported(
            "transformer", Estimator.transformer, locals(), ("enable_network_isolation",)
        )
        model = self.create_model(name=model_name)
        return model.transformer(
            instance_count, instance_type or self.instance_type, strategy, assemble_with,
            output_path, output_kms_key, accept, env, max_concurrent_transforms, max_payload,
            tags, volume_kms_key,
        )  # fmt: skip
