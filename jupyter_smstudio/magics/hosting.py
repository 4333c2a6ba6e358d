"""``%deploy`` and ``%endpoints`` IPython magics (registered by ``jupyter_smstudio.magics``).

%deploy jobs/my-job/output/model.tar.gz --name churn --entry-point inference.py
%endpoints                      # table: name, status, traffic
%endpoints logs churn           # the first instance's log
%endpoints delete churn
"""

from __future__ import annotations

import argparse
import shlex
from typing import Any

from ..client import ApiError, Client
from ..sdk.model import Model

DEPLOY = argparse.ArgumentParser(prog="%deploy", add_help=False)
DEPLOY.add_argument("model_data")
DEPLOY.add_argument("--name", dest="endpoint_name")
DEPLOY.add_argument("--entry-point")
DEPLOY.add_argument("--source-dir")
DEPLOY.add_argument("--instance-type")
DEPLOY.add_argument("--instance-count", type=int, default=1)
DEPLOY.add_argument("--workers", type=int)
DEPLOY.add_argument("--no-wait", action="store_true")


def _parse(parser: argparse.ArgumentParser, line: str) -> argparse.Namespace | None:
    try:
        return parser.parse_args(shlex.split(line))
    except SystemExit:
        print(parser.format_usage().strip())
        return None


def deploy_magic(line: str, client: Client | None = None) -> Any:
    args = _parse(DEPLOY, line)
    if args is None:
        return None
    model = Model(
        model_data=args.model_data,
        entry_point=args.entry_point,
        source_dir=args.source_dir,
        instance_type=args.instance_type,
        name=args.endpoint_name,
        client=client,
    )
    try:
        predictor = model.deploy(
            args.instance_count,
            endpoint_name=args.endpoint_name,
            wait=not args.no_wait,
            workers=args.workers,
        )
    except (ApiError, RuntimeError) as err:
        print(f"Deploy failed: {err}")
        return None
    print(f"Endpoint {predictor.endpoint_name}: {predictor.describe()['status']}")
    return predictor


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


def endpoints_magic(line: str, client: Client | None = None) -> None:
    client = client or Client()
    words = shlex.split(line)
    try:
        if not words:
            items = client.endpoints()
            print("\n".join(_row(e) for e in items) if items else "No endpoints.")
        elif words[0] == "delete" and len(words) == 2:
            client.delete_endpoint(words[1])
            print(f"Deleted endpoint {words[1]}.")
        elif words[0] == "logs" and len(words) == 2:
            print(client.endpoint_logs(words[1])["text"], end="")
        else:
            print("usage: %endpoints [delete NAME | logs NAME]")
    except ApiError as err:
        print(err)


def register(ipython: Any) -> None:
    ipython.register_magic_function(deploy_magic, "line", "deploy")
    ipython.register_magic_function(endpoints_magic, "line", "endpoints")
