"""``%deploy`` and ``%endpoints`` IPython magics (registered by ``jupyter_smstudio.magics``).

%deploy jobs/my-job/output/model.tar.gz --name churn --entry-point inference.py
%endpoints                      # table: name, status, traffic
%endpoints logs churn           # the first instance's log
%endpoints delete churn

``%deploy?`` / ``%deploy --help`` show every option (the parsers below are the help).
"""

from __future__ import annotations

import argparse
import os
import re
import time
from typing import Any

from ..client import ApiError, Client
from ..sdk.model import POLL_SECONDS, DeployError, Model, Predictor
from .args import MagicParser, documented, parse_line

DEPLOY = MagicParser(
    "%deploy",
    "Deploy a trained model as an endpoint and wait until it is InService (returns a\n"
    "Predictor). MODEL_DATA is a model.tar.gz or a model directory, absolute or from\n"
    "the notebook's folder, or the name of a Completed training job (its model, named\n"
    "after the job).",
    """examples:
  %deploy churn-sk-1
  %deploy /home/me/jobs/churn-1/output/model.tar.gz --name churn --entry-point inference.py
  predictor = %deploy model/ --name churn --instance-type ml.m5.large --no-wait
  predictor.predict("5.1,3.5,1.4,0.2")""",
)
DEPLOY.add_argument("model_data", help="the model.tar.gz or directory to serve")
DEPLOY.add_argument("--name", dest="endpoint_name", help="endpoint (and model) name")
DEPLOY.add_argument(
    "--entry-point", help="inference script in the code directory (default inference.py)"
)
DEPLOY.add_argument("--source-dir", help="directory with the inference code (else model/code)")
DEPLOY.add_argument("--instance-type", help="compute profile, e.g. ml.m5.large")
DEPLOY.add_argument("--instance-count", type=int, default=1, help="instances (default 1)")
DEPLOY.add_argument("--workers", type=int, help="model server workers per instance")
DEPLOY.add_argument("--no-wait", action="store_true", help="return while it is Creating")

ENDPOINTS = MagicParser(
    "%endpoints",
    "List your endpoints (name, status, traffic), print one's log, or delete one.",
    """examples:
  %endpoints
  %endpoints logs churn
  %endpoints delete churn""",
)
ENDPOINTS.add_argument("action", nargs="?", choices=("logs", "delete"), help="what to do with NAME")
ENDPOINTS.add_argument("endpoint", nargs="?", metavar="NAME", help="the endpoint")


#: ``jobs/<job>/output/model.tar.gz``: where the docs say a job's model is (the artifact
#: store, wherever the administrator put it).
NAME = r"[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62}"
JOB_ARTIFACT = re.compile(rf"^(?:\./)?jobs/(?P<job>{NAME})/output/model\.tar\.gz$")
JOB_NAME = re.compile(rf"^{NAME}$")


def job_named(target: str) -> str | None:
    """The training job ``target`` names when it is no file here: ``churn-sk-1``, or
    ``jobs/churn-sk-1/output/model.tar.gz``."""
    if os.path.exists(target):
        return None
    found = JOB_ARTIFACT.match(target)
    if found:
        return found["job"]
    return target if JOB_NAME.match(target) else None


def _free_name(taken: Any, name: str) -> str:
    """``name``, or ``name-2``, ``name-3``... the first one ``taken(n)`` says is free."""
    candidate, n = name, 2
    while taken(candidate):
        suffix = f"-{n}"
        candidate, n = name[: 63 - len(suffix)].rstrip("-") + suffix, n + 1
    return candidate


def _exists(read: Any, name: str) -> bool:
    try:
        read(name)
    except ApiError as err:
        if err.status == 404:
            return False
        raise
    return True


def _job_model(client: Client, job_name: str, args: argparse.Namespace) -> str:
    """Register the model of a Completed training job, named after it, served by the code it
    trained with (as ``Estimator.deploy``); the model made from it before is used again."""
    try:
        job = client.training_job(job_name)
    except ApiError as err:
        if err.status != 404:
            raise
        raise DeployError(
            f"no file {args.model_data} here, and no training job {job_name}."
        ) from None
    artifacts = job.get("model_artifacts")
    if job["status"] != "Completed" or not artifacts:
        raise DeployError(
            f"Training job {job_name} is {job['status']}: only a Completed job has a model "
            "to deploy."
        )
    try:
        existing = client.model(job_name)
    except ApiError as err:
        if err.status != 404:
            raise
        existing = None
    if existing and existing["model_data"] == artifacts and not args.entry_point:
        print(f"Model {job_name}: already made from this job's model.tar.gz.")
        return job_name
    spec = job["spec"]
    source_dir, entry_point = spec.get("source_dir"), spec.get("entry_point")
    if args.entry_point:
        source_dir, entry_point = args.source_dir, args.entry_point
    elif entry_point and not source_dir:  # a lone script: its folder holds the code
        source_dir, entry_point = os.path.split(entry_point)
    name = _free_name(lambda n: _exists(client.model, n), job_name)
    fields = {"entry_point": entry_point, "source_dir": source_dir or None,
              "instance_type": args.instance_type}  # fmt: skip
    client.create_model(name, artifacts, **{k: v for k, v in fields.items() if v})
    print(f"Model {name}: made from training job {job_name} ({artifacts}).")
    return name


def _follow(client: Client, name: str, timeout: float = 600) -> dict[str, Any]:
    """Wait for InService, printing each status the endpoint goes through."""
    started = time.monotonic()
    last = ""
    while True:
        endpoint = client.endpoint(name)
        status = endpoint["status"]
        if status == "Failed":
            raise DeployError(f"Endpoint {name} failed: {endpoint.get('failure_reason')}")
        if status == "InService" and not endpoint.get("pending_config_name"):
            print(f"Endpoint {name}: InService after {time.monotonic() - started:.1f} s")
            return endpoint
        if status != last:
            print(f"Endpoint {name}: {status}…", flush=True)
            last = status
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"Endpoint {name} is still {status} after {timeout:.0f} s")
        time.sleep(POLL_SECONDS)


@documented(DEPLOY)
def deploy_magic(line: str, client: Client | None = None) -> Any:
    args = parse_line(DEPLOY, line)
    if args is None:
        return None
    client = client or Client()
    job_name = job_named(args.model_data)
    try:
        if job_name is not None:
            model_name = _job_model(client, job_name, args)
        else:
            model = Model(
                model_data=args.model_data,
                entry_point=args.entry_point,
                source_dir=args.source_dir,
                instance_type=args.instance_type,
                name=args.endpoint_name,
                client=client,
            )
            model_name = model.create(args.instance_type)
        endpoint_name = args.endpoint_name or (
            _free_name(lambda n: _exists(client.endpoint, n), job_name) if job_name else model_name
        )
        variant = {"model_name": model_name, "initial_instance_count": args.instance_count,
                   "instance_type": args.instance_type, "workers": args.workers}  # fmt: skip
        client.create_endpoint(
            endpoint_name, variants=[{k: v for k, v in variant.items() if v is not None}]
        )
        print(f"Endpoint {endpoint_name}: creating, serving model {model_name}…", flush=True)
        if args.no_wait:
            return Predictor(endpoint_name, client=client)
        _follow(client, endpoint_name)
    except (ApiError, RuntimeError, ValueError) as err:
        print(f"Deploy failed: {err}")
        return None
    return Predictor(endpoint_name, client=client)


def _row(e: dict[str, Any]) -> str:
    m = e.get("metrics") or {}
    traffic = (
        (
            f"{m.get('invocations', 0)} calls, {m.get('errors', 0)} errors, "
            f"p50 {m.get('p50_ms') or '-'} ms, p99 {m.get('p99_ms') or '-'} ms"
        )
        if m
        else ""
    )
    return f"{e['name']:<32} {e['status']:<14} {traffic}"


@documented(ENDPOINTS)
def endpoints_magic(line: str, client: Client | None = None) -> None:
    args = parse_line(ENDPOINTS, line)
    if args is None:
        return
    if (args.action is None) != (args.endpoint is None):
        ENDPOINTS.print_usage()
        return
    client = client or Client()
    try:
        if args.action is None:
            items = client.endpoints()
            print("\n".join(_row(e) for e in items) if items else "No endpoints.")
        elif args.action == "delete":
            client.delete_endpoint(args.endpoint)
            print(f"Deleted endpoint {args.endpoint}.")
        else:
            print(client.endpoint_logs(args.endpoint)["text"], end="")
    except ApiError as err:
        print(err)


def register(ipython: Any) -> None:
    ipython.register_magic_function(deploy_magic, "line", "deploy")
    ipython.register_magic_function(endpoints_magic, "line", "endpoints")
