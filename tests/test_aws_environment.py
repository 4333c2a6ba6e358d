"""Zero configuration: kernels, shells and ``/environment`` get the AWS variables.

With them, boto3 and the SageMaker SDK reach this server with no arguments.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from .aws_helpers import ACCOUNT, REGION, AwsServer, aws
from .kernels import run_code
from .servers import ServerProcess

pytestmark = pytest.mark.slow
__all__ = ["aws"]

NAMES = {
    "AWS_ENDPOINT_URL_SAGEMAKER",
    "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
    "AWS_ENDPOINT_URL_S3",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "SAGEMAKER_USER_CONFIG_OVERRIDE",
    "SMSTUDIO_SAGEMAKER_METADATA",
}


def test_environment_answers_variables_boto3_uses_without_arguments(
    aws: AwsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = aws.rest("POST", "environment", "bob", json={})
    assert r.status_code == 200, r.text
    values = r.json()
    assert set(values) == NAMES
    assert values["AWS_ENDPOINT_URL_SAGEMAKER"] == aws.endpoint
    assert values["AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME"] == aws.server.url + "smstudio/runtime"
    assert aws.rest("POST", "environment", "bob", json={}).json() == values  # one key, reused
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    session = boto3.Session()
    assert session.client("sts").get_caller_identity()["Arn"] == (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/SMStudioExecutionRole/bob"
    )
    assert session.client("sagemaker").list_training_jobs()["TrainingJobSummaries"] == []
    assert session.client("s3").list_buckets()["Buckets"] == []  # the S3 gateway, signed
    logs = session.client("logs")
    assert logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs")["logStreams"] == []
    from sagemaker.config import load_sagemaker_config

    modules = load_sagemaker_config()["SageMaker"]["PythonSDK"]["Modules"]
    assert modules["Session"]["DefaultS3Bucket"] == f"sagemaker-{REGION}-{ACCOUNT}"
    assert modules["TelemetryOptOut"] is True
    status = aws.rest("GET", "status", "bob").json()
    assert status["aws_endpoints"]["AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"] == aws.endpoint


def test_a_kernel_and_the_cli_get_the_variables(tmp_path: Path) -> None:
    with ServerProcess(tmp_path) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        out = subprocess.run(
            [sys.executable, "-m", "jupyter_smstudio.cli", "env", "--url", server.url,
             "--token", server.token],
            capture_output=True, text=True, timeout=60, check=True, env=env,
        ).stdout  # fmt: skip
        exports = dict(
            line.removeprefix("export ").split("=", 1) for line in out.splitlines() if line
        )
        assert set(exports) == NAMES
        kernel = server_kernel(server)
        code = (
            "import boto3, os\n"
            "print(os.environ['AWS_ENDPOINT_URL_CLOUDWATCH_LOGS'])\n"
            "print(boto3.client('sts').get_caller_identity()['Arn'])\n"
            "print(len(boto3.client('sagemaker').list_training_jobs()['TrainingJobSummaries']))\n"
            "import json; config = json.load(open(os.environ['SAGEMAKER_USER_CONFIG_OVERRIDE']))\n"
            "print(config['SageMaker']['PythonSDK']['Modules']['Session']['DefaultS3Bucket'])\n"
            "import sagemaker; print(sagemaker.get_execution_role())\n"
        )
        lines = run_code(server.url, server.headers, kernel, code).split()
        assert lines[0] == server.url + "smstudio/aws/"
        account = lines[1].split(":")[4]  # the user's own account (none configured)
        assert re.fullmatch(r"\d{12}", account)
        assert account != "000000000000"
        assert lines[1].startswith(f"arn:aws:sts::{account}:assumed-role/")
        assert lines[2] == "0"
        assert lines[3] == f"sagemaker-us-east-1-{account}"  # the SDK's bucket is the user's
        # no arguments: the SDK's Studio path (its metadata file), the user's role
        assert lines[-1] == f"arn:aws:iam::{account}:role/SMStudioExecutionRole"
        assert exports["AWS_ACCESS_KEY_ID"] in run_code(
            server.url, server.headers, kernel, "import os; print(os.environ['AWS_ACCESS_KEY_ID'])"
        )


def server_kernel(server: ServerProcess) -> str:
    import requests

    r = requests.post(server.url + "api/kernels", headers=server.headers, json={}, timeout=60)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])
