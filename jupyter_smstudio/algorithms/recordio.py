"""RecordIO framing and the protobuf ``Record`` the SDK's ``record_set`` writes.

The wire format is written by hand (about a hundred lines) rather than generated: there
is no ``protoc`` in the images a job runs in, and the algorithms must read the SDK's
files without ``google.protobuf`` installed in the job. The schema is the SDK's
``sagemaker/amazon/record.proto`` (package ``aialgs.data``)::

    Float32Tensor {values=1 packed float; keys=2 packed uint64; shape=3 packed uint64}
    Float64Tensor {values=1 packed double; keys=2; shape=3}
    Int32Tensor   {values=1 packed int32; keys=2; shape=3}
    Value  {float32_tensor=2; float64_tensor=3; int32_tensor=7; bytes=9}
    Record {map<string, Value> features=1; map<string, Value> label=2; uid=3; ...}

A dense tensor has no keys; a sparse one has ``keys`` (column indices) and ``shape``
(the row's width). Each record goes in a RecordIO frame: magic ``0xced7230a``, a 32-bit
length (top 3 bits: continuation flag, 0 for a whole record), the bytes, zero padding to
4 bytes. Tests round-trip against ``sagemaker.amazon.common``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import numpy as np

from . import _libs

MAGIC = 0xCED7230A
_LENGTH_MASK = (1 << 29) - 1
#: Value's field number per tensor kind, and the numpy type of its values.
_KINDS: dict[int, tuple[str, Any]] = {
    2: ("float32", np.float32),
    3: ("float64", np.float64),
    7: ("int32", np.int32),
}
_FIELD_OF = {"float32": 2, "float64": 3, "int32": 7}


class RecordIOError(ValueError):
    pass


@dataclass
class Tensor:
    """One ``Value``: dense (``keys`` None) or sparse (``keys`` and ``shape``)."""

    values: np.ndarray
    keys: np.ndarray | None = None
    shape: list[int] = field(default_factory=list)
    dtype: str = "float32"

    def dense(self, width: int | None = None) -> np.ndarray:
        if self.keys is None:
            return np.asarray(self.values)
        size = width or (self.shape[0] if self.shape else int(self.keys.max(initial=-1)) + 1)
        out = np.zeros(size, dtype=self.values.dtype)
        out[self.keys.astype(np.int64)] = self.values
        return out


@dataclass
class Record:
    features: dict[str, Tensor] = field(default_factory=dict)
    label: dict[str, Tensor] = field(default_factory=dict)
    uid: str | None = None


# -- protobuf wire format ---------------------------------------------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(data: bytes | memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise RecordIOError("truncated varint in record")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise RecordIOError("varint too long in record")


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _packed_varints(values: Iterable[int]) -> bytes:
    return b"".join(_varint(int(v)) for v in values)


def _fields(data: bytes | memoryview) -> Iterator[tuple[int, int, Any]]:
    """(field number, wire type, value) with length-delimited values as memoryviews."""
    for number, wire, value, _ in _fields_at(memoryview(data), 0):
        yield number, wire, value


def _fields_at(view: memoryview, base: int) -> Iterator[tuple[int, int, Any, int]]:
    """``_fields`` with where each value starts (``base`` + its offset in ``view``)."""
    pos = 0
    while pos < len(view):
        key, pos = _read_varint(view, pos)
        number, wire = key >> 3, key & 7
        start = pos
        value: Any
        if wire == 0:
            value, pos = _read_varint(view, pos)
        elif wire == 1:
            value, pos = view[pos : pos + 8], pos + 8
        elif wire == 2:
            length, start = _read_varint(view, pos)
            if start + length > len(view):
                raise RecordIOError("truncated field in record")
            value, pos = view[start : start + length], start + length
        elif wire == 5:
            value, pos = view[pos : pos + 4], pos + 4
        else:
            raise RecordIOError(f"unsupported protobuf wire type {wire}")
        yield number, wire, value, base + start


def _unpack_varints(view: memoryview) -> list[int]:
    out = []
    pos = 0
    while pos < len(view):
        value, pos = _read_varint(view, pos)
        out.append(value)
    return out


def encode_tensor(tensor: Tensor) -> bytes:
    values = np.ascontiguousarray(tensor.values)
    if tensor.dtype == "int32":
        body = _field(1, _packed_varints(values.astype(np.int64).tolist())) if values.size else b""
    else:
        little = values.astype(np.dtype(tensor.dtype).newbyteorder("<"))
        body = _field(1, little.tobytes()) if values.size else b""
    if tensor.keys is not None and len(tensor.keys):
        body += _field(2, _packed_varints(tensor.keys.tolist()))
    if tensor.shape:
        body += _field(3, _packed_varints(tensor.shape))
    return _field(_FIELD_OF[tensor.dtype], body)


def decode_tensor(data: memoryview) -> Tensor:
    for number, wire, payload in _fields(data):
        if number not in _KINDS or wire != 2:
            continue  # Bytes values and unknown fields carry no numbers
        kind, dtype = _KINDS[number]
        values: list[Any] | np.ndarray = []
        keys: list[int] = []
        shape: list[int] = []
        for inner, inner_wire, value in _fields(payload):
            if inner == 1:
                if kind == "int32":
                    raw = _unpack_varints(value) if inner_wire == 2 else [value]
                    values = np.array([v - (1 << 64) if v >= 1 << 63 else v for v in raw], np.int32)
                elif inner_wire == 2:
                    values = np.frombuffer(bytes(value), dtype=np.dtype(dtype).newbyteorder("<"))
                else:  # one unpacked value
                    values = np.concatenate(
                        [
                            np.asarray(values, dtype),
                            np.frombuffer(bytes(value), np.dtype(dtype).newbyteorder("<")),
                        ]
                    )
            elif inner == 2:
                keys.extend(_unpack_varints(value) if inner_wire == 2 else [value])
            elif inner == 3:
                shape.extend(_unpack_varints(value) if inner_wire == 2 else [value])
        array = np.asarray(values, dtype=dtype)
        return Tensor(array, np.array(keys, np.int64) if keys else None, shape, kind)
    return Tensor(np.zeros(0, np.float32))


def _encode_map(number: int, entries: dict[str, Tensor]) -> bytes:
    out = b""
    for key, tensor in entries.items():
        entry = _field(1, key.encode()) + _field(2, encode_tensor(tensor))
        out += _field(number, entry)
    return out


def encode_record(record: Record) -> bytes:
    out = _encode_map(1, record.features) + _encode_map(2, record.label)
    if record.uid is not None:
        out += _field(3, record.uid.encode())
    return out


def decode_record(data: bytes | memoryview) -> Record:
    record = Record()
    for number, wire, payload in _fields(data):
        if number in (1, 2) and wire == 2:
            key, value = "", Tensor(np.zeros(0, np.float32))
            for inner, _, inner_value in _fields(payload):
                if inner == 1:
                    key = bytes(inner_value).decode()
                elif inner == 2:
                    value = decode_tensor(inner_value)
            (record.features if number == 1 else record.label)[key] = value
        elif number == 3 and wire == 2:
            record.uid = bytes(payload).decode()
    return record


# -- RecordIO framing -------------------------------------------------------------------


def write_frame(out: BinaryIO, payload: bytes) -> None:
    length = len(payload)
    out.write(struct.pack("<II", MAGIC, length))
    out.write(payload)
    out.write(b"\x00" * ((4 - length % 4) % 4))


def frames(data: bytes | memoryview) -> Iterator[memoryview]:
    """The payloads of a RecordIO buffer (continued records joined)."""
    view = memoryview(data)
    pos = 0
    pending: bytearray | None = None
    while pos < len(view):
        if pos + 8 > len(view):
            raise RecordIOError("truncated RecordIO header")
        magic, word = struct.unpack_from("<II", view, pos)
        if magic != MAGIC:
            raise RecordIOError(f"invalid RecordIO magic at byte {pos}: not recordIO-protobuf")
        flag, length = word >> 29, word & _LENGTH_MASK
        pos += 8
        if pos + length > len(view):
            raise RecordIOError("truncated RecordIO record")
        chunk = view[pos : pos + length]
        pos += length + (4 - length % 4) % 4
        if flag == 0:
            yield chunk
        elif flag == 1:
            pending = bytearray(chunk)
        elif flag == 2 and pending is not None:
            pending += chunk
        elif flag == 3 and pending is not None:
            pending += chunk
            yield memoryview(bytes(pending))
            pending = None
        else:
            raise RecordIOError("invalid RecordIO continuation")


def read_records(data: bytes | memoryview) -> list[Record]:
    return [decode_record(frame) for frame in frames(data)]


# -- a uniform dense file, decoded at numpy speed ------------------------------------------

_FLOAT_KINDS = {2: "<f4", 3: "<f8"}


def _tensor_span(value: memoryview, base: int) -> tuple[int, int, str] | None:
    """(start, end, dtype) of a dense float tensor's packed values; None otherwise."""
    for number, wire, kind_value, start in _fields_at(value, base):
        if number not in _FLOAT_KINDS or wire != 2:
            return None
        span = None
        for inner, inner_wire, inner_value, inner_start in _fields_at(kind_value, start):
            if inner == 1 and inner_wire == 2:
                span = (inner_start, inner_start + len(inner_value), _FLOAT_KINDS[number])
            else:
                return None  # keys (sparse), shape or unpacked values: the general path
        return span
    return None


def _layout(payload: memoryview) -> tuple[tuple[int, int, str], tuple[int, int, str] | None] | None:
    """Where the first record keeps its ``values`` features and its label, if it is a
    plain dense record (one feature tensor, at most one label, nothing else)."""
    features = label = None
    for number, wire, entry, start in _fields_at(payload, 0):
        if number not in (1, 2) or wire != 2:
            return None
        key, span = "", None
        for inner, _, inner_value, inner_start in _fields_at(entry, start):
            if inner == 1:
                key = bytes(inner_value).decode()
            elif inner == 2:
                span = _tensor_span(inner_value, inner_start)
        if (
            span is None
            or (number == 1 and (key != "values" or features))
            or (number == 2 and label)
        ):
            return None
        if number == 1:
            features = span
        else:
            label = span
    return (features, label) if features else None


def dense_matrix(data: bytes) -> tuple[np.ndarray, np.ndarray | None] | None:
    """(X, labels) of a file of equally laid out dense records (what
    ``write_numpy_to_dense_tensor`` writes), read as one numpy view; None when the file
    is anything else (the record-by-record path then reads it)."""
    if len(data) < 8:
        return None
    magic, word = struct.unpack_from("<II", data, 0)
    length = word & _LENGTH_MASK
    if magic != MAGIC or word >> 29:
        return None
    stride = 8 + length + (4 - length % 4) % 4
    if len(data) % stride:
        return None
    layout = _layout(memoryview(data)[8 : 8 + length])
    if layout is None:
        return None
    rows = np.frombuffer(data, np.uint8).reshape(len(data) // stride, stride)
    (fs, fe, fkind), label = layout
    fixed = np.ones(stride, bool)
    fixed[8 + fs : 8 + fe] = False
    if label is not None:
        fixed[8 + label[0] : 8 + label[1]] = False
    if not (rows[:, fixed] == rows[0, fixed]).all():
        return None  # not one layout (widths or labels differ): the general path
    native = np.float32 if fkind == "<f4" else np.float64
    X = np.ascontiguousarray(rows[:, 8 + fs : 8 + fe]).view(fkind).astype(native)
    y = None
    if label is not None:
        ls, le, lkind = label
        y = np.ascontiguousarray(rows[:, 8 + ls : 8 + le]).view(lkind)[:, 0].astype(np.float64)
    return X.reshape(rows.shape[0], -1), y


# -- matrices ---------------------------------------------------------------------------


def _tensor_for_row(row: np.ndarray, dtype: str) -> Tensor:
    return Tensor(np.asarray(row).ravel(), dtype=dtype)


def _dtype_of(array: Any) -> str:
    kind = np.asarray(array).dtype if not hasattr(array, "dtype") else array.dtype
    if kind == np.float64:
        return "float64"
    if np.issubdtype(kind, np.integer):
        return "int32"
    return "float32"


def write_matrix(out: BinaryIO, X: Any, labels: Any = None, key: str = "values") -> None:
    """Rows of a dense array or a scipy sparse matrix as records (labels optional),
    like ``write_numpy_to_dense_tensor`` / ``write_spmatrix_to_sparse_tensor``."""
    sp = _libs.sparse()

    label_array = None if labels is None else np.asarray(labels)
    if sp.issparse(X):
        csr = sp.csr_matrix(X)
        dtype = _dtype_of(csr.data)
        width = csr.shape[1]
        for i in range(csr.shape[0]):
            start, end = csr.indptr[i], csr.indptr[i + 1]
            tensor = Tensor(
                csr.data[start:end], csr.indices[start:end].astype(np.int64), [width], dtype
            )
            write_frame(out, encode_record(_with_label(Record({key: tensor}), label_array, i)))
        return
    matrix = np.asarray(X)
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1)
    dtype = _dtype_of(matrix)
    for i, row in enumerate(matrix):
        record = Record({key: _tensor_for_row(row, dtype)})
        write_frame(out, encode_record(_with_label(record, label_array, i)))


def _with_label(record: Record, labels: np.ndarray | None, i: int) -> Record:
    if labels is not None:
        value = np.asarray(labels[i]).ravel()
        record.label["values"] = Tensor(value, dtype=_dtype_of(value))
    return record


def matrix_bytes(X: Any, labels: Any = None, key: str = "values") -> bytes:
    import io

    buffer = io.BytesIO()
    write_matrix(buffer, X, labels, key)
    return buffer.getvalue()


def records_to_matrix(
    records: list[Record], key: str | None = None
) -> tuple[Any, np.ndarray | None]:
    """(X, labels): dense rows stacked, or a CSR matrix when any row is sparse."""
    sp = _libs.sparse()

    if not records:
        return np.zeros((0, 0), np.float32), None
    chosen = [
        r.features.get(key)
        if key
        else (r.features.get("values") or next(iter(r.features.values()), None))
        for r in records
    ]
    if any(t is None for t in chosen):
        raise RecordIOError("a record has no features")
    tensors = [t for t in chosen if t is not None]
    labels = None
    if all(r.label for r in records):
        labels = np.array([_first(r.label).values.ravel()[0] for r in records])
    if any(t.keys is not None for t in tensors):
        width = max(
            (
                t.shape[0]
                if t.shape
                else int(t.keys.max(initial=-1)) + 1
                if t.keys is not None
                else len(t.values)
            )
            for t in tensors
        )
        rows, cols, vals = [], [], []
        for i, t in enumerate(tensors):
            idx = t.keys if t.keys is not None else np.arange(len(t.values))
            rows.append(np.full(len(idx), i))
            cols.append(idx)
            vals.append(t.values)
        matrix = sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(len(tensors), width),
        )
        return matrix, labels
    widths = {len(t.values) for t in tensors}
    if len(widths) != 1:
        raise RecordIOError(f"records have different numbers of features: {sorted(widths)}")
    return np.vstack([t.values for t in tensors]), labels


def _first(entries: dict[str, Tensor]) -> Tensor:
    return entries.get("values") or next(iter(entries.values()))


def encode_predictions(predictions: list[dict[str, Any]]) -> bytes:
    """Responses as recordIO-protobuf: each record's keys in ``label`` (as the algorithms
    answer: ``score``, ``predicted_label``, ``closest_cluster``, ``projection``...)."""
    import io

    buffer = io.BytesIO()
    for prediction in predictions:
        record = Record()
        for name, value in prediction.items():
            array = np.atleast_1d(np.asarray(value, dtype=np.float32))
            record.label[name] = Tensor(array.ravel(), dtype="float32")
        write_frame(buffer, encode_record(record))
    return buffer.getvalue()
