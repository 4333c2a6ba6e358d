"""One line in plain words per step ("Fill missing in age with median").

Step cards in the editor and the headings of exported code both show it, so a
user reads what a step does instead of its parameters. Kept apart from the
operators: wording only, one function per operator name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ...errors import InvalidInput
from .registry import REGISTRY

Summarize = Callable[[Any], str]


def names(columns: Sequence[str] | str | None, limit: int = 4) -> str:
    """Columns in words: ``a``, ``a and b``, ``a, b and c``, ``a, b, c and 3 more``."""
    if columns is None:
        return ""
    items = [columns] if isinstance(columns, str) else list(columns)
    if len(items) > limit:
        return f"{', '.join(items[: limit - 1])} and {len(items) - limit + 1} more"
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def short(text: str, limit: int = 60) -> str:
    """Text cut to ``limit`` characters, on one line."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def source_name(source: Any) -> str:
    path = getattr(source, "path", None)
    return str(path) if path else "a database query"


def _missing(p: Any) -> str:
    where = names(p.columns)
    extra = " (and flag the rows)" if p.add_indicator else ""
    if p.strategy == "drop":
        return f"Drop rows missing {where}"
    if p.strategy == "fill":
        return f"Fill missing in {where} with {p.value!r}{extra}"
    return f"Fill missing in {where} with {p.strategy}{extra}"


def _outliers(p: Any) -> str:
    action = "Clip" if p.action == "clip" else "Remove"
    what = "outliers in" if p.action == "clip" else "rows with outliers in"
    how = {
        "std": f"beyond {p.factor:g} std",
        "robust": f"beyond {p.factor:g} robust std",
        "quantile": f"outside quantiles {p.lower_quantile:g} to {p.upper_quantile:g}",
        "minmax": f"outside {p.min} to {p.max}",
    }[p.method]
    return f"{action} {what} {names(p.columns)} ({how})"


def _format(p: Any) -> str:
    where = names(p.columns)
    return {
        "lower": f"Lower-case {where}",
        "upper": f"Upper-case {where}",
        "strip": f"Strip spaces from {where}",
        "pad": f"Pad {where} to {p.width} characters",
        "replace": f"Replace {p.pattern!r} with {p.replacement!r} in {where}",
        "regex_extract": f"Extract {p.pattern!r} from {where}",
        "split": f"Split {where} on {p.delimiter!r}, keep part {p.index + 1}",
    }[p.operation]


def _split(p: Any) -> str:
    parts = ", ".join(f"{name} {share:.0%}" for name, share in p.outputs.items())
    how = {"random": "randomly", "ordered": "in order"}.get(p.method, f"by {p.column}")
    if p.method == "stratified":
        how = f"stratified by {p.column}"
    return f"Split {how} into {parts}"


def _dedup(p: Any) -> str:
    keep = {"first": "keep the first", "last": "keep the last", "none": "keep none"}[p.keep]
    on = f" on {names(p.columns)}" if p.columns else ""
    return f"Drop duplicate rows{on} ({keep})"


def _group(p: Any) -> str:
    aggs = [f"{a.function} of {a.column}" for a in p.aggregations]
    return f"Group by {names(p.by)}: {names(aggs, limit=3)}"


SUMMARIES: dict[str, Summarize] = {
    "drop_columns": lambda p: f"Drop {names(p.columns)}",
    "select_columns": lambda p: f"Keep only {names(p.columns)}",
    "rename_columns": lambda p: (
        "Rename " + names([f"{old} to {new}" for old, new in p.mapping.items()], limit=3)
    ),
    "duplicate_column": lambda p: f"Copy {p.column} as {p.new_name}",
    "move_column": lambda p: f"Move {p.column} to position {p.position + 1}",
    "cast_columns": lambda p: (
        f"Make {names(p.columns)} {p.to.value}"
        + (" (unreadable values become empty)" if p.on_error == "null" else "")
    ),
    "join": lambda p: (
        f"{p.how.capitalize()} join with {source_name(p.other)} on {names(p.left_on)}"
    ),
    "concat": lambda p: f"Append the rows of {source_name(p.other)}",
    "group_by": _group,
    "custom_formula": lambda p: f"Compute {p.output_column} = {short(p.expression)}",
    "custom_code": lambda p: f"Run custom {p.language} code",
    "one_hot_encode": lambda p: (
        f"One-hot encode {p.column}" + ("" if p.drop_original else " (keep the column)")
    ),
    "ordinal_encode": lambda p: f"Number the categories of {p.column}",
    "scale_values": lambda p: f"Scale {names(p.columns)} ({p.method})",
    "format_string": _format,
    "text_features": lambda p: f"Text features of {p.column}: {names(p.features)}",
    "datetime_features": lambda p: f"Date parts of {p.column}: {names(p.parts)}",
    "split_data": _split,
    "handle_missing": _missing,
    "handle_outliers": _outliers,
    "filter_rows": lambda p: f"Keep rows where {short(p.expression)}",
    "sort_rows": lambda p: f"Sort by {names(p.by)}" + (" (descending)" if p.descending else ""),
    "drop_duplicates": _dedup,
    "sample_rows": lambda p: f"Keep a random {p.n:,} rows",
    "balance_data": lambda p: f"Balance {p.target} by {p.method}",
}


def summarize(operator: str, raw: dict[str, Any]) -> str:
    """The step's line; its operator's title (or name) when its parameters do not parse."""
    op = REGISTRY.get(operator)
    if op is None:
        return operator
    make = SUMMARIES.get(operator)
    try:
        return make(op.parse(raw)) if make else op.title
    except InvalidInput:  # a step being fixed: its card still needs a line
        return op.title
