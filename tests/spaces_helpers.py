"""Helpers for space tests: wait for a status, run code in a space kernel."""

from __future__ import annotations

import json
from typing import Any

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from .conftest import USERS, ApiCall
from .kernels import execute
from .waiting import eventually


async def wait_status(
    api: ApiCall, name: str, *wanted: str, timeout: float = 30, user: str = "alice"
) -> dict[str, Any]:
    """Poll the space until its status is one of ``wanted``."""

    async def check() -> dict[str, Any] | None:
        reply = await api("GET", f"spaces/{name}", user=user)
        assert reply.status == 200, reply.json
        return reply.json if reply.json["status"] in wanted else None  # type: ignore[no-any-return]

    return await eventually(check, timeout, f"space {name} to be {wanted}")  # type: ignore[no-any-return]


class KernelClient:
    """Start kernels through the server's REST API and run code in them."""

    def __init__(self, jp_fetch: Any, port: int, base_url: str, user: str = "alice") -> None:
        self.fetch = jp_fetch
        self.port = port
        self.base_url = base_url
        self.headers = {"Authorization": f"token {USERS[user]}"}

    async def start(self, kernel_name: str) -> str:
        import json

        reply = await self.fetch("api", "kernels", method="POST", headers=self.headers,
                                 body=json.dumps({"name": kernel_name}))  # fmt: skip
        return json.loads(reply.body)["id"]  # type: ignore[no-any-return]

    async def run(self, kernel_id: str, code: str, timeout: float = 60) -> str:
        url = f"ws://127.0.0.1:{self.port}{self.base_url}api/kernels/{kernel_id}/channels"

        async def attempt() -> tuple[str, Any] | None:
            # A kernel that was just (re)started may not accept connections yet.
            try:
                return await execute(url, self.headers, code, timeout)
            except (ConnectionError, OSError):
                return None

        out, error = await eventually(attempt, timeout, f"kernel {kernel_id} to answer", 0.2)
        assert error is None, f"{error['ename']}: {error['evalue']}" if error else ""
        return out


async def terminal_output(port: int, base_url: str, name: str, text: str, until: str) -> str:
    """Type ``text`` in the terminal; what it prints up to ``until``."""
    url = f"ws://127.0.0.1:{port}{base_url}terminals/websocket/{name}"
    conn = await websocket_connect(
        HTTPRequest(url, headers={"Authorization": f"token {USERS['alice']}"})
    )
    out = ""
    try:
        conn.write_message(json.dumps(["stdin", text]))

        async def printed() -> bool:
            nonlocal out
            message = await conn.read_message()
            kind, *data = json.loads(message or '["disconnect"]')
            out += data[0] if kind == "stdout" else ""
            return until in out

        await eventually(printed, 20, f"the terminal to print {until!r}", 0)
    finally:
        conn.close()
    return out
