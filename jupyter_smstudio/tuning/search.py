"""The search itself: SageMaker's ranges and strategies on an Optuna study.

Synchronous (Optuna is); the service calls it in a thread. Nothing here knows about
jobs or HTTP, so the search is tested on its own. The study lives in Optuna's own
storage (one SQLite file under the data dir), so a tuning job continues after a
restart with the trials it had: finished ones are never asked again.

- ``Bayesian``: TPE (with the constant liar, so parallel trials do not pile up on
  one point); ``Hyperband``: TPE with Optuna's ``HyperbandPruner`` over the objective
  metric's emissions (one emission = one unit of resource, an epoch);
  ``Random``: Optuna's random sampler; ``Grid``: every combination of the categorical
  values, enqueued in order (deterministic, unlike Optuna's shuffled ``GridSampler``).
- ``ScalingType``: ``Auto`` searches linearly; ``Logarithmic`` log-uniformly;
  ``ReverseLogarithmic`` log-uniformly in ``1 - x`` (dense near 1, as SageMaker's).
- Early stopping ``Auto`` is SageMaker's documented median rule (``median_rule``).
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import TrialState

from ..errors import InvalidInput
from .models import (
    MAX_TRAINING_JOBS,
    CompletionCriteria,
    ParameterRanges,
    TrainingJobDefinition,
    TuningJobConfig,
)

optuna.logging.set_verbosity(optuna.logging.WARNING)
log = logging.getLogger(__name__)

#: Static hyperparameters SageMaker reads Hyperband's MaxResource from.
EPOCH_KEYS = ("epochs", "numepochs", "n-epochs", "n_epochs", "num_epochs")
#: Optuna's name for a reverse-logarithmic range's parameter (it samples ``1 - x``).
REVERSE = "__reverse__:"
#: Random trials before TPE models the objective (at most; fewer for small jobs).
STARTUP_TRIALS = 10
#: Earlier trials the median rule needs before it stops anything.
EARLY_STOPPING_MIN_TRIALS = 1

RANGES = "config.parameter_ranges"


@dataclass(frozen=True)
class Trial:
    """One trial as the study holds it (``hyperparameters`` with their real names)."""

    number: int
    state: str  # RUNNING, COMPLETE, PRUNED, FAIL, WAITING
    hyperparameters: dict[str, Any]
    value: float | None
    intermediate: dict[int, float] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Seed:
    """A parent tuning job's evaluated trial that a warm start adds to the study."""

    hyperparameters: dict[str, Any]
    value: float
    attrs: dict[str, Any]


#: User attribute marking a trial added by a warm start (its parent tuning job).
WARM_START = "warm_start"


# ---- checks --------------------------------------------------------------------------
def check(config: TuningJobConfig, definition: TrainingJobDefinition) -> int:
    """Refuse what SageMaker refuses, naming the field; answer the number of trials."""
    ranges = config.parameter_ranges
    limits = config.resource_limits
    names: set[str] = set()
    for group, items in _groups(ranges):
        for i, item in enumerate(items):
            where = f"{RANGES}.{group}.{i}"
            if item.name in names:
                raise InvalidInput(
                    f"{where}.name: '{item.name}' is tuned twice.", field=f"{where}.name"
                )
            names.add(item.name)
            if item.name in definition.hyperparameters:
                raise InvalidInput(
                    f"{where}.name: '{item.name}' is also a static hyperparameter of "
                    "training_job_definition; tune it or fix it, not both.",
                    field=f"{where}.name",
                )
            _check_range(group, item, where)
    if not names:
        raise InvalidInput(f"{RANGES}: give at least one range to tune.", field=RANGES)
    metric = config.hyper_parameter_tuning_job_objective.metric_name
    defined = [m.name for m in definition.metric_definitions]
    if metric not in defined:
        field_ = "config.hyper_parameter_tuning_job_objective.metric_name"
        raise InvalidInput(
            f"{field_}: no metric definition of training_job_definition produces '{metric}' "
            f"(defined: {', '.join(defined) or 'none'}).",
            field=field_,
        )
    total = _check_strategy(config, definition)
    if limits.max_parallel_training_jobs > total:
        raise InvalidInput(
            "config.resource_limits.max_parallel_training_jobs: "
            f"{limits.max_parallel_training_jobs} is more than the {total} training jobs "
            "the tuning job may launch.",
            field="config.resource_limits.max_parallel_training_jobs",
        )
    return total


def _groups(ranges: ParameterRanges) -> Iterator[tuple[str, Sequence[Any]]]:
    yield "integer_parameter_ranges", ranges.integer_parameter_ranges
    yield "continuous_parameter_ranges", ranges.continuous_parameter_ranges
    yield "categorical_parameter_ranges", ranges.categorical_parameter_ranges


def _check_range(group: str, item: Any, where: str) -> None:
    if group == "categorical_parameter_ranges":
        if not item.values:
            raise InvalidInput(f"{where}.values: give at least one value.", field=f"{where}.values")
        if len(set(item.values)) != len(item.values):
            raise InvalidInput(f"{where}.values: values repeat.", field=f"{where}.values")
        return
    if item.min_value > item.max_value:
        raise InvalidInput(
            f"{where}.max_value: {item.max_value} is less than min_value {item.min_value}.",
            field=f"{where}.max_value",
        )
    if item.scaling_type == "Logarithmic" and item.min_value <= 0:
        raise InvalidInput(
            f"{where}.scaling_type: Logarithmic scaling needs a range of values greater than 0.",
            field=f"{where}.scaling_type",
        )
    if item.scaling_type == "ReverseLogarithmic" and not (
        item.min_value >= 0 and item.max_value < 1
    ):
        raise InvalidInput(
            f"{where}.scaling_type: ReverseLogarithmic scaling needs a range within 0 <= x < 1.",
            field=f"{where}.scaling_type",
        )


def _check_strategy(config: TuningJobConfig, definition: TrainingJobDefinition) -> int:
    ranges = config.parameter_ranges
    limit = config.resource_limits.max_number_of_training_jobs
    if config.strategy == "Grid":
        for group in ("integer_parameter_ranges", "continuous_parameter_ranges"):
            if getattr(ranges, group):
                raise InvalidInput(
                    f"{RANGES}.{group}: the Grid strategy searches categorical ranges only.",
                    field=f"{RANGES}.{group}",
                )
        combos = math.prod(len(r.values) for r in ranges.categorical_parameter_ranges)
        if combos > MAX_TRAINING_JOBS:
            raise InvalidInput(
                f"{RANGES}: the grid has {combos} combinations; at most {MAX_TRAINING_JOBS}.",
                field=RANGES,
            )
        return min(combos, limit) if limit else combos
    if limit is None:
        field_ = "config.resource_limits.max_number_of_training_jobs"
        raise InvalidInput(
            f"{field_}: is required for the {config.strategy} strategy.", field=field_
        )
    if config.strategy == "Hyperband":
        if config.training_job_early_stopping_type != "Off":
            field_ = "config.training_job_early_stopping_type"
            raise InvalidInput(
                f"{field_}: must be Off with Hyperband (it stops trials itself).", field=field_
            )
        low, high = hyperband_resources(config, definition)
        if low > high:
            field_ = "config.strategy_config.hyperband_strategy_config.min_resource"
            raise InvalidInput(f"{field_}: {low} is more than max_resource {high}.", field=field_)
    elif config.strategy_config is not None:
        raise InvalidInput(
            "config.strategy_config: only the Hyperband strategy takes one.",
            field="config.strategy_config",
        )
    return limit


def hyperband_resources(
    config: TuningJobConfig, definition: TrainingJobDefinition
) -> tuple[int, int]:
    """(MinResource, MaxResource): MaxResource defaults to the static epochs-like value."""
    hb = config.strategy_config.hyperband_strategy_config if config.strategy_config else None
    high = hb.max_resource if hb else None
    if high is None:
        for key in EPOCH_KEYS:
            value = definition.hyperparameters.get(key)
            if value is not None and str(value).isdigit() and int(value) > 0:
                high = int(value)
                break
    if high is None:
        field_ = "config.strategy_config.hyperband_strategy_config.max_resource"
        raise InvalidInput(
            f"{field_}: give it, or a static hyperparameter {' or '.join(EPOCH_KEYS)}.",
            field=field_,
        )
    return (hb.min_resource if hb and hb.min_resource else 1), high


# ---- the search space -----------------------------------------------------------------
def distributions(ranges: ParameterRanges) -> dict[str, BaseDistribution]:
    """Optuna's distributions for the ranges (a reverse-log range samples ``1 - x``)."""
    out: dict[str, BaseDistribution] = {}
    for r in ranges.integer_parameter_ranges:
        out[r.name] = IntDistribution(r.min_value, r.max_value, log=r.scaling_type == "Logarithmic")
    for c in ranges.continuous_parameter_ranges:
        if c.scaling_type == "ReverseLogarithmic":
            out[REVERSE + c.name] = FloatDistribution(1 - c.max_value, 1 - c.min_value, log=True)
        else:
            log_scale = c.scaling_type == "Logarithmic"
            out[c.name] = FloatDistribution(c.min_value, c.max_value, log=log_scale)
    for k in ranges.categorical_parameter_ranges:
        out[k.name] = CategoricalDistribution(k.values)
    return out


def _internal(dist: BaseDistribution, value: Any, reverse: bool) -> Any:
    """``value`` as a parameter of ``dist`` (``1 - value`` for a reverse-log range), or
    None when it does not fit."""
    try:
        if isinstance(dist, IntDistribution):
            value = int(value)
        elif isinstance(dist, FloatDistribution):
            value = 1 - float(value) if reverse else float(value)
        else:
            value = str(value)
        inside = dist._contains(dist.to_internal_repr(value))
    except (TypeError, ValueError):
        return None
    return value if inside else None


def hyperparameters(params: dict[str, Any]) -> dict[str, Any]:
    """A trial's hyperparameters under their own names (``1 - x`` undone)."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key.startswith(REVERSE):
            out[key[len(REVERSE) :]] = 1 - value
        else:
            out[key] = value
    return out


def grid(ranges: ParameterRanges) -> list[dict[str, str]]:
    """Every combination of the categorical values, first range slowest, in given order."""
    names = [r.name for r in ranges.categorical_parameter_ranges]
    values = [r.values for r in ranges.categorical_parameter_ranges]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]


# ---- early stopping -----------------------------------------------------------------
def better(a: float, b: float, minimize: bool) -> bool:
    return a < b if minimize else a > b


def median_rule(
    value: float, step: int, earlier: Sequence[dict[int, float]], minimize: bool
) -> bool:
    """SageMaker's ``Auto`` early stopping: stop when ``value`` at ``step`` is worse than
    the median of the earlier trials' running averages of the objective up to ``step``.

    Only earlier trials that reached ``step`` count; with fewer than
    ``EARLY_STOPPING_MIN_TRIALS`` of them nothing is stopped.
    """
    averages = []
    for curve in earlier:
        points = [v for s, v in sorted(curve.items()) if s <= step]
        if curve and max(curve) >= step and points:
            averages.append(sum(points) / len(points))
    if len(averages) < EARLY_STOPPING_MIN_TRIALS:
        return False
    return better(statistics.median(averages), value, minimize)


def criteria_met(criteria: CompletionCriteria, values: Sequence[float], minimize: bool) -> bool:
    """TuningJobCompletionCriteria on the objectives of completed trials, in order:
    the target reached, or no better objective in the last N trials."""
    if not values:
        return False
    best = min(values) if minimize else max(values)
    target = criteria.target_objective_metric_value
    if target is not None and (best == target or better(best, target, minimize)):
        return True
    patience = criteria.best_objective_not_improving
    if patience is None:
        return False
    since_best = len(values) - 1 - list(values).index(best)
    return since_best >= patience.max_number_of_training_jobs_not_improving


# ---- the study ----------------------------------------------------------------------
class Engine:
    """Optuna's storage for every tuning job of a server: one SQLite file (``None``: in
    memory, for tests of the search alone)."""

    def __init__(self, path: Path | None) -> None:
        self.storage: optuna.storages.BaseStorage = optuna.storages.InMemoryStorage()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.storage = optuna.storages.RDBStorage(
                f"sqlite:///{path}", engine_kwargs={"connect_args": {"timeout": 60}}
            )

    def open(
        self,
        study_name: str,
        config: TuningJobConfig,
        definition: TrainingJobDefinition,
        seeds: Sequence[Seed] = (),
    ) -> Search:
        return Search(self.storage, study_name, config, definition, seeds)

    def exists(self, study_name: str) -> bool:
        return any(s.study_name == study_name for s in self.storage.get_all_studies())


class Search:
    """One tuning job's study: ask for trials, tell their results, decide early stops."""

    def __init__(
        self,
        storage: optuna.storages.BaseStorage,
        study_name: str,
        config: TuningJobConfig,
        definition: TrainingJobDefinition,
        seeds: Sequence[Seed] = (),
    ) -> None:
        self.config = config
        self.minimize = config.hyper_parameter_tuning_job_objective.type == "Minimize"
        self.space = distributions(config.parameter_ranges)
        pruner: optuna.pruners.BasePruner = optuna.pruners.NopPruner()
        if config.strategy == "Hyperband":
            low, high = hyperband_resources(config, definition)
            pruner = optuna.pruners.HyperbandPruner(min_resource=low, max_resource=high)
        fresh = study_name not in {s.study_name for s in storage.get_all_studies()}
        self.study = optuna.create_study(
            storage=storage,
            study_name=study_name,
            direction="minimize" if self.minimize else "maximize",
            pruner=pruner,
            load_if_exists=True,
        )
        if fresh:
            self._seed(seeds)
        self.study.sampler = self._sampler(study_name, len(self.study.trials))
        #: Trials a warm start added: the study's first numbers, never run here.
        self.seeded = sum(1 for t in self.study.get_trials(deepcopy=False)
                          if WARM_START in t.user_attrs)  # fmt: skip
        if fresh and config.strategy == "Grid":
            for combo in grid(config.parameter_ranges)[: self.total]:
                self.study.enqueue_trial(combo)

    def _seed(self, seeds: Sequence[Seed]) -> None:
        """Add the parents' trials whose values lie in this job's ranges (others cannot
        inform this search: their point is outside it)."""
        for seed in seeds:
            params: dict[str, Any] = {}
            for key, dist in self.space.items():
                real = key.removeprefix(REVERSE)
                if real not in seed.hyperparameters:
                    break
                value = _internal(dist, seed.hyperparameters[real], key != real)
                if value is None:
                    break
                params[key] = value
            else:
                self.study.add_trial(
                    optuna.trial.create_trial(
                        params=params,
                        distributions=self.space,
                        value=seed.value,
                        user_attrs=seed.attrs,
                    )
                )

    def evaluated(self) -> list[Seed]:
        """Every trial with an objective, the warm start's included (what a child seeds)."""
        return [
            Seed(hyperparameters(t.params), t.value, dict(t.user_attrs))
            for t in self.study.get_trials(deepcopy=False)
            if t.state == TrialState.COMPLETE and t.value is not None
        ]

    @property
    def total(self) -> int:
        limits = self.config.resource_limits.max_number_of_training_jobs
        if self.config.strategy == "Grid":
            combos = len(grid(self.config.parameter_ranges))
            return min(combos, limits) if limits else combos
        assert limits is not None  # checked
        return limits

    def _sampler(self, study_name: str, done: int) -> optuna.samplers.BaseSampler:
        """A sampler seeded from RandomSeed (or the name) and how far the study is, so a
        reloaded study does not draw its first points again."""
        base = self.config.random_seed
        if base is None:
            base = int(hashlib.sha256(study_name.encode()).hexdigest()[:8], 16)
        seed = (base + 7919 * done) % 2**31
        if self.config.strategy in ("Bayesian", "Hyperband"):
            startup = max(1, min(STARTUP_TRIALS, self.total // 3))
            return optuna.samplers.TPESampler(
                seed=seed, n_startup_trials=startup, constant_liar=True
            )
        return optuna.samplers.RandomSampler(seed=seed)

    def trials(self) -> list[Trial]:
        """This tuning job's own trials (a warm start's are not), in order."""
        return [
            Trial(
                number=t.number,
                state=t.state.name,
                hyperparameters=hyperparameters(t.params),
                value=t.value if t.state == TrialState.COMPLETE else None,
                intermediate=dict(t.intermediate_values),
                attrs=dict(t.user_attrs),
            )
            for t in self.study.get_trials(deepcopy=False)
            if WARM_START not in t.user_attrs
        ]

    def ask(self, attrs: dict[str, Any] | None = None) -> Trial:
        """The next trial (its hyperparameters), recorded as running with ``attrs``."""
        trial = self.study.ask(self.space)
        for key, value in (attrs or {}).items():
            trial.set_user_attr(key, value)
        return Trial(trial.number, "RUNNING", hyperparameters(trial.params), None, {}, attrs or {})

    def set_attr(self, number: int, key: str, value: Any) -> None:
        self.study._storage.set_trial_user_attr(self._id(number), key, value)

    def _id(self, number: int) -> int:
        return self.study._storage.get_trial_id_from_study_id_trial_number(
            self.study._study_id, number
        )

    def tell(self, number: int, value: float | None, pruned: bool = False) -> None:
        """Record a trial's end: its objective, or failed (no value), or pruned."""
        if self.study.trials[number].state.is_finished():
            return
        if pruned:
            self.study.tell(number, state=TrialState.PRUNED)
        elif value is None or not math.isfinite(value):
            self.study.tell(number, state=TrialState.FAIL)
        else:
            self.study.tell(number, value)

    def report(self, number: int, value: float) -> bool:
        """Record the objective's next intermediate value; answer whether to stop the trial."""
        frozen = self.study.trials[number]
        if frozen.state != TrialState.RUNNING or not math.isfinite(value):
            return False
        step = len(frozen.intermediate_values) + 1
        self.study._storage.set_trial_intermediate_value(frozen._trial_id, step, value)
        if self.config.strategy == "Hyperband":
            return self.study.pruner.prune(self.study, self.study.trials[number])
        if self.config.training_job_early_stopping_type != "Auto":
            return False
        earlier = [
            t.intermediate_values
            for t in self.study.trials
            if t.number != number and t.state in (TrialState.COMPLETE, TrialState.PRUNED)
        ]
        return median_rule(value, step, earlier, self.minimize)

    def best(self) -> Trial | None:
        done = [t for t in self.trials() if t.state == "COMPLETE" and t.value is not None]
        if not done:
            return None
        pick = min if self.minimize else max
        return pick(done, key=lambda t: t.value if t.value is not None else 0.0)
