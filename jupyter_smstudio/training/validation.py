"""Everything checked before a training job runs; each mistake is a 400 naming its field.

What every kind of job shares (profile, backend, environment) is ``jobs.checks``;
``resolve`` is the rest of a training job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidInput
from ..jobs.checks import data_source
from ..jobs.kind import Resolved
from ..paths import confine, is_remote
from .contract import MAX_HYPERPARAMETERS, validate_hyperparameter
from .models import TrainingJobCreate

CHANNEL_NAME = re.compile(r"^[A-Za-z0-9.\-_]{1,64}$")
PACKAGE_FILES = ("setup.py", "pyproject.toml")


@dataclass(frozen=True)
class ResolvedJob(Resolved):
    """A valid training spec with its paths resolved on the server's disk."""

    code_dir: Path | None
    entry_file: Path | None  # entry point given without source_dir
    entry_point: str | None  # relative to the code directory
    package: bool
    channels: dict[str, Path] = field(default_factory=dict)
    remote_channels: dict[str, str] = field(default_factory=dict)
    output: Path | None = None
    checkpoint: Path | None = None
    metric_patterns: dict[str, re.Pattern[str]] = field(default_factory=dict)


def _metrics(spec: TrainingJobCreate) -> dict[str, re.Pattern[str]]:
    patterns: dict[str, re.Pattern[str]] = {}
    for i, metric in enumerate(spec.metric_definitions):
        where = f"metric_definitions.{i}.regex"
        try:
            patterns[metric.name] = re.compile(metric.regex)
        except re.error as err:
            raise InvalidInput(f"{where}: invalid regular expression: {err}", field=where) from err
    return patterns


def _hyperparameters(spec: TrainingJobCreate) -> None:
    if len(spec.hyperparameters) > MAX_HYPERPARAMETERS:
        raise InvalidInput(
            f"hyperparameters: at most {MAX_HYPERPARAMETERS} are allowed.", field="hyperparameters"
        )
    for key, value in spec.hyperparameters.items():
        problem = validate_hyperparameter(key, value)
        if problem:
            raise InvalidInput(f"hyperparameters: {problem}.", field=f"hyperparameters.{key}")


def code_in(code: Path, entry_point: str) -> tuple[str, bool]:
    """The entry point relative to the code directory ``code``, and whether it is a package."""
    if not code.is_dir():
        raise InvalidInput("source_dir: not a directory.", field="source_dir")
    entry = confine(code, entry_point, "entry_point", spaces=False)
    package = any((code / name).is_file() for name in PACKAGE_FILES)
    if not entry.is_file() and not package:
        raise InvalidInput(
            f"entry_point: '{entry_point}' is not a file in source_dir.", field="entry_point"
        )
    return str(entry.relative_to(code)), package


def _algorithm(spec: TrainingJobCreate) -> None:
    """A built-in algorithm's job: known name, no script, valid hyperparameters, channels."""
    if spec.algorithm is None:
        return
    from .. import algorithms

    try:
        algorithm = algorithms.get(spec.algorithm)
    except (algorithms.AlgorithmError, ImportError):
        raise InvalidInput(
            f"algorithm: '{spec.algorithm}' is not a built-in algorithm; use one of "
            f"{', '.join(algorithms.available())}.",
            field="algorithm",
        ) from None
    for other in ("entry_point", "image"):
        if getattr(spec, other):
            raise InvalidInput(
                f"{other}: a built-in algorithm's job runs no script or image of its own.",
                field=other,
            )
    if spec.check_hyperparameters == "job":
        return  # the job checks them and its channels, and fails with the message
    try:
        algorithm.SPEC.validate(spec.hyperparameters)
    except algorithms.AlgorithmError as err:
        where = f"hyperparameters.{err.field}" if err.field else "hyperparameters"
        raise InvalidInput(str(err), field=where) from None
    for required in algorithm.SPEC.required_channels:
        if required not in spec.channels:
            raise InvalidInput(
                f"channels: {algorithm.SPEC.title} needs a '{required}' channel.",
                field="channels",
            )
    for name in spec.channels:
        if name not in algorithm.SPEC.channels:
            raise InvalidInput(
                f"channels: {algorithm.SPEC.title} takes the channels "
                f"{', '.join(algorithm.SPEC.channels)}, not '{name}'.",
                field=f"channels.{name}",
            )


def _code(root: Path, spec: TrainingJobCreate) -> tuple[Path | None, Path | None, str | None, bool]:
    if not spec.entry_point:
        return None, None, None, False
    if spec.source_dir is not None and is_remote(spec.source_dir):
        return None, None, spec.entry_point, False  # checked once fetched (``code_in``)
    if spec.source_dir is not None:
        code = confine(root, spec.source_dir, "source_dir", must_exist=True)
        entry_point, package = code_in(code, spec.entry_point)
        return code, None, entry_point, package
    entry = confine(root, spec.entry_point, "entry_point", must_exist=True)
    if not entry.is_file():
        raise InvalidInput("entry_point: not a file.", field="entry_point")
    return None, entry, entry.name, False


def _channels(root: Path, spec: TrainingJobCreate) -> tuple[dict[str, Path], dict[str, str]]:
    local: dict[str, Path] = {}
    remote: dict[str, str] = {}
    for name, channel in spec.channels.items():
        if not CHANNEL_NAME.match(name):
            raise InvalidInput(
                f"channels: '{name}' is not a valid channel name (letters, digits, '.-_').",
                field=f"channels.{name}",
            )
        source = data_source(root, channel.path, f"channels.{name}.path")
        if isinstance(source, Path):
            local[name] = source
        else:
            remote[name] = source
    return local, remote


def resolve(spec: TrainingJobCreate, *, root: Path, base: Resolved) -> ResolvedJob:
    """Check the rest of a training ``spec`` (blocking file checks: call in a thread)."""
    _hyperparameters(spec)
    _algorithm(spec)
    if spec.algorithm is not None and base.backend != "local":
        raise InvalidInput(
            f"algorithm: built-in algorithms run on the local backend (not {base.backend}) "
            "for now.",
            field="algorithm",
        )
    patterns = _metrics(spec)
    code_dir, entry_file, entry_point, package = _code(root, spec)
    channels, remote = _channels(root, spec)
    output = (
        confine(root, spec.output_path, "output_path")
        if spec.output_path is not None and not is_remote(spec.output_path)
        else None
    )
    checkpoint = (
        confine(root, spec.checkpoint_path, "checkpoint_path")
        if spec.checkpoint_path is not None and not is_remote(spec.checkpoint_path)
        else None
    )
    return ResolvedJob(
        base.backend,
        base.profile,
        code_dir,
        entry_file,
        entry_point,
        package,
        channels,
        remote,
        output,
        checkpoint,
        patterns,
    )
