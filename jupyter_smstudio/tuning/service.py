"""Hyperparameter tuning jobs: the rules, on training jobs and an Optuna study.

Each trial is a real training job, created through the training service (so it
queues, runs, stops and is listed like any other), named ``<tuning job>-NNN-xxxxxxxx``
as SageMaker names them. The service learns what trials do from the runner's job
events: a trial's end advances its tuning job (record the result, launch the next
trials up to ``MaxParallelTrainingJobs``, or end); its objective metric's points
feed early stopping. ``advance`` reads the trials' rows, so it is also what a
restart runs: trials that ended while the server was down are recorded, none is run
twice. Optuna is loaded on the first tuning call, never at server start.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import math
import re
import secrets
import threading
from collections import defaultdict
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import InvalidInput, InvalidState, NotFound, SMStudioError, Unavailable
from ..jobs.events import JobEvents, JobMetrics, JobStateChanged
from ..jobs.models import FINAL, Status
from ..jobs.repository import StoredJob
from ..jobs.runner import retryable
from ..store.paging import page_items
from ..timeutil import now_ms
from ..training.models import TrainingJobCreate
from ..training.trainingjobs import TrainingService
from .models import (
    TUNING_FINAL,
    ObjectiveMetric,
    ObjectiveStatusCounters,
    TrainingJobStatusCounters,
    TrialPage,
    TrialQuery,
    TrialSummary,
    TuningJob,
    TuningJobCreate,
    TuningJobPage,
    TuningJobQuery,
    TuningStatus,
)
from .repository import StoredTuningJob, TuningRepository

if TYPE_CHECKING:
    from .search import Engine, Search, Seed, Trial

log = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, Any], str], "asyncio.Task[Any]"]
T = TypeVar("T")
TRIAL_NAME = re.compile(r"^(?P<tuning>.+)-(?P<number>\d{3})-[0-9a-f]{8}$")
ACTIVE = (TuningStatus.IN_PROGRESS, TuningStatus.STOPPING)
#: What IdenticalDataAndAlgorithm requires of a parent's training job: the same of these.
SAME_TRAINING = {"image", "entry_point", "source_dir", "channels", "hyperparameters",
                 "container_entrypoint", "container_arguments"}  # fmt: skip
#: User attribute of a trial a warm start added (search.WARM_START; no Optuna at import).
WARM_START = "warm_start"
STATUS_COUNTER = {
    Status.COMPLETED: "completed",
    Status.IN_PROGRESS: "in_progress",
    Status.STOPPING: "in_progress",
    Status.FAILED: "non_retryable_error",
    Status.STOPPED: "stopped",
}


def trial_name(tuning_job: str, number: int) -> str:
    """SageMaker's trial names: the tuning job's, the trial's number from 001, 8 hex digits."""
    return f"{tuning_job}-{number + 1:03d}-{secrets.token_hex(4)}"


def _objective(trial: TrialSummary) -> float:
    metric = trial.final_hyper_parameter_tuning_job_objective_metric
    return metric.value if metric is not None else math.nan


def _prefixed(err: InvalidInput, prefix: str) -> InvalidInput:
    field = f"{prefix}.{err.field}" if err.field else prefix
    return type(err)(f"{prefix}: {err.message}", field=field)


class TuningService:
    """Create, describe, list and stop tuning jobs; drive their trials."""

    def __init__(
        self,
        repository: TuningRepository,
        training: TrainingService,
        events: JobEvents,
        data_dir: Path,
        spawn: Spawn,
    ) -> None:
        self.repository = repository
        self.training = training
        self.spawn = spawn
        self.study_path = data_dir / "tuning" / "studies.db"
        self._engine: Engine | None = None
        self._searches: dict[tuple[str, str], Search] = {}
        self._locks: defaultdict[tuple[str, str], asyncio.Lock] = defaultdict(asyncio.Lock)
        self._optuna = threading.Lock()  # one writer at a time on the study file
        events.subscribe(JobStateChanged, self._on_state)
        events.subscribe(JobMetrics, self._on_metrics)

    # ---- Optuna, loaded on first use ---------------------------------------------------
    @property
    def available(self) -> bool:
        """Whether Optuna is installed (the ``tuning`` extra): the Lab hides tuning without."""
        return importlib.util.find_spec("optuna") is not None

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        def locked() -> T:
            with self._optuna:
                return fn(*args)

        return await asyncio.to_thread(locked)

    async def engine(self) -> Engine:
        if self._engine is None:
            try:
                from .search import Engine
            except ImportError as err:
                raise Unavailable(
                    "Hyperparameter tuning needs Optuna: pip install 'jupyter-smstudio[tuning]'."
                ) from err
            self._engine = await self._call(Engine, self.study_path)
        return self._engine

    async def _search(self, job: StoredTuningJob, seeds: Sequence[Seed] = ()) -> Search:
        """The job's study; ``seeds`` (a warm start's) go into a study made now."""
        key = (job.owner, job.name)
        if key not in self._searches:
            engine = await self.engine()
            spec = job.spec
            self._searches[key] = await self._call(
                engine.open, job.study_name, spec.config, spec.training_job_definition, seeds
            )
        return self._searches[key]

    # ---- API ---------------------------------------------------------------------------
    async def create(self, owner: str, spec: TuningJobCreate) -> TuningJob:
        """Everything checked first (ranges, limits, objective, the trials' definition)."""
        await self.engine()
        from .search import check

        check(spec.config, spec.training_job_definition)
        await self._check_definition(owner, spec)
        seeds = await self._warm_start(owner, spec)
        now = now_ms()
        job = StoredTuningJob(
            owner=owner, name=spec.name, status=TuningStatus.IN_PROGRESS,
            strategy=spec.config.strategy, spec=spec, created_ms=now, modified_ms=now,
        )  # fmt: skip
        await self.repository.insert(job)
        await self._search(job, seeds)
        await self.advance(owner, spec.name)
        self._watch_runtime(job)
        return await self.get(owner, spec.name)

    async def _warm_start(self, owner: str, spec: TuningJobCreate) -> list[Seed]:
        """The parents' evaluated trials (theirs and what seeded them), checked as SageMaker
        checks a warm start: your own ended tuning jobs with the same objective, and for
        ``IdenticalDataAndAlgorithm`` the same training job."""
        warm = spec.warm_start_config
        if warm is None:
            return []
        from .search import Seed

        seeds: list[Seed] = []
        mine = spec.training_job_definition.model_dump(include=SAME_TRAINING)
        for i, parent in enumerate(warm.parent_hyper_parameter_tuning_jobs):
            where = f"warm_start_config.parent_hyper_parameter_tuning_jobs.{i}"
            name = parent.hyper_parameter_tuning_job_name
            found = await self.repository.get(owner, name)
            if found is None:
                raise InvalidInput(f"{where}: no tuning job named '{name}'.", field=where)
            if found.status not in TUNING_FINAL:
                raise InvalidInput(
                    f"{where}: tuning job '{name}' is {found.status.value}; a parent must "
                    "have ended.",
                    field=where,
                )
            objective = spec.config.hyper_parameter_tuning_job_objective
            if found.spec.config.hyper_parameter_tuning_job_objective != objective:
                raise InvalidInput(
                    f"{where}: tuning job '{name}' has another objective; a parent must have "
                    f"the same ({objective.type} {objective.metric_name}).",
                    field=where,
                )
            theirs = found.spec.training_job_definition.model_dump(include=SAME_TRAINING)
            if warm.warm_start_type == "IdenticalDataAndAlgorithm" and theirs != mine:
                differs = sorted(k for k in mine if mine[k] != theirs.get(k))
                raise InvalidInput(
                    f"{where}: tuning job '{name}' trained otherwise ({', '.join(differs)} "
                    "differ); use TransferLearning.",
                    field=where,
                )
            search = await self._search(found)
            for seed in await self._call(search.evaluated):
                attrs = {WARM_START: name, "parent_training_job": seed.attrs.get(
                    "parent_training_job", seed.attrs.get("training_job"))}  # fmt: skip
                seeds.append(Seed(seed.hyperparameters, seed.value, attrs))
        return seeds

    async def _check_definition(self, owner: str, spec: TuningJobCreate) -> None:
        """The trials' training job, checked as its create would (with sample values)."""
        from .search import distributions, hyperparameters

        sample: dict[str, Any] = {}
        for name, dist in distributions(spec.config.parameter_ranges).items():
            value = getattr(dist, "low", None)
            sample[name] = value if value is not None else dist.choices[0]  # type: ignore[attr-defined]
        tuned = hyperparameters(sample)
        try:
            await self.training.check(
                owner, self._trial_spec(spec, f"{spec.name}-001-00000000", tuned)
            )
        except InvalidInput as err:
            raise _prefixed(err, "training_job_definition") from err

    @staticmethod
    def _trial_spec(spec: TuningJobCreate, name: str, tuned: dict[str, Any]) -> TrainingJobCreate:
        definition = spec.training_job_definition.model_dump(exclude={"name", "max_retry_attempts"})
        definition["hyperparameters"] = {**definition["hyperparameters"], **tuned}
        return TrainingJobCreate.model_validate({**definition, "name": name})

    async def stored(self, owner: str, name: str) -> StoredTuningJob:
        job = await self.repository.get(owner, name)
        if job is None:
            raise NotFound(f"No hyperparameter tuning job named '{name}'.", field="name")
        return job

    async def get(self, owner: str, name: str) -> TuningJob:
        job = await self.stored(owner, name)
        search = await self._search(job)
        trials = await self._summaries(job, search)
        jobs = TrainingJobStatusCounters()
        objectives = ObjectiveStatusCounters()
        for t in trials:
            if t.retried:  # its trial counts once, by the job that ran it again
                jobs.retryable_error += 1
                continue
            counter = STATUS_COUNTER[Status(t.training_job_status)]
            setattr(jobs, counter, getattr(jobs, counter) + 1)
            status = t.objective_status.lower()
            setattr(objectives, status, getattr(objectives, status) + 1)
        best = await self._call(search.best)
        best_summary = next(
            (t for t in trials if best and t.training_job_name == best.attrs.get("training_job")),
            None,
        )
        return TuningJob(
            name=job.name, owner=job.owner, status=job.status, strategy=job.spec.config.strategy,
            created_ms=job.created_ms, modified_ms=job.modified_ms, ended_ms=job.ended_ms,
            config=job.spec.config, training_job_definition=job.spec.training_job_definition,
            failure_reason=job.failure_reason, training_job_status_counters=jobs,
            objective_status_counters=objectives, best_training_job=best_summary,
            warm_start_config=job.spec.warm_start_config,
            overall_best_training_job=await self._overall_best(job, best_summary),
        )  # fmt: skip

    async def _overall_best(
        self, job: StoredTuningJob, best: TrialSummary | None
    ) -> TrialSummary | None:
        """With a warm start: the best of this job's best and its parents' overall best."""
        warm = job.spec.warm_start_config
        if warm is None:
            return None
        candidates = [best] if best is not None else []
        for parent in warm.parent_hyper_parameter_tuning_jobs:
            with contextlib.suppress(NotFound):  # a parent's record may be gone
                theirs = await self.get(job.owner, parent.hyper_parameter_tuning_job_name)
                found = theirs.overall_best_training_job or theirs.best_training_job
                if found is not None:
                    candidates.append(found)
        scored = [c for c in candidates if c.final_hyper_parameter_tuning_job_objective_metric]
        if not scored:
            return None
        minimize = job.spec.config.hyper_parameter_tuning_job_objective.type == "Minimize"
        pick = min if minimize else max
        return pick(scored, key=_objective)

    async def page(self, owner: str, query: TuningJobQuery) -> TuningJobPage:
        items, token = await self.repository.page(owner, query)
        return TuningJobPage(items=items, next_token=token)

    async def trials(self, owner: str, name: str, query: TrialQuery) -> TrialPage:
        """ListTrainingJobsForHyperParameterTuningJob: filter, sort and page in memory."""
        job = await self.stored(owner, name)
        items = await self._summaries(job, await self._search(job))
        if query.status:
            items = [t for t in items if t.training_job_status == query.status]
        if query.name_contains:
            items = [t for t in items if query.name_contains in t.training_job_name]
        missing = float("-inf") if query.sort_order == "desc" else float("inf")

        def key(t: TrialSummary) -> tuple[Any, ...]:
            if query.sort_by == "objective":
                metric = t.final_hyper_parameter_tuning_job_objective_metric
                return (metric.value if metric else missing, t.training_job_name)
            value = {"name": t.training_job_name, "created": t.creation_time_ms,
                     "status": t.training_job_status}[query.sort_by]  # fmt: skip
            return (value, t.training_job_name)

        page, token = page_items(items, query, key)
        return TrialPage(items=page, next_token=token)

    async def stop(self, owner: str, name: str) -> TuningJob:
        """Stopping: its running trials are stopped; Stopped once they have all ended."""
        async with self._locks[(owner, name)]:
            job = await self.stored(owner, name)
            if job.status in TUNING_FINAL:
                raise InvalidState(
                    f"Hyperparameter tuning job '{name}' has already ended ({job.status.value}).",
                    field="name",
                )
            await self.repository.update(owner, name, status=TuningStatus.STOPPING)
        await self.advance(owner, name)
        return await self.get(owner, name)

    # ---- trials as the API shows them ------------------------------------------------------
    async def _summaries(self, job: StoredTuningJob, search: Search) -> list[TrialSummary]:
        out = []
        for trial in await self._call(search.trials):
            name = trial.attrs.get("training_job")
            if not name:
                continue
            for old in trial.attrs.get("retried", []):
                out.append(await self._summary(job, trial, old, retried=True))
            out.append(await self._summary(job, trial, name))
        return out

    async def _summary(
        self, job: StoredTuningJob, trial: Trial, name: str, retried: bool = False
    ) -> TrialSummary:
        """One training job of ``trial`` (its current one, or one a retry replaced)."""
        objective = job.spec.config.hyper_parameter_tuning_job_objective
        row = None
        with contextlib.suppress(NotFound):
            row = await self.training.stored(job.owner, name)
        metric = None
        if row is not None:
            value = next((m.value for m in row.final_metrics
                          if m.name == objective.metric_name), None)  # fmt: skip
            if value is not None:
                metric = ObjectiveMetric(
                    type=objective.type, metric_name=objective.metric_name, value=value
                )
        status = row.status if row else Status.FAILED
        early = bool(trial.attrs.get("early_stopped")) and not retried
        if status not in FINAL:
            state = "Pending"
        elif metric is not None and (status == Status.COMPLETED or early):
            state = "Succeeded"
        else:
            state = "Failed"
        return TrialSummary(
            training_job_name=name, tuning_job_name=job.name,
            creation_time_ms=row.created_ms if row else trial.attrs.get("created_ms", 0),
            training_start_time_ms=row.started_ms if row else None,
            training_end_time_ms=row.ended_ms if row else None,
            training_job_status=status.value,
            tuned_hyper_parameters={k: str(v) for k, v in trial.hyperparameters.items()},
            failure_reason=row.failure_reason if row else trial.attrs.get("failure"),
            final_hyper_parameter_tuning_job_objective_metric=metric,
            objective_status=state, early_stopped=early, retried=retried,
        )  # fmt: skip

    # ---- driving trials ------------------------------------------------------------------
    async def resume(self) -> None:
        """At server start: record what trials did meanwhile and carry on."""
        for job in await self.repository.with_status(ACTIVE):
            try:
                await self.advance(job.owner, job.name)
            except Exception:  # one broken tuning job must not keep the server from starting
                log.exception("Could not resume tuning job %s/%s", job.owner, job.name)
            self._watch_runtime(job)

    def _watch_runtime(self, job: StoredTuningJob) -> None:
        limit = job.spec.config.resource_limits.max_runtime_in_seconds
        if limit is None:
            return
        delay = max(0.0, (job.created_ms + limit * 1000 - now_ms()) / 1000)

        async def later() -> None:
            await asyncio.sleep(delay)  # a deadline, not synchronisation
            await self.advance(job.owner, job.name)

        self.spawn(later(), f"tuning-runtime:{job.owner}/{job.name}")

    async def advance(self, owner: str, name: str) -> None:
        """Record ended trials, launch new ones while the limits allow, or end the job."""
        async with self._locks[(owner, name)]:
            job = await self.repository.get(owner, name)
            if job is None or job.status in TUNING_FINAL:
                return
            search = await self._search(job)
            trials = await self._call(search.trials)
            running = [
                t for t in trials if t.state == "RUNNING" and not await self._settle(job, search, t)
            ]
            trials = await self._call(search.trials)
            limits = job.spec.config.resource_limits
            over_time = bool(limits.max_runtime_in_seconds) and (
                now_ms() - job.created_ms >= (limits.max_runtime_in_seconds or 0) * 1000
            )
            cut_short = (
                job.status == TuningStatus.STOPPING
                or over_time
                or self._criteria_met(job, search, trials)
            )
            if cut_short:  # stop what runs; the end comes with the last trial's end
                for trial in running:
                    await self._stop_trial(owner, trial.attrs.get("training_job", ""))
            else:
                asked = sum(1 for t in trials if t.state != "WAITING")
                while len(running) < limits.max_parallel_training_jobs and asked < search.total:
                    running.append(await self._launch(job, search))
                    asked += 1
                running = [t for t in running if t.state == "RUNNING"]
            if running or (not cut_short and asked < search.total):
                return
            await self._end(job, search)

    async def _settle(self, job: StoredTuningJob, search: Search, trial: Trial) -> bool:
        """Tell the study how a running trial's job ended; False while it still runs."""
        name = trial.attrs.get("training_job")
        try:
            row = await self.training.stored(job.owner, name) if name else None
        except NotFound:
            row = None
        if row is not None and row.status not in FINAL:
            return False
        if row is not None and await self._retry(job, search, trial, row):
            return False
        value = None
        pruned = False
        if row is not None and row.status == Status.COMPLETED:
            metric = job.spec.config.hyper_parameter_tuning_job_objective.metric_name
            value = next((m.value for m in row.final_metrics if m.name == metric), None)
        elif row is not None and row.status == Status.STOPPED:
            pruned = bool(trial.attrs.get("early_stopped"))
        await self._call(search.tell, trial.number, value, pruned)
        return True

    async def _retry(
        self, job: StoredTuningJob, search: Search, trial: Trial, row: StoredJob
    ) -> bool:
        """Run a trial again, as a new training job with the same hyperparameters, when its
        job failed for an infrastructure reason and the RetryStrategy allows another attempt
        (SageMaker's MaximumRetryAttempts); whether it did."""
        retried = list(trial.attrs.get("retried", []))
        allowed = job.spec.training_job_definition.max_retry_attempts
        if row.status != Status.FAILED or not retryable(row.failure_reason):
            return False
        if len(retried) >= allowed or job.status != TuningStatus.IN_PROGRESS:
            return False
        name = trial_name(job.name, trial.number - search.seeded)
        log.info("Tuning job %s: trial %s failed (%s); retrying it as %s",
                 job.name, row.name, row.failure_reason, name)  # fmt: skip
        # Recorded before the job exists, as _launch does: a restart in between finds the
        # name and, with no such job, counts the attempt as failed.
        await self._call(search.set_attr, trial.number, "retried", [*retried, row.name])
        await self._call(search.set_attr, trial.number, "training_job", name)
        try:
            await self.training.create(
                job.owner, self._trial_spec(job.spec, name, trial.hyperparameters)
            )
        except SMStudioError as err:
            await self._call(search.set_attr, trial.number, "failure", f"ClientError: {err}")
            return False
        return True

    async def _launch(self, job: StoredTuningJob, search: Search) -> Trial:
        """Ask the study for a trial and start its training job (a failure to start
        is the trial's failure, and the search goes on)."""
        trial = await self._call(search.ask, {"created_ms": now_ms()})
        name = trial_name(job.name, trial.number - search.seeded)
        await self._call(search.set_attr, trial.number, "training_job", name)
        spec = self._trial_spec(job.spec, name, trial.hyperparameters)
        try:
            await self.training.create(job.owner, spec)
        except SMStudioError as err:
            await self._call(search.set_attr, trial.number, "failure", f"ClientError: {err}")
            await self._call(search.tell, trial.number, None, False)
            return type(trial)(trial.number, "FAIL", trial.hyperparameters, None)
        return type(trial)(trial.number, "RUNNING", trial.hyperparameters, None,
                           attrs={"training_job": name})  # fmt: skip

    def _criteria_met(self, job: StoredTuningJob, search: Search, trials: list[Trial]) -> bool:
        criteria = job.spec.config.tuning_job_completion_criteria
        if criteria is None:
            return False
        from .search import criteria_met

        done = sorted((t for t in trials if t.state == "COMPLETE"), key=lambda t: t.number)
        values = [t.value for t in done if t.value is not None]
        return criteria_met(criteria, values, search.minimize)

    async def _stop_trial(self, owner: str, name: str) -> None:
        with contextlib.suppress(InvalidState, NotFound):  # ended meanwhile: its event advances
            await self.training.stop(owner, name)

    async def _end(self, job: StoredTuningJob, search: Search) -> None:
        best = await self._call(search.best)
        failure = None
        if job.status == TuningStatus.STOPPING:
            status = TuningStatus.STOPPED
        elif best is None:
            status = TuningStatus.FAILED
            failure = "No training job of the tuning job produced the objective metric."
        else:
            status = TuningStatus.COMPLETED
        await self.repository.update(
            job.owner, job.name, status=status, failure_reason=failure, ended_ms=now_ms()
        )

    # ---- job events ------------------------------------------------------------------------
    async def trial_of(self, job: StoredJob) -> str | None:
        """The tuning job whose trial ``job`` is (any status), or None."""
        match = TRIAL_NAME.match(job.name) if job.kind == "training" else None
        if match is None or await self.repository.get(job.owner, match["tuning"]) is None:
            return None
        return match["tuning"]

    async def _tuning_job_of(self, owner: str, job: str, kind: str) -> StoredTuningJob | None:
        match = TRIAL_NAME.match(job) if kind == "training" else None
        if match is None:
            return None
        tuning = await self.repository.get(owner, match["tuning"])
        return tuning if tuning is not None and tuning.status in ACTIVE else None

    async def _on_state(self, event: JobStateChanged) -> None:
        if event.status not in FINAL:
            return
        if await self._tuning_job_of(event.owner, event.name, event.kind) is not None:
            self.spawn(self.advance(event.owner, event.name.rsplit("-", 2)[0]), "tuning-advance")

    async def _on_metrics(self, event: JobMetrics) -> None:
        tuning = await self._tuning_job_of(event.owner, event.name, event.kind)
        if tuning is None:
            return
        config = tuning.spec.config
        if config.training_job_early_stopping_type == "Off" and config.strategy != "Hyperband":
            return
        metric = config.hyper_parameter_tuning_job_objective.metric_name
        values = [value for name, value, _ in event.points if name == metric]
        if values:
            self.spawn(self._early_stop(tuning, event.name, values), "tuning-early-stop")

    async def _early_stop(self, tuning: StoredTuningJob, job: str, values: list[float]) -> None:
        search = await self._search(tuning)
        index = int(job.rsplit("-", 2)[1]) - 1  # among the job's own trials
        async with self._locks[(tuning.owner, tuning.name)]:
            trials = await self._call(search.trials)
            trial = trials[index] if index < len(trials) else None
            if trial is None or trial.attrs.get("training_job") != job:
                return
            if trial.attrs.get("early_stopped"):
                return  # being stopped already
            number = trial.number
            for value in values:
                if await self._call(search.report, number, value):
                    await self._call(search.set_attr, number, "early_stopped", True)
                    await self._stop_trial(tuning.owner, job)
                    return
