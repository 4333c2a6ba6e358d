"""SageMaker's Random Cut Forest (RCF) anomaly detection, on ``rrcf``.

Training draws ``num_samples_per_tree`` points of the ``train`` channel at random for each
of ``num_trees`` robust random cut trees (``rrcf.RCTree``, the Guha et al. 2016
construction SageMaker's RCF follows). A point's anomaly ``score`` is its collusive
displacement (CoDisp) when inserted into each tree, averaged over the forest: high means
anomalous. A labelled ``test`` channel (label 1 = anomaly) gives ``test:f1`` with
SageMaker's three-sigma rule (a point is anomalous when its score exceeds the test
scores' mean by three standard deviations); ``eval_metrics`` adds ``test:accuracy`` and
``test:precision``/``test:recall``.

The model keeps each tree's sample and seed, and rebuilds the same trees when loaded
(no pickles in model artifacts).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from typing import Any

import numpy as np
import numpy.typing as npt

from ._common import UNUSED_BATCH, check_width, fit_width, mini_batch_size, widen
from .evaluation import dense as _dense
from .evaluation import f1_counts, log_test_metrics
from .metrics import quality_metric
from .spec import AlgorithmError, AlgorithmSpec, Hyperparameter, TrainContext, client_error

Array = npt.NDArray[np.float64]
_EVAL = ("accuracy", "precision_recall_fscore")

SPEC = AlgorithmSpec(
    name="randomcutforest",
    title="Random Cut Forest",
    doc="Unsupervised anomaly detection: a forest of random cut trees scores how much a "
    "point stands out from the training data.",
    hyperparameters=(
        Hyperparameter(
            "feature_dim",
            "int",
            "The number of features in the data set.",
            required=True,
            range=(1, 10000),
        ),
        Hyperparameter(
            "eval_metrics",
            "list",
            "Metrics scored on a labelled test channel: accuracy, precision_recall_fscore.",
            default=list(_EVAL),
            choices=_EVAL,
        ),
        Hyperparameter(
            "num_samples_per_tree",
            "int",
            "Random samples given to each tree.",
            default=256,
            range=(1, 2048),
        ),
        Hyperparameter("num_trees", "int", "Trees in the forest.", default=100, range=(50, 1000)),
        mini_batch_size(None, doc=UNUSED_BATCH),
    ),
    channels=("train", "test"),
    metrics=(
        quality_metric("test", "f1", "Maximize"),
        quality_metric("test", "accuracy", "Maximize"),
        quality_metric("test", "precision", "Maximize"),
        quality_metric("test", "recall", "Maximize"),
    ),
    repositories=("randomcutforest",),
    output_keys=("score",),
    response_key="scores",
    label_size=0,
)


class _Forest:
    """The forest's anomaly scores without changing its trees.

    rrcf scores a new point by inserting it (``insert_point``), reading its collusive
    displacement (``codisp``) and forgetting it again: a mutation per point and tree, and
    an O(n) scan per insert. The same value follows from the tree as it is: inserting
    above node ``N`` gives ``max(N.n, chain(N))``, where ``chain`` is the largest
    ``sibling.n / subtree size`` over ``N``'s ancestors; a duplicate of leaf ``L`` gives
    ``chain(L)``. Both are precomputed per node, and every tree's nodes are flattened into
    arrays, so scoring descends all (row, tree) pairs at once, one level per step, drawing
    each level's cut as ``insert_point`` does (one uniform per tree and depth, fixed, so a
    row's score does not depend on the other rows of its request).
    """

    def __init__(self, trees: list[Any], draws: Array) -> None:
        lo: list[Any] = []
        hi: list[Any] = []
        q: list[int] = []
        p: list[float] = []
        kids: list[list[int]] = []
        leaf: list[bool] = []
        above: list[float] = []
        dup: list[float] = []
        roots: list[int] = []
        for tree in trees:
            roots.append(len(q))
            stack: list[tuple[Any, float, int, int]] = [(tree.root, 0.0, -1, 0)]
            while stack:
                node, chain, parent, side = stack.pop()
                index = len(q)
                if parent >= 0:
                    kids[parent][side] = index
                is_leaf = not hasattr(node, "l")
                box = node.x.reshape(1, -1) if is_leaf else node.b
                lo.append(box[0])
                hi.append(box[-1])
                q.append(0 if is_leaf else int(node.q))
                p.append(0.0 if is_leaf else float(node.p))
                kids.append([index, index])
                leaf.append(is_leaf)
                above.append(max(float(node.n), chain))
                dup.append(chain)
                if not is_leaf:
                    for k, (child, sibling) in enumerate(((node.l, node.r), (node.r, node.l))):
                        stack.append((child, max(sibling.n / (child.n + 1), chain), index, k))
        self.lo = np.asarray(lo, dtype=np.float64)
        self.hi = np.asarray(hi, dtype=np.float64)
        self.q = np.asarray(q, dtype=np.int64)
        self.p = np.asarray(p, dtype=np.float64)
        self.kids = np.asarray(kids, dtype=np.int64)
        self.leaf = np.asarray(leaf, dtype=bool)
        self.above = np.asarray(above, dtype=np.float64)
        self.dup = np.asarray(dup, dtype=np.float64)
        self.roots = np.asarray(roots, dtype=np.int64)
        self.draws = draws  # (trees, depths)

    def per_tree(self, Q: Array) -> Array:
        """(rows, trees) displacement of each row inserted into each tree."""
        trees = len(self.roots)
        row = np.repeat(np.arange(len(Q)), trees)
        tree = np.tile(np.arange(trees), len(Q))
        node = self.roots[tree]
        out = np.zeros(len(row))
        live = np.arange(len(row))
        depth = 0
        while len(live):
            n = node[live]
            P = Q[row[live]]
            at_leaf = self.leaf[n]
            if at_leaf.any():  # a duplicate of the leaf, or its new sibling
                lf, ln = live[at_leaf], n[at_leaf]
                same = np.all(P[at_leaf] == self.lo[ln], axis=1)
                out[lf] = np.where(same, self.dup[ln], self.above[ln])
                live, n, P = live[~at_leaf], n[~at_leaf], P[~at_leaf]
            if not len(live):
                break
            low = np.minimum(self.lo[n], P)
            cum = np.cumsum(np.maximum(self.hi[n], P) - low, axis=1)
            draw = self.draws[tree[live], min(depth, self.draws.shape[1] - 1)]
            r = draw * cum[:, -1]
            dim = np.argmax(cum >= r[:, None], axis=1)
            at = np.arange(len(live))
            cut = low[at, dim] + cum[at, dim] - r
            stops = (cut <= self.lo[n, dim]) | (cut >= self.hi[n, dim])
            out[live[stops]] = self.above[n[stops]]
            live, n, P = live[~stops], n[~stops], P[~stops]
            right = P[np.arange(len(live)), self.q[n]] > self.p[n]
            node[live] = self.kids[n, right.astype(np.int64)]
            depth += 1
        return out.reshape(len(Q), trees)


def _rrcf() -> Any:
    """rrcf's tree module, loaded without the package's ``__init__``.

    rrcf 0.4.4's ``__init__`` reads its version through ``pkg_resources``, which
    setuptools 81+ no longer ships; the tree module itself needs only numpy.
    """
    name = "_smstudio_rrcf_tree"
    if name in sys.modules:
        return sys.modules[name]
    found = importlib.util.find_spec("rrcf")
    if found is None or not found.submodule_search_locations:
        raise AlgorithmError(
            "Random Cut Forest needs rrcf (pip install 'jupyter_smstudio[algorithms]').",
            kind="AlgorithmError",
        )
    path = os.path.join(next(iter(found.submodule_search_locations)), "rrcf.py")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module
    return module


def _tree(rrcf: Any, sample: Array, seed: int) -> Any:
    """rrcf's tree of ``sample``; a one-leaf tree when it has a single distinct point."""
    if len(np.unique(np.around(sample, 9), axis=0)) > 1:
        return rrcf.RCTree(sample, random_state=seed)
    tree = rrcf.RCTree(random_state=seed)
    tree.insert_point(np.around(sample[0], 9), index=0)
    return tree


class RCFModel:
    """A forest of ``rrcf.RCTree``; ``predict`` gives each row's ``score``."""

    def __init__(self, samples: Array, seeds: npt.NDArray[np.int64]) -> None:
        rrcf = _rrcf()
        self.samples = samples  # (num_trees, n_per_tree, d)
        self.seeds = seeds
        self.trees = [
            _tree(rrcf, sample, int(seed)) for sample, seed in zip(samples, seeds, strict=True)
        ]
        draws = np.stack(
            [np.random.default_rng(int(seed)).random(samples.shape[1] + 1) for seed in seeds]
        )
        self._forest = _Forest(self.trees, draws)

    @property
    def feature_dim(self) -> int:
        return int(self.samples.shape[2])

    def scores(self, X: Any) -> Array:
        Q = _dense(fit_width(X, self.feature_dim))
        Q = np.around(Q, decimals=9)  # as rrcf rounds the points it builds trees of
        # At most ~1M (row, tree) pairs per step keeps a large batch's memory bounded.
        step = max(1, 1_000_000 // len(self.trees))
        parts = [
            self._forest.per_tree(Q[i : i + step]).mean(axis=1) for i in range(0, len(Q), step)
        ]
        return np.concatenate(parts) if parts else np.zeros(0)

    def predict(self, X: Any) -> list[dict[str, Any]]:
        return [{"score": float(s)} for s in self.scores(X)]

    def save(self, model_dir: str) -> None:
        os.makedirs(model_dir, exist_ok=True)
        np.savez(os.path.join(model_dir, "rcf-forest.npz"), samples=self.samples, seeds=self.seeds)
        with open(os.path.join(model_dir, "rcf-model.json"), "w", encoding="utf-8") as f:
            json.dump({"num_trees": len(self.trees), "feature_dim": self.feature_dim}, f)


def fit(X: Any, hp: dict[str, Any], seed: int = 0) -> RCFModel:
    """A forest of ``num_trees`` trees, each on ``num_samples_per_tree`` rows of ``X``."""
    rng = np.random.default_rng(seed)
    data = _dense(fit_width(X, hp["feature_dim"]))
    if len(data) == 0:
        raise client_error("The train channel has no records.")
    if len(np.unique(np.around(data, 9), axis=0)) < 2:
        raise client_error("Random Cut Forest needs at least 2 distinct training points.")
    per_tree = min(int(hp["num_samples_per_tree"]), len(data))
    trees = int(hp["num_trees"])
    picks = np.stack([rng.choice(len(data), size=per_tree, replace=False) for _ in range(trees)])
    seeds = rng.integers(0, 2**31 - 1, size=trees).astype(np.int64)
    return RCFModel(data[picks], seeds)


def evaluate(scores: Array, labels: Array, metrics: list[str]) -> dict[str, float]:
    """SageMaker's test metrics: anomalous when the score passes mean + 3 sigma."""
    truth = np.asarray(labels, dtype=np.float64) > 0.5
    predicted = scores > scores.mean() + 3 * scores.std()
    counts = f1_counts(predicted, truth)
    out = {"test:f1": counts["f1"]}
    if "accuracy" in metrics:
        out["test:accuracy"] = float(np.mean(predicted == truth))
    if "precision_recall_fscore" in metrics:
        out["test:precision"] = counts["precision"]
        out["test:recall"] = counts["recall"]
    return out


def train(ctx: TrainContext) -> None:
    width = check_width(ctx)
    model = fit(widen(ctx.channels["train"], width), ctx.hyperparameters)
    model.save(ctx.model_dir)
    test = ctx.channels.get("test")
    if test is not None and test.y is not None:
        scores = model.scores(widen(test, width))
        results = evaluate(scores, test.y, ctx.hyperparameters["eval_metrics"])
        log_test_metrics(ctx, SPEC, results)


def load(model_dir: str) -> RCFModel:
    arrays = np.load(os.path.join(model_dir, "rcf-forest.npz"))
    return RCFModel(arrays["samples"], arrays["seeds"])
