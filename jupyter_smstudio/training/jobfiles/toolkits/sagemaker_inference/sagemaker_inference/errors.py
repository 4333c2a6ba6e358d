"""``sagemaker_inference.errors``: a status-carrying error is answered with its status."""

from __future__ import annotations

import textwrap


class UnsupportedFormatError(Exception):
    def __init__(self, content_type: str) -> None:
        self._message = textwrap.dedent(
            f"""Content type {content_type} is not supported by this framework.

            Please implement input_fn to to deserialize the request data or an output_fn to
            serialize the response. For more information, see the SageMaker Python SDK README."""
        )
        super().__init__(self._message)


class BaseInferenceToolkitError(Exception):
    def __init__(self, status_code: int, message: str, phrase: str) -> None:
        self.status_code = status_code
        self.message = message
        self.phrase = phrase
        super().__init__(status_code, message, phrase)


class GenericInferenceToolkitError(BaseInferenceToolkitError):
    def __init__(self, status_code: int, message: str | None = None, phrase: str | None = None):
        message = message or "Invalid Request"
        super().__init__(status_code, message, phrase or message)
