"""A space's files in the server's contents (``spaces/<name>/``), who sees them, and paths
that resolve inside a space: kernels' working directory, ``%%train``, job paths."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import requests
from traitlets import TraitError

from jupyter_smstudio.client import Client
from jupyter_smstudio.spaces.files import SpaceFolders
from jupyter_smstudio.spaces.service import SpaceService

from .conftest import USERS, ApiCall
from .kernels import run_code
from .servers import ServerProcess, wait_until


class Contents:
    """jupyter_server's own file APIs (``/api/contents``, ``/files``) as one user."""

    def __init__(self, jp_fetch: Any) -> None:
        self.fetch = jp_fetch

    async def __call__(
        self, method: str, path: str, body: Any = None, *, user: str = "alice"
    ) -> tuple[int, Any]:
        kwargs: dict[str, Any] = {
            "method": method,
            "headers": {"Authorization": f"token {USERS[user]}"},
            "raise_error": False,
        }
        if method in ("POST", "PUT", "PATCH"):
            kwargs["body"] = json.dumps(body if body is not None else {})
        elif method == "DELETE":
            kwargs["allow_nonstandard_methods"] = True
        reply = await self.fetch(*path.strip("/").split("/"), **kwargs)
        text = reply.body.decode() if reply.body else ""
        try:
            return reply.code, json.loads(text) if text else None
        except ValueError:
            return reply.code, text


@pytest.fixture
def contents(jp_fetch: Any) -> Contents:
    return Contents(jp_fetch)


def names(listing: dict[str, Any]) -> set[str]:
    return {item["name"] for item in listing["content"]}


def files_dir(serverapp: Any, space: str) -> Path:
    return Path(serverapp.web_app.settings["smstudio_services"].spaces.backend.files(space))


async def create(api: ApiCall, name: str, **fields: Any) -> None:
    reply = await api("POST", "spaces", {"name": name, **fields})
    assert reply.status == 201, reply.json


async def put_text(contents: Contents, path: str, text: str, user: str = "alice") -> int:
    body = {"type": "file", "format": "text", "content": text}
    return (await contents("PUT", f"api/contents/{path}", body, user=user))[0]


async def test_each_user_sees_the_folders_of_the_spaces_they_may_use(
    api: ApiCall, contents: Contents, jp_serverapp: Any, jp_root_dir: Path
) -> None:
    await create(api, "priv")
    await create(api, "team", sharing="shared", members=["bob"])
    assert (await api("GET", "status")).json["spaces_folder"] == "spaces"
    assert (await api("GET", "spaces/priv")).json["folder"] == "spaces/priv"
    assert await put_text(contents, "spaces/priv/notes.txt", "private") == 201
    assert (files_dir(jp_serverapp, "priv") / "notes.txt").read_text() == "private"
    assert await put_text(contents, "spaces/team/plan.txt", "shared") == 201

    status, listing = await contents("GET", "api/contents/spaces")
    assert status == 200
    assert names(listing) == {"priv", "team"}
    status, listing = await contents("GET", "api/contents/spaces", user="bob")
    assert status == 200
    assert names(listing) == {"team"}, "another's private space is hidden"

    # Bob can neither read, write, copy, download nor open a notebook in it.
    assert (await contents("GET", "api/contents/spaces/priv/notes.txt", user="bob"))[0] == 404
    assert (await contents("GET", "api/contents/spaces/priv", user="bob"))[0] == 404
    assert await put_text(contents, "spaces/priv/x.txt", "x", user="bob") == 404
    copy = {"copy_from": "spaces/priv/notes.txt"}
    assert (await contents("POST", "api/contents", copy, user="bob"))[0] == 404
    assert (await contents("GET", "files/spaces/priv/notes.txt", user="bob"))[0] == 404
    session = {"path": "spaces/priv/nb.ipynb", "type": "notebook", "name": "nb.ipynb",
               "kernel": {"name": "python3"}}  # fmt: skip
    assert (await contents("POST", "api/sessions", session, user="bob"))[0] == 404
    # ... while a member of a shared space uses its folder like any other.
    status, plan = await contents("GET", "api/contents/spaces/team/plan.txt", user="bob")
    assert status == 200
    assert plan["content"] == "shared"
    assert await put_text(contents, "spaces/team/reply.txt", "ok", user="bob") == 201
    assert (await contents("GET", "files/spaces/priv/notes.txt"))[0] == 200

    # A space's folder goes with the space, not through the file browser.
    status, error = await contents("DELETE", "api/contents/spaces/priv")
    assert status == 400
    assert "Spaces panel" in error["message"]
    rename = {"path": "elsewhere"}
    assert (await contents("PATCH", "api/contents/spaces/team", rename))[0] == 400
    assert (await contents("DELETE", "api/contents/spaces"))[0] == 400
    # Nothing else goes directly in the folder of the spaces (it would take a space's name).
    status, error = await contents("PUT", "api/contents/spaces/mine", {"type": "directory"})
    assert status == 400
    assert "only spaces' folders" in error["message"]
    assert (await contents("POST", "api/contents/spaces", {"type": "notebook"}))[0] == 400
    assert (await contents("POST", "api/contents/spaces/team", {"type": "notebook"}))[0] == 201

    # Stopping keeps the files browsable; deleting removes folder and files.
    assert (await api("POST", "spaces/priv/stop")).status == 200
    assert (await contents("GET", "api/contents/spaces/priv/notes.txt"))[0] == 200
    assert (await api("DELETE", "spaces/priv")).status == 204
    assert (await contents("GET", "api/contents/spaces/priv/notes.txt"))[0] == 404
    assert names((await contents("GET", "api/contents/spaces"))[1]) == {"team"}
    assert not (jp_root_dir / "spaces" / "priv").exists()
    assert not files_dir(jp_serverapp, "priv").exists()


@pytest.mark.parametrize("value", ["../elsewhere", "/abs", "a/../..", "."])
def test_the_folder_of_the_spaces_must_be_below_the_root(value: str) -> None:
    with pytest.raises(TraitError, match="below the server's root directory"):
        SpaceService.__new__(SpaceService).files_folder = value  # as the config sets it


def test_an_empty_folder_shows_no_spaces(tmp_path: Path) -> None:
    folders = SpaceFolders(tmp_path, "")
    folders.link("s", tmp_path)
    assert folders.api_path("s") is None
    assert folders.space_of("spaces/s/x") is None
    assert list(tmp_path.iterdir()) == []


async def test_job_paths_in_a_space_are_accepted_for_its_users_only(
    api: ApiCall, contents: Contents
) -> None:
    await create(api, "lab")
    assert (await contents("PUT", "api/contents/spaces/lab/src", {"type": "directory"}))[0] == 201
    assert await put_text(contents, "spaces/lab/src/readme.txt", "no script here") == 201
    job = {"name": "j1", "source_dir": "spaces/lab/src", "entry_point": "train.py"}
    # The owner's path is accepted (the job stops at the missing script, naming its field).
    mine = await api("POST", "training-jobs", job)
    assert mine.status == 400
    assert mine.error["field"] == "entry_point", mine.json
    theirs = await api("POST", "training-jobs", job, user="bob")
    assert theirs.status == 400
    assert theirs.error["field"] == "source_dir", theirs.json
    assert "is outside" in theirs.error["message"]
    # The Data Wrangler reads files in the caller's spaces alike.
    assert await put_text(contents, "spaces/lab/src/rows.csv", "a,b\n1,2\n") == 201
    source = {"source": {"kind": "file", "path": "spaces/lab/src/rows.csv"}}
    ok = await api("POST", "wrangler/sources/preview", source)
    assert ok.status == 200, ok.json
    refused = await api("POST", "wrangler/sources/preview", source, user="bob")
    assert refused.status == 400, refused.json
    # A missing path names the space it was looked for in.
    missing = await api("POST", "training-jobs", {**job, "source_dir": "spaces/lab/nothing"})
    assert "does not exist in space 'lab'" in missing.error["message"], missing.json


async def test_spaces_from_before_folders_get_theirs_at_server_start(
    api: ApiCall, contents: Contents, jp_serverapp: Any, jp_root_dir: Path
) -> None:
    await create(api, "old")
    (files_dir(jp_serverapp, "old") / "kept.txt").write_text("from before")
    (jp_root_dir / "spaces" / "old").unlink()  # as an older version left it: no folder
    await jp_serverapp.web_app.settings["smstudio_services"].spaces.recover()
    status, kept = await contents("GET", "api/contents/spaces/old/kept.txt")
    assert status == 200
    assert kept["content"] == "from before"


@pytest.mark.slow
def test_a_space_notebook_works_in_its_folder_and_trains_from_relative_paths(
    tmp_path: Path,
) -> None:
    with ServerProcess(tmp_path) as server:
        client = Client(server.url, server.token)
        http = requests.Session()
        http.headers.update(server.headers)
        reply = http.post(server.url + "smstudio/api/spaces", json={"name": "research"})
        assert reply.status_code == 201, reply.text
        folder = "spaces/research/project"
        assert http.put(server.url + f"api/contents/{folder}",
                        json={"type": "directory"}).status_code == 201  # fmt: skip
        session = http.post(server.url + "api/sessions", timeout=120, json={
            "path": f"{folder}/nb.ipynb", "type": "notebook", "name": "nb.ipynb",
            "kernel": {"name": "smstudio-research"},
        }).json()  # fmt: skip
        kernel = session["kernel"]["id"]

        def run(code: str) -> str:
            return run_code(server.url, server.headers, kernel, code)

        files = tmp_path / "smstudio" / "spaces" / "research" / "home"
        assert run("import os; print(os.getcwd())").strip() == str(files.resolve() / "project")
        run("os.makedirs('data'); open('data/rows.csv', 'w').write('1,2\\n')")
        written = http.get(server.url + f"api/contents/{folder}/data/rows.csv").json()
        assert written["content"] == "1,2\n", "what the kernel writes is in the file browser"

        run("%load_ext jupyter_smstudio")
        out = run(
            "%%train --name in-space --channel train=data --text\n"
            "import os\n"
            "print('rows', open(os.path.join(os.environ['SM_CHANNEL_TRAIN'], 'rows.csv')).read())\n"
        )
        assert "[in-space] Completed / Completed" in out, out
        assert "rows 1,2" in out, "the relative channel is the notebook folder's data/"
        job = wait_until(lambda: client.training_job("in-space"), 30, "the job")
        assert job["status"] == "Completed"
        assert os.path.isdir(files / "project" / ".smstudio" / "cells" / "in-space")


async def test_a_model_cannot_name_another_users_private_space_files(
    api: ApiCall, contents: Contents, jp_serverapp: Any
) -> None:
    """Deploy's roots include the data directory, where every space's volume lives: a
    path there is accepted only inside the caller's spaces, by link or directly."""
    await create(api, "secret")
    assert (await contents("PUT", "api/contents/spaces/secret/model", {"type": "directory"}))[
        0
    ] == 201
    assert await put_text(contents, "spaces/secret/model/weights.txt", "private") == 201
    volume = files_dir(jp_serverapp, "secret") / "model"
    for model_data in ("spaces/secret/model", str(volume)):
        body = {"name": "stolen", "model_data": model_data}
        refused = await api("POST", "models", body, user="bob")
        assert refused.status == 400, (model_data, refused.json)
        assert refused.error["field"] == "model_data"
        assert "secret" not in refused.error["message"].replace(model_data, "")
        mine = await api("POST", "models", {**body, "name": "mine"})
        assert mine.status == 201, (model_data, mine.json)
        assert (await api("DELETE", "models/mine")).status == 204
    assert (await api("GET", "models", user="bob")).json["items"] == []
