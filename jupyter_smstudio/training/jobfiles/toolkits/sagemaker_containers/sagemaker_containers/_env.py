"""``sagemaker_containers._env``: the training environment is the training toolkit's
(the stand-in or the real ``sagemaker_training``), the serving one is read from the
variables SageMaker sets."""

from __future__ import annotations

import os

from sagemaker_training.environment import (  # noqa: F401 - re-exported names
    Environment,
    base_dir,
    code_dir,
    input_config_dir,
    input_dir,
    model_dir,
    output_data_dir,
    output_dir,
    read_hyperparameters,
    read_input_data_config,
    read_resource_config,
)

from . import _content_types

TrainingEnv = Environment


class ServingEnv:
    """What the serving container reads (``SAGEMAKER_*`` variables)."""

    def __init__(self) -> None:
        env = os.environ
        program = env.get("SAGEMAKER_PROGRAM", "")
        self.module_name = (program[:-3] if program.endswith(".py") else program) or None
        self.module_dir = env.get("SAGEMAKER_SUBMIT_DIRECTORY", os.path.join(model_dir, "code"))
        self.model_server_timeout = int(env.get("SAGEMAKER_MODEL_SERVER_TIMEOUT", "60"))
        workers = env.get("SAGEMAKER_MODEL_SERVER_WORKERS")
        self.model_server_workers = int(workers) if workers else os.cpu_count() or 1
        self.default_accept = env.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", _content_types.JSON)
        self.http_port = env.get("SAGEMAKER_BIND_TO_PORT", "8080")
        self.safe_port_range = env.get("SAGEMAKER_SAFE_PORT_RANGE")
        self.use_nginx = env.get("SAGEMAKER_USE_NGINX", "true").lower() == "true"
        self.framework_module = env.get("SAGEMAKER_FRAMEWORK_MODULE")
        self.log_level = int(env.get("SAGEMAKER_CONTAINER_LOG_LEVEL", "20"))
        self.model_dir = model_dir
