"""``sagemaker_containers._worker``: the ``Response`` that handlers return (a Flask
response in the container); jupyter_smstudio's model server sends its body, status and
mimetype."""

from __future__ import annotations

from typing import Any


class Response:
    def __init__(
        self,
        response: Any = None,
        accept: str | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
        mimetype: str | None = None,
        direct_passthrough: bool = False,
    ) -> None:
        body = b"" if response is None else response
        self.data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        self.status_code = int(status)
        self.headers = dict(headers or {})
        self.mimetype = mimetype or accept or "application/json"

    def get_data(self) -> bytes:
        return self.data
