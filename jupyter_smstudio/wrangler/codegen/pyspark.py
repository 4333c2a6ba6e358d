"""PySpark specifics: reading sources with the engine's types pinned, row order, saving.

Spark keeps no row order, but the editor's output has one and several steps depend
on it (first/last duplicates, samples, splits, balancing). Generated scripts keep
the source's order in a column ``ROW`` (dropped when saving), so their output is
the editor's, row for row. Steps that place rows by position draw the positions
with the engine's own numpy code on the driver and join them back; ``HELPERS``
holds the few functions that do this, and a script includes the ones it uses.
"""

from __future__ import annotations

import re

import polars as pl

from ...errors import InvalidInput
from ..models import DatabaseSource, FileSource, Source
from ..operators.base import lit
from ..operators.base import spark_col as col
from ..sources import duckdb_encoding, file_format

NAME = "PySpark"
IMPORTS = (
    "import os",
    "import sys",
    "import numpy as np",
    "import pandas as pd",
    "from pyspark.sql import SparkSession",
    "from pyspark.sql import functions as F",
    "from pyspark.sql import types as T",
)
SAVE = [
    "out = sys.argv[1] if len(sys.argv) > 1 else 'output.parquet'",
    "save(transform(load()), out)",
    "print(f'wrote {out}')",
]

#: The encodings the engine reads (as DuckDB names them) -> Java's names.
JAVA_CHARSETS = {"utf-8": "UTF-8", "utf-16": "UTF-16", "latin-1": "ISO-8859-1"}

#: Module-level functions of generated scripts, by name (each included when used).
HELPERS: dict[str, str] = {
    "ROW": '''\
#: The source's row order (Spark keeps none); several steps depend on it.
ROW = "_row"''',
    "save": '''\
def save(df, path):
    """Write Parquet (a folder of part files) in the flow's row order."""
    df.orderBy(ROW).drop(ROW).write.mode("overwrite").parquet(path)''',
    "column": '''\
def column(name):
    """A column by its exact name (dots and spaces included)."""
    return F.col("`" + name.replace("`", "``") + "`")''',
    "reorder": '''\
def reorder(df, *order):
    """Sort by ``order`` and make that the row order (ids grow across sorted partitions)."""
    return df.orderBy(*order).withColumn(ROW, F.monotonically_increasing_id())''',
    "numbered": '''\
def numbered(df):
    """``df`` with ``_pos`` = 0, 1, 2, ... in row order (zipWithIndex: no single partition)."""
    ordered = df.orderBy(ROW)
    schema = T.StructType([*ordered.schema.fields, T.StructField("_pos", T.LongType())])
    return ordered.rdd.zipWithIndex().map(lambda pair: (*pair[0], pair[1])).toDF(schema)''',
    "column_values": '''\
def column_values(df, *names):
    """Columns' values in row order, on the driver, for the numpy code that places rows."""
    rows = df.orderBy(ROW).select(*[column(n) for n in names]).collect()
    return [row[0] for row in rows] if len(names) == 1 else [tuple(row) for row in rows]''',
    "pick_rows": '''\
def pick_rows(df, positions, new=None):
    """The rows at ``positions`` (repeats allowed) in that order; the columns of ``new``
    (a pandas DataFrame, one row per position) replace theirs."""
    spark = df.sparkSession
    spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
    new = pd.DataFrame(index=range(len(positions))) if new is None else new
    picks = new.assign(_pos=np.asarray(positions, dtype="int64"))
    picks[ROW] = np.arange(len(positions), dtype="int64")
    fields = [df.schema[c] for c in new.columns]
    fields += [T.StructField("_pos", T.LongType()), T.StructField(ROW, T.LongType())]
    picks = spark.createDataFrame(picks, T.StructType(fields))
    rows = numbered(df).drop(ROW, *new.columns).join(picks, "_pos")
    return rows.select(*[column(c) for c in df.columns])''',
    "add_column": '''\
def add_column(df, name, values):
    """``df`` with text column ``name`` (replaced in place if it exists) holding ``values``."""
    spark = df.sparkSession
    spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
    extra = pd.DataFrame({"_pos": np.arange(len(values), dtype="int64"), name: values})
    schema = T.StructType([T.StructField("_pos", T.LongType()), T.StructField(name, T.StringType())])
    rows = numbered(df).drop(name).join(spark.createDataFrame(extra, schema), "_pos")
    names = df.columns if name in df.columns else [*df.columns, name]
    return rows.select(*[column(c) for c in names])''',
    "concat_rows": '''\
def concat_rows(df, other, missing_columns=True):
    """``df``'s rows then ``other``'s, matching columns by name (types widened)."""
    both = df.withColumn("_part", F.lit(0)).unionByName(
        other.withColumn("_part", F.lit(1)), allowMissingColumns=missing_columns
    )
    return reorder(both, "_part", ROW).drop("_part")''',
    "on_driver": '''\
def on_driver(df, language, code):
    """Run pandas or Polars ``code(df)`` on the whole table on the driver (custom code)."""
    spark = df.sparkSession
    spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
    data = df.orderBy(ROW).drop(ROW).toPandas()
    if language == "polars":
        import polars as pl

        data = code(pl.from_pandas(data))
        data = (data.collect() if isinstance(data, pl.LazyFrame) else data).to_pandas()
    else:
        data = code(data)
    return spark.createDataFrame(data).withColumn(ROW, F.monotonically_increasing_id())''',
    "read_database": '''\
def read_database(spark, path, query, schema):
    """A query on a SQLite or DuckDB file, read on the driver (Spark's JDBC reader needs
    the database's JDBC driver)."""
    spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
    with open(path, "rb") as f:
        is_sqlite = f.read(16) == b"SQLite format 3\\x00"
    if is_sqlite:
        import sqlite3

        with sqlite3.connect(path) as con:
            data = pd.read_sql_query(query, con)
    else:
        import duckdb

        with duckdb.connect(path, read_only=True) as con:
            data = con.sql(query).df()
    return spark.createDataFrame(data, schema)''',
}


def used_helpers(text: str) -> list[str]:
    """The helpers ``text`` calls, with the helpers they call, in ``HELPERS`` order."""
    wanted = {"ROW", "save"}
    pending = [text, HELPERS["save"]]
    while pending:
        body = pending.pop()
        for name, source in HELPERS.items():
            if name not in wanted and re.search(rf"\b{name}\(", body):
                wanted.add(name)
                pending.append(source)
    return [HELPERS[name] for name in HELPERS if name in wanted]


def spark_type(dtype: pl.DataType, column: str) -> str:
    """The Spark type (as code) holding values of a Polars type."""
    simple = {
        pl.Int8: "T.ByteType()",
        pl.Int16: "T.ShortType()",
        pl.Int32: "T.IntegerType()",
        pl.Int64: "T.LongType()",
        pl.UInt8: "T.ShortType()",
        pl.UInt16: "T.IntegerType()",
        pl.UInt32: "T.LongType()",
        pl.UInt64: "T.DecimalType(20, 0)",
        pl.Float32: "T.FloatType()",
        pl.Float64: "T.DoubleType()",
        pl.Boolean: "T.BooleanType()",
        pl.String: "T.StringType()",
        pl.Date: "T.DateType()",
    }
    for polars_type, text in simple.items():
        if dtype == polars_type:
            return text
    if isinstance(dtype, pl.Datetime):
        return "T.TimestampType()" if dtype.time_zone else "T.TimestampNTZType()"
    if isinstance(dtype, pl.Decimal):
        return f"T.DecimalType({dtype.precision or 38}, {dtype.scale or 0})"
    raise InvalidInput(
        f"source: column '{column}' is {dtype}, which a PySpark script cannot read; "
        "cast it to text, a number or a date in the source",
        field="source",
    )


def _fields(schema: pl.Schema) -> list[str]:
    return [f"T.StructField({lit(n)}, {spark_type(t, n)})" for n, t in schema.items()]


def schema_code(schema: pl.Schema) -> str:
    return f"T.StructType([{', '.join(_fields(schema))}])"


def source_imports(source: Source) -> set[str]:
    if isinstance(source, DatabaseSource) and source.url:
        return {"import sqlalchemy"}
    return set()


def _path(path: str) -> str:
    """Relative paths are relative to where the script runs (Spark's JVM may be elsewhere)."""
    return f"os.path.abspath({lit(path)})"


def _read(source: Source, schema: pl.Schema, types: str) -> str:
    """Code reading ``source``; ``types`` is the code of its schema (``schema_code``)."""
    if isinstance(source, DatabaseSource):
        if source.url:
            return (
                f"spark.createDataFrame(pd.read_sql_query({lit(source.query)}, "
                f"sqlalchemy.create_engine({lit(source.url)})), {types})"
            )
        return f"read_database(spark, {lit(source.path)}, {lit(source.query)}, {types})"
    path = _path(source.path)
    fmt = file_format(source)
    if fmt == "parquet":
        assert isinstance(source, FileSource)
        casts = ", ".join(
            f"{lit(name)}: {col(name)}.cast({spark_type(schema[name], name)})"
            for name in source.types
        )
        return f"spark.read.parquet({path})" + (f".withColumns({{{casts}}})" if casts else "")
    if fmt in ("json", "jsonl"):
        return f"spark.read.json({path}, schema={types}, multiLine={fmt == 'json'})"
    assert isinstance(source, FileSource)
    sep = source.delimiter or ("\t" if fmt == "tsv" else ",")
    mode = "DROPMALFORMED" if source.on_bad_lines == "skip" else "FAILFAST"
    charset = JAVA_CHARSETS[duckdb_encoding(source.encoding, "source")]
    return (
        f"spark.read.csv({path}, schema={types}, sep={lit(sep)}, "
        f"header={source.header}, encoding={lit(charset)}, quote='\"', escape='\"', "
        f"mode={lit(mode)})"
    )


def load_expr(source: Source, schema: pl.Schema) -> str:
    """The source as a DataFrame with ``ROW`` (in an expression using ``spark``)."""
    read = _read(source, schema, schema_code(schema))
    return f"{read}.withColumn(ROW, F.monotonically_increasing_id())"


def load_lines(source: Source, schema: pl.Schema) -> list[str]:
    read = _read(source, schema, "\0")
    lines = [
        "spark = SparkSession.builder.appName('wrangler-flow').getOrCreate()",
        "spark.conf.set('spark.sql.caseSensitive', 'true')  # column names as in the flow",
    ]
    if "\0" in read:  # the column types the editor read, one per line
        lines += ["schema = T.StructType([", *[f"    {f}," for f in _fields(schema)], "])"]
    read = read.replace("\0", "schema")
    return [*lines, f"return {read}.withColumn(ROW, F.monotonically_increasing_id())"]
