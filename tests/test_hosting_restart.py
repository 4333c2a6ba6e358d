"""Endpoints InService before a server restart are InService after it, untouched; one
still loading its model when the server crashed is adopted, not restarted."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from jupyter_smstudio.client import Client
from jupyter_smstudio.runtime import read_state

from .hosting_models import GATED, model_tree, processes_using, stop_all_instances
from .servers import Fatal, ServerProcess, crash, wait_until

pytestmark = pytest.mark.slow


def in_service(client: Client, name: str, timeout: float = 60) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        endpoint = client.endpoint(name)
        if endpoint["status"] == "Failed":
            raise Fatal(f"{name} failed: {endpoint['failure_reason']}")
        return endpoint if endpoint["status"] == "InService" else None

    return wait_until(check, timeout, f"{name} InService")  # type: ignore[no-any-return]


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
            }
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
            revived = client.endpoint("revived")
            new_dir = Path(revived["variants"][0]["instances"][0]["state_dir"])
            assert new_dir != states["revived"], "a new instance in a place of its own"
            assert read_state(new_dir).status == "running"
            assert [e["kind"] for e in revived["events"]] == ["InstanceStopped", "InstanceReplaced"]
    finally:
        stop_all_instances(tmp_path / "smstudio")


def gated_endpoint(tmp_path: Path, name: str, *, loads: bool) -> tuple[Path, ServerProcess, Client]:
    """A server and endpoint ``name`` on a model whose ``model_fn`` waits for its ``go``
    file; ``loads``: the file is there from the start."""
    model = model_tree(tmp_path / "root" / "m", code=GATED)
    if loads:
        (model / "go").touch()
    server = ServerProcess(tmp_path).start()
    client = Client(server.url, server.token)
    client.create_model("m", "m")
    client.create_endpoint(name, variants=[{"model_name": "m", "workers": 1}])
    return model, server, client


def test_an_endpoint_loading_when_the_server_crashes_is_adopted(tmp_path: Path) -> None:
    data = tmp_path / "smstudio"
    model, server, client = gated_endpoint(tmp_path, "loading", loads=False)
    try:
        # the model server listens (it reports its port) and its worker waits in model_fn
        info = wait_until(lambda: next(data.rglob("server.json"), None), 60, "the model server")
        state_dir = info.parent
        pid = read_state(state_dir).child_pid
        crash(server)
        with ServerProcess(tmp_path) as restarted:
            client = Client(restarted.url, restarted.token)
            assert client.endpoint("loading")["status"] == "Creating"
            (model / "go").touch()  # the model finishes loading
            endpoint = in_service(client, "loading")
            instance = endpoint["variants"][0]["instances"][0]
            assert instance["state_dir"] == str(state_dir), "adopted, not started again"
            assert read_state(state_dir).child_pid == pid
            assert endpoint["failure_reason"] is None
            r = client.invoke_endpoint("loading", "1,1,1", "text/csv")
            assert json.loads(r.content) == [6.0]
            client.delete_endpoint("loading")
            assert restarted.proc is not None
            jupyter = restarted.proc.pid
            wait_until(
                lambda: not processes_using(tmp_path, exclude=(jupyter,)),
                60,
                "no process of the endpoint left",
            )
    finally:
        stop_all_instances(data)


def test_a_replacement_a_crash_interrupts_is_finished_reporting_the_stop_once(
    tmp_path: Path,
) -> None:
    data = tmp_path / "smstudio"
    model, server, client = gated_endpoint(tmp_path, "phoenix", loads=True)
    try:
        first = in_service(client, "phoenix")["variants"][0]["instances"][0]
        (model / "go").unlink()  # the replacement waits in model_fn until the test says so
        os.killpg(read_state(Path(first["state_dir"])).child_pid, signal.SIGKILL)  # type: ignore[arg-type]
        wait_until(
            lambda: any(p.parent != Path(first["state_dir"]) for p in data.rglob("server.json")),
            60,
            "the replacement to listen (its model_fn waits)",
        )
        assert [e["kind"] for e in client.endpoint("phoenix")["events"]] == ["InstanceStopped"]
        crash(server)
        (model / "go").touch()
        with ServerProcess(tmp_path) as restarted:
            client = Client(restarted.url, restarted.token)

            def replaced() -> dict[str, Any] | None:
                endpoint = client.endpoint("phoenix")
                kinds = [e["kind"] for e in endpoint["events"]]
                assert "ReplacementFailed" not in kinds, endpoint["events"]
                return endpoint if kinds[-1] == "InstanceReplaced" else None

            endpoint = wait_until(replaced, 120, "the next server to finish the replacement")
            assert [(e["kind"], e["instance"]) for e in endpoint["events"]] == [
                ("InstanceStopped", first["id"]),
                ("InstanceReplaced", first["id"]),
            ]
            r = wait_until(
                lambda: client.invoke_endpoint("phoenix", "1,1,1", "text/csv"), 30, "invoke"
            )
            assert json.loads(r.content) == [6.0]
    finally:
        stop_all_instances(data)
