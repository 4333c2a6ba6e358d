"""``Model``, ``Predictor`` and ``Transformer``: the SageMaker SDK's deploy side, on this server.

    model = Model(model_data="jobs/output/model.tar.gz", entry_point="inference.py",
                  source_dir="src", instance_type="ml.t3.medium")
    predictor = model.deploy(initial_instance_count=1)
    predictor.predict([[5.1, 3.5, 1.4, 0.2]])     # CSV in, JSON out by default
    predictor.delete_endpoint()

    model.transformer(output_path="scored", strategy="MultiRecord",
                      assemble_with="Line").transform("data/big.csv", split_type="Line")

The signatures are the official SDK's (same order and names); the arguments this server
cannot honour raise ``UnsupportedArgument``, those with nothing to do here (KMS keys,
tags, VPC) are accepted. Relative paths are taken from the current directory (a
notebook's folder, as in ``open()``) and sent as absolute paths; the server accepts them
inside your workspace.
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from typing import Any

from ..client import Client
from .base import UnsupportedArgument, UsesClient, local_path, reject_unsupported, take_legacy
from .code import lone_entry_point, with_dependencies
from .jobs import FINAL, JobFailed, JobHandle, WaitsForJob
from .serializers import CSVSerializer, JSONDeserializer
from .session import session_client

POLL_SECONDS = 0.5


class DeployError(RuntimeError):
    """The endpoint or transform job ended Failed (the SDK's UnexpectedStatusException)."""


class TransformJobError(JobFailed, DeployError):
    """A transform job ended Failed (``transform(wait=True)`` raises it)."""

    kind = "Transform"


def _unique(base: str) -> str:
    stamp = datetime.now().strftime("%Y-%m-%d-%H-%M-%S-%f")[:-3]
    clean = "".join(c if c.isalnum() else "-" for c in base).strip("-")[:38] or "model"
    return f"{clean}-{stamp}"


class Predictor(UsesClient):
    """Invoke a deployed endpoint; ``predict`` serializes, sends, deserializes.

    Unlike the official ``Predictor`` (raw bytes by default), CSV goes in and JSON
    comes out unless a serializer/deserializer is given, as this SDK always did.
    """

    def __init__(
        self,
        endpoint_name: str,
        sagemaker_session: Any = None,
        serializer: Any = None,
        deserializer: Any = None,
        component_name: str | None = None,
        *,
        client: Client | None = None,
        **kwargs: Any,
    ) -> None:
        for removed in ("content_type", "accept"):
            if removed in kwargs:
                raise UnsupportedArgument(
                    f"Predictor: {removed}= was removed in sagemaker>=2; give "
                    f"serializer=CSVSerializer(content_type=...) or "
                    f"deserializer=JSONDeserializer(accept=...)."
                )
        take_legacy("Predictor", kwargs, {})
        reject_unsupported("Predictor", Predictor.__init__, locals(), ("component_name",))
        self.endpoint_name = endpoint_name
        self.sagemaker_session = sagemaker_session
        self.serializer = serializer or CSVSerializer()
        self.deserializer = deserializer or JSONDeserializer()
        self._client = session_client("Predictor", sagemaker_session, client)

    @property
    def content_type(self) -> str:
        return str(self.serializer.CONTENT_TYPE)

    @property
    def accept(self) -> tuple[str, ...]:
        return tuple(self.deserializer.ACCEPT)

    def predict(
        self,
        data: Any,
        initial_args: dict[str, str] | None = None,
        target_model: str | None = None,
        target_variant: str | None = None,
        inference_id: str | None = None,
        custom_attributes: str | None = None,
        component_name: str | None = None,
    ) -> Any:
        reject_unsupported(
            "predict", Predictor.predict, locals(),
            ("target_model", "inference_id", "component_name"),
        )  # fmt: skip
        headers: dict[str, str] = {}
        if target_variant:
            headers["X-Amzn-SageMaker-Target-Variant"] = target_variant
        if custom_attributes:
            headers["X-Amzn-SageMaker-Custom-Attributes"] = custom_attributes
        args = initial_args or {}
        content_type = args.get("ContentType", self.serializer.CONTENT_TYPE)
        accept = args.get("Accept", self.deserializer.ACCEPT[0])
        response = self.client.invoke_endpoint(
            self.endpoint_name, self.serializer.serialize(data), content_type, accept, **headers
        )
        return self.deserializer.deserialize(
            response.content, response.headers.get("Content-Type", accept)
        )

    def describe(self) -> dict[str, Any]:
        return self.client.endpoint(self.endpoint_name)

    def update_endpoint(
        self,
        initial_instance_count: int | None = None,
        instance_type: str | None = None,
        accelerator_type: str | None = None,
        model_name: str | None = None,
        tags: Any = None,
        kms_key: str | None = None,
        data_capture_config_dict: dict[str, Any] | None = None,
        max_instance_count: int | None = None,
        min_instance_count: int | None = None,
        wait: bool = True,
    ) -> dict[str, Any]:
        """Deploy another model (or the same one on other instances) without downtime;
        rolls back if it fails to start. Unset values are the current variant's."""
        reject_unsupported(
            "update_endpoint", Predictor.update_endpoint, locals(),
            ("accelerator_type", "data_capture_config_dict", "max_instance_count",
             "min_instance_count"),
        )  # fmt: skip
        current = self.describe()["variants"][0]
        variant = {
            "model_name": model_name or current["model_name"],
            "initial_instance_count": initial_instance_count or current["current_instance_count"],
            "instance_type": instance_type or current["instance_type"],
        }
        self.client.update_endpoint(self.endpoint_name, variants=[variant])
        return wait_for_endpoint(self.client, self.endpoint_name) if wait else self.describe()

    def delete_endpoint(self, delete_endpoint_config: bool = True) -> None:
        """Delete the endpoint and, unless told not to, its endpoint config (as the SDK)."""
        config = self.describe()["endpoint_config_name"]
        self.client.delete_endpoint(self.endpoint_name)
        if delete_endpoint_config:
            self.client.request("DELETE", "endpoint-configs", config)

    def delete_model(self) -> None:
        """Delete the models the endpoint serves."""
        for variant in self.describe()["variants"]:
            self.client.delete_model(variant["model_name"])


def wait_for_endpoint(client: Client, name: str, timeout: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        endpoint = client.endpoint(name)
        if endpoint["status"] == "Failed":
            raise DeployError(f"Endpoint {name} failed: {endpoint.get('failure_reason')}")
        if endpoint["status"] == "InService" and not endpoint.get("pending_config_name"):
            return endpoint
        if time.monotonic() > deadline:
            raise TimeoutError(f"Endpoint {name} is still {endpoint['status']}")
        time.sleep(POLL_SECONDS)


#: ``Model`` arguments that would change what is served and are not implemented.
MODEL_UNSUPPORTED = ("vpc_config", "enable_network_isolation", "image_config", "git_config",
                     "resources", "additional_model_data_sources",
                     "model_reference_arn")  # fmt: skip
#: ``deploy`` arguments of endpoint kinds this server does not have.
DEPLOY_UNSUPPORTED = ("accelerator_type", "async_inference_config",
                      "serverless_inference_config", "inference_recommendation_id",
                      "explainer_config", "accept_eula", "endpoint_logging", "resources",
                      "endpoint_type", "managed_instance_scaling", "inference_component_name",
                      "routing_config", "model_reference_arn", "inference_ami_version",
                      "update_endpoint")  # fmt: skip


class Model(UsesClient):
    """Artifacts + inference code + environment; ``deploy`` or ``transformer`` it.

    A lone ``entry_point`` is a file in the caller's folder (as in the SDK), or else a
    script in the model's ``code/``; ``dependencies`` are copied next to the code (see
    ``code.with_dependencies``). ``instance_type`` (this server's) is the default profile.
    """

    def __init__(
        self,
        image_uri: str | None = None,
        model_data: str | None = None,
        role: str | None = None,
        predictor_cls: Any = None,
        env: dict[str, str] | None = None,
        name: str | None = None,
        vpc_config: dict[str, list[str]] | None = None,
        sagemaker_session: Any = None,
        enable_network_isolation: bool | None = None,
        model_kms_key: str | None = None,
        image_config: dict[str, str] | None = None,
        source_dir: str | None = None,
        code_location: str | None = None,
        entry_point: str | None = None,
        container_log_level: int = 20,
        dependencies: list[str] | None = None,
        git_config: dict[str, str] | None = None,
        resources: Any = None,
        additional_model_data_sources: dict[str, Any] | None = None,
        model_reference_arn: str | None = None,
        *,
        instance_type: str | None = None,
        client: Client | None = None,
    ) -> None:
        if enable_network_isolation is False:
            enable_network_isolation = None
        reject_unsupported(type(self).__name__, Model.__init__, locals(), MODEL_UNSUPPORTED)
        self.image_uri = image_uri
        self.model_data = model_data
        self.role = role
        self.predictor_cls = predictor_cls or Predictor
        self.env = dict(env or {})
        self.name = name
        self.sagemaker_session = sagemaker_session
        self.source_dir = source_dir
        self.code_location = code_location
        self.entry_point = entry_point
        self.dependencies = list(dependencies or [])
        self.instance_type = instance_type
        self._client = session_client(type(self).__name__, sagemaker_session, client)
        self._created = False

    @classmethod
    def from_estimator(cls, estimator: Any, **kwargs: Any) -> Model:
        """The model a finished training job produced, served by the code it trained with.

        The code is where the job took it (the paths it was created with), not where the
        estimator's relative paths point from the current directory now.
        """
        if not estimator.model_data:
            raise DeployError("The estimator has no model_data yet: fit() it first.")
        spec = estimator.describe()["spec"]
        source_dir, entry_point = spec.get("source_dir"), spec.get("entry_point")
        if entry_point and not source_dir:  # a lone script: its folder holds the code
            source_dir, entry_point = os.path.split(local_path(entry_point))
        if "entry_point" in kwargs and "source_dir" not in kwargs:
            source_dir = None  # a lone entry point of the caller's: its folder, not the job's
        kwargs.setdefault("source_dir", source_dir)
        kwargs.setdefault("entry_point", entry_point)
        return cls(model_data=estimator.model_data, **kwargs)

    def create(self, instance_type: str | None = None) -> str:
        """Register the model (once); returns its name."""
        if not self._created:
            if self.model_data is None:
                raise ValueError("model_data: give the model's model.tar.gz or directory.")
            self.name = self.name or _unique((self.entry_point or "model").split(".")[0])
            source_dir, entry_point = with_dependencies(
                self.name, self.entry_point, self.source_dir, self.dependencies,
                self.code_location,
            )  # fmt: skip
            source_dir, entry_point = lone_entry_point(entry_point, source_dir)
            self.client.create_model(
                self.name,
                local_path(self.model_data),
                entry_point=entry_point,
                source_dir=local_path(source_dir),
                environment=self.env,
                image=self.image_uri,
                instance_type=instance_type or self.instance_type,
            )
            self._created = True
        assert self.name is not None
        return self.name

    def deploy(
        self,
        initial_instance_count: int | None = None,
        instance_type: str | None = None,
        serializer: Any = None,
        deserializer: Any = None,
        accelerator_type: str | None = None,
        endpoint_name: str | None = None,
        tags: Any = None,
        kms_key: str | None = None,
        wait: bool = True,
        data_capture_config: Any = None,
        async_inference_config: Any = None,
        serverless_inference_config: Any = None,
        volume_size: int | None = None,
        model_data_download_timeout: int | None = None,
        container_startup_health_check_timeout: int | None = None,
        inference_recommendation_id: str | None = None,
        explainer_config: Any = None,
        accept_eula: bool | None = None,
        endpoint_logging: bool = False,
        resources: Any = None,
        endpoint_type: Any = None,
        managed_instance_scaling: str | None = None,
        inference_component_name: str | None = None,
        routing_config: dict[str, Any] | None = None,
        model_reference_arn: str | None = None,
        inference_ami_version: str | None = None,
        update_endpoint: bool | None = False,
        *,
        workers: int | None = None,
        **kwargs: Any,
    ) -> Predictor:
        """Create an endpoint serving this model; waits for InService unless ``wait=False``.

        Returns a ``Predictor`` (of ``predictor_cls``); ``workers`` is the number of model
        server workers per instance (this server's).
        """
        if str(endpoint_type) in ("EndpointType.MODEL_BASED", "ModelBased"):
            endpoint_type = None  # the official default: the only kind here
        reject_unsupported("deploy", Model.deploy, locals(), DEPLOY_UNSUPPORTED)
        take_legacy("deploy", kwargs, {})
        name = self.create(instance_type)
        endpoint_name = endpoint_name or name
        variant = {
            "model_name": name,
            "initial_instance_count": initial_instance_count or 1,
            "instance_type": instance_type or self.instance_type,
            "workers": workers,
        }
        self.client.create_endpoint(
            endpoint_name, variants=[variant], data_capture=data_capture_config
        )
        if wait:
            wait_for_endpoint(self.client, endpoint_name)
        predictor = self.predictor_cls(endpoint_name, client=self.client)
        if serializer is not None:
            predictor.serializer = serializer
        if deserializer is not None:
            predictor.deserializer = deserializer
        return predictor

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
        volume_kms_key: str | None = None,
    ) -> Transformer:
        return Transformer(
            self.create(instance_type),
            instance_count,
            instance_type,
            strategy=strategy,
            assemble_with=assemble_with,
            output_path=output_path,
            accept=accept,
            max_concurrent_transforms=max_concurrent_transforms,
            max_payload=max_payload,
            env=env,
            client=self.client,
        )

    def delete_model(self) -> None:
        if self._created and self.name:
            self.client.delete_model(self.name)
            self._created = False


class Transformer(WaitsForJob, UsesClient):
    """Batch transform jobs for a model (``transform`` starts one and, by default, waits)."""

    failure = TransformJobError

    def __init__(
        self,
        model_name: str,
        instance_count: int = 1,
        instance_type: str | None = None,
        strategy: str | None = None,
        assemble_with: str | None = None,
        output_path: str | None = None,
        output_kms_key: str | None = None,
        accept: str | None = None,
        max_concurrent_transforms: int | None = None,
        max_payload: int | None = None,
        tags: Any = None,
        env: dict[str, str] | None = None,
        base_transform_job_name: str | None = None,
        sagemaker_session: Any = None,
        volume_kms_key: str | None = None,
        *,
        client: Client | None = None,
    ) -> None:
        self.model_name = model_name
        self.instance_count = instance_count
        self.instance_type = instance_type
        self.strategy = strategy
        self.assemble_with = assemble_with
        self.output_path = local_path(output_path or f"transform-output/{model_name}")
        self.accept = accept
        self.max_concurrent_transforms = max_concurrent_transforms
        self.max_payload = max_payload
        self.env = dict(env or {})
        self.base_transform_job_name = base_transform_job_name
        self.sagemaker_session = sagemaker_session
        self._client = session_client("Transformer", sagemaker_session, client)
        self.latest_transform_job: JobHandle | None = None

    def transform(
        self,
        data: str,
        data_type: str = "S3Prefix",
        content_type: str | None = None,
        compression_type: str | None = None,
        split_type: str | None = None,
        job_name: str | None = None,
        input_filter: str | None = None,
        output_filter: str | None = None,
        join_source: str | None = None,
        experiment_config: dict[str, str] | None = None,
        model_client_config: dict[str, Any] | None = None,
        batch_data_capture_config: Any = None,
        wait: bool = True,
        logs: bool = True,
    ) -> dict[str, Any]:
        """Start a transform job over ``data`` (a file or folder); with ``wait``, follow it
        to its end (raising if it failed). Returns the job's description."""
        if compression_type == "None":
            compression_type = None
        reject_unsupported(
            "transform", Transformer.transform, locals(),
            ("data_type", "compression_type", "experiment_config", "model_client_config",
             "batch_data_capture_config"),
        )  # fmt: skip
        name = job_name or _unique(self.base_transform_job_name or self.model_name)
        body: dict[str, Any] = {
            "model_name": self.model_name,
            "transform_input": {
                "data_source": local_path(data),
                "content_type": content_type or "text/csv",
                "split_type": split_type or "None",
            },
            "transform_output": {
                "output_path": self.output_path,
                "accept": self.accept,
                "assemble_with": self.assemble_with or "None",
            },
            "instance_type": self.instance_type,
            "environment": self.env,
            "batch_strategy": self.strategy,
            "data_processing": {
                "input_filter": input_filter,
                "join_source": join_source or "None",
                "output_filter": output_filter,
            },
        }
        if self.max_payload:
            body["max_payload_in_mb"] = self.max_payload
        if self.max_concurrent_transforms is not None:
            body["max_concurrent_transforms"] = self.max_concurrent_transforms
        job = self.client.create_transform_job(name, **body)
        self.latest_transform_job = JobHandle(name, self)
        return self.wait(logs=logs) if wait else job

    def current_job(self) -> str:
        if self.latest_transform_job is None:
            raise ValueError("No transform job yet: call transform() first.")
        return str(self.latest_transform_job)

    def describe_job(self, name: str) -> dict[str, Any]:
        return self.client.transform_job(name)

    def read_log(self, name: str, cursor: int) -> dict[str, Any]:
        # A transform's log chunk does not say whether more will come: it will not once
        # the job had ended before this read and the read reached the end.
        ended = self.describe_job(name)["status"] in FINAL
        chunk: dict[str, Any] = self.client.request(
            "GET", "transform-jobs", name, "logs", params={"cursor": cursor}
        )
        return {**chunk, "finished": ended and chunk["next_cursor"] >= chunk["size"]}

    def stop_job(self, name: str) -> dict[str, Any]:
        return self.client.stop_transform_job(name)

    def stop_transform_job(self, wait: bool = True) -> None:
        self.stop_job(self.current_job())
        if wait:
            self.wait(logs=False)
