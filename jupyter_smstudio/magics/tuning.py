"""``%%tune``: the cell is a training script, run as the trials of a tuning job.

Progress is printed as text lines (status and trial counters); the widget live view
is not written yet. The result is left in the namespace as ``_tune`` (``--out``).
"""

from __future__ import annotations

import argparse
import shlex
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from IPython.core.magic import Magics, cell_magic, magics_class

from ..client import ApiError, Client
from ..sdk.tuner import TuningJobAnalytics
from .args import MagicParser, documented, parse_line
from .training import add_job_options, cell_job

SCALINGS = {"auto": "Auto", "linear": "Linear", "log": "Logarithmic", "rlog": "ReverseLogarithmic"}

TUNE_EXAMPLE = """example:
  %%tune --name my-tune --objective validation:loss --minimize \\
         --metric 'validation:loss=loss=([0-9.]+)' --range alpha=0.0:1.0 \\
         --range depth=int:1:5 --range kernel=cat:linear,rbf --range lr=log:1e-4:1e-1 \\
         --max-jobs 8 --parallel 2 --strategy Bayesian --early-stopping Auto --hp epochs=3
  ...the training script...

A range is NAME=MIN:MAX (continuous), NAME=int:MIN:MAX, NAME=cat:A,B,... and a
continuous or integer one may start with a scaling: auto, linear, log, rlog."""


def parser() -> argparse.ArgumentParser:
    p = MagicParser(
        "%%tune",
        "Run the cell as a training script in the trials of a hyperparameter tuning job.",
        TUNE_EXAMPLE,
    )
    add_job_options(p)
    p.add_argument("--objective", required=True, metavar="METRIC", help="objective metric")
    goal = p.add_mutually_exclusive_group()
    goal.add_argument("--minimize", action="store_true", help="minimize it (the default)")
    goal.add_argument("--maximize", action="store_true", help="maximize it")
    p.add_argument("--range", action="append", default=[], metavar="NAME=SPEC", help="range")
    p.add_argument("--max-jobs", type=int, default=1, help="MaxNumberOfTrainingJobs")
    p.add_argument("--parallel", type=int, default=1, help="MaxParallelTrainingJobs")
    p.add_argument("--strategy", choices=("Bayesian", "Random", "Grid", "Hyperband"),
                   default="Bayesian")  # fmt: skip
    p.add_argument("--early-stopping", choices=("Off", "Auto"), default="Off")
    p.add_argument("--out", default="_tune", help="namespace variable for the tuner")
    return p


def parse_range(item: str) -> tuple[str, dict[str, Any]]:
    """``(kind, range)`` for one ``--range``; ValueError naming the flag if it is bad."""
    name, sep, spec = item.partition("=")
    if not sep or not name or not spec:
        raise ValueError(f"--range expects NAME=SPEC, got {item!r}")
    words = spec.split(":")
    if words[0] == "cat":
        values = [v for v in ":".join(words[1:]).split(",") if v]
        if not values:
            raise ValueError(f"--range {name}: cat needs values")
        return "categorical", {"name": name, "values": values}
    kind = "continuous"
    cast: Callable[[str], float] = float
    if words[0] == "int":
        kind, cast, words = "integer", int, words[1:]
    scaling = "Auto"
    if words and words[0] in SCALINGS:
        scaling, words = SCALINGS[words[0]], words[1:]
    if len(words) != 2:
        raise ValueError(f"--range {name}: expected MIN:MAX, got {spec!r}")
    try:
        low, high = cast(words[0]), cast(words[1])
    except ValueError:
        raise ValueError(f"--range {name}: bad number in {spec!r}") from None
    if low > high:
        raise ValueError(f"--range {name}: min {low} is greater than max {high}")
    return kind, {"name": name, "min_value": low, "max_value": high, "scaling_type": scaling}


def tune_spec(line: str, cell: str, workdir: Path) -> tuple[dict[str, Any], argparse.Namespace]:
    """The create request for a ``%%tune`` cell; writes the cell to its code directory."""
    args = parser().parse_args(shlex.split(line))
    ranges: dict[str, list[dict[str, Any]]] = {"integer": [], "continuous": [], "categorical": []}
    for item in args.range:
        kind, rng = parse_range(item)
        ranges[kind].append(rng)
    if not args.range:
        raise ValueError("--range: at least one is needed")
    definition = cell_job(args, cell, workdir, prefix="tune")
    name = definition.pop("name")
    spec = {
        "name": name,
        "config": {
            "strategy": args.strategy,
            "hyper_parameter_tuning_job_objective": {
                "type": "Maximize" if args.maximize else "Minimize",
                "metric_name": args.objective,
            },
            "resource_limits": {
                "max_number_of_training_jobs": args.max_jobs,
                "max_parallel_training_jobs": args.parallel,
            },
            "parameter_ranges": {f"{k}_parameter_ranges": v for k, v in ranges.items()},
            "training_job_early_stopping_type": args.early_stopping,
        },
        "training_job_definition": definition,
    }
    return spec, args


class TuneResult:
    """What ``%%tune`` leaves in the namespace: the tuner's ``best_training_job()`` and
    ``analytics()`` (``.dataframe()``) for the tuning job it ran."""

    def __init__(self, client: Client, name: str) -> None:
        self.client = client
        self.name = name

    def describe(self) -> dict[str, Any]:
        return self.client.tuning_job(self.name)

    def best_training_job(self) -> str:
        best = self.describe().get("best_training_job")
        if not best:
            raise ValueError(f"Best training job not available for tuning job: {self.name}")
        return str(best["training_job_name"])

    def analytics(self) -> TuningJobAnalytics:
        return TuningJobAnalytics(self.name, self.client)


FINAL = ("Completed", "Failed", "Stopped")


def follow_text(client: Client, name: str, poll: float = 1.0) -> dict[str, Any]:
    """Print a line whenever the tuning job's status or counters change, until it ends."""
    last = None
    while True:
        job = client.tuning_job(name)
        counters = job.get("training_job_status_counters") or {}
        line = f"[{name}] {job['status']} " + " ".join(f"{k}={v}" for k, v in counters.items())
        if line != last:
            print(line, flush=True)
            last = line
        if job["status"] in FINAL:
            best = job.get("best_training_job")
            if best:
                print(f"best training job: {best['training_job_name']} "
                      f"{best.get('tuned_hyper_parameters')}")  # fmt: skip
            return job
        time.sleep(poll)


@magics_class
class TuningMagics(Magics):
    _client: Client | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            TuningMagics._client = Client()
        assert self._client is not None
        return self._client

    @cell_magic
    @documented(parser())
    def tune(self, line: str, cell: str) -> None:
        if parse_line(parser(), line) is None:
            return None
        try:
            spec, args = tune_spec(line, cell, Path.cwd())
        except ValueError as err:
            print(f"%%tune: {err}\n{parser().format_usage()}")
            return None
        try:
            job = self.client.create_tuning_job(spec)
        except ApiError as err:
            print(f"%%tune: {err.message}" + (f" (field: {err.field})" if err.field else ""))
            return None
        assert self.shell is not None
        self.shell.user_ns[args.out] = TuneResult(self.client, job["name"])
        if args.no_wait:
            return None
        try:
            follow_text(self.client, job["name"])
        except KeyboardInterrupt:
            print(f"Interrupted: stopping tuning job {job['name']}")
            self.client.stop_tuning_job(job["name"])
            follow_text(self.client, job["name"])


def register(ipython: Any) -> None:
    ipython.register_magics(TuningMagics)
