"""The model registry for jobs: a completed job's model becomes an MLflow model version.

The version lives in the user's MLflow registry (what MLflow's client and UI show);
its approval, SageMaker's ``ModelApprovalStatus``, is a version tag, so both doors
read the same state.
"""

from __future__ import annotations

from ..errors import InvalidInput, InvalidState, NotFound
from ..jobs.models import Status
from ..jobs.runner import JobRunner
from ..naming import is_valid_name
from .models import ApprovalStatus, JobRun, ModelVersion, RegisterModel, UpdateApproval
from .proxy import PREFIX
from .runs import JobRuns
from .tracking import Backend, MlflowError, TrackingServers

APPROVAL = "smstudio.approval_status"
APPROVAL_TEXT = "smstudio.approval_description"


class ExperimentsService:
    """Job runs and registered models, for the REST routes."""

    def __init__(self, servers: TrackingServers, runs: JobRuns, jobs: JobRunner) -> None:
        self.servers = servers
        self.runs = runs
        self.jobs = jobs

    def _kind(self, kind: str) -> str:
        if kind not in self.jobs.kinds:
            known = ", ".join(sorted(self.jobs.kinds))
            raise InvalidInput(f"kind: unknown job kind '{kind}' (one of {known}).", field="kind")
        return kind

    async def job_run(self, owner: str, kind: str, name: str) -> JobRun:
        """The job's run (created now if the job predates tracking)."""
        job = await self.jobs.stored(owner, name, self._kind(kind))  # 404 before MLflow starts
        backend = await self.servers.backend(owner)
        run_id = await self.runs.run_for(backend, owner, job.kind, job.name)
        experiment = await self.runs.experiment(backend, owner)
        return JobRun(
            job_name=name,
            kind=kind,
            run_id=run_id,
            experiment_id=experiment,
            ui_path=f"{PREFIX}/#/experiments/{experiment}/runs/{run_id}",
        )

    async def register(self, owner: str, req: RegisterModel) -> ModelVersion:
        try:
            job = await self.jobs.stored(owner, req.job_name, self._kind(req.kind))
        except NotFound as err:
            raise NotFound(err.message, field="job_name") from err
        if job.status is not Status.COMPLETED:
            raise InvalidState(
                f"job_name: job '{job.name}' is {job.status.value}; only a completed job's "
                "model can be registered.",
                field="job_name",
            )
        backend = await self.servers.backend(owner)
        run_id = await self.runs.run_for(backend, owner, job.kind, job.name)
        source = await self.runs.log_model(backend, run_id, owner, job.kind, job.name)
        if source is None:
            raise InvalidState(
                f"job_name: job '{job.name}' left no model to register.", field="job_name"
            )
        try:
            await backend.call("POST", "registered-models/create", {"name": req.model_name})
        except MlflowError as err:
            if "RESOURCE_ALREADY_EXISTS" not in str(err):
                raise
        created = await backend.call(
            "POST",
            "model-versions/create",
            {
                "name": req.model_name,
                "source": source,
                "run_id": run_id,
                "description": req.description,
                "tags": [
                    {"key": APPROVAL, "value": ApprovalStatus.PENDING.value},
                    {"key": "smstudio.job", "value": f"{job.kind}/{job.name}"},
                ],
            },
        )
        return _version(created["model_version"])

    async def set_approval(
        self, owner: str, model: str, version: str, req: UpdateApproval
    ) -> ModelVersion:
        if not is_valid_name(model) or not version.isdigit():  # nothing MLflow could hold
            field = "version" if is_valid_name(model) else "model"
            raise NotFound(f"No version {version} of model '{model}'.", field=field)
        backend = await self.servers.backend(owner)
        await self._get(backend, model, version)
        for key, value in (
            (APPROVAL, req.approval_status.value),
            (APPROVAL_TEXT, req.approval_description),
        ):
            body = {"name": model, "version": version, "key": key, "value": value}
            await backend.call("POST", "model-versions/set-tag", body)
        return _version(await self._get(backend, model, version))

    async def _get(self, backend: Backend, model: str, version: str) -> dict[str, object]:
        try:
            found = await backend.call("GET", "model-versions/get", name=model, version=version)
        except MlflowError as err:
            if "RESOURCE_DOES_NOT_EXIST" in str(err) or "INVALID_PARAMETER_VALUE" in str(err):
                raise NotFound(
                    f"No version {version} of model '{model}'.", field="version"
                ) from err
            raise
        return found["model_version"]  # type: ignore[no-any-return]


def _version(raw: dict[str, object]) -> ModelVersion:
    tags = {t["key"]: t["value"] for t in raw.get("tags", [])}  # type: ignore[attr-defined]
    name, version = str(raw["name"]), str(raw["version"])
    return ModelVersion(
        model_name=name,
        version=version,
        run_id=str(raw.get("run_id", "")),
        source=str(raw.get("source", "")),
        approval_status=ApprovalStatus(tags.get(APPROVAL, ApprovalStatus.PENDING.value)),
        approval_description=tags.get(APPROVAL_TEXT, ""),
        ui_path=f"{PREFIX}/#/models/{name}/versions/{version}",
    )
