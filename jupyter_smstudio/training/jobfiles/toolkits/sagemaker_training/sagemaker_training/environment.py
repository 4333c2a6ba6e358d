"""``sagemaker_training.environment`` for jobs run by jupyter_smstudio.

Reads the same ``SM_TRAINING_ENV`` and config files the real toolkit writes and
reads, so ``Environment().model_dir``, ``.channel_input_dirs``, ``.hyperparameters``
and friends answer the same values.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from typing import Any

SAGEMAKER_BASE_PATH = os.path.join("/opt", "ml")
BASE_PATH_ENV = "SAGEMAKER_BASE_DIR"
base_dir = os.environ.get(BASE_PATH_ENV, SAGEMAKER_BASE_PATH)
code_dir = os.path.join(base_dir, "code")
model_dir = os.path.join(base_dir, "model")
input_dir = os.path.join(base_dir, "input")
input_config_dir = os.path.join(input_dir, "config")
output_dir = os.path.join(base_dir, "output")
output_data_dir = os.path.join(output_dir, "data")
output_intermediate_dir = os.path.join(output_dir, "intermediate")
hyperparameters_file_dir = os.path.join(input_config_dir, "hyperparameters.json")
input_data_config_file_dir = os.path.join(input_config_dir, "inputdataconfig.json")
resource_config_file_dir = os.path.join(input_config_dir, "resourceconfig.json")


def _read_json(path: str) -> Any:
    with open(path) as f:
        return json.load(f)


def read_hyperparameters() -> dict[str, Any]:
    decoded = {}
    for key, value in _read_json(hyperparameters_file_dir).items():
        try:
            decoded[key] = json.loads(value)
        except (ValueError, TypeError):
            decoded[key] = value
    return decoded


def read_resource_config() -> dict[str, Any]:
    return _read_json(resource_config_file_dir)  # type: ignore[no-any-return]


def read_input_data_config() -> dict[str, Any]:
    return _read_json(input_data_config_file_dir)  # type: ignore[no-any-return]


def channel_path(channel: str) -> str:
    return os.path.join(input_dir, "data", channel)


def num_cpus() -> int:
    return multiprocessing.cpu_count()


class Environment(dict):  # type: ignore[type-arg]
    """The training environment; keys are also attributes (``env.model_dir``)."""

    def __init__(self, **_: Any) -> None:
        super().__init__(json.loads(os.environ.get("SM_TRAINING_ENV", "{}")))

    def properties(self) -> list[str]:
        return sorted(self)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def to_cmd_args(self) -> list[str]:
        return json.loads(os.environ.get("SM_USER_ARGS", "[]"))  # type: ignore[no-any-return]

    def to_env_vars(self) -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if k.startswith("SM_")}
