"""``python -m jupyter_smstudio.algorithms.train [ALGORITHM]``: a built-in algorithm's job.

Reads the SageMaker training contract (``/opt/ml/input/config/{hyperparameters,
inputdataconfig,resourceconfig}.json``, or where the ``SM_*`` variables point), picks the
algorithm (argument, ``SMSTUDIO_ALGORITHM``, or ``algorithm.json`` next to the
configs), validates the hyperparameters with the algorithm's own messages, reads the
channels, trains and writes ``/opt/ml/model``. Any error goes to ``/opt/ml/output/failure``
(``ClientError: ...`` for the user's input, ``AlgorithmError: ...`` otherwise), which the
job runner shows as FailureReason, and the exit status is 1.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from . import ALGORITHM_ENV, MARKER, get
from .formats import ALIASES, read_channel
from .metrics import MetricLogger
from .spec import AlgorithmError, TrainContext

BASE = "/opt/ml"


def _path(env: dict[str, str], key: str, *default: str) -> Path:
    return Path(env.get(key) or os.path.join(env.get("SMSTUDIO_OPT_ML", BASE), *default))


def _load_json(path: Path) -> Any:
    if not path.is_file():
        return {}
    return json.loads(path.read_text() or "{}")


def context(env: dict[str, str], name: str) -> TrainContext:
    """The validated hyperparameters and the channels read as the algorithm expects."""
    algorithm = get(name)
    spec = algorithm.SPEC
    config = _path(env, "SM_INPUT_CONFIG_DIR", "input", "config")
    raw = _load_json(config / "hyperparameters.json")
    hyperparameters = spec.validate({str(k): v for k, v in raw.items()})
    data_config: dict[str, Any] = _load_json(config / "inputdataconfig.json")
    resources: dict[str, Any] = _load_json(config / "resourceconfig.json")
    data_dir = _path(env, "SM_INPUT_DATA_DIR", "input", "data")
    unknown = [c for c in data_config if c not in spec.channels]
    if unknown:
        raise AlgorithmError(
            f"Unsupported channel {unknown[0]!r} for {spec.title}; channels: "
            f"{', '.join(spec.channels)}."
        )
    for required in spec.required_channels:
        if required not in data_config:
            raise AlgorithmError(f"Missing required channel {required!r} for {spec.title}.")
    host = resources.get("current_host") or env.get("SM_CURRENT_HOST") or "algo-1"
    metrics = MetricLogger(host)
    weights = bool(spec.weights_hyperparameter and hyperparameters.get(spec.weights_hyperparameter))
    accepted = {a for a, kind in ALIASES.items() if kind in spec.content_types}
    channels = {}
    content_types: dict[str, str | None] = {}
    for channel, entry in sorted(data_config.items()):
        content_type = (entry or {}).get("ContentType") or spec.content_types[0]
        content_types[channel] = content_type
        if content_type.split(";")[0].strip().lower() not in accepted:
            raise AlgorithmError(
                f"Content type {content_type!r} of channel {channel!r} is not supported by "
                f"{spec.title}; use one of {', '.join(spec.content_types)}."
            )
        where = env.get(f"SM_CHANNEL_{channel.upper()}") or str(data_dir / channel)
        channels[channel] = read_channel(
            where, content_type, spec.label_size, weights=weights, channel=channel
        )
    return TrainContext(
        channels=channels,
        hyperparameters=hyperparameters,
        model_dir=str(_path(env, "SM_MODEL_DIR", "model")),
        metrics=metrics,
        hosts=list(resources.get("hosts") or [host]),
        current_host=host,
        output_data_dir=str(_path(env, "SM_OUTPUT_DATA_DIR", "output", "data")),
        content_types=content_types,
    )


def algorithm_name(argv: list[str], env: dict[str, str]) -> str:
    if argv:
        return argv[0]
    if env.get(ALGORITHM_ENV):
        return env[ALGORITHM_ENV]
    config = _path(env, "SM_INPUT_CONFIG_DIR", "input", "config")
    name = _load_json(config / "algorithm.json").get("algorithm")
    if not name:
        raise AlgorithmError(f"No algorithm named: pass it or set {ALGORITHM_ENV}.")
    return str(name)


def run(argv: list[str], env: dict[str, str]) -> int:
    failure = Path(env.get("SM_OUTPUT_FAILURE") or _path(env, "", "output", "failure"))
    try:
        name = algorithm_name(argv, env)
        algorithm = get(name)
        ctx = context(env, name)
        if ctx.num_hosts > 1 and not algorithm.SPEC.distributed and not ctx.is_master:
            print(
                f"{algorithm.SPEC.title} trains on {sorted(ctx.hosts)[0]}; this host has no work."
            )
            return 0
        Path(ctx.model_dir).mkdir(parents=True, exist_ok=True)
        algorithm.train(ctx)
        if ctx.is_master:
            (Path(ctx.model_dir) / MARKER).write_text(json.dumps({"algorithm": name}))
        return 0
    except AlgorithmError as err:
        message = str(err)
    except MemoryError:
        message = "ClientError: Out of memory: use a larger instance type or less data."
    except Exception as err:  # the job's failure reason; the traceback goes to the log
        traceback.print_exc()
        message = f"AlgorithmError: {type(err).__name__}: {err}"
    print(message, file=sys.stderr, flush=True)
    try:
        failure.parent.mkdir(parents=True, exist_ok=True)
        failure.write_text(message + "\n")
    except OSError:
        pass
    return 1


def main() -> None:
    sys.exit(run(sys.argv[1:], dict(os.environ)))


if __name__ == "__main__":
    main()
