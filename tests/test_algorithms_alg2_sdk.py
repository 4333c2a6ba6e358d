"""The project's SDK classes KNN, FactorizationMachines, RandomCutForest and LDA: what their
``record_set`` writes and the job request ``fit`` sends train with the algorithm as is
(hyperparameter names and values its spec accepts), and the official SDK's own checks."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from jupyter_smstudio import sdk
from jupyter_smstudio.algorithms import serve

from .algorithm_helpers import run_algorithm

RECORDIO = "application/x-recordio-protobuf"
rng = np.random.default_rng(0)
_Y = rng.integers(0, 2, 200).astype(np.float32)
_DENSE = (rng.normal(size=(200, 3)) + _Y[:, None]).astype(np.float32)
_PAIRS = sp.random(200, 30, density=0.1, format="csr", random_state=0, dtype=np.float32)
_COUNTS = rng.poisson(2.0, size=(200, 12)).astype(np.float32)

CASES: list[tuple[str, str, dict[str, Any], Any, Any, dict[str, Any]]] = [
    ("KNN", "knn", {"k": 3, "sample_size": 150, "predictor_type": "classifier"}, _DENSE, _Y, {}),
    (
        "FactorizationMachines",
        "factorization_machines",
        {
            "num_factors": 4,
            "predictor_type": "binary_classifier",
            "epochs": 2,
            "bias_init_method": "normal",
        },
        _PAIRS,
        _Y,
        {},
    ),
    (
        "RandomCutForest",
        "random_cut_forest",
        {"num_trees": 50, "num_samples_per_tree": 32, "eval_metrics": ["accuracy"]},
        _DENSE,
        None,
        {},
    ),
    (
        "LDA",
        "lda",
        {"num_topics": 3, "alpha0": 0.5, "max_restarts": 1, "max_iterations": 5},
        _COUNTS,
        None,
        {"mini_batch_size": 200},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_record_set_and_request_train_the_algorithm(tmp_path: Path, case: tuple[Any, ...]) -> None:
    cls, module, params, X, y, fit_kw = case
    # By keyword: LDA has no instance_count (it trains on one instance, as on SageMaker).
    estimator = getattr(sdk, cls)(
        role=None, instance_type="ml.m5.large", data_location=str(tmp_path / "records"), **params
    )
    records = estimator.record_set(X, labels=y)
    assert records.feature_dim == X.shape[1]
    # What fit does before it sends the request.
    estimator.feature_dim = records.feature_dim
    estimator.mini_batch_size = fit_kw.get("mini_batch_size", estimator.mini_batch_size)
    request = estimator.training_request({"train": records.records_s3_input()}, "sdk-job")
    spec = importlib.import_module(f"jupyter_smstudio.algorithms.{module}").SPEC
    assert request["algorithm"] == spec.name
    typed = spec.validate(
        {k: str(v) if not isinstance(v, list) else v for k, v in request["hyperparameters"].items()}
    )
    assert typed["feature_dim"] == X.shape[1]
    result = run_algorithm(
        tmp_path / "job",
        spec.name,
        request["hyperparameters"],
        {"train": (RECORDIO, Path(records.s3_data))},
    )
    assert result.status == 0, result.failure
    model = serve.model_fn(str(result.model_dir))
    predictions = serve.predict_fn(np.asarray(X[:2].toarray() if sp.issparse(X) else X[:2]), model)
    assert len(predictions["predictions"]) == 2


def test_the_official_sdks_own_checks() -> None:
    with pytest.raises(ValueError, match="dimension_reduction_target"):
        sdk.KNN(
            None,
            1,
            "ml.m5.large",
            k=3,
            sample_size=10,
            predictor_type="classifier",
            dimension_reduction_type="sign",
        )
    with pytest.raises(ValueError, match="fixed mini_batch_size of 1000"):
        sdk.RandomCutForest(None, 1, "ml.m5.large").fit([], mini_batch_size=10)
    with pytest.raises(ValueError, match="mini_batch_size must be set"):
        sdk.LDA(None, "ml.m5.large", num_topics=2).fit([])
