"""Default decoders and encoders of the SageMaker inference toolkit (JSON, CSV, NPY, NPZ).

Behaviour follows ``sagemaker_inference.decoder``/``encoder`` and the scikit-learn
container (JSON and CSV become float32 arrays), with two deliberate differences that
make bad input a clear 400 instead of a confusing model error: a CSV must be numeric
(empty fields are NaN) and is always 2-D (a one-line CSV is one row), and NPY is loaded
without pickles, which would run arbitrary code from a request body.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np

JSON = "application/json"
CSV = "text/csv"
NPY = "application/x-npy"
NPZ = "application/x-npz"
#: Types whose body reaches ``input_fn`` as ``str``, as in the toolkit.
UTF8_TYPES = frozenset({JSON, CSV})
DECODABLE = (JSON, CSV, NPY, NPZ)
ENCODABLE = (JSON, CSV, NPY)


class InferenceError(Exception):
    """An error with the HTTP status the model server answers with."""

    status = 500


class DecodeError(InferenceError):
    """The body is not valid for its content type (400)."""

    status = 400


class UnsupportedFormat(InferenceError):
    """No decoder or encoder for this content type (415, like the toolkit)."""

    status = 415


def media_type(header: str | None) -> str:
    """``text/csv; charset=utf-8`` -> ``text/csv``."""
    return (header or "").split(";", 1)[0].strip().lower()


def _csv_field(value: str, row: int, column: int) -> float:
    value = value.strip()
    if not value:
        return float("nan")
    try:
        return float(value)
    except ValueError:
        raise DecodeError(
            f"CSV row {row}, column {column}: {value[:40]!r} is not a number"
        ) from None


#: Above this size numpy's C CSV reader beats splitting in Python (batch payloads).
_BULK = 4096


def csv_to_array(text: str) -> np.ndarray[Any, Any]:
    if len(text) > _BULK:
        try:
            return np.loadtxt(
                io.StringIO(text), delimiter=",", dtype=np.float32, ndmin=2, comments=None
            )
        except ValueError:
            pass  # the precise path below says which row and column is wrong
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise DecodeError("The CSV body is empty")
    try:  # fast path: every field a number
        rows = [line.split(",") for line in lines]
        return np.array(rows, dtype=np.float32)
    except ValueError:
        pass
    width = len(lines[0].split(","))
    parsed = []
    for r, line in enumerate(lines, 1):
        fields = line.split(",")
        if len(fields) != width:
            raise DecodeError(f"CSV row {r} has {len(fields)} fields; row 1 has {width}")
        parsed.append([_csv_field(v, r, c) for c, v in enumerate(fields, 1)])
    return np.array(parsed, dtype=np.float32)


def json_to_array(text: str) -> np.ndarray[Any, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise DecodeError(f"Invalid JSON: {err}") from None
    try:
        array = np.array(data)
    except ValueError as err:  # ragged nesting
        raise DecodeError(f"The JSON body is not an array of equal-length rows: {err}") from None
    if array.dtype.kind in "biuf":
        return array.astype(np.float32)
    return array


def npy_to_array(body: bytes) -> np.ndarray[Any, Any]:
    try:
        return np.load(io.BytesIO(body), allow_pickle=False)  # type: ignore[no-any-return]
    except (ValueError, OSError, EOFError) as err:
        raise DecodeError(f"Invalid NPY body: {err}") from None


def npz_to_sparse(body: bytes) -> Any:
    try:
        import scipy.sparse  # type: ignore[import-untyped]
    except ImportError:
        raise UnsupportedFormat(f"{NPZ} needs scipy in the serving image") from None
    try:
        return scipy.sparse.load_npz(io.BytesIO(body))
    except (ValueError, OSError, EOFError, KeyError) as err:
        raise DecodeError(f"Invalid NPZ body: {err}") from None


def decode(body: bytes | str, content_type: str) -> Any:
    """The toolkit's ``decoder.decode``: body of ``content_type`` -> array."""
    kind = media_type(content_type)
    if kind in UTF8_TYPES:
        text = body if isinstance(body, str) else body.decode("utf-8")
        return csv_to_array(text) if kind == CSV else json_to_array(text)
    raw = body.encode() if isinstance(body, str) else body
    if kind == NPY:
        return npy_to_array(raw)
    if kind == NPZ:
        return npz_to_sparse(raw)
    raise UnsupportedFormat(
        f"Content type {content_type or '(none)'} is not supported; use one of "
        f"{', '.join(DECODABLE)} or handle it in input_fn"
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def encode(prediction: Any, accept: str) -> bytes:
    """The toolkit's ``encoder.encode``: prediction -> body of type ``accept``."""
    kind = media_type(accept)
    if kind == JSON:
        return json.dumps(prediction, default=_jsonable).encode()
    if kind == CSV:
        array = np.asarray(prediction)
        if array.ndim == 0:
            array = array.reshape(1)
        if array.dtype.kind in "biuf" and array.ndim <= 2:  # fast path, same text as savetxt
            text = array.astype(str)
            rows = text if array.ndim == 1 else (",".join(r) for r in text)
            return ("\n".join(rows) + "\n").encode()
        stream = io.StringIO()
        np.savetxt(stream, array, delimiter=",", fmt="%s")
        return stream.getvalue().encode()
    if kind == NPY:
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(prediction), allow_pickle=False)
        return buffer.getvalue()
    raise UnsupportedFormat(
        f"Accept type {accept} is not supported; use one of {', '.join(ENCODABLE)} "
        "or handle it in output_fn"
    )
