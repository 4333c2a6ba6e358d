"""``sagemaker_inference.environment``: the serving settings read from the environment."""

from __future__ import annotations

import os

from . import content_types

DEFAULT_MODULE_NAME = "inference.py"
base_dir = os.environ.get("SAGEMAKER_BASE_DIR", "/opt/ml")
model_dir = os.environ.get("SM_MODEL_DIR", os.path.join(base_dir, "model"))
code_dir = os.path.join(model_dir, "code")


class Environment:
    """The model server's settings, as the real toolkit reads them."""

    def __init__(self) -> None:
        env = os.environ
        program = env.get("SAGEMAKER_PROGRAM", DEFAULT_MODULE_NAME)
        self._module_name = program[:-3] if program.endswith(".py") else program
        self._module_dir = env.get("SAGEMAKER_SUBMIT_DIRECTORY", code_dir)
        self._model_server_timeout = int(env.get("SAGEMAKER_MODEL_SERVER_TIMEOUT", "60"))
        workers = env.get("SAGEMAKER_MODEL_SERVER_WORKERS")
        self._model_server_workers = int(workers) if workers else None
        self._default_accept = env.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", content_types.JSON)
        self._inference_http_port = env.get("SAGEMAKER_BIND_TO_PORT", "8080")
        self._management_http_port = env.get("SAGEMAKER_SAFE_PORT_RANGE", "8080")
        self._safe_port_range = env.get("SAGEMAKER_SAFE_PORT_RANGE")

    module_name = property(lambda self: self._module_name)
    module_dir = property(lambda self: self._module_dir)
    model_server_timeout = property(lambda self: self._model_server_timeout)
    model_server_workers = property(lambda self: self._model_server_workers)
    default_accept = property(lambda self: self._default_accept)
    inference_http_port = property(lambda self: self._inference_http_port)
    management_http_port = property(lambda self: self._management_http_port)
    safe_port_range = property(lambda self: self._safe_port_range)
