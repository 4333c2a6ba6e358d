"""A small pooled HTTP/1.1 client from the Jupyter server to model servers on loopback.

Keep-alive connections per address avoid a TCP handshake per invocation; tornado's
simple client opens one connection per request.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

MAX_IDLE = 16


class UpstreamError(Exception):
    """The instance could not be reached or answered garbage."""


@dataclass(frozen=True)
class UpstreamResponse:
    status: int
    headers: dict[str, str]
    body: bytes


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class UpstreamPool:
    def __init__(self) -> None:
        self.idle: dict[str, list[_Connection]] = {}

    async def _connect(self, address: str) -> tuple[_Connection, bool]:
        """A pooled connection (True) or a new one (False)."""
        pool = self.idle.get(address)
        while pool:
            conn = pool.pop()
            if not conn.writer.is_closing() and not conn.reader.at_eof():
                return conn, True
            conn.close()
        host, _, port = address.rpartition(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        return _Connection(reader, writer), False

    def _release(self, address: str, conn: _Connection) -> None:
        pool = self.idle.setdefault(address, [])
        if len(pool) < MAX_IDLE:
            pool.append(conn)
        else:
            conn.close()

    async def request(
        self,
        address: str,
        method: str,
        path: str,
        body: bytes,
        headers: dict[str, str],
        timeout: float,
    ) -> UpstreamResponse:
        """One request; a stale pooled connection is retried once on a fresh one."""
        for attempt in (0, 1):
            try:
                conn, reused = await asyncio.wait_for(self._connect(address), timeout)
            except (OSError, asyncio.TimeoutError) as err:
                raise UpstreamError(f"cannot connect to {address}: {err}") from err
            try:
                return await asyncio.wait_for(
                    self._exchange(address, conn, method, path, body, headers), timeout
                )
            except asyncio.TimeoutError:
                conn.close()
                raise
            except (OSError, asyncio.IncompleteReadError, ValueError) as err:
                conn.close()
                # A pooled connection the server closed while idle fails at once: retry
                # that once on a fresh connection. Anything else is reported.
                stale = isinstance(err, (ConnectionResetError, BrokenPipeError)) or (
                    isinstance(err, asyncio.IncompleteReadError) and not err.partial
                )
                if attempt == 1 or not (reused and stale):
                    raise UpstreamError(f"{address}: {err}") from err
        raise AssertionError("unreachable")

    async def _exchange(
        self,
        address: str,
        conn: _Connection,
        method: str,
        path: str,
        body: bytes,
        headers: dict[str, str],
    ) -> UpstreamResponse:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {address}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        conn.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await conn.writer.drain()
        head = await conn.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").rstrip("\r\n").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        response_headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            response_headers[name.strip().lower()] = value.strip()
        length = int(response_headers.get("content-length", "0"))
        data = await conn.reader.readexactly(length)
        if response_headers.get("connection", "").lower() == "close":
            conn.close()
        else:
            self._release(address, conn)
        return UpstreamResponse(status, response_headers, data)

    def close(self) -> None:
        for pool in self.idle.values():
            for conn in pool:
                conn.close()
        self.idle.clear()
