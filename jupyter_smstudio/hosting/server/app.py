"""Routes of the model server: ``GET /ping``, ``POST /invocations``, ``GET /execution-parameters``.

Errors are JSON ``{"code", "message"}`` with the status the contract implies:
400/415 for bodies the default codecs reject, 413 over the payload limit, the
handler's own status (500 unless its exception carries one) when user code fails,
504 when an invocation runs past ``SAGEMAKER_MODEL_SERVER_TIMEOUT``, and 500
``InternalFailure`` for anything else: every request gets an answer.
"""

from __future__ import annotations

import json
import signal
import sys
import traceback
from types import FrameType

from . import codecs
from .handler import CUSTOM_ATTRIBUTES, InferenceHandler, ModelCodeError
from .http import Reply, Request

PAYLOAD_LIMIT = 6 * 1024 * 1024  # 6 MB, SageMaker's real-time limit
_JSON = "application/json"


class InvocationTimeout(BaseException):
    """Raised by SIGALRM inside the handler; a BaseException so that a handler's own
    ``except Exception`` cannot swallow it."""


def _on_alarm(_sig: int, _frame: FrameType | None) -> None:
    raise InvocationTimeout


def error(status: int, code: str, message: str) -> Reply:
    return Reply(status, json.dumps({"code": code, "message": message}).encode())


def internal_error(err: BaseException) -> Reply:
    traceback.print_exception(err, file=sys.stderr)
    return error(500, "InternalFailure", f"{type(err).__name__}: {err}")


def timed_out(timeout: float) -> Reply:
    return error(504, "ModelTimeout", f"The invocation ran longer than {timeout:g} s")


class ModelApp:
    """Dispatch one parsed request to the handler chain."""

    def __init__(
        self,
        handler: InferenceHandler,
        *,
        timeout: float,
        workers: int,
        max_payload_mb: int = 6,
        batching: bool = True,
    ) -> None:
        self.handler = handler
        self.batching = batching
        self.timeout = timeout
        self.execution_parameters = json.dumps(
            {
                "MaxConcurrentTransforms": workers,
                "BatchStrategy": "MULTI_RECORD",
                "MaxPayloadInMB": max_payload_mb,
            }
        ).encode()
        signal.signal(signal.SIGALRM, _on_alarm)

    def __call__(self, request: Request) -> Reply:
        path, method = request.path, request.method
        if path == "/invocations":
            if method != "POST":
                return error(405, "MethodNotAllowed", "Use POST /invocations")
            return self.invoke(request)
        if path == "/ping":
            return Reply(200, b'{"status": "Healthy"}')
        if path == "/execution-parameters":
            return Reply(200, self.execution_parameters)
        return error(404, "NotFound", f"No route {path}")

    def handle_many(self, requests: list[Request]) -> list[Reply]:
        """Answer requests that arrived together, batching compatible invocations."""
        if len(requests) == 1 or not self.batching:
            return [self(r) for r in requests]
        replies: list[Reply | None] = [None] * len(requests)
        groups: dict[tuple[str, str], list[int]] = {}
        for i, r in enumerate(requests):
            if (
                r.path == "/invocations"
                and r.method == "POST"
                and CUSTOM_ATTRIBUTES not in r.headers
            ):
                key = (r.headers.get("content-type", ""), r.headers.get("accept", ""))
                groups.setdefault(key, []).append(i)
        for (content_type, accept), indexes in groups.items():
            if len(indexes) < 2:
                continue
            bodies = [requests[i].body for i in indexes]
            signal.setitimer(signal.ITIMER_REAL, self.timeout)
            try:
                batch = self.handler.invoke_rows(bodies, content_type, accept or None)
            except InvocationTimeout:  # running them again one by one would time out too
                for i in indexes:
                    replies[i] = timed_out(self.timeout)
                continue
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            for i, response in zip(indexes, batch or (), strict=False):
                replies[i] = Reply(200, response.body, response.content_type)
        return [reply or self(r) for reply, r in zip(replies, requests, strict=True)]

    def invoke(self, request: Request) -> Reply:
        headers = request.headers
        attributes = headers.get(CUSTOM_ATTRIBUTES)
        if attributes is not None and (len(attributes) > 1024 or not attributes.isascii()):
            message = "X-Amzn-SageMaker-Custom-Attributes must be at most 1024 ASCII characters"
            return error(400, "ValidationError", message)
        signal.setitimer(signal.ITIMER_REAL, self.timeout)
        try:
            response = self.handler.invoke(
                request.body,
                headers.get("content-type", ""),
                headers.get("accept"),
                headers,
            )
        except InvocationTimeout:
            return timed_out(self.timeout)
        except codecs.InferenceError as err:
            code = "UnsupportedMediaType" if err.status == 415 else "ValidationError"
            return error(err.status, code, str(err))
        except ModelCodeError as err:
            return error(err.status, "ModelError", err.message)
        except Exception as err:  # the server's own bug: still answer, never hang
            return internal_error(err)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        return Reply(response.status, response.body, response.content_type, response.headers)
