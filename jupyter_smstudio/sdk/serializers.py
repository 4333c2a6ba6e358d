"""Serializers and deserializers with the SageMaker SDK's names, signatures and content types.

As in ``sagemaker.base_serializers``, each takes its ``content_type`` (``accept`` for a
deserializer) and exposes it as ``CONTENT_TYPE`` (``ACCEPT``, a tuple).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any


class _Serializer:
    def __init__(self, content_type: str) -> None:
        self.content_type = content_type

    @property
    def CONTENT_TYPE(self) -> str:
        return self.content_type


class _Deserializer:
    def __init__(self, accept: str | tuple[str, ...]) -> None:
        self.accept = accept

    @property
    def ACCEPT(self) -> tuple[str, ...]:
        return (self.accept,) if isinstance(self.accept, str) else tuple(self.accept)


class CSVSerializer(_Serializer):
    def __init__(self, content_type: str = "text/csv") -> None:
        super().__init__(content_type)

    def serialize(self, data: Any) -> bytes:
        if isinstance(data, (str, bytes)):
            return data.encode() if isinstance(data, str) else data
        rows = data.tolist() if hasattr(data, "tolist") else data
        if rows and not isinstance(rows[0], (list, tuple)):
            rows = [rows]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        return out.getvalue().encode()


class JSONSerializer(_Serializer):
    def __init__(self, content_type: str = "application/json") -> None:
        super().__init__(content_type)

    def serialize(self, data: Any) -> bytes:
        if isinstance(data, (str, bytes)):
            return data.encode() if isinstance(data, str) else data
        return json.dumps(data.tolist() if hasattr(data, "tolist") else data).encode()


class NumpySerializer(_Serializer):
    def __init__(self, dtype: Any = None, content_type: str = "application/x-npy") -> None:
        super().__init__(content_type)
        self.dtype = dtype

    def serialize(self, data: Any) -> bytes:
        import numpy as np

        buffer = io.BytesIO()
        np.save(buffer, np.asarray(data, dtype=self.dtype), allow_pickle=False)
        return buffer.getvalue()


class IdentitySerializer(_Serializer):
    def __init__(self, content_type: str = "application/octet-stream") -> None:
        super().__init__(content_type)

    def serialize(self, data: Any) -> bytes:
        return data.encode() if isinstance(data, str) else bytes(data)


class LibSVMSerializer(_Serializer):
    """Data already in LIBSVM format (a string or a file), as the SDK's."""

    def __init__(self, content_type: str = "text/libsvm") -> None:
        super().__init__(content_type)

    def serialize(self, data: Any) -> bytes:
        if hasattr(data, "read"):
            data = data.read()
        if isinstance(data, (str, bytes)):
            return data.encode() if isinstance(data, str) else data
        raise ValueError(f"Unable to handle input format: {type(data)}")


class JSONDeserializer(_Deserializer):
    def __init__(self, accept: str = "application/json") -> None:
        super().__init__(accept)

    def deserialize(self, body: bytes, content_type: str) -> Any:
        return json.loads(body)


class CSVDeserializer(_Deserializer):
    def __init__(self, encoding: str = "utf-8", accept: str = "text/csv") -> None:
        super().__init__(accept)
        self.encoding = encoding

    def deserialize(self, body: bytes, content_type: str) -> Any:
        return list(csv.reader(io.StringIO(body.decode(self.encoding))))


class NumpyDeserializer(_Deserializer):
    def __init__(
        self, dtype: Any = None, accept: str = "application/x-npy", allow_pickle: bool = False
    ) -> None:
        super().__init__(accept)
        self.dtype = dtype
        self.allow_pickle = allow_pickle

    def deserialize(self, body: bytes, content_type: str) -> Any:
        import numpy as np

        if content_type.startswith("application/json"):
            return np.array(json.loads(body), dtype=self.dtype)
        if content_type.startswith("text/csv"):
            return np.genfromtxt(io.BytesIO(body), delimiter=",", dtype=self.dtype)
        array = np.load(io.BytesIO(body), allow_pickle=self.allow_pickle)
        return array if self.dtype is None else array.astype(self.dtype)


class BytesDeserializer(_Deserializer):
    def __init__(self, accept: str = "*/*") -> None:
        super().__init__(accept)

    def deserialize(self, body: bytes, content_type: str) -> Any:
        return body


class StringDeserializer(_Deserializer):
    def __init__(self, encoding: str = "UTF-8", accept: str = "application/json") -> None:
        super().__init__(accept)
        self.encoding = encoding

    def deserialize(self, body: bytes, content_type: str) -> Any:
        return body.decode(self.encoding)
