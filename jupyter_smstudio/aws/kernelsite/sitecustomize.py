"""Kernels' ``sagemaker.get_execution_role()``: Studio's metadata file, at our path.

The official SDK (2.257, ``Session.get_caller_identity_arn``) reads Studio's
``/opt/ml/metadata/resource-metadata.json`` (its ``ExecutionRoleArn``), else asks STS
on a hard-coded ``https://sts.<region>.amazonaws.com`` (``endpoint_url`` given, so
``AWS_ENDPOINT_URL_STS`` is not read) and then IAM: neither reaches this server, and
``/opt/ml`` is not ours to write outside a container. So kernels the server starts
get this directory on ``PYTHONPATH``: when ``sagemaker.session`` is imported, its
``NOTEBOOK_METADATA_FILE`` becomes ``SMSTUDIO_SAGEMAKER_METADATA`` (the user's own
file the server writes), and the SDK takes its Studio path unchanged.

Also ``sagemaker.config.config.validate_sagemaker_config`` remembers configs it found
valid: the SDK validates the user config (``SAGEMAKER_USER_CONFIG_OVERRIDE``, which
kernels get) against its JSON schema about ten times per ``fit()``, re-checking the
schema itself each time (~0.3 s each here, most of ``fit()``'s own time). Invalid
configs still raise every time. Nothing else is touched; a ``sitecustomize`` later on
the path still runs. Standard library only.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import types
from collections.abc import Callable, Sequence
from typing import Any

_VARIABLE = "SMSTUDIO_SAGEMAKER_METADATA"


def _metadata_file(module: types.ModuleType) -> None:
    metadata = os.environ.get(_VARIABLE)
    if metadata:
        module.NOTEBOOK_METADATA_FILE = metadata  # type: ignore[attr-defined]


def _remember_valid_configs(module: types.ModuleType) -> None:
    validate: Callable[..., None] = module.validate_sagemaker_config
    valid: set[str] = set()

    def validate_sagemaker_config(sagemaker_config: Any = None) -> None:
        try:
            key = json.dumps(sagemaker_config, sort_keys=True)
        except (TypeError, ValueError):
            key = ""
        if key and key in valid:
            return
        validate(sagemaker_config)
        if key:
            valid.add(key)

    module.validate_sagemaker_config = validate_sagemaker_config  # type: ignore[attr-defined]


#: What to change in a module right after it is executed (before anyone imports names).
_AFTER: dict[str, Callable[[types.ModuleType], None]] = {
    "sagemaker.session": _metadata_file,
    "sagemaker.config.config": _remember_valid_configs,
}


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs ``_AFTER``'s change once one of its modules has been executed."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        change = _AFTER.get(fullname)
        if change is None:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        loader = spec.loader if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        def exec_module(module: types.ModuleType) -> None:
            run(module)
            change(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _chain() -> None:
    """Run the next ``sitecustomize`` on the path, as if this one were not there."""
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        folder = os.path.abspath(entry or os.curdir)
        candidate = os.path.join(folder, "sitecustomize.py")
        if folder != here and os.path.isfile(candidate):
            with open(candidate, encoding="utf-8") as f:
                code = compile(f.read(), candidate, "exec")
            exec(code, {"__name__": "sitecustomize", "__file__": candidate})  # noqa: S102
            return


sys.meta_path.insert(0, _AfterImport())
_chain()
