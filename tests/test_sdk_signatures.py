"""``jupyter_smstudio.sdk`` has the official SageMaker SDK's signatures.

Each offered callable takes the official parameters, in the official order and of the
same kind (positional or keyword), so ported notebooks bind their arguments the same
way; it may add keyword-only parameters of its own (``client``, ``backend``,
``workers``) after them. Defaults may differ where this SDK is more lenient (an
``instance_type`` left out runs on the default profile).
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Callable
from typing import Any

import pytest

from jupyter_smstudio import sdk
from jupyter_smstudio.sdk import serializers

os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
try:
    import sagemaker
except ImportError as err:  # the official SDK is in the test extra
    pytest.skip(f"the official SDK is not importable ({err})", allow_module_level=True)

#: (our callable's path in jupyter_smstudio.sdk, the official one's in sagemaker)
PAIRS = [
    ("LinearLearner", "LinearLearner"),
    ("KMeans", "KMeans"),
    ("PCA", "PCA"),
    ("KNN", "KNN"),
    ("FactorizationMachines", "FactorizationMachines"),
    ("RandomCutForest", "RandomCutForest"),
    ("RandomCutForest.fit", "amazon.amazon_estimator.AmazonAlgorithmEstimatorBase.fit"),
    ("LDA", "LDA"),
    ("LDA.fit", "amazon.amazon_estimator.AmazonAlgorithmEstimatorBase.fit"),
    ("RecordSet", "amazon.amazon_estimator.RecordSet"),
    ("LinearLearner.fit", "amazon.amazon_estimator.AmazonAlgorithmEstimatorBase.fit"),
    ("KMeans.record_set", "amazon.amazon_estimator.AmazonAlgorithmEstimatorBase.record_set"),
    ("Estimator", "estimator.Estimator"),
    ("Estimator.fit", "estimator.Estimator.fit"),
    ("Estimator.deploy", "estimator.Estimator.deploy"),
    ("Estimator.transformer", "estimator.Estimator.transformer"),
    ("Estimator.attach", "estimator.Estimator.attach"),
    ("Estimator.set_hyperparameters", "estimator.Estimator.set_hyperparameters"),
    ("Estimator.create_model", "estimator.Estimator.create_model"),
    ("Estimator.hyperparameters", "estimator.Estimator.hyperparameters"),
    ("Estimator.logs", "estimator.Estimator.logs"),
    ("Model", "model.Model"),
    ("Model.deploy", "model.Model.deploy"),
    ("Model.transformer", "model.Model.transformer"),
    ("Model.delete_model", "model.Model.delete_model"),
    ("Predictor", "predictor.Predictor"),
    ("Predictor.predict", "predictor.Predictor.predict"),
    ("Predictor.update_endpoint", "predictor.Predictor.update_endpoint"),
    ("Predictor.delete_endpoint", "predictor.Predictor.delete_endpoint"),
    ("Predictor.delete_model", "predictor.Predictor.delete_model"),
    ("Transformer", "transformer.Transformer"),
    ("Transformer.transform", "transformer.Transformer.transform"),
    ("Transformer.wait", "transformer.Transformer.wait"),
    ("Transformer.stop_transform_job", "transformer.Transformer.stop_transform_job"),
    ("Processor", "processing.Processor"),
    ("Processor.run", "processing.Processor.run"),
    ("ScriptProcessor", "processing.ScriptProcessor"),
    ("ScriptProcessor.run", "processing.ScriptProcessor.run"),
    ("ProcessingInput", "processing.ProcessingInput"),
    ("ProcessingOutput", "processing.ProcessingOutput"),
    ("HyperparameterTuner", "tuner.HyperparameterTuner"),
    ("HyperparameterTuner.fit", "tuner.HyperparameterTuner.fit"),
    ("HyperparameterTuner.describe", "tuner.HyperparameterTuner.describe"),
    ("HyperparameterTuner.wait", "tuner.HyperparameterTuner.wait"),
    ("HyperparameterTuner.best_training_job", "tuner.HyperparameterTuner.best_training_job"),
    ("HyperparameterTuner.best_estimator", "tuner.HyperparameterTuner.best_estimator"),
    ("HyperparameterTuner.stop_tuning_job", "tuner.HyperparameterTuner.stop_tuning_job"),
    ("HyperparameterTuner.analytics", "tuner.HyperparameterTuner.analytics"),
    ("HyperparameterTuner.deploy", "tuner.HyperparameterTuner.deploy"),
    ("IntegerParameter", "parameter.IntegerParameter"),
    ("ContinuousParameter", "parameter.ContinuousParameter"),
    ("CategoricalParameter", "parameter.CategoricalParameter"),
    ("SKLearn", "sklearn.SKLearn"),
    ("SKLearn.deploy", "sklearn.SKLearn.deploy"),
    ("SKLearn.transformer", "sklearn.SKLearn.transformer"),
    ("SKLearn.create_model", "sklearn.SKLearn.create_model"),
    ("XGBoost.create_model", "xgboost.XGBoost.create_model"),
    ("PyTorch.transformer", "pytorch.PyTorch.transformer"),
    ("XGBoost", "xgboost.XGBoost"),
    ("PyTorch", "pytorch.PyTorch"),
    ("SKLearnModel", "sklearn.SKLearnModel"),
    ("XGBoostModel", "xgboost.XGBoostModel"),
    ("PyTorchModel", "pytorch.PyTorchModel"),
    ("SKLearnPredictor", "sklearn.SKLearnPredictor"),
    ("XGBoostPredictor", "xgboost.XGBoostPredictor"),
    ("PyTorchPredictor", "pytorch.PyTorchPredictor"),
    ("TrainingInput", "inputs.TrainingInput"),
    ("Session", "session.Session"),
    *[
        (f"serializers.{name}", f"serializers.{name}")
        for name in (
            "CSVSerializer",
            "JSONSerializer",
            "NumpySerializer",
            "IdentitySerializer",
            "LibSVMSerializer",
        )
    ],
    *[
        (f"serializers.{name}", f"deserializers.{name}")
        for name in (
            "JSONDeserializer",
            "CSVDeserializer",
            "NumpyDeserializer",
            "BytesDeserializer",
            "StringDeserializer",
        )
    ],
]


def _resolve(root: Any, dotted: str) -> Callable[..., Any]:
    """``root.a.b`` for ``"a.b"``, importing ``root``'s submodules on the way."""
    obj = root
    for part in dotted.split("."):
        if not hasattr(obj, part) and inspect.ismodule(obj):
            importlib.import_module(f"{obj.__name__}.{part}")
        obj = getattr(obj, part)
    return obj  # type: ignore[no-any-return]


def _parameters(func: Callable[..., Any]) -> list[inspect.Parameter]:
    target = func.__init__ if inspect.isclass(func) else func  # type: ignore[misc]
    return [p for p in inspect.signature(target).parameters.values() if p.name != "self"]


def _shape(parameters: list[inspect.Parameter]) -> list[tuple[str, str]]:
    return [(p.name, p.kind.name) for p in parameters]


@pytest.mark.parametrize(("ours", "official"), PAIRS, ids=[p[0] for p in PAIRS])
def test_signature_is_the_official_one(ours: str, official: str) -> None:
    root = sdk if not ours.startswith("serializers.") else serializers
    mine = _parameters(_resolve(root, ours.removeprefix("serializers.")))
    theirs = _parameters(_resolve(sagemaker, official))
    named = [p for p in theirs if p.kind is not inspect.Parameter.VAR_KEYWORD]
    assert _shape(mine[: len(named)]) == _shape(named)
    extra = mine[len(named) :]
    assert all(
        p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.VAR_KEYWORD) for p in extra
    ), f"parameters of our own must be keyword-only: {_shape(extra)}"
    if len(named) < len(theirs):  # the official one passes **kwargs on: so do we
        assert extra
        assert extra[-1].kind is inspect.Parameter.VAR_KEYWORD


def test_every_class_the_package_offers_is_compared() -> None:
    compared = {ours.split(".")[0] for ours, _ in PAIRS}
    offered = {name for name in sdk.__all__ if inspect.isclass(getattr(sdk, name))}
    assert offered - compared == {"UnsupportedArgument"}
