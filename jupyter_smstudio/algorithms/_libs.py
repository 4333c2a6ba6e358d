"""Untyped libraries, imported in one place (they ship no type information)."""

from __future__ import annotations

from typing import Any


def sparse() -> Any:
    """``scipy.sparse``."""
    import scipy.sparse  # type: ignore[import-untyped]

    return scipy.sparse


def parquet() -> Any:
    """``pyarrow.parquet``."""
    import pyarrow.parquet  # type: ignore[import-untyped]

    return pyarrow.parquet


def arrow_csv() -> Any:
    """``pyarrow.csv``."""
    import pyarrow.csv  # type: ignore[import-untyped]

    return pyarrow.csv


def is_number_type(kind: Any) -> bool:
    """An Arrow integer or floating-point type."""
    import pyarrow.types as types  # type: ignore[import-untyped]

    return bool(types.is_integer(kind) or types.is_floating(kind))
