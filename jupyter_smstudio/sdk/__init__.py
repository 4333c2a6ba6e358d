"""SageMaker-Python-SDK-style classes that run on this server (no AWS account).

The classes have the official SDK's signatures (``sagemaker`` 2.x: same positional order
and keyword names); what this server cannot honour raises ``UnsupportedArgument``.
"""

from .algorithms import (
    KNN,
    LDA,
    PCA,
    FactorizationMachines,
    KMeans,
    LinearLearner,
    RandomCutForest,
    RecordSet,
)
from .base import UnsupportedArgument
from .estimator import Estimator
from .frameworks import (
    PyTorch,
    PyTorchModel,
    PyTorchPredictor,
    SKLearn,
    SKLearnModel,
    SKLearnPredictor,
    XGBoost,
    XGBoostModel,
    XGBoostPredictor,
)
from .inputs import TrainingInput
from .model import Model, Predictor, Transformer
from .processing import ProcessingInput, ProcessingOutput, Processor, ScriptProcessor
from .session import Session
from .tuner import CategoricalParameter, ContinuousParameter, HyperparameterTuner, IntegerParameter

__all__ = [
    "KNN",
    "LDA",
    "PCA",
    "CategoricalParameter",
    "ContinuousParameter",
    "Estimator",
    "FactorizationMachines",
    "HyperparameterTuner",
    "IntegerParameter",
    "KMeans",
    "LinearLearner",
    "Model",
    "Predictor",
    "ProcessingInput",
    "ProcessingOutput",
    "Processor",
    "PyTorch",
    "PyTorchModel",
    "PyTorchPredictor",
    "RandomCutForest",
    "RecordSet",
    "SKLearn",
    "SKLearnModel",
    "SKLearnPredictor",
    "ScriptProcessor",
    "Session",
    "TrainingInput",
    "Transformer",
    "UnsupportedArgument",
    "XGBoost",
    "XGBoostModel",
    "XGBoostPredictor",
]
