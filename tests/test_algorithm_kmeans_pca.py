"""K-Means and PCA on scikit-learn: the job entry point and the handlers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from tests.algorithm_helpers import invoke, invoke_recordio, run_algorithm, write_channel

datasets = pytest.importorskip("sklearn.datasets")


@pytest.mark.parametrize("content_type", ["text/csv", "application/x-recordio-protobuf"])
def test_kmeans_recovers_planted_clusters(tmp_path: Path, content_type: str) -> None:
    centers = np.array([[0, 0, 0], [10, 10, 10], [-10, 10, -10], [10, -10, 0]], np.float64)
    X, truth = datasets.make_blobs(n_samples=800, centers=centers, cluster_std=0.5, random_state=1)
    train = write_channel(tmp_path / "train", content_type, X.astype(np.float32), parts=2)
    test = write_channel(tmp_path / "test", content_type, X[:200].astype(np.float32))
    hp = {"k": 4, "feature_dim": 3, "init_method": "kmeans++", "eval_metrics": '["msd","ssd"]'}
    result = run_algorithm(
        tmp_path / "ml",
        "kmeans",
        hp,
        {"train": (content_type, train), "test": (content_type, test)},
    )
    assert result.status == 0, result.log
    assert result.metric("test:msd") < 1.0  # 3 dims x 0.25 variance
    assert result.metric("test:ssd") == pytest.approx(result.metric("test:msd") * 200, rel=1e-4)

    csv = "\n".join(",".join(map(str, r)) for r in centers)
    body, _ = invoke(result.model_dir, csv, "text/csv", "application/json")
    predictions = json.loads(body)["predictions"]
    assert [set(p) for p in predictions] == [{"closest_cluster", "distance_to_cluster"}] * 4
    assert len({p["closest_cluster"] for p in predictions}) == 4  # one cluster per planted centre
    assert all(p["distance_to_cluster"] < 0.2 for p in predictions)
    # Every planted cluster maps to exactly one found cluster.
    body, _ = invoke(
        result.model_dir,
        "\n".join(",".join(map(str, r)) for r in X),
        "text/csv",
        "application/jsonlines",
    )
    found = np.array([json.loads(line)["closest_cluster"] for line in body.decode().splitlines()])
    for label in range(4):
        assert len(set(found[truth == label])) == 1
    clusters = invoke_recordio(result.model_dir, centers.astype(np.float32), "closest_cluster")
    assert [int(c) for c in clusters] == [p["closest_cluster"] for p in predictions]


@pytest.mark.parametrize(
    ("hyperparameters", "message"),
    [
        ({"feature_dim": 3}, "ClientError: Missing required hyperparameter: k"),
        ({"k": 2}, "ClientError: Missing required hyperparameter: feature_dim"),
        (
            {"k": 2, "feature_dim": 3, "init_method": "best"},
            "ClientError: Invalid value for hyperparameter init_method",
        ),
    ],
)
def test_kmeans_bad_hyperparameters(
    tmp_path: Path, hyperparameters: dict[str, object], message: str
) -> None:
    train = write_channel(tmp_path / "train", "text/csv", np.ones((4, 3)))
    result = run_algorithm(
        tmp_path / "ml", "kmeans", hyperparameters, {"train": ("text/csv", train)}
    )
    assert result.status == 1
    assert result.failure is not None
    assert result.failure.startswith(message), result.failure


@pytest.mark.parametrize(
    ("mode", "content_type", "subtract_mean"),
    [
        ("regular", "text/csv", True),
        ("randomized", "application/x-recordio-protobuf", True),
        ("regular", "text/csv", False),
    ],
)
def test_pca_projections_match_scikit_learn(
    tmp_path: Path, mode: str, content_type: str, subtract_mean: bool
) -> None:
    from sklearn.decomposition import PCA

    X = datasets.load_digits().data.astype(np.float32)
    train = write_channel(tmp_path / "train", content_type, X, parts=2)
    hp = {
        "feature_dim": 64,
        "num_components": 5,
        "mini_batch_size": 200,
        "algorithm_mode": mode,
        "subtract_mean": subtract_mean,
    }
    result = run_algorithm(tmp_path / "ml", "pca", hp, {"train": (content_type, train)})
    assert result.status == 0, result.log
    body, _ = invoke(
        result.model_dir,
        "\n".join(",".join(map(str, r)) for r in X[:50]),
        "text/csv",
        "application/json",
    )
    projections = np.array([p["projection"] for p in json.loads(body)["projections"]])
    assert projections.shape == (50, 5)
    reference = PCA(5).fit(X).transform(X[:50]) if subtract_mean else None
    if reference is not None:
        # Components agree up to sign.
        for j in range(5):
            a, b = projections[:, j], reference[:, j]
            assert min(np.abs(a - b).max(), np.abs(a + b).max()) < 1e-2 * np.abs(b).max()


def test_pca_on_sparse_records_and_its_limits(tmp_path: Path) -> None:
    X = sp.random(300, 40, density=0.1, format="csr", random_state=0, dtype=np.float32)
    train = write_channel(tmp_path / "train", "application/x-recordio-protobuf", X)
    hp = {"feature_dim": 40, "num_components": 3, "mini_batch_size": 100}
    result = run_algorithm(
        tmp_path / "ml", "pca", hp, {"train": ("application/x-recordio-protobuf", train)}
    )
    assert result.status == 0, result.log
    sparse_json = {
        "instances": [{"data": {"features": {"keys": [0, 5], "shape": [40], "values": [1.0, 2.0]}}}]
    }
    body, _ = invoke(
        result.model_dir, json.dumps(sparse_json), "application/json", "application/json"
    )
    assert len(json.loads(body)["projections"][0]["projection"]) == 3
    bad = run_algorithm(
        tmp_path / "ml2",
        "pca",
        {**hp, "num_components": 41},
        {"train": ("application/x-recordio-protobuf", train)},
    )
    assert bad.failure is not None
    assert bad.failure.startswith(
        "ClientError: num_components (41) must be at most feature_dim (40)."
    )
    missing = run_algorithm(
        tmp_path / "ml3",
        "pca",
        {"feature_dim": 40, "num_components": 3},
        {"train": ("application/x-recordio-protobuf", train)},
    )
    assert missing.failure == "ClientError: Missing required hyperparameter: mini_batch_size"
