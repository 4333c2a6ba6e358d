"""jupyter_smstudio: a self-hosted SageMaker Studio inside JupyterLab."""

from __future__ import annotations

from typing import Any

__all__ = ["__version__"]

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - only in a source tree that was never built
    import warnings

    warnings.warn("Importing 'jupyter_smstudio' outside a proper installation.", stacklevel=2)
    __version__ = "dev"


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-smstudio"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .app import SMStudioApp

    return [{"module": "jupyter_smstudio", "app": SMStudioApp}]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext jupyter_smstudio``: ``%%train``, ``%jobs``, ``%deploy``, ``%endpoints``."""
    from .magics import load_ipython_extension as load

    load(ipython)
