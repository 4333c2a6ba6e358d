"""Rules of models, endpoint configs and endpoints: validation, ownership, state machine.

Endpoint work (start, health check, switch, drain, roll back) runs in background
tasks; the request that asked for it returns at once with the new status. Model
servers are detached processes, so a server restart re-attaches to them (``resume``),
including instances still loading their model. A monitor replaces an InService
instance whose process or container stopped, as SageMaker replaces an unhealthy one.
Every start gets a state directory (and container name) of its own: a stopped
instance's exit can never be read as its replacement's.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import shutil
import time
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, Protocol

from ..compute import ComputeCatalog
from ..errors import Conflict, InvalidInput, InvalidState, NotFound
from ..paths import is_remote
from ..runtime import RunState
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
from .metrics import TrafficMetrics
from .models import (
    DataCapture,
    DeployedVariant,
    Endpoint,
    EndpointConfig,
    EndpointConfigCreate,
    EndpointConfigPage,
    EndpointConfigQuery,
    EndpointCreate,
    EndpointEvent,
    EndpointPage,
    EndpointQuery,
    EndpointRecord,
    EndpointStatus,
    EndpointUpdate,
    InstanceInfo,
    LogPage,
    LogQuery,
    MetricsQuery,
    MetricsSeries,
    Model,
    ModelCreate,
    ModelPage,
    ModelQuery,
    Variant,
)
from .repository import DocumentRepository
from .schema import endpoint_configs, endpoints, models

log = logging.getLogger(__name__)
S = EndpointStatus
#: Statuses whose endpoints have (or are getting) running instances.
ACTIVE = (S.IN_SERVICE, S.CREATING, S.UPDATING, S.ROLLING_BACK, S.SYSTEM_UPDATING)
#: Events kept per endpoint (the oldest go first).
MAX_EVENTS = 50
#: Longest wait before trying again to replace an instance that could not be replaced.
MAX_BACKOFF_SECONDS = 300.0
#: Least time between two checks of the instances (failing invocations ask for checks).
MIN_CHECK_SPACING = 1.0


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


class LocalCopy(Protocol):
    """A copy on the server of what an ``s3://`` URI names (the S3 area's ``JobData``)."""

    async def local_copy(self, owner: str, uri: str, field: str, *, code: bool = False) -> str: ...


class HostingService:
    def __init__(
        self,
        db: Database,
        compute: ComputeCatalog,
        settings: Hosting,
        workspace: Workspace,
        data_dir: Path,
        spawn: Any,
        objects: LocalCopy | None = None,
    ) -> None:
        self.compute = compute
        #: ``s3://`` model data and code: copied from the owner's buckets when the model is made
        self.objects = objects
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
        self._wake = asyncio.Event()  # an invocation found an instance unreachable
        self._monitor: asyncio.Task[None] | None = None
        #: endpoint -> (failed replacements in a row, monotonic time of the next try)
        self._backoff: dict[tuple[str, str], tuple[int, float]] = {}

    # ---- models ----------------------------------------------------------------------------
    async def create_model(self, owner: str, spec: ModelCreate) -> Model:
        self.compute.get(spec.instance_type, field="instance_type")
        if self.objects is not None:
            copies = {}
            if is_remote(spec.model_data):
                copies["model_data"] = await self.objects.local_copy(
                    owner, spec.model_data, "model_data"
                )
            if spec.source_dir is not None and is_remote(spec.source_dir):
                copies["source_dir"] = await self.objects.local_copy(
                    owner, spec.source_dir, "source_dir", code=True
                )
            spec = spec.model_copy(update=copies)
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
        return await self.models.require(owner, name, field)

    async def list_models(self, owner: str, query: ModelQuery) -> ModelPage:
        items, token = await self.models.page(owner, query)
        return ModelPage(items=items, next_token=token)

    async def delete_model(self, owner: str, name: str) -> None:
        await self.models.remove(owner, name)

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
        return await self.configs.require(owner, name, field)

    async def list_configs(self, owner: str, query: EndpointConfigQuery) -> EndpointConfigPage:
        items, token = await self.configs.page(owner, query)
        return EndpointConfigPage(items=items, next_token=token)

    async def delete_config(self, owner: str, name: str) -> None:
        await self.configs.remove(owner, name)

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
        return await self.endpoints.require(owner, name)

    async def get_endpoint(self, owner: str, name: str) -> Endpoint:
        return self._view(await self._record(owner, name))

    async def endpoint_metrics(self, owner: str, name: str, query: MetricsQuery) -> MetricsSeries:
        """Traffic over the last hour or day (empty points before any call)."""
        record = await self._record(owner, name)
        metrics = self.gateway.metrics(record.owner, record.name) or TrafficMetrics()
        return metrics.series(query.range)

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
        await self._cancel_task(owner, name)  # an instance replacement: the update replaces all
        record = await self._record(owner, name)
        record.status = S.UPDATING
        record.pending_config_name = config.name
        record.failure_reason = None
        await self._save(record)
        self._start_task(owner, name, self._update(record, config))
        return self._view(record)

    async def set_weights(self, owner: str, name: str, weights: dict[str, float]) -> Endpoint:
        """Change variants' traffic weights in place (UpdateEndpointWeightsAndCapacities):
        the same instances keep serving, the traffic split changes at once."""
        record = await self._record(owner, name)
        if record.status != S.IN_SERVICE:
            raise InvalidState(
                f"Endpoint '{name}' is {record.status.value}; only InService endpoints update.",
                field="name",
            )
        current = {v.variant_name: v.current_weight for v in record.variants}
        for variant in weights:
            if variant not in current:
                raise InvalidInput(
                    f"Endpoint '{name}' has no variant '{variant}'.", field="variant_name"
                )
        new = {**current, **weights}
        if not any(w > 0 for w in new.values()):
            raise InvalidInput("At least one variant needs a weight above 0.", field="weight")
        specs = [
            dataclasses.replace(s, extra={**s.extra, "weight": new[str(s.extra["variant"])]})
            for s in self._specs(record.specs)
        ]
        self._publish(record, None, specs, self._addresses(record, specs))
        changed = ", ".join(f"{k}={v:g}" for k, v in weights.items())
        self._event(record, "weights-changed", f"Variant weights changed: {changed}.")
        await self._save(record)
        return self._view(record)

    async def _cancel_task(self, owner: str, name: str) -> None:
        task = self.tasks.pop((owner, name), None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task

    async def delete_endpoint(self, owner: str, name: str) -> None:
        record = await self._record(owner, name)
        await self._cancel_task(owner, name)
        self._backoff.pop((owner, name), None)
        record = await self._record(owner, name)  # the task may have changed it
        record.status = S.DELETING
        await self._save(record)
        self.gateway.withdraw(owner, name)
        await self._stop_all(self._specs(record.specs + record.pending_specs))
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
        chunk = await self.backend.logs(specs[query.instance], query.cursor)
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

    def _place(
        self, record: EndpointRecord, generation: int, variant: str, index: int
    ) -> tuple[str, str]:
        """A new instance's id (its container's name) and state directory, unique per start."""
        prefix = f"{owner_key(record.owner)}-{record.name}-{variant}"[:100]
        base = self.data_dir / "endpoints" / owner_key(record.owner) / record.name
        return f"{prefix}-{generation}-{index}".lower(), str(
            base / str(generation) / f"{variant}-{index}"
        )

    def _fresh(self, record: EndpointRecord, spec: InstanceSpec) -> InstanceSpec:
        """``spec`` again in a new place, to replace an instance that stopped."""
        record.generation += 1
        index = int(str(spec.extra.get("index", 0)))
        instance_id, state_dir = self._place(
            record, record.generation, str(spec.extra["variant"]), index
        )
        return dataclasses.replace(spec, id=instance_id, state_dir=state_dir)

    async def _instance_specs(
        self, record: EndpointRecord, config: EndpointConfig, generation: int
    ) -> list[InstanceSpec]:
        specs = []
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
                instance_id, state_dir = self._place(record, generation, v.variant_name, k)
                specs.append(
                    InstanceSpec(
                        id=instance_id,
                        model_dir=str(prepared.model_dir),
                        code_dir=str(prepared.code_dir) if prepared.code_dir else None,
                        program=prepared.program,
                        environment=model.environment,
                        profile=profile.model_dump(mode="json"),
                        workers=v.workers,
                        state_dir=state_dir,
                        image=model.image,
                        extra={
                            "variant": v.variant_name,
                            "model": model.name,
                            "weight": v.initial_variant_weight,
                            "profile": profile.name,
                            "index": k,
                        },
                        venv=venv,
                    )
                )
        return specs

    async def _healthy(self, spec: InstanceSpec, deadline: float) -> str:
        """Wait for the instance to answer /ping; its address, or DeployFailed with why."""
        while time.monotonic() < deadline:
            state = await self.backend.state(spec)
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

    async def _bring_up(self, specs: list[InstanceSpec], *, start: bool = True) -> list[str]:
        """Start ``specs`` (unless they already run) and wait until each passes /ping; their
        addresses. On failure or cancellation every one of them is stopped."""
        try:
            if start:
                for spec in specs:
                    await self.backend.start(spec)
            deadline = time.monotonic() + self.settings.startup_timeout
            return list(await asyncio.gather(*(self._healthy(s, deadline) for s in specs)))
        except BaseException:
            await self._stop_all(specs)
            raise

    async def _stop_all(self, specs: list[InstanceSpec]) -> None:
        """Ask every instance to drain and stop now; then, in the background, end what
        any of them leaves (nobody watches a stopped instance after this)."""
        for spec in specs:
            await self.backend.stop(spec)
        if specs:
            names = ", ".join(s.id for s in specs)
            self.spawn(self._reap(specs), f"ending instances {names}")

    async def _reap(self, specs: list[InstanceSpec]) -> None:
        await asyncio.gather(*(self.backend.reap(s) for s in specs))

    async def _launch(
        self,
        record: EndpointRecord,
        config: EndpointConfig,
        adopted: list[InstanceSpec] | None = None,
    ) -> tuple[list[InstanceSpec], list[str]]:
        """Start every instance of ``config`` (or take ``adopted``, started before a server
        restart) and wait for health; stop them all on failure."""
        if adopted is not None:
            return adopted, await self._bring_up(adopted, start=False)
        record.generation += 1  # saved before anything starts: no later start reuses its places
        specs = await self._instance_specs(record, config, record.generation)
        record.pending_specs = [s.to_json() for s in specs]
        await self._save(record)
        return specs, await self._bring_up(specs)

    def _publish(
        self,
        record: EndpointRecord,
        config: EndpointConfig | None,
        specs: list[InstanceSpec],
        addresses: Sequence[str | None],
    ) -> Route | None:
        """Serve ``specs`` for the endpoint (those with an address: None is an instance being
        replaced); record what is deployed; returns the old route."""
        variants: dict[str, LiveVariant] = {}
        deployed: dict[str, DeployedVariant] = {}
        for spec, address in zip(specs, addresses, strict=True):
            name = str(spec.extra["variant"])
            weight = float(spec.extra["weight"])
            live = variants.setdefault(name, LiveVariant(name, weight, []))
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
            if address is not None:
                live.instances.append(LiveInstance(address))
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
        self._ensure_monitor()
        record.variants = list(deployed.values())
        record.specs = [s.to_json() for s in specs]
        record.pending_specs = []
        record.data_capture = capture
        return self.gateway.publish(
            record.owner, record.name, Route(list(variants.values())), writer
        )

    async def _create(
        self,
        record: EndpointRecord,
        config: EndpointConfig,
        adopted: list[InstanceSpec] | None = None,
    ) -> None:
        try:
            specs, addresses = await self._launch(record, config, adopted)
        except (DeployFailed, InvalidInput, NotFound) as err:
            record.status = S.FAILED
            record.failure_reason = str(err)[:2048]
            await self._save(record)  # pending_specs stay: their logs tell why (all stopped)
            return
        self._publish(record, config, specs, addresses)
        record.status = S.IN_SERVICE
        await self._save(record)

    async def _update(
        self,
        record: EndpointRecord,
        config: EndpointConfig,
        adopted: list[InstanceSpec] | None = None,
    ) -> None:
        old_specs = self._specs(record.specs)
        try:
            specs, addresses = await self._launch(record, config, adopted)
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
        await self._stop_all(old_specs)

    # ---- instances that stop ---------------------------------------------------------------------
    @staticmethod
    def _event(
        record: EndpointRecord, kind: str, message: str, instance: str | None = None
    ) -> None:
        log.info("Endpoint %s of %s: %s", record.name, record.owner, message)
        event = EndpointEvent(
            time_ms=now_ms(), kind=kind, message=message[:2048], instance=instance
        )
        record.events = [*record.events, event][-MAX_EVENTS:]

    @staticmethod
    def _reported(record: EndpointRecord, kind: str, instance: str) -> bool:
        """Whether ``record`` already tells ``kind`` of ``instance``: a replacement tried again
        (after a failed start, or by the next server after a restart) reports a stop once."""
        return any(e.kind == kind and e.instance == instance for e in record.events)

    async def _states(self, specs: list[InstanceSpec]) -> list[RunState]:
        return [await self.backend.state(s) for s in specs]

    async def _serving(self, spec: InstanceSpec) -> str | None:
        """The address of a running instance that answers /ping, else None."""
        if (await self.backend.state(spec)).finished:
            return None
        address = await self.backend.address(spec)
        return address if address and await self.gateway.ping(address) else None

    @staticmethod
    def _addresses(record: EndpointRecord, specs: list[InstanceSpec]) -> list[str | None]:
        known = {i.id: i.address for v in record.variants for i in v.instances}
        return [known.get(s.id) for s in specs]

    async def _replace(
        self,
        record: EndpointRecord,
        specs: list[InstanceSpec],
        addresses: list[str | None],
        dead: dict[int, str],
    ) -> None:
        """Take the instances ``dead`` names (index -> what happened) out of traffic and start
        a new one in place of each; serve them once they pass /ping. Requests to a variant
        with no instance left answer 503 meanwhile. A failed replacement is retried later."""
        for i, what in dead.items():
            addresses[i] = None
            if self._reported(record, "InstanceStopped", specs[i].id):
                continue
            tail = "\n".join(tail_lines(specs[i].log_path, 10))
            self._event(
                record,
                "InstanceStopped",
                f"Instance {specs[i].id} of variant {specs[i].extra.get('variant')} {what}; "
                f"replacing it. Last log lines:\n{tail}",
                specs[i].id,
            )
        self._publish(record, None, specs, addresses)
        await self._save(record)
        old = [specs[i] for i in dead]
        await self._stop_all(old)  # whatever is left of them (e.g. a container without client)
        fresh = {i: self._fresh(record, specs[i]) for i in dead}
        record.pending_specs = [s.to_json() for s in fresh.values()]
        await self._save(record)
        key = (record.owner, record.name)
        try:
            started = await self._bring_up(list(fresh.values()))
        except Exception as err:  # any failed start is retried, with backoff
            if not isinstance(err, DeployFailed):
                log.exception("Replacing instances of endpoint %s failed", record.name)
            failures = self._backoff.get(key, (0, 0.0))[0] + 1
            delay = min(MAX_BACKOFF_SECONDS, self.settings.health_check_interval * 2**failures)
            self._backoff[key] = (failures, time.monotonic() + delay)
            record.pending_specs = []
            self._event(record, "ReplacementFailed", f"{err}\nTrying again in {delay:g} s.")
            await self._save(record)
            return
        self._backoff.pop(key, None)
        for (i, spec), address in zip(fresh.items(), started, strict=True):
            self._event(
                record,
                "InstanceReplaced",
                f"Instance {spec.id} replaces {specs[i].id} and serves variant "
                f"{spec.extra.get('variant')}.",
                specs[i].id,
            )
            specs[i], addresses[i] = spec, address
        self._publish(record, None, specs, addresses)
        await self._save(record)
        await self._forget(old)

    async def _forget(self, specs: list[InstanceSpec]) -> None:
        """Remove the directories of replaced instances that ended (their end is an event)."""
        for spec in specs:
            if (await self.backend.state(spec)).finished:
                await asyncio.to_thread(shutil.rmtree, spec.state_dir, ignore_errors=True)

    async def _heal(self, owner: str, name: str) -> None:
        """Replace the InService endpoint's instances whose process or container ended."""
        record = await self.endpoints.get(owner, name)
        if (
            record is None
            or record.status != S.IN_SERVICE
            or (owner, name) not in self.gateway.live
        ):
            return  # deleted, changing, or not re-attached yet: not ours to heal now
        specs = self._specs(record.specs)
        states = await self._states(specs)
        dead = {i: ended(s) for i, s in enumerate(states) if s.finished}
        if dead:
            await self._replace(record, specs, self._addresses(record, specs), dead)

    def _ensure_monitor(self) -> None:
        """Start the monitor once, with the first endpoint that serves (or at resume)."""
        if self._monitor is None or self._monitor.done():
            self._monitor = self.spawn(self._watch(), "endpoint instance monitor")

    async def _watch(self) -> None:
        """Every ``health_check_interval`` s, or at once when an invocation could not reach
        an instance (at most once a second, however many fail): heal the InService
        endpoints with an instance that ended."""
        while True:
            due = time.monotonic() + self.settings.health_check_interval
            await asyncio.sleep(min(MIN_CHECK_SPACING, self.settings.health_check_interval))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, due - time.monotonic()))
            self._wake.clear()
            try:
                await self._check_instances()
            except Exception:
                log.exception("Checking endpoint instances failed")

    async def _check_instances(self) -> None:
        now = time.monotonic()
        for record in await self.endpoints.all_with_status([S.IN_SERVICE.value]):
            key = (record.owner, record.name)
            if key in self.tasks or key not in self.gateway.live:
                continue  # being created, updated, healed or deleted: that task owns it
            if self._backoff.get(key, (0, 0.0))[1] > now:
                continue
            states = await self._states(self._specs(record.specs))
            if any(s.finished for s in states) and key not in self.tasks:
                self._start_task(record.owner, record.name, self._heal(record.owner, record.name))

    # ---- restart -------------------------------------------------------------------------------
    async def resume(self) -> None:
        """After a server start: re-attach to the instances of live endpoints (replacing those
        that stopped), then watch them."""
        for record in await self.endpoints.all_with_status([s.value for s in ACTIVE]):
            self._start_task(record.owner, record.name, self._resume(record))
        self._ensure_monitor()

    async def _resume(self, record: EndpointRecord) -> None:
        pending = self._specs(record.pending_specs)
        adopted: list[InstanceSpec] | None = None
        running = not any(s.finished for s in await self._states(pending))
        if pending and running and record.status in (S.CREATING, S.UPDATING):
            adopted = pending  # started before the restart, loading or ready: keep them
        else:
            await self._stop_all(pending)  # an interrupted create, update or replacement
            record.pending_specs = []
        if record.status == S.CREATING or not record.specs:
            config = await self.configs.get(record.owner, record.endpoint_config_name)
            if config is None:
                await self._stop_all(adopted or [])
                record.status, record.failure_reason = S.FAILED, "Its endpoint config is gone."
                await self._save(record)
                return
            await self._create(record, config, adopted)
            return
        if adopted is not None:  # an update whose new instances run: finish it
            config = await self.configs.get(record.owner, record.pending_config_name or "")
            if config is not None:
                specs = self._specs(record.specs)  # the old config serves meanwhile
                self._publish(record, None, specs, [await self._serving(s) for s in specs])
                record.pending_specs = [s.to_json() for s in adopted]  # still starting
                await self._update(record, config, adopted)
                return
            await self._stop_all(adopted)
            record.pending_specs = []
        if record.status != S.IN_SERVICE:
            record.failure_reason = "An update was interrupted by a server restart; rolled back."
            record.pending_config_name = None
            record.status = S.IN_SERVICE
        specs = self._specs(record.specs)
        addresses = [await self._serving(s) for s in specs]
        dead = {
            i: "was not serving after a server restart"
            for i, address in enumerate(addresses)
            if address is None
        }
        self._publish(record, None, specs, addresses)
        await self._save(record)
        if dead:
            await self._replace(record, specs, addresses, dead)

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
        try:
            return await self.gateway.invoke(
                owner, name, body, content_type, accept, custom_attributes, target_variant
            )
        except ServiceUnavailable:
            self._wake.set()  # an instance may have stopped: check now, not at the next tick
            raise


def ended(state: RunState) -> str:
    """How an instance's run ended, for its event."""
    if state.status == "vanished":
        return "lost its supervisor process"
    return f"exited (exit code {state.exit_code})"
