"""pandas specifics: reading sources with the engine's types pinned, saving."""

from __future__ import annotations

import polars as pl

from ..models import DatabaseSource, FileSource, Source
from ..operators.base import lit
from ..sources import file_format

NAME = "pandas"
IMPORTS = ("import numpy as np", "import pandas as pd", "import sys")
SAVE = [
    "out = sys.argv[1] if len(sys.argv) > 1 else 'output.parquet'",
    "transform(load()).to_parquet(out, index=False)",
    "print(f'wrote {out}')",
]


def _dtype(dtype: pl.DataType) -> str | None:
    if dtype.is_integer():
        return "Int64"
    if dtype.is_float():
        return "float64"
    if dtype == pl.Boolean:
        return "boolean"
    if dtype == pl.String:
        return "string"
    return None


def source_imports(source: Source) -> set[str]:
    if isinstance(source, DatabaseSource):
        if source.url:
            return {"import sqlalchemy"}
        return {"import duckdb", "import sqlite3"}
    return set()


def load_expr(source: Source, schema: pl.Schema) -> str:
    if isinstance(source, DatabaseSource):
        if source.url:
            return f"pd.read_sql_query({lit(source.query)}, sqlalchemy.create_engine({lit(source.url)}))"
        return f"_read_database({lit(source.path)}, {lit(source.query)})"
    fmt = file_format(source)
    if fmt == "parquet":
        return f"pd.read_parquet({lit(source.path)})"
    if fmt in ("json", "jsonl"):
        return f"pd.read_json({lit(source.path)}, lines={fmt == 'jsonl'})"
    assert isinstance(source, FileSource)
    sep = source.delimiter or ("\t" if fmt == "tsv" else ",")
    dtypes = {n: d for n, t in schema.items() if (d := _dtype(t))}
    dates = [n for n, t in schema.items() if t.is_temporal()]
    args = [
        lit(source.path),
        f"sep={lit(sep)}",
        f"encoding={lit(source.encoding)}",
        f"dtype={lit(dtypes)}",
    ]
    if not source.header:
        args += ["header=None", f"names={lit(schema.names())}"]
    if dates:
        args.append(f"parse_dates={lit(dates)}")
    if source.on_bad_lines == "skip":
        args.append("on_bad_lines='skip'")
    return f"pd.read_csv({', '.join(args)})"


def load_lines(source: Source, schema: pl.Schema) -> list[str]:
    lines = []
    if isinstance(source, DatabaseSource) and source.path:
        lines += [
            "def _read_database(path, query):",
            "    with open(path, 'rb') as f:",
            "        is_sqlite = f.read(16) == b'SQLite format 3\\x00'",
            "    if is_sqlite:",
            "        with sqlite3.connect(path) as con:",
            "            return pd.read_sql_query(query, con)",
            "    with duckdb.connect(path, read_only=True) as con:",
            "        return con.sql(query).df()",
            "",
        ]
    return [*lines, f"return {load_expr(source, schema)}"]
