"""``sagemaker_inference.utils``."""

from __future__ import annotations

from typing import Any


def read_file(path: str, mode: str = "r") -> Any:
    with open(path, mode) as f:
        return f.read()


def write_file(path: str, data: Any, mode: str = "w") -> None:
    with open(path, mode) as f:
        f.write(data)


def retrieve_content_type_header(request_property: dict[str, str]) -> str | None:
    for name in ("Content-Type", "content-type", "Content-type", "CONTENT-TYPE"):
        if name in request_property:
            return request_property[name]
    return None


def parse_accept(accept: str) -> list[str]:
    return [part.split(";", 1)[0].strip() for part in accept.split(",") if part.strip()]
