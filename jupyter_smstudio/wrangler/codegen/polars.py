"""Polars specifics: scanning sources lazily with the engine's types pinned, saving."""

from __future__ import annotations

import polars as pl

from ..models import DatabaseSource, FileSource, Source
from ..operators.base import lit
from ..sources import file_format

NAME = "Polars"
IMPORTS = ("import numpy as np", "import polars as pl", "import sys")
SAVE = [
    "out = sys.argv[1] if len(sys.argv) > 1 else 'output.parquet'",
    "transform(load()).collect().write_parquet(out)",
    "print(f'wrote {out}')",
]


def _dtype(dtype: pl.DataType) -> str:
    text = repr(dtype)
    return text if text.startswith(("Datetime", "Duration")) else text.split("(")[0]


def source_imports(source: Source) -> set[str]:
    if isinstance(source, DatabaseSource):
        return {"import sqlalchemy"} if source.url else {"import duckdb"}
    return set()


def load_expr(source: Source, schema: pl.Schema) -> str:
    if isinstance(source, DatabaseSource):
        if source.url:
            return (
                f"pl.read_database({lit(source.query)}, "
                f"sqlalchemy.create_engine({lit(source.url)}).connect()).lazy()"
            )
        return f"duckdb.connect({lit(source.path)}, read_only=True).sql({lit(source.query)}).pl().lazy()"
    fmt = file_format(source)
    if fmt == "parquet":
        return f"pl.scan_parquet({lit(source.path)})"
    if fmt == "jsonl":
        return f"pl.scan_ndjson({lit(source.path)})"
    if fmt == "json":
        return f"pl.read_json({lit(source.path)}).lazy()"
    assert isinstance(source, FileSource)
    sep = source.delimiter or ("\t" if fmt == "tsv" else ",")
    types = "{" + ", ".join(f"{lit(n)}: pl.{_dtype(t)}" for n, t in schema.items()) + "}"
    args = [
        lit(source.path),
        f"separator={lit(sep)}",
        f"has_header={source.header}",
        f"schema={types}",
    ]
    if source.encoding.lower().replace("-", "") != "utf8":
        args.append("encoding='utf8-lossy'")
    if source.on_bad_lines == "skip":
        args.append("ignore_errors=True")
    return f"pl.scan_csv({', '.join(args)})"


def load_lines(source: Source, schema: pl.Schema) -> list[str]:
    return [f"return {load_expr(source, schema)}"]
