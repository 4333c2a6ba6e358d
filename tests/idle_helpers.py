"""Helpers for idle-shutdown tests: short timeouts, polling the /idle report."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from .conftest import USERS, ApiCall

#: Short timeouts instead of fake clocks: kernels and spaces idle out after 6 s.
TIMEOUT_S = 6.0
POLICY = {
    "default_timeout_minutes": TIMEOUT_S / 60,
    "check_interval_seconds": 1,
    "min_timeout_minutes": 1,
    "max_timeout_minutes": 120,
    "users_may_disable": False,
    "cpu_busy_percent": 20,
    "warning_minutes": 0.05,
}


async def report(api: ApiCall, user: str = "alice") -> dict[str, Any]:
    reply = await api("GET", "idle", user=user, params={"no_track_activity": "1"})
    assert reply.status == 200, reply.json
    return reply.json  # type: ignore[no-any-return]


async def kernel_report(api: ApiCall, kernel_id: str) -> dict[str, Any] | None:
    for k in (await report(api))["kernels"]:
        if k["id"] == kernel_id:
            return k  # type: ignore[no-any-return]
    return None


async def kernel_alive(jp_fetch: Any, kernel_id: str) -> bool:
    reply = await jp_fetch(
        "api", "kernels", kernel_id, raise_error=False,
        headers={"Authorization": f"token {USERS['alice']}"},
    )  # fmt: skip
    return reply.code == 200  # type: ignore[no-any-return]


async def terminal_send(port: int, base_url: str, name: str, text: str) -> None:
    url = f"ws://127.0.0.1:{port}{base_url}terminals/websocket/{name}"
    headers = {"Authorization": f"token {USERS['alice']}"}
    conn = await websocket_connect(HTTPRequest(url, headers=headers))
    try:
        conn.write_message(json.dumps(["stdin", text]))
        await asyncio.sleep(0.5)
    finally:
        conn.close()
