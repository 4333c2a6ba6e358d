"""``sagemaker_inference.default_inference_handler``: subclasses override the defaults."""

from __future__ import annotations

import textwrap
from typing import Any

from . import decoder, encoder


def _missing(name: str) -> NotImplementedError:
    return NotImplementedError(
        textwrap.dedent(
            f"""
            Please provide a {name} implementation.
            See documentation for {name} at https://sagemaker.readthedocs.io/en/stable/
            """
        )
    )


class DefaultInferenceHandler:
    def default_model_fn(self, model_dir: str, context: Any = None) -> Any:
        raise _missing("model_fn")

    def default_input_fn(self, input_data: Any, content_type: str, context: Any = None) -> Any:
        return decoder.decode(input_data, content_type)

    def default_predict_fn(self, data: Any, model: Any, context: Any = None) -> Any:
        raise _missing("predict_fn")

    def default_output_fn(self, prediction: Any, accept: str, context: Any = None) -> Any:
        return encoder.encode(prediction, accept)
