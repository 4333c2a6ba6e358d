"""Admin settings of the AWS-compatible APIs (``c.AwsApi.<trait>``)."""

from __future__ import annotations

from traitlets import Bool, Unicode
from traitlets.config import LoggingConfigurable

from ..naming import account_id


class AwsApi(LoggingConfigurable):
    """The region and account the SageMaker, Logs and STS APIs present to clients."""

    region = Unicode(
        "us-east-1",
        config=True,
        help="Region name in ARNs and in the AWS_REGION kernels get (clients sign with it).",
    )
    account_id = Unicode(
        "",
        config=True,
        help="12-digit account id in ARNs, STS GetCallerIdentity and the default bucket "
        "name. Empty: each user is an account of their own (a stable id derived from the "
        "user name), so users' default buckets never clash; set it only on a single-user "
        "server.",
    )
    export_to_kernels = Bool(
        True,
        config=True,
        help="Give kernels, terminals and jobs AWS_ENDPOINT_URL_* and, for a single-user "
        "server, the owner's access key, so boto3 and the SageMaker SDK need no setup.",
    )

    def account_for(self, owner: str) -> str:
        return self.account_id or account_id(owner)

    def arn(self, resource: str, owner: str, service: str = "sagemaker") -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_for(owner)}:{resource}"

    def role_arn(self, owner: str) -> str:
        """The execution role resources made without one report (the REST API has none)."""
        return f"arn:aws:iam::{self.account_for(owner)}:role/SMStudioExecutionRole"
