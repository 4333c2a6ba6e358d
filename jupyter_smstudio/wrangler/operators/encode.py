"""Encode categorical columns and scale numeric ones (fitted, with unseen-value warnings)."""

from __future__ import annotations

from typing import Literal

import polars as pl
from pydantic import Field

from .base import Context, Fitted, Operator, Params, lit, numeric_columns, spark_col


def _categories(frame: pl.LazyFrame, column: str, limit: int) -> list[str]:
    """The most frequent values as text (ties by value), so the fit is reproducible."""
    counts = (
        frame.select(pl.col(column).cast(pl.String).drop_nulls().alias("v"))
        .group_by("v")
        .len()
        .sort(["len", "v"], descending=[True, False])
        .head(limit)
        .collect()
    )
    return sorted(counts["v"].to_list())


def _unseen(frame: pl.DataFrame, column: str, seen: list[str]) -> int:
    values = frame[column].cast(pl.String)
    return int((values.is_not_null() & ~values.is_in(seen)).sum())


class OneHotParams(Params):
    column: str
    max_categories: int = Field(50, ge=1, le=1000, description="The most frequent kept.")
    drop_original: bool = True


class OneHotEncode(Operator[OneHotParams]):
    name, title, group = "one_hot_encode", "One-hot encode", "Encode categorical"
    description = "One 0/1 column per category; unseen categories get all zeros (and a warning)."
    params_model = OneHotParams
    fits = True
    column_params = ("column",)

    def fit(self, frame: pl.LazyFrame, params: OneHotParams, ctx: Context) -> Fitted | None:
        return {"categories": _categories(frame, params.column, params.max_categories)}

    def apply(
        self, frame: pl.LazyFrame, params: OneHotParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        cats = self.need_fitted(fitted)["categories"]
        text = pl.col(params.column).cast(pl.String)
        frame = frame.with_columns(
            (text == cat).fill_null(False).cast(pl.Int8).alias(f"{params.column}_{cat}")
            for cat in cats
        )
        return frame.drop(params.column) if params.drop_original else frame

    def check(self, frame: pl.DataFrame, params: OneHotParams, fitted: Fitted | None) -> list[str]:
        n = _unseen(frame, params.column, self.need_fitted(fitted)["categories"])
        return (
            [f"{n} value(s) of '{params.column}' are categories the fit did not see"] if n else []
        )

    def polars_code(self, params: OneHotParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        c = params.column
        lines = [
            "df = df.with_columns(",
            f"    (pl.col({lit(c)}).cast(pl.String) == cat).fill_null(False).cast(pl.Int8).alias(f{lit(c + '_{cat}')})",
            f"    for cat in {lit(self.need_fitted(fitted)['categories'])}",
            ")",
        ]
        return [*lines, f"df = df.drop({lit(c)})"] if params.drop_original else lines

    def pandas_code(self, params: OneHotParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        c = params.column
        lines = [
            f"for cat in {lit(self.need_fitted(fitted)['categories'])}:",
            f"    df[f{lit(c + '_{cat}')}] = (df[{lit(c)}].astype('string') == cat).fillna(False).astype('int8')",
        ]
        return [*lines, f"df = df.drop(columns=[{lit(c)}])"] if params.drop_original else lines

    def pyspark_code(self, params: OneHotParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        c = params.column
        text = f"{spark_col(c)}.cast('string')"
        lines = [
            "df = df.withColumns({",
            f"    f{lit(c + '_{cat}')}: F.coalesce({text} == cat, F.lit(False)).cast('tinyint')",
            f"    for cat in {lit(self.need_fitted(fitted)['categories'])}",
            "})",
        ]
        return [*lines, f"df = df.drop({lit(c)})"] if params.drop_original else lines


class OrdinalParams(Params):
    column: str
    unseen_value: int = Field(-1, description="Code for categories the fit did not see.")


class OrdinalEncode(Operator[OrdinalParams]):
    name, title, group = "ordinal_encode", "Ordinal encode", "Encode categorical"
    description = "Replace categories by integer codes (sorted order); nulls stay null."
    params_model = OrdinalParams
    fits = True
    column_params = ("column",)

    def fit(self, frame: pl.LazyFrame, params: OrdinalParams, ctx: Context) -> Fitted | None:
        cats = _categories(frame, params.column, 100_000)
        return {"mapping": {cat: i for i, cat in enumerate(cats)}}

    def apply(
        self, frame: pl.LazyFrame, params: OrdinalParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        mapping = self.need_fitted(fitted)["mapping"]
        col = pl.col(params.column)
        return frame.with_columns(
            pl.when(col.is_null())
            .then(pl.lit(None, pl.Int64))
            .otherwise(
                col.cast(pl.String).replace_strict(
                    mapping, default=params.unseen_value, return_dtype=pl.Int64
                )
            )
            .alias(params.column)
        )

    def check(self, frame: pl.DataFrame, params: OrdinalParams, fitted: Fitted | None) -> list[str]:
        n = _unseen(frame, params.column, list(self.need_fitted(fitted)["mapping"]))
        return (
            [f"{n} value(s) of '{params.column}' are categories the fit did not see"] if n else []
        )

    def polars_code(self, params: OrdinalParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        c = lit(params.column)
        mapping = lit(self.need_fitted(fitted)["mapping"])
        return [
            "df = df.with_columns(",
            f"    pl.when(pl.col({c}).is_null()).then(pl.lit(None, pl.Int64))",
            f"    .otherwise(pl.col({c}).cast(pl.String).replace_strict({mapping}, "
            f"default={params.unseen_value}, return_dtype=pl.Int64))",
            f"    .alias({c})",
            ")",
        ]

    def pandas_code(self, params: OrdinalParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        c = lit(params.column)
        mapping = lit(self.need_fitted(fitted)["mapping"])
        return [
            f"_mapping = {mapping}",
            f"df[{c}] = df[{c}].astype('string').map("
            f"lambda v: pd.NA if pd.isna(v) else _mapping.get(v, {params.unseen_value})"
            ").astype('Int64')",
        ]

    def pyspark_code(self, params: OrdinalParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        x = spark_col(params.column)
        mapping = self.need_fitted(fitted)["mapping"]
        code = f"_codes[{x}.cast('string')]" if mapping else "F.lit(None)"
        return [
            f"_codes = F.create_map(*[F.lit(v) for pair in {lit(mapping)}.items() for v in pair])",
            "df = df.withColumn(",
            f"    {lit(params.column)},",
            f"    F.when({x}.isNull(), F.lit(None))",
            f"    .otherwise(F.coalesce({code}, F.lit({params.unseen_value})))",
            "    .cast('bigint'),",
            ")",
        ]


class ScaleParams(Params):
    columns: list[str] = Field(min_length=1)
    method: Literal["standard", "minmax", "robust", "maxabs"] = Field(
        "standard",
        description="standard: (x-mean)/std; minmax: to [0, 1]; robust: (x-median)/IQR; "
        "maxabs: x/max|x|.",
    )


class ScaleValues(Operator[ScaleParams]):
    name, title, group = "scale_values", "Scale values", "Scale"
    params_model = ScaleParams
    fits = True
    column_params = ("columns",)

    def fit(self, frame: pl.LazyFrame, params: ScaleParams, ctx: Context) -> Fitted | None:
        numeric_columns(frame, params.columns, "params.columns")
        exprs: list[pl.Expr] = []
        for c in params.columns:
            x = pl.col(c).cast(pl.Float64)
            if params.method == "standard":
                center, scale = x.mean(), x.std(ddof=0)
            elif params.method == "minmax":
                center, scale = x.min(), x.max() - x.min()
            elif params.method == "robust":
                center = x.median()
                scale = x.quantile(0.75, "linear") - x.quantile(0.25, "linear")
            else:
                center, scale = pl.lit(0.0), x.abs().max()
            exprs += [center, scale, x.min(), x.max()]
        row = frame.select(e.alias(str(i)) for i, e in enumerate(exprs)).collect().row(0)
        out = {}
        for i, c in enumerate(params.columns):
            center, scale, lo, hi = row[4 * i : 4 * i + 4]
            out[c] = {
                "center": center or 0.0,
                "scale": scale if scale else 1.0,
                "min": lo,
                "max": hi,
            }
        return {"columns": out}

    def apply(
        self, frame: pl.LazyFrame, params: ScaleParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        cols = self.need_fitted(fitted)["columns"]
        return frame.with_columns((pl.col(c) - f["center"]) / f["scale"] for c, f in cols.items())

    def check(self, frame: pl.DataFrame, params: ScaleParams, fitted: Fitted | None) -> list[str]:
        warnings = []
        for c, f in self.need_fitted(fitted)["columns"].items():
            if f["min"] is None:
                continue
            n = int(((frame[c] < f["min"]) | (frame[c] > f["max"])).sum())
            if n:
                warnings.append(
                    f"{n} value(s) of '{c}' are outside the fitted range [{f['min']}, {f['max']}]"
                )
        return warnings

    def polars_code(self, params: ScaleParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        cols = self.need_fitted(fitted)["columns"]
        exprs = ", ".join(
            f"(pl.col({lit(c)}) - {f['center']!r}) / {f['scale']!r}" for c, f in cols.items()
        )
        return [f"df = df.with_columns({exprs})"]

    def pandas_code(self, params: ScaleParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        cols = self.need_fitted(fitted)["columns"]
        return [
            f"df[{lit(c)}] = (df[{lit(c)}] - {f['center']!r}) / {f['scale']!r}"
            for c, f in cols.items()
        ]

    def pyspark_code(self, params: ScaleParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        cols = self.need_fitted(fitted)["columns"]
        body = ", ".join(
            f"{lit(c)}: ({spark_col(c)} - {f['center']!r}) / {f['scale']!r}"
            for c, f in cols.items()
        )
        return [f"df = df.withColumns({{{body}}})"]


OPERATORS = (OneHotEncode(), OrdinalEncode(), ScaleValues())
