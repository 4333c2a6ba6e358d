"""The decoders and encoders of aws/sagemaker-inference-toolkit and aws/sagemaker-containers
(the same functions under two names), shared by the stand-ins of both packages.

Behaviour is the toolkits': ``np.genfromtxt`` for CSV, ``np.array(json.loads(...))`` for
JSON, ``np.save``/``np.load`` for NPY, ``scipy.sparse.load_npz`` for NPZ; JSON and CSV
encode to ``str``. Unsupported types raise the error class the caller passes.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import numpy as np

JSON = "application/json"
CSV = "text/csv"
OCTET_STREAM = "application/octet-stream"
ANY = "*/*"
NPY = "application/x-npy"
NPZ = "application/x-npz"
UTF8_TYPES = [JSON, CSV]


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def json_to_numpy(string_like: str | bytes, dtype: Any = None) -> Any:
    return np.array(json.loads(string_like), dtype=dtype)


def csv_to_numpy(string_like: str | bytes, dtype: Any = None) -> Any:
    text = string_like.decode() if isinstance(string_like, bytes) else string_like
    return np.genfromtxt(io.StringIO(text), dtype=dtype, delimiter=",")


def npy_to_numpy(npy_array: bytes) -> Any:
    return np.load(io.BytesIO(npy_array), allow_pickle=True)


def npz_to_sparse(npz_bytes: bytes) -> Any:
    import scipy.sparse  # type: ignore[import-untyped]

    return scipy.sparse.load_npz(io.BytesIO(npz_bytes))


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    return json.JSONEncoder().default(value)


def array_to_json(array_like: Any) -> str:
    return json.dumps(array_like, default=_jsonable)


def array_to_csv(array_like: Any) -> str:
    stream = io.StringIO()
    np.savetxt(stream, array_like, delimiter=",", fmt="%s")
    return stream.getvalue()


def array_to_npy(array_like: Any) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array_like)
    return buffer.getvalue()


DECODERS: dict[str, Callable[[Any], Any]] = {
    NPY: npy_to_numpy,
    CSV: csv_to_numpy,
    JSON: json_to_numpy,
    NPZ: npz_to_sparse,
}
ENCODERS: dict[str, Callable[[Any], Any]] = {
    NPY: array_to_npy,
    CSV: array_to_csv,
    JSON: array_to_json,
}


def decode(obj: Any, content_type: str, error: Callable[[str], Exception]) -> Any:
    kind = media_type(content_type)
    if kind not in DECODERS:
        raise error(content_type)
    return DECODERS[kind](obj)


def encode(array_like: Any, content_type: str, error: Callable[[str], Exception]) -> Any:
    kind = media_type(content_type)
    if kind not in ENCODERS:
        raise error(content_type)
    return ENCODERS[kind](array_like)
