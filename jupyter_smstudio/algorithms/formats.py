"""Channel data as the algorithms read it: CSV (label first, no header), LIBSVM, Parquet
and recordIO-protobuf, from one or several files per channel.

``label_size`` says how many leading CSV/Parquet columns are the label (1 for supervised
algorithms, 0 for K-Means/PCA...); a ``label_size=N`` parameter in the content type
(``text/csv;label_size=0``), as SageMaker documents, overrides the algorithm's default.
Job-side code.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import _libs
from .spec import client_error

CSV = "text/csv"
LIBSVM = "text/libsvm"
PARQUET = "application/x-parquet"
RECORDIO = "application/x-recordio-protobuf"
#: Accepted spellings -> canonical content type.
ALIASES = {
    "text/csv": CSV,
    "csv": CSV,
    "text/libsvm": LIBSVM,
    "text/x-libsvm": LIBSVM,
    "libsvm": LIBSVM,
    "application/x-parquet": PARQUET,
    "application/parquet": PARQUET,
    "parquet": PARQUET,
    "application/x-recordio-protobuf": RECORDIO,
    "recordio-protobuf": RECORDIO,
}


@dataclass
class Dataset:
    """Features (dense float array or scipy CSR), labels and instance weights."""

    X: Any
    y: np.ndarray | None = None
    w: np.ndarray | None = None

    @property
    def rows(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1]) if self.X.ndim == 2 else 0

    def dense(self) -> np.ndarray:
        sp = _libs.sparse()

        return np.asarray(self.X.toarray() if sp.issparse(self.X) else self.X)


def media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    """(canonical type, parameters) of ``text/csv; label_size=1``; unknown types as given."""
    if not content_type:
        return CSV, {}
    head, *rest = [p.strip() for p in content_type.split(";")]
    params = {}
    for part in rest:
        if "=" in part:
            key, value = part.split("=", 1)
            params[key.strip().lower()] = value.strip()
    return ALIASES.get(head.lower(), head.lower()), params


def channel_files(directory: str | Path) -> list[Path]:
    """The data files of a channel directory, in name order (hidden files skipped)."""
    root = Path(directory)
    if root.is_file():
        return [root]
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def read_channel(
    directory: str | Path,
    content_type: str | None,
    label_size: int = 1,
    weights: bool = False,
    channel: str = "train",
) -> Dataset:
    """Every file of a channel, parsed and stacked (libsvm widths aligned to the widest)."""
    files = channel_files(directory)
    if not files:
        raise client_error(f"No data found in channel {channel!r} ({directory}).")
    parts = [parse(f.read_bytes(), content_type, label_size, weights, name=str(f)) for f in files]
    parts = [p for p in parts if p.rows]
    if not parts:
        raise client_error(f"Channel {channel!r} has no records.")
    return concat(parts)


def concat(parts: list[Dataset]) -> Dataset:
    sp = _libs.sparse()

    if len(parts) == 1:
        return parts[0]
    width = max(p.X.shape[1] for p in parts)
    if any(sp.issparse(p.X) for p in parts):
        blocks = [sp.csr_matrix(p.X) for p in parts]
        blocks = [b if b.shape[1] == width else _widen(b, width) for b in blocks]
        X: Any = sp.vstack(blocks, format="csr")
    else:
        widths = {p.X.shape[1] for p in parts}
        if len(widths) != 1:
            raise client_error(
                f"Files of the channel have different numbers of columns: {sorted(widths)}."
            )
        X = np.vstack([p.X for p in parts])
    y = np.concatenate([p.y for p in parts]) if all(p.y is not None for p in parts) else None
    w = np.concatenate([p.w for p in parts]) if all(p.w is not None for p in parts) else None
    return Dataset(X, y, w)


def _widen(matrix: Any, width: int) -> Any:
    sp = _libs.sparse()

    return sp.csr_matrix(
        (matrix.data, matrix.indices, matrix.indptr), shape=(matrix.shape[0], width)
    )


def parse(
    data: bytes,
    content_type: str | None,
    label_size: int = 1,
    weights: bool = False,
    name: str = "request",
) -> Dataset:
    """One file's (or one request body's) records."""
    kind, params = media_type(content_type)
    if "label_size" in params:
        try:
            label_size = int(params["label_size"])
        except ValueError:
            raise client_error(f"Invalid label_size in content type {content_type!r}.") from None
    try:
        if kind == CSV:
            return _csv(data, label_size, weights, name)
        if kind == LIBSVM:
            return _libsvm(data, label_size, name)
        if kind == PARQUET:
            return _parquet(data, label_size, weights)
        if kind == RECORDIO:
            return _recordio(data)
    except (ValueError, IndexError, OSError) as err:
        if type(err).__name__ == "AlgorithmError":
            raise
        raise client_error(f"Unable to read {name} as {kind}: {err}") from None
    raise client_error(
        f"Content type {content_type!r} is not supported; use one of "
        f"{CSV}, {LIBSVM}, {PARQUET}, {RECORDIO}."
    )


def _split_label(matrix: np.ndarray, label_size: int, weights: bool) -> Dataset:
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1) if matrix.size else matrix.reshape(0, 0)
    if label_size <= 0:
        return Dataset(matrix.astype(np.float32, copy=False))
    lead = label_size + (1 if weights else 0)
    if matrix.shape[1] <= lead:
        raise client_error(
            f"Expected the label in the first column and at least one feature; got "
            f"{matrix.shape[1]} column(s)."
        )
    y = matrix[:, 0].astype(np.float64)
    w = matrix[:, label_size].astype(np.float64) if weights else None
    return Dataset(matrix[:, lead:].astype(np.float32, copy=False), y, w)


def _csv(data: bytes, label_size: int, weights: bool, name: str) -> Dataset:
    if not data.strip():
        return Dataset(np.zeros((0, 0), np.float32))
    try:
        matrix = _csv_matrix(data)
    except ValueError as err:
        raise client_error(
            f"Unable to read {name} as CSV (numbers only, label first, no header): {err}"
        ) from None
    return _split_label(matrix, label_size, weights)


def _csv_matrix(data: bytes) -> np.ndarray:
    """pyarrow's multithreaded reader (10x numpy's), numpy's where pyarrow is missing."""
    try:
        csv = _libs.arrow_csv()
    except ImportError:
        text = data.decode("utf-8-sig").strip()
        return np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.float64, ndmin=2)
    try:
        table = csv.read_csv(
            # A last line without its newline is "an empty block" to pyarrow.
            io.BytesIO(data.removeprefix(b"\xef\xbb\xbf").rstrip() + b"\n"),
            read_options=csv.ReadOptions(autogenerate_column_names=True),
        )
    except Exception as err:  # pyarrow.ArrowInvalid: ragged rows, bad encoding
        raise ValueError(str(err).splitlines()[0]) from None
    columns = []
    for column in table.columns:
        if not _libs.is_number_type(column.type):
            raise ValueError(f"a column is not numeric ({column.type})")
        columns.append(column.to_numpy(zero_copy_only=False).astype(np.float64, copy=False))
    return np.column_stack(columns)


def _libsvm(data: bytes, label_size: int, name: str) -> Dataset:
    from sklearn.datasets import load_svmlight_file

    if not data.strip():
        return Dataset(np.zeros((0, 0), np.float32))
    X, y = load_svmlight_file(io.BytesIO(data), dtype=np.float32, zero_based=True)
    return Dataset(X.tocsr(), np.asarray(y, np.float64) if label_size else None)


def _parquet(data: bytes, label_size: int, weights: bool) -> Dataset:
    pq = _libs.parquet()

    table = pq.read_table(io.BytesIO(data))
    columns = [np.asarray(c.to_numpy(zero_copy_only=False), np.float64) for c in table.columns]
    if not columns:
        return Dataset(np.zeros((0, 0), np.float32))
    return _split_label(np.column_stack(columns), label_size, weights)


def _recordio(data: bytes) -> Dataset:
    from . import recordio

    try:
        fast = recordio.dense_matrix(data)
        X, y = fast if fast is not None else recordio.records_to_matrix(recordio.read_records(data))
    except recordio.RecordIOError as err:
        raise client_error(f"Unable to read recordIO-protobuf: {err}") from None
    return Dataset(X.astype(np.float32, copy=False), None if y is None else y.astype(np.float64))
