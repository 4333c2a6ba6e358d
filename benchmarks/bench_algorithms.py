"""Built-in algorithms against the libraries they run on, in the same process and run.

Each pair trains on the same data with the same parameters, interleaved in rounds:
XGBoost's algorithm entry point (CSV channel read, validated, trained, logged, saved)
against ``xgboost.train`` on the same CSV read with pyarrow; K-Means and PCA against
scikit-learn's own estimators on the same matrix; Linear Learner (binary) against
``LogisticRegression`` on the same split, with both accuracies in the description.
``SMSTUDIO_BENCH_ROWS`` sets the row count (the issue's figure is 1,000,000).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from tests.algorithm_helpers import run_algorithm, write_channel

from .harness import BenchError, Result, Series, interleave, timed

DESCRIPTION = "Built-in algorithms vs. their libraries run directly"
ROWS = int(os.environ.get("SMSTUDIO_BENCH_ROWS", "200000"))
XGB_PARAMS = {"objective": "binary:logistic", "max_depth": 6, "eta": 0.3, "tree_method": "hist"}
ROUNDS_XGB = 20


def _quiet(fn: Any) -> Any:
    def run() -> Any:
        with contextlib.redirect_stdout(io.StringIO()):
            return fn()

    return run


def run(rounds: int = 3) -> Result:
    try:
        import pyarrow.csv as pacsv
        import xgboost as xgb
        from sklearn.cluster import KMeans
        from sklearn.datasets import make_blobs, make_classification
        from sklearn.decomposition import PCA
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
    except ImportError as err:
        raise BenchError(f"{err}: install the 'algorithms' extra") from None
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        X, y = make_classification(n_samples=ROWS, n_features=20, random_state=0)
        train = write_channel(root / "xgb", "text/csv", X.astype(np.float32), y)

        def direct_xgb() -> None:
            table = pacsv.read_csv(
                train / "part-0", read_options=pacsv.ReadOptions(autogenerate_column_names=True)
            )
            m = np.column_stack([c.to_numpy() for c in table.columns])
            xgb.train(XGB_PARAMS, xgb.DMatrix(m[:, 1:], label=m[:, 0]), ROUNDS_XGB)

        def algorithm_xgb() -> None:
            hp = {**XGB_PARAMS, "num_round": ROUNDS_XGB}
            result = run_algorithm(root / "ml-xgb", "xgboost", hp, {"train": ("text/csv", train)})
            if result.status:
                raise BenchError(result.failure or result.log[-500:])

        xgb_direct = Series(f"xgboost.train directly ({ROWS:,} x 20 CSV)")
        xgb_alg = Series("XGBoost algorithm entry point", baseline=xgb_direct.name)

        Xc, yc = X[: ROWS // 2], y[: ROWS // 2]
        cut = len(yc) * 7 // 10
        ll_train = write_channel(root / "ll", "text/csv", Xc[:cut].astype(np.float32), yc[:cut])
        ll_test = write_channel(root / "ll-test", "text/csv", Xc[cut:].astype(np.float32), yc[cut:])
        accuracy: dict[str, float] = {}

        def direct_ll() -> None:
            model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
            accuracy["sklearn"] = model.fit(Xc[:cut], yc[:cut]).score(Xc[cut:], yc[cut:])

        def algorithm_ll() -> None:
            result = run_algorithm(
                root / "ml-ll", "linear-learner", {"predictor_type": "binary_classifier"},
                {"train": ("text/csv", ll_train), "test": ("text/csv", ll_test)},
            )  # fmt: skip
            accuracy["linear-learner"] = result.metric("test:binary_classification_accuracy")

        ll_direct = Series(f"LogisticRegression ({cut:,} x 20)")
        ll_alg = Series("Linear Learner algorithm entry point", baseline=ll_direct.name)

        B, _ = make_blobs(n_samples=ROWS, n_features=50, centers=10, random_state=0)
        B = B.astype(np.float32)
        blobs = write_channel(root / "blobs", "application/x-recordio-protobuf", B)

        def direct_kmeans() -> None:
            KMeans(10, init="k-means++", n_init=1, random_state=0).fit(B)

        def algorithm_kmeans() -> None:
            hp = {"k": 10, "feature_dim": 50, "init_method": "kmeans++"}
            run_algorithm(root / "ml-km", "kmeans", hp, {"train": (RECORDIO, blobs)})

        def direct_pca() -> None:
            PCA(10, svd_solver="covariance_eigh").fit(B)

        def algorithm_pca() -> None:
            hp = {"feature_dim": 50, "num_components": 10, "mini_batch_size": 1000}
            run_algorithm(root / "ml-pca", "pca", hp, {"train": (RECORDIO, blobs)})

        km_direct = Series(f"sklearn KMeans ({ROWS:,} x 50)")
        km_alg = Series("K-Means algorithm entry point (recordIO)", baseline=km_direct.name)
        pca_direct = Series(f"sklearn PCA ({ROWS:,} x 50)")
        pca_alg = Series("PCA algorithm entry point (recordIO)", baseline=pca_direct.name)
        pairs = [
            (xgb_direct, direct_xgb), (xgb_alg, algorithm_xgb),
            (ll_direct, direct_ll), (ll_alg, algorithm_ll),
            (km_direct, direct_kmeans), (km_alg, algorithm_kmeans),
            (pca_direct, direct_pca), (pca_alg, algorithm_pca),
        ]  # fmt: skip
        interleave(rounds, [timed(s, _quiet(fn)) for s, fn in pairs], warmup=False)
    gap = (accuracy["linear-learner"] - accuracy["sklearn"]) * 100
    return Result(
        "algorithms",
        f"{DESCRIPTION} (Linear Learner accuracy {accuracy['linear-learner']:.4f} vs "
        f"LogisticRegression {accuracy['sklearn']:.4f}: {gap:+.2f} points)",
        [s for s, _ in pairs],
        targets={
            xgb_alg.name: "ratio <= 1.1",
            ll_alg.name: "accuracy within 1 point",
            km_alg.name: "ratio <= 1.2",
            pca_alg.name: "ratio <= 1.2",
        },
    )


RECORDIO = "application/x-recordio-protobuf"
