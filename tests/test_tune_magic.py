"""``%%tune`` in a real kernel against a real server."""

from __future__ import annotations

from pathlib import Path

import pytest

from .kernels import magic_kernel

SCRIPT = (
    "import argparse\n"
    "p = argparse.ArgumentParser(); p.add_argument('--alpha', type=float)\n"
    "a, _ = p.parse_known_args()\n"
    "print(f'loss={(a.alpha - 0.3) ** 2:.6f}')\n"
)


@pytest.mark.slow
def test_tune_magic_runs_trials_and_leaves_the_tuner(tmp_path: Path) -> None:
    with magic_kernel(tmp_path) as (client, run):
        bad_lines = (
            ("--range alpha=1:0", "--range alpha: min 1.0 is greater than max"),
            ("--range alpha=0:1 --bogus", "unrecognized arguments: --bogus"),
        )
        for bad, says in bad_lines:
            out = run(f"%%tune --name tune-bad --objective loss {bad}\n{SCRIPT}")
            assert says in out
        assert client.tuning_jobs() == []

        out = run(
            "%%tune --name tune-e2e --objective loss --minimize --metric loss=loss=([0-9.]+)"
            " --range alpha=0.0:1.0 --max-jobs 3 --parallel 1 --strategy Random\n" + SCRIPT
        )
        assert "[tune-e2e] Completed" in out
        job = client.tuning_job("tune-e2e")
        assert job["status"] == "Completed"
        trials = client.tuning_job_training_jobs("tune-e2e")
        assert len(trials) == 3
        best = min(
            trials, key=lambda t: t["final_hyper_parameter_tuning_job_objective_metric"]["value"]
        )
        assert job["best_training_job"]["training_job_name"] == best["training_job_name"]
        assert best["training_job_name"] in run("print(_tune.best_training_job())")
