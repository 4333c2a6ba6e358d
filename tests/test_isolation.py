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

from jupyter_smstudio.wrangler.models import FileSource, FlowDocument

from .conftest import USERS, ApiCall
from .spaces_helpers import KernelClient
from .wrangler_data import write_fixtures


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


@pytest.mark.slow
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


@pytest.mark.slow
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


# ---- Data Wrangler flows -----------------------------------------------------------

SOURCE = {"kind": "file", "path": "sales.csv"}
FLOW_ROUTES = "/smstudio/api/wrangler/flows/{name}"


async def new_flow(api: ApiCall, name: str, user: str = "alice", **extra: Any) -> dict[str, Any]:
    reply = await api(
        "POST", "wrangler/flows", {"name": name, "source": SOURCE, **extra}, user=user
    )
    assert reply.status == 201, reply.json
    return reply.json  # type: ignore[no-any-return]


def flow_requests(flow: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """A valid request (body or query) for every route of one flow, by (method, path)."""
    version = {"version": flow["version"]}
    return {
        ("get", ""): {},
        ("patch", ""): {"body": {**version, "target": "price"}},
        ("delete", ""): {},
        ("post", "/steps"): {"body": {**version, "operator": "drop_columns",
                                      "params": {"columns": ["note"]}}},
        ("patch", "/steps/{step_id}"): {"body": {**version, "title": "mine"}},
        ("delete", "/steps/{step_id}"): {"params": version},
        ("post", "/fit"): {"body": version},
        ("get", "/preview"): {},
        ("post", "/report"): {"body": {}},
        ("get", "/export"): {"params": {"format": "pandas"}},
        ("post", "/processing-jobs"): {"body": {}},
    }  # fmt: skip


async def test_another_users_private_flow_is_not_found_on_every_flow_route(
    api: ApiCall, jp_root_dir: Path
) -> None:
    write_fixtures(jp_root_dir)
    await new_flow(api, "sales.flow")
    drop = {"operator": "drop_columns", "params": {"columns": ["day"]}, "version": 1}
    step = await api("POST", "wrangler/flows/sales.flow/steps", drop)
    assert step.status == 201, step.json
    flow = step.json
    before = (jp_root_dir / "sales.flow").read_text()

    requests = flow_requests(flow)
    documented = (await api("GET", "openapi.json")).json["paths"]
    routes = {(method, path.removeprefix(FLOW_ROUTES)) for path, ops in documented.items()
              if path.startswith(FLOW_ROUTES) for method in ops}  # fmt: skip
    assert routes == set(requests), "every flow route must be checked here"
    assert (await api("GET", "wrangler/flows", user="bob")).json["items"] == []
    for (method, suffix), request in requests.items():
        path = "wrangler/flows/sales.flow" + suffix.replace("{step_id}", flow["steps"][0]["id"])
        body = request.get("body", {})
        reply = await api(method.upper(), path, body, user="bob", params=request.get("params"))
        assert reply.status == 404, f"{method.upper()} {path} -> {reply.status} {reply.json}"
        assert reply.error["field"] == "name"
        assert reply.error["message"] == "No flow 'sales.flow'."

    assert (jp_root_dir / "sales.flow").read_text() == before, "the flow is unchanged"
    assert (await api("GET", "processing-jobs", user="bob")).json["items"] == []
    mine = await api("GET", "wrangler/flows")
    assert [(i["name"], i["owner"]) for i in mine.json["items"]] == [("sales.flow", "alice")]
    assert (flow["owner"], flow["sharing"]) == ("alice", "private")
    same_file = await api("GET", "wrangler/flows/sub%2F..%2Fsales.flow", user="bob")
    assert same_file.status == 404, "another spelling of its path is the same flow"


async def test_members_of_a_shared_flow_use_it_only_its_owner_deletes_or_reshares_it(
    api: ApiCall, jp_root_dir: Path
) -> None:
    write_fixtures(jp_root_dir)
    flow = await new_flow(api, "team.flow", sharing="shared", members=["bob", "alice"])
    assert (flow["sharing"], flow["members"]) == ("shared", ["bob"])
    listed = (await api("GET", "wrangler/flows", user="bob")).json["items"]
    assert [(i["name"], i["owner"], i["sharing"]) for i in listed] == [
        ("team.flow", "alice", "shared")
    ]
    step = await api("POST", "wrangler/flows/team.flow/steps", user="bob",
                     body={"operator": "drop_columns", "params": {"columns": ["note"]},
                           "version": flow["version"]})  # fmt: skip
    assert step.status == 201, step.json
    version = step.json["version"]
    export = await api("GET", "wrangler/flows/team.flow/export", user="bob",
                       params={"format": "pandas"})  # fmt: skip
    assert export.status == 200
    assert (await api("GET", "wrangler/flows/team.flow", user="reader")).status == 404

    denied = await api("DELETE", "wrangler/flows/team.flow", user="bob")
    assert denied.status == 403, denied.json
    reshare = {"version": version, "members": ["bob", "carol"]}
    assert (await api("PATCH", "wrangler/flows/team.flow", reshare, user="bob")).status == 403
    null = await api("PATCH", "wrangler/flows/team.flow", {"version": version, "sharing": None})
    assert null.status == 400
    assert null.error["field"] == "sharing"

    private = await api(
        "PATCH", "wrangler/flows/team.flow", {"version": version, "sharing": "private"}
    )
    assert private.status == 200, private.json
    assert private.json["sharing"] == "private"
    assert private.json["version"] == version, "sharing is not the document's: no new version"
    assert (await api("GET", "wrangler/flows/team.flow", user="bob")).status == 404
    assert (await api("DELETE", "wrangler/flows/team.flow")).status == 204
    assert not (jp_root_dir / "team.flow").exists()
    again = await new_flow(api, "team.flow", user="bob")  # the path is free, and now bob's
    assert again["owner"] == "bob"
    assert (await api("GET", "wrangler/flows/team.flow")).status == 404


async def test_a_flow_without_an_owner_is_every_users_until_one_sets_its_sharing(
    api: ApiCall, jp_root_dir: Path
) -> None:
    """Files the Data Wrangler did not create: from before owners were recorded, or copies."""
    write_fixtures(jp_root_dir)
    old = FlowDocument(source=FileSource(path="sales.csv"))
    (jp_root_dir / "old.flow").write_text(json.dumps(old.model_dump(mode="json")))
    for user in ("alice", "bob"):
        seen = await api("GET", "wrangler/flows/old.flow", user=user)
        assert seen.status == 200, seen.json
        assert (seen.json["owner"], seen.json["sharing"]) == (None, "shared")
        listed = (await api("GET", "wrangler/flows", user=user)).json["items"]
        assert [(i["name"], i["owner"]) for i in listed] == [("old.flow", None)]
    claimed = await api("PATCH", "wrangler/flows/old.flow", {"version": 1, "sharing": "private"},
                        user="bob")  # fmt: skip
    assert claimed.status == 200, claimed.json
    assert (claimed.json["owner"], claimed.json["sharing"]) == ("bob", "private")
    assert (await api("GET", "wrangler/flows/old.flow", user="alice")).status == 404
    assert (await api("GET", "wrangler/flows", user="alice")).json["items"] == []
