"""Metrics logged the way SageMaker's algorithms log them, and the regexes that read them.

First-party algorithms (Linear Learner, K-Means, PCA, k-NN...) print
``#quality_metric: host=algo-1, epoch=3, validation binary_classification_accuracy <score>=0.97``;
XGBoost prints its evaluation log ``[12]#011train-rmse:0.31#011validation-rmse:0.35``
(``#011`` is how CloudWatch shows the tab; this log has the tab itself). The job's metric
definitions (:meth:`~.spec.AlgorithmSpec.metric_definitions`) are built from these
regexes, so the job records ``validation:binary_classification_accuracy``,
``train:rmse``... in its metrics and ``FinalMetricDataList``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Literal, TextIO

from .spec import MetricSpec

NUMBER = r"([-+]?(?:[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|nan|inf))"
Goal = Literal["Minimize", "Maximize"]


def quality_metric(channel: str, name: str, goal: Goal = "Minimize") -> MetricSpec:
    """``<channel>:<name>`` for a first-party algorithm's ``#quality_metric`` line."""
    kind = "score" if goal == "Maximize" else "loss"
    where = r"#quality_metric: host=\S+, (?:epoch=\S+, )?"
    regex = rf"{where}{re.escape(channel)} {re.escape(name)} <{kind}>={NUMBER}"
    return MetricSpec(f"{channel}:{name}", regex, goal)


def xgboost_metric(channel: str, name: str, goal: Goal = "Minimize") -> MetricSpec:
    """``<channel>:<name>`` read from XGBoost's evaluation log (the last round's value)."""
    regex = rf"\[[0-9]+\].*?(?:\t|#011){re.escape(channel)}-{re.escape(name)}:{NUMBER}"
    return MetricSpec(f"{channel}:{name}", regex, goal)


class MetricLogger:
    """Prints metric lines to the job's log (stdout), where the runner's regexes read them."""

    def __init__(self, host: str = "algo-1", out: TextIO | None = None):
        self.host = host
        self.out = out
        self.values: dict[str, float] = {}

    def _write(self, line: str) -> None:
        stream = self.out or sys.stdout
        stream.write(line + "\n")
        stream.flush()

    def quality(
        self,
        channel: str,
        name: str,
        value: float,
        goal: Goal = "Minimize",
        epoch: int | None = None,
    ) -> None:
        kind = "score" if goal == "Maximize" else "loss"
        where = f"host={self.host}, " + (f"epoch={epoch}, " if epoch is not None else "")
        self.values[f"{channel}:{name}"] = float(value)
        self._write(f"#quality_metric: {where}{channel} {name} <{kind}>={float(value)}")

    def xgboost(self, iteration: int, results: Mapping[str, float]) -> None:
        """One round of XGBoost's evaluation log; ``results`` keys are ``train-rmse``..."""
        for key, value in results.items():
            channel, _, name = key.partition("-")
            self.values[f"{channel}:{name}"] = float(value)
        parts = "".join(f"\t{key}:{value:.5f}" for key, value in results.items())
        self._write(f"[{iteration}]{parts}")

    def info(self, message: str) -> None:
        self._write(message)
