"""The code a job or an endpoint runs: ``source_dir`` or a lone entry point, plus
``dependencies``, gathered into one directory as the SageMaker SDK packs it.

The official SDK tars ``source_dir`` (or the entry point alone) and each dependency, at
the archive's top level under its own name, into ``<code_location>/<name>/source/``
(``fw_utils.tar_and_upload_dir``), so ``import mylib`` works in the script. Here the
same tree is a directory (the server reads code from your files, not from S3):
``<code_location>/<name>/source/``, ``code_location`` defaulting to ``.sagemaker-code``
in the current directory. Without dependencies nothing is copied.
"""

from __future__ import annotations

import os
import shutil

from .base import UnsupportedArgument, local_path

DEFAULT_CODE_LOCATION = ".sagemaker-code"
IGNORED = shutil.ignore_patterns(".git", "__pycache__", ".ipynb_checkpoints", "*.pyc")


def lone_entry_point(
    entry_point: str | None, source_dir: str | None
) -> tuple[str | None, str | None]:
    """``(source_dir, entry_point)`` with a lone entry point split into its folder and name.

    As the SDK, a lone ``entry_point`` is a file relative to the caller's folder; when no
    such file exists, it names a script already in the model's ``code/`` (the SDK's
    repack accepts that too), so it is sent unchanged.
    """
    if entry_point and not source_dir:
        path = local_path(entry_point)
        if os.path.isfile(path):
            folder, name = os.path.split(path)
            return folder, name
    return source_dir, entry_point


def with_dependencies(
    name: str,
    entry_point: str | None,
    source_dir: str | None,
    dependencies: list[str] | None,
    code_location: str | None,
) -> tuple[str | None, str | None]:
    """``(source_dir, entry_point)`` to send: a directory holding the code and each
    dependency (by its base name) when there are dependencies, else as given."""
    if not dependencies:
        return source_dir, entry_point
    if not entry_point:
        raise UnsupportedArgument("dependencies: they need an entry_point to run with.")
    if code_location and "://" in code_location:
        raise UnsupportedArgument(
            f"code_location={code_location!r}: give a folder (code is not uploaded to S3 here)."
        )
    target = os.path.join(local_path(code_location or DEFAULT_CODE_LOCATION), name, "source")
    if source_dir:
        source = local_path(source_dir)
        if os.path.commonpath([source, target]) == source:
            raise ValueError(f"code_location: {target} is inside source_dir ({source}).")
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target, ignore=IGNORED)
    else:  # a lone script: it alone, as the SDK packs it
        script = local_path(entry_point)
        if not os.path.isfile(script):
            raise FileNotFoundError(f"entry_point: {script} is not a file.")
        shutil.rmtree(target, ignore_errors=True)
        os.makedirs(target)
        shutil.copy2(script, target)
        entry_point = os.path.basename(script)
    for dependency in dependencies:
        path = local_path(dependency)
        if not os.path.exists(path):
            raise FileNotFoundError(f"dependencies: {dependency} does not exist.")
        destination = os.path.join(target, os.path.basename(path.rstrip("/")))
        if os.path.isdir(path):
            shutil.copytree(path, destination, ignore=IGNORED, dirs_exist_ok=True)
        else:
            shutil.copy2(path, destination)
    return target, entry_point
