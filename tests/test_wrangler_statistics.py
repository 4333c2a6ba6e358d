"""The report's full-data statistics agree with plain Polars computations of each figure.

The statistics module reads order statistics off one sort per column and counts
duplicates through row hashes; these tests check every figure against the direct
(slower) Polars expression on data with the awkward cases: nulls, NaN, infinities,
integers beyond float precision, duplicates, empty columns.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from jupyter_smstudio.wrangler.statistics import BINS, QUANTILES, statistics


def awkward(rows: int = 5000, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    floats = rng.normal(10, 3, rows)
    floats[::97] = np.nan
    floats[::211] = np.inf
    floats[::307] = -np.inf
    floats[::50] = 0.0
    floats[::13] = 1000.0  # far outliers
    big = 2**60 + rng.integers(0, 4, rows)  # neighbours a float64 cannot tell apart
    frame = pl.DataFrame(
        {
            "f": floats,
            "small_int": rng.integers(-3, 4, rows),
            "big_int": big,
            "f32": rng.random(rows).astype(np.float32),
            "text": rng.choice(["a", "bb", " c ", "dddd"], rows),
            "flag": rng.random(rows) < 0.3,
            "day": np.datetime64("2021-01-01") + rng.integers(0, 30, rows).astype("m8[D]"),
            "empty": [None] * rows,
        },
        schema_overrides={"empty": pl.Float64},
    )
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) % 17 == 0).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("f", "small_int", "text")
    )
    return pl.concat([frame, frame.head(25)])  # 25 duplicate rows


@pytest.mark.parametrize("seed", [1, 2])
def test_statistics_match_direct_computation(seed: int) -> None:
    data = awkward(seed=seed)
    stats = statistics(data.lazy(), memory_budget=2**30)
    table, profiles, texts = stats.table, stats.columns, stats.texts
    by_name = {p.name: p for p in profiles}
    assert table.rows == data.height
    assert table.duplicate_rows == data.height - data.unique().height == 25
    assert table.missing_cells == sum(data.null_count().row(0))
    for name in data.columns:
        p, col = by_name[name], data[name]
        assert p.missing == col.null_count(), name
        assert p.distinct == col.n_unique(), name
    for name in ("f", "small_int", "big_int", "f32"):
        p, col = by_name[name], data[name]
        x = col.cast(pl.Float64)
        good = x.filter(x.is_finite())
        assert p.min == (col.drop_nulls().min() if name != "f" else good.min()), name
        assert p.max == (col.drop_nulls().max() if name != "f" else good.max()), name
        for q in QUANTILES:
            expected = good.quantile(q, "linear")
            assert p.quantiles[f"{round(q * 100)}%"] == pytest.approx(expected), (name, q)
        assert p.zeros == int((x == 0).sum()), name
        assert p.infinite == int(x.is_infinite().sum()), name
        assert p.mean == pytest.approx(good.mean())
        assert p.std == pytest.approx(good.std())
        q1, q3 = good.quantile(0.25, "linear"), good.quantile(0.75, "linear")
        assert q1 is not None
        assert q3 is not None
        iqr = q3 - q1
        far = ((good < q1 - 3 * iqr) | (good > q3 + 3 * iqr)).sum()
        assert p.outliers == far, name
        bins = p.histogram
        assert (bins[0].start, bins[-1].end) == (good.min(), good.max()), name
        assert len(bins) == (BINS if good.min() != good.max() else 1), name
        inside = [((good >= b.start) & (good < b.end)).sum() for b in bins[:-1]]
        inside.append(((good >= bins[-1].start) & (good <= bins[-1].end)).sum())
        assert [b.count for b in bins] == inside, name
    assert by_name["f"].outliers
    assert by_name["f"].outliers >= data.height // 20
    ints = by_name["small_int"]
    counts = data["small_int"].drop_nulls().value_counts()
    assert {t.value: t.count for t in ints.top_values} == dict(counts.iter_rows())
    assert by_name["big_int"].distinct == 4  # not merged by a cast to float
    text = by_name["text"]
    present = data["text"].drop_nulls()
    assert text.top_values[0].count == present.value_counts()["count"].max()
    assert {t.value for t in text.top_values} == set(present.unique())
    assert text.mean_length == pytest.approx(present.str.len_chars().mean())
    assert (text.min, text.max) == (present.min(), present.max())
    assert set(texts) == {"text"}
    assert texts["text"]["count"].sum() == data.height
    flag = by_name["flag"]
    assert sum(t.count for t in flag.top_values) == data.height
    day = by_name["day"]
    assert (day.min, day.max) == ("2021-01-01", "2021-01-30")
    empty = by_name["empty"]
    assert empty.missing == data.height
    assert empty.histogram == []
    assert empty.min is None


def test_statistics_of_an_empty_and_a_one_row_table() -> None:
    for frame in (pl.DataFrame({"x": [], "s": []}, schema={"x": pl.Float64, "s": pl.String}),
                  pl.DataFrame({"x": [1.5], "s": ["a"]})):  # fmt: skip
        stats = statistics(frame.lazy(), memory_budget=2**30)
        table, profiles = stats.table, stats.columns
        assert table.rows == frame.height
        assert table.duplicate_rows == 0
        x = profiles[0]
        assert x.distinct == frame.height
        if frame.height:
            assert x.quantiles["50%"] == 1.5
            assert sum(b.count for b in x.histogram) == 1
            assert not math.isnan(x.min)


def test_a_table_over_the_memory_budget_is_read_in_column_groups_with_equal_results(
    tmp_path: Path,
) -> None:
    data = awkward(rows=20_000)
    data.write_parquet(tmp_path / "t.parquet")
    frame = pl.scan_parquet(tmp_path / "t.parquet")
    whole = statistics(frame, memory_budget=2**30)
    assert whole.data is not None  # read in one piece
    # A budget of a few columns' worth: several groups, never the whole table at once.
    grouped = statistics(frame, memory_budget=400_000)
    assert grouped.data is None
    assert [c.model_dump() for c in grouped.columns] == [c.model_dump() for c in whole.columns]
    assert grouped.table == whole.table
    assert grouped.table.duplicate_rows == 25
