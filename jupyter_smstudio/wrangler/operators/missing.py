"""Handle missing values and outliers (both learn their values from data)."""

from __future__ import annotations

from typing import Any, Literal

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


class MissingParams(Params):
    columns: list[str] = Field(min_length=1)
    strategy: Literal["drop", "fill", "mean", "median", "mode"] = Field(
        "fill", description="drop rows; fill with a value; impute mean/median/mode."
    )
    value: str | float | int | bool | None = Field(None, description="Value for 'fill'.")
    add_indicator: bool = Field(False, description="Add <column>_missing (true/false) first.")


class HandleMissing(Operator[MissingParams]):
    name, title, group = "handle_missing", "Handle missing values", "Handle missing"
    params_model = MissingParams
    fits = True
    column_params = ("columns",)

    def fit(self, frame: pl.LazyFrame, params: MissingParams, ctx: Context) -> Fitted | None:
        if params.strategy in ("drop", "fill"):
            if params.strategy == "fill" and params.value is None:
                raise StepError("params.value: give the value to fill with", field="params.value")
            return {}
        if params.strategy in ("mean", "median"):
            numeric_columns(frame, params.columns, "params.columns")
            agg = [getattr(pl.col(c), params.strategy)().alias(c) for c in params.columns]
        else:
            agg = [pl.col(c).drop_nulls().mode().sort().first().alias(c) for c in params.columns]
        row = frame.select(agg).collect().row(0, named=True)
        values: dict[str, Any] = {}
        for column, value in row.items():
            if value is not None and not isinstance(value, (int, float, str, bool)):
                raise StepError(
                    f"params.strategy: mode of '{column}' ({type(value).__name__}) cannot be "
                    "stored; use fill",
                    field="params.strategy",
                )
            values[column] = value
        return {"values": values}

    def _fills(self, params: MissingParams, fitted: Fitted | None) -> dict[str, Any]:
        if params.strategy == "fill":
            return dict.fromkeys(params.columns, params.value)
        return dict(self.need_fitted(fitted)["values"])

    def apply(
        self, frame: pl.LazyFrame, params: MissingParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        if params.add_indicator:
            frame = frame.with_columns(
                pl.col(c).is_null().alias(f"{c}_missing") for c in params.columns
            )
        if params.strategy == "drop":
            return frame.drop_nulls(params.columns)
        fills = self._fills(params, fitted)
        return frame.with_columns(
            pl.col(c).fill_null(pl.lit(v)) for c, v in fills.items() if v is not None
        )

    def polars_code(self, params: MissingParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        lines = []
        if params.add_indicator:
            exprs = ", ".join(
                f"pl.col({lit(c)}).is_null().alias({lit(c + '_missing')})" for c in params.columns
            )
            lines.append(f"df = df.with_columns({exprs})")
        if params.strategy == "drop":
            return [*lines, f"df = df.drop_nulls({lit(params.columns)})"]
        fills = {c: v for c, v in self._fills(params, fitted).items() if v is not None}
        exprs = ", ".join(f"pl.col({lit(c)}).fill_null({lit(v)})" for c, v in fills.items())
        return [*lines, f"df = df.with_columns({exprs})"] if fills else lines

    def pandas_code(self, params: MissingParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        lines = (
            [f"df[{lit(c + '_missing')}] = df[{lit(c)}].isna()" for c in params.columns]
            if params.add_indicator
            else []
        )
        if params.strategy == "drop":
            return [*lines, f"df = df.dropna(subset={lit(params.columns)}).reset_index(drop=True)"]
        fills = {c: v for c, v in self._fills(params, fitted).items() if v is not None}
        return [*lines, f"df = df.fillna({lit(fills)})"] if fills else lines

    def pyspark_code(self, params: MissingParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        lines = []
        if params.add_indicator:
            flags = ", ".join(
                f"{lit(c + '_missing')}: {spark_col(c)}.isNull()" for c in params.columns
            )
            lines.append(f"df = df.withColumns({{{flags}}})")
        if params.strategy == "drop":  # not dropna(): that drops NaN too, the engine keeps it
            present = " & ".join(f"{spark_col(c)}.isNotNull()" for c in params.columns)
            return [*lines, f"df = df.where({present})"]
        fills = {c: v for c, v in self._fills(params, fitted).items() if v is not None}
        body = ", ".join(
            f"{lit(c)}: F.coalesce({spark_col(c)}, F.lit({lit(v)}))" for c, v in fills.items()
        )
        return [*lines, f"df = df.withColumns({{{body}}})"] if fills else lines


class OutlierParams(Params):
    columns: list[str] = Field(min_length=1)
    method: Literal["std", "robust", "quantile", "minmax"] = Field(
        "robust",
        description="std: mean ± k·std; robust: median ± k·1.4826·MAD; quantile: "
        "[lower_quantile, upper_quantile]; minmax: [min, max] as given.",
    )
    factor: float = Field(3.0, gt=0, description="k for std and robust.")
    lower_quantile: float = Field(0.01, ge=0, le=1)
    upper_quantile: float = Field(0.99, ge=0, le=1)
    min: float | None = None
    max: float | None = None
    action: Literal["clip", "remove"] = "clip"


class HandleOutliers(Operator[OutlierParams]):
    name, title, group = "handle_outliers", "Handle outliers", "Handle outliers"
    params_model = OutlierParams
    fits = True
    column_params = ("columns",)

    def fit(self, frame: pl.LazyFrame, params: OutlierParams, ctx: Context) -> Fitted | None:
        numeric_columns(frame, params.columns, "params.columns")
        if params.method == "minmax":
            if params.min is None and params.max is None:
                raise StepError("params.min: give min and/or max", field="params.min")
            return {"bounds": {c: [params.min, params.max] for c in params.columns}}
        exprs: list[pl.Expr] = []
        for c in params.columns:
            col = pl.col(c).cast(pl.Float64)
            if params.method == "std":
                lo, hi = (
                    col.mean() - params.factor * col.std(),
                    col.mean() + params.factor * col.std(),
                )
            elif params.method == "robust":
                mad = (col - col.median()).abs().median() * 1.4826
                lo, hi = col.median() - params.factor * mad, col.median() + params.factor * mad
            else:
                lo = col.quantile(params.lower_quantile, "linear")
                hi = col.quantile(params.upper_quantile, "linear")
            exprs += [lo.alias(f"{c}\0lo"), hi.alias(f"{c}\0hi")]
        row = frame.select(exprs).collect().row(0)
        return {"bounds": {c: [row[2 * i], row[2 * i + 1]] for i, c in enumerate(params.columns)}}

    def apply(
        self, frame: pl.LazyFrame, params: OutlierParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        bounds: dict[str, list[float | None]] = self.need_fitted(fitted)["bounds"]
        if params.action == "clip":
            return frame.with_columns(pl.col(c).clip(lo, hi) for c, (lo, hi) in bounds.items())
        keep = pl.lit(True)
        for c, (lo, hi) in bounds.items():
            inside = pl.col(c).is_null()
            inside = inside | pl.col(c).is_between(
                lo if lo is not None else float("-inf"), hi if hi is not None else float("inf")
            )
            keep = keep & inside
        return frame.filter(keep)

    def polars_code(self, params: OutlierParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        bounds = self.need_fitted(fitted)["bounds"]
        if params.action == "clip":
            exprs = ", ".join(
                f"pl.col({lit(c)}).clip({lo!r}, {hi!r})" for c, (lo, hi) in bounds.items()
            )
            return [f"df = df.with_columns({exprs})"]
        conds = " & ".join(
            f"(pl.col({lit(c)}).is_null() | pl.col({lit(c)}).is_between({_inf(lo, '-')}, {_inf(hi, '')}))"
            for c, (lo, hi) in bounds.items()
        )
        return [f"df = df.filter({conds})"]

    def pandas_code(self, params: OutlierParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        bounds = self.need_fitted(fitted)["bounds"]
        if params.action == "clip":
            return [
                f"df[{lit(c)}] = df[{lit(c)}].clip({lo!r}, {hi!r})"
                for c, (lo, hi) in bounds.items()
            ]
        conds = " & ".join(
            f"(df[{lit(c)}].isna() | df[{lit(c)}].between({_inf(lo, '-')}, {_inf(hi, '')}))"
            for c, (lo, hi) in bounds.items()
        )
        return [f"df = df[{conds}].reset_index(drop=True)"]

    def pyspark_code(self, params: OutlierParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        bounds = self.need_fitted(fitted)["bounds"]
        if params.action == "clip":
            exprs = []
            for c, (lo, hi) in bounds.items():
                x = spark_col(c)
                expr = "F"
                if lo is not None:
                    expr += f".when({x} < {lo!r}, {lo!r})"
                if hi is not None:
                    expr += f".when({x} > {hi!r}, {hi!r})"
                expr = f"{expr}.otherwise({x})" if expr != "F" else x
                # Like the engine, the column keeps its type (bounds truncated for integers).
                exprs.append(f"    {lit(c)}: {expr}.cast(df.schema[{lit(c)}].dataType),")
            return ["df = df.withColumns({", *exprs, "})"]
        conds = " & ".join(
            f"({spark_col(c)}.isNull() | {spark_col(c)}.between({_inf(lo, '-')}, {_inf(hi, '')}))"
            for c, (lo, hi) in bounds.items()
        )
        return [f"df = df.where({conds})"]


def _inf(value: float | None, sign: str) -> str:
    return f"float('{sign}inf')" if value is None else repr(value)


OPERATORS = (HandleMissing(), HandleOutliers())
