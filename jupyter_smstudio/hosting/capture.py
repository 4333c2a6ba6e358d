"""Data capture: sampled requests and responses as JSON Lines, SageMaker's record shape.

Files roll hourly under ``<destination>/<endpoint>/<variant>/YYYY/MM/DD/HH/capture.jsonl``.
A single writer thread appends, so the event loop never waits on the disk.
"""

from __future__ import annotations

import base64
import json
import queue
import random
import threading
import time
import uuid
from pathlib import Path
from typing import Any

TEXT_TYPES = ("text/csv", "application/json", "application/jsonlines", "text/plain")


def _payload(data: bytes, content_type: str, mode: str) -> dict[str, Any]:
    kind = content_type.split(";")[0].strip().lower()
    if kind in TEXT_TYPES:
        try:
            text = data.decode("utf-8")
            encoding = "CSV" if kind == "text/csv" else "JSON"
            return {
                "observedContentType": content_type,
                "mode": mode,
                "data": text,
                "encoding": encoding,
            }
        except UnicodeDecodeError:
            pass
    return {
        "observedContentType": content_type,
        "mode": mode,
        "data": base64.b64encode(data).decode(),
        "encoding": "BASE64",
    }


class CaptureWriter:
    """Samples and queues records; a daemon thread writes them."""

    def __init__(self, directory: Path, endpoint: str, percentage: int, options: list[str]) -> None:
        self.directory = directory / endpoint
        self.percentage = percentage
        self.options = set(options)
        self.queue: queue.Queue[tuple[str, str] | None] = queue.Queue(maxsize=10000)
        self.thread = threading.Thread(target=self._write, daemon=True, name="data-capture")
        self.thread.start()
        self.dropped = 0

    def sampled(self) -> bool:
        return self.percentage >= 100 or random.uniform(0, 100) < self.percentage  # noqa: S311

    def record(
        self,
        variant: str,
        request: bytes,
        content_type: str,
        response: bytes,
        accept: str,
        custom_attributes: str | None,
    ) -> None:
        now = time.time()
        capture: dict[str, Any] = {}
        if "Input" in self.options:
            capture["endpointInput"] = _payload(request, content_type, "INPUT")
        if "Output" in self.options:
            capture["endpointOutput"] = _payload(response, accept, "OUTPUT")
        metadata: dict[str, Any] = {
            "eventId": str(uuid.uuid4()),
            "inferenceTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        }
        if custom_attributes:
            metadata["customAttributes"] = custom_attributes
        line = json.dumps({"captureData": capture, "eventMetadata": metadata, "eventVersion": "0"})
        hour = time.strftime("%Y/%m/%d/%H", time.gmtime(now))
        try:
            self.queue.put_nowait((f"{variant}/{hour}/capture.jsonl", line))
        except queue.Full:
            self.dropped += 1  # never slow the endpoint down for capture

    def _write(self) -> None:
        while (item := self.queue.get()) is not None:
            relative, line = item
            path = self.directory / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
                while not self.queue.empty():  # batch what is waiting into the same open file
                    nxt = self.queue.get_nowait()
                    if nxt is None:
                        return
                    if nxt[0] != relative:
                        self.queue.put(nxt)
                        break
                    f.write(nxt[1] + "\n")

    def flush(self, timeout: float = 5) -> None:
        """Wait until queued records are on disk (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while not self.queue.empty() and time.monotonic() < deadline:
            time.sleep(0.01)

    def close(self) -> None:
        self.flush()
        self.queue.put(None)
