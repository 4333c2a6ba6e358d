"""Finding a backend by name: ours, or one installed from another package.

Backends register in the entry-point group ``jupyter_smstudio.backends`` under
``<area>.<name>`` (``jobs.docker``, ``spaces.local``, ``hosting.docker``...), as
JupyterHub finds spawners, so a Ray or Kubernetes backend is a ``pip install``
away. An admin names one by its entry-point name or by import path. Our own are
also known without package metadata (the source tree run with PYTHONPATH).
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

from traitlets import Type

from ..errors import InvalidInput

GROUP = "jupyter_smstudio.backends"
#: Our own backends, by ``<area>.<name>``: the same as pyproject.toml declares.
BUILTIN = {
    "jobs.local": "jupyter_smstudio.jobs.backends.local:LocalBackend",
    "jobs.docker": "jupyter_smstudio.jobs.backends.docker:DockerBackend",
    "spaces.local": "jupyter_smstudio.spaces.backends.local:LocalSpaceBackend",
    "spaces.docker": "jupyter_smstudio.spaces.backends.docker:DockerSpaceBackend",
    "hosting.local": "jupyter_smstudio.hosting.backends.local:LocalBackend",
    "hosting.docker": "jupyter_smstudio.hosting.backends.docker:DockerBackend",
}


def available(area: str) -> dict[str, str]:
    """The backends of ``area`` by short name -> ``module:attr`` (installed ones included)."""
    prefix = f"{area}."
    found = {k[len(prefix) :]: v for k, v in BUILTIN.items() if k.startswith(prefix)}
    for entry in entry_points(group=GROUP):
        if entry.name.startswith(prefix):
            found[entry.name[len(prefix) :]] = entry.value
    return found


def import_object(path: str) -> Any:
    """``pkg.mod:attr`` or ``pkg.mod.attr``."""
    module, _, attr = path.partition(":") if ":" in path else path.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def unknown(area: str, name: str, field: str, known: dict[str, str]) -> InvalidInput:
    """The 400 for a backend that is not installed, listing the ones that are."""
    choices = ", ".join(sorted(known))
    return InvalidInput(f"Unknown {area} backend '{name}' (installed: {choices}).", field=field)


def load(area: str, name: str, field: str) -> type:
    """The class of backend ``name`` (a short name or an import path) of ``area``.

    An unknown one is an ``InvalidInput`` naming ``field`` and listing the choices.
    """
    known = available(area)
    try:
        return import_object(known.get(name, name))  # type: ignore[no-any-return]
    except (ImportError, AttributeError, ValueError, KeyError):
        raise unknown(area, name, field, known) from None


def installed(area: str, name: str, field: str) -> type:
    """The class of the installed backend called ``name`` (a user's choice: short names
    only, so a request cannot make the server import a module of its choosing)."""
    known = available(area)
    if name not in known:
        raise unknown(area, name, field, known)
    try:
        return import_object(known[name])  # type: ignore[no-any-return]
    except (ImportError, AttributeError, ValueError):
        raise unknown(area, name, field, known) from None


class BackendType(Type):  # type: ignore[type-arg]
    """A ``Type`` trait that also takes an entry-point name of its area (``"docker"``)."""

    def __init__(self, *args: Any, area: str, **kwargs: Any) -> None:
        self.area = area
        super().__init__(*args, **kwargs)

    def _resolve_string(self, string: str) -> Any:
        known = available(self.area)
        return import_object(known[string]) if string in known else super()._resolve_string(string)
