"""The search on its own (no server): ranges, strategies, early stopping, the study on disk."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from jupyter_smstudio.errors import InvalidInput
from jupyter_smstudio.tuning import search
from jupyter_smstudio.tuning.models import (
    CompletionCriteria,
    TrainingJobDefinition,
    TuningJobConfig,
)

DEFINITION = TrainingJobDefinition.model_validate(
    {
        "metric_definitions": [{"name": "loss", "regex": "loss=(.*)"}],
        "hyperparameters": {"epochs": 9},
    }
)


def config(**changes: Any) -> TuningJobConfig:
    base: dict[str, Any] = {
        "strategy": "Bayesian",
        "hyper_parameter_tuning_job_objective": {"type": "Minimize", "metric_name": "loss"},
        "resource_limits": {"max_number_of_training_jobs": 40, "max_parallel_training_jobs": 1},
        "parameter_ranges": {
            "continuous_parameter_ranges": [{"name": "x", "min_value": -5, "max_value": 5}],
            "integer_parameter_ranges": [{"name": "n", "min_value": 1, "max_value": 50}],
        },
        "random_seed": 3,
    }
    return TuningJobConfig.model_validate({**base, **changes})


def objective(hp: dict[str, Any]) -> float:
    """Known minimum 0 at x = 2, n = 20."""
    return float((hp["x"] - 2) ** 2 + ((hp["n"] - 20) / 10) ** 2)


@pytest.fixture
def engine() -> search.Engine:
    return search.Engine(None)


@pytest.fixture
def on_disk(tmp_path: Path) -> search.Engine:
    """The server's storage: a SQLite file (what a restart reopens)."""
    return search.Engine(tmp_path / "studies.db")


def run(s: search.Search, count: int, fn: Any = objective) -> list[float]:
    values = []
    for _ in range(count):
        trial = s.ask()
        value = fn(trial.hyperparameters)
        s.tell(trial.number, value)
        values.append(value)
    return values


@pytest.mark.parametrize("strategy", ["Bayesian", "Random"])
def test_the_search_finds_better_than_its_worst_trial(engine: search.Engine, strategy: str) -> None:
    s = engine.open(f"t/{strategy}", config(strategy=strategy), DEFINITION)
    values = run(s, 40)
    best = s.best()
    assert best is not None
    assert best.value == min(values) < max(values) / 10
    if strategy == "Bayesian":  # TPE homes in on the minimum
        assert best.value < 0.5


def test_bayesian_beats_random_on_average(engine: search.Engine) -> None:
    """Median over seeds of the best after 30 trials: TPE's is lower than random's."""
    bests: dict[str, list[float]] = {"Bayesian": [], "Random": []}
    for seed in range(3):
        for strategy in bests:
            cfg = config(strategy=strategy, random_seed=seed)
            bests[strategy].append(min(run(engine.open(f"{strategy}/{seed}", cfg, DEFINITION), 30)))
    assert sorted(bests["Bayesian"])[1] < sorted(bests["Random"])[1]


def test_maximize_picks_the_highest_and_minimize_the_lowest(engine: search.Engine) -> None:
    for kind, pick in (("Maximize", max), ("Minimize", min)):
        cfg = config(
            strategy="Random",
            hyper_parameter_tuning_job_objective={"type": kind, "metric_name": "loss"},
        )
        s = engine.open(f"dir/{kind}", cfg, DEFINITION)
        values = run(s, 8)
        best = s.best()
        assert best is not None
        assert best.value == pick(values)


def test_grid_enumerates_every_categorical_combination_once_in_order(
    on_disk: search.Engine,
) -> None:
    engine = on_disk
    ranges = {
        "categorical_parameter_ranges": [
            {"name": "opt", "values": ["sgd", "adam"]},
            {"name": "act", "values": ["relu", "tanh", "gelu"]},
        ]
    }
    cfg = config(strategy="Grid", parameter_ranges=ranges, resource_limits={})
    assert search.check(cfg, DEFINITION) == 6
    s = engine.open("grid", cfg, DEFINITION)
    seen = [s.ask().hyperparameters for _ in range(6)]
    assert seen == [{"opt": o, "act": a} for o in ("sgd", "adam") for a in ("relu", "tanh", "gelu")]
    # A reloaded study (a restart) goes on where it was, asking nothing twice.
    for number in range(3):
        s.tell(number, 1.0)
    again = engine.open("grid", cfg, DEFINITION)
    assert [t.state for t in again.trials()].count("COMPLETE") == 3
    assert again.total == 6


def test_a_reloaded_study_keeps_its_trials_and_draws_new_points(tmp_path: Path) -> None:
    cfg = config(strategy="Random")
    first = search.Engine(tmp_path / "studies.db").open("restart", cfg, DEFINITION)
    values = run(first, 3)
    points = [t.hyperparameters for t in first.trials()]
    # A new server process opens the file again.
    second = search.Engine(tmp_path / "studies.db").open("restart", cfg, DEFINITION)
    assert [t.value for t in second.trials()] == values
    trial = second.ask()
    assert trial.number == 3
    assert trial.hyperparameters not in points


def test_scaling_types_sample_inside_their_ranges(engine: search.Engine) -> None:
    ranges = {
        "continuous_parameter_ranges": [
            {"name": "lr", "min_value": 1e-5, "max_value": 1, "scaling_type": "Logarithmic"},
            {"name": "beta", "min_value": 0, "max_value": 0.9999,
             "scaling_type": "ReverseLogarithmic"},
        ],
        "integer_parameter_ranges": [
            {"name": "units", "min_value": 1, "max_value": 1024, "scaling_type": "Logarithmic"}
        ],
    }  # fmt: skip
    s = engine.open("scales", config(strategy="Random", parameter_ranges=ranges), DEFINITION)
    samples = [s.ask().hyperparameters for _ in range(200)]
    lrs = sorted(h["lr"] for h in samples)
    betas = sorted(h["beta"] for h in samples)
    assert lrs[0] >= 1e-5
    assert lrs[-1] <= 1
    assert lrs[100] < 0.01  # log-uniform: the median is near 10^-2.5, far below 0.5
    assert betas[0] >= 0
    assert betas[-1] <= 0.9999
    assert betas[100] > 0.9  # reverse log: dense near 1
    assert all(isinstance(h["units"], int) and 1 <= h["units"] <= 1024 for h in samples)


def test_the_median_rule_stops_only_worse_than_the_median_of_earlier_trials() -> None:
    earlier = [{1: 1.0, 2: 0.8, 3: 0.6}, {1: 2.0, 2: 1.6, 3: 1.2}, {1: 3.0, 2: 2.4, 3: 1.8}]
    # Running averages up to step 2: 0.9, 1.8, 2.7 -> median 1.8.
    assert search.median_rule(2.0, 2, earlier, minimize=True)
    assert not search.median_rule(1.5, 2, earlier, minimize=True)
    assert search.median_rule(1.5, 2, earlier, minimize=False)
    assert not search.median_rule(9.0, 5, earlier, minimize=True)  # nobody got that far
    assert not search.median_rule(9.0, 1, [], minimize=True)  # no history


def test_early_stopping_auto_reports_a_clearly_bad_trial(engine: search.Engine) -> None:
    cfg = config(training_job_early_stopping_type="Auto")
    s = engine.open("es", cfg, DEFINITION)
    good = s.ask()
    for value in (1.0, 0.9, 0.8):
        assert not s.report(good.number, value)
    s.tell(good.number, 0.8)
    bad = s.ask()
    assert s.report(bad.number, 5.0)  # worse than the median at step 1
    off = engine.open("es-off", config(), DEFINITION)
    trial = off.ask()
    assert not off.report(trial.number, 5.0)


def test_hyperband_prunes_with_optuna_s_pruner(engine: search.Engine) -> None:
    cfg = config(
        strategy="Hyperband",
        strategy_config={"hyperband_strategy_config": {"min_resource": 1, "max_resource": 9}},
    )
    s = engine.open("hb", cfg, DEFINITION)
    for _ in range(6):  # good curves fill the rungs
        t = s.ask()
        for step in range(1, 10):
            s.report(t.number, 1.0 / step)
        s.tell(t.number, 1.0 / 9)
    stopped = 0
    for _ in range(4):
        t = s.ask()
        stopped += any(s.report(t.number, 100.0) for _ in range(9))
    assert stopped >= 3


CHECKS = [
    ({"parameter_ranges": {"integer_parameter_ranges": [
        {"name": "n", "min_value": 5, "max_value": 1}]}},
     "config.parameter_ranges.integer_parameter_ranges.0.max_value"),
    ({"parameter_ranges": {"continuous_parameter_ranges": [
        {"name": "x", "min_value": 0, "max_value": 1, "scaling_type": "Logarithmic"}]}},
     "config.parameter_ranges.continuous_parameter_ranges.0.scaling_type"),
    ({"parameter_ranges": {"continuous_parameter_ranges": [
        {"name": "x", "min_value": 0, "max_value": 1, "scaling_type": "ReverseLogarithmic"}]}},
     "config.parameter_ranges.continuous_parameter_ranges.0.scaling_type"),
    ({"parameter_ranges": {"categorical_parameter_ranges": [{"name": "c", "values": []}]}},
     "config.parameter_ranges.categorical_parameter_ranges.0.values"),
    ({"parameter_ranges": {"categorical_parameter_ranges": [
        {"name": "c", "values": ["a"]}, {"name": "c", "values": ["b"]}]}},
     "config.parameter_ranges.categorical_parameter_ranges.1.name"),
    ({"parameter_ranges": {}}, "config.parameter_ranges"),
    ({"parameter_ranges": {"integer_parameter_ranges": [
        {"name": "epochs", "min_value": 1, "max_value": 3}]}},
     "config.parameter_ranges.integer_parameter_ranges.0.name"),
    ({"resource_limits": {"max_number_of_training_jobs": 2, "max_parallel_training_jobs": 3}},
     "config.resource_limits.max_parallel_training_jobs"),
    ({"resource_limits": {"max_parallel_training_jobs": 1}},
     "config.resource_limits.max_number_of_training_jobs"),
    ({"hyper_parameter_tuning_job_objective": {"type": "Minimize", "metric_name": "acc"}},
     "config.hyper_parameter_tuning_job_objective.metric_name"),
    ({"strategy": "Grid"}, "config.parameter_ranges.integer_parameter_ranges"),
    ({"strategy": "Hyperband", "training_job_early_stopping_type": "Auto"},
     "config.training_job_early_stopping_type"),
    ({"strategy": "Random", "strategy_config": {}}, "config.strategy_config"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "field"), CHECKS, ids=[f for _, f in CHECKS])
def test_check_refuses_what_sagemaker_refuses_naming_the_field(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        search.check(config(**changes), DEFINITION)
    assert info.value.field == field
    assert info.value.message.startswith(field)


def test_hyperband_takes_max_resource_from_the_static_epochs() -> None:
    cfg = config(strategy="Hyperband")
    assert search.hyperband_resources(cfg, DEFINITION) == (1, 9)
    bare = TrainingJobDefinition.model_validate(
        {"metric_definitions": [{"name": "loss", "regex": "loss=(.*)"}]}
    )
    with pytest.raises(InvalidInput) as info:
        search.check(cfg, bare)
    assert info.value.field == "config.strategy_config.hyperband_strategy_config.max_resource"
    assert math.isfinite(search.check(cfg, DEFINITION))


def test_completion_criteria_end_the_search_early() -> None:
    target = CompletionCriteria(target_objective_metric_value=0.5)
    assert not search.criteria_met(target, [2.0, 1.0], minimize=True)
    assert search.criteria_met(target, [2.0, 0.5], minimize=True)
    assert search.criteria_met(target, [0.2, 0.9], minimize=False)
    patience = CompletionCriteria.model_validate(
        {"best_objective_not_improving": {"max_number_of_training_jobs_not_improving": 3}}
    )
    assert not search.criteria_met(patience, [1.0, 2.0, 3.0, 0.5], minimize=True)
    assert search.criteria_met(patience, [0.5, 2.0, 3.0, 0.9], minimize=True)
    assert not search.criteria_met(patience, [], minimize=True)


def test_a_warm_start_seeds_the_study_with_the_parents_trials_in_range(
    engine: search.Engine,
) -> None:
    parent = engine.open("parent", config(), DEFINITION)
    run(parent, 12)
    seeds = parent.evaluated()
    assert len(seeds) == 12
    outside = search.Seed({"x": 9.0, "n": 3}, 0.0, {search.WARM_START: "parent"})  # x > 5
    partial = search.Seed({"x": 1.0}, 0.0, {search.WARM_START: "parent"})  # no n
    marked = [search.Seed(s.hyperparameters, s.value, {search.WARM_START: "parent"})
              for s in seeds]  # fmt: skip
    child = engine.open("child", config(), DEFINITION, [*marked, outside, partial])
    # The seeds are in the study, told, but not the child's own trials.
    assert child.seeded == 12
    assert len(child.study.trials) == 12
    assert child.trials() == []
    assert child.best() is None
    assert {s.value for s in child.evaluated()} == {s.value for s in seeds}
    trial = child.ask()
    assert trial.number == 12
    assert child.trials()[0].number == 12
    # A reopened child does not seed twice.
    again = engine.open("child", config(), DEFINITION, marked)
    assert again.seeded == 12
