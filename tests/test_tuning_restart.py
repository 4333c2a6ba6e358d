"""A tuning job outlives a real server restart; the SDK's HyperparameterTuner drives one."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_smstudio.client import Client
from jupyter_smstudio.sdk import (
    CategoricalParameter,
    ContinuousParameter,
    Estimator,
    HyperparameterTuner,
    IntegerParameter,
)

from .servers import ServerProcess, wait_until
from .training_helpers import write

pytestmark = pytest.mark.slow

#: Trial 001 ends at once; the others wait for the file ``go`` in the space.
SCRIPT = """
    import argparse, os, time
    parser = argparse.ArgumentParser()
    parser.add_argument("--shift", type=float, default=0.0)
    parser.add_argument("--opt", default="a")
    args, _ = parser.parse_known_args()
    print("started", os.environ["TRAINING_JOB_NAME"], flush=True)
    if "-001-" not in os.environ["TRAINING_JOB_NAME"]:
        while not os.path.exists(os.path.join(os.environ["GO_DIR"], "go")):
            time.sleep(0.05)
    print(f"loss={(args.shift - 2) ** 2 + (0 if args.opt == 'b' else 1):.6f}", flush=True)
"""
FINAL = ("Completed", "Failed", "Stopped")


def test_a_restart_loses_no_trial_and_runs_none_twice(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write(root, "src/tune.py", SCRIPT)
    spec = {
        "name": "survives",
        "config": {
            "strategy": "Random",
            "hyper_parameter_tuning_job_objective": {"type": "Minimize", "metric_name": "loss"},
            "resource_limits": {"max_number_of_training_jobs": 3, "max_parallel_training_jobs": 1},
            "parameter_ranges": {
                "continuous_parameter_ranges": [{"name": "shift", "min_value": 0, "max_value": 4}]
            },
        },
        "training_job_definition": {
            "entry_point": "tune.py", "source_dir": "src", "instance_type": "local",
            "environment": {"GO_DIR": str(root)},
            "metric_definitions": [{"name": "loss", "regex": r"loss=([0-9.]+)"}],
        },
    }  # fmt: skip
    server = ServerProcess(tmp_path)
    with server:
        client = Client(server.url, server.token)
        client.create_tuning_job(spec)

        def second_running() -> list[str] | None:
            trials = client.tuning_job_training_jobs("survives", sort_by="name", sort_order="asc")
            names = [t["training_job_name"] for t in trials]
            if len(names) == 2 and client.training_job(names[1])["secondary_status"] == "Training":
                return names
            return None

        before = wait_until(second_running, 60, "trial 2 training")
        assert client.training_job(before[0])["status"] == "Completed"
    (root / "go").touch()  # trial 2 ends while no server follows it

    with ServerProcess(tmp_path) as restarted:
        client = Client(restarted.url, restarted.token)
        job = wait_until(
            lambda: (j := client.tuning_job("survives"))["status"] in FINAL and j, 90, "the end"
        )
        assert job["status"] == "Completed", job
        assert job["training_job_status_counters"]["completed"] == 3
        trials = client.tuning_job_training_jobs("survives", sort_by="name", sort_order="asc")
        names = [t["training_job_name"] for t in trials]
        assert names[:2] == before
        assert [n.split("-")[1] for n in names] == ["001", "002", "003"]
        for name in names:  # each trial ran exactly once
            log = client.training_job_logs(name)["text"]
            assert log.count("started") == 1, log
        best = min(
            trials, key=lambda t: t["final_hyper_parameter_tuning_job_objective_metric"]["value"]
        )
        assert job["best_training_job"]["training_job_name"] == best["training_job_name"]


def test_the_sdk_tuner_fits_and_reports_the_best_job(tmp_path: Path) -> None:
    """The official SDK's signature: fit(), best_training_job(), analytics().dataframe()."""
    root = tmp_path / "root"
    write(root, "src/tune.py", SCRIPT)
    (root / "go").touch()
    with ServerProcess(tmp_path) as server:
        client = Client(server.url, server.token)
        est = Estimator(
            entry_point="tune.py", source_dir=str(root / "src"), instance_type="local",
            environment={"GO_DIR": str(root)}, hyperparameters={"static": 1},
            metric_definitions=[{"Name": "loss", "Regex": r"loss=([0-9.]+)"}], client=client,
        )  # fmt: skip
        tuner = HyperparameterTuner(
            est,
            "loss",
            {"shift": ContinuousParameter(0, 4), "opt": CategoricalParameter(["a", "b"]),
             "depth": IntegerParameter(1, 8, "Logarithmic")},
            objective_type="Minimize",
            max_jobs=3,
            max_parallel_jobs=2,
            base_tuning_job_name="sdk",
        )  # fmt: skip
        tuner.fit()
        best = tuner.best_training_job()
        frame = tuner.analytics().dataframe()
        rows = frame.to_dict("records") if hasattr(frame, "to_dict") else frame
        assert len(rows) == 3
        assert {r["TrainingJobStatus"] for r in rows} == {"Completed"}
        lowest = min(rows, key=lambda r: r["FinalObjectiveValue"])
        assert lowest["TrainingJobName"] == best
        assert best.startswith(tuner.latest_tuning_job or "?")
        training = client.training_job(best)["spec"]["hyperparameters"]
        assert training["static"] == 1
        assert 1 <= training["depth"] <= 8
        assert tuner.describe()["objective_status_counters"]["succeeded"] == 3
