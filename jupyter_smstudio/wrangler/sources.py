"""Read sources into Polars LazyFrames, never wholesale into memory.

Text formats (CSV, TSV, JSON) are converted once by DuckDB into a Parquet file in
a cache directory (streaming, so a file larger than memory works) and then
scanned lazily; DuckDB's reject store gives malformed rows with their line
numbers, so a bad row is reported and never silently dropped. Parquet is scanned
in place. Query results of databases are cached the same way. Files in data roots
and at remote URLs are found (and fetched) by ``locations``.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb
import polars as pl

from ..errors import InvalidInput
from ..runtime.limits import memory_budget
from .config import DataWrangler
from .locations import Locations, first_line, suffix_of
from .models import DatabaseSource, DataType, FileSource, RejectedRow, Sampling, Source
from .paths import resolve_user_path

#: How long a query result of a database URL (whose changes we cannot see) is reused.
URL_RESULT_TTL_S = 300
#: Rejected rows listed in an error message (all of them are in ``rejected``).
REJECTS_IN_MESSAGE = 5
#: Queries over the full data run in batches, so data larger than memory works.
STREAMING: Literal["streaming"] = "streaming"

DUCKDB_TYPES = {
    DataType.INT: "BIGINT",
    DataType.FLOAT: "DOUBLE",
    DataType.STRING: "VARCHAR",
    DataType.BOOL: "BOOLEAN",
    DataType.DATE: "DATE",
    DataType.DATETIME: "TIMESTAMP",
}

_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


@dataclass
class Loaded:
    """A source ready to query: a lazy frame and what reading it found."""

    frame: pl.LazyFrame
    key: str
    rejected: list[RejectedRow] = field(default_factory=list)


def file_format(source: FileSource) -> str:
    if source.format != "auto":
        return source.format
    suffix = suffix_of(source.path)
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    raise InvalidInput(
        f"source.format: cannot tell the format of '{source.path}' from its name; "
        "set format to csv, tsv, parquet, json or jsonl",
        field="source.format",
    )


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _digest(*parts: Any) -> str:
    raw = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:32]


class SourceReader:
    """Turns source specs into lazy frames, with a Parquet cache for text formats."""

    def __init__(self, root: Path, cache_dir: Path, config: DataWrangler | None = None) -> None:
        self.root = root
        self.cache_dir = cache_dir
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self.locations = Locations(root, cache_dir, config or DataWrangler(), self._lock)

    def _lock(self, key: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def load(self, source: Source, *, field_prefix: str = "source") -> Loaded:
        if isinstance(source, FileSource):
            return self._load_file(source, field_prefix)
        return self._load_database(source, field_prefix)

    # ---- files -------------------------------------------------------------
    def _load_file(self, source: FileSource, prefix: str) -> Loaded:
        located = self.locations.locate(
            source.path, f"{prefix}.path", before_fetch=lambda: file_format(source)
        )
        path = located.path
        fmt = file_format(source)
        if fmt == "parquet":
            key = _digest(*located.identity)
            frame = pl.scan_parquet(path)
            if source.types:
                frame = frame.with_columns(
                    pl.col(name).cast(polars_type(t), strict=True)
                    for name, t in source.types.items()
                )
            return Loaded(frame, key)
        options = source.model_dump(include={"format", "delimiter", "header", "encoding", "types"})
        key = _digest(*located.identity, fmt, options)
        parquet = self.cache_dir / f"{key}.parquet"
        rejects_file = self.cache_dir / f"{key}.rejects.json"
        with self._lock(key):
            if not parquet.exists():
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                rejected = self._convert_text(path, fmt, source, parquet, prefix)
                rejects_file.write_text(json.dumps([r.model_dump() for r in rejected]))
        rejected = [RejectedRow(**r) for r in json.loads(rejects_file.read_text())]
        if rejected and source.on_bad_lines == "error":
            listed = "; ".join(f"line {r.line}: {r.error}" for r in rejected[:REJECTS_IN_MESSAGE])
            more = len(rejected) - REJECTS_IN_MESSAGE
            raise InvalidInput(
                f"{prefix}.path: {len(rejected)} malformed row(s) in '{source.path}': {listed}"
                + (f"; and {more} more" if more > 0 else "")
                + ". Fix them, or set on_bad_lines to 'skip' to leave them out.",
                field=f"{prefix}.path",
            )
        return Loaded(pl.scan_parquet(parquet), key, rejected)

    def _convert_text(
        self, path: Path, fmt: str, source: FileSource, target: Path, prefix: str
    ) -> list[RejectedRow]:
        """Stream a text file into Parquet with DuckDB; return the rejected rows."""
        tmp = target.with_suffix(f".{threading.get_ident()}.tmp")
        con = duckdb.connect(config=_duckdb_config())
        try:
            if fmt in ("csv", "tsv"):
                delimiter = source.delimiter or ("\t" if fmt == "tsv" else ",")
                args = [
                    f"delim={_sql_str(delimiter)}",
                    f"header={'true' if source.header else 'false'}",
                    f"encoding={_sql_str(duckdb_encoding(source.encoding, prefix))}",
                    "store_rejects=true",
                    "sample_size=-1",
                    # No BOOLEAN: DuckDB reads the country code NO as false (the "Norway
                    # problem"); true/false columns stay text until cast or typed.
                    "auto_type_candidates=['BIGINT', 'DOUBLE', 'DATE', 'TIMESTAMP', 'VARCHAR']",
                ]
                if source.types:
                    types = ", ".join(
                        f"{_sql_str(k)}: {_sql_str(DUCKDB_TYPES[v])}"
                        for k, v in source.types.items()
                    )
                    args.append(f"types={{{types}}}")
                relation = f"read_csv({_sql_str(str(path))}, {', '.join(args)})"
                rejected_lines: list[RejectedRow] = []
            else:
                rejected_lines = _json_lines_errors(path) if fmt == "jsonl" else []
                if rejected_lines:
                    path = _without_lines(path, {r.line for r in rejected_lines}, tmp)
                style = "newline_delimited" if fmt == "jsonl" else "auto"
                relation = f"read_json_auto({_sql_str(str(path))}, format={_sql_str(style)})"
            con.execute(
                f"COPY (SELECT * FROM {relation}) TO {_sql_str(str(tmp))} "  # noqa: S608
                "(FORMAT parquet, COMPRESSION zstd)"
            )
            if fmt in ("csv", "tsv"):
                rows = con.execute(
                    "SELECT line, column_name, error_message, csv_line FROM reject_errors "
                    "ORDER BY line"
                ).fetchall()
                rejected_lines = [
                    RejectedRow(line=int(line), column=column, error=str(message), text=str(text))
                    for line, column, message, text in rows
                ]
            tmp.replace(target)
            return rejected_lines
        except duckdb.Error as err:
            raise InvalidInput(
                f"{prefix}.path: cannot read '{source.path}' as {fmt}: {first_line(err)}",
                field=f"{prefix}.path",
            ) from err
        finally:
            con.close()
            tmp.unlink(missing_ok=True)
            tmp.with_suffix(".clean.jsonl").unlink(missing_ok=True)

    # ---- databases ---------------------------------------------------------
    def _load_database(self, source: DatabaseSource, prefix: str) -> Loaded:
        if (source.path is None) == (source.url is None):
            raise InvalidInput(
                f"{prefix}.path: give either path (a SQLite/DuckDB file) or url",
                field=f"{prefix}.path",
            )
        if source.path is not None:
            path = resolve_user_path(self.root, source.path, field=f"{prefix}.path")
            if not path.is_file():
                raise InvalidInput(
                    f"{prefix}.path: no file '{source.path}' in your directory",
                    field=f"{prefix}.path",
                )
            stat = path.stat()
            key = _digest(str(path), stat.st_mtime_ns, stat.st_size, source.query)
        else:
            assert source.url is not None
            self._check_url(source.url, prefix)
            key = _digest(source.url, source.query, int(time.time() // URL_RESULT_TTL_S))
        parquet = self.cache_dir / f"{key}.parquet"
        with self._lock(key):
            if not parquet.exists():
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                frame = self._query(source, prefix)
                tmp = parquet.with_suffix(f".{threading.get_ident()}.tmp")
                frame.write_parquet(tmp)
                tmp.replace(parquet)
        return Loaded(pl.scan_parquet(parquet), key)

    def _check_url(self, url: str, prefix: str) -> None:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            parsed = make_url(url)
        except ArgumentError as err:
            raise InvalidInput(f"{prefix}.url: not a database URL", field=f"{prefix}.url") from err
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            resolve_user_path(self.root, parsed.database, field=f"{prefix}.url")

    def _query(self, source: DatabaseSource, prefix: str) -> pl.DataFrame:
        try:
            if source.url is not None:
                engine = _engine(source.url, prefix)
                try:
                    try:
                        conn = engine.connect()
                    except Exception as err:  # driver errors have no common base class
                        raise InvalidInput(
                            f"{prefix}.url: cannot connect to the database: {first_line(err)}",
                            field=f"{prefix}.url",
                        ) from err
                    with conn:
                        return pl.read_database(source.query, conn)
                finally:
                    engine.dispose()
            assert source.path is not None
            path = resolve_user_path(self.root, source.path, field=f"{prefix}.path")
            if _is_sqlite(path):
                with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as sqlite:
                    return pl.read_database(source.query, sqlite)
            with duckdb.connect(str(path), read_only=True) as con:
                result: pl.DataFrame = con.sql(source.query).pl()
                return result
        except InvalidInput:
            raise
        except Exception as err:  # driver errors have no common base class
            raise InvalidInput(
                f"{prefix}.query: the query failed: {first_line(err)}", field=f"{prefix}.query"
            ) from err


def _engine(url: str, prefix: str) -> Any:
    """A SQLAlchemy engine for ``url``; a missing driver or an unknown database kind is
    said in words, naming the URL field."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import NoSuchModuleError

    field = f"{prefix}.url"
    try:
        return create_engine(url)
    except NoSuchModuleError as err:
        kind = url.split(":", 1)[0]
        raise InvalidInput(
            f"{field}: '{kind}' is not a kind of database the server knows; "
            "use e.g. postgresql://, mysql:// or sqlite:///",
            field=field,
        ) from err
    except ImportError as err:
        raise InvalidInput(
            f"{field}: the server has no driver for this database (the Python package "
            f"'{err.name}' is not installed there)",
            field=field,
        ) from err


def _duckdb_config() -> dict[str, Any]:
    """DuckDB sizes its buffers from the machine's memory; under a memory limit (a job,
    a limited server) give it half of what this process may use, so a conversion
    streams within the limit instead of being killed."""
    budget = memory_budget()
    return {"memory_limit": f"{max(budget // 2, 64 << 20) >> 20}MB"} if budget else {}


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(16) == b"SQLite format 3\x00"


def duckdb_encoding(encoding: str, prefix: str) -> str:
    normal = encoding.lower().replace("_", "-")
    aliases = {"utf8": "utf-8", "latin1": "latin-1", "iso-8859-1": "latin-1", "utf16": "utf-16"}
    normal = aliases.get(normal, normal)
    if normal not in ("utf-8", "utf-16", "latin-1"):
        raise InvalidInput(
            f"{prefix}.encoding: '{encoding}' is not supported; use utf-8, utf-16 or latin-1",
            field=f"{prefix}.encoding",
        )
    return normal


def _json_lines_errors(path: Path) -> list[RejectedRow]:
    """Malformed lines of a JSON Lines file, with 1-based line numbers."""
    bad: list[RejectedRow] = []
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            line = raw.strip()
            if not line:
                continue
            try:
                value = json.loads(line)
            except ValueError as err:
                bad.append(
                    RejectedRow(
                        line=number,
                        column=None,
                        error=str(err),
                        text=line[:200].decode("utf-8", "replace"),
                    )
                )
                continue
            if not isinstance(value, dict):
                bad.append(
                    RejectedRow(
                        line=number,
                        column=None,
                        error="not a JSON object",
                        text=line[:200].decode("utf-8", "replace"),
                    )
                )
    return bad


def _without_lines(path: Path, lines: set[int], near: Path) -> Path:
    """A copy of ``path`` without the given 1-based lines (next to ``near``, removed with it)."""
    clean = near.with_suffix(".clean.jsonl")
    with path.open("rb") as src, clean.open("wb") as dst:
        for number, raw in enumerate(src, start=1):
            if number not in lines:
                dst.write(raw)
    return clean


def polars_type(t: DataType) -> pl.DataType:
    return {
        DataType.INT: pl.Int64(),
        DataType.FLOAT: pl.Float64(),
        DataType.STRING: pl.String(),
        DataType.BOOL: pl.Boolean(),
        DataType.DATE: pl.Date(),
        DataType.DATETIME: pl.Datetime("us"),
    }[t]


def _all_rows(total: int) -> str:
    """The phrase for a sample that took the whole table: its true size, never the
    size asked for (which the data may not reach)."""
    return "all 1 row" if total == 1 else f"all {total:,} rows"


def sample(frame: pl.LazyFrame, sampling: Sampling) -> tuple[pl.DataFrame, str]:
    """The rows the interactive preview works on, and a phrase naming them."""
    n = sampling.n
    if sampling.method == "none":
        return frame.collect(), "all rows"
    if sampling.method == "first":
        first = frame.head(n).collect(engine=STREAMING)
        return first, f"first {n:,} rows" if first.height == n else _all_rows(first.height)
    if sampling.method == "random":
        total = frame.select(pl.len()).collect(engine=STREAMING).item()
        if total <= n:
            return frame.collect(), _all_rows(total)
        import numpy as np

        picks = np.sort(np.random.default_rng(sampling.seed).choice(total, n, replace=False))
        rows = (
            frame.with_row_index("__row")
            .filter(pl.col("__row").is_in(pl.Series(picks, dtype=pl.UInt32).implode()))
            .drop("__row")
        )
        return rows.collect(
            engine=STREAMING
        ), f"random {n:,} of {total:,} rows (seed {sampling.seed})"
    column = sampling.stratify_by
    if not column:
        raise InvalidInput(
            "sampling.stratify_by: name the column to stratify by", field="sampling.stratify_by"
        )
    if column not in frame.collect_schema().names():
        raise InvalidInput(
            f"sampling.stratify_by: no column '{column}'", field="sampling.stratify_by"
        )
    total = frame.select(pl.len()).collect(engine=STREAMING).item()
    fraction = min(1.0, n / max(total, 1))
    keep = (
        pl.int_range(pl.len()).shuffle(seed=sampling.seed).over(column)
        < (pl.len().over(column) * fraction).ceil()
    )
    picked = frame.filter(keep).collect()
    return (
        picked,
        f"stratified {picked.height:,} of {total:,} rows by '{column}' (seed {sampling.seed})",
    )
