"""Manage rows: filter by a SQL expression, sort, drop duplicates, sample, balance (SMOTE)."""

from __future__ import annotations

import inspect
from typing import Literal

import numpy as np
import polars as pl
from pydantic import Field

from .base import (
    Context,
    Fitted,
    Operator,
    Params,
    StepError,
    lit,
    numeric_columns,
    spark_col,
)

GROUP = "Manage rows"


def sql_predicate(expression: str, field: str) -> pl.Expr:
    try:
        return pl.sql_expr(expression)
    except Exception as err:  # Polars' SQL parser raises several types
        raise StepError(f"{field}: not a valid SQL expression: {err}", field=field) from err


class FilterParams(Params):
    expression: str = Field(
        min_length=1,
        max_length=10_000,
        description="SQL condition, e.g. age >= 18 AND city = 'Oslo'.",
    )


class FilterRows(Operator[FilterParams]):
    name, title, group = "filter_rows", "Filter rows", GROUP
    description = "Keep the rows where a SQL condition holds."
    params_model = FilterParams

    def apply(
        self, frame: pl.LazyFrame, params: FilterParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        return frame.filter(sql_predicate(params.expression, "params.expression"))

    def polars_code(self, params: FilterParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [f"df = df.filter(pl.sql_expr({lit(params.expression)}))"]

    def pandas_code(self, params: FilterParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [f'df = duckdb.sql("SELECT * FROM df WHERE " + {lit(params.expression)}).df()']  # noqa: S608 - the user's own SQL on their own data

    def imports(self, language: str) -> set[str]:
        return {"import duckdb"} if language == "pandas" else set()

    def pyspark_code(self, params: FilterParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [f"df = df.where(F.expr({lit(params.expression)}))  # Spark SQL"]


class SortParams(Params):
    by: list[str] = Field(min_length=1)
    descending: bool = False


class SortRows(Operator[SortParams]):
    name, title, group = "sort_rows", "Sort rows", GROUP
    params_model = SortParams
    column_params = ("by",)

    def apply(
        self, frame: pl.LazyFrame, params: SortParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        return frame.sort(
            params.by, descending=params.descending, nulls_last=True, maintain_order=True
        )

    def polars_code(self, params: SortParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [
            f"df = df.sort({lit(params.by)}, descending={params.descending}, "
            "nulls_last=True, maintain_order=True)"
        ]

    def pandas_code(self, params: SortParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [
            f"df = df.sort_values({lit(params.by)}, ascending={not params.descending}, "
            "na_position='last', kind='stable').reset_index(drop=True)"
        ]

    def pyspark_code(self, params: SortParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        way = "desc_nulls_last" if params.descending else "asc_nulls_last"
        keys = ", ".join(f"{spark_col(c)}.{way}()" for c in params.by)
        return [f"df = reorder(df, {keys}, ROW)  # stable: ties keep their order"]


class DedupParams(Params):
    columns: list[str] = Field(default_factory=list, description="Compare these (default: all).")
    keep: Literal["first", "last", "none"] = "first"


class DropDuplicates(Operator[DedupParams]):
    name, title, group = "drop_duplicates", "Drop duplicate rows", GROUP
    params_model = DedupParams
    column_params = ("columns",)

    def apply(
        self, frame: pl.LazyFrame, params: DedupParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        return frame.unique(params.columns or None, keep=params.keep, maintain_order=True)

    def polars_code(self, params: DedupParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [
            f"df = df.unique({lit(params.columns or None)}, keep={lit(params.keep)}, "
            "maintain_order=True)"
        ]

    def pandas_code(self, params: DedupParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        keep = lit(False if params.keep == "none" else params.keep)
        return [
            f"df = df.drop_duplicates(subset={lit(params.columns or None)}, keep={keep})"
            ".reset_index(drop=True)"
        ]

    def pyspark_code(self, params: DedupParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        keys = lit(params.columns) if params.columns else "[c for c in df.columns if c != ROW]"
        same = f"Window.partitionBy(*[column(c) for c in {keys}])"
        if params.keep == "none":
            rank = f"F.count(F.lit(1)).over({same})"
        else:
            order = "ROW" if params.keep == "first" else "F.col(ROW).desc()"
            rank = f"F.row_number().over({same}.orderBy({order}))"
        return [f"df = df.withColumn('_n', {rank}).where('_n = 1').drop('_n')"]

    def imports(self, language: str) -> set[str]:
        return {"from pyspark.sql import Window"} if language == "pyspark" else set()


def sample_indices(total: int, n: int, seed: int) -> np.ndarray:
    """Row positions of a reproducible random sample, in their original order."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(total, size=min(n, total), replace=False))


class SampleParams(Params):
    n: int = Field(ge=1, description="Rows to keep.")
    seed: int = 0


class SampleRows(Operator[SampleParams]):
    name, title, group = "sample_rows", "Sample rows", GROUP
    description = "Keep a reproducible random sample of n rows (original order)."
    params_model = SampleParams

    def apply(
        self, frame: pl.LazyFrame, params: SampleParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        data = frame.collect()
        return data[sample_indices(data.height, params.n, params.seed)].lazy()

    def polars_code(self, params: SampleParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [
            "_data = df.collect()",
            f"_rng = np.random.default_rng({params.seed})",
            f"df = _data[np.sort(_rng.choice(_data.height, min({params.n}, _data.height), "
            "replace=False))].lazy()",
        ]

    def pandas_code(self, params: SampleParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [
            f"_rng = np.random.default_rng({params.seed})",
            f"df = df.iloc[np.sort(_rng.choice(len(df), min({params.n}, len(df)), "
            "replace=False))].reset_index(drop=True)",
        ]

    def pyspark_code(self, params: SampleParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [
            *inspect.getsource(sample_indices).splitlines(),
            f"df = pick_rows(df, sample_indices(df.count(), {params.n}, {params.seed}))",
        ]


class BalanceParams(Params):
    target: str = Field(description="Class column to balance.")
    method: Literal["oversample", "undersample", "smote"] = Field(
        "oversample",
        description="oversample: repeat minority rows at random; undersample: drop majority "
        "rows at random; smote: add synthetic minority rows between near neighbours "
        "(two classes, numeric features).",
    )
    k_neighbors: int = Field(
        5, ge=1, le=100, description="smote: nearest minority neighbours to interpolate towards."
    )
    features: list[str] = Field(
        default_factory=list,
        description="smote: numeric columns to interpolate (default: every numeric column but "
        "the target); new rows copy their other values from the minority row they start from.",
    )
    seed: int = 0


def balance_indices(labels: list[object], method: str, seed: int) -> np.ndarray:
    """Row positions after random over/under-sampling to equal class counts."""
    rng = np.random.default_rng(seed)
    values = np.asarray([str(v) for v in labels])
    classes, counts = np.unique(values, return_counts=True)
    goal = counts.max() if method == "oversample" else counts.min()
    picks = []
    for cls in classes:
        rows = np.flatnonzero(values == cls)
        if method == "oversample":
            extra = rng.choice(rows, goal - len(rows), replace=True)
            picks.append(np.concatenate([rows, extra]))
        else:
            picks.append(rng.choice(rows, goal, replace=False))
    return np.sort(np.concatenate(picks))


def smote_rows(
    labels: list[object], features: np.ndarray, minority: str, majority: str, k: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """SMOTE: the row each synthetic minority row starts from, and its features.

    A new row lies at a random point on the segment from a random minority row to
    one of its k nearest minority neighbours (Euclidean, exact, computed in blocks);
    as many are made as the majority class has rows more than the minority.
    """
    values = np.asarray([str(v) for v in labels])
    rows = np.flatnonzero(values == minority)
    needed = int((values == majority).sum()) - len(rows)
    if needed <= 0 or len(rows) < 2:
        return rows[:0], features[:0]
    points = features[rows]
    if np.isnan(points).any():
        raise ValueError("SMOTE: minority rows have missing feature values")
    k = min(k, len(rows) - 1)
    neighbours = np.empty((len(rows), k), dtype=np.int64)
    block = max(1, (1 << 22) // (len(rows) * points.shape[1]))
    for start in range(0, len(rows), block):
        chunk = points[start : start + block]
        dist = ((chunk[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)
        dist[np.arange(len(chunk)), np.arange(start, start + len(chunk))] = np.inf
        nearest = np.argpartition(dist, k - 1, axis=1)[:, :k]
        neighbours[start : start + len(chunk)] = np.sort(nearest, axis=1)
    rng = np.random.default_rng(seed)
    base = rng.integers(0, len(rows), needed)
    other = neighbours[base, rng.integers(0, k, needed)]
    gap = rng.random((needed, 1))
    return rows[base], points[base] + gap * (points[other] - points[base])


class BalanceData(Operator[BalanceParams]):
    name, title, group = "balance_data", "Balance classes", GROUP
    description = (
        "Random over- or under-sampling so every target class has as many rows, or SMOTE "
        "(synthetic minority rows) for two classes."
    )
    params_model = BalanceParams
    fits = True  # SMOTE learns the two classes and its features; random sampling learns nothing
    column_params = ("target", "features")

    def needs_fit(self, params: BalanceParams) -> bool:
        return params.method == "smote"

    def fit(self, frame: pl.LazyFrame, params: BalanceParams, ctx: Context) -> Fitted | None:
        if params.method != "smote":
            return None
        target = params.target
        schema = frame.collect_schema()
        features = params.features or [
            n for n, t in schema.items() if n != target and t.is_numeric()
        ]
        if not features:
            raise StepError(
                "params.features: SMOTE needs numeric feature columns; there are none",
                field="params.features",
            )
        numeric_columns(frame, features, "params.features")
        if target in features:
            raise StepError(
                "params.features: the target cannot be a feature", field="params.features"
            )
        counts = frame.group_by(target).len().collect()
        if counts[target].null_count():
            raise StepError(
                f"params.target: some rows have no value in '{target}'; handle missing "
                "values first",
                field="params.target",
            )
        if counts.height != 2:
            raise StepError(
                f"params.method: SMOTE needs exactly two classes in '{target}', found "
                f"{counts.height}",
                field="params.method",
            )
        by_label = {str(v): int(n) for v, n in counts.iter_rows()}
        minority, majority = sorted(by_label, key=lambda label: (by_label[label], label))
        if by_label[minority] < 2:
            raise StepError(
                f"params.target: SMOTE needs at least 2 rows of the minority class "
                f"'{minority}', found {by_label[minority]}",
                field="params.target",
            )
        return {
            "minority": minority,
            "majority": majority,
            "class_counts": dict(sorted(by_label.items())),
            "features": features,
        }

    def apply(
        self, frame: pl.LazyFrame, params: BalanceParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        data = frame.collect()
        labels = data[params.target].to_list()
        if params.method != "smote":
            return data[balance_indices(labels, params.method, params.seed)].lazy()
        f = self.need_fitted(fitted)
        features = f["features"]
        numeric_columns(frame, features, "params.features")
        data = data.with_columns(pl.col(features).cast(pl.Float64))
        try:
            base, new = smote_rows(
                labels,
                data.select(features).to_numpy(),
                f["minority"],
                f["majority"],
                params.k_neighbors,
                params.seed,
            )
        except ValueError as err:
            raise StepError(
                f"params.features: {err}; handle missing values first", field="params.features"
            ) from err
        extra = data[base].with_columns(
            pl.Series(c, new[:, i], pl.Float64) for i, c in enumerate(features)
        )
        return pl.concat([data, extra]).lazy()

    def _smote_args(self, params: BalanceParams, fitted: Fitted | None) -> tuple[str, str]:
        f = self.need_fitted(fitted)
        rest = f"{lit(f['minority'])}, {lit(f['majority'])}, {params.k_neighbors}, {params.seed}"
        return lit(f["features"]), rest

    def polars_code(self, params: BalanceParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        if params.method == "smote":
            features, rest = self._smote_args(params, fitted)
            return [
                *inspect.getsource(smote_rows).splitlines(),
                f"_data = df.collect().with_columns(pl.col({features}).cast(pl.Float64))",
                f"_base, _new = smote_rows(_data[{lit(params.target)}].to_list(), "
                f"_data.select({features}).to_numpy(), {rest})",
                "_extra = _data[_base].with_columns(",
                f"    pl.Series(c, _new[:, i], pl.Float64) for i, c in enumerate({features})",
                ")",
                "df = pl.concat([_data, _extra]).lazy()",
            ]
        return [
            *inspect.getsource(balance_indices).splitlines(),
            "_data = df.collect()",
            f"df = _data[balance_indices(_data[{lit(params.target)}].to_list(), "
            f"{lit(params.method)}, {params.seed})].lazy()",
        ]

    def pandas_code(self, params: BalanceParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        labels = f"_labels = [None if pd.isna(v) else v for v in df[{lit(params.target)}]]"
        if params.method == "smote":
            features, rest = self._smote_args(params, fitted)
            return [
                *inspect.getsource(smote_rows).splitlines(),
                labels,
                f"df[{features}] = df[{features}].astype('float64')",
                f"_base, _new = smote_rows(_labels, df[{features}].to_numpy(), {rest})",
                "_extra = df.iloc[_base].reset_index(drop=True)",
                f"_extra[{features}] = _new",
                "df = pd.concat([df, _extra], ignore_index=True)",
            ]
        return [
            *inspect.getsource(balance_indices).splitlines(),
            labels,
            f"df = df.iloc[balance_indices(_labels, {lit(params.method)}, {params.seed})]"
            ".reset_index(drop=True)",
        ]

    def pyspark_code(self, params: BalanceParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        target = lit(params.target)
        if params.method == "smote":
            features, rest = self._smote_args(params, fitted)
            return [
                *inspect.getsource(smote_rows).splitlines(),
                f"df = df.withColumns({{c: column(c).cast('double') for c in {features}}})",
                f"_values = column_values(df, {target}, *{features})",
                f"_features = np.array([v[1:] for v in _values], dtype='float64').reshape(-1, {len(self.need_fitted(fitted)['features'])})",
                f"_base, _new = smote_rows([v[0] for v in _values], _features, {rest})",
                f"df = concat_rows(df, pick_rows(df, _base, pd.DataFrame(_new, columns={features})))",
            ]
        return [
            *inspect.getsource(balance_indices).splitlines(),
            f"_labels = column_values(df, {target})",
            f"df = pick_rows(df, balance_indices(_labels, {lit(params.method)}, {params.seed}))",
        ]


OPERATORS = (FilterRows(), SortRows(), DropDuplicates(), SampleRows(), BalanceData())
