"""``sagemaker_inference.decoder``."""

from typing import Any

import _smstudio_toolkit_codecs as _codecs

from .errors import UnsupportedFormatError

_json_to_numpy = _codecs.json_to_numpy
_csv_to_numpy = _codecs.csv_to_numpy
_npy_to_numpy = _codecs.npy_to_numpy
_npz_to_sparse = _codecs.npz_to_sparse


def decode(obj: Any, content_type: str) -> Any:
    """Decode ``obj`` of ``content_type`` (JSON, CSV, NPY, NPZ) to an array."""
    return _codecs.decode(obj, content_type, UnsupportedFormatError)
