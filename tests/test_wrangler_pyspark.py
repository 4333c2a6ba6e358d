"""Generated PySpark scripts give the same output as the engine, on a real Spark.

One local Spark session (``local[2]``) serves the whole module: each flow is
fitted on its fixture, exported as PySpark, and the script's ``load``,
``transform`` and ``save`` run in that session; its Parquet output is compared
with the engine's, row by row. One script also runs on its own with ``python``.
Needs the ``spark`` extra (pyspark) and Java; skipped, saying why, without them.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from jupyter_smstudio.errors import InvalidInput
from jupyter_smstudio.wrangler import codegen
from jupyter_smstudio.wrangler.engine import Engine
from jupyter_smstudio.wrangler.models import DatabaseSource, FileSource, FlowDocument, Source
from jupyter_smstudio.wrangler.sources import SourceReader

from .test_wrangler_codegen import CLEANING, COMBINING, SAMPLING, SMOTE, fitted_flow, normalized
from .wrangler_data import write_fixtures

pytestmark = pytest.mark.slow

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (the 'spark' extra)")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java and there is none on PATH", allow_module_level=True)

TEXT_AND_DATES = [
    ("handle_missing", {"columns": ["note"], "strategy": "drop"}),
    ("cast_columns", {"columns": ["day"], "to": "string"}),
    ("cast_columns", {"columns": ["day"], "to": "datetime", "format": "%Y-%m-%d"}),
    (
        "datetime_features",
        {
            "column": "day",
            "parts": ["quarter", "day", "dayofyear", "hour", "minute"],
            "cyclic": True,
        },
    ),
    ("format_string", {"columns": ["note"], "operation": "upper"}),
    ("format_string", {"columns": ["note"], "operation": "lower"}),
    (
        "format_string",
        {
            "columns": ["note"],
            "operation": "regex_extract",
            "pattern": r"(\w+)\s+(\w+)",
            "group": 2,
        },
    ),
    (
        "format_string",
        {"columns": ["note"], "operation": "replace", "pattern": "e", "replacement": "$"},
    ),
    (
        "format_string",
        {"columns": ["city"], "operation": "pad", "width": 7, "fill_char": "*", "side": "right"},
    ),
    ("duplicate_column", {"column": "city", "new_name": "city part"}),
    (
        "format_string",
        {"columns": ["city part"], "operation": "split", "delimiter": "*", "index": 1},
    ),
    ("text_features", {"column": "city", "features": ["length", "digits", "punctuation"]}),
    ("handle_outliers", {"columns": ["quantity"], "method": "minmax", "min": 1.5, "max": 3.5}),
    (
        "handle_outliers",
        {"columns": ["price"], "method": "robust", "factor": 2.0, "action": "remove"},
    ),
    ("ordinal_encode", {"column": "city", "unseen_value": -5}),
    (
        "select_columns",
        {"columns": ["id", "city", "city part", "note", "day_quarter", "day_day_sin"]},
    ),
]

CITIES = {"kind": "file", "path": "cities.csv"}
SALES = {"kind": "file", "path": "sales.csv"}
OSLO = {"kind": "file", "path": "oslo.jsonl"}

JOINS = [
    ("join", {"other": CITIES, "how": "right", "left_on": ["city"]}),
    ("join", {"other": SALES, "how": "inner", "left_on": ["id"], "suffix": "_2"}),
    ("join", {"other": CITIES, "how": "semi", "left_on": ["city_2"], "right_on": ["city"]}),
    ("join", {"other": OSLO, "how": "anti", "left_on": ["city"]}),
    ("concat", {"other": SALES, "how": "diagonal"}),
    ("handle_missing", {"columns": ["population"], "strategy": "fill", "value": 1}),
    ("group_by", {"by": ["city"], "aggregations": [
        {"column": "price", "function": "median"},
        {"column": "price", "function": "std"},
        {"column": "quantity", "function": "min"},
        {"column": "quantity", "function": "max"},
        {"column": "population", "function": "sum"},
    ]}),
    ("sort_rows", {"by": ["population_sum", "city"], "descending": True}),
]  # fmt: skip

#: A database source; another source joined from Parquet, rows appended from JSON Lines.
SOURCES = [
    ("join", {"other": {**CITIES, "path": "cities.parquet"}, "how": "full", "left_on": ["city"]}),
    ("concat", {"other": OSLO, "how": "diagonal"}),
    ("drop_duplicates", {"columns": ["city"], "keep": "none"}),
    ("sort_rows", {"by": ["population"]}),
]  # fmt: skip
SHOP = DatabaseSource(path="shop.sqlite", query="SELECT id, city, price FROM orders WHERE id < 7")
#: Malformed rows left out, as the editor does.
SKIPPING = FileSource(path="bad.csv", on_bad_lines="skip")
#: Latin-1 text, another separator, date-times.
EVENTS = FileSource(path="events.csv", delimiter=";", encoding="latin-1")
EVENT_STEPS = [
    ("datetime_features", {"column": "at", "parts": ["hour", "minute", "weekday"]}),
    ("format_string", {"columns": ["place"], "operation": "upper"}),
    ("text_features", {"column": "place", "features": ["length", "punctuation"]}),
]

FLOWS = {
    "cleaning": (CLEANING, None),
    "combining": (COMBINING, None),
    "sampling": (SAMPLING, None),
    "smote": (SMOTE, None),
    "text-and-dates": (TEXT_AND_DATES, None),
    "joins": (JOINS, None),
    "sources": (SOURCES, SHOP),
    "malformed": ([("sort_rows", {"by": ["b"], "descending": True})], SKIPPING),
    "events": (EVENT_STEPS, EVENTS),
}


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("smstudio-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    # End the JVM too (it exits when its stdin closes), so it holds no memory while
    # the rest of the test run goes on.
    gateway = SparkContext._gateway
    if gateway is not None:
        gateway.shutdown()
        gateway.proc.stdin.close()
        gateway.proc.wait(timeout=60)
        SparkContext._gateway = None
        SparkContext._jvm = None


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Engine]:
    root = tmp_path_factory.mktemp("root")
    write_fixtures(root)
    sales = pl.read_csv(root / "sales.csv")
    with sqlite3.connect(root / "shop.sqlite") as con:
        sales.select("id", "city", "price").to_pandas().to_sql("orders", con, index=False)
    pl.read_csv(root / "cities.csv").write_parquet(root / "cities.parquet")
    pl.DataFrame({"city": ["Oslo"], "mayor": ["Anne"]}).write_ndjson(root / "oslo.jsonl")
    events = "id;place;at\n1;Café Åsa;2024-03-01 10:15:00\n2;Bod;2024-03-02 23:59:30\n"
    (root / "events.csv").write_bytes(events.encode("latin-1"))
    return root, Engine(SourceReader(root, root / ".cache"))


def flow_for(engine: Engine, name: str) -> FlowDocument:
    steps, source = FLOWS[name]
    flow = fitted_flow(engine, steps)
    if source is not None:
        flow.source = source
        flow.steps = engine.fit(flow, 0, full=True)
    return flow


def pyspark_script(engine: Engine, flow: FlowDocument) -> str:
    def schema_of(source: Source) -> pl.Schema:
        return engine.reader.load(source).frame.collect_schema()

    return codegen.script(codegen.build(flow, "test.flow", "pyspark", schema_of))


def read_output(folder: Path) -> pl.DataFrame:
    return pl.read_parquet(sorted(folder.glob("part-*.parquet")))


def assert_same(got: pl.DataFrame, expected: pl.DataFrame) -> None:
    assert got.columns == expected.columns
    assert_frame_equal(normalized(got), normalized(expected), check_dtypes=False, abs_tol=1e-9)


@pytest.mark.parametrize("name", list(FLOWS))
def test_generated_pyspark_matches_engine(
    spark: Any, setup: tuple[Path, Engine], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, engine = setup
    monkeypatch.chdir(root)  # scripts read paths relative to where they run
    flow = flow_for(engine, name)
    expected = engine.run_full(flow).collect()
    assert expected.height > 0
    code = pyspark_script(engine, flow)
    scope: dict[str, Any] = {"__name__": "generated"}
    exec(compile(code, f"{name}_pyspark.py", "exec"), scope)
    out = root / f"{name}-spark"
    scope["save"](scope["transform"](scope["load"]()), str(out))
    assert_same(read_output(out), expected)


def test_generated_pyspark_runs_on_its_own(spark: Any, setup: tuple[Path, Engine]) -> None:
    root, engine = setup
    flow = fitted_flow(engine, CLEANING[:4])
    script = root / "standalone_pyspark.py"
    script.write_text(pyspark_script(engine, flow))
    done = subprocess.run(
        [sys.executable, str(script), "standalone-out"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert_same(read_output(root / "standalone-out"), engine.run_full(flow).collect())


def test_a_step_spark_cannot_express_is_named(setup: tuple[Path, Engine]) -> None:
    _, engine = setup
    flow = fitted_flow(
        engine,
        [
            ("drop_columns", {"columns": ["note"]}),
            ("cast_columns", {"columns": ["city"], "to": "date", "format": "%U/%Y"}),
        ],
    )
    with pytest.raises(InvalidInput) as err:
        pyspark_script(engine, flow)
    assert err.value.field == "steps"
    assert "step 2 ('Cast / parse as type')" in err.value.message
    assert "%U has no Spark equivalent" in err.value.message


def test_sources_spark_cannot_read_are_refused(setup: tuple[Path, Engine]) -> None:
    root, engine = setup
    with duckdb.connect(str(root / "waits.duckdb")) as con:
        con.execute("CREATE TABLE waits AS SELECT TIME '10:30:00' AS t")
    flow = FlowDocument(source=DatabaseSource(path="waits.duckdb", query="SELECT * FROM waits"))
    with pytest.raises(InvalidInput, match="column 't' is Time"):
        pyspark_script(engine, flow)
