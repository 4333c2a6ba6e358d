"""Full-data column statistics for the insights report, at the cost of about one sort.

The data is read once. Each numeric column's finite values are sorted once, and
every order statistic (quantiles, distinct count, histogram, outlier and zero
counts) is read off the sorted values by binary search instead of a pass each.
Each text column is grouped once: the groups give its distinct count, top values,
min/max and mean length, and are the distinct values the pattern checks run on.
Duplicate rows are found by 64-bit row hashes and confirmed exactly on the rows
whose hashes collide, so the count is exact without comparing every row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from .engine import json_value
from .report_models import Bin, ColumnProfile, Kind, TableProfile, TopValue

BINS = 20
TOP = 10
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Numeric columns with at most this many distinct values get top values.
MAX_DISTINCT_FOR_TOP_NUMBERS = 1000
#: Text columns with more distinct values than this get their pattern checks on the sample.
MAX_DISTINCT_FOR_PATTERNS = 200_000
#: Rows read first to estimate a table's size in memory.
HEAD_ROWS = 1000
#: Odd 64-bit constant that mixes one column group's row hashes into the next's.
HASH_MIX = np.uint64(0x9E3779B97F4A7C15)


def kind_of(dtype: pl.DataType) -> Kind:
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_numeric():
        return "numeric"
    if dtype.is_temporal():
        return "temporal"
    if dtype in (pl.String, pl.Categorical, pl.Enum):
        return "text"
    return "other"


def finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class Statistics:
    table: TableProfile
    columns: list[ColumnProfile]
    #: Distinct values and their counts of each text column small enough for pattern checks.
    texts: dict[str, pl.DataFrame]
    #: The whole table when it was read in one piece (the sample is then taken from it).
    data: pl.DataFrame | None


def statistics(frame: pl.LazyFrame, memory_budget: int) -> Statistics:
    """Per-column statistics on the full data.

    Data that fits ``memory_budget`` is read once. Larger data is read a group of
    columns at a time (each group fits the budget), so a table larger than memory is
    profiled without holding it all; its duplicate rows come from combined row hashes.
    """
    groups = _column_groups(frame, memory_budget)
    columns: list[ColumnProfile] = []
    texts: dict[str, pl.DataFrame] = {}
    hashes: np.ndarray | None = None
    rows = memory = 0
    data = None
    for group in groups:
        data = None  # let the previous group go before reading the next
        if len(groups) > 1:
            data = frame.select(group).collect(engine="streaming")
        else:
            data = frame.collect()
        rows, memory = data.height, memory + int(data.estimated_size())
        if data.width:
            group_hashes = data.hash_rows(seed=0)
            if hashes is None:
                hashes = group_hashes.to_numpy().copy()
            else:
                hashes *= HASH_MIX  # in place: wraps around, as hashing wants
                hashes ^= group_hashes.to_numpy()
            del group_hashes
        columns += column_statistics(data, texts)
    if hashes is None:
        duplicates = 0
    elif len(groups) == 1 and data is not None:
        duplicates = duplicate_rows(data, hashes)
    else:
        duplicates = _duplicates_from_hashes(frame, hashes, memory_budget, memory)
    table = TableProfile(
        rows=rows,
        columns=len(columns),
        duplicate_rows=duplicates,
        memory_bytes=memory,
        missing_cells=sum(p.missing for p in columns),
    )
    return Statistics(table, columns, texts, data if len(groups) == 1 else None)


def _column_groups(frame: pl.LazyFrame, budget: int) -> list[list[str]]:
    """Columns in groups whose data (and a sorted copy of one column) fit ``budget``.

    Sizes are estimated from the row count and the first rows' bytes per row.
    """
    names = frame.collect_schema().names()
    head = frame.head(HEAD_ROWS).collect()
    if head.height < HEAD_ROWS:
        return [names]
    rows = int(frame.select(pl.len()).collect(engine="streaming").item())
    groups: list[list[str]] = [[]]
    size = 0
    for name in names:
        cost = int(head[name].estimated_size() / head.height * rows * 2)
        if groups[-1] and size + cost > budget:
            groups.append([])
            size = 0
        groups[-1].append(name)
        size += cost
    return groups


def _colliding(hashes: np.ndarray) -> np.ndarray | None:
    """Which rows share their hash with another row; None when every hash is unique."""
    ordered = np.sort(hashes)
    if not np.any(ordered[1:] == ordered[:-1]):
        return None
    del ordered
    return pl.Series(hashes).is_duplicated().to_numpy()


def _duplicates_from_hashes(
    frame: pl.LazyFrame, hashes: np.ndarray, budget: int, memory: int
) -> int:
    """Duplicate rows of a table read in column groups: rows whose combined hashes
    collide are read whole and compared exactly when they fit the budget."""
    colliding = _colliding(hashes)
    if colliding is None:
        return 0
    candidates = np.flatnonzero(colliding)
    if len(candidates) * memory / max(len(hashes), 1) > budget:
        return len(hashes) - pl.Series(hashes).n_unique()  # 64-bit hashes: collisions ~ n²/2⁶⁵
    suspects = (
        frame.with_row_index("__row")
        .filter(pl.col("__row").is_in(pl.Series(candidates, dtype=pl.UInt32).implode()))
        .drop("__row")
        .collect()
    )
    return suspects.height - suspects.unique().height


def column_statistics(data: pl.DataFrame, texts: dict[str, pl.DataFrame]) -> list[ColumnProfile]:
    """Profiles of the columns of ``data``; adds text columns' distinct values to ``texts``."""
    schema = data.schema
    kinds = {n: kind_of(dtype) for n, dtype in schema.items()}
    scalars = _scalars(data, kinds)
    rows = data.height
    profiles: list[ColumnProfile] = []
    for i, (name, dtype) in enumerate(schema.items()):
        missing = int(scalars[f"{i}:missing"])
        profile = ColumnProfile(
            name=name,
            type=str(dtype),
            kind=kinds[name],
            count=rows - missing,
            missing=missing,
            missing_pct=100.0 * missing / rows if rows else 0.0,
            distinct=0,
        )
        if profile.kind == "numeric":
            _numeric(profile, data[name], scalars, i)
        elif profile.kind == "text":
            # Lazily: the eager group-by holds several times the column's size.
            counts = data.lazy().group_by(name).len("count").collect(engine="streaming")
            _text(profile, counts)
            if profile.distinct <= MAX_DISTINCT_FOR_PATTERNS:
                texts[name] = counts
        else:
            profile.distinct = int(scalars[f"{i}:distinct"])
            profile.min = json_value(scalars.get(f"{i}:min"))
            profile.max = json_value(scalars.get(f"{i}:max"))
            if f"{i}:top" in scalars:
                profile.top_values = _tops(scalars[f"{i}:top"], name)
        profiles.append(profile)
    return profiles


def _scalars(data: pl.DataFrame, kinds: dict[str, Kind]) -> dict[str, Any]:
    """Everything that one parallel pass of sums and counts gives."""
    exprs: list[pl.Expr] = []
    for i, (name, kind) in enumerate(kinds.items()):
        col = pl.col(name)
        exprs.append(col.null_count().alias(f"{i}:missing"))
        if kind == "numeric":
            x = col.cast(pl.Float64)
            only = pl.when(x.is_finite()).then(x)
            exprs += [
                only.mean().alias(f"{i}:mean"),
                only.std().alias(f"{i}:std"),
                only.skew().alias(f"{i}:skew"),
                x.is_infinite().sum().alias(f"{i}:infinite"),
                x.is_nan().sum().alias(f"{i}:nan"),
            ]
        elif kind != "text":
            exprs.append(col.n_unique().alias(f"{i}:distinct"))
            if kind == "temporal":
                exprs += [col.min().alias(f"{i}:min"), col.max().alias(f"{i}:max")]
            if kind == "boolean":
                top = col.drop_nulls().value_counts(sort=True).head(TOP).implode()
                exprs.append(top.alias(f"{i}:top"))
    if not exprs:
        return {}
    return data.select(exprs).row(0, named=True)


def _numeric(profile: ColumnProfile, column: pl.Series, scalars: dict[str, Any], i: int) -> None:
    integral = column.dtype.is_integer()
    infinite, nan = int(scalars[f"{i}:infinite"]), int(scalars[f"{i}:nan"])
    if integral or not (infinite or nan):  # integers stay integers: no merged neighbours
        values = (column.drop_nulls() if profile.missing else column).sort()
        if not integral:
            values = values.cast(pl.Float64)
    else:
        x = column.cast(pl.Float64)
        values = x.filter(x.is_finite()).sort()  # nulls, NaN and infinities drop out
    n = len(values)
    positive_inf = int((column == math.inf).sum()) if infinite else 0
    # Distinct as Polars counts it: NaN, each infinity and null are values too.
    profile.distinct = (
        values.n_unique()
        + (nan > 0)
        + (positive_inf > 0)
        + (infinite - positive_inf > 0)
        + (profile.missing > 0)
    )
    profile.mean, profile.std, profile.skew = (
        finite(scalars[f"{i}:{s}"]) for s in ("mean", "std", "skew")
    )
    profile.infinite = infinite
    if n == 0:
        profile.zeros = 0
        profile.quantiles = {_label(q): None for q in QUANTILES}
        return
    exact = values.to_numpy()  # no copy: integers are searched as integers...
    lo, hi = float(exact[0]), float(exact[-1])
    profile.min, profile.max = (int(exact[0]), int(exact[-1])) if integral else (lo, hi)
    # ...unless floats cannot tell them apart: the quantiles and fences are floats.
    sorted_ = exact.astype(np.float64) if max(-lo, hi) > 2**53 else exact
    q = [_quantile(sorted_, p) for p in QUANTILES]
    profile.quantiles = {_label(p): v for p, v in zip(QUANTILES, q, strict=True)}
    profile.zeros = _between(sorted_, 0.0, 0.0)
    iqr = q[3] - q[1]
    profile.outliers = n - _between(sorted_, q[1] - 3 * iqr, q[3] + 3 * iqr)
    profile.histogram = _histogram(sorted_)
    if profile.distinct <= MAX_DISTINCT_FOR_TOP_NUMBERS:
        runs = values.rle().struct.unnest().sort("len", descending=True, maintain_order=True)
        profile.top_values = [
            TopValue(value=int(v) if integral else v, count=int(c))
            for c, v in runs.head(TOP).iter_rows()
        ]


def _histogram(sorted_: np.ndarray) -> list[Bin]:
    """Equal-width bins over [min, max]: each holds [start, end), the last also max."""
    lo, hi = float(sorted_[0]), float(sorted_[-1])
    if hi == lo:
        return [Bin(start=lo, end=hi, count=len(sorted_))]
    edges = lo + (hi - lo) / BINS * np.arange(BINS + 1)
    edges[-1] = hi
    cuts = [_rank(sorted_, float(edge), "left") for edge in edges[1:-1]]
    counts = np.diff(np.array([0, *cuts, len(sorted_)]))
    return [
        Bin(start=float(edges[b]), end=float(edges[b + 1]), count=int(c))
        for b, c in enumerate(counts)
    ]


def _label(q: float) -> str:
    return f"{round(q * 100)}%"


def _quantile(sorted_: np.ndarray, q: float) -> float:
    """Linear interpolation between closest ranks (numpy's and Polars' default)."""
    position = q * (len(sorted_) - 1)
    below = math.floor(position)
    above = min(below + 1, len(sorted_) - 1)
    low, high = float(sorted_[below]), float(sorted_[above])
    return low + (high - low) * (position - below)


def _between(sorted_: np.ndarray, low: float, high: float) -> int:
    """How many sorted values lie in [low, high]."""
    return _rank(sorted_, high, "right") - _rank(sorted_, low, "left")


def _rank(sorted_: np.ndarray, value: float, side: Literal["left", "right"]) -> int:
    """Values below ``value`` ("left") or not above it ("right"), by binary search.

    An integer array is searched with an integer bound: numpy would otherwise copy the
    whole array to floats on every search.
    """
    if sorted_.dtype.kind not in "iu":
        return int(np.searchsorted(sorted_, value, side=side))
    bound = math.ceil(value) if side == "left" else math.floor(value) + 1  # x < bound
    limits = np.iinfo(sorted_.dtype)
    if bound <= limits.min:
        return 0
    if bound > limits.max:
        return len(sorted_)
    return int(np.searchsorted(sorted_, sorted_.dtype.type(bound), side="left"))


def _text(profile: ColumnProfile, counts: pl.DataFrame) -> None:
    name = profile.name
    profile.distinct = counts.height
    present = counts.filter(pl.col(name).is_not_null())
    if present.height == 0:
        return
    strings = present[name].cast(pl.String)
    profile.min, profile.max = strings.min(), strings.max()
    weights = present["count"]
    profile.mean_length = float(
        (strings.str.len_chars().cast(pl.Float64) * weights).sum() / max(int(weights.sum()), 1)
    )
    top = present.sort("count", descending=True, maintain_order=True).head(TOP)
    profile.top_values = [TopValue(value=json_value(v), count=int(c)) for v, c in top.iter_rows()]


def _tops(rows: list[dict[str, Any]], name: str) -> list[TopValue]:
    return [TopValue(value=json_value(r[name]), count=int(r["count"])) for r in rows]


def duplicate_rows(data: pl.DataFrame, hashes: np.ndarray) -> int:
    """Rows equal to an earlier row: exact, comparing only rows whose hashes collide."""
    colliding = _colliding(hashes)
    if colliding is None:
        return 0
    suspects = data.filter(pl.Series(colliding))
    return suspects.height - suspects.unique().height
