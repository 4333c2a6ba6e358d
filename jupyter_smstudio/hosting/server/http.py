"""A minimal HTTP/1.1 server protocol for the model server's hot path.

Only what the inference contract needs: Content-Length bodies, keep-alive,
pipelining, ``Expect: 100-continue``, and a size limit checked before the body is
read. Complete requests go to the worker's queue (``submit``), which answers them
in order; the per-request cost is a few dozen microseconds of parsing instead of a
web framework's stack.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

MAX_HEAD = 64 * 1024


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] | None = None


Submit = Callable[["HttpProtocol", Request, bool], None]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def render(reply: Reply, keep_alive: bool) -> bytes:
    lines = [
        f"HTTP/1.1 {reply.status} {_reason(reply.status)}",
        f"Content-Type: {reply.content_type}",
        f"Content-Length: {len(reply.body)}",
    ]
    for name, value in (reply.headers or {}).items():
        lines.append(f"{name}: {value}")
    if not keep_alive:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    return head + reply.body


class HttpProtocol(asyncio.Protocol):
    """One connection: parse requests as bytes arrive, answer each in order."""

    def __init__(
        self, submit: Submit, max_body: int, closed: Callable[[HttpProtocol], None]
    ) -> None:
        self.submit = submit
        self.closed = closed
        self.max_body = max_body
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.pending: tuple[str, str, dict[str, str], int, bool] | None = None
        self.continued = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None and not self.transport.is_closing():
            if not self._step():
                return

    def _fail(self, status: int, message: str) -> None:
        body = ('{"message": "' + message.replace('"', "'") + '"}').encode()
        assert self.transport is not None
        self.transport.write(render(Reply(status, body), keep_alive=False))
        self.transport.close()

    def _step(self) -> bool:
        """Handle one request if it is complete; False when more bytes are needed."""
        if self.pending is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    self._fail(431, "Request headers too large")
                return False
            head = bytes(self.buffer[:end]).decode("latin-1")
            del self.buffer[: end + 4]
            request_line, *header_lines = head.split("\r\n")
            try:
                method, path, version = request_line.split(" ")
            except ValueError:
                self._fail(400, "Malformed request line")
                return False
            headers = {}
            for line in header_lines:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if "chunked" in headers.get("transfer-encoding", "").lower():
                self._fail(411, "Send a Content-Length; chunked bodies are not supported")
                return False
            try:
                length = int(headers.get("content-length", "0"))
            except ValueError:
                self._fail(400, "Invalid Content-Length")
                return False
            if length > self.max_body:
                self._fail(413, f"Payload of {length} bytes is over the {self.max_body}-byte limit")
                return False
            connection = headers.get("connection", "").lower()
            keep = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
            self.pending = (method, path, headers, length, keep)
            self.continued = False
        method, path, headers, length, keep = self.pending
        if len(self.buffer) < length:
            if not self.continued and headers.get("expect", "").lower() == "100-continue":
                assert self.transport is not None
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                self.continued = True
            return False
        body = bytes(self.buffer[:length])
        del self.buffer[:length]
        self.pending = None
        self.submit(self, Request(method, path.split("?", 1)[0], headers, body), keep)
        return keep

    def respond(self, reply: Reply, keep: bool) -> None:
        if self.transport is None or self.transport.is_closing():
            return  # the client went away
        self.transport.write(render(reply, keep))
        if not keep:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.closed(self)
