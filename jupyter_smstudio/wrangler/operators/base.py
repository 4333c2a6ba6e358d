"""What every operator is: versioned, schema'd parameters, fit, apply, codegen.

An operator reads its parameters from a pydantic model (whose JSON schema the UI
turns into a form), may *fit* on data (learning e.g. a mean or a category list,
kept in the flow as readable JSON), *applies* itself to a Polars LazyFrame, and
writes the equivalent pandas, Polars and PySpark code using the fitted values as
literals, so generated scripts reproduce the engine's output without refitting.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

import polars as pl
from pydantic import BaseModel, ConfigDict, ValidationError

from ...errors import InvalidInput

P = TypeVar("P", bound=BaseModel)
Fitted = dict[str, Any]


class Params(BaseModel):
    """Base of operator parameters: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class StepError(InvalidInput):
    """A step cannot run on its input (unknown column, bad type...); names the field."""


class Context:
    """What an operator may need beyond its input: other sources (joins), limits."""

    def load_other(self, source: Any, field: str) -> pl.LazyFrame:
        raise StepError(f"{field}: other sources are not available here", field=field)

    def run_code(
        self, frame: pl.DataFrame, language: str, code: str, timeout_s: float
    ) -> pl.DataFrame:
        raise StepError("params.code: custom code is not available here", field="params.code")

    def other_code(self, source: Any, language: str) -> str:
        """The expression that loads ``source`` in generated code."""
        raise NotImplementedError


class Operator(ABC, Generic[P]):
    """One kind of transform. Subclasses set the class attributes and methods."""

    name: ClassVar[str]
    version: ClassVar[int] = 1
    title: ClassVar[str]
    group: ClassVar[str]
    description: ClassVar[str] = ""
    params_model: type[P]
    fits: ClassVar[bool] = False
    #: Parameter fields naming the columns a step reads (a name, a list of names or a
    #: mapping keyed by names), so most steps declare them instead of writing ``columns``.
    column_params: ClassVar[tuple[str, ...]] = ()

    def parse(self, raw: dict[str, Any]) -> P:
        try:
            return self.params_model.model_validate(raw)
        except ValidationError as err:
            first = err.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            field = f"params.{loc}" if loc else "params"
            message = "is required" if first["type"] == "missing" else first["msg"]
            if first["type"] == "extra_forbidden":
                message = "unknown parameter"
            raise InvalidInput(f"{field}: {message}", field=field) from err

    def columns(self, params: P) -> list[tuple[str, str]]:
        """(parameter field, column) pairs this step reads, to name unknown columns."""
        pairs: list[tuple[str, str]] = []
        for name in self.column_params:
            value = getattr(params, name)
            pairs += cols_of(f"params.{name}", [value] if isinstance(value, str) else value or ())
        return pairs

    def needs_fit(self, params: P) -> bool:
        """Whether a step with these parameters learns from data (and must be fitted)."""
        return self.fits

    def fit(self, frame: pl.LazyFrame, params: P, ctx: Context) -> Fitted | None:
        return None

    @abstractmethod
    def apply(
        self, frame: pl.LazyFrame, params: P, fitted: Fitted | None, ctx: Context
    ) -> pl.LazyFrame:
        """The step's output, lazily."""

    def check(self, frame: pl.DataFrame, params: P, fitted: Fitted | None) -> list[str]:
        """Warnings when the input holds what the fit did not see."""
        return []

    @abstractmethod
    def polars_code(self, params: P, fitted: Fitted | None, ctx: Context) -> list[str]:
        """Statements transforming the LazyFrame ``df``."""

    @abstractmethod
    def pandas_code(self, params: P, fitted: Fitted | None, ctx: Context) -> list[str]:
        """Statements transforming the pandas DataFrame ``df``."""

    @abstractmethod
    def pyspark_code(self, params: P, fitted: Fitted | None, ctx: Context) -> list[str]:
        """Statements transforming the Spark DataFrame ``df``, which carries the row order
        in its column ``ROW`` (see ``codegen.pyspark``); raise ``StepError`` for what
        Spark cannot express."""

    def imports(self, language: str) -> set[str]:
        """Import lines the generated code needs beyond the language's own."""
        return set()

    def need_fitted(self, fitted: Fitted | None) -> Fitted:
        if fitted is None:
            raise StepError("this step has not been fitted yet; fit the flow first", field="fitted")
        return fitted


def lit(value: Any) -> str:
    """A Python literal for a JSON-like value (generated code)."""
    return repr(value)


def spark_col(name: str) -> str:
    """``F.col(...)`` (generated PySpark code) for a column, backquoted where Spark would
    parse the name."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return f"F.col({lit(name)})"
    return f"F.col({lit('`' + name.replace('`', '``') + '`')})"


def cols_of(field: str, names: Iterable[str]) -> list[tuple[str, str]]:
    return [(field, name) for name in names]


def numeric_columns(frame: pl.LazyFrame, names: Sequence[str], field: str) -> None:
    schema = frame.collect_schema()
    for name in names:
        if not schema[name].is_numeric():
            raise StepError(f"{field}: column '{name}' is {schema[name]}, not numeric", field=field)
