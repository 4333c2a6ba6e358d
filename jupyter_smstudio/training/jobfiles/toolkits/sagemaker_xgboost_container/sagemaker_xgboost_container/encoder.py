"""``sagemaker_xgboost_container.encoder``: request bodies to ``xgboost.DMatrix``.

As in the container: CSV (empty fields are NaN, delimiter sniffed), LIBSVM through
XGBoost's own parser; JSON (an array of rows) is accepted too. RecordIO-protobuf needs
the container's ``mlio`` and is refused as unsupported.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np

from .constants import xgb_content_types

CSV = "text/csv"
JSON = "application/json"


class UnsupportedFormatError(Exception):
    status_code = 415

    def __init__(self, content_type: str) -> None:
        self.message = f"Content type {content_type} is not supported by this framework."
        super().__init__(self.message)


def _clean_csv_string(csv_string: str, delimiter: str) -> list[str]:
    return ["nan" if x == "" else x for x in csv_string.split(delimiter)]


def csv_to_dmatrix(input: str | bytes, dtype: Any = None) -> Any:
    import xgboost as xgb

    text = input.decode() if isinstance(input, bytes) else input
    sniffed = csv.Sniffer().sniff(text.split("\n")[0][:512]).delimiter
    delimiter = "," if sniffed.isalnum() else sniffed
    rows = [_clean_csv_string(line, delimiter) for line in text.split("\n") if line.strip()]
    return xgb.DMatrix(np.array(rows).astype(dtype if dtype is not None else float))


def libsvm_to_dmatrix(string_like: bytes | str) -> Any:
    import xgboost as xgb

    data = string_like.encode() if isinstance(string_like, str) else bytes(string_like)
    with tempfile.NamedTemporaryFile(suffix=".libsvm", delete=False) as f:
        f.write(data)
    try:
        return xgb.DMatrix(f"{f.name}?format=libsvm")
    finally:
        os.remove(f.name)


def json_to_dmatrix(string_like: str | bytes) -> Any:
    import xgboost as xgb

    return xgb.DMatrix(np.array(json.loads(string_like), dtype=float, ndmin=2))


def json_to_jsonlines(json_data: dict[str, Any] | str) -> bytes:
    data = json_data if isinstance(json_data, dict) else json.loads(json_data)
    if len(data) != 1:
        raise ValueError("JSON response is not compatible for conversion to jsonlines.")
    out = io.BytesIO()
    for value in data.values():
        for entry in value:
            out.write((json.dumps(entry) + "\n").encode())
    return out.getvalue()


_DECODERS: dict[str, Callable[[Any], Any]] = {
    CSV: csv_to_dmatrix,
    JSON: json_to_dmatrix,
    xgb_content_types.LIBSVM: libsvm_to_dmatrix,
    xgb_content_types.X_LIBSVM: libsvm_to_dmatrix,
}


def decode(obj: Any, content_type: str) -> Any:
    """A request body of ``content_type`` as a DMatrix."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind not in _DECODERS:
        raise UnsupportedFormatError(content_type)
    return _DECODERS[kind](obj)
