"""Sources, sampling and the insights report, without a server."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import polars as pl
import pytest

from jupyter_smstudio.errors import InvalidInput
from jupyter_smstudio.wrangler.flows import FlowStore
from jupyter_smstudio.wrangler.models import DatabaseSource, FileSource, FlowDocument, Sampling
from jupyter_smstudio.wrangler.report import build_report
from jupyter_smstudio.wrangler.sources import SourceReader, sample


@pytest.fixture
def reader(tmp_path: Path) -> SourceReader:
    return SourceReader(tmp_path, tmp_path / ".cache")


def rows(reader: SourceReader, source: FileSource | DatabaseSource) -> list[tuple[object, ...]]:
    return reader.load(source).frame.collect().rows()


def test_file_formats_and_options(reader: SourceReader, tmp_path: Path) -> None:
    frame = pl.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    frame.write_parquet(tmp_path / "t.parquet")
    frame.write_ndjson(tmp_path / "t.jsonl")
    frame.write_json(tmp_path / "t.json")
    (tmp_path / "t.tsv").write_text("a\tb\n1\tx\n2\ty\n")
    (tmp_path / "semi.txt").write_text("1;x\n2;y\n")
    (tmp_path / "latin.csv").write_bytes("a,b\n1,caf\xe9\n".encode("latin-1"))
    for name in ("t.parquet", "t.jsonl", "t.json", "t.tsv"):
        assert rows(reader, FileSource(path=name)) == [(1, "x"), (2, "y")], name
    semi = FileSource(
        path="semi.txt", format="csv", delimiter=";", header=False, types={"column0": "string"}
    )
    assert rows(reader, semi) == [("1", "x"), ("2", "y")]
    assert rows(reader, FileSource(path="latin.csv", encoding="latin-1")) == [(1, "café")]
    with pytest.raises(InvalidInput) as err:
        reader.load(FileSource(path="semi.txt"))
    assert err.value.field == "source.format"


def test_bad_json_lines_are_reported(reader: SourceReader, tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text('{"a": 1}\n{"a": \n{"a": 3}\n')
    with pytest.raises(InvalidInput, match="line 2"):
        reader.load(FileSource(path="bad.jsonl"))
    loaded = reader.load(FileSource(path="bad.jsonl", on_bad_lines="skip"))
    assert loaded.frame.collect()["a"].to_list() == [1, 3]
    assert [r.line for r in loaded.rejected] == [2]


def test_databases(reader: SourceReader, tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "shop.sqlite") as con:
        con.execute("CREATE TABLE t (a INTEGER, b TEXT)")
        con.executemany("INSERT INTO t VALUES (?, ?)", [(1, "x"), (2, "y")])
    with duckdb.connect(str(tmp_path / "shop.duckdb")) as con:
        con.execute("CREATE TABLE t AS SELECT 5 AS a")
    query = "SELECT * FROM t ORDER BY a"
    assert rows(reader, DatabaseSource(path="shop.sqlite", query=query)) == [(1, "x"), (2, "y")]
    assert rows(reader, DatabaseSource(path="shop.duckdb", query=query)) == [(5,)]
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    assert rows(reader, DatabaseSource(url=url, query="SELECT b FROM t WHERE a = 2")) == [("y",)]
    with pytest.raises(InvalidInput) as err:
        reader.load(DatabaseSource(path="shop.sqlite", query="SELECT nope FROM t"))
    assert err.value.field == "source.query"
    with pytest.raises(InvalidInput) as err:
        reader.load(DatabaseSource(url="sqlite:////etc/x.db", query="SELECT 1"))
    assert err.value.field == "source.url"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nosuchdb://host/x", "'nosuchdb' is not a kind of database the server knows"),
        ("mssql+pymssql://host/x", "the Python package 'pymssql' is not installed there"),
        ("sqlite:///missing/shop.sqlite", "cannot connect to the database: "),
    ],
)
def test_database_url_problems_are_said_in_words(
    reader: SourceReader, url: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        reader.load(DatabaseSource(url=url, query="SELECT 1"))
    assert err.value.field == "source.url"
    assert message in err.value.message


def test_sampling_methods() -> None:
    frame = pl.DataFrame({"i": range(1000), "g": ["a"] * 900 + ["b"] * 100}).lazy()
    first, text = sample(frame, Sampling(method="first", n=10))
    assert first["i"].to_list() == list(range(10))
    assert text == "first 10 rows"
    rand, _ = sample(frame, Sampling(method="random", n=50, seed=1))
    again, _ = sample(frame, Sampling(method="random", n=50, seed=1))
    assert rand.equals(again)
    assert rand.height == 50
    assert rand["i"].is_sorted()
    strat, _ = sample(frame, Sampling(method="stratified", n=100, stratify_by="g"))
    assert strat["g"].value_counts().sort("g")["count"].to_list() == [90, 10]


def test_a_sample_of_the_whole_data_names_its_true_size() -> None:
    frame = pl.DataFrame({"i": range(50)}).lazy()
    whole, text = sample(frame, Sampling(method="random", n=50))
    assert (whole.height, text) == (50, "all 50 rows")
    for method in ("first", "random"):
        small, text = sample(frame, Sampling(method=method, n=80))
        assert small.height == 50
        assert text == "all 50 rows", method
    _, text = sample(pl.DataFrame({"i": [1]}).lazy(), Sampling(method="first", n=5))
    assert text == "all 1 row"


def test_a_binary_column_mostly_zero_raises_no_zeros_alert() -> None:
    frame = pl.DataFrame(
        {
            "churned": [0] * 300 + [1] * 100,
            "flag_with_gaps": [0] * 290 + [1] * 100 + [None] * 10,
            "counts": [0] * 300 + list(range(1, 101)),
        }
    )
    report = build_report(frame.lazy(), target="churned", sample_rows=1000)
    zeros = sorted(a.column or "" for a in report.alerts if a.kind == "zeros")
    assert zeros == ["counts"]


def test_flow_files_are_written_atomically_with_versions(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    store = FlowStore(tmp_path)
    store.create("sub/a.flow", FlowDocument())
    doc = store.update("sub/a.flow", 1, lambda d: d)
    assert doc.version == 2
    assert store.read("sub/a.flow")[0].version == 2
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["a.flow"]  # no temp files left
    assert [s.name for s in store.summaries()] == ["sub/a.flow"]
    (tmp_path / "future.flow").write_text('{"schema_version": 99}')
    with pytest.raises(Exception, match="schema version 99"):
        store.read("future.flow")


def test_report_alert_kinds() -> None:
    n = 400
    frame = pl.DataFrame(
        {
            "id": list(range(n)),
            "const": [1] * n,
            "mostly_null": [None] * (n - 10) + [1.0] * 10,
            "skew": [1.0] * (n - 4) + [1000.0, 2000.0, 3000.0, 4000.0],
            "zeros": [0] * 300 + list(range(1, 101)),
            "inf": [float("inf")] + [1.0] * (n - 1),
            "mixed": ["1", "2", "x", "y"] * (n // 4),
            "dates": ["2024-01-01", "2024-13-45"] * (n // 2),
            "email": [f"u{i}@example.com" for i in range(n)],
            "imb": ["a"] * (n - 5) + ["b"] * 5,
            "ws": [" pad", "ok"] * (n // 2),
            "target": [i % 2 for i in range(n)],
            "leak": [i % 2 for i in range(n)],
        }
    )
    frame = pl.concat([frame, frame.head(3)])
    report = build_report(frame.lazy(), target="target", sample_rows=1000)
    kinds = {a.kind for a in report.alerts}
    expected = {
        "constant", "mostly_missing", "skewed", "zeros", "infinite", "mixed_types",
        "date_parse_failures", "text_pattern", "imbalanced", "whitespace", "duplicates",
        "high_cardinality", "high_correlation", "target_leakage", "outliers",
    }  # fmt: skip
    assert expected <= kinds, (expected - kinds, report.target)
    assert report.table.duplicate_rows == 3
    assert report.target is not None
    assert report.target.quick_model is not None
    assert report.sample.startswith("all 403 rows")
    ids = build_report(
        pl.DataFrame({"id": range(50), "v": [1, 2] * 25}).lazy(), target=None, sample_rows=100
    )
    assert [a.column for a in ids.alerts if a.kind == "id_like"] == ["id"]
