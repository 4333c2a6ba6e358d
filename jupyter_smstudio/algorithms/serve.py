"""Inference for built-in algorithm models, in the algorithms' request/response formats.

The model server (``hosting/server/frameworks.py``, framework ``algorithm``) calls these
four handlers as it calls a script's: ``model_fn`` loads the model (the algorithm is named
by ``SMSTUDIO_ALGORITHM``, the ``smstudio-algorithm.json`` marker training writes, or an
``xgboost-model`` file); ``input_fn`` reads CSV (no label), JSON (``{"instances":
[{"features": [...]}]}``, ``{"instances": [[...]]}``, ``{"features": [...]}``, the sparse
``{"data": {"features": {"keys", "shape", "values"}}}``), JSON Lines, LIBSVM and
recordIO-protobuf; ``predict_fn`` returns one record per row with the algorithm's keys;
``output_fn`` writes JSON ``{"predictions": [...]}``, JSON Lines, CSV or recordIO-protobuf.
Job-side code: errors are :class:`BadRequest` (400) or :class:`Unsupported` (415).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import ALGORITHM_ENV, MARKER, _libs, get
from .formats import CSV, LIBSVM, RECORDIO, Dataset, media_type, parse
from .spec import AlgorithmError, Model

JSON = "application/json"
JSONLINES = "application/jsonlines"
JSONLINES_ALIASES = ("application/jsonlines", "application/x-jsonlines", "application/json-lines")


class BadRequest(AlgorithmError):
    """The body does not parse as its content type (the server answers 400)."""


class Unsupported(AlgorithmError):
    """No reader or writer for this content type (415)."""


@dataclass
class Loaded:
    """A model with the algorithm that made it."""

    algorithm: str
    model: Model

    def predict(self, X: Any) -> list[dict[str, Any]]:
        return self.model.predict(X)


def algorithm_of(model_dir: str, env: dict[str, str] | None = None) -> str:
    env = dict(os.environ if env is None else env)
    if env.get(ALGORITHM_ENV):
        return env[ALGORITHM_ENV]
    marker = Path(model_dir) / MARKER
    if marker.is_file():
        return str(json.loads(marker.read_text())["algorithm"])
    if (Path(model_dir) / "xgboost-model").is_file():
        return "xgboost"
    raise RuntimeError(
        f"{model_dir} has no {MARKER}: set {ALGORITHM_ENV} to the algorithm that trained it"
    )


def default_accept(model_dir: str, env: dict[str, str] | None = None) -> str:
    """What the algorithm answers without an Accept: CSV for XGBoost, JSON for the others."""
    return get(algorithm_of(model_dir, env)).SPEC.response_types[0]


def model_fn(model_dir: str) -> Loaded:
    name = algorithm_of(model_dir)
    return Loaded(name, get(name).load(model_dir))


def input_fn(body: Any, content_type: str) -> Any:
    """The request's rows: a dense float32 array or a scipy CSR matrix."""
    kind, _ = media_type(content_type)
    raw = body.encode() if isinstance(body, str) else bytes(body)
    try:
        if kind == JSON or (content_type or "").split(";")[0].strip() == JSON:
            return _json_rows(json.loads(raw or b"null"))
        if (content_type or "").split(";")[0].strip().lower() in JSONLINES_ALIASES:
            lines = [json.loads(line) for line in raw.decode().splitlines() if line.strip()]
            return _stack([_one_row(line) for line in lines])
    except (ValueError, TypeError, KeyError) as err:
        raise BadRequest(f"Unable to read the {content_type} body: {err}") from None
    if kind in (CSV, RECORDIO, LIBSVM):
        try:
            dataset: Dataset = parse(raw, content_type, label_size=1 if kind == LIBSVM else 0)
        except AlgorithmError as err:
            raise BadRequest(err.detail) from None
        return dataset.X
    raise Unsupported(
        f"Content type {content_type or '(none)'} is not supported; use text/csv, "
        f"application/json, application/jsonlines, text/libsvm or {RECORDIO}."
    )


def _one_row(item: Any) -> Any:
    """One instance of the JSON formats (dense list, ``features``, or sparse ``data``)."""
    if isinstance(item, dict):
        if "features" in item:
            return np.asarray(item["features"], np.float32).ravel()
        data = item.get("data", {}).get("features") if isinstance(item.get("data"), dict) else None
        if isinstance(data, dict):
            return _sparse_row(data)
        raise KeyError("an instance needs 'features' or 'data'")
    return np.asarray(item, np.float32).ravel()


def _sparse_row(data: dict[str, Any]) -> Any:
    sp = _libs.sparse()

    values = np.asarray(data.get("values", []), np.float32)
    keys = np.asarray(data.get("keys", range(len(values))), np.int64)
    width = int((data.get("shape") or [int(keys.max(initial=-1)) + 1])[0])
    return sp.csr_matrix((values, (np.zeros(len(keys), np.int64), keys)), shape=(1, width))


def _stack(rows: list[Any]) -> Any:
    sp = _libs.sparse()

    if not rows:
        raise ValueError("no instances")
    if any(sp.issparse(r) for r in rows):
        width = max(r.shape[-1] for r in rows)
        blocks = [
            sp.csr_matrix(r if sp.issparse(r) else r.reshape(1, -1), shape=(1, width)) for r in rows
        ]
        return sp.vstack(blocks, format="csr")
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        raise ValueError(f"instances have different numbers of features: {sorted(widths)}")
    return np.vstack(rows).astype(np.float32)


def _json_rows(document: Any) -> Any:
    if isinstance(document, dict):
        if "instances" in document:
            return _stack([_one_row(i) for i in document["instances"]])
        return _stack([_one_row(document)])
    if isinstance(document, list):
        if document and not isinstance(document[0], list | dict):
            return _stack([_one_row(document)])
        return _stack([_one_row(i) for i in document])
    raise ValueError("expected {'instances': [...]} or a list of rows")


def predict_fn(data: Any, model: Loaded) -> dict[str, Any]:
    try:
        records = model.predict(data)
    except AlgorithmError as err:
        raise BadRequest(err.detail) from None
    key = get(model.algorithm).SPEC.response_key
    return {"algorithm": model.algorithm, "key": key, "predictions": records}


def _flat(value: Any) -> list[str]:
    if isinstance(value, list | tuple | np.ndarray):
        return [s for v in value for s in _flat(v)]
    return [repr(float(value)) if isinstance(value, float) else str(value)]


def _verbosity(prediction: dict[str, Any], accept: str) -> list[dict[str, Any]]:
    """The records, less the spec's ``extra["verbose_keys"]`` unless the Accept asks for
    them with ``verbose=true`` (k-NN's ``labels`` and ``distances``, as SageMaker answers)."""
    records: list[dict[str, Any]] = prediction["predictions"]
    name = prediction.get("algorithm")
    hidden = tuple(get(name).SPEC.extra.get("verbose_keys", ())) if name else ()
    if not hidden or media_type(accept or JSON)[1].get("verbose", "").lower() == "true":
        return records
    return [{k: v for k, v in r.items() if k not in hidden} for r in records]


def output_fn(prediction: dict[str, Any], accept: str) -> tuple[bytes, str]:
    """The response body and its content type."""
    from . import recordio

    records = _verbosity(prediction, accept)
    kind = (accept or JSON).split(";")[0].strip().lower()
    if kind in ("", "*/*", JSON):
        return json.dumps({prediction.get("key", "predictions"): records}).encode(), JSON
    if kind in JSONLINES_ALIASES:
        return "".join(json.dumps(r) + "\n" for r in records).encode(), kind
    if kind == CSV:
        if prediction.get("algorithm") == "xgboost" and all(
            not isinstance(r.get("score"), list) for r in records
        ):
            # As the XGBoost container: one line of comma-separated scores.
            return ",".join(_flat([r["score"] for r in records])).encode(), CSV
        return "".join(",".join(_flat(list(r.values()))) + "\n" for r in records).encode(), CSV
    if kind == RECORDIO:
        return recordio.encode_predictions(records), RECORDIO
    raise Unsupported(
        f"Accept {accept} is not supported; use application/json, application/jsonlines, "
        f"text/csv or {RECORDIO}."
    )


def dense(X: Any) -> np.ndarray:
    sp = _libs.sparse()

    return np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float32)
