"""The SageMaker handler contract: load user code, load the model once, run one invocation.

User modules define ``model_fn`` and optionally ``input_fn``/``predict_fn``/``output_fn``,
or ``transform_fn`` alone (defining it with any of the three is an error, as in the
toolkit). Each function may take one extra ``context`` argument. Missing functions
fall back to the toolkit's defaults (decode, ``model.predict``, encode).
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...algorithms import MARKER as ALGORITHM_MARKER
from . import codecs, frameworks, images

CUSTOM_ATTRIBUTES = "x-amzn-sagemaker-custom-attributes"


class ModelCodeError(Exception):
    """The user's handler raised: reported as the model's own error (a 424 upstream)."""

    def __init__(self, stage: str, err: BaseException) -> None:
        status = getattr(err, "status_code", None) or getattr(err, "status", None)
        self.status = status if isinstance(status, int) and 400 <= status < 600 else 500
        self.message = f"{stage} raised {type(err).__name__}: {err}"
        super().__init__(self.message)


@dataclass
class Context:
    """What a handler taking ``context`` receives (a subset of the toolkit's context)."""

    model_dir: str
    request_headers: dict[str, str] = field(default_factory=dict)
    response_headers: dict[str, str] = field(default_factory=dict)

    @property
    def custom_attributes(self) -> str | None:
        return self.request_headers.get(CUSTOM_ATTRIBUTES)

    def get_request_header(self, _idx: int, name: str) -> str | None:
        return self.request_headers.get(name.lower())

    def set_response_header(self, _idx: int, name: str, value: str) -> None:
        self.response_headers[name] = value

    @property
    def system_properties(self) -> dict[str, Any]:
        return {"model_dir": self.model_dir, "gpu_id": None}


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


def to_body(result: Any, accept: str) -> tuple[bytes, str]:
    """A handler's result as the response body and its type, as the framework containers
    answer it: bytes as they are, ``str`` as UTF-8, a dict or list as JSON (what the
    scikit-learn container's Flask worker does with them), anything else (a numpy array
    or scalar) through the default encoder for ``accept``. A ``(body, content_type)``
    tuple names its own type."""
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], str):
        body, _ = to_body(result[0], result[1])
        return body, result[1]
    if isinstance(result, (bytes, bytearray, memoryview)):
        return bytes(result), accept
    if callable(getattr(result, "get_data", None)):  # a (stand-in) Flask-style Response
        return bytes(result.get_data()), getattr(result, "mimetype", None) or accept
    if isinstance(result, str):
        return result.encode("utf-8"), accept
    if isinstance(result, (dict, list)):
        return codecs.encode(result, codecs.JSON), codecs.JSON
    return codecs.encode(result, accept), accept


def _with_context(fn: Callable[..., Any], arity: int) -> Callable[..., Any]:
    """Call ``fn`` with the context appended when it declares one more parameter."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return lambda ctx, *args: fn(*args)
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) > arity:
        return lambda ctx, *args: fn(*args, ctx)
    return lambda ctx, *args: fn(*args)


#: The toolkit stand-ins shipped for training jobs, found by path (nothing is imported
#: from the package, so the server stays free of Jupyter).
TOOLKITS = Path(__file__).resolve().parents[2] / "training" / "jobfiles" / "toolkits"


def add_toolkits(toolkits: Path = TOOLKITS) -> None:
    """Make ``sagemaker_inference``, ``sagemaker_containers``, ``sagemaker_training`` and
    ``sagemaker_xgboost_container`` importable by inference scripts. Appended after
    site-packages, so a real installed package wins over its stand-in."""
    for path in sorted(toolkits.iterdir()) if toolkits.is_dir() else ():
        if path.is_dir() and str(path) not in sys.path:
            sys.path.append(str(path))


def load_module(code_dir: Path, program: str) -> Any:
    """Import the entry module the way the toolkit does: code dir first on sys.path."""
    add_toolkits()
    path = code_dir / program
    if not path.is_file():
        return None
    sys.path.insert(0, str(code_dir))
    name = Path(program).stem
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class InferenceHandler:
    """One worker's model and handler chain."""

    def __init__(
        self,
        model_dir: Path,
        code_dir: Path | None,
        program: str,
        default_accept: str = codecs.JSON,
        framework: frameworks.Defaults = frameworks.GENERIC,
    ) -> None:
        self.model_dir = str(model_dir)
        self.default_accept = default_accept
        module = load_module(code_dir, program) if code_dir else None

        def get(name: str) -> Callable[..., Any] | None:
            return getattr(module, name, None) if module is not None else None

        transform_fn = get("transform_fn")
        if transform_fn and any(get(n) for n in ("input_fn", "predict_fn", "output_fn")):
            raise ValueError(
                f"{program} defines transform_fn together with input_fn, predict_fn or "
                "output_fn; define either transform_fn or the others"
            )
        self.transform_fn = _with_context(transform_fn, 4) if transform_fn else None
        self.input_fn = _with_context(get("input_fn") or framework.input_fn, 2)
        self.predict_fn = _with_context(get("predict_fn") or framework.predict_fn, 2)
        self.output_fn = _with_context(get("output_fn") or framework.output_fn, 2)
        #: Only the default chain treats rows independently, so only it may be batched.
        self.predict_rows = framework.predict_rows
        self.batchable = (
            framework.predict_rows is not None
            and transform_fn is None
            and not any(get(n) for n in ("input_fn", "predict_fn", "output_fn"))
        )
        default_model_fn = framework.model_fn if module is not None else framework.bare_model_fn
        model_fn = _with_context(get("model_fn") or default_model_fn, 1)
        self.model = model_fn(Context(self.model_dir), self.model_dir)

    def accept_for(self, accept: str | None) -> str:
        kind = codecs.media_type(accept)
        return self.default_accept if not kind or kind == "*/*" else kind

    def invoke(
        self, body: bytes, content_type: str, accept: str | None, headers: dict[str, str]
    ) -> Response:
        """Run the chain; contract errors keep their status, user-code errors are wrapped."""
        ctx = Context(self.model_dir, headers)
        accept = self.accept_for(accept)
        kind = codecs.media_type(content_type)
        data: Any = body
        if kind in codecs.UTF8_TYPES:
            try:
                data = body.decode("utf-8")
            except UnicodeDecodeError as err:
                raise codecs.DecodeError(f"The {kind} body is not UTF-8: {err}") from None
        if self.transform_fn is not None:
            stage = "transform_fn"
            result = self._stage(
                stage, self.transform_fn, ctx, self.model, data, content_type, accept
            )
        else:
            stage = "output_fn"
            decoded = self._stage("input_fn", self.input_fn, ctx, data, content_type)
            prediction = self._stage("predict_fn", self.predict_fn, ctx, decoded, self.model)
            result = self._stage(stage, self.output_fn, ctx, prediction, accept)
        body, content = self._stage(stage, to_body, result, accept)
        status = getattr(result, "status_code", 200) if hasattr(result, "get_data") else 200
        return Response(
            status if isinstance(status, int) else 200, body, content, ctx.response_headers
        )

    def invoke_rows(
        self, bodies: list[bytes], content_type: str, accept: str | None
    ) -> list[Response] | None:
        """Coalesce requests already waiting into one ``predict`` (default chain only).

        Rows are independent under the default chain, so one call on the stacked rows
        gives each request exactly what its own call would, at the cost of one call.
        Returns None when the requests cannot be stacked or anything fails, and the
        caller answers them one by one (so errors stay attributed to their request).
        """
        predict_rows = self.predict_rows
        if not self.batchable or predict_rows is None:
            return None
        if codecs.media_type(content_type) not in codecs.UTF8_TYPES:
            return None
        accept = self.accept_for(accept)
        try:
            arrays = [codecs.decode(body, content_type) for body in bodies]
            if any(a.ndim != 2 or a.shape[1] != arrays[0].shape[1] for a in arrays):
                return None
            import numpy as np

            prediction = predict_rows(np.concatenate(arrays), self.model)
            if len(prediction) != sum(len(a) for a in arrays):
                return None
            responses, start = [], 0
            for a in arrays:
                part = prediction[start : start + len(a)]
                start += len(a)
                responses.append(Response(200, codecs.encode(part, accept), accept))
            return responses
        except Exception:
            return None

    @staticmethod
    def _stage(name: str, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except codecs.InferenceError:
            raise  # a default codec called from the user's code: keep its 400/415
        except Exception as err:
            traceback.print_exc(file=sys.stderr)
            raise ModelCodeError(name, err) from err


def handler_from_env(env: dict[str, str] | None = None) -> InferenceHandler:
    env = dict(os.environ if env is None else env)
    model_dir = Path(env.get("SM_MODEL_DIR", "/opt/ml/model"))
    code_dir = (
        Path(env["SAGEMAKER_SUBMIT_DIRECTORY"])
        if env.get("SAGEMAKER_SUBMIT_DIRECTORY")
        else model_dir / "code"
    )
    program = env.get("SAGEMAKER_PROGRAM") or "inference.py"
    accept = env.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT") or codecs.JSON
    named = env.get(images.FRAMEWORK_ENV)
    if not named and (model_dir / ALGORITHM_MARKER).is_file() and not code_dir.is_dir():
        named = images.ALGORITHM_FRAMEWORK  # artifacts of a built-in algorithm's job
    framework = frameworks.defaults_for(named)
    if named == images.ALGORITHM_FRAMEWORK and not env.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT"):
        from ...algorithms.serve import default_accept

        accept = default_accept(str(model_dir), env)
    return InferenceHandler(
        model_dir, code_dir if code_dir.is_dir() else None, program, accept, framework
    )
