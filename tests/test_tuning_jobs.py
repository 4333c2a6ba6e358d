"""Hyperparameter tuning jobs through the REST API: trials are real training jobs."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path
from typing import Any

import pytest

from . import waiting
from .conftest import ApiCall
from .training_helpers import run_state, write

pytestmark = pytest.mark.usefixtures("jp_serverapp")

FINAL = {"Completed", "Failed", "Stopped"}
TRIAL_NAME = re.compile(r"^(?P<tuning>.+)-(?P<n>\d{3})-[0-9a-f]{8}$")

#: The objective is known: loss = (x - 2)^2 + (0 for opt b, 1 for a), printed per epoch.
SCRIPT = """
    import argparse, os, time
    parser = argparse.ArgumentParser()
    parser.add_argument("--shift", type=float, default=0.0)
    parser.add_argument("--opt", default="a")
    parser.add_argument("--quality", default="good")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--marker", default="")
    args, _ = parser.parse_known_args()
    if args.quality == "vanish" and not os.path.exists(args.marker):
        open(args.marker, "w").close()  # the first attempt waits for the test to kill it
        while True:
            time.sleep(0.2)
    if args.quality == "forever":
        while True:
            print("score=0.5", flush=True)
            time.sleep(0.2)
    if args.quality == "crash":
        raise SystemExit("a trial that fails")
    if args.quality == "bad":
        for epoch in range(600):  # stopped early long before the end
            print(f"score=0.1 epoch={epoch}", flush=True)
            time.sleep(0.2)
    if args.quality == "good":
        for epoch in range(args.epochs):
            print(f"score=1.0 epoch={epoch}", flush=True)
    loss = (args.shift - 2) ** 2 + (0 if args.opt == "b" else 1)
    print(f"loss={loss:.6f}", flush=True)
"""
METRICS = [
    {"name": "loss", "regex": r"loss=([0-9.]+)"},
    {"name": "score", "regex": r"score=([0-9.]+)"},
]


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **jp_server_config,
        "TrainingJobs": {"stop_grace_seconds": 1.0, "poll_seconds": 0.2},
    }


def definition(**extra: Any) -> dict[str, Any]:
    return {
        "entry_point": "tune.py", "source_dir": "src", "instance_type": "local",
        "metric_definitions": METRICS, **extra,
    }  # fmt: skip


def body(name: str, **config: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "strategy": "Bayesian",
        "hyper_parameter_tuning_job_objective": {"type": "Minimize", "metric_name": "loss"},
        "resource_limits": {"max_number_of_training_jobs": 4, "max_parallel_training_jobs": 2},
        "parameter_ranges": {
            "continuous_parameter_ranges": [{"name": "shift", "min_value": -3, "max_value": 5}],
            "categorical_parameter_ranges": [{"name": "opt", "values": ["a", "b"]}],
        },
        "random_seed": 7,
    }
    extra = config.pop("definition", {})
    return {
        "name": name,
        "config": {**base, **config},
        "training_job_definition": definition(**extra),
    }


async def ended(api: ApiCall, name: str, timeout: float = 120) -> dict[str, Any]:
    async def check() -> Any:
        job = (await api("GET", f"tuning-jobs/{name}")).json
        return job if job["status"] in FINAL else None

    return await waiting.eventually(check, timeout, f"tuning job {name} to end", interval=0.1)


async def trials(api: ApiCall, name: str, **params: Any) -> list[dict[str, Any]]:
    reply = await api("GET", f"tuning-jobs/{name}/training-jobs", params=params or None)
    assert reply.status == 200, reply.json
    return list(reply.json["items"])


@pytest.fixture
def script(jp_root_dir: Path) -> Path:
    return write(jp_root_dir, "src/tune.py", SCRIPT)


@pytest.mark.slow
async def test_a_bayesian_tuning_job_runs_training_jobs_and_finds_the_best(
    api: ApiCall, script: Path
) -> None:
    created = await api("POST", "tuning-jobs", body("tune-a"))
    assert created.status == 201, created.json
    job = await ended(api, "tune-a")
    assert job["status"] == "Completed", job
    items = await trials(api, "tune-a", sort_by="objective", sort_order="asc")
    assert job["training_job_status_counters"] == {
        "completed": 4, "in_progress": 0, "retryable_error": 0, "non_retryable_error": 0,
        "stopped": 0,
    }, items  # fmt: skip
    assert job["objective_status_counters"] == {"succeeded": 4, "pending": 0, "failed": 0}
    values = [t["final_hyper_parameter_tuning_job_objective_metric"]["value"] for t in items]
    assert values == sorted(values)
    assert len(values) == 4
    numbers = sorted(int(TRIAL_NAME.match(t["training_job_name"])["n"]) for t in items)  # type: ignore[index]
    assert numbers == [1, 2, 3, 4]
    for t in items:
        x, opt = float(t["tuned_hyper_parameters"]["shift"]), t["tuned_hyper_parameters"]["opt"]
        expected = (x - 2) ** 2 + (0 if opt == "b" else 1)
        metric = t["final_hyper_parameter_tuning_job_objective_metric"]
        assert metric["value"] == pytest.approx(expected, abs=1e-5)
        assert -3 <= x <= 5
        assert opt in ("a", "b")
    best = job["best_training_job"]
    assert best["training_job_name"] == items[0]["training_job_name"]
    assert best["final_hyper_parameter_tuning_job_objective_metric"] == {
        "type": "Minimize", "metric_name": "loss", "value": values[0],
    }  # fmt: skip

    # Each trial is a training job like any other, with the tuned and static hyperparameters.
    listed = (await api("GET", "training-jobs")).json["items"]
    assert {t["training_job_name"] for t in items} <= {j["name"] for j in listed}
    spans = []
    for t in items:
        training = (await api("GET", f"training-jobs/{t['training_job_name']}")).json
        assert training["status"] == "Completed"
        assert float(training["spec"]["hyperparameters"]["shift"]) == float(
            t["tuned_hyper_parameters"]["shift"]
        )
        spans.append((training["started_ms"], training["ended_ms"]))
    # MaxParallelTrainingJobs: never more than two at once.
    for start, _ in spans:
        assert sum(1 for s, e in spans if s <= start < e) <= 2

    query = {"sort_by": "objective", "sort_order": "asc", "limit": "3"}
    first = (await api("GET", "tuning-jobs/tune-a/training-jobs", params=query)).json
    rest = await trials(api, "tune-a", **query, next_token=first["next_token"])
    assert [t["training_job_name"] for t in first["items"] + rest] == [
        t["training_job_name"] for t in items
    ]
    assert await trials(api, "tune-a", status="Failed") == []
    again = await api("POST", "tuning-jobs", body("tune-a"))
    assert again.status == 409
    assert again.error["field"] == "name"
    hidden = await api("GET", "tuning-jobs/tune-a", user="bob")  # another user's: not found
    assert hidden.status == 404
    assert (await api("GET", "tuning-jobs", user="bob")).json["items"] == []
    page = await api("GET", "tuning-jobs", params={"limit": "1"})
    assert [j["name"] for j in page.json["items"]] == ["tune-a"]
    assert page.json["next_token"] is None


@pytest.mark.slow
async def test_grid_enumerates_and_early_stopping_stops_the_bad_trial(
    api: ApiCall, script: Path
) -> None:
    """Grid runs each categorical value once, in order; a failed trial counts as failed
    and the search goes on; Auto stops the trial whose objective (maximized) is below
    the median of the earlier trials' at the same epoch."""
    spec = body(
        "tune-es",
        strategy="Grid",
        hyper_parameter_tuning_job_objective={"type": "Maximize", "metric_name": "score"},
        resource_limits={"max_parallel_training_jobs": 1},
        parameter_ranges={
            "categorical_parameter_ranges": [
                {"name": "quality", "values": ["good", "crash", "bad"]}
            ]
        },
        training_job_early_stopping_type="Auto",
    )
    created = await api("POST", "tuning-jobs", spec)
    assert created.status == 201, created.json
    job = await ended(api, "tune-es", timeout=90)
    assert job["status"] == "Completed", job
    items = await trials(api, "tune-es", sort_by="created", sort_order="asc")
    assert [t["tuned_hyper_parameters"]["quality"] for t in items] == ["good", "crash", "bad"]
    good, crash, bad = items
    assert crash["training_job_status"] == "Failed"
    assert crash["objective_status"] == "Failed"
    assert good["training_job_status"] == "Completed"
    assert not good["early_stopped"]
    assert bad["training_job_status"] == "Stopped"
    assert bad["early_stopped"]
    counters = job["training_job_status_counters"]
    assert (counters["completed"], counters["non_retryable_error"], counters["stopped"]) == (
        1,
        1,
        1,
    )
    assert job["best_training_job"]["training_job_name"] == good["training_job_name"]


@pytest.mark.slow
async def test_a_trial_whose_processes_vanish_is_retried_and_a_crash_is_not(
    api: ApiCall, script: Path, tmp_path: Path
) -> None:
    """RetryStrategy: a trial that fails for an infrastructure reason (here its supervisor
    is killed) runs again with the same hyperparameters as a new training job; one that
    fails by its own code counts as failed at once."""
    marker = tmp_path / "first-attempt"
    spec = body(
        "tune-retry",
        strategy="Grid",
        resource_limits={"max_parallel_training_jobs": 1},
        parameter_ranges={
            "categorical_parameter_ranges": [{"name": "quality", "values": ["crash", "vanish"]}]
        },
        definition={"hyperparameters": {"marker": str(marker)}, "max_retry_attempts": 1},
    )
    created = await api("POST", "tuning-jobs", spec)
    assert created.status == 201, created.json
    await waiting.eventually(marker.exists, 60, "the first attempt to start")
    first = next(
        t for t in await trials(api, "tune-retry")
        if t["tuned_hyper_parameters"]["quality"] == "vanish"
    )  # fmt: skip
    os.kill(run_state(tmp_path / "smstudio", first["training_job_name"])["supervisor_pid"],
            signal.SIGKILL)  # fmt: skip
    job = await ended(api, "tune-retry", timeout=90)
    assert job["status"] == "Completed", job
    items = await trials(api, "tune-retry", sort_by="created", sort_order="asc")
    assert [(t["tuned_hyper_parameters"]["quality"], t["training_job_status"], t["retried"])
            for t in items] == [("crash", "Failed", False), ("vanish", "Failed", True),
                                ("vanish", "Completed", False)]  # fmt: skip
    _, vanished, retry = items
    assert "vanished" in vanished["failure_reason"]
    assert vanished["training_job_name"] == first["training_job_name"]
    assert TRIAL_NAME.match(retry["training_job_name"])["n"] == "002"  # type: ignore[index]
    counters = job["training_job_status_counters"]
    assert counters["completed"] == counters["retryable_error"] == 1
    assert counters["non_retryable_error"] == 1
    assert job["objective_status_counters"]["succeeded"] == 1
    assert job["objective_status_counters"]["failed"] == 1
    assert job["best_training_job"]["training_job_name"] == retry["training_job_name"]
    assert job["training_job_definition"]["max_retry_attempts"] == 1


@pytest.mark.slow
async def test_stopping_a_tuning_job_stops_its_running_trials(api: ApiCall, script: Path) -> None:
    spec = body(
        "tune-stop",
        strategy="Random",
        hyper_parameter_tuning_job_objective={"type": "Maximize", "metric_name": "score"},
        parameter_ranges={
            "categorical_parameter_ranges": [{"name": "quality", "values": ["forever"]}],
            "integer_parameter_ranges": [{"name": "epochs", "min_value": 1, "max_value": 9}],
        },
    )
    assert (await api("POST", "tuning-jobs", spec)).status == 201

    async def two_training() -> Any:
        names = [t["training_job_name"] for t in await trials(api, "tune-stop")]
        jobs = [(await api("GET", f"training-jobs/{n}")).json for n in names]
        return len([j for j in jobs if j["secondary_status"] == "Training"]) == 2

    await waiting.eventually(two_training, 60, "two running trials")
    stopped = await api("POST", "tuning-jobs/tune-stop/stop")
    assert stopped.status == 200
    assert stopped.json["status"] in ("Stopping", "Stopped")
    job = await ended(api, "tune-stop", timeout=60)
    assert job["status"] == "Stopped"
    items = await trials(api, "tune-stop")
    assert len(items) == 2  # nothing new launched after the stop
    assert {t["training_job_status"] for t in items} == {"Stopped"}
    again = await api("POST", "tuning-jobs/tune-stop/stop")
    assert again.status == 422
    assert again.error["field"] == "name"


def _bad(path: str, value: Any) -> dict[str, Any]:
    """A valid body with the value at the dotted ``path`` replaced."""
    spec = body("tune-bad")
    node: Any = spec
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[keys[-1]] = value
    return spec


RANGES = "config.parameter_ranges"
BAD_INPUT = [
    (_bad(f"{RANGES}.continuous_parameter_ranges.0.min_value", 9),
     f"{RANGES}.continuous_parameter_ranges.0.max_value"),
    (_bad(f"{RANGES}.continuous_parameter_ranges.0.scaling_type", "Cubic"),
     f"{RANGES}.continuous_parameter_ranges.0.scaling_type"),
    (_bad(f"{RANGES}.continuous_parameter_ranges.0.scaling_type", "Logarithmic"),
     f"{RANGES}.continuous_parameter_ranges.0.scaling_type"),
    (_bad(f"{RANGES}.categorical_parameter_ranges.0.values", []),
     f"{RANGES}.categorical_parameter_ranges.0.values"),
    (_bad("config.resource_limits.max_parallel_training_jobs", 5),
     "config.resource_limits.max_parallel_training_jobs"),
    (_bad("config.hyper_parameter_tuning_job_objective.metric_name", "accuracy"),
     "config.hyper_parameter_tuning_job_objective.metric_name"),
    (_bad("config.strategy", "Annealing"), "config.strategy"),
    (_bad("config.strategy", "Grid"), f"{RANGES}.continuous_parameter_ranges"),
    (_bad("config.training_job_early_stopping_type", "Sometimes"),
     "config.training_job_early_stopping_type"),
    (_bad("training_job_definition.entry_point", "missing.py"),
     "training_job_definition.entry_point"),
    (_bad("training_job_definition.hyperparameters", {"shift": 1}),
     f"{RANGES}.continuous_parameter_ranges.0.name"),
    (_bad("name", "a" * 33), "name"),
]  # fmt: skip


@pytest.mark.parametrize(("spec", "field"), BAD_INPUT, ids=[f for _, f in BAD_INPUT])
async def test_bad_input_names_the_field_and_creates_nothing(
    api: ApiCall, script: Path, spec: dict[str, Any], field: str
) -> None:
    reply = await api("POST", "tuning-jobs", spec)
    assert reply.status == 400, reply.json
    assert reply.error["field"] == field, reply.json
    assert (await api("GET", "tuning-jobs")).json["items"] == []
    assert (await api("GET", "training-jobs")).json["items"] == []


async def test_unknown_tuning_jobs_are_404(api: ApiCall) -> None:
    for method, path in (("GET", "tuning-jobs/nope"), ("POST", "tuning-jobs/nope/stop"),
                         ("GET", "tuning-jobs/nope/training-jobs")):  # fmt: skip
        reply = await api(method, path)
        assert reply.status == 404
        assert reply.error["field"] == "name"
