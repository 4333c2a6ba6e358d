"""A lean closed-loop HTTP/1.1 load generator: N keep-alive connections, one asyncio loop.

Every connection sends its next request as soon as the previous answer arrives, for
a fixed time, so concurrency N means N requests in flight. Loopback only.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: bytes = b""  # the body of the first answer that was not a 200
    seconds: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


async def _connection(port: int, request: bytes, until: float, load: Load) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length)
            load.latencies.append(time.perf_counter() - start)
            if status != 200:
                load.errors += 1
                load.first_error = load.first_error or head + body
    finally:
        writer.close()


def run_load(
    port: int, path: str, body: bytes, content_type: str, concurrency: int, seconds: float
) -> Load:
    request = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {content_type}\r\n"
        f"Accept: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    load = Load()

    async def main() -> None:
        until = time.perf_counter() + seconds
        start = time.perf_counter()
        await asyncio.gather(*(_connection(port, request, until, load) for _ in range(concurrency)))
        load.seconds = time.perf_counter() - start

    asyncio.run(main())
    return load
