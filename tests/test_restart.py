"""State survives a real restart of a real server process; the client reaches it."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_smstudio.client import ApiError, Client

from .kernels import run_code
from .servers import ServerProcess

pytestmark = pytest.mark.slow


def test_state_survives_a_server_restart(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path)
    with server:
        client = Client(server.url, server.token)
        client.create_lifecycle_config("kept", "#!/bin/bash\necho hello\n", type="on-create")
        before = client.lifecycle_config("kept")
    assert server.stop() == 0
    db = tmp_path / "smstudio" / "smstudio.db"
    assert db.exists()

    restarted = ServerProcess(tmp_path)
    with restarted:
        client = Client(restarted.url, restarted.token)
        assert client.lifecycle_config("kept") == before
        assert [c["name"] for c in client.lifecycle_configs()] == ["kept"]
        assert client.status()["schema_versions"]["lifecycle"] >= 1


def test_client_reports_server_errors(tmp_path: Path) -> None:
    with ServerProcess(tmp_path) as server:
        client = Client(server.url, server.token)
        with pytest.raises(ApiError) as info:
            client.create_lifecycle_config("bad name!", "true")
        assert info.value.status == 400
        assert info.value.field == "name"
        with pytest.raises(ApiError) as info:
            client.lifecycle_config("missing")
        assert info.value.code == "ResourceNotFound"
        with pytest.raises(ApiError) as info:
            Client(server.url, "wrong-token").status()
        assert info.value.status == 403


def test_client_in_a_kernel_finds_its_server_without_configuration(tmp_path: Path) -> None:
    """A kernel started by the server inherits the URL and token the client needs."""
    with ServerProcess(tmp_path) as server:
        client = Client(server.url, server.token)
        client.create_lifecycle_config("from-outside", "true")
        kernel = client.session.post(server.url + "api/kernels", json={}, timeout=60).json()
        code = (
            "from jupyter_smstudio.client import Client\n"
            "print(sorted(c['name'] for c in Client().lifecycle_configs()))"
        )
        out = run_code(server.url, server.headers, kernel["id"], code)
        assert out.strip() == "['from-outside']"


def test_a_keep_alive_outlives_a_server_restart(tmp_path: Path) -> None:
    """Asking to keep the server up for an hour still holds after the server restarts."""
    with ServerProcess(tmp_path) as server:
        kept = Client(server.url, server.token).keep_alive(minutes=60)
    assert server.stop() == 0
    with ServerProcess(tmp_path) as restarted:
        activity = Client(restarted.url, restarted.token).idle()["server"]["activity"]
        assert any("keep-alive until" in a for a in activity), activity
    assert kept["until_ms"] > 0
