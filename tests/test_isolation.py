"""Isolation between users: space kernels through Jupyter's own APIs, and private state.

Users alice, bob and reader (see conftest.py) call the real server over HTTP and
websockets, as JupyterLab does.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError, HTTPRequest, HTTPResponse
from tornado.websocket import websocket_connect

from .conftest import USERS, ApiCall
from .spaces_helpers import KernelClient


class JupyterReply:
    """Status and JSON body (None for jupyter_server's HTML error pages)."""

    def __init__(self, response: HTTPResponse) -> None:
        self.status = response.code
        is_json = "json" in response.headers.get("Content-Type", "")
        self.json: Any = json.loads(response.body) if is_json and response.body else None


class Jupyter:
    """jupyter_server's own REST API (``/api/kernels``...) as one user or another."""

    def __init__(self, jp_fetch: Any, port: int, base_url: str) -> None:
        self.fetch = jp_fetch
        self.port = port
        self.base_url = base_url

    async def __call__(
        self, method: str, path: str, body: Any = None, *, user: str
    ) -> JupyterReply:
        kwargs: dict[str, Any] = {
            "method": method,
            "headers": {"Authorization": f"token {USERS[user]}"},
            "raise_error": False,
            "request_timeout": 120,  # starting a kernel on a busy machine
        }
        if method in ("POST", "PATCH"):
            kwargs["body"] = json.dumps(body if body is not None else {})
        elif method == "DELETE":
            kwargs["allow_nonstandard_methods"] = True
        return JupyterReply(await self.fetch(*path.strip("/").split("/"), **kwargs))

    async def websocket_status(self, kernel_id: str, user: str) -> int:
        """101 if ``user`` may open the kernel's channels, else the refusal's status."""
        url = f"ws://127.0.0.1:{self.port}{self.base_url}api/kernels/{kernel_id}/channels"
        headers = {"Authorization": f"token {USERS[user]}"}
        try:
            conn = await websocket_connect(HTTPRequest(url, headers=headers))
        except HTTPClientError as err:
            return err.code
        conn.close()
        return 101


@pytest.fixture
def jupyter(jp_fetch: Any, jp_http_port: int, jp_base_url: str) -> Jupyter:
    return Jupyter(jp_fetch, jp_http_port, jp_base_url)


async def create_space(api: ApiCall, name: str, **fields: Any) -> None:
    reply = await api("POST", "spaces", {"name": name, **fields})
    assert reply.status == 201, reply.json
    assert reply.json["status"] == "InService"


async def kernel_ids(jupyter: Jupyter, user: str) -> set[str]:
    reply = await jupyter("GET", "api/kernels", user=user)
    assert reply.status == 200, reply.json
    return {k["id"] for k in reply.json}


async def test_a_private_space_kernelspec_is_hidden_from_other_users_and_not_startable(
    api: ApiCall, jupyter: Jupyter, jp_serverapp: Any
) -> None:
    await create_space(api, "mine")
    mine = "smstudio-mine"
    specs = await jupyter("GET", "api/kernelspecs", user="alice")
    assert mine in specs.json["kernelspecs"]
    assert (await jupyter("GET", f"kernelspecs/{mine}/kernel.json", user="alice")).status == 200
    for user in ("bob", "reader"):
        listed = await jupyter("GET", "api/kernelspecs", user=user)
        assert listed.status == 200
        assert mine not in listed.json["kernelspecs"], user
        assert "python3" in listed.json["kernelspecs"], "other kernelspecs stay listed"
        assert (await jupyter("GET", f"api/kernelspecs/{mine}", user=user)).status == 404
        assert (await jupyter("GET", f"kernelspecs/{mine}/kernel.json", user=user)).status == 404
    started = await jupyter("POST", "api/kernels", {"name": mine}, user="bob")
    assert started.status == 404, started.json
    session = {"path": "bob.ipynb", "type": "notebook", "kernel": {"name": mine}}
    assert (await jupyter("POST", "api/sessions", session, user="bob")).status == 404
    assert list(jp_serverapp.kernel_manager.list_kernel_ids()) == [], "no kernel was started"


async def test_another_users_space_kernel_cannot_be_seen_or_driven(
    api: ApiCall, jupyter: Jupyter, jp_fetch: Any, jp_http_port: int, jp_base_url: str
) -> None:
    await create_space(api, "mine")
    notebook = {"path": "work.ipynb", "type": "notebook", "kernel": {"name": "smstudio-mine"}}
    created = await jupyter("POST", "api/sessions", notebook, user="alice")
    assert created.status == 201, created.json
    session, kernel = created.json["id"], created.json["kernel"]["id"]

    assert kernel not in await kernel_ids(jupyter, "bob")
    assert (await jupyter("GET", "api/sessions", user="bob")).json == []
    refused = [
        ("GET", f"api/kernels/{kernel}", None),
        ("POST", f"api/kernels/{kernel}/interrupt", None),
        ("POST", f"api/kernels/{kernel}/restart", None),
        ("DELETE", f"api/kernels/{kernel}", None),
        ("POST", "api/kernels", {"kernel_id": kernel}),
        ("GET", f"api/sessions/{session}", None),
        ("PATCH", f"api/sessions/{session}", {"path": "stolen.ipynb"}),
        ("DELETE", f"api/sessions/{session}", None),
        ("POST", "api/sessions", {"path": "work.ipynb", "type": "notebook"}),
        ("POST", "api/sessions", {"path": "b.ipynb", "type": "notebook", "kernel": {"id": kernel}}),
    ]
    for method, path, body in refused:
        reply = await jupyter(method, path, body, user="bob")
        assert reply.status == 404, f"{method} {path} {body} -> {reply.status} {reply.json}"
    assert await jupyter.websocket_status(kernel, "bob") == 404

    # Nothing happened to alice's kernel or session.
    assert kernel in await kernel_ids(jupyter, "alice")
    mine = await jupyter("GET", f"api/sessions/{session}", user="alice")
    assert mine.json["path"] == "work.ipynb"
    assert mine.json["kernel"]["id"] == kernel
    out = await KernelClient(jp_fetch, jp_http_port, jp_base_url).run(kernel, "print(6 * 7)")
    assert out.strip() == "42"


async def test_members_of_a_shared_space_use_its_kernels_others_do_not(
    api: ApiCall, jupyter: Jupyter, jp_fetch: Any, jp_http_port: int, jp_base_url: str
) -> None:
    await create_space(api, "team", sharing="shared", members=["bob"])
    team = "smstudio-team"
    assert team in (await jupyter("GET", "api/kernelspecs", user="bob")).json["kernelspecs"]
    started = await jupyter("POST", "api/kernels", {"name": team}, user="bob")
    assert started.status == 201, started.json
    kernel = started.json["id"]
    bob = KernelClient(jp_fetch, jp_http_port, jp_base_url, user="bob")
    assert (await bob.run(kernel, "print('bob was here')")).strip() == "bob was here"
    assert kernel in await kernel_ids(jupyter, "alice"), "the space's kernels are the owner's too"
    interrupted = await jupyter("POST", f"api/kernels/{kernel}/interrupt", user="alice")
    assert interrupted.status == 204

    assert team not in (await jupyter("GET", "api/kernelspecs", user="reader")).json["kernelspecs"]
    assert kernel not in await kernel_ids(jupyter, "reader")
    assert (await jupyter("GET", f"api/kernels/{kernel}", user="reader")).status == 404
    assert await jupyter.websocket_status(kernel, "reader") == 404

    assert (await jupyter("DELETE", f"api/kernels/{kernel}", user="bob")).status == 204
    assert kernel not in await kernel_ids(jupyter, "alice")


# ---- state on disk ---------------------------------------------------------------


@pytest.fixture
def earlier_state(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """'none', or 'readable': the data directory as an older version left it (0755/0644)."""
    state: str = getattr(request, "param", "none")
    if state == "readable":
        data = tmp_path / "smstudio"
        (data / "hosting").mkdir(parents=True)
        data.chmod(0o755)
        (data / "smstudio.db").touch(mode=0o644)  # an empty file is an empty database
        key = data / "hosting" / "access-keys.key"
        key.write_bytes(os.urandom(32))
        key.chmod(0o644)
    return state


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], earlier_state: str) -> dict[str, Any]:
    return jp_server_config  # earlier_state is in place before the server starts


def mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


@pytest.mark.parametrize("earlier_state", ["none", "readable"], indirect=True)
async def test_state_on_disk_is_readable_by_its_owner_only(
    api: ApiCall, jp_serverapp: Any, earlier_state: str, tmp_path: Path
) -> None:
    key = await api("POST", "access-keys", {"description": "mode check"})
    assert key.status == 201, key.json
    assert (await api("POST", "spaces", {"name": "s1", "start": False})).status == 201
    data = tmp_path / "smstudio"  # conftest's data_dir
    assert mode(data) == "0o700"
    files = [data / "smstudio.db", data / "hosting" / "access-keys.key"]
    files += [data / f"smstudio.db{suffix}" for suffix in ("-wal", "-shm")]
    for path in files:
        assert path.exists(), path
        assert mode(path) == "0o600", f"{path.name} is {mode(path)} ({earlier_state})"
