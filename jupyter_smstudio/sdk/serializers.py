"""Serializers and deserializers with the SageMaker SDK's names and content types."""

from __future__ import annotations

import csv
import io
import json
from typing import Any


class CSVSerializer:
    CONTENT_TYPE = "text/csv"

    def serialize(self, data: Any) -> bytes:
        if isinstance(data, (str, bytes)):
            return data.encode() if isinstance(data, str) else data
        rows = data.tolist() if hasattr(data, "tolist") else data
        if rows and not isinstance(rows[0], (list, tuple)):
            rows = [rows]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        return out.getvalue().encode()


class JSONSerializer:
    CONTENT_TYPE = "application/json"

    def serialize(self, data: Any) -> bytes:
        if isinstance(data, (str, bytes)):
            return data.encode() if isinstance(data, str) else data
        return json.dumps(data.tolist() if hasattr(data, "tolist") else data).encode()


class NumpySerializer:
    CONTENT_TYPE = "application/x-npy"

    def serialize(self, data: Any) -> bytes:
        import numpy as np

        buffer = io.BytesIO()
        np.save(buffer, np.asarray(data), allow_pickle=False)
        return buffer.getvalue()


class IdentitySerializer:
    def __init__(self, content_type: str = "application/octet-stream") -> None:
        self.CONTENT_TYPE = content_type

    def serialize(self, data: Any) -> bytes:
        return data.encode() if isinstance(data, str) else bytes(data)


class JSONDeserializer:
    ACCEPT = ("application/json",)

    def deserialize(self, body: bytes, content_type: str) -> Any:
        return json.loads(body)


class CSVDeserializer:
    ACCEPT = ("text/csv",)

    def deserialize(self, body: bytes, content_type: str) -> Any:
        return list(csv.reader(io.StringIO(body.decode())))


class NumpyDeserializer:
    ACCEPT = ("application/x-npy",)

    def deserialize(self, body: bytes, content_type: str) -> Any:
        import numpy as np

        if content_type.startswith("application/json"):
            return np.array(json.loads(body))
        return np.load(io.BytesIO(body), allow_pickle=False)


class BytesDeserializer:
    ACCEPT = ("*/*",)

    def deserialize(self, body: bytes, content_type: str) -> Any:
        return body
