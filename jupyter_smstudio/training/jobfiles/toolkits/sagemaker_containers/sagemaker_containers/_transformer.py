"""``sagemaker_containers._transformer``: the default handler functions."""

from __future__ import annotations

from typing import Any

import _smstudio_toolkit_defaults as _defaults

from . import _encoders, _worker

#: Where the toolkit's error for a missing handler function points.
DOCS = "https://github.com/aws/sagemaker-python-sdk"


def default_model_fn(model_dir: str) -> Any:
    raise _defaults.missing("model_fn", DOCS)


def default_input_fn(input_data: Any, content_type: str) -> Any:
    return _encoders.decode(input_data, content_type)


def default_predict_fn(data: Any, model: Any) -> Any:
    raise _defaults.missing("predict_fn", DOCS)


def default_output_fn(prediction: Any, accept: str) -> _worker.Response:
    return _worker.Response(response=_encoders.encode(prediction, accept), mimetype=accept)
