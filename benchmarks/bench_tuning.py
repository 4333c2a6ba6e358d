"""Automatic model tuning: orchestration overhead, search quality, early stopping.

- **Overhead** (a real server, real training jobs): a tuning job of ``TRIALS`` trials of a
  2-second script, 2 in parallel (Random strategy, so the search costs nothing), POST to
  Completed; against the same ``TRIALS`` runs of the script started directly, 2 at a
  time; A B A B over the rounds. Target: <= 1.15 x the direct runs (the issue's ideal,
  20 x 2 s / 2 = 20 s, is the direct runs' floor).
- **Search quality** (the search alone, ``tuning.search`` on an in-memory study, as the
  service drives it: ask, run, tell): a noisy function of 3 hyperparameters with a known
  optimum (a log-scaled learning rate, an integer depth, a fraction). Per seed, 100
  Random trials give the value to reach: within 1% of their best. The measure is how
  many trials each strategy needs to get there (Bayesian gets up to 100 too), median
  over ``SEEDS`` seeds. Target: Bayesian <= 50% of Random's.
- **Early stopping** (the search alone): each trial reports a learning curve of 10
  epochs, whose level depends on its hyperparameters; ``Auto`` (SageMaker's median rule)
  against ``Off`` with the same sampler seed: epochs run in all (the trials' time) and
  the best final objective. Target: >= 30% of the epochs saved, same best.

The search series time one ask + tell of each strategy (what the engine itself costs a
trial); the trial counts and savings are in the notes column.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import requests

from tests.servers import ServerProcess

from .harness import BenchError, Result, Series, check_rounds, end_round

DESCRIPTION = "tuning jobs: overhead of 2-s trials, 2 in parallel; Bayesian vs Random; early stop"
TRIALS = int(os.environ.get("BENCH_TUNING_TRIALS", "20"))
SEEDS = 5
BUDGET = 100
EPOCHS = 10
TWO_SECONDS = "import time\ntime.sleep(2)\nprint('loss=1.0', flush=True)\n"
RANGES = {
    "continuous_parameter_ranges": [
        {"name": "lr", "min_value": 1e-4, "max_value": 1.0, "scaling_type": "Logarithmic"},
        {"name": "subsample", "min_value": 0.5, "max_value": 1.0},
    ],
    "integer_parameter_ranges": [{"name": "depth", "min_value": 1, "max_value": 10}],
}


def loss(hp: dict[str, Any], rng: np.random.Generator) -> float:
    """Minimum about 0.05 at lr = 0.01, depth = 6, subsample = 0.8, with a little noise."""
    lr, depth, sub = float(hp["lr"]), int(hp["depth"]), float(hp["subsample"])
    base = (math.log10(lr) + 2) ** 2 + 0.1 * (depth - 6) ** 2 + 2 * (sub - 0.8) ** 2
    return base + 0.05 + float(abs(rng.normal(0, 0.002)))


def _config(strategy: str, seed: int, early: str = "Off") -> Any:
    from jupyter_smstudio.tuning.models import TuningJobConfig

    return TuningJobConfig.model_validate({
        "strategy": strategy,
        "hyper_parameter_tuning_job_objective": {"type": "Minimize", "metric_name": "loss"},
        "resource_limits": {"max_number_of_training_jobs": BUDGET,
                            "max_parallel_training_jobs": 1},
        "parameter_ranges": RANGES,
        "training_job_early_stopping_type": early,
        "random_seed": seed,
    })  # fmt: skip


def _definition() -> Any:
    from jupyter_smstudio.tuning.models import TrainingJobDefinition

    return TrainingJobDefinition.model_validate(
        {"metric_definitions": [{"name": "loss", "regex": "loss=(.*)"}]}
    )


def _trials_to_reach(values: list[float], target: float) -> int:
    best = math.inf
    for i, value in enumerate(values, start=1):
        best = min(best, value)
        if best <= target:
            return i
    return len(values) + 1  # never: counted as past the budget


def _search_quality(engine: Any) -> tuple[list[Series], str]:
    timings = {s: Series(f"{s}: one ask + tell (in-memory study)") for s in ("Bayesian", "Random")}
    timings["Bayesian"].baseline = timings["Random"].name
    needed: dict[str, list[int]] = {"Bayesian": [], "Random": []}
    for seed in range(SEEDS):
        runs: dict[str, list[float]] = {}
        for strategy in ("Random", "Bayesian"):  # A B per seed
            search = engine.open(
                f"quality/{strategy}/{seed}", _config(strategy, seed), _definition()
            )
            rng = np.random.default_rng(1000 + seed)
            values = []
            for _ in range(BUDGET):
                start = time.perf_counter()
                trial = search.ask()
                value = loss(trial.hyperparameters, rng)
                search.tell(trial.number, value)
                timings[strategy].samples.append(time.perf_counter() - start)
                values.append(value)
            runs[strategy] = values
        target = min(runs["Random"]) * 1.01
        for strategy, values in runs.items():
            needed[strategy].append(_trials_to_reach(values, target))
        end_round(*timings.values())
    bayes, rand = statistics.median(needed["Bayesian"]), statistics.median(needed["Random"])
    note = (
        f"trials to within 1% of 100 random trials' best, median of {SEEDS} seeds: "
        f"Bayesian {bayes:g} {needed['Bayesian']}, Random {rand:g} {needed['Random']}: "
        f"{bayes / rand:.0%} of Random's; target <= 50%"
    )
    return list(timings.values()), note


def _curve(hp: dict[str, Any], rng: np.random.Generator) -> list[float]:
    """Epoch by epoch: decreasing towards the trial's final loss."""
    final = loss(hp, rng)
    return [final + 2.0 / epoch for epoch in range(1, EPOCHS + 1)]


def _early_stopping(engine: Any) -> str:
    saved, same = [], []
    for seed in range(SEEDS):
        epochs, bests = {}, {}
        for mode in ("Off", "Auto"):
            search = engine.open(f"early/{mode}/{seed}", _config("Random", seed, mode),
                                 _definition())  # fmt: skip
            rng = np.random.default_rng(2000 + seed)
            ran, finals = 0, []
            for _ in range(40):
                trial = search.ask()
                curve = _curve(trial.hyperparameters, rng)
                stopped = False
                for value in curve:
                    ran += 1
                    if search.report(trial.number, value):
                        stopped = True
                        break
                if stopped:
                    search.tell(trial.number, None, pruned=True)
                else:
                    search.tell(trial.number, curve[-1])
                    finals.append(curve[-1])
            epochs[mode], bests[mode] = ran, min(finals)
        saved.append(1 - epochs["Auto"] / epochs["Off"])
        same.append(math.isclose(bests["Auto"], bests["Off"], rel_tol=0.01))
    return (
        f"early stopping Auto vs Off, 40 trials x {EPOCHS} epochs, {SEEDS} seeds: median "
        f"{statistics.median(saved):.0%} of the epochs saved "
        f"({', '.join(f'{s:.0%}' for s in saved)}); same best (within 1%) in "
        f"{sum(same)} of {SEEDS}; target >= 30%"
    )


def _tuning_body(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "config": {
            "strategy": "Random",
            "hyper_parameter_tuning_job_objective": {"type": "Minimize", "metric_name": "loss"},
            "resource_limits": {"max_number_of_training_jobs": TRIALS,
                                "max_parallel_training_jobs": 2},
            "parameter_ranges": {"integer_parameter_ranges": [
                {"name": "n", "min_value": 1, "max_value": 1000}]},
        },
        "training_job_definition": {
            "entry_point": "two.py", "source_dir": "code", "instance_type": "local",
            "metric_definitions": [{"name": "loss", "regex": "loss=([0-9.]+)"}],
        },
    }  # fmt: skip


def _overhead(rounds: int) -> list[Series]:
    direct = Series(f"{TRIALS} x 2-s script run directly, 2 at a time")
    tuned = Series(f"tuning job, {TRIALS} trials of it, 2 in parallel: POST -> Completed",
                   baseline=direct.name)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp, ServerProcess(
        Path(tmp), extra_args=("--TrainingJobs.max_concurrent_jobs_per_user=4",)
    ) as server:  # fmt: skip
        code = Path(tmp) / "root" / "code"
        code.mkdir(parents=True)
        (code / "two.py").write_text(TWO_SECONDS)
        http = requests.Session()
        http.headers.update(server.headers)
        base = server.url + "smstudio/api/tuning-jobs"

        def run_direct() -> None:
            def one(_: int) -> None:
                subprocess.run([sys.executable, "two.py"], cwd=code, check=True,
                               capture_output=True)  # fmt: skip

            with ThreadPoolExecutor(2) as pool:
                list(pool.map(one, range(TRIALS)))

        def run_tuning(name: str) -> None:
            reply = http.post(base, json=_tuning_body(name))
            if reply.status_code != 201:
                raise BenchError(f"tuning job refused: {reply.status_code} {reply.text[:300]}")
            while True:
                job = http.get(f"{base}/{name}").json()
                if job["status"] in ("Completed", "Failed", "Stopped"):
                    break
                time.sleep(0.05)
            if job["status"] != "Completed":
                raise BenchError(f"tuning job {name} ended {job['status']}: {job}")

        run_tuning("warm-up")  # the job environment is cached from here on
        for i in range(rounds):
            direct.time(run_direct)
            tuned.time(lambda i=i: run_tuning(f"tune-{i}"))
            end_round(direct, tuned)
    return [direct, tuned]


def run(rounds: int = 3) -> Result:
    check_rounds(rounds)
    try:
        from jupyter_smstudio.tuning import search
    except ImportError as err:
        raise BenchError(f"{err}: pip install 'jupyter-smstudio[tuning]'") from None
    engine = search.Engine(None)
    quality, quality_note = _search_quality(engine)
    early_note = _early_stopping(engine)
    overhead = _overhead(rounds)
    targets = {
        overhead[1].name: "target <= 1.15x",
        quality[0].name: quality_note,
        quality[1].name: early_note,
    }
    return Result("tuning", DESCRIPTION, [*overhead, *quality], targets)
