"""What every kind of job must get right before it is queued; each mistake is a 400
naming its field. A kind checks the rest of its request in ``JobKind.resolve``."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from pathlib import Path

from ..compute import ComputeCatalog
from ..errors import InvalidInput
from ..paths import confine, is_remote
from .backends import JobBackend, RunShape
from .kind import Resolved
from .models import JobRequest

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,511}$")


def check_environment(spec: JobRequest) -> None:
    for key in spec.environment:
        if not ENV_NAME.match(key):
            raise InvalidInput(
                f"environment: '{key}' is not a valid variable name.", field=f"environment.{key}"
            )


def check_run(
    spec: JobRequest,
    shape: RunShape,
    *,
    compute: ComputeCatalog,
    backend: Callable[[str], JobBackend],
    default_backend: str,
) -> Resolved:
    """What every kind of job must get right: profile, backend, environment names.

    ``backend`` finds one by name (a 400 naming ``backend`` for one not installed)."""
    profile = compute.get(spec.instance_type, field="instance_type")
    name = spec.backend or ("docker" if spec.image else default_backend)
    backend(name).check(shape, profile)
    check_environment(spec)
    return Resolved(name, profile)


def data_source(root: Path, value: str, where: str) -> Path | str:
    """A local path in the space (must exist), or an fsspec URL (fetched before the run)."""
    if not is_remote(value):
        return confine(root, value, where, must_exist=True)
    try:
        importlib.import_module("fsspec")
    except ImportError as err:
        raise InvalidInput(
            f"{where}: URLs like '{value}' need fsspec (and e.g. s3fs) installed on the server.",
            field=where,
        ) from err
    return value
