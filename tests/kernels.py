"""Run code in a kernel of a real server, over its websocket, as JupyterLab does."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jupyter_client.jsonutil import json_default
from jupyter_client.session import Session
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from jupyter_smstudio.client import Client

from .servers import ServerProcess


async def execute(
    ws_url: str, headers: dict[str, str], code: str, timeout: float = 60
) -> tuple[str, dict[str, Any] | None]:
    """Execute ``code``; return (stdout+stderr text, error content or None)."""
    conn = await websocket_connect(HTTPRequest(ws_url, headers=headers))
    try:
        msg = Session().msg(
            "execute_request",
            content={"code": code, "silent": False, "store_history": False,
                     "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
        )  # fmt: skip
        msg["channel"] = "shell"
        conn.write_message(json.dumps(msg, default=json_default))
        parent = msg["header"]["msg_id"]
        output: list[str] = []
        error: dict[str, Any] | None = None
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"kernel did not finish within {timeout}s: {''.join(output)}")
            raw = await asyncio.wait_for(conn.read_message(), remaining)
            if raw is None:
                raise ConnectionError("kernel websocket closed")
            reply = json.loads(raw)
            if reply.get("parent_header", {}).get("msg_id") != parent:
                continue
            kind = reply["msg_type"]
            if kind == "stream":
                output.append(reply["content"]["text"])
            elif kind == "error":
                error = reply["content"]
            elif kind == "status" and reply["content"]["execution_state"] == "idle":
                return "".join(output), error
    finally:
        conn.close()


def run_code(base_url: str, headers: dict[str, str], kernel_id: str, code: str) -> str:
    ws = base_url.replace("http", "ws", 1) + f"api/kernels/{kernel_id}/channels"
    out, error = asyncio.run(execute(ws, headers, code))
    assert error is None, f"{error['ename']}: {error['evalue']}" if error else ""
    return out


@contextmanager
def magic_kernel(tmp_path: Path) -> Iterator[tuple[Client, Callable[[str], str]]]:
    """A server, and a kernel with the magics loaded working in the server root (as a
    notebook's kernel works in the notebook's folder): the client and a ``run(code)``."""
    with ServerProcess(tmp_path) as server:
        client = Client(server.url, server.token)
        kernel = client.session.post(server.url + "api/kernels", json={}, timeout=60).json()

        def run(code: str) -> str:
            return run_code(server.url, server.headers, kernel["id"], code)

        run(f"import os; os.chdir({str(tmp_path / 'root')!r})")
        run("%load_ext jupyter_smstudio")
        yield client, run
