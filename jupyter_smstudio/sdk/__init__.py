"""SageMaker-Python-SDK-style classes that run on this server (no AWS account)."""

from .estimator import Estimator
from .tuner import CategoricalParameter, ContinuousParameter, HyperparameterTuner, IntegerParameter

__all__ = ["Estimator"]
__all__ += [
    "CategoricalParameter",
    "ContinuousParameter",
    "HyperparameterTuner",
    "IntegerParameter",
]
