"""Manage rows: filter by a SQL expression, sort, drop duplicates, sample, balance."""

from __future__ import annotations

from typing import Literal

import numpy as np
import polars as pl
from pydantic import Field

from .base import Context, Fitted, Operator, Params, StepError, cols_of, lit

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


class SortParams(Params):
    by: list[str] = Field(min_length=1)
    descending: bool = False


class SortRows(Operator[SortParams]):
    name, title, group = "sort_rows", "Sort rows", GROUP
    params_model = SortParams

    def columns(self, params: SortParams) -> list[tuple[str, str]]:
        return cols_of("params.by", params.by)

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


class DedupParams(Params):
    columns: list[str] = Field(default_factory=list, description="Compare these (default: all).")
    keep: Literal["first", "last", "none"] = "first"


class DropDuplicates(Operator[DedupParams]):
    name, title, group = "drop_duplicates", "Drop duplicate rows", GROUP
    params_model = DedupParams

    def columns(self, params: DedupParams) -> list[tuple[str, str]]:
        return cols_of("params.columns", params.columns)

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


class BalanceParams(Params):
    target: str = Field(description="Class column to balance.")
    method: Literal["oversample", "undersample"] = Field(
        "oversample", description="Repeat minority rows, or drop majority rows, at random."
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


class BalanceData(Operator[BalanceParams]):
    name, title, group = "balance_data", "Balance classes", GROUP
    description = "Random over- or under-sampling so every target class has as many rows."
    params_model = BalanceParams

    def columns(self, params: BalanceParams) -> list[tuple[str, str]]:
        return [("params.target", params.target)]

    def apply(
        self, frame: pl.LazyFrame, params: BalanceParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        data = frame.collect()
        labels = data[params.target].to_list()
        return data[balance_indices(labels, params.method, params.seed)].lazy()

    def _helper(self) -> list[str]:
        import inspect

        return inspect.getsource(balance_indices).splitlines()

    def polars_code(self, params: BalanceParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [
            *self._helper(),
            "_data = df.collect()",
            f"df = _data[balance_indices(_data[{lit(params.target)}].to_list(), "
            f"{lit(params.method)}, {params.seed})].lazy()",
        ]

    def pandas_code(self, params: BalanceParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [
            *self._helper(),
            f"_labels = [None if pd.isna(v) else v for v in df[{lit(params.target)}]]",
            f"df = df.iloc[balance_indices(_labels, {lit(params.method)}, {params.seed})]"
            ".reset_index(drop=True)",
        ]


OPERATORS = (FilterRows(), SortRows(), DropDuplicates(), SampleRows(), BalanceData())
