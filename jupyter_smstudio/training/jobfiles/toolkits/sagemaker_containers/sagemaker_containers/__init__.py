"""A stand-in for aws/sagemaker-containers (deprecated; its last release no longer imports
with current protobuf and pins Flask 1.1), covering what scripts import: the
``beta.framework`` helpers (``content_types``, ``encoders``, ``env``, ``errors``,
``worker``, ``transformer``) and ``training_env()``."""

from __future__ import annotations

from typing import Any


def training_env() -> Any:
    """The training environment (``sagemaker_containers.training_env()``)."""
    from . import _env

    return _env.TrainingEnv()
