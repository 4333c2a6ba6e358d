"""``sagemaker_inference.encoder``: JSON and CSV encode to ``str``, NPY to ``bytes``."""

from typing import Any

import _smstudio_toolkit_codecs as _codecs

from .errors import UnsupportedFormatError

_array_to_json = _codecs.array_to_json
_array_to_csv = _codecs.array_to_csv
_array_to_npy = _codecs.array_to_npy


def encode(array_like: Any, content_type: str) -> Any:
    """Encode ``array_like`` as ``content_type`` (JSON, CSV, NPY)."""
    return _codecs.encode(array_like, content_type, UnsupportedFormatError)
