"""Run flows: sample, fit, apply, preview with diffs, errors per step.

The preview works on a sample that is computed once per source and sampling
and kept in memory, and each step's output on it is cached by the hash of the
steps up to it, so editing step k replays only k and what follows. Full runs
apply the same steps lazily to the whole source.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from typing import Any

import polars as pl

from ..errors import InvalidInput
from . import codeexec
from .models import (
    ColumnInfo,
    Diff,
    FlowDocument,
    Preview,
    RejectedRow,
    Step,
    StepStatus,
)
from .operators.base import Context
from .operators.registry import get_operator
from .sources import STREAMING, SourceReader, sample

#: Step outputs on samples kept in memory (each at most the sample size).
CACHE_ENTRIES = 64


class LRU:
    """A small thread-safe LRU cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return None

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)


class EngineContext(Context):
    def __init__(self, reader: SourceReader, code_memory_bytes: int | None = None) -> None:
        self.reader = reader
        self.code_memory_bytes = code_memory_bytes

    def load_other(self, source: Any, field: str) -> pl.LazyFrame:
        return self.reader.load(source, field_prefix=field).frame

    def run_code(
        self, frame: pl.DataFrame, language: str, code: str, timeout_s: float
    ) -> pl.DataFrame:
        return codeexec.run_code(frame, language, code, timeout_s, self.code_memory_bytes)


@dataclass
class StepResult:
    frame: pl.DataFrame | None
    status: StepStatus


@dataclass
class Chain:
    """Outputs of every step on the sample; the source sample is ``outputs[0]``."""

    sample: pl.DataFrame
    description: str
    rejected: list[RejectedRow]
    results: list[StepResult] = field(default_factory=list)


def error_text(err: BaseException) -> tuple[str, str | None]:
    """A user-facing message and field for a failure inside a step."""
    if isinstance(err, InvalidInput):
        return err.message, err.field
    if isinstance(err, pl.exceptions.ColumnNotFoundError):
        first = str(err).strip().splitlines()[0]
        return f"unknown column: {first}", None
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}"[:1000], None


def _digest(value: Any) -> str:
    raw = json.dumps(value, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def check_columns(frame: pl.LazyFrame, step: Step) -> Any:
    """Parse the step's parameters and name any column the input does not have."""
    op = get_operator(step.operator)
    params = op.parse(step.params)
    names = frame.collect_schema().names()
    for field_name, column in op.columns(params):
        if column not in names:
            shown = ", ".join(names[:20]) + (", ..." if len(names) > 20 else "")
            raise InvalidInput(
                f"{field_name}: no column '{column}' in this step's input (columns: {shown})",
                field=field_name,
            )
    return op, params


class Engine:
    """Flow execution on samples (cached) and on full data."""

    def __init__(self, reader: SourceReader, code_memory_bytes: int | None = None) -> None:
        self.reader = reader
        self.ctx = EngineContext(reader, code_memory_bytes)
        self._samples = LRU(8)
        self._outputs = LRU(CACHE_ENTRIES)

    # ---- sources and samples --------------------------------------------
    def source(self, flow: FlowDocument) -> tuple[pl.LazyFrame, str, list[RejectedRow]]:
        if flow.source is None:
            raise InvalidInput("source: this flow has no source yet; pick one", field="source")
        loaded = self.reader.load(flow.source)
        return loaded.frame, loaded.key, loaded.rejected

    def sample(self, flow: FlowDocument) -> tuple[pl.DataFrame, str, str, list[RejectedRow]]:
        frame, key, rejected = self.source(flow)
        sample_key = _digest([key, flow.sampling.model_dump()])
        cached = self._samples.get(sample_key)
        if cached is None:
            try:
                cached = sample(frame, flow.sampling)
            except pl.exceptions.PolarsError as err:
                message, _ = error_text(err)
                raise InvalidInput(
                    f"source: cannot read the data: {message}", field="source"
                ) from err
            self._samples.put(sample_key, cached)
        data, description = cached
        return data, description, sample_key, rejected

    # ---- running steps ------------------------------------------------------
    def run_step(
        self, frame: pl.LazyFrame, step: Step, *, check: bool
    ) -> tuple[pl.LazyFrame, list[str]]:
        op, params = check_columns(frame, step)
        if step.fitted is None and op.needs_fit(params):
            op.fit(frame, params, self.ctx)  # say why it could not be fitted, if it cannot
        out = op.apply(frame, params, step.fitted, self.ctx)
        warnings: list[str] = []
        if check and op.fits and step.fitted is not None:
            warnings = op.check(frame.collect(), params, step.fitted)
        return out, warnings

    def chain(self, flow: FlowDocument, upto: int | None = None) -> Chain:
        """Every step's output on the sample (cached), stopping at the first failure."""
        data, description, key, rejected = self.sample(flow)
        chain = Chain(data, description, rejected)
        current: pl.DataFrame | None = data
        prefix = key
        steps = flow.steps if upto is None else flow.steps[: upto + 1]
        for step in steps:
            prefix = _digest([prefix, step.model_dump(exclude={"title"})])
            if current is None:
                chain.results.append(
                    StepResult(
                        None, StepStatus(id=step.id, error="skipped: an earlier step failed")
                    )
                )
                continue
            cached = self._outputs.get(prefix)
            if cached is None:
                cached = self._compute(current, step)
                self._outputs.put(prefix, cached)
            chain.results.append(cached)
            current = cached.frame
        return chain

    def _compute(self, frame: pl.DataFrame, step: Step) -> StepResult:
        try:
            out, warnings = self.run_step(frame.lazy(), step, check=True)
            return StepResult(out.collect(), StepStatus(id=step.id, warnings=warnings))
        except (InvalidInput, pl.exceptions.PolarsError, ValueError, TypeError) as err:
            message, field_name = error_text(err)
            return StepResult(None, StepStatus(id=step.id, error=message, error_field=field_name))

    def fit(self, flow: FlowDocument, start: int, *, full: bool) -> list[Step]:
        """Refit the steps from ``start`` on (on the sample or the full data).

        Steps before ``start`` keep their fitted values; a step that cannot be fitted
        keeps none, and the steps after it are left as they were.
        """
        if full:
            frame, _, _ = self.source(flow)
            fitted_on = "full data"
        else:
            data, description, _, _ = self.sample(flow)
            frame, fitted_on = data.lazy(), f"sample ({description})"
        steps = [s.model_copy(deep=True) for s in flow.steps]
        for index, step in enumerate(steps):
            try:
                op, params = check_columns(frame, step)
                if index >= start and op.fits:
                    step.fitted = op.fit(frame, params, self.ctx)
                    step.fitted_on = fitted_on if step.fitted is not None else None
                frame = op.apply(frame, params, step.fitted, self.ctx)
                if not full:
                    frame = frame.collect().lazy()
            except (InvalidInput, pl.exceptions.PolarsError, ValueError, TypeError):
                if index >= start and get_operator(step.operator).fits:
                    step.fitted, step.fitted_on = None, None
                break
        return steps

    def run_full(self, flow: FlowDocument, upto: int | None = None) -> pl.LazyFrame:
        """The flow's output on the full data with the stored fitted values."""
        frame, _, _ = self.source(flow)
        steps = flow.steps if upto is None else flow.steps[: upto + 1]
        for step in steps:
            try:
                frame, _ = self.run_step(frame, step, check=False)
            except InvalidInput as err:
                raise InvalidInput(f"step {step.id}: {err.message}", field=err.field) from err
        return frame

    # ---- preview ------------------------------------------------------------
    def preview(
        self, flow: FlowDocument, step_id: str | None, offset: int, limit: int, scope: str
    ) -> Preview:
        started = time.perf_counter()
        index = _step_index(flow, step_id)
        chain = self.chain(flow)
        statuses = [r.status for r in chain.results]
        before = chain.sample if index <= 0 else chain.results[index - 1].frame
        result = chain.results[index] if index >= 0 else StepResult(chain.sample, StepStatus(id=""))
        if scope == "full" and result.frame is not None:
            full = (
                self.run_full(flow, index if index >= 0 else -1)
                if index >= 0
                else self.source(flow)[0]
            )
            page: pl.DataFrame | None = full.slice(offset, limit).collect(engine=STREAMING)
            total = int(full.select(pl.len()).collect(engine=STREAMING).item())
            sample_text = "full data"
        else:
            page = result.frame.slice(offset, limit) if result.frame is not None else None
            total = result.frame.height if result.frame is not None else 0
            sample_text = chain.description
        diff = None
        if index >= 0 and result.frame is not None and before is not None:
            diff = make_diff(before, result.frame)
        shown = (
            page if page is not None else (before if before is not None else chain.sample).head(0)
        )
        return Preview(
            step=flow.steps[index].id if index >= 0 else None,
            scope=scope,
            sample=sample_text,
            total_rows=total,
            offset=offset,
            columns=[ColumnInfo(name=n, type=str(t)) for n, t in shown.schema.items()],
            rows=json_rows(page) if page is not None else [],
            diff=diff,
            error=result.status.error,
            error_field=result.status.error_field,
            steps=statuses,
            rejected_rows=chain.rejected[:100],
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )


def _step_index(flow: FlowDocument, step_id: str | None) -> int:
    if step_id is None:
        return len(flow.steps) - 1
    if step_id == "source":
        return -1
    for i, step in enumerate(flow.steps):
        if step.id == step_id:
            return i
    raise InvalidInput(f"step: no step '{step_id}' in this flow", field="step")


def make_diff(before: pl.DataFrame, after: pl.DataFrame) -> Diff:
    old, new = before.schema, after.schema
    return Diff(
        rows_before=before.height,
        rows_after=after.height,
        added_columns=[c for c in new if c not in old],
        removed_columns=[c for c in old if c not in new],
        changed_types={c: str(t) for c, t in new.items() if c in old and old[c] != t},
    )


def json_value(value: Any) -> Any:
    """A JSON-safe cell: NaN/inf as text, dates as ISO strings."""
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (datetime, date, dtime)):
        return value.isoformat()
    if isinstance(value, (timedelta, Decimal, bytes)):
        return str(value)
    if isinstance(value, list):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    return value


def json_rows(frame: pl.DataFrame) -> list[list[Any]]:
    simple = (
        pl.Int64,
        pl.Int32,
        pl.Int16,
        pl.Int8,
        pl.UInt32,
        pl.UInt16,
        pl.UInt8,
        pl.String,
        pl.Boolean,
    )
    if all(dtype in simple for dtype in frame.schema.values()):
        return [list(row) for row in frame.rows()]
    return [[json_value(v) for v in row] for row in frame.rows()]
