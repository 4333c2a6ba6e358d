"""``sagemaker_inference.default_inference_handler``: subclasses override the defaults."""

from __future__ import annotations

from typing import Any

import _smstudio_toolkit_defaults as _defaults

from . import decoder, encoder

#: Where the toolkit's error for a missing handler function points.
DOCS = "https://sagemaker.readthedocs.io/en/stable/"


class DefaultInferenceHandler:
    def default_model_fn(self, model_dir: str, context: Any = None) -> Any:
        raise _defaults.missing("model_fn", DOCS)

    def default_input_fn(self, input_data: Any, content_type: str, context: Any = None) -> Any:
        return decoder.decode(input_data, content_type)

    def default_predict_fn(self, data: Any, model: Any, context: Any = None) -> Any:
        raise _defaults.missing("predict_fn", DOCS)

    def default_output_fn(self, prediction: Any, accept: str, context: Any = None) -> Any:
        return encoder.encode(prediction, accept)
