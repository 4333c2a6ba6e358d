"""``Processor`` and ``ScriptProcessor``: the SageMaker SDK's processing side, on this server.

    from jupyter_smstudio.sdk.processing import ProcessingInput, ProcessingOutput, ScriptProcessor

    processor = ScriptProcessor(command=["python3"], instance_type="ml.m5.large")
    processor.run(
        code="preprocess.py",
        inputs=[ProcessingInput(source="data/raw", destination="/opt/ml/processing/input")],
        outputs=[ProcessingOutput(source="/opt/ml/processing/train", output_name="train")],
        arguments=["--split", "0.2"],
    )
    processor.latest_job.outputs  # {"train": ".../train"}

    ProcessingJob.from_flow("sales.flow", output_format="csv").wait()  # a Data Wrangler flow

``source`` of an input, ``destination`` of an output and ``code`` are paths as you
mean them in a notebook (relative to its folder) or fsspec URLs; the ``/opt/ml``
paths are where the job sees them. The signatures are the official SDK's; ``role``,
KMS keys, tags and the volume size are accepted (nothing to do here), the arguments this
server cannot honour (``network_config``, S3 input modes other than files, ...) raise
``UnsupportedArgument``.
"""

from __future__ import annotations

import posixpath
from typing import Any

from ..client import Client
from .base import UsesClient, local_path, reject_unsupported
from .jobs import JobFailed, WaitsForJob, base_name, stamped
from .session import session_client

CODE_DIR = "/opt/ml/processing/input/code"


class ProcessingJobError(JobFailed):
    """A job ended Failed (``run(wait=True)`` raises it)."""

    kind = "Processing"


class ProcessingInput:
    """Data the job reads: ``source`` (yours) appears at ``destination`` (the job's)."""

    def __init__(
        self,
        source: str | None = None,
        destination: str | None = None,
        input_name: str | None = None,
        s3_data_type: str = "S3Prefix",
        s3_input_mode: str = "File",
        s3_data_distribution_type: str = "FullyReplicated",
        s3_compression_type: str = "None",
        s3_input: Any = None,
        dataset_definition: Any = None,
        app_managed: bool = False,
    ) -> None:
        reject_unsupported(
            "ProcessingInput", ProcessingInput.__init__, locals(),
            ("s3_data_type", "s3_input_mode", "s3_data_distribution_type",
             "s3_compression_type", "s3_input", "dataset_definition", "app_managed"),
        )  # fmt: skip
        if source is None:
            raise TypeError("ProcessingInput: source is required (a path or a URL).")
        self.source = source
        self.destination = destination
        self.input_name = input_name

    def to_request(self, default_name: str) -> dict[str, Any]:
        name = self.input_name or default_name
        return {"input_name": name, "source": local_path(self.source),
                "destination": self.destination}  # fmt: skip


class ProcessingOutput:
    """A directory the job writes (``source``), saved to ``destination`` when it completes."""

    def __init__(
        self,
        source: str | None = None,
        destination: str | None = None,
        output_name: str | None = None,
        s3_upload_mode: str = "EndOfJob",
        app_managed: bool = False,
        feature_store_output: Any = None,
    ) -> None:
        reject_unsupported(
            "ProcessingOutput", ProcessingOutput.__init__, locals(),
            ("s3_upload_mode", "app_managed", "feature_store_output"),
        )  # fmt: skip
        self.source = source
        self.destination = destination
        self.output_name = output_name

    def to_request(self, default_name: str) -> dict[str, Any]:
        name = self.output_name or default_name
        return {"output_name": name, "source": self.source,
                "destination": local_path(self.destination)}  # fmt: skip


class ProcessingJob(WaitsForJob, UsesClient):
    """A submitted processing job: describe, wait, logs, stop, outputs."""

    failure = ProcessingJobError

    def __init__(self, name: str, client: Client | None = None) -> None:
        self.job_name = name
        self._client = client

    @classmethod
    def from_flow(cls, flow: str, client: Client | None = None, **fields: Any) -> ProcessingJob:
        """Run a Data Wrangler flow (its path in your directory) on its full data.

        ``fields``: ``job_name``, ``output_path``, ``output_format`` (parquet, csv),
        ``instance_type``, ``backend``, ``image``.
        """
        job = cls("", client=client)
        job.job_name = job.client.create_flow_processing_job(flow, **fields)["name"]
        return job

    def current_job(self) -> str:
        return self.job_name

    def describe_job(self, name: str) -> dict[str, Any]:
        return self.client.processing_job(name)

    def read_log(self, name: str, cursor: int) -> dict[str, Any]:
        return self.client.processing_job_logs(name, cursor)

    def stop_job(self, name: str) -> dict[str, Any]:
        return self.client.stop_processing_job(name)

    def stop(self) -> dict[str, Any]:
        return self.stop_job(self.job_name)

    @property
    def outputs(self) -> dict[str, str]:
        """Output name -> the directory in your space it is saved to."""
        return {o["output_name"]: o["path"] for o in self.describe()["output_locations"]}


#: Processor arguments with nothing to do here (KMS, volume size, tags): accepted.
PROCESSOR_UNSUPPORTED = ("network_config",)


class Processor(UsesClient):
    """Run a container (or, on the local backend, a command) as a processing job.

    The official signature; ``backend`` and ``client`` are this server's.
    """

    def __init__(
        self,
        role: str | None = None,
        image_uri: str | None = None,
        instance_count: int | None = None,
        instance_type: str | None = None,
        entrypoint: list[str] | None = None,
        volume_size_in_gb: int = 30,
        volume_kms_key: str | None = None,
        output_kms_key: str | None = None,
        max_runtime_in_seconds: int | None = None,
        base_job_name: str | None = None,
        sagemaker_session: Any = None,
        env: dict[str, str] | None = None,
        tags: Any = None,
        network_config: Any = None,
        *,
        backend: str | None = None,
        client: Client | None = None,
    ) -> None:
        reject_unsupported("Processor", Processor.__init__, locals(), PROCESSOR_UNSUPPORTED)
        self.role = role
        self.image_uri = image_uri
        self.instance_count = 1 if instance_count is None else instance_count
        self.instance_type = instance_type
        self.entrypoint = entrypoint
        self.max_runtime_in_seconds = max_runtime_in_seconds
        self.base_job_name = base_job_name
        self.env = dict(env or {})
        self.backend = backend
        self.sagemaker_session = sagemaker_session
        self._client = session_client(type(self).__name__, sagemaker_session, client)
        self.jobs: list[ProcessingJob] = []
        self.latest_job: ProcessingJob | None = None

    def run(
        self,
        inputs: list[ProcessingInput] | None = None,
        outputs: list[ProcessingOutput] | None = None,
        arguments: list[str] | None = None,
        wait: bool = True,
        logs: bool = True,
        job_name: str | None = None,
        experiment_config: dict[str, str] | None = None,
        kms_key: str | None = None,
    ) -> None:
        """Start a job; with ``wait``, follow it to its end (raising if it failed)."""
        reject_unsupported("run", Processor.run, locals(), ("experiment_config",))
        name = job_name or stamped(self.base_job_name or base_name(self.image_uri or "", "job"))
        self._start(self.entrypoint, list(inputs or []), outputs, arguments, name, wait, logs)

    def _start(
        self,
        entrypoint: list[str] | None,
        inputs: list[ProcessingInput],
        outputs: list[ProcessingOutput] | None,
        arguments: list[str] | None,
        name: str,
        wait: bool,
        logs: bool,
    ) -> ProcessingJob:
        """Create the job; with ``wait``, follow it to its end (raising if it failed)."""
        spec: dict[str, Any] = {
            "name": name,
            "image": self.image_uri,
            "container_entrypoint": entrypoint,
            "container_arguments": arguments,
            "inputs": [item.to_request(f"input-{i}") for i, item in enumerate(inputs, 1)],
            "outputs": [item.to_request(f"output-{i}") for i, item in enumerate(outputs or [], 1)],
            "instance_type": self.instance_type,
            "instance_count": self.instance_count,
            "backend": self.backend,
            "environment": self.env,
            "max_runtime_seconds": self.max_runtime_in_seconds,
        }
        created = self.client.create_processing_job(
            {k: v for k, v in spec.items() if v is not None}
        )
        job = ProcessingJob(created["name"], client=self.client)
        self.jobs.append(job)
        self.latest_job = job
        if wait:
            job.wait(logs=logs)
        return job


class ScriptProcessor(Processor):
    """Run a script with ``command`` (default ``python3``), as SageMaker's ScriptProcessor."""

    def __init__(
        self,
        role: str | None = None,
        image_uri: str | None = None,
        command: list[str] | None = None,
        instance_count: int | None = None,
        instance_type: str | None = None,
        volume_size_in_gb: int = 30,
        volume_kms_key: str | None = None,
        output_kms_key: str | None = None,
        max_runtime_in_seconds: int | None = None,
        base_job_name: str | None = None,
        sagemaker_session: Any = None,
        env: dict[str, str] | None = None,
        tags: Any = None,
        network_config: Any = None,
        *,
        backend: str | None = None,
        client: Client | None = None,
    ) -> None:
        super().__init__(
            role, image_uri, instance_count, instance_type, None, volume_size_in_gb,
            volume_kms_key, output_kms_key, max_runtime_in_seconds, base_job_name,
            sagemaker_session, env, tags, network_config, backend=backend, client=client,
        )  # fmt: skip
        self.command = list(command or ["python3"])

    def run(  # type: ignore[override]
        self,
        code: str,
        inputs: list[ProcessingInput] | None = None,
        outputs: list[ProcessingOutput] | None = None,
        arguments: list[str] | None = None,
        wait: bool = True,
        logs: bool = True,
        job_name: str | None = None,
        experiment_config: dict[str, str] | None = None,
        kms_key: str | None = None,
    ) -> None:
        """Ship ``code`` as the input ``code`` and run it with ``command``."""
        reject_unsupported("run", ScriptProcessor.run, locals(), ("experiment_config",))
        script = posixpath.basename(code.rstrip("/"))
        code_input = ProcessingInput(source=code, destination=CODE_DIR, input_name="code")
        entrypoint = [*self.command, f"{CODE_DIR}/{script}"]
        name = job_name or stamped(self.base_job_name or base_name(script, "script"))
        self._start(entrypoint, [*(inputs or []), code_input], outputs, arguments, name, wait, logs)
