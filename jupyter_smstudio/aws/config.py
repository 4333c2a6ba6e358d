"""Admin settings of the AWS-compatible APIs (``c.AwsApi.<trait>``)."""

from __future__ import annotations

from traitlets import Bool, Unicode
from traitlets.config import LoggingConfigurable


class AwsApi(LoggingConfigurable):
    """The region and account the SageMaker, Logs and STS APIs present to clients."""

    region = Unicode(
        "us-east-1",
        config=True,
        help="Region name in ARNs and in the AWS_REGION kernels get (clients sign with it).",
    )
    account_id = Unicode(
        "000000000000",
        config=True,
        help="12-digit account id in ARNs and in STS GetCallerIdentity.",
    )
    export_to_kernels = Bool(
        True,
        config=True,
        help="Give kernels, terminals and jobs AWS_ENDPOINT_URL_* and, for a single-user "
        "server, the owner's access key, so boto3 and the SageMaker SDK need no setup.",
    )

    def arn(self, resource: str, service: str = "sagemaker") -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"

    def role_arn(self) -> str:
        """The execution role resources made without one report (the REST API has none)."""
        return f"arn:aws:iam::{self.account_id}:role/SMStudioExecutionRole"
