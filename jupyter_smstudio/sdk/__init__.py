"""SageMaker-Python-SDK-style classes that run on this server (no AWS account)."""

from .estimator import Estimator

__all__ = ["Estimator"]
