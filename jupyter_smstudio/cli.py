"""``jupyter smstudio env``: the AWS variables of your kernels, as shell ``export`` lines.

``eval "$(jupyter smstudio env)"`` points boto3, the AWS CLI and the SageMaker SDK
in a shell at the server, as in a kernel. The server is found like
``jupyter_smstudio.client`` finds it (``SMSTUDIO_SERVER_URL``/``SMSTUDIO_TOKEN``,
else the newest running Jupyter server), or given with ``--url`` and ``--token``.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from .client import Client


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jupyter smstudio")
    commands = parser.add_subparsers(dest="command", required=True)
    env = commands.add_parser("env", help="print the AWS variables as export lines")
    env.add_argument("--url", help="the Jupyter server's URL (with its base URL)")
    env.add_argument("--token", help="a Jupyter token of yours")
    args = parser.parse_args(argv)
    client = Client(args.url, args.token)
    values = client.request("POST", "environment", json={})
    for name, value in sorted(values.items()):
        sys.stdout.write(f"export {name}={shlex.quote(value)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
