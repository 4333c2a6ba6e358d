"""Join and concatenate with another source; group-by aggregate."""

from __future__ import annotations

from typing import Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from ..models import Source
from .base import Context, Fitted, Operator, Params, StepError, lit, spark_col


class JoinParams(Params):
    other: Source = Field(description="The right-hand table.")
    how: Literal["inner", "left", "right", "full", "semi", "anti"] = "inner"
    left_on: list[str] = Field(min_length=1)
    right_on: list[str] = Field(default_factory=list, description="Default: same as left_on.")
    suffix: str = Field("_right", description="Added to right column names that clash.")


class Join(Operator[JoinParams]):
    name, title, group = "join", "Join", "Join and concatenate"
    description = (
        "inner/left/right/full(outer)/semi/anti join with another source; left row order kept."
    )
    params_model = JoinParams
    column_params = ("left_on",)

    def apply(
        self, frame: pl.LazyFrame, params: JoinParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        other = ctx.load_other(params.other, "params.other")
        right_on = params.right_on or params.left_on
        if len(right_on) != len(params.left_on):
            raise StepError(
                "params.right_on: give as many columns as left_on", field="params.right_on"
            )
        missing = [c for c in right_on if c not in other.collect_schema().names()]
        if missing:
            raise StepError(
                f"params.right_on: the other table has no column '{missing[0]}'",
                field="params.right_on",
            )
        order: Literal["left", "left_right"] = (
            "left" if params.how in ("inner", "left", "semi", "anti") else "left_right"
        )
        return frame.join(
            other, left_on=params.left_on, right_on=right_on, how=params.how,
            suffix=params.suffix, coalesce=True, maintain_order=order,
        )  # fmt: skip

    def polars_code(self, params: JoinParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        right_on = params.right_on or params.left_on
        order = "left" if params.how in ("inner", "left", "semi", "anti") else "left_right"
        return [
            f"other = {ctx.other_code(params.other, 'polars')}",
            f"df = df.join(other, left_on={lit(params.left_on)}, right_on={lit(right_on)}, "
            f"how={lit(params.how)}, suffix={lit(params.suffix)}, coalesce=True, "
            f"maintain_order={lit(order)})",
        ]

    def pandas_code(self, params: JoinParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        right_on = params.right_on or params.left_on
        keys = f"left_on={lit(params.left_on)}, right_on={lit(right_on)}"
        lines = [f"other = {ctx.other_code(params.other, 'pandas')}"]
        if params.how in ("semi", "anti"):
            lines += [
                f"_keys = other[{lit(right_on)}].drop_duplicates()",
                f"_hit = df.merge(_keys, {keys}, how='left', indicator=True)['_merge'] == 'both'",
                f"df = df[{'' if params.how == 'semi' else '~'}_hit.to_numpy()].reset_index(drop=True)",
            ]
            return lines
        how = "outer" if params.how == "full" else params.how
        drop = [r for l_, r in zip(params.left_on, right_on, strict=True) if l_ != r]
        lines.append(
            f"df = df.merge(other, {keys}, how={lit(how)}, suffixes=('', {lit(params.suffix)}))"
            + (f".drop(columns={lit(drop)})" if drop else "")
        )
        return lines

    def pyspark_code(self, params: JoinParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        right_on = params.right_on or params.left_on
        on = lit(params.left_on)
        lines = [
            "spark = df.sparkSession",
            f"other = {ctx.other_code(params.other, 'pyspark')}.withColumnRenamed(ROW, '_row_other')",
            "_left = [c for c in df.columns if c != ROW]",
            "_right = [c for c in other.columns if c != '_row_other']",
            f"_keys = {lit(dict(zip(right_on, params.left_on, strict=False)))}  # right name -> left name",
            f"_rest = {{c: c + {lit(params.suffix)} if c in _left else c for c in _right if c not in _keys}}",
            "other = other.withColumnsRenamed({**_keys, **_rest})",
        ]
        if params.how in ("semi", "anti"):
            return [
                *lines,
                f"df = df.join(other, on={on}, how={lit('left_' + params.how)})",
                "df = df.select(*[column(c) for c in _left], ROW)",
            ]
        if params.how == "right":  # the right table's key names, in its column order
            columns = (
                f"*[column(c) for c in _left if c not in {on}], "
                "*[column(_keys[c]).alias(c) if c in _keys else column(_rest[c]) for c in _right]"
            )
        else:
            columns = "*[column(c) for c in _left], *[column(c) for c in _rest.values()]"
        return [
            *lines,
            f"df = df.join(other, on={on}, how={lit(params.how)})",
            "# Left rows in order, each with its matches in the right table's order.",
            "df = reorder(df, F.col(ROW).asc_nulls_last(), '_row_other')",
            f"df = df.select({columns}, ROW)",
        ]


class ConcatParams(Params):
    other: Source
    how: Literal["vertical", "diagonal"] = Field(
        "diagonal", description="vertical: same columns; diagonal: union of columns (nulls fill)."
    )


class Concat(Operator[ConcatParams]):
    name, title, group = "concat", "Concatenate", "Join and concatenate"
    description = "Append the rows of another source."
    params_model = ConcatParams

    def apply(
        self, frame: pl.LazyFrame, params: ConcatParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        other = ctx.load_other(params.other, "params.other")
        how: Literal["vertical_relaxed", "diagonal_relaxed"] = (
            "vertical_relaxed" if params.how == "vertical" else "diagonal_relaxed"
        )
        return pl.concat([frame, other], how=how)

    def polars_code(self, params: ConcatParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [
            f"other = {ctx.other_code(params.other, 'polars')}",
            f"df = pl.concat([df, other], how={lit(params.how + '_relaxed')})",
        ]

    def pandas_code(self, params: ConcatParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [
            f"other = {ctx.other_code(params.other, 'pandas')}",
            "df = pd.concat([df, other], ignore_index=True)",
        ]

    def pyspark_code(self, params: ConcatParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [
            "spark = df.sparkSession",
            f"other = {ctx.other_code(params.other, 'pyspark')}",
            f"df = concat_rows(df, other, missing_columns={params.how == 'diagonal'})",
        ]


AggFunction = Literal["sum", "mean", "min", "max", "count", "n_unique", "median", "std"]
_PANDAS_AGG = {"n_unique": "nunique"}
_SPARK_AGG = {
    "sum": "F.coalesce(F.sum({}), F.lit(0))",  # the engine's sum of nothing is 0
    "mean": "F.mean({})",
    "min": "F.min({})",
    "max": "F.max({})",
    "count": "F.count({})",
    "n_unique": "F.countDistinct({})",
    "median": "F.median({})",
    "std": "F.stddev_samp({})",
}


class Aggregation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    column: str
    function: AggFunction
    alias: str | None = Field(None, description="Output name (default <column>_<function>).")

    @property
    def output(self) -> str:
        return self.alias or f"{self.column}_{self.function}"


class GroupByParams(Params):
    by: list[str] = Field(min_length=1)
    aggregations: list[Aggregation] = Field(min_length=1)


class GroupBy(Operator[GroupByParams]):
    name, title, group = "group_by", "Group by and aggregate", "Group by"
    description = "One row per group (first-seen order); count counts non-null values."
    params_model = GroupByParams
    column_params = ("by",)

    def columns(self, params: GroupByParams) -> list[tuple[str, str]]:
        return super().columns(params) + [
            (f"params.aggregations.{i}.column", a.column) for i, a in enumerate(params.aggregations)
        ]

    @staticmethod
    def _expr(a: Aggregation) -> str:
        col = f"pl.col({lit(a.column)})"
        body = (
            f"{col}.drop_nulls().n_unique()"
            if a.function == "n_unique"
            else f"{col}.{a.function}()"
        )
        return f"{body}.alias({lit(a.output)})"

    def apply(
        self, frame: pl.LazyFrame, params: GroupByParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        exprs = [eval(self._expr(a), {"pl": pl}) for a in params.aggregations]  # noqa: S307
        return frame.group_by(params.by, maintain_order=True).agg(exprs)

    def polars_code(self, params: GroupByParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        exprs = ", ".join(self._expr(a) for a in params.aggregations)
        return [f"df = df.group_by({lit(params.by)}, maintain_order=True).agg({exprs})"]

    def pandas_code(self, params: GroupByParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        aggs = ", ".join(
            f"{lit(a.output)}: ({lit(a.column)}, {lit(_PANDAS_AGG.get(a.function, a.function))})"
            for a in params.aggregations
        )
        return [
            f"df = df.groupby({lit(params.by)}, sort=False, dropna=False).agg(**{{{aggs}}}).reset_index()"
        ]

    def pyspark_code(self, params: GroupByParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        aggs = [
            f"    {_SPARK_AGG[a.function].format(spark_col(a.column))}.alias({lit(a.output)}),"
            for a in params.aggregations
        ]
        return [
            f"df = df.groupBy({', '.join(spark_col(c) for c in params.by)}).agg(",
            *aggs,
            "    F.min(ROW).alias(ROW),  # groups in first-seen order",
            ")",
        ]


OPERATORS = (Join(), Concat(), GroupBy())
