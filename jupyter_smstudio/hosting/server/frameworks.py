"""Default handlers per framework, as the SageMaker framework containers define them.

Which defaults apply is ``SMSTUDIO_FRAMEWORK`` in the model's environment: ``sklearn``
(aws/sagemaker-scikit-learn-container), ``xgboost`` (aws/sagemaker-xgboost-container),
or unset for the generic defaults (a lone joblib/pickle file, numpy in and out).
:func:`framework_for_image` maps the image URIs the official SDK resolves for these
frameworks to those names, so the control plane can set the variable from ``Image``.

- scikit-learn: the script must define ``model_fn`` (the container has no default);
  JSON/CSV decode to float32 arrays, ``model.predict``, JSON/CSV/NPY out.
- XGBoost, script mode: ``model_fn`` is required too; bodies decode to a ``DMatrix``
  (CSV, LIBSVM, JSON) and predict is ``model.predict(dmatrix, validate_features=False)``.
  Without a script (algorithm mode) the booster is loaded from ``xgboost-model``
  (pickled or saved with ``save_model``), as the container does.
"""

from __future__ import annotations

import os
import pickle
import re
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import codecs

FRAMEWORK_ENV = "SMSTUDIO_FRAMEWORK"
LIBSVM = ("text/libsvm", "text/x-libsvm")
XGBOOST_MODEL = "xgboost-model"


def _missing(name: str) -> NotImplementedError:
    return NotImplementedError(
        textwrap.dedent(
            f"""
            Please provide a {name} implementation.
            See documentation for {name} at https://github.com/aws/sagemaker-python-sdk
            """
        ).strip()
    )


def _joblib_model_fn(model_dir: str) -> Any:
    """Generic: load the one joblib/pickle file of the model directory."""
    candidates = sorted(
        p for p in Path(model_dir).iterdir() if p.suffix in (".joblib", ".pkl", ".pickle")
    )
    if len(candidates) != 1:
        raise RuntimeError(
            "Define model_fn(model_dir) in your inference script, or put exactly one "
            f"*.joblib/*.pkl file in the model directory (found {len(candidates)})"
        )
    import joblib  # type: ignore[import-untyped]

    return joblib.load(candidates[0])


def _required_model_fn(model_dir: str) -> Any:
    raise _missing("model_fn")


def _predict(data: Any, model: Any) -> Any:
    return model.predict(data)


def _decode(body: Any, content_type: str) -> Any:
    return codecs.decode(body, content_type)


def _encode(prediction: Any, accept: str) -> bytes:
    return codecs.encode(prediction, accept)


def load_booster(model_dir: str) -> Any:
    """Algorithm mode: ``xgboost-model`` (or the directory's only file), pickled or not."""
    import xgboost as xgb

    path = Path(model_dir) / XGBOOST_MODEL
    if not path.is_file():
        files = [p for p in Path(model_dir).iterdir() if p.is_file()]
        if len(files) != 1:
            raise RuntimeError(
                f"Put the model in {XGBOOST_MODEL} in the model directory (found "
                f"{len(files)} files), or define model_fn(model_dir) in an inference script"
            )
        path = files[0]
    try:
        with path.open("rb") as f:
            return pickle.load(f)  # noqa: S301 - the model's own artifact, as the container
    except Exception:
        booster = xgb.Booster()
        booster.load_model(str(path))
        return booster


def to_dmatrix(body: Any, content_type: str) -> Any:
    """The XGBoost container's ``input_fn``: CSV, LIBSVM or JSON rows to a DMatrix."""
    import xgboost as xgb

    kind = codecs.media_type(content_type)
    if kind in (codecs.CSV, codecs.JSON):
        return xgb.DMatrix(codecs.decode(body, kind))
    if kind in LIBSVM:
        raw = body.encode() if isinstance(body, str) else bytes(body)
        with tempfile.NamedTemporaryFile(suffix=".libsvm", delete=False) as f:
            f.write(raw)
        try:
            return xgb.DMatrix(f"{f.name}?format=libsvm")
        except xgb.core.XGBoostError as err:
            raise codecs.DecodeError(f"Invalid LIBSVM body: {err}") from None
        finally:
            os.remove(f.name)
    raise codecs.UnsupportedFormat(
        f"Content type {content_type or '(none)'} is not supported by the XGBoost defaults; "
        f"use text/csv, application/json or text/libsvm, or handle it in input_fn"
    )


def _xgboost_predict(data: Any, model: Any) -> Any:
    return model.predict(data, validate_features=False)


def _xgboost_predict_rows(rows: Any, model: Any) -> Any:
    import xgboost as xgb

    return _xgboost_predict(xgb.DMatrix(rows), model)


@dataclass(frozen=True)
class Defaults:
    """What a framework's container does for each handler the script leaves out."""

    name: str
    model_fn: Callable[[str], Any]
    #: Used when there is no inference script at all.
    bare_model_fn: Callable[[str], Any]
    input_fn: Callable[[Any, str], Any]
    predict_fn: Callable[[Any, Any], Any]
    output_fn: Callable[[Any, str], Any]
    #: The default chain on rows already decoded to one numpy array (stacked from several
    #: requests: rows are independent there); None where requests cannot be batched.
    predict_rows: Callable[[Any, Any], Any] | None


GENERIC = Defaults(
    "generic", _joblib_model_fn, _joblib_model_fn, _decode, _predict, _encode, _predict
)
FRAMEWORKS = {
    "sklearn": Defaults(
        "sklearn", _required_model_fn, _required_model_fn, _decode, _predict, _encode, _predict
    ),
    "xgboost": Defaults(
        "xgboost",
        _required_model_fn,
        load_booster,
        to_dmatrix,
        _xgboost_predict,
        _encode,
        _xgboost_predict_rows,
    ),
}
#: Repository names of the images the official SDK resolves (``image_uris.retrieve``).
_IMAGES = [
    (re.compile(r"/sagemaker-scikit-learn(?::|@|$)"), "sklearn"),
    (re.compile(r"/sagemaker-xgboost(?::|@|$)"), "xgboost"),
]


def framework_for_image(image: str | None) -> str | None:
    """``683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1`` -> ``xgboost``."""
    for pattern, name in _IMAGES:
        if image and pattern.search(image):
            return name
    return None


def defaults_for(name: str | None) -> Defaults:
    if not name:
        return GENERIC
    try:
        return FRAMEWORKS[name.lower()]
    except KeyError:
        raise ValueError(
            f"{FRAMEWORK_ENV}={name!r} is not a framework this server knows; use one of "
            f"{', '.join(sorted(FRAMEWORKS))} or leave it unset"
        ) from None
