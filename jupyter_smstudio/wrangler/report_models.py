"""What the data quality and insights report says, as the API returns it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Kind = Literal["numeric", "text", "boolean", "temporal", "other"]


class Alert(BaseModel):
    kind: str
    severity: Literal["info", "warning"]
    column: str | None
    message: str


class Bin(BaseModel):
    start: float
    end: float
    count: int


class TopValue(BaseModel):
    value: Any
    count: int


class ColumnProfile(BaseModel):
    name: str
    type: str
    kind: Kind
    count: int
    missing: int
    missing_pct: float
    distinct: int
    min: Any = None
    max: Any = None
    mean: float | None = None
    std: float | None = None
    quantiles: dict[str, float | None] = Field(default_factory=dict)
    zeros: int | None = None
    infinite: int | None = None
    skew: float | None = None
    outliers: int | None = Field(
        None, description="Beyond the quartiles ± 3 IQR (Tukey's far-out fences)."
    )
    histogram: list[Bin] = Field(default_factory=list)
    top_values: list[TopValue] = Field(default_factory=list)
    mean_length: float | None = None


class Correlation(BaseModel):
    a: str
    b: str
    value: float
    method: Literal["pearson", "cramers_v"]


class FeaturePower(BaseModel):
    column: str
    score: float
    metric: str
    leakage: bool


class QuickModel(BaseModel):
    problem: Literal["classification", "regression"]
    model: str
    train_rows: int
    test_rows: int
    metrics: dict[str, float]
    feature_importance: dict[str, float]


class TargetAnalysis(BaseModel):
    column: str
    problem: Literal["classification", "regression"]
    classes: list[TopValue] = Field(default_factory=list)
    histogram: list[Bin] = Field(default_factory=list)
    imbalance_ratio: float | None = None
    feature_power: list[FeaturePower] = Field(default_factory=list)
    quick_model: QuickModel | None = None
    error: str | None = None


class TableProfile(BaseModel):
    rows: int
    columns: int
    duplicate_rows: int
    memory_bytes: int
    missing_cells: int


class Report(BaseModel):
    table: TableProfile
    columns: list[ColumnProfile]
    alerts: list[Alert]
    correlations: list[Correlation]
    anomalous_rows: list[dict[str, Any]]
    target: TargetAnalysis | None = None
    sample: str = Field(description="The rows that correlations and models used.")
    elapsed_ms: float
