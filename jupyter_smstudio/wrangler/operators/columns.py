"""Manage columns: drop, select, rename, duplicate, move, cast/parse as type."""

from __future__ import annotations

import re
from typing import Literal

import polars as pl
from pydantic import Field

from ..models import DataType
from ..sources import polars_type
from .base import Context, Fitted, Operator, Params, StepError, lit, spark_col

GROUP = "Manage columns"


class ColumnsParams(Params):
    columns: list[str] = Field(min_length=1, description="Columns to act on.")


class DropColumns(Operator[ColumnsParams]):
    name, title, group = "drop_columns", "Drop columns", GROUP
    params_model = ColumnsParams
    column_params = ("columns",)

    def apply(
        self, frame: pl.LazyFrame, params: ColumnsParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        return frame.drop(params.columns)

    def polars_code(self, params: ColumnsParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [f"df = df.drop({lit(params.columns)})"]

    def pandas_code(self, params: ColumnsParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [f"df = df.drop(columns={lit(params.columns)})"]

    def pyspark_code(self, params: ColumnsParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [f"df = df.drop(*{lit(params.columns)})"]


class SelectColumns(Operator[ColumnsParams]):
    name, title, group = "select_columns", "Select columns", GROUP
    description = "Keep only these columns, in this order."
    params_model = ColumnsParams
    column_params = ("columns",)

    def apply(
        self, frame: pl.LazyFrame, params: ColumnsParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        return frame.select(params.columns)

    def polars_code(self, params: ColumnsParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [f"df = df.select({lit(params.columns)})"]

    def pandas_code(self, params: ColumnsParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [f"df = df[{lit(params.columns)}]"]

    def pyspark_code(self, params: ColumnsParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [f"df = df.select({', '.join(spark_col(c) for c in params.columns)}, ROW)"]


class RenameParams(Params):
    mapping: dict[str, str] = Field(min_length=1, description="Old name -> new name.")


class RenameColumns(Operator[RenameParams]):
    name, title, group = "rename_columns", "Rename columns", GROUP
    params_model = RenameParams
    column_params = ("mapping",)

    def apply(
        self, frame: pl.LazyFrame, params: RenameParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        return frame.rename(params.mapping)

    def polars_code(self, params: RenameParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [f"df = df.rename({lit(params.mapping)})"]

    def pandas_code(self, params: RenameParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [f"df = df.rename(columns={lit(params.mapping)})"]

    def pyspark_code(self, params: RenameParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [f"df = df.withColumnsRenamed({lit(params.mapping)})"]


class DuplicateParams(Params):
    column: str
    new_name: str = Field(min_length=1)


class DuplicateColumn(Operator[DuplicateParams]):
    name, title, group = "duplicate_column", "Duplicate column", GROUP
    params_model = DuplicateParams
    column_params = ("column",)

    def apply(
        self, frame: pl.LazyFrame, params: DuplicateParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        return frame.with_columns(pl.col(params.column).alias(params.new_name))

    def polars_code(
        self, params: DuplicateParams, fitted: Fitted | None, ctx: Context
    ) -> list[str]:
        return [f"df = df.with_columns(pl.col({lit(params.column)}).alias({lit(params.new_name)}))"]

    def pandas_code(
        self, params: DuplicateParams, fitted: Fitted | None, ctx: Context
    ) -> list[str]:
        return [f"df[{lit(params.new_name)}] = df[{lit(params.column)}]"]

    def pyspark_code(
        self, params: DuplicateParams, fitted: Fitted | None, ctx: Context
    ) -> list[str]:
        return [f"df = df.withColumn({lit(params.new_name)}, {spark_col(params.column)})"]


class MoveParams(Params):
    column: str
    position: int = Field(0, ge=0, description="New 0-based position (past the end: last).")


class MoveColumn(Operator[MoveParams]):
    name, title, group = "move_column", "Move column", GROUP
    params_model = MoveParams
    column_params = ("column",)

    @staticmethod
    def order(names: list[str], params: MoveParams) -> list[str]:
        rest = [n for n in names if n != params.column]
        rest.insert(min(params.position, len(rest)), params.column)
        return rest

    def apply(
        self, frame: pl.LazyFrame, params: MoveParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        return frame.select(self.order(frame.collect_schema().names(), params))

    def polars_code(self, params: MoveParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        col = lit(params.column)
        return [
            f"_rest = [c for c in df.collect_schema().names() if c != {col}]",
            f"df = df.select(_rest[:{params.position}] + [{col}] + _rest[{params.position}:])",
        ]

    def pandas_code(self, params: MoveParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        col = lit(params.column)
        return [
            f"_rest = [c for c in df.columns if c != {col}]",
            f"df = df[_rest[:{params.position}] + [{col}] + _rest[{params.position}:]]",
        ]

    def pyspark_code(self, params: MoveParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        col = lit(params.column)
        return [
            f"_rest = [c for c in df.columns if c not in ({col}, ROW)]",
            f"_order = _rest[:{params.position}] + [{col}] + _rest[{params.position}:]",
            "df = df.select(*[column(c) for c in _order], ROW)",
        ]


class CastParams(Params):
    columns: list[str] = Field(min_length=1)
    to: DataType
    format: str | None = Field(
        None, description="strftime format when parsing text as date/datetime, e.g. %Y-%m-%d."
    )
    on_error: Literal["error", "null"] = Field(
        "error", description="Values that do not convert: fail naming them, or become null."
    )


_PANDAS_CAST = {
    DataType.INT: "pd.to_numeric({s}, errors={e}).astype('Int64')",
    DataType.FLOAT: "pd.to_numeric({s}, errors={e}).astype('float64')",
    DataType.STRING: "{s}.astype('string')",
    DataType.BOOL: "{s}.astype('boolean')",
    DataType.DATE: "pd.to_datetime({s}, errors={e}, format={f}).dt.normalize()",
    DataType.DATETIME: "pd.to_datetime({s}, errors={e}, format={f})",
}


_SPARK_TYPES = {
    DataType.INT: "bigint",
    DataType.FLOAT: "double",
    DataType.STRING: "string",
    DataType.BOOL: "boolean",
    DataType.DATE: "date",
    DataType.DATETIME: "timestamp_ntz",
}

#: strftime directive -> Java DateTimeFormatter pattern (what Spark parses dates with).
JAVA_PATTERNS = {
    "Y": "yyyy", "y": "yy", "m": "MM", "d": "dd", "H": "HH", "I": "hh", "M": "mm",
    "S": "ss", "f": "SSSSSS", "p": "a", "b": "MMM", "B": "MMMM", "a": "EEE", "A": "EEEE",
    "j": "DDD", "z": "Z", "Z": "z", "e": "d", "%": "%",
}  # fmt: skip


def java_date_format(strftime: str, field: str) -> str:
    """A strftime format as a Spark (Java) datetime pattern; unknown directives are errors."""
    out: list[str] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            text = "".join(literal).replace("'", "''")
            out.append(text if re.fullmatch(r"[-/:.,\s]*", text) else f"'{text}'")
            literal.clear()

    i = 0
    while i < len(strftime):
        char = strftime[i]
        if char == "%" and i + 1 < len(strftime):
            directive = strftime[i + 1]
            if directive not in JAVA_PATTERNS:
                raise StepError(
                    f"{field}: the date format directive %{directive} has no Spark equivalent",
                    field=field,
                )
            if directive == "%":
                literal.append("%")
            else:
                flush()
                out.append(JAVA_PATTERNS[directive])
            i += 2
            continue
        literal.append(char)
        i += 1
    flush()
    return "".join(out)


class CastColumns(Operator[CastParams]):
    name, title, group = "cast_columns", "Cast / parse as type", GROUP
    description = "Change column types; text is parsed (dates with an optional format)."
    params_model = CastParams
    column_params = ("columns",)

    def _expr(self, name: str, source: pl.DataType, params: CastParams) -> pl.Expr:
        strict = params.on_error == "error"
        col = pl.col(name)
        if source == pl.String and params.to in (DataType.DATE, DataType.DATETIME):
            if params.to == DataType.DATE:
                return col.str.to_date(params.format, strict=strict)
            return col.str.to_datetime(params.format, strict=strict, time_unit="us")
        return col.cast(polars_type(params.to), strict=strict)

    def apply(
        self, frame: pl.LazyFrame, params: CastParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        schema = frame.collect_schema()
        return frame.with_columns(self._expr(n, schema[n], params) for n in params.columns)

    def polars_code(self, params: CastParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        strict = params.on_error == "error"
        if params.to in (DataType.DATE, DataType.DATETIME):
            method = "to_date" if params.to == DataType.DATE else "to_datetime"
            exprs = [
                f"pl.col({lit(n)}).str.{method}({lit(params.format)}, strict={strict})"
                for n in params.columns
            ]
        else:
            dtype = {
                DataType.INT: "pl.Int64",
                DataType.FLOAT: "pl.Float64",
                DataType.STRING: "pl.String",
                DataType.BOOL: "pl.Boolean",
            }[params.to]
            exprs = [f"pl.col({lit(n)}).cast({dtype}, strict={strict})" for n in params.columns]
        return [f"df = df.with_columns({', '.join(exprs)})"]

    def pandas_code(self, params: CastParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        errors = lit("raise" if params.on_error == "error" else "coerce")
        return [
            f"df[{lit(n)}] = "
            + _PANDAS_CAST[params.to].format(s=f"df[{lit(n)}]", e=errors, f=lit(params.format))
            for n in params.columns
        ]

    def pyspark_code(self, params: CastParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        fmt = java_date_format(params.format, "params.format") if params.format else None
        if params.to == DataType.DATE and fmt:
            exprs = {n: f"F.to_date({spark_col(n)}, {lit(fmt)})" for n in params.columns}
        elif params.to == DataType.DATETIME and fmt:
            exprs = {
                n: f"F.to_timestamp_ntz({spark_col(n)}, F.lit({lit(fmt)}))" for n in params.columns
            }
        else:
            spark_type = lit(_SPARK_TYPES[params.to])
            exprs = {n: f"{spark_col(n)}.cast({spark_type})" for n in params.columns}
        body = "{" + ", ".join(f"{lit(n)}: {e}" for n, e in exprs.items()) + "}"
        if params.on_error == "null":
            return [f"df = df.withColumns({body})"]
        # Spark turns what does not convert into null; the engine stops, naming the values.
        return [
            f"_casts = {body}",
            "for _name, _cast in _casts.items():",
            "    _bad = df.where(column(_name).isNotNull() & _cast.isNull()).select(column(_name))",
            "    _bad = [row[0] for row in _bad.limit(5).collect()]",
            "    if _bad:",
            f"        raise ValueError(f'column {{_name}}: values that are not {params.to.value}: {{_bad}}')",
            "df = df.withColumns(_casts)",
        ]


OPERATORS = (
    DropColumns(),
    SelectColumns(),
    RenameColumns(),
    DuplicateColumn(),
    MoveColumn(),
    CastColumns(),
)
