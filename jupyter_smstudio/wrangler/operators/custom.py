"""Custom formula (a SQL expression) and custom code (pandas/Polars, in a subprocess)."""

from __future__ import annotations

from typing import Literal

import polars as pl
from pydantic import Field

from .base import Context, Fitted, Operator, Params, StepError, lit


class FormulaParams(Params):
    expression: str = Field(
        min_length=1, max_length=10_000, description="SQL expression, e.g. price * quantity."
    )
    output_column: str = Field(min_length=1)


class CustomFormula(Operator[FormulaParams]):
    name, title, group = "custom_formula", "Custom formula (SQL)", "Custom"
    description = "A new or replaced column computed by a SQL expression over the row."
    params_model = FormulaParams

    def apply(
        self, frame: pl.LazyFrame, params: FormulaParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        try:
            expr = pl.sql_expr(params.expression)
        except Exception as err:  # Polars' SQL parser raises several types
            raise StepError(
                f"params.expression: not a valid SQL expression: {err}", field="params.expression"
            ) from err
        return frame.with_columns(expr.alias(params.output_column))

    def polars_code(self, params: FormulaParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [
            f"df = df.with_columns(pl.sql_expr({lit(params.expression)}).alias({lit(params.output_column)}))"
        ]

    def pandas_code(self, params: FormulaParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [
            f"df[{lit(params.output_column)}] = duckdb.sql("  # noqa: S608 - the user's own SQL on their own data
            f"'SELECT ' + {lit(params.expression)} + ' AS v FROM df').df()['v']"
        ]

    def pyspark_code(self, params: FormulaParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [
            f"df = df.withColumn({lit(params.output_column)}, F.expr({lit(params.expression)}))"
            "  # Spark SQL"
        ]

    def imports(self, language: str) -> set[str]:
        return {"import duckdb"} if language == "pandas" else set()


class CodeParams(Params):
    language: Literal["pandas", "polars"] = "pandas"
    code: str = Field(
        min_length=1,
        max_length=100_000,
        description="Statements that change the DataFrame `df` (pandas or Polars, eager).",
    )
    timeout_s: float = Field(30, gt=0, le=600, description="Stop the code after this long.")


class CustomCode(Operator[CodeParams]):
    name, title, group = "custom_code", "Custom code", "Custom"
    description = "Your pandas or Polars snippet on `df`, run in a separate process with a timeout."
    params_model = CodeParams

    def apply(
        self, frame: pl.LazyFrame, params: CodeParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        return ctx.run_code(frame.collect(), params.language, params.code, params.timeout_s).lazy()

    def polars_code(self, params: CodeParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        if params.language == "polars":
            return ["df = df.collect()", *params.code.splitlines(), "df = df.lazy()"]
        return [
            "df = df.collect().to_pandas()",
            *params.code.splitlines(),
            "df = pl.from_pandas(df).lazy()",
        ]

    def pandas_code(self, params: CodeParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        if params.language == "pandas":
            return params.code.splitlines()
        return ["df = pl.from_pandas(df)", *params.code.splitlines(), "df = df.to_pandas()"]

    def pyspark_code(self, params: CodeParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        imports = ["    import polars as pl", ""] if params.language == "polars" else []
        return [
            f"def _custom_code(df):  # {params.language}, on the whole table, on the driver",
            *imports,
            *[f"    {line}" if line else "" for line in params.code.splitlines()],
            "    return df",
            "",
            f"df = on_driver(df, {lit(params.language)}, _custom_code)",
        ]

    def imports(self, language: str) -> set[str]:
        return {"import polars as pl"} if language == "pandas" else set()


OPERATORS = (CustomFormula(), CustomCode())
