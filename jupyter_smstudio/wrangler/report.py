"""The data quality and insights report.

Column statistics cover the full data (``statistics.py``). Correlations, anomalous
rows and the model-based parts (target analysis, quick model) run on a sample that
the report names.
"""

from __future__ import annotations

import math
import time
from typing import Any, Literal

import numpy as np
import polars as pl

from .engine import json_value
from .models import Sampling
from .report_models import (
    Alert,
    ColumnProfile,
    Correlation,
    FeaturePower,
    QuickModel,
    Report,
    TableProfile,
    TargetAnalysis,
    TopValue,
)
from .sources import sample as take_sample
from .statistics import statistics

__all__ = ["Report", "build_report"]
#: Columns compared pairwise for categorical association (Cramér's V).
MAX_CATEGORICAL_PAIRS_COLUMNS = 12

EMAIL = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
URL = r"^https?://\S+$"
DATE_LIKE = (
    r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$|^\d{1,2}/\d{1,2}/\d{2,4}$"
)
NUMBER_LIKE = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"


def alerts(
    table: TableProfile, profiles: list[ColumnProfile], text_checks: dict[str, dict[str, float]]
) -> list[Alert]:
    out: list[Alert] = []

    def add(
        kind: str,
        column: str | None,
        message: str,
        severity: Literal["info", "warning"] = "warning",
    ) -> None:
        out.append(Alert(kind=kind, severity=severity, column=column, message=message))

    if table.duplicate_rows:
        pct = 100 * table.duplicate_rows / max(table.rows, 1)
        add("duplicates", None, f"{table.duplicate_rows:,} duplicate rows ({pct:.1f}%)")
    for p in profiles:
        n, nonnull = p.name, p.count
        if p.distinct <= 1 and table.rows:
            add("constant", n, f"'{n}' has a single value")
            continue
        if p.missing_pct > 50:
            add("mostly_missing", n, f"'{n}' is {p.missing_pct:.1f}% missing")
        elif p.missing_pct > 5:
            add("missing", n, f"'{n}' has {p.missing_pct:.1f}% missing values", "info")
        unique = nonnull > 0 and p.distinct - (1 if p.missing else 0) == nonnull
        if unique and (p.kind == "text" or (p.type.startswith(("Int", "UInt")))):
            add(
                "id_like",
                n,
                f"'{n}' is unique in every row: an identifier? Drop it before modelling",
            )
        elif unique and table.rows > 1:
            add("unique", n, f"'{n}' has all-distinct values", "info")
        elif p.kind == "text" and p.distinct > 50 and p.distinct > 0.5 * nonnull:
            add("high_cardinality", n, f"'{n}' has {p.distinct:,} distinct values")
        if p.kind == "numeric":
            if p.skew is not None and abs(p.skew) > 2:
                add(
                    "skewed",
                    n,
                    f"'{n}' is skewed (skewness {p.skew:.2f}); consider a log transform",
                    "info",
                )
            binary = p.distinct - (1 if p.missing else 0) <= 2  # a 0/1 flag or target
            if p.zeros and p.zeros > 0.5 * nonnull and not binary:
                add("zeros", n, f"'{n}' is {100 * p.zeros / nonnull:.1f}% zeros", "info")
            if p.infinite:
                add("infinite", n, f"'{n}' has {p.infinite:,} infinite values")
            if p.outliers and p.outliers > 0.01 * nonnull:
                add(
                    "outliers",
                    n,
                    f"'{n}' has {p.outliers:,} outliers (beyond 3 robust std)",
                    "info",
                )
        if p.kind in ("text", "boolean") and p.top_values and 2 <= p.distinct <= 50:
            share = p.top_values[0].count / max(nonnull, 1)
            if share > 0.9:
                add(
                    "imbalanced",
                    n,
                    f"'{n}' is imbalanced: '{p.top_values[0].value}' is {100 * share:.1f}%",
                )
        checks = text_checks.get(n)
        if checks:
            if 0.05 < checks["number"] < 0.95:
                add(
                    "mixed_types",
                    n,
                    f"'{n}' mixes numbers ({100 * checks['number']:.0f}%) and text",
                )
            elif checks["number"] >= 0.95:
                add("numeric_as_text", n, f"'{n}' holds numbers stored as text; cast it", "info")
            if checks["date"] > 0.5 and checks["date_ok"] < checks["date"]:
                bad = checks["date"] - checks["date_ok"]
                add(
                    "date_parse_failures",
                    n,
                    f"'{n}' looks like dates but {100 * bad:.1f}% fail to parse",
                )
            elif checks["date"] > 0.9:
                add("dates_as_text", n, f"'{n}' holds dates stored as text; parse it", "info")
            if checks["email"] > 0.8:
                add(
                    "text_pattern", n, f"'{n}' looks like e-mail addresses (personal data?)", "info"
                )
            if checks["url"] > 0.8:
                add("text_pattern", n, f"'{n}' looks like URLs", "info")
            if checks["whitespace"] > 0:
                add(
                    "whitespace",
                    n,
                    f"'{n}' has values with leading/trailing spaces "
                    f"({100 * checks['whitespace']:.1f}%)",
                    "info",
                )
            if checks["empty"] > 0:
                add(
                    "empty_strings",
                    n,
                    f"'{n}' has empty strings ({100 * checks['empty']:.1f}%)",
                    "info",
                )
    return out


def text_checks(
    profiles: list[ColumnProfile], distinct: dict[str, pl.DataFrame], data: pl.DataFrame
) -> dict[str, dict[str, float]]:
    """Shares of text values that look like numbers, dates, e-mails, URLs.

    Computed on each column's distinct values weighted by their counts (exact, and
    cheap for the usual categorical text), else on the sample.
    """
    keys = ("number", "date", "date_ok", "email", "url", "whitespace", "empty")
    out: dict[str, dict[str, float]] = {}
    for p in profiles:
        if p.kind != "text":
            continue
        counts = distinct.get(p.name)
        if counts is None:
            counts = data.group_by(p.name).agg(pl.len().alias("count"))
        s, w = pl.col(p.name), pl.col("count")
        counts = counts.filter(s.is_not_null())
        total = max(int(counts["count"].sum()), 1)
        date_like = s.str.contains(DATE_LIKE)
        parsed = pl.when(date_like).then(s).str.to_datetime(strict=False).is_not_null()
        checks = {
            "number": s.str.contains(NUMBER_LIKE),
            "date": date_like,
            "date_ok": date_like & parsed,
            "email": s.str.contains(EMAIL),
            "url": s.str.contains(URL),
            "whitespace": s.str.contains(r"^\s|\s$"),
            "empty": s == "",
        }
        row = counts.select(
            ((e.fill_null(False).cast(pl.Int64) * w).sum() / total).alias(k)
            for k, e in checks.items()
        ).row(0, named=True)
        out[p.name] = {k: float(row[k] or 0) for k in keys}
    return out


def correlations(data: pl.DataFrame, profiles: list[ColumnProfile]) -> list[Correlation]:
    out: list[Correlation] = []
    numeric = [p.name for p in profiles if p.kind == "numeric" and p.distinct > 1]
    if len(numeric) >= 2:
        matrix = data.select(pl.col(numeric).cast(pl.Float64)).drop_nulls().to_numpy()
        if len(matrix) > 2:
            with np.errstate(all="ignore"):
                corr = np.corrcoef(matrix, rowvar=False)
            for i in range(len(numeric)):
                for j in range(i + 1, len(numeric)):
                    if math.isfinite(corr[i, j]):
                        out.append(
                            Correlation(
                                a=numeric[i],
                                b=numeric[j],
                                value=float(corr[i, j]),
                                method="pearson",
                            )
                        )
    cats = [p.name for p in profiles if p.kind in ("text", "boolean") and 2 <= p.distinct <= 50]
    cats = cats[:MAX_CATEGORICAL_PAIRS_COLUMNS]
    for i in range(len(cats)):
        for j in range(i + 1, len(cats)):
            out.append(
                Correlation(
                    a=cats[i],
                    b=cats[j],
                    value=_cramers_v(data, cats[i], cats[j]),
                    method="cramers_v",
                )
            )
    return out


def _cramers_v(data: pl.DataFrame, a: str, b: str) -> float:
    table = data.select(pl.col(a).cast(pl.String), pl.col(b).cast(pl.String)).drop_nulls()
    counts = table.group_by([a, b]).len().pivot(on=b, index=a, values="len").fill_null(0)
    observed = counts.drop(a).to_numpy().astype(float)
    n = observed.sum()
    if n == 0 or min(observed.shape) < 2:
        return 0.0
    expected = observed.sum(1, keepdims=True) * observed.sum(0, keepdims=True) / n
    chi2 = float(((observed - expected) ** 2 / np.where(expected == 0, 1, expected)).sum())
    return math.sqrt(chi2 / (n * (min(observed.shape) - 1)))


def anomalous_rows(
    data: pl.DataFrame, profiles: list[ColumnProfile], limit: int = 10
) -> list[dict[str, Any]]:
    """Rows whose most extreme numeric value is far out in robust z-scores."""
    numeric = [p.name for p in profiles if p.kind == "numeric" and p.distinct > 2]
    if not numeric or data.height == 0:
        return []
    scores = []
    for n in numeric:
        x = pl.col(n).cast(pl.Float64)
        mad = (x - x.median()).abs().median() * 1.4826
        scores.append(
            ((x - x.median()).abs() / pl.when(mad > 0).then(mad).otherwise(None)).fill_null(0)
        )
    scored = data.with_row_index("__row").with_columns(pl.max_horizontal(scores).alias("__score"))
    top = scored.filter(pl.col("__score") > 5).sort("__score", descending=True).head(limit)
    return [{k: json_value(v) for k, v in row.items()} for row in top.iter_rows(named=True)]


def target_analysis(
    data: pl.DataFrame, profiles: list[ColumnProfile], target: str
) -> TargetAnalysis:
    profile = next(p for p in profiles if p.name == target)
    classification = profile.kind in ("text", "boolean") or (
        profile.type.startswith(("Int", "UInt")) and profile.distinct <= 20
    )
    result = TargetAnalysis(
        column=target, problem="classification" if classification else "regression"
    )
    data = data.filter(pl.col(target).is_not_null())
    if classification:
        counts = data[target].value_counts(sort=True)
        result.classes = [TopValue(value=json_value(r[0]), count=int(r[1])) for r in counts.rows()]
        if len(result.classes) >= 2:
            result.imbalance_ratio = result.classes[0].count / max(result.classes[-1].count, 1)
    else:
        result.histogram = profile.histogram
    try:
        _models(data, profiles, target, result)
    except ImportError:
        result.error = "scikit-learn is not installed; the model-based analyses are off"
    except ValueError as err:
        result.error = f"the quick model could not run: {err}"
    return result


def _models(
    data: pl.DataFrame, profiles: list[ColumnProfile], target: str, result: TargetAnalysis
) -> None:
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.metrics import accuracy_score, f1_score, mean_squared_error, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    features = [
        p.name for p in profiles
        if p.name != target and p.kind in ("numeric", "boolean", "text") and p.distinct > 1
        and not (p.kind == "text" and p.distinct > 0.5 * max(p.count, 1))
    ]  # fmt: skip
    if not features or data.height < 20:
        raise ValueError("need at least one usable feature and 20 rows with a target")
    columns = []
    for n in features:
        if data[n].dtype.is_numeric() or data[n].dtype == pl.Boolean:
            columns.append(data[n].cast(pl.Float64).fill_null(np.nan).to_numpy())
        else:
            columns.append(
                data[n]
                .cast(pl.String)
                .cast(pl.Categorical)
                .to_physical()
                .cast(pl.Float64)
                .fill_null(-1)
                .to_numpy()
            )
    x = np.nan_to_num(np.column_stack(columns), nan=-1e9, posinf=1e9, neginf=-1e9)
    classification = result.problem == "classification"
    y = (
        data[target].cast(pl.String).to_numpy()
        if classification
        else data[target].cast(pl.Float64).to_numpy()
    )
    stratify = y if classification and min(np.unique(y, return_counts=True)[1]) >= 2 else None
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=0.25, random_state=0, stratify=stratify
    )

    def score(y_true: Any, y_pred: Any) -> float:
        if classification:
            return float(f1_score(y_true, y_pred, average="macro"))
        return float(r2_score(y_true, y_pred))

    metric = "macro F1" if classification else "R²"
    tree = DecisionTreeClassifier if classification else DecisionTreeRegressor
    for i, n in enumerate(features):
        model = tree(max_depth=4, random_state=0).fit(x_tr[:, [i]], y_tr)
        s = score(y_te, model.predict(x_te[:, [i]]))
        result.feature_power.append(
            FeaturePower(column=n, score=s, metric=metric, leakage=s > 0.95)
        )
    result.feature_power.sort(key=lambda f: -f.score)
    forest = (RandomForestClassifier if classification else RandomForestRegressor)(
        n_estimators=40, max_depth=12, n_jobs=2, random_state=0
    ).fit(x_tr, y_tr)
    pred = forest.predict(x_te)
    if classification:
        metrics = {"accuracy": float(accuracy_score(y_te, pred)), "f1_macro": score(y_te, pred)}
    else:
        metrics = {
            "r2": score(y_te, pred),
            "rmse": float(math.sqrt(mean_squared_error(y_te, pred))),
        }
    importance = sorted(
        zip(features, forest.feature_importances_, strict=True), key=lambda t: -t[1]
    )
    result.quick_model = QuickModel(
        problem=result.problem,
        model=f"random forest ({forest.n_estimators} trees)",
        train_rows=len(y_tr),
        test_rows=len(y_te),
        metrics=metrics,
        feature_importance={n: float(v) for n, v in importance},
    )


def build_report(
    frame: pl.LazyFrame,
    *,
    target: str | None,
    sample_rows: int,
    seed: int = 0,
    memory_budget: int = 1 << 30,
) -> Report:
    """The whole report; data larger than ``memory_budget`` bytes is read a group of
    columns at a time."""
    started = time.perf_counter()
    stats = statistics(frame, memory_budget)
    table, profiles, distinct = stats.table, stats.columns, stats.texts
    source = frame if stats.data is None else stats.data.lazy()
    data, described = take_sample(source, Sampling(method="random", n=sample_rows, seed=seed))
    found = alerts(table, profiles, text_checks(profiles, distinct, data))
    corr = correlations(data, profiles)
    for c in corr:
        if abs(c.value) > 0.9:
            found.append(
                Alert(
                    kind="high_correlation",
                    severity="info",
                    column=c.a,
                    message=f"'{c.a}' and '{c.b}' are highly correlated ({c.method} {c.value:.2f})",
                )
            )
    target_result = None
    if target:
        target_result = target_analysis(data, profiles, target)
        for f in target_result.feature_power:
            if f.leakage:
                found.append(
                    Alert(
                        kind="target_leakage",
                        severity="warning",
                        column=f.column,
                        message=f"'{f.column}' alone predicts '{target}' "
                        f"({f.metric} {f.score:.2f}): target leakage?",
                    )
                )
    return Report(
        table=table,
        columns=profiles,
        alerts=found,
        correlations=corr,
        anomalous_rows=anomalous_rows(data, profiles),
        target=target_result,
        sample=described,
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )
