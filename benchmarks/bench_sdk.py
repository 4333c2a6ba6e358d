"""The official SageMaker SDK against a real server: ``Estimator.fit()`` and Describe.

- ``SKLearn(entry_point=...).fit()`` of a 1-second script, data in S3 (the SDK uploads
  the source as ``sourcedir.tar.gz`` and the job fetches it and the channel), until
  the job is ``Completed``, vs ``python train.py`` of the same script run directly:
  the difference is what the SDK, the control plane, S3 and the runner add (target
  <= 2 s). ``fit(wait=False)`` and a 20 ms describe loop: the SDK's own wait polls
  every 5 s, which would measure its poll interval, not the server.
- ``describe_training_job`` through boto3 (SigV4, botocore's model on both sides),
  vs ``GET /smstudio/api/training-jobs/<name>`` of the same job (target p50 <= 3 ms).

A B A B for ``--rounds`` rounds; the SDK runs in this process with only the
variables ``POST /smstudio/api/environment`` answers and the kernel site hook
(``aws/kernelsite``), what a kernel gets.
"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from jupyter_smstudio.aws.environment import KERNEL_SITE
from tests.servers import ServerProcess

from .harness import BenchError, Result, Series, check_rounds, interleave

DESCRIPTION = "Official SageMaker SDK: fit() of a 1-second script; describe_training_job"
SCRIPT = "import time\nprint('training', flush=True)\ntime.sleep(1)\nprint('done')\n"
ROLE = "arn:aws:iam::111111111111:role/SageMakerRole"


def run(rounds: int = 3) -> Result:
    check_rounds(rounds)
    describes = int(os.environ.get("BENCH_SDK_DESCRIBES", "200"))
    with tempfile.TemporaryDirectory(prefix="bench-sdk-") as tmp:
        work = Path(tmp)
        (work / "src").mkdir()
        (work / "src" / "train.py").write_text(SCRIPT)
        (work / "data.csv").write_text("1,2\n")
        server = ServerProcess(work / "server").start()
        saved = dict(os.environ)
        try:
            env = requests.post(
                server.url + "smstudio/api/environment",
                json={},
                headers=server.headers,
                timeout=30,
            )
            env.raise_for_status()
            for name in [n for n in os.environ if n.startswith(("AWS_", "SAGEMAKER_"))]:
                del os.environ[name]
            os.environ.update(env.json())
            series = _measure(server, work, rounds, describes)
        finally:
            os.environ.clear()
            os.environ.update(saved)
            server.stop()
    return Result(
        "sdk",
        DESCRIPTION,
        series,
        targets={
            "SKLearn.fit(), 1 s script": "median - the direct run's <= 2 s",
            f"describe_training_job via boto3 (x{describes})": "p50 <= 3 ms",
        },
    )


def _measure(server: ServerProcess, work: Path, rounds: int, describes: int) -> list[Series]:
    # what a kernel the server starts runs first (its PYTHONPATH): the SDK's Studio path
    # and its config validated once, not ten times a fit()
    runpy.run_path(str(KERNEL_SITE / "sitecustomize.py"))
    import boto3
    import sagemaker
    from sagemaker.sklearn import SKLearn

    session = sagemaker.Session()
    sm = boto3.client("sagemaker")
    data = session.upload_data(str(work / "data.csv"), key_prefix="bench/train")
    direct = Series("python train.py (the script alone)")
    fit = Series("SKLearn.fit(), 1 s script", baseline=direct.name)
    jobs: list[str] = []

    def fit_once() -> None:
        estimator = SKLearn(
            entry_point="train.py",
            source_dir=str(work / "src"),
            framework_version="1.2-1",
            instance_type="ml.m5.large",
            role=ROLE,
            sagemaker_session=session,
        )

        def fit_and_wait() -> None:
            estimator.fit({"train": data}, wait=False)
            name = estimator.latest_training_job.name
            while True:
                status = sm.describe_training_job(TrainingJobName=name)["TrainingJobStatus"]
                if status != "InProgress":
                    break
                time.sleep(0.02)
            if status != "Completed":
                raise BenchError(f"training job {name} ended {status}")
            jobs.append(name)

        fit.time(fit_and_wait)

    def direct_once() -> None:
        script = str(work / "src" / "train.py")
        direct.time(lambda: subprocess.run([sys.executable, script], check=True, stdout=-3))

    interleave(rounds, [(direct, direct_once), (fit, fit_once)])

    name = jobs[-1]
    rest = Series(f"GET /training-jobs/<name> (x{describes})")
    boto = Series(f"describe_training_job via boto3 (x{describes})", baseline=rest.name)
    http = requests.Session()
    url = server.url + f"smstudio/api/training-jobs/{name}"

    def many(series: Series, call: Any) -> Any:
        def measure() -> None:
            for _ in range(describes):
                series.time(call)

        return series, measure

    interleave(
        rounds,
        [
            many(
                rest, lambda: http.get(url, headers=server.headers, timeout=30).raise_for_status()
            ),
            many(boto, lambda: sm.describe_training_job(TrainingJobName=name)),
        ],
    )
    return [direct, fit, rest, boto]
