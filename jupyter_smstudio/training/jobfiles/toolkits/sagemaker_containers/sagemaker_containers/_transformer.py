"""``sagemaker_containers._transformer``: the default handler functions."""

from __future__ import annotations

import textwrap
from typing import Any

from . import _encoders, _worker


def _missing(name: str) -> NotImplementedError:
    return NotImplementedError(
        textwrap.dedent(
            f"""
            Please provide a {name} implementation.
            See documentation for {name} at https://github.com/aws/sagemaker-python-sdk
            """
        )
    )


def default_model_fn(model_dir: str) -> Any:
    raise _missing("model_fn")


def default_input_fn(input_data: Any, content_type: str) -> Any:
    return _encoders.decode(input_data, content_type)


def default_predict_fn(data: Any, model: Any) -> Any:
    raise _missing("predict_fn")


def default_output_fn(prediction: Any, accept: str) -> _worker.Response:
    return _worker.Response(response=_encoders.encode(prediction, accept), mimetype=accept)
