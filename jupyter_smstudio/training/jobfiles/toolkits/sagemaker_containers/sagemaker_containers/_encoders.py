"""``sagemaker_containers._encoders`` (``beta.framework.encoders``)."""

from typing import Any

import _smstudio_toolkit_codecs as _codecs

from ._errors import UnsupportedFormatError

json_to_numpy = _codecs.json_to_numpy
csv_to_numpy = _codecs.csv_to_numpy
npy_to_numpy = _codecs.npy_to_numpy
array_to_json = _codecs.array_to_json
array_to_csv = _codecs.array_to_csv
array_to_npy = _codecs.array_to_npy


def decode(obj: Any, content_type: str) -> Any:
    return _codecs.decode(obj, content_type, UnsupportedFormatError)


def encode(array_like: Any, content_type: str) -> Any:
    return _codecs.encode(array_like, content_type, UnsupportedFormatError)
