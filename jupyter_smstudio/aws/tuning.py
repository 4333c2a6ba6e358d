"""SageMaker's hyperparameter tuning operations on the tuning service (one store).

``HyperParameterTuningJobConfig`` is the tuning service's ``config`` member for member
(its names are the snake_case of SageMaker's), and ``TrainingJobDefinition`` becomes
the trials' training request by the mapping CreateTrainingJob uses
(``aws.training``), so a trial started from boto3 runs exactly as a training job
created by boto3 would. The request is kept (``requests``) and answered back by
Describe; a tuning job made through the REST API is described from its own fields.
Trials are real training jobs: ``DescribeTrainingJob`` and the Jobs panel show them.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import InvalidInput
from ..training.contract import encode_hyperparameters
from ..tuning.models import (
    TrainingJobDefinition,
    TrialQuery,
    TrialSummary,
    TuningJob,
    TuningJobCreate,
    TuningJobQuery,
)
from . import tags
from .faults import AwsFault, not_found_as, validation
from .jobs import _within, build, in_aws_terms, list_query, paging_token, seconds
from .protocol import Call, Operation
from .training import MEMBERS as TRAINING_MEMBERS
from .training import TRAINING

KIND = "hyper-parameter-tuning-job"
JOB_SORT = {"Name": "name", "CreationTime": "created", "Status": "created"}
TRIAL_SORT = {
    "Name": "name",
    "CreationTime": "created",
    "Status": "status",
    "FinalObjectiveMetricValue": "objective",
}
#: Members of a trial's training request that the definition gives as CreateTrainingJob.
DEFINITION_MEMBERS = ("AlgorithmSpecification", "RoleArn", "InputDataConfig", "OutputDataConfig",
                      "ResourceConfig", "StoppingCondition", "Environment", "VpcConfig",
                      "EnableNetworkIsolation", "CheckpointConfig")  # fmt: skip
#: What this server does not do yet (refused, never silently ignored).
UNSUPPORTED = {
    "TrainingJobDefinitions": "Only one TrainingJobDefinition is supported.",
    "Autotune": "Autotune is not supported.",
}
_UPPER = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake(value: Any) -> Any:
    """SageMaker's member names as the tuning models' (``MaxValue`` -> ``max_value``)."""
    if isinstance(value, dict):
        return {_UPPER.sub("_", k).lower(): snake(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snake(v) for v in value]
    return value


def camel(value: Any) -> Any:
    """The tuning models' names as SageMaker's (numbers of ranges become strings)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            name = "".join(part[:1].upper() + part[1:] for part in k.split("_"))
            out[name] = str(v) if name in ("MinValue", "MaxValue") else camel(v)
        return out
    if isinstance(value, list):
        return [camel(v) for v in value]
    return value


def _aws_path(field: str) -> str:
    """A tuning model's field path in AWS's lowerCamel member terms."""
    top = {"config": "hyperParameterTuningJobConfig", "name": "hyperParameterTuningJobName",
           "warm_start_config": "warmStartConfig"}  # fmt: skip
    parts = field.split(".")
    words = [top.get(parts[0], parts[0]), *parts[1:]]
    out = []
    for word in words:
        pieces = word.split("_")
        out.append(pieces[0] + "".join(p[:1].upper() + p[1:] for p in pieces[1:]))
    return ".".join(out)


def arn(call: Call, name: str) -> str:
    return call.aws.config.arn(f"{KIND}/{name}", call.owner)


def _missing(name: str) -> str:
    return f"Amazon SageMaker can't find a tuning job with name {name}"


async def _definition(call: Call, name: str, given: dict[str, Any]) -> TrainingJobDefinition:
    """The trials' training request, by CreateTrainingJob's own mapping."""
    request = {k: given[k] for k in DEFINITION_MEMBERS if k in given}
    if "ResourceConfig" not in request and "HyperParameterTuningResourceConfig" in given:
        resources = given["HyperParameterTuningResourceConfig"]
        request["ResourceConfig"] = {
            k: resources[k] for k in ("InstanceType", "InstanceCount", "VolumeSizeInGB")
            if k in resources
        }  # fmt: skip
    request["TrainingJobName"] = f"{name}-000-00000000"
    request["HyperParameters"] = given.get("StaticHyperParameters") or {}
    spec = await TRAINING.to_spec(call, request)
    retry = given.get("RetryStrategy") or {}
    return TrainingJobDefinition.model_validate(
        {
            **spec.model_dump(exclude={"name"}),
            "max_retry_attempts": retry.get("MaximumRetryAttempts", 0),
        }
    )


def _config(p: dict[str, Any]) -> dict[str, Any]:
    config = dict(p["HyperParameterTuningJobConfig"])
    definition = p.get("TrainingJobDefinition") or {}
    # A definition may carry the objective and ranges (multi-algorithm style).
    if "HyperParameterTuningJobObjective" not in config and "TuningObjective" in definition:
        config["HyperParameterTuningJobObjective"] = definition["TuningObjective"]
    if "ParameterRanges" not in config and "HyperParameterRanges" in definition:
        config["ParameterRanges"] = definition["HyperParameterRanges"]
    return config


async def create(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = p["HyperParameterTuningJobName"]
    for member, why in UNSUPPORTED.items():
        if p.get(member):
            raise validation(why)
    if not p.get("TrainingJobDefinition"):
        raise validation("TrainingJobDefinition is required.")
    try:
        definition = await _definition(call, name, p["TrainingJobDefinition"])
    except InvalidInput as err:
        raise _in_definition_terms(err) from err
    try:
        spec = build(
            TuningJobCreate,
            {
                "name": name,
                "config": snake(_config(p)),
                "training_job_definition": definition.model_dump(),
                "warm_start_config": snake(p.get("WarmStartConfig")),
            },
        )
        await call.services.tuning.create(call.owner, spec)
    except InvalidInput as err:
        raise _in_aws_terms(err) from err
    await call.aws.requests.put(call.owner, KIND, name, p)
    await tags.keep(call, KIND, name, p.get("Tags"))
    return {"HyperParameterTuningJobArn": arn(call, name)}


def _in_definition_terms(err: InvalidInput) -> AwsFault:
    """A trial's training request error, named by its TrainingJobDefinition member."""
    members = {**TRAINING_MEMBERS, "hyperparameters": "staticHyperParameters"}
    members = {k: f"trainingJobDefinition.{v}" for k, v in members.items()}
    return in_aws_terms(err, members)


def _in_aws_terms(err: InvalidInput) -> AwsFault:
    """The tuning service's error (``config.…``, ``training_job_definition.…``) in AWS terms."""
    prefix = "training_job_definition"
    if err.field and err.field.startswith(prefix + "."):
        inner = err.field.removeprefix(prefix + ".")
        message = err.message.removeprefix(f"{prefix}: ")
        return _in_definition_terms(type(err)(message, field=inner))
    if not err.field:
        return validation(err.message)
    where = _aws_path(err.field)
    message = err.message
    if message.startswith(err.field):
        message = where + message[len(err.field) :]
    return validation(message)


def _trial(call: Call, t: TrialSummary) -> dict[str, Any]:
    """HyperParameterTrainingJobSummary."""
    metric = t.final_hyper_parameter_tuning_job_objective_metric
    return {
        "TrainingJobName": t.training_job_name,
        "TrainingJobArn": TRAINING.arn(call, t.training_job_name),
        "TuningJobName": t.tuning_job_name,
        "CreationTime": seconds(t.creation_time_ms),
        "TrainingStartTime": seconds(t.training_start_time_ms),
        "TrainingEndTime": seconds(t.training_end_time_ms),
        "TrainingJobStatus": t.training_job_status,
        "TunedHyperParameters": t.tuned_hyper_parameters,
        "FailureReason": t.failure_reason,
        "FinalHyperParameterTuningJobObjectiveMetric": None
        if metric is None
        else {"Type": metric.type, "MetricName": metric.metric_name, "Value": metric.value},
        "ObjectiveStatus": t.objective_status,
    }


def _counters(job: TuningJob) -> dict[str, Any]:
    return {
        "TrainingJobStatusCounters": camel(job.training_job_status_counters.model_dump()),
        "ObjectiveStatusCounters": camel(job.objective_status_counters.model_dump()),
    }


def _rest_definition(call: Call, job: TuningJob) -> dict[str, Any]:
    """TrainingJobDefinition of a tuning job made through the REST API."""
    d = job.training_job_definition
    algorithm: dict[str, Any] = {
        "TrainingImage": d.image or "smstudio/script-mode",
        "TrainingInputMode": "File",
        "MetricDefinitions": [{"Name": m.name, "Regex": m.regex} for m in d.metric_definitions],
    }
    hyper = dict(d.hyperparameters)
    if d.entry_point:
        hyper.setdefault("sagemaker_program", d.entry_point)
    retry = {"RetryStrategy": {"MaximumRetryAttempts": d.max_retry_attempts}}
    return {
        **(retry if d.max_retry_attempts else {}),
        "AlgorithmSpecification": algorithm,
        "StaticHyperParameters": encode_hyperparameters(hyper),
        "RoleArn": call.aws.config.role_arn(call.owner),
        "OutputDataConfig": {"S3OutputPath": ""},
        "ResourceConfig": {
            "InstanceType": d.instance_type or "ml.m5.large",
            "InstanceCount": d.instance_count,
            "VolumeSizeInGB": 1,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": d.max_runtime_seconds},
    }


def _with_objective(definition: dict[str, Any], metric: str) -> dict[str, Any]:
    """As SageMaker answers it: the static hyperparameters name the objective metric
    (``_tuning_objective_metric``, which the SDK's ``HyperparameterTuner.attach`` reads)."""
    static = {"_tuning_objective_metric": metric, **(definition.get("StaticHyperParameters") or {})}
    return {**definition, "StaticHyperParameters": static}


def _not_improving(job: TuningJob, trials: list[TrialSummary]) -> int:
    """Completed trials since the best one (TuningJobCompletionDetails)."""
    if job.best_training_job is None:
        return 0
    done = sorted(
        (t for t in trials if t.objective_status == "Succeeded"), key=lambda t: t.creation_time_ms
    )
    names = [t.training_job_name for t in done]
    best = job.best_training_job.training_job_name
    return len(names) - 1 - names.index(best) if best in names else 0


async def describe(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = p["HyperParameterTuningJobName"]
    with not_found_as(_missing(name)):
        job = await call.services.tuning.get(call.owner, name)
        trials = (await call.services.tuning.trials(call.owner, name, TrialQuery(limit=1000))).items
    request = await call.aws.requests.get(call.owner, KIND, name) or {}
    config = request.get("HyperParameterTuningJobConfig") or camel(
        job.config.model_dump(exclude_none=True)
    )
    ended = job.ended_ms
    best, overall = job.best_training_job, job.overall_best_training_job
    runtime = ((ended or job.modified_ms) - job.created_ms) // 1000
    return {
        "HyperParameterTuningJobName": job.name,
        "HyperParameterTuningJobArn": arn(call, job.name),
        "HyperParameterTuningJobConfig": config,
        "TrainingJobDefinition": _with_objective(
            request.get("TrainingJobDefinition") or _rest_definition(call, job),
            job.config.hyper_parameter_tuning_job_objective.metric_name,
        ),
        "HyperParameterTuningJobStatus": job.status.value,
        "CreationTime": seconds(job.created_ms),
        "HyperParameterTuningEndTime": seconds(ended),
        "LastModifiedTime": seconds(job.modified_ms),
        **_counters(job),
        "BestTrainingJob": best and _trial(call, best),
        "OverallBestTrainingJob": overall and _trial(call, overall),
        "WarmStartConfig": request.get("WarmStartConfig")
        or (job.warm_start_config and camel(job.warm_start_config.model_dump())),
        "FailureReason": job.failure_reason,
        "TuningJobCompletionDetails": {
            "NumberOfTrainingJobsObjectiveNotImproving": _not_improving(job, trials)
        },
        "ConsumedResources": {"RuntimeInSeconds": max(0, runtime)},
    }


async def list_jobs(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    query = list_query(
        TuningJobQuery, p, sorts=JOB_SORT, sort="Name", order="Ascending",
        status=p.get("StatusEquals"),
    )  # fmt: skip
    with paging_token():
        page = await call.services.tuning.page(call.owner, query)
    items = []
    for summary in page.items:
        if not (
            _within(summary.created_ms, p.get("CreationTimeAfter"), p.get("CreationTimeBefore"))
            and _within(
                summary.modified_ms, p.get("LastModifiedTimeAfter"), p.get("LastModifiedTimeBefore")
            )
        ):
            continue
        job = await call.services.tuning.get(call.owner, summary.name)
        items.append(
            {
                "HyperParameterTuningJobName": job.name,
                "HyperParameterTuningJobArn": arn(call, job.name),
                "HyperParameterTuningJobStatus": job.status.value,
                "Strategy": job.strategy,
                "CreationTime": seconds(job.created_ms),
                "HyperParameterTuningEndTime": seconds(job.ended_ms),
                "LastModifiedTime": seconds(job.modified_ms),
                **_counters(job),
                "ResourceLimits": camel(job.config.resource_limits.model_dump(exclude_none=True)),
            }
        )
    return {"HyperParameterTuningJobSummaries": items, "NextToken": page.next_token}


async def stop(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = p["HyperParameterTuningJobName"]
    with not_found_as(_missing(name)):
        await call.services.tuning.stop(call.owner, name)
    return {}


async def list_trials(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    """As SageMaker: sorted by FinalObjectiveMetricValue, jobs without one are left out."""
    name = p["HyperParameterTuningJobName"]
    sort_by = TRIAL_SORT[p.get("SortBy", "Name")]
    query = list_query(
        TrialQuery, p, order="Ascending", name=None, status=p.get("StatusEquals"),
        sort_by=sort_by,
    )  # fmt: skip
    with paging_token(), not_found_as(_missing(name)):
        page = await call.services.tuning.trials(call.owner, name, query)
    items = [
        _trial(call, t)
        for t in page.items
        if sort_by != "objective" or t.final_hyper_parameter_tuning_job_objective_metric
    ]
    return {"TrainingJobSummaries": items, "NextToken": page.next_token}


OPERATIONS: dict[str, Operation] = {
    "CreateHyperParameterTuningJob": create,
    "DescribeHyperParameterTuningJob": describe,
    "ListHyperParameterTuningJobs": list_jobs,
    "StopHyperParameterTuningJob": stop,
    "ListTrainingJobsForHyperParameterTuningJob": list_trials,
}
