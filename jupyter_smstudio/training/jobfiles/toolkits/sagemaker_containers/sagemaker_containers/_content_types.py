"""``sagemaker_containers._content_types``."""

from _smstudio_toolkit_codecs import ANY, CSV, JSON, NPY, NPZ, OCTET_STREAM, UTF8_TYPES

__all__ = ["ANY", "CSV", "JSON", "NPY", "NPZ", "OCTET_STREAM", "UTF8_TYPES"]
