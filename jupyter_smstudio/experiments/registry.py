"""The model registry for jobs: a completed job's model becomes an MLflow model version.

The version lives in the user's MLflow registry (what MLflow's client and UI show);
its approval, SageMaker's ``ModelApprovalStatus``, is a version tag, so both doors
read the same state. The SageMaker API's model package groups and packages
(``aws.model_packages``) are the same registered models and versions.
"""

from __future__ import annotations

from typing import Any

from ..errors import Conflict, InvalidInput, InvalidState, NotFound
from ..jobs.models import Status
from ..jobs.runner import JobRunner
from ..naming import is_valid_name
from .models import (
    ApprovalStatus,
    JobRun,
    ModelGroup,
    ModelVersion,
    RegisterModel,
    UpdateApproval,
)
from .proxy import PREFIX
from .runs import JobRuns
from .tracking import Backend, MlflowError, TrackingServers

APPROVAL = "smstudio.approval_status"
APPROVAL_TEXT = "smstudio.approval_description"
#: What a job's registered version is served from: its image and model archive.
IMAGE = "smstudio.image"
MODEL_DATA = "smstudio.model_data_url"
_MISSING = ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE")


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
        described = await self.jobs.describe(owner, job.name, job.kind)
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
                "tags": _tags(
                    {
                        APPROVAL: ApprovalStatus.PENDING.value,
                        "smstudio.job": f"{job.kind}/{job.name}",
                        IMAGE: str(job.spec.get("image") or ""),
                        MODEL_DATA: str(getattr(described, "model_artifacts", "") or ""),
                    }
                ),
            },
        )
        return _version(created["model_version"])

    # ---- registered models (model package groups) ----------------------------------
    async def create_group(self, owner: str, name: str, description: str = "") -> ModelGroup:
        backend = await self.servers.backend(owner)
        try:
            created = await backend.call(
                "POST", "registered-models/create", {"name": name, "description": description}
            )
        except MlflowError as err:
            if "RESOURCE_ALREADY_EXISTS" in str(err):
                raise Conflict(f"Model '{name}' already exists.", field="model_name") from err
            raise
        return _group(created["registered_model"])

    async def group(self, owner: str, name: str) -> ModelGroup:
        backend = await self.servers.backend(owner)
        try:
            found = await backend.call("GET", "registered-models/get", name=name)
        except MlflowError as err:
            if any(code in str(err) for code in _MISSING):
                raise NotFound(f"No model named '{name}'.", field="model_name") from err
            raise
        return _group(found["registered_model"])

    async def groups(
        self, owner: str, name_contains: str | None, limit: int, token: str | None, order: str
    ) -> tuple[list[ModelGroup], str | None]:
        """A page of registered models, newest first unless ``order`` is ``ASC``."""
        backend = await self.servers.backend(owner)
        query: dict[str, Any] = {"max_results": limit, "order_by": f"timestamp {order}"}
        if name_contains:
            query["filter"] = f"name ILIKE '%{_quoted(name_contains)}%'"
        if token:
            query["page_token"] = token
        found = await backend.call("GET", "registered-models/search", **query)
        items = [_group(r) for r in found.get("registered_models", [])]
        return items, found.get("next_page_token") or None

    async def delete_group(self, owner: str, name: str) -> None:
        """Refused while the model has versions (SageMaker's rule for a group)."""
        await self.group(owner, name)
        versions, _ = await self.versions(owner, name, None, 1, None, "DESC")
        if versions:
            raise Conflict(
                f"Model '{name}' still has versions: delete them first.", field="model_name"
            )
        backend = await self.servers.backend(owner)
        await backend.call("DELETE", "registered-models/delete", {"name": name})

    # ---- versions (model packages) ---------------------------------------------------
    async def add_version(
        self, owner: str, model: str, source: str, description: str, tags: dict[str, str]
    ) -> ModelVersion:
        """A new version of an existing model, served from ``source`` (its model data)."""
        await self.group(owner, model)
        backend = await self.servers.backend(owner)
        created = await backend.call(
            "POST",
            "model-versions/create",
            {
                "name": model,
                "source": source,
                "description": description,
                "tags": _tags({APPROVAL: ApprovalStatus.PENDING.value, **tags}),
            },
        )
        return _version(created["model_version"])

    async def version(self, owner: str, model: str, version: str) -> ModelVersion:
        if not is_valid_name(model) or not version.isdigit():  # nothing MLflow could hold
            field = "version" if is_valid_name(model) else "model"
            raise NotFound(f"No version {version} of model '{model}'.", field=field)
        return _version(await self._get(await self.servers.backend(owner), model, version))

    async def versions(
        self,
        owner: str,
        model: str | None,
        approval: ApprovalStatus | None,
        limit: int,
        token: str | None,
        order: str,
    ) -> tuple[list[ModelVersion], str | None]:
        """A page of versions (of ``model``, with ``approval``), newest first by default."""
        backend = await self.servers.backend(owner)
        filters = []
        if model:
            filters.append(f"name = '{_quoted(model)}'")
        if approval:
            filters.append(f"tags.`{APPROVAL}` = '{approval.value}'")
        query: dict[str, Any] = {
            "max_results": limit,
            "order_by": f"creation_timestamp {order}",
        }
        if filters:
            query["filter"] = " AND ".join(filters)
        if token:
            query["page_token"] = token
        found = await backend.call("GET", "model-versions/search", **query)
        items = [_version(v) for v in found.get("model_versions", [])]
        return items, found.get("next_page_token") or None

    async def delete_version(self, owner: str, model: str, version: str) -> None:
        await self.version(owner, model, version)
        backend = await self.servers.backend(owner)
        await backend.call("DELETE", "model-versions/delete", {"name": model, "version": version})

    async def tag_version(self, owner: str, model: str, version: str, key: str, value: str) -> None:
        backend = await self.servers.backend(owner)
        body = {"name": model, "version": version, "key": key, "value": value}
        await backend.call("POST", "model-versions/set-tag", body)

    async def set_approval(
        self, owner: str, model: str, version: str, req: UpdateApproval
    ) -> ModelVersion:
        await self.version(owner, model, version)
        for key, value in (
            (APPROVAL, req.approval_status.value),
            (APPROVAL_TEXT, req.approval_description),
        ):
            await self.tag_version(owner, model, version, key, value)
        return await self.version(owner, model, version)

    async def _get(self, backend: Backend, model: str, version: str) -> dict[str, object]:
        try:
            found = await backend.call("GET", "model-versions/get", name=model, version=version)
        except MlflowError as err:
            if any(code in str(err) for code in _MISSING):
                raise NotFound(
                    f"No version {version} of model '{model}'.", field="version"
                ) from err
            raise
        return found["model_version"]  # type: ignore[no-any-return]


def _tags(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in values.items() if v]


def _quoted(text: str) -> str:
    """``text`` inside a single-quoted MLflow filter string."""
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _group(raw: dict[str, Any]) -> ModelGroup:
    name = str(raw["name"])
    return ModelGroup(
        model_name=name,
        description=str(raw.get("description") or ""),
        created_ms=int(raw.get("creation_timestamp") or 0),
        modified_ms=int(raw.get("last_updated_timestamp") or 0),
        ui_path=f"{PREFIX}/#/models/{name}",
    )


def _version(raw: dict[str, Any]) -> ModelVersion:
    tags = {t["key"]: t["value"] for t in raw.get("tags", [])}
    name, version = str(raw["name"]), str(raw["version"])
    return ModelVersion(
        model_name=name,
        version=version,
        run_id=str(raw.get("run_id") or ""),
        source=str(raw.get("source") or ""),
        approval_status=ApprovalStatus(tags.get(APPROVAL, ApprovalStatus.PENDING.value)),
        approval_description=tags.get(APPROVAL_TEXT, ""),
        description=str(raw.get("description") or ""),
        created_ms=int(raw.get("creation_timestamp") or 0),
        modified_ms=int(raw.get("last_updated_timestamp") or 0),
        tags=tags,
        ui_path=f"{PREFIX}/#/models/{name}/versions/{version}",
    )
