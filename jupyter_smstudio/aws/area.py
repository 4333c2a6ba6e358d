"""What the AWS operations share: settings, original requests, where S3 data lives."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .config import AwsApi
from .environment import endpoints
from .requests import RequestStore


class DataLocations(Protocol):
    """The seam to object storage: an ``s3://`` URI as a location the areas accept.

    The S3 area implements it (``s3.jobdata.JobData``: its buckets on the embedded
    engine or the admin's S3, the owner's only); ``PassThrough`` is for tests.
    """

    async def input_location(self, owner: str, uri: str, field: str) -> str:
        """A path in the owner's space or a URL the job runner fetches, for ``uri``.

        Called for channels, processing inputs, model data and the SDK's
        ``sagemaker_submit_directory`` (there a directory: the S3 area unpacks the
        SDK's ``sourcedir.tar.gz``). ``field`` names the member in errors.
        """
        ...

    async def output_location(self, owner: str, uri: str, field: str) -> str:
        """Where the runner saves an output (``S3OutputPath``, ``S3Upload``), once checked."""
        ...

    async def local_copy(self, owner: str, uri: str, field: str, *, code: bool = False) -> str:
        """A path on the server for ``uri`` (models load their data when created); with
        ``code``, the unpacked ``sourcedir.tar.gz`` of ``SAGEMAKER_SUBMIT_DIRECTORY``."""
        ...


class PassThrough:
    """``s3://`` URIs go to the runner unchanged (fetched with fsspec when configured)."""

    async def input_location(self, owner: str, uri: str, field: str) -> str:
        return uri

    async def output_location(self, owner: str, uri: str, field: str) -> str:
        return uri

    async def local_copy(self, owner: str, uri: str, field: str, *, code: bool = False) -> str:
        return uri


@dataclass
class AwsArea:
    config: AwsApi
    requests: RequestStore
    sdk_config_path: Path  # the SageMaker SDK config kernels get
    locations: DataLocations = field(default_factory=PassThrough)

    def endpoints(self, server_url: str) -> dict[str, str]:
        """``AWS_ENDPOINT_URL_*`` of the server at ``server_url``."""
        return endpoints(server_url)
