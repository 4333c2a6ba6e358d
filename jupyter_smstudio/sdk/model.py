"""``Model``, ``Predictor`` and ``Transformer``: the SageMaker SDK's deploy side, on this server.

    model = Model(model_data="jobs/output/model.tar.gz", entry_point="inference.py",
                  source_dir="src", instance_type="ml.t3.medium")
    predictor = model.deploy(initial_instance_count=1)
    predictor.predict([[5.1, 3.5, 1.4, 0.2]])     # CSV in, JSON out by default
    predictor.delete_endpoint()

    model.transformer(output_path="scored", strategy="MultiRecord",
                      assemble_with="Line").transform("data/big.csv", split_type="Line")

Relative paths are taken from the current directory (a notebook's folder, as in
``open()``) and sent as absolute paths; the server accepts them inside your workspace.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime
from typing import Any, TextIO, overload

from ..client import Client
from .base import UsesClient
from .serializers import CSVSerializer, JSONDeserializer

POLL_SECONDS = 0.5


@overload
def _local(path: str) -> str: ...
@overload
def _local(path: None) -> None: ...
def _local(path: str | None) -> str | None:
    """A path as the caller means it: relative to the current directory (the notebook's)."""
    if path is None or "://" in path:
        return path
    return os.path.abspath(os.path.expanduser(path))


class DeployError(RuntimeError):
    """The endpoint or transform job ended Failed (the SDK's UnexpectedStatusException)."""


def _unique(base: str) -> str:
    stamp = datetime.now().strftime("%Y-%m-%d-%H-%M-%S-%f")[:-3]
    clean = "".join(c if c.isalnum() else "-" for c in base).strip("-")[:38] or "model"
    return f"{clean}-{stamp}"


class Predictor(UsesClient):
    """Invoke a deployed endpoint; ``predict`` serializes, sends, deserializes."""

    def __init__(
        self,
        endpoint_name: str,
        serializer: Any = None,
        deserializer: Any = None,
        client: Client | None = None,
    ) -> None:
        self.endpoint_name = endpoint_name
        self.serializer = serializer or CSVSerializer()
        self.deserializer = deserializer or JSONDeserializer()
        self._client = client

    def predict(
        self,
        data: Any,
        initial_args: dict[str, str] | None = None,
        target_variant: str | None = None,
        custom_attributes: str | None = None,
    ) -> Any:
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
        model_name: str,
        initial_instance_count: int = 1,
        instance_type: str | None = None,
        wait: bool = True,
    ) -> dict[str, Any]:
        """Deploy another model without downtime (rolls back if it fails to start)."""
        variant = {
            "model_name": model_name,
            "initial_instance_count": initial_instance_count,
            "instance_type": instance_type,
        }
        self.client.update_endpoint(self.endpoint_name, variants=[variant])
        return wait_for_endpoint(self.client, self.endpoint_name) if wait else self.describe()

    def delete_endpoint(self) -> None:
        self.client.delete_endpoint(self.endpoint_name)


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


class Model(UsesClient):
    """Artifacts + inference code + environment; ``deploy`` or ``transformer`` it."""

    def __init__(
        self,
        model_data: str,
        entry_point: str | None = None,
        source_dir: str | None = None,
        image_uri: str | None = None,
        env: dict[str, str] | None = None,
        name: str | None = None,
        instance_type: str | None = None,
        predictor_cls: type[Predictor] = Predictor,
        client: Client | None = None,
    ) -> None:
        self.model_data = model_data
        self.entry_point = entry_point
        self.source_dir = source_dir
        self.image_uri = image_uri
        self.env = dict(env or {})
        self.name = name
        self.instance_type = instance_type
        self.predictor_cls = predictor_cls
        self._client = client
        self._created = False

    @classmethod
    def from_estimator(cls, estimator: Any, **kwargs: Any) -> Model:
        """The model a finished training job produced, with its entry point and source dir."""
        if not estimator.model_data:
            raise DeployError("The estimator has no model_data yet: fit() it first.")
        kwargs.setdefault("source_dir", getattr(estimator, "source_dir", None))
        kwargs.setdefault("entry_point", getattr(estimator, "entry_point", None))
        return cls(model_data=estimator.model_data, **kwargs)

    def create(self, instance_type: str | None = None) -> str:
        """Register the model (once); returns its name."""
        if not self._created:
            self.name = self.name or _unique((self.entry_point or "model").split(".")[0])
            self.client.create_model(
                self.name,
                _local(self.model_data),
                entry_point=self.entry_point,
                source_dir=_local(self.source_dir),
                environment=self.env,
                image=self.image_uri,
                instance_type=instance_type or self.instance_type,
            )
            self._created = True
        assert self.name is not None
        return self.name

    def deploy(
        self,
        initial_instance_count: int = 1,
        instance_type: str | None = None,
        endpoint_name: str | None = None,
        serializer: Any = None,
        deserializer: Any = None,
        wait: bool = True,
        data_capture_config: dict[str, Any] | None = None,
        workers: int | None = None,
    ) -> Predictor:
        """Create an endpoint serving this model; waits for InService unless ``wait=False``."""
        name = self.create(instance_type)
        endpoint_name = endpoint_name or name
        variant = {
            "model_name": name,
            "initial_instance_count": initial_instance_count,
            "instance_type": instance_type or self.instance_type,
            "workers": workers,
        }
        self.client.create_endpoint(
            endpoint_name, variants=[variant], data_capture=data_capture_config
        )
        if wait:
            wait_for_endpoint(self.client, endpoint_name)
        return self.predictor_cls(endpoint_name, serializer, deserializer, client=self.client)

    def transformer(
        self,
        instance_count: int = 1,
        instance_type: str | None = None,
        strategy: str | None = None,
        assemble_with: str | None = None,
        output_path: str | None = None,
        accept: str | None = None,
        max_concurrent_transforms: int | None = None,
        max_payload: int | None = None,
        env: dict[str, str] | None = None,
    ) -> Transformer:
        return Transformer(
            self.create(instance_type),
            instance_count,
            instance_type,
            strategy,
            assemble_with,
            output_path,
            accept,
            max_concurrent_transforms,
            max_payload,
            env,
            client=self.client,
        )

    def delete_model(self) -> None:
        if self._created and self.name:
            self.client.delete_model(self.name)
            self._created = False


class Transformer(UsesClient):
    """Batch transform jobs for a model (``transform`` starts one and, by default, waits)."""

    def __init__(
        self,
        model_name: str,
        instance_count: int = 1,
        instance_type: str | None = None,
        strategy: str | None = None,
        assemble_with: str | None = None,
        output_path: str | None = None,
        accept: str | None = None,
        max_concurrent_transforms: int | None = None,
        max_payload: int | None = None,
        env: dict[str, str] | None = None,
        client: Client | None = None,
    ) -> None:
        self.model_name = model_name
        self.instance_type = instance_type
        self.strategy = strategy
        self.assemble_with = assemble_with
        self.output_path = _local(output_path or f"transform-output/{model_name}")
        self.accept = accept
        self.max_concurrent_transforms = max_concurrent_transforms
        self.max_payload = max_payload
        self.env = dict(env or {})
        self._client = client
        self.latest_transform_job: str | None = None

    def transform(
        self,
        data: str,
        content_type: str = "text/csv",
        split_type: str | None = None,
        input_filter: str | None = None,
        join_source: str | None = None,
        output_filter: str | None = None,
        job_name: str | None = None,
        wait: bool = True,
        logs: bool = False,
    ) -> dict[str, Any]:
        name = job_name or _unique(self.model_name)
        body: dict[str, Any] = {
            "model_name": self.model_name,
            "transform_input": {
                "data_source": _local(data),
                "content_type": content_type,
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
        self.latest_transform_job = name
        return self.wait(logs=logs) if wait else job

    def wait(self, logs: bool = False, out: TextIO | None = None) -> dict[str, Any]:
        assert self.latest_transform_job, "no transform job started"
        name = self.latest_transform_job
        cursor = 0
        while True:
            job = self.client.transform_job(name)
            if logs:
                chunk = self.client.request(
                    "GET", "transform-jobs", name, "logs", params={"cursor": cursor}
                )
                (out or sys.stdout).write(chunk["text"])
                cursor = chunk["next_cursor"]
            if job["status"] not in ("InProgress", "Stopping"):
                if job["status"] == "Failed":
                    raise DeployError(f"Transform job {name} failed: {job.get('failure_reason')}")
                return job
            time.sleep(POLL_SECONDS)
