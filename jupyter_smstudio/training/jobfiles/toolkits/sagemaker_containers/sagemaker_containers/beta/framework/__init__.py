"""``sagemaker_containers.beta.framework``: the helpers older examples import."""

from __future__ import annotations

from typing import Any

from sagemaker_containers import _content_types as content_types
from sagemaker_containers import _encoders as encoders
from sagemaker_containers import _env as env
from sagemaker_containers import _errors as errors
from sagemaker_containers import _transformer as transformer
from sagemaker_containers import _worker as worker

__all__ = ["content_types", "encoders", "env", "errors", "training_env", "transformer", "worker"]


def training_env(**_: Any) -> Any:
    return env.TrainingEnv()
