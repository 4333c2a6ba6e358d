"""SageMaker's built-in algorithms, trained and served without a script.

Job-side code (``python -m jupyter_smstudio.algorithms.train`` in a job, ``serve`` in the
model server): it imports nothing of the server. The registry names every algorithm and
the module that implements it; modules load on first use (their libraries are heavy).
Each module exposes ``SPEC`` (:class:`~.spec.AlgorithmSpec`), ``train(ctx)`` and
``load(model_dir)`` (an object whose ``predict(X)`` returns the documented records).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import Any, Protocol, cast

from .spec import AlgorithmError, AlgorithmSpec, Model, TrainContext

__all__ = [
    "ALGORITHMS",
    "ALGORITHM_ENV",
    "MARKER",
    "Algorithm",
    "AlgorithmError",
    "AlgorithmSpec",
    "Model",
    "TrainContext",
    "algorithm_for_image",
    "get",
    "names",
]

#: Names the algorithm a job trains or a model server serves.
ALGORITHM_ENV = "SMSTUDIO_ALGORITHM"
#: Written next to the artifacts by training: which algorithm serves the model.
MARKER = "smstudio-algorithm.json"

#: Algorithm name (as the SDK's ``image_uris.retrieve`` framework) -> module in this package.
MODULES: dict[str, str] = {
    "xgboost": "xgboost",
    "linear-learner": "linear_learner",
    "kmeans": "kmeans",
    "pca": "pca",
    "knn": "knn",
    "factorization-machines": "factorization_machines",
    "randomcutforest": "random_cut_forest",
    "lda": "lda",
}

#: ECR repository -> algorithm. The XGBoost algorithm is ``sagemaker-xgboost`` (0.90-1 and
#: later, also the framework image: script mode when ``sagemaker_program`` is set) and the
#: legacy ``xgboost:1``; the first-party algorithms use their own name as repository.
REPOSITORIES: dict[str, str] = {
    "sagemaker-xgboost": "xgboost",
    **{name: name for name in MODULES},
}

#: ``<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>[:tag|@digest]``, and the
#: bare ``<repository>[:tag]`` (what a user may type in the Lab).
_IMAGE = re.compile(
    r"^(?:(?P<host>[^/\s]+\.[^/\s]+)/)?(?P<repo>[a-z0-9][a-z0-9._-]*)(?::[\w.-]+|@sha256:[0-9a-f]+)?$"
)


class Algorithm(Protocol):
    """What an algorithm module provides."""

    SPEC: AlgorithmSpec

    def train(self, ctx: TrainContext) -> None: ...

    def load(self, model_dir: str) -> Model: ...


class _Registry(Mapping[str, Algorithm]):
    """``ALGORITHMS[name]`` imports the algorithm's module on first use."""

    def __getitem__(self, name: str) -> Algorithm:
        module = MODULES.get(name)
        if module is None:
            raise KeyError(name)
        loaded: ModuleType = importlib.import_module(f"{__name__}.{module}")
        return cast(Algorithm, loaded)

    def __iter__(self) -> Iterator[str]:
        return iter(MODULES)

    def __len__(self) -> int:
        return len(MODULES)


ALGORITHMS: Mapping[str, Algorithm] = _Registry()


def names() -> list[str]:
    return list(MODULES)


def get(name: str) -> Algorithm:
    """The algorithm called ``name`` or :class:`AlgorithmError` naming the known ones."""
    try:
        return ALGORITHMS[name]
    except KeyError:
        raise AlgorithmError(
            f"Unknown algorithm {name!r}; known: {', '.join(MODULES)}.", "algorithm"
        ) from None


def available() -> dict[str, Algorithm]:
    """The algorithms whose module is importable (a sibling's module may not exist yet)."""
    found: dict[str, Algorithm] = {}
    for name in MODULES:
        try:
            found[name] = ALGORITHMS[name]
        except ImportError:
            continue
    return found


def algorithm_for_image(uri: str | None) -> str | None:
    """The algorithm an image URI the official SDK resolves stands for, else None."""
    if not uri:
        return None
    match = _IMAGE.match(uri.strip())
    if match is None:
        return None
    host = match.group("host")
    if host is not None and ".dkr.ecr." not in host:
        return None  # another registry's image of the same name is the user's own
    return REPOSITORIES.get(match.group("repo"))


def describe(name: str) -> dict[str, Any]:
    return get(name).SPEC.to_json()
