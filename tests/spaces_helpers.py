"""Helpers for space tests: wait for a status, run code in a space kernel."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from .conftest import USERS, ApiCall
from .kernels import execute


async def wait_status(
    api: ApiCall, name: str, *wanted: str, timeout: float = 30, user: str = "alice"
) -> dict[str, Any]:
    """Poll the space until its status is one of ``wanted`` (fail fast on another final one)."""
    deadline = time.monotonic() + timeout
    while True:
        reply = await api("GET", f"spaces/{name}", user=user)
        assert reply.status == 200, reply.json
        if reply.json["status"] in wanted:
            return reply.json  # type: ignore[no-any-return]
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"space {name} is {reply.json['status']}, wanted {wanted}: {reply.json}"
            )
        await asyncio.sleep(0.1)


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
        deadline = time.monotonic() + timeout
        while True:  # a kernel that was just (re)started may not accept connections yet
            try:
                out, error = await execute(url, self.headers, code, timeout)
                break
            except (ConnectionError, OSError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)
        assert error is None, f"{error['ename']}: {error['evalue']}" if error else ""
        return out
