"""Format strings, text and date-time features, and split data into named outputs."""

from __future__ import annotations

import inspect
from typing import Literal

import numpy as np
import polars as pl
from pydantic import Field, model_validator

from .base import Context, Fitted, Operator, Params, StepError, lit, spark_col


class FormatParams(Params):
    columns: list[str] = Field(min_length=1)
    operation: Literal["lower", "upper", "strip", "pad", "replace", "regex_extract", "split"]
    pattern: str = Field("", description="replace/regex_extract: text or regex to find.")
    replacement: str = Field("", description="replace: the new text.")
    regex: bool = Field(False, description="replace: pattern is a regular expression.")
    group: int = Field(1, ge=0, description="regex_extract: capture group.")
    width: int = Field(0, ge=0, le=10_000, description="pad: minimum length.")
    fill_char: str = Field(" ", min_length=1, max_length=1)
    side: Literal["left", "right"] = "left"
    delimiter: str = Field(",", min_length=1, description="split: separator.")
    index: int = Field(0, ge=0, description="split: which part to keep.")


def _polars_format(p: FormatParams, col: str) -> str:
    """The Polars expression (as code) for one column; ``apply`` evaluates the same text."""
    c = f"pl.col({lit(col)}).str"
    return {
        "lower": f"{c}.to_lowercase()",
        "upper": f"{c}.to_uppercase()",
        "strip": f"{c}.strip_chars()",
        "pad": f"{c}.pad_{'start' if p.side == 'left' else 'end'}({p.width}, {lit(p.fill_char)})",
        "replace": f"{c}.replace_all({lit(p.pattern)}, {lit(p.replacement)}, literal={not p.regex})",
        "regex_extract": f"{c}.extract({lit(p.pattern)}, {p.group})",
        "split": f"{c}.split({lit(p.delimiter)}).list.get({p.index}, null_on_oob=True)",
    }[p.operation]


def _pandas_format(p: FormatParams, col: str) -> str:
    c = f"df[{lit(col)}].str"
    return {
        "lower": f"{c}.lower()",
        "upper": f"{c}.upper()",
        "strip": f"{c}.strip()",
        "pad": f"{c}.pad({p.width}, side={lit(p.side)}, fillchar={lit(p.fill_char)})",
        "replace": f"{c}.replace({lit(p.pattern)}, {lit(p.replacement)}, regex={p.regex})",
        "regex_extract": f"{c}.extract({lit(p.pattern)}, expand=True)[{p.group - 1 if p.group else 0}]",
        "split": f"{c}.split({lit(p.delimiter)}, regex=False).str.get({p.index})",
    }[p.operation]


#: Java regexes match ASCII classes unless told; Rust's (the engine's) are Unicode.
UNICODE = "(?U)"
_SPACE_AT_ENDS = UNICODE + r"^\s+|\s+$"


def _spark_format(p: FormatParams, col: str) -> str:
    x = spark_col(col)
    if p.operation == "pad":
        fn = "lpad" if p.side == "left" else "rpad"  # these cut longer text; the engine does not
        return f"F.when(F.length({x}) >= {p.width}, {x}).otherwise(F.{fn}({x}, {p.width}, {lit(p.fill_char)}))"
    if p.operation == "replace" and not p.regex:
        return f"F.replace({x}, F.lit({lit(p.pattern)}), F.lit({lit(p.replacement)}))"
    pattern = lit(UNICODE + p.pattern)
    escaped = "".join(ch if ch.isalnum() else "\\" + ch for ch in p.delimiter)
    return {
        "lower": f"F.lower({x})",
        "upper": f"F.upper({x})",
        "strip": f"F.regexp_replace({x}, {lit(_SPACE_AT_ENDS)}, '')",
        "replace": f"F.regexp_replace({x}, {pattern}, {lit(p.replacement)})",
        # regexp_extract gives '' where nothing matches; the engine gives null.
        "regex_extract": f"F.when({x}.rlike({pattern}), F.regexp_extract({x}, {pattern}, {p.group}))",
        "split": f"F.get(F.split({x}, {lit(escaped)}, -1), {p.index})",
    }[p.operation]


def _string_columns(frame: pl.LazyFrame, names: list[str], field: str) -> None:
    schema = frame.collect_schema()
    for name in names:
        if schema[name] != pl.String:
            raise StepError(f"{field}: column '{name}' is {schema[name]}, not text", field=field)


class FormatString(Operator[FormatParams]):
    name, title, group = "format_string", "Format string", "Format string"
    description = "lower/upper/strip/pad/replace/regex extract/split text columns in place."
    params_model = FormatParams
    column_params = ("columns",)

    def apply(
        self, frame: pl.LazyFrame, params: FormatParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        _string_columns(frame, params.columns, "params.columns")
        if params.operation in ("replace", "regex_extract") and not params.pattern:
            raise StepError("params.pattern: give the pattern", field="params.pattern")
        namespace = {"pl": pl}
        exprs = [eval(_polars_format(params, c), namespace) for c in params.columns]  # noqa: S307 - our own code text
        return frame.with_columns(exprs)

    def polars_code(self, params: FormatParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [
            f"df = df.with_columns({', '.join(_polars_format(params, c) for c in params.columns)})"
        ]

    def pandas_code(self, params: FormatParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [f"df[{lit(c)}] = {_pandas_format(params, c)}" for c in params.columns]

    def pyspark_code(self, params: FormatParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        body = ", ".join(f"{lit(c)}: {_spark_format(params, c)}" for c in params.columns)
        return [f"df = df.withColumns({{{body}}})"]


TEXT_FEATURES = {
    # name: (polars, pandas) on the column's .str namespace, Spark regex to count
    "length": ("len_chars()", "len()", None),
    "words": (r"count_matches(r'\S+')", r"count(r'\S+')", r"\S+"),
    "digits": (r"count_matches(r'\d')", r"count(r'\d')", r"\d"),
    "uppercase": ("count_matches(r'[A-Z]')", "count(r'[A-Z]')", "[A-Z]"),
    "punctuation": (r"count_matches(r'[^\w\s]')", r"count(r'[^\w\s]')", r"[^\w\s]"),
}


class TextParams(Params):
    column: str
    features: list[Literal["length", "words", "digits", "uppercase", "punctuation"]] = Field(
        default_factory=lambda: ["length", "words"],  # type: ignore[arg-type]
        min_length=1,
    )


class TextFeatures(Operator[TextParams]):
    name, title, group = "text_features", "Text features", "Featurize text"
    description = "Add <column>_<feature> counts (length, words, digits, uppercase, punctuation)."
    params_model = TextParams
    column_params = ("column",)

    def _polars(self, params: TextParams) -> list[str]:
        c = lit(params.column)
        return [
            f"pl.col({c}).str.{TEXT_FEATURES[f][0]}.cast(pl.Int64).alias({lit(params.column + '_' + f)})"
            for f in params.features
        ]

    def apply(
        self, frame: pl.LazyFrame, params: TextParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        _string_columns(frame, [params.column], "params.column")
        return frame.with_columns(eval(e, {"pl": pl}) for e in self._polars(params))  # noqa: S307

    def polars_code(self, params: TextParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return [f"df = df.with_columns({', '.join(self._polars(params))})"]

    def pandas_code(self, params: TextParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        c = lit(params.column)
        return [
            f"df[{lit(params.column + '_' + f)}] = df[{c}].str.{TEXT_FEATURES[f][1]}.astype('Int64')"
            for f in params.features
        ]

    def pyspark_code(self, params: TextParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        x = spark_col(params.column)
        exprs = []
        for f in params.features:
            regex = TEXT_FEATURES[f][2]
            count = (
                f"F.regexp_count({x}, F.lit({lit(UNICODE + regex)}))" if regex else f"F.length({x})"
            )
            exprs.append(f"    {lit(params.column + '_' + f)}: {count}.cast('bigint'),")
        return ["df = df.withColumns({", *exprs, "})"]


#: part: (polars method, pandas accessor, period for cyclic encoding)
DATE_PARTS = {
    "year": ("year()", "year", None),
    "quarter": ("quarter()", "quarter", 4),
    "month": ("month()", "month", 12),
    "day": ("day()", "day", 31),
    "weekday": ("weekday()", "dayofweek + 1", 7),
    "dayofyear": ("ordinal_day()", "dayofyear", 366),
    "hour": ("hour()", "hour", 24),
    "minute": ("minute()", "minute", 60),
}
#: part -> Spark function (weekday: Spark's Monday is 0, the engine's 1)
SPARK_DATE_PARTS = {
    "year": "F.year({})",
    "quarter": "F.quarter({})",
    "month": "F.month({})",
    "day": "F.dayofmonth({})",
    "weekday": "(F.weekday({}) + 1)",
    "dayofyear": "F.dayofyear({})",
    "hour": "F.hour({})",
    "minute": "F.minute({})",
}
DatePart = Literal["year", "quarter", "month", "day", "weekday", "dayofyear", "hour", "minute"]


class DateParams(Params):
    column: str
    parts: list[DatePart] = Field(
        default_factory=lambda: ["year", "month", "day"],  # type: ignore[arg-type]
        min_length=1,
    )
    cyclic: bool = Field(False, description="Also add <part>_sin/_cos for periodic parts.")


class DatetimeFeatures(Operator[DateParams]):
    name, title, group = "datetime_features", "Date-time features", "Featurize date/time"
    description = "Add <column>_<part> (weekday: Monday=1), optionally sine/cosine encoded."
    params_model = DateParams
    column_params = ("column",)

    def _exprs(self, params: DateParams) -> list[str]:
        c, out = lit(params.column), []
        for part in params.parts:
            method, _, period = DATE_PARTS[part]
            name = f"{params.column}_{part}"
            out.append(f"pl.col({c}).dt.{method}.cast(pl.Int64).alias({lit(name)})")
            if params.cyclic and period:
                angle = f"2 * np.pi * (pl.col({c}).dt.{method} - 1) / {period}"
                out.append(f"({angle}).sin().alias({lit(name + '_sin')})")
                out.append(f"({angle}).cos().alias({lit(name + '_cos')})")
        return out

    def apply(
        self, frame: pl.LazyFrame, params: DateParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        dtype = frame.collect_schema()[params.column]
        if not dtype.is_temporal():
            raise StepError(
                f"params.column: column '{params.column}' is {dtype}, not a date/time; "
                "cast it first",
                field="params.column",
            )
        return frame.with_columns(eval(e, {"pl": pl, "np": np}) for e in self._exprs(params))  # noqa: S307

    def polars_code(self, params: DateParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        return ["df = df.with_columns(", *[f"    {e}," for e in self._exprs(params)], ")"]

    def pandas_code(self, params: DateParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        c, lines = lit(params.column), [f"_dt = pd.to_datetime(df[{lit(params.column)}]).dt"]
        del c
        for part in params.parts:
            _, accessor, period = DATE_PARTS[part]
            name = f"{params.column}_{part}"
            lines.append(f"df[{lit(name)}] = (_dt.{accessor}).astype('Int64')")
            if params.cyclic and period:
                angle = f"2 * np.pi * (df[{lit(name)}].astype('float64') - 1) / {period}"
                lines.append(f"df[{lit(name + '_sin')}] = np.sin({angle})")
                lines.append(f"df[{lit(name + '_cos')}] = np.cos({angle})")
        return lines

    def pyspark_code(self, params: DateParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        x, lines = spark_col(params.column), []
        for part in params.parts:
            value = SPARK_DATE_PARTS[part].format(x)
            name = f"{params.column}_{part}"
            lines.append(f"    {lit(name)}: {value}.cast('bigint'),")
            period = DATE_PARTS[part][2]
            if params.cyclic and period:
                angle = f"{2 * np.pi!r} * ({value} - 1) / {period}"
                lines.append(f"    {lit(name + '_sin')}: F.sin({angle}),")
                lines.append(f"    {lit(name + '_cos')}: F.cos({angle}),")
        return ["df = df.withColumns({", *lines, "})"]


def split_labels(
    n: int, keys: list[object] | None, outputs: dict[str, float], method: str, seed: int
) -> list[str]:
    """Output name per row. random/ordered: by position; stratified: within each key
    value; by_key: every row of one key value goes to the same output."""
    names = list(outputs)
    weights = np.asarray([outputs[k] for k in names], dtype=float)
    bounds = np.cumsum(weights / weights.sum())
    rng = np.random.default_rng(seed)

    def assign(count: int) -> np.ndarray:
        ranks = (np.arange(count) + 0.5) / max(count, 1)
        return np.minimum(np.searchsorted(bounds, ranks), len(names) - 1)

    labels = np.empty(n, dtype=int)
    if method == "ordered":
        labels[:] = assign(n)
    elif method == "random":
        labels[rng.permutation(n)] = assign(n)
    else:
        values = np.asarray([str(v) for v in (keys or [])])
        groups = np.unique(values)
        if method == "stratified":
            for g in groups:
                rows = np.flatnonzero(values == g)
                labels[rng.permutation(rows)] = assign(len(rows))
        else:
            chosen = dict(zip(rng.permutation(groups), assign(len(groups)), strict=True))
            labels[:] = [chosen[v] for v in values]
    return [names[i] for i in labels]


class SplitParams(Params):
    method: Literal["random", "stratified", "ordered", "by_key"] = "random"
    outputs: dict[str, float] = Field(
        default_factory=lambda: {"train": 0.8, "test": 0.2},
        description="Output name -> share of rows.",
    )
    column: str | None = Field(None, description="stratified: class column; by_key: key column.")
    seed: int = 0
    output_column: str = Field(
        "split", min_length=1, description="Column naming each row's output."
    )

    @model_validator(mode="after")
    def _check(self) -> SplitParams:
        if len(self.outputs) < 2 or any(v <= 0 for v in self.outputs.values()):
            raise ValueError("outputs: give at least two outputs with positive shares")
        if self.method in ("stratified", "by_key") and not self.column:
            raise ValueError(f"column: the {self.method} method needs a column")
        return self


class SplitData(Operator[SplitParams]):
    name, title, group = "split_data", "Split data", "Split"
    description = "Label each row with a named output (train/test/...), reproducibly."
    params_model = SplitParams
    column_params = ("column",)

    def _args(self, params: SplitParams) -> str:
        return f"{lit(params.outputs)}, {lit(params.method)}, {params.seed}"

    def apply(
        self, frame: pl.LazyFrame, params: SplitParams, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        data = frame.collect()
        keys = data[params.column].to_list() if params.column else None
        labels = split_labels(data.height, keys, params.outputs, params.method, params.seed)
        return data.with_columns(pl.Series(params.output_column, labels, pl.String)).lazy()

    def polars_code(self, params: SplitParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        keys = f"_data[{lit(params.column)}].to_list()" if params.column else "None"
        return [
            *inspect.getsource(split_labels).splitlines(),
            "_data = df.collect()",
            f"_labels = split_labels(_data.height, {keys}, {self._args(params)})",
            f"df = _data.with_columns(pl.Series({lit(params.output_column)}, _labels, pl.String)).lazy()",
        ]

    def pandas_code(self, params: SplitParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        keys = (
            f"[None if pd.isna(v) else v for v in df[{lit(params.column)}]]"
            if params.column
            else "None"
        )
        return [
            *inspect.getsource(split_labels).splitlines(),
            f"df[{lit(params.output_column)}] = split_labels(len(df), {keys}, {self._args(params)})",
        ]

    def pyspark_code(self, params: SplitParams, fitted: Fitted | None, ctx: Context) -> list[str]:
        keys = f"column_values(df, {lit(params.column)})" if params.column else "None"
        return [
            *inspect.getsource(split_labels).splitlines(),
            f"_labels = split_labels(df.count(), {keys}, {self._args(params)})",
            f"df = add_column(df, {lit(params.output_column)}, _labels)",
        ]


OPERATORS = (FormatString(), TextFeatures(), DatetimeFeatures(), SplitData())
