"""IPython magics: kernel-side code, importing nothing of the server.

``%load_ext jupyter_smstudio`` registers them all: ``%%train`` and ``%jobs``
(:mod:`.training`), ``%deploy`` and ``%endpoints`` (:mod:`.hosting`),
``%%tune`` (:mod:`.tuning`).
"""

from __future__ import annotations

from typing import Any

from .hosting import register as register_hosting
from .training import job_spec
from .training import load_ipython_extension as register_training
from .tuning import register as register_tuning

__all__ = ["job_spec", "load_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    register_training(ipython)
    register_hosting(ipython)
    register_tuning(ipython)
