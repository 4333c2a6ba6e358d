"""Endpoints InService before a server restart are InService after it, untouched."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from jupyter_smstudio.client import Client
from jupyter_smstudio.runtime import read_state

from .hosting_models import model_tree, stop_all_instances
from .servers import ServerProcess, wait_until

pytestmark = pytest.mark.slow


def in_service(client: Client, name: str) -> dict[str, object]:
    return wait_until(
        lambda: (e := client.endpoint(name))["status"] == "InService" and e, 60, f"{name} InService"
    )  # type: ignore[no-any-return]


def test_endpoints_survive_a_server_restart(tmp_path: Path) -> None:
    model_tree(tmp_path / "root" / "m")
    server = ServerProcess(tmp_path)
    try:
        with server:
            client = Client(server.url, server.token)
            client.create_model("m", "m")
            for name in ("kept", "revived"):
                client.create_endpoint(name, variants=[{"model_name": "m", "workers": 1}])
            states = {
                n: Path(in_service(client, n)["variants"][0]["instances"][0]["state_dir"])
                for n in ("kept", "revived")
            }  # type: ignore[index]
        pids = {n: read_state(d).child_pid for n, d in states.items()}
        assert all(pids.values())
        # while the server is down, one model server dies
        os.killpg(pids["revived"], signal.SIGKILL)  # type: ignore[arg-type]
        wait_until(lambda: read_state(states["revived"]).finished, 20, "revived to die")
        with ServerProcess(tmp_path) as restarted:
            client = Client(restarted.url, restarted.token)
            for name in ("kept", "revived"):
                in_service(client, name)
                r = wait_until(
                    lambda n=name: client.invoke_endpoint(n, "1,1,1", "text/csv"), 30, "invoke"
                )
                assert json.loads(r.content) == [6.0]
            assert read_state(states["kept"]).child_pid == pids["kept"], (
                "re-attached, not restarted"
            )
            assert read_state(states["revived"]).status == "running"
    finally:
        stop_all_instances(tmp_path / "smstudio")
