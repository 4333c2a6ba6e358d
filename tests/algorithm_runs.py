"""Running a built-in algorithm's ``train(ctx)`` in-process, as the job entry does, and
reading back what it logged: the algorithm unit tests' one helper."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_smstudio.algorithms.formats import Dataset
from jupyter_smstudio.algorithms.metrics import MetricLogger
from jupyter_smstudio.algorithms.spec import AlgorithmError, AlgorithmSpec, TrainContext


@dataclass
class Run:
    model_dir: str
    log: str
    metrics: dict[str, float]


def train(module: Any, tmp: Path, hyperparameters: dict[str, str], **channels: Dataset) -> Run:
    """Validate ``hyperparameters`` (strings, as SageMaker passes them), train, and return
    the metrics read from the log with the spec's own regexes (what the job records)."""
    out = io.StringIO()
    model_dir = tmp / "model"
    ctx = TrainContext(
        channels=dict(channels),
        hyperparameters=module.SPEC.validate(hyperparameters),
        model_dir=str(model_dir),
        metrics=MetricLogger("algo-1", out),
    )
    module.train(ctx)
    log = out.getvalue()
    found: dict[str, float] = {}
    for metric in module.SPEC.metrics:
        values = re.findall(metric.regex, log)
        if values:
            found[metric.name] = float(values[-1])
    return Run(str(model_dir), log, found)


def assert_client_error(
    spec: AlgorithmSpec, hyperparameters: dict[str, str | None], field: str, words: str
) -> None:
    """Validating ``hyperparameters`` (None: left out) fails as a ClientError naming ``field``."""
    import pytest

    with pytest.raises(AlgorithmError) as err:
        spec.validate({k: v for k, v in hyperparameters.items() if v is not None})
    assert str(err.value).startswith("ClientError: ")
    assert words in str(err.value)
    assert err.value.field == field
