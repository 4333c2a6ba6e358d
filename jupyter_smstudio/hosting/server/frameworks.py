"""Default handlers per framework, as the SageMaker framework containers define them.

Which defaults apply is ``SMSTUDIO_FRAMEWORK`` in the model's environment: ``sklearn``
(aws/sagemaker-scikit-learn-container), ``xgboost`` (aws/sagemaker-xgboost-container),
``pytorch`` (aws/sagemaker-pytorch-inference-toolkit),
or unset for the generic defaults (a lone joblib/pickle file, numpy in and out).
:func:`framework_for_image` maps the image URIs the official SDK resolves for these
frameworks to those names, so the control plane can set the variable from ``Image``.

- scikit-learn: the script must define ``model_fn`` (the container has no default);
  JSON/CSV decode to float32 arrays, ``model.predict``, JSON/CSV/NPY out.
- PyTorch (sagemaker-pytorch-inference-toolkit): ``model_fn`` defaults to TorchScript
  (``model.pt`` or the only ``.pt``/``.pth``); JSON/CSV become float tensors, NPY keeps
  its dtype; the model runs under ``no_grad`` in eval mode; tensors are encoded as lists.
- XGBoost, script mode: ``model_fn`` is required too; bodies decode to a ``DMatrix``
  (CSV, LIBSVM, JSON) and predict is ``model.predict(dmatrix, validate_features=False)``.
  Without a script (algorithm mode) the booster is loaded from ``xgboost-model``
  (pickled or saved with ``save_model``), as the container does.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import codecs
from .images import FRAMEWORK_ENV

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


#: What sagemaker-pytorch-inference-toolkit loads without a ``model_fn``: ``model.pt``, or
#: the model directory's only ``.pt``/``.pth`` file, saved with TorchScript.
TORCH_MODEL = "model.pt"


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise RuntimeError(
            "PyTorch is not installed in this model's environment: add torch to its "
            "requirements.txt, or install the CPU build on the server (pip install torch "
            "--index-url https://download.pytorch.org/whl/cpu)"
        ) from None
    return torch


def _torch_device(torch: Any) -> Any:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load_torchscript(model_dir: str) -> Any:
    """The PyTorch container's ``model_fn``: a TorchScript file, on the GPU when there is one."""
    torch = _torch()
    path = Path(model_dir) / TORCH_MODEL
    if not path.is_file():
        found = sorted(p.name for p in Path(model_dir).iterdir()
                       if p.is_file() and p.suffix in (".pt", ".pth"))  # fmt: skip
        if len(found) != 1:
            raise ValueError(
                f"Exactly one .pth or .pt file is required for PyTorch models: {found}"
            )
        path = Path(model_dir) / found[0]
    device = _torch_device(torch)
    try:
        model = torch.jit.load(str(path), map_location=device)
    except RuntimeError as err:
        raise RuntimeError(
            f"Failed to load {path.name}. Please ensure model is saved using torchscript."
        ) from err
    return model.to(device)


def to_tensor(body: Any, content_type: str) -> Any:
    """The PyTorch container's ``input_fn``: JSON/CSV to a float tensor, NPY as its dtype."""
    torch = _torch()
    array = codecs.decode(body, content_type)
    if codecs.media_type(content_type) in codecs.UTF8_TYPES:
        tensor = torch.as_tensor(array, dtype=torch.float32)
    else:
        tensor = torch.from_numpy(array)
    return tensor.to(_torch_device(torch))


def _torch_predict(data: Any, model: Any) -> Any:
    torch = _torch()
    with torch.no_grad():
        device = _torch_device(torch)
        model = model.to(device)
        model.eval()
        return model(data.to(device))


def _torch_output(prediction: Any, accept: str) -> bytes:
    """A tensor becomes nested lists first, as the container's ``output_fn`` does."""
    if hasattr(prediction, "detach"):
        prediction = prediction.detach().cpu().numpy()
    return codecs.encode(prediction, accept)


def _torch_predict_rows(rows: Any, model: Any) -> Any:
    torch = _torch()
    out = _torch_predict(torch.as_tensor(rows, dtype=torch.float32), model)
    return out.detach().cpu().numpy() if hasattr(out, "detach") else out


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
    "pytorch": Defaults(
        "pytorch",
        load_torchscript,
        load_torchscript,
        to_tensor,
        _torch_predict,
        _torch_output,
        _torch_predict_rows,
    ),
}


def _algorithm_stage(name: str) -> Callable[..., Any]:
    """A handler of ``algorithms.serve`` with its errors as the model server's 400/415."""

    def stage(*args: Any) -> Any:
        from ...algorithms import serve

        try:
            return getattr(serve, name)(*args)
        except serve.Unsupported as err:
            raise codecs.UnsupportedFormat(err.detail) from None
        except serve.BadRequest as err:
            raise codecs.DecodeError(err.detail) from None

    return stage


#: SageMaker's built-in algorithms (``jupyter_smstudio.algorithms``): the algorithm is
#: ``SMSTUDIO_ALGORITHM`` or the marker its training job left in the model.
FRAMEWORKS["algorithm"] = Defaults(
    "algorithm",
    _algorithm_stage("model_fn"),
    _algorithm_stage("model_fn"),
    _algorithm_stage("input_fn"),
    _algorithm_stage("predict_fn"),
    _algorithm_stage("output_fn"),
    None,
)


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
