"""The model server answers concurrent clients together: one ``predict`` for their rows.

Runs the real pre-fork model server (one worker) on a model whose ``predict`` takes
a fixed time and logs how many rows each call got.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import joblib  # type: ignore[import-untyped]
import pytest

from .hosting_models import CountingModel, model_server_env
from .servers import wait_until

pytestmark = pytest.mark.slow

CLIENTS = 4
ROUNDS = 12


@pytest.fixture
def model_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    log = tmp_path / "calls.log"
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    joblib.dump(CountingModel(str(log), 0.05), model_dir / "model.joblib")
    info = tmp_path / "info.json"
    env = model_server_env(model_dir, info, workers=1)
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_smstudio.hosting.server"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        data = wait_until(
            lambda: info.exists() and json.loads(info.read_text()).get("ready") and info,
            60,
            "model server ready",
        )
        yield int(json.loads(data.read_text())["port"]), log
    finally:
        proc.terminate()
        proc.wait(30)


async def _client(port: int, value: int, answers: list[bytes]) -> None:
    """A keep-alive client sending its next request as soon as it has an answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = f"{value},{value}".encode()
    request = (
        b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
        b"Accept: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    ) + body
    try:
        for _ in range(ROUNDS):
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            answers.append(await reader.readexactly(length))
    finally:
        writer.close()


def test_concurrent_clients_share_one_predict_and_get_their_own_rows(
    model_server: tuple[int, Path],
) -> None:
    port, log = model_server
    answers: dict[int, list[bytes]] = {value: [] for value in range(1, CLIENTS + 1)}

    async def main() -> None:
        await asyncio.gather(*(_client(port, value, answers[value]) for value in answers))

    asyncio.run(main())
    for value, replies in answers.items():
        assert replies == [json.dumps([2.0 * value]).encode()] * ROUNDS
    calls = [int(line) for line in log.read_text().split()]
    assert sum(calls) == CLIENTS * ROUNDS
    # Clients answered together come back together: after the first call, nearly every
    # call serves all of them, instead of half the clients waiting one extra predict.
    assert sum(1 for rows in calls if rows == CLIENTS) >= ROUNDS - 2, calls
