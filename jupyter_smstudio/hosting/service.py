"""Rules of models, endpoint configs and endpoints: validation, ownership, state machine.

Endpoint work (start, health check, switch, drain, roll back) runs in background
tasks; the request that asked for it returns at once with the new status. Model
servers are detached processes, so a server restart re-attaches to them (``resume``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from ..compute import ComputeCatalog
from ..errors import Conflict, InvalidInput, InvalidState, NotFound
from ..runtime.logs import tail_lines
from ..store import Database
from ..timeutil import now_ms
from .artifacts import PreparedModel, Workspace, owner_key, prepare
from .backends import HostingBackend, InstanceSpec
from .bootstrap import FAILURE_MARK, INSTALL_FAILED
from .capture import CaptureWriter
from .config import Hosting
from .errors import ServiceUnavailable
from .gateway import Gateway, Invocation, LiveInstance, LiveVariant, Route
from .models import (
    DataCapture,
    DeployedVariant,
    Endpoint,
    EndpointConfig,
    EndpointConfigCreate,
    EndpointConfigPage,
    EndpointConfigQuery,
    EndpointCreate,
    EndpointPage,
    EndpointQuery,
    EndpointRecord,
    EndpointStatus,
    EndpointUpdate,
    InstanceInfo,
    LogPage,
    LogQuery,
    Model,
    ModelCreate,
    ModelPage,
    ModelQuery,
    Variant,
)
from .repository import DocumentRepository
from .schema import endpoint_configs, endpoints, models
from .transform.service import TransformService

log = logging.getLogger(__name__)
S = EndpointStatus
#: Statuses whose endpoints have (or are getting) running instances.
ACTIVE = (S.IN_SERVICE, S.CREATING, S.UPDATING, S.ROLLING_BACK, S.SYSTEM_UPDATING)


class DeployFailed(Exception):
    pass


def install_failure(log_path: Path) -> str:
    """What the bootstrap logged about a failed install: the command and pip's last lines."""
    lines = tail_lines(log_path, 40)
    marks = [i for i, line in enumerate(lines) if FAILURE_MARK in line]
    if not marks:
        return "\n".join(lines[-15:])
    first = lines[marks[-1]].split(FAILURE_MARK, 1)[1]
    return "\n".join([first, *lines[marks[-1] + 1 :]])


class HostingService:
    def __init__(
        self,
        db: Database,
        compute: ComputeCatalog,
        settings: Hosting,
        workspace: Workspace,
        data_dir: Path,
        spawn: Any,
    ) -> None:
        self.compute = compute
        self.settings = settings
        self.venv_root = data_dir / "venvs"  # shared with training jobs
        self.backend: HostingBackend = settings.backend(self.venv_root)
        self.workspace = workspace
        self.data_dir = data_dir / "hosting"
        self.spawn = spawn
        self.models = DocumentRepository(db, models, Model, "model")
        self.configs = DocumentRepository(db, endpoint_configs, EndpointConfig, "endpoint config")
        self.endpoints = DocumentRepository(db, endpoints, EndpointRecord, "endpoint")
        self.gateway = Gateway(settings.invocation_timeout)
        self.tasks: dict[tuple[str, str], asyncio.Task[Any]] = {}
        self.transforms = TransformService(self)

    # ---- models ----------------------------------------------------------------------------
    async def create_model(self, owner: str, spec: ModelCreate) -> Model:
        self.compute.get(spec.instance_type, field="instance_type")
        await asyncio.to_thread(self.prepare_model, owner, spec)  # validates paths and code now
        now = now_ms()
        model = Model(**spec.model_dump(), owner=owner, created_ms=now, modified_ms=now)
        await self.models.insert(model)
        return model

    def prepare_model(self, owner: str, spec: ModelCreate) -> PreparedModel:
        """Blocking (may unpack an archive): run in a thread."""
        cache = self.data_dir / "artifacts" / owner_key(owner)
        return prepare(self.workspace, cache, spec.model_data, spec.source_dir, spec.entry_point)

    async def get_model(self, owner: str, name: str, field: str = "name") -> Model:
        model = await self.models.get(owner, name)
        if model is None:
            raise NotFound(f"No model named '{name}'.", field=field)
        return model

    async def list_models(self, owner: str, query: ModelQuery) -> ModelPage:
        items, token = await self.models.page(owner, query)
        return ModelPage(items=items, next_token=token)

    async def delete_model(self, owner: str, name: str) -> None:
        if not await self.models.delete(owner, name):
            raise NotFound(f"No model named '{name}'.", field="name")

    # ---- endpoint configs ------------------------------------------------------------------------
    async def _check_variants(self, owner: str, variants: list[Variant], prefix: str) -> None:
        for i, v in enumerate(variants):
            model = await self.get_model(owner, v.model_name, f"{prefix}.{i}.model_name")
            self.compute.get(
                v.instance_type or model.instance_type, field=f"{prefix}.{i}.instance_type"
            )

    def _check_capture(self, capture: DataCapture | None) -> None:
        if capture is not None:
            self.workspace.resolve(
                capture.destination, "data_capture.destination", must_exist=False
            )

    async def create_config(self, owner: str, spec: EndpointConfigCreate) -> EndpointConfig:
        await self._check_variants(owner, spec.variants, "variants")
        self._check_capture(spec.data_capture)
        now = now_ms()
        config = EndpointConfig(**spec.model_dump(), owner=owner, created_ms=now, modified_ms=now)
        await self.configs.insert(config)
        return config

    async def get_config(self, owner: str, name: str, field: str = "name") -> EndpointConfig:
        config = await self.configs.get(owner, name)
        if config is None:
            raise NotFound(f"No endpoint config named '{name}'.", field=field)
        return config

    async def list_configs(self, owner: str, query: EndpointConfigQuery) -> EndpointConfigPage:
        items, token = await self.configs.page(owner, query)
        return EndpointConfigPage(items=items, next_token=token)

    async def delete_config(self, owner: str, name: str) -> None:
        if not await self.configs.delete(owner, name):
            raise NotFound(f"No endpoint config named '{name}'.", field="name")

    async def _config_for(
        self, owner: str, endpoint: str, body: EndpointCreate | EndpointUpdate
    ) -> EndpointConfig:
        if body.endpoint_config_name is not None:
            config = await self.get_config(owner, body.endpoint_config_name, "endpoint_config_name")
            if body.data_capture is not None:
                raise InvalidInput(
                    "data_capture belongs to the endpoint config", field="data_capture"
                )
            return config
        assert body.variants is not None
        name = f"{endpoint}-{time.strftime('%Y%m%d%H%M%S')}-{now_ms() % 1000:03d}"[:63]
        spec = EndpointConfigCreate(
            name=name, variants=body.variants, data_capture=body.data_capture
        )
        return await self.create_config(owner, spec)

    # ---- endpoints -------------------------------------------------------------------------
    def _view(self, record: EndpointRecord) -> Endpoint:
        endpoint = record.public()
        metrics = self.gateway.metrics(record.owner, record.name)
        endpoint.metrics = metrics.summary() if metrics else None
        return endpoint

    async def _record(self, owner: str, name: str) -> EndpointRecord:
        record = await self.endpoints.get(owner, name)
        if record is None:
            raise NotFound(f"No endpoint named '{name}'.", field="name")
        return record

    async def get_endpoint(self, owner: str, name: str) -> Endpoint:
        return self._view(await self._record(owner, name))

    async def list_endpoints(self, owner: str, query: EndpointQuery) -> EndpointPage:
        status = query.status.value if query.status else None
        items, token = await self.endpoints.page(owner, query, status)
        return EndpointPage(items=[self._view(r) for r in items], next_token=token)

    async def create_endpoint(self, owner: str, body: EndpointCreate) -> Endpoint:
        if await self.endpoints.get(owner, body.name) is not None:
            raise Conflict(f"An endpoint named '{body.name}' already exists.", field="name")
        config = await self._config_for(owner, body.name, body)
        now = now_ms()
        record = EndpointRecord(
            name=body.name,
            owner=owner,
            status=S.CREATING,
            endpoint_config_name=config.name,
            created_ms=now,
            modified_ms=now,
            data_capture=config.data_capture,
        )
        await self.endpoints.insert(record)
        self._start_task(owner, body.name, self._create(record, config))
        return self._view(record)

    async def update_endpoint(self, owner: str, name: str, body: EndpointUpdate) -> Endpoint:
        record = await self._record(owner, name)
        if record.status != S.IN_SERVICE:
            raise InvalidState(
                f"Endpoint '{name}' is {record.status.value}; only InService endpoints update.",
                field="name",
            )
        config = await self._config_for(owner, name, body)
        record.status = S.UPDATING
        record.pending_config_name = config.name
        record.failure_reason = None
        await self._save(record)
        self._start_task(owner, name, self._update(record, config))
        return self._view(record)

    async def delete_endpoint(self, owner: str, name: str) -> None:
        record = await self._record(owner, name)
        task = self.tasks.pop((owner, name), None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        record = await self._record(owner, name)  # the task may have changed it
        record.status = S.DELETING
        await self._save(record)
        self.gateway.withdraw(owner, name)
        for spec in self._specs(record.specs + record.pending_specs):
            await self.backend.stop(spec)
        await self.endpoints.delete(owner, name)

    async def logs(self, owner: str, name: str, query: LogQuery) -> LogPage:
        record = await self._record(owner, name)
        specs = [
            s
            for s in self._specs(record.specs or record.pending_specs)
            if query.variant is None or s.extra.get("variant") == query.variant
        ]
        if query.variant is None and specs:
            first = specs[0].extra.get("variant")
            specs = [s for s in specs if s.extra.get("variant") == first]
        if query.instance >= len(specs):
            raise InvalidInput(
                "No such variant instance.", field="variant" if not specs else "instance"
            )
        chunk = self.backend.logs(specs[query.instance], query.cursor)
        return LogPage(text=chunk.text, next_cursor=chunk.next_cursor, size=chunk.size)

    # ---- background work ------------------------------------------------------------------------
    def _start_task(self, owner: str, name: str, coro: Coroutine[Any, Any, None]) -> None:
        task = self.spawn(coro, f"endpoint {owner}/{name}")
        self.tasks[(owner, name)] = task
        task.add_done_callback(
            lambda t: (
                self.tasks.pop((owner, name), None) if self.tasks.get((owner, name)) is t else None
            )
        )

    async def _save(self, record: EndpointRecord) -> None:
        record.modified_ms = now_ms()
        await self.endpoints.save(record)

    @staticmethod
    def _specs(raw: list[dict[str, Any]]) -> list[InstanceSpec]:
        return [InstanceSpec.from_json(s) for s in raw]

    async def _instance_specs(
        self, record: EndpointRecord, config: EndpointConfig, generation: int
    ) -> list[InstanceSpec]:
        specs = []
        base = self.data_dir / "endpoints" / owner_key(record.owner) / record.name / str(generation)
        for i, v in enumerate(config.variants):
            model = await self.get_model(record.owner, v.model_name, f"variants.{i}.model_name")
            prepared = await asyncio.to_thread(self.prepare_model, record.owner, model)
            profile = self.compute.get(
                v.instance_type or model.instance_type, field=f"variants.{i}.instance_type"
            )
            venv = None
            if prepared.requirements is not None:
                venv = await asyncio.to_thread(
                    self.backend.venv_key, prepared.requirements, model.image, profile
                )
            for k in range(v.initial_instance_count):
                specs.append(
                    InstanceSpec(
                        id=f"{owner_key(record.owner)}-{record.name}-{generation}-{v.variant_name}-{k}".lower()[
                            :120
                        ],
                        model_dir=str(prepared.model_dir),
                        code_dir=str(prepared.code_dir) if prepared.code_dir else None,
                        program=prepared.program,
                        environment=model.environment,
                        profile=profile.model_dump(mode="json"),
                        workers=v.workers,
                        state_dir=str(base / f"{v.variant_name}-{k}"),
                        image=model.image,
                        extra={
                            "variant": v.variant_name,
                            "model": model.name,
                            "weight": v.initial_variant_weight,
                            "profile": profile.name,
                        },
                        venv=venv,
                    )
                )
        return specs

    async def _healthy(self, spec: InstanceSpec, deadline: float) -> str:
        """Wait for the instance to answer /ping; its address, or DeployFailed with why."""
        while time.monotonic() < deadline:
            state = self.backend.state(spec)
            if state.finished:
                if state.exit_code == INSTALL_FAILED:
                    why = await asyncio.to_thread(install_failure, spec.log_path)
                    raise DeployFailed(
                        f"Variant {spec.extra.get('variant')} could not install its "
                        f"requirements.txt: {why}"
                    )
                tail = "\n".join(tail_lines(spec.log_path, 15))
                raise DeployFailed(
                    f"Variant {spec.extra.get('variant')} exited during startup "
                    f"(exit code {state.exit_code}). Last log lines:\n{tail}"
                )
            address = await self.backend.address(spec)
            if address and await self.gateway.ping(address):
                return address
            await asyncio.sleep(0.1)
        raise DeployFailed(
            f"Variant {spec.extra.get('variant')} did not pass /ping within "
            f"{self.settings.startup_timeout:g} s"
        )

    async def _launch(
        self, record: EndpointRecord, config: EndpointConfig
    ) -> tuple[list[InstanceSpec], list[str]]:
        """Start every instance of ``config`` and wait for health; stop them all on failure."""
        generation = record.generation + 1
        specs = await self._instance_specs(record, config, generation)
        record.pending_specs = [s.to_json() for s in specs]
        await self._save(record)
        try:
            for spec in specs:
                await self.backend.start(spec)
            deadline = time.monotonic() + self.settings.startup_timeout
            addresses = list(await asyncio.gather(*(self._healthy(s, deadline) for s in specs)))
        except BaseException:
            for spec in specs:
                await self.backend.stop(spec)
            raise
        record.generation = generation
        return specs, addresses

    def _publish(
        self,
        record: EndpointRecord,
        config: EndpointConfig | None,
        specs: list[InstanceSpec],
        addresses: list[str],
    ) -> Route | None:
        """Serve ``specs`` for the endpoint; record what is deployed; returns the old route."""
        variants: dict[str, LiveVariant] = {}
        deployed: dict[str, DeployedVariant] = {}
        for spec, address in zip(specs, addresses, strict=True):
            name = str(spec.extra["variant"])
            weight = float(spec.extra["weight"])
            live = variants.setdefault(name, LiveVariant(name, weight, []))
            live.instances.append(LiveInstance(address))
            d = deployed.setdefault(
                name,
                DeployedVariant(
                    variant_name=name,
                    model_name=str(spec.extra["model"]),
                    instance_type=str(spec.extra["profile"]),
                    current_weight=weight,
                    current_instance_count=0,
                ),
            )
            d.current_instance_count += 1
            d.instances.append(
                InstanceInfo(
                    id=spec.id, backend=self.backend.name, address=address, state_dir=spec.state_dir
                )
            )
        capture = record.data_capture if config is None else config.data_capture
        writer = None
        if capture is not None and capture.enable_capture:
            directory = self.workspace.resolve(
                capture.destination, "data_capture.destination", must_exist=False
            )
            writer = CaptureWriter(
                directory,
                record.name,
                capture.initial_sampling_percentage,
                list(capture.capture_options),
            )
        record.variants = list(deployed.values())
        record.specs = [s.to_json() for s in specs]
        record.pending_specs = []
        record.data_capture = capture
        return self.gateway.publish(
            record.owner, record.name, Route(list(variants.values())), writer
        )

    async def _create(self, record: EndpointRecord, config: EndpointConfig) -> None:
        try:
            specs, addresses = await self._launch(record, config)
        except (DeployFailed, InvalidInput, NotFound) as err:
            record.status = S.FAILED
            record.failure_reason = str(err)[:2048]
            await self._save(record)  # pending_specs stay: their logs tell why (all stopped)
            return
        self._publish(record, config, specs, addresses)
        record.status = S.IN_SERVICE
        await self._save(record)

    async def _update(self, record: EndpointRecord, config: EndpointConfig) -> None:
        old_specs = self._specs(record.specs)
        try:
            specs, addresses = await self._launch(record, config)
        except (DeployFailed, InvalidInput, NotFound) as err:
            record.status = S.ROLLING_BACK
            await self._save(record)
            record.status = S.IN_SERVICE
            record.pending_config_name = None
            record.pending_specs = []
            record.failure_reason = (
                f"Update to {config.name} failed; the previous config keeps serving. {err}"
            )[:2048]
            await self._save(record)
            return
        old_route = self._publish(record, config, specs, addresses)
        record.status = S.IN_SERVICE
        record.endpoint_config_name = config.name
        record.pending_config_name = None
        await self._save(record)
        if old_route is not None:
            await self.gateway.drain(old_route, self.settings.drain_seconds)
        for spec in old_specs:
            await self.backend.stop(spec)

    # ---- restart -------------------------------------------------------------------------------
    async def resume(self) -> None:
        """After a server start: re-attach to (or restart) the instances of live endpoints."""
        for record in await self.endpoints.all_with_status([s.value for s in ACTIVE]):
            self._start_task(record.owner, record.name, self._resume(record))

    async def _resume(self, record: EndpointRecord) -> None:
        for spec in self._specs(record.pending_specs):  # an interrupted create/update
            await self.backend.stop(spec)
        record.pending_specs = []
        if record.status == S.CREATING or not record.specs:
            config = await self.configs.get(record.owner, record.endpoint_config_name)
            if config is None:
                record.status, record.failure_reason = S.FAILED, "Its endpoint config is gone."
                await self._save(record)
                return
            await self._create(record, config)
            return
        if record.status != S.IN_SERVICE:
            record.failure_reason = "An update was interrupted by a server restart; rolled back."
            record.pending_config_name = None
            record.status = S.IN_SERVICE
        specs = self._specs(record.specs)
        deadline = time.monotonic() + self.settings.startup_timeout
        addresses: list[str] = []
        try:
            for spec in specs:
                address = await self.backend.address(spec)
                alive = not self.backend.state(spec).finished
                if not (alive and address and await self.gateway.ping(address)):
                    log.info("Restarting endpoint instance %s", spec.id)
                    await self.backend.stop(spec)
                    await self.backend.start(spec)
                    address = await self._healthy(spec, deadline)
                addresses.append(address)
        except DeployFailed as err:
            record.status = S.FAILED
            record.failure_reason = f"Could not restart after a server restart: {err}"[:2048]
            await self._save(record)
            return
        self._publish(record, None, specs, addresses)
        await self._save(record)

    async def current_work(self) -> list[str]:
        """Endpoints in service (the idle monitor counts them when the policy says so)."""
        return [f"endpoint {name} is in service" for _, name in self.gateway.live]

    def close(self) -> None:
        """Server shutdown: model servers keep running (detached); only local state goes."""
        self.gateway.close()

    # ---- invocations -----------------------------------------------------------------------------
    async def invoke(
        self,
        owner: str,
        name: str,
        body: bytes,
        content_type: str,
        accept: str | None,
        custom_attributes: str | None = None,
        target_variant: str | None = None,
    ) -> Invocation:
        if (owner, name) not in self.gateway.live:
            record = await self.endpoints.get(owner, name)
            if record is None:
                raise NotFound(f"Endpoint {name} not found.", field="EndpointName")
            raise ServiceUnavailable(f"Endpoint {name} is {record.status.value}, not InService.")
        return await self.gateway.invoke(
            owner, name, body, content_type, accept, custom_attributes, target_variant
        )
