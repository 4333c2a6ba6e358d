"""Rules of the Data Wrangler: flows, steps, fitting, previews, reports, exports.

Everything that touches data runs in a small thread pool (Polars and DuckDB
release the GIL), so the server's event loop never waits on a query.
"""

from __future__ import annotations

import asyncio
import contextvars
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from ..errors import AccessDenied, InvalidInput, NotFound
from ..sharing import can_use
from ..store.paging import SORT_COLUMNS, ListQuery, page_items
from . import codegen
from .access import FlowAccess, FlowAccessRepository, shown
from .codegen.notebook import notebook
from .config import DataWrangler
from .engine import Engine
from .flows import FlowStore
from .jobexport import FlowJob, flow_job
from .models import (
    ExportQuery,
    ExportResult,
    FitRequest,
    Flow,
    FlowCreate,
    FlowDocument,
    FlowPage,
    FlowUpdate,
    OperatorList,
    Preview,
    PreviewQuery,
    Sampling,
    Source,
    SourceLocations,
    SourcePreviewRequest,
    Step,
    StepCreate,
    StepUpdate,
)
from .operators.registry import describe, get_operator
from .operators.summaries import summarize
from .paths import relative_to_root
from .report import Report, build_report
from .sources import SourceReader

T = TypeVar("T")

#: Threads for data work; more would only make queries compete for 2 cores.
WORKERS = 2


class WranglerService:
    """Flows of every user; each flow is its owner's, and its members' when shared."""

    def __init__(
        self,
        access: FlowAccessRepository,
        root_dir: Path | None = None,
        cache_dir: Path | None = None,
        settings: DataWrangler | None = None,
    ) -> None:
        self.access = access
        self._executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="smstudio-wrangler")
        self.configure(
            root_dir or Path.cwd(), cache_dir or Path.cwd() / ".smstudio-cache", settings
        )

    def configure(
        self, root_dir: Path, cache_dir: Path, settings: DataWrangler | None = None
    ) -> None:
        """Set where user files live (the server's root), where caches go, admin settings."""
        self.root = Path(root_dir).resolve()
        self.store = FlowStore(self.root)
        self.settings = settings or DataWrangler()
        self.reader = SourceReader(self.root, Path(cache_dir), self.settings)
        self.engine = Engine(self.reader, self.settings.custom_code_memory_bytes)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        # In the request's context: its user's spaces are where paths may be (paths.confine).
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, context.run, fn, *args
        )

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    # ---- who may use a flow ---------------------------------------------------
    async def _usable(self, user: str, name: str) -> tuple[str, FlowAccess | None]:
        """The flow's key and owner record (None: it has no owner); 404 for other users."""
        key = await self._run(lambda: relative_to_root(self.root, self.store.path(name)))
        access = await self.access.get(key)
        if access is not None and not can_use(access, user):
            raise NotFound(f"No flow '{name}'.", field="name")
        return key, access

    @staticmethod
    def _owner_only(user: str, name: str, access: FlowAccess | None, action: str) -> None:
        if access is not None and access.owner != user:
            raise AccessDenied(f"Only the owner of flow '{name}' may {action}.")

    # ---- flows ----------------------------------------------------------------
    async def list_flows(self, user: str, query: ListQuery) -> FlowPage:
        items = await self._run(self.store.summaries)
        recorded = await self.access.all()
        items = [
            i.model_copy(update=shown(recorded.get(i.name)))
            for i in items
            if i.name not in recorded or can_use(recorded[i.name], user)
        ]
        if query.name_contains:
            items = [i for i in items if query.name_contains.lower() in i.name.lower()]
        column = SORT_COLUMNS[query.sort_by]
        page, token = page_items(items, query, lambda i: (getattr(i, column), i.name))
        return FlowPage(items=page, next_token=token)

    def _flow(
        self,
        name: str,
        doc: FlowDocument,
        access: FlowAccess | None,
        modified_ms: int | None = None,
    ) -> Flow:
        if modified_ms is None:
            modified_ms = self.store.path(name).stat().st_mtime_ns // 1_000_000
        summaries = {step.id: summarize(step.operator, step.params) for step in doc.steps}
        return Flow(
            **doc.model_dump(),
            name=name,
            modified_ms=modified_ms,
            summaries=summaries,
            **shown(access),
        )

    async def get(self, user: str, name: str) -> Flow:
        _, access = await self._usable(user, name)
        doc, modified = await self._run(self.store.read, name)
        return self._flow(name, doc, access, modified)

    async def create(self, user: str, spec: FlowCreate) -> Flow:
        members = sorted(set(spec.members) - {user})
        access = FlowAccess(owner=user, sharing=spec.sharing, members=members)

        def work() -> tuple[str, Flow]:
            doc = FlowDocument(source=spec.source, sampling=spec.sampling)
            if spec.source is not None:
                self.reader.load(spec.source)  # refuse unreadable sources now, naming the field
            self.store.create(spec.name, doc)
            key = relative_to_root(self.root, self.store.path(spec.name))
            return key, self._flow(spec.name, doc, access)

        key, flow = await self._run(work)
        try:
            await self.access.put(key, access)
        except BaseException:
            await self._run(self.store.path(spec.name).unlink)  # nothing half-created
            raise
        return flow

    async def update(self, user: str, name: str, change: FlowUpdate) -> Flow:
        key, access = await self._usable(user, name)
        if change.changes_sharing:
            self._owner_only(user, name, access, "change its sharing")

        def apply(doc: FlowDocument) -> FlowDocument:
            if change.source is not None:
                self.reader.load(change.source)
                doc.source = change.source
            if change.sampling is not None:
                doc.sampling = change.sampling
            if "target" in change.model_fields_set:
                doc.target = change.target
            if change.source is not None or change.sampling is not None:
                doc.steps = self._refit(doc, 0)
            return doc

        if change.changes_document:
            flow = await self._save(name, change.version, apply, access)
        else:  # sharing is not the document's: its file and version stay as they are
            doc, modified = await self._run(self.store.read, name)
            flow = self._flow(name, doc, access, modified)
        if change.changes_sharing:
            # Without an owner, the first user to set its sharing becomes its owner.
            access = access or FlowAccess(owner=user)
            if change.sharing is not None:
                access.sharing = change.sharing
            if change.members is not None:
                access.members = sorted(set(change.members) - {access.owner})
            await self.access.put(key, access)
            flow = flow.model_copy(update=shown(access))
        return flow

    async def delete(self, user: str, name: str) -> None:
        key, access = await self._usable(user, name)
        self._owner_only(user, name, access, "delete it")
        await self._run(self.store.delete, name)
        await self.access.delete(key)

    async def _save(
        self,
        name: str,
        version: int,
        apply: Callable[[FlowDocument], FlowDocument],
        access: FlowAccess | None,
    ) -> Flow:
        def work() -> Flow:
            return self._flow(name, self.store.update(name, version, apply), access)

        return await self._run(work)

    async def _edit(
        self, user: str, name: str, version: int, apply: Callable[[FlowDocument], FlowDocument]
    ) -> Flow:
        """Apply a change to a flow this user may use (version-checked)."""
        _, access = await self._usable(user, name)
        return await self._save(name, version, apply, access)

    def _refit(self, doc: FlowDocument, start: int, *, full: bool = False) -> list[Step]:
        """Steps with fitted values recomputed from ``start`` (kept as-is if the source fails)."""
        if doc.source is None:
            return doc.steps
        try:
            return self.engine.fit(doc, start, full=full)
        except InvalidInput:
            if full:
                raise
            return doc.steps

    # ---- steps ------------------------------------------------------------
    async def add_step(self, user: str, name: str, spec: StepCreate) -> Flow:
        _, access = await self._usable(user, name)
        op = get_operator(spec.operator)
        op.parse(spec.params)

        def apply(doc: FlowDocument) -> FlowDocument:
            step = Step(
                id=secrets.token_hex(4),
                operator=op.name,
                operator_version=op.version,
                params=spec.params,
                title=spec.title,
            )
            position = (
                len(doc.steps) if spec.position is None else min(spec.position, len(doc.steps))
            )
            doc.steps.insert(position, step)
            doc.steps = self._refit(doc, position)
            return doc

        return await self._save(name, spec.version, apply, access)

    async def update_step(self, user: str, name: str, step_id: str, change: StepUpdate) -> Flow:
        def apply(doc: FlowDocument) -> FlowDocument:
            index = _index(doc, step_id)
            step = doc.steps[index]
            if change.params is not None:
                get_operator(step.operator).parse(change.params)
                step.params = change.params
                step.operator_version = get_operator(step.operator).version
            if change.title is not None:
                step.title = change.title
            start = index
            if change.position is not None and change.position != index:
                doc.steps.pop(index)
                new = min(change.position, len(doc.steps))
                doc.steps.insert(new, step)
                start = min(index, new)
            if change.params is not None or start != index or change.position is not None:
                doc.steps = self._refit(doc, start)
            return doc

        return await self._edit(user, name, change.version, apply)

    async def delete_step(self, user: str, name: str, step_id: str, version: int) -> Flow:
        def apply(doc: FlowDocument) -> FlowDocument:
            index = _index(doc, step_id)
            doc.steps.pop(index)
            doc.steps = self._refit(doc, index)
            return doc

        return await self._edit(user, name, version, apply)

    async def fit(self, user: str, name: str, request: FitRequest) -> Flow:
        def apply(doc: FlowDocument) -> FlowDocument:
            doc.steps = self._refit(doc, 0, full=request.scope == "full")
            return doc

        return await self._edit(user, name, request.version, apply)

    # ---- data -------------------------------------------------------------
    async def preview(self, user: str, name: str, query: PreviewQuery) -> Preview:
        await self._usable(user, name)

        def work() -> Preview:
            doc, _ = self.store.read(name)
            return self.engine.preview(doc, query.step, query.offset, query.limit, query.scope)

        return await self._run(work)

    async def preview_source(self, request: SourcePreviewRequest) -> Preview:
        def work() -> Preview:
            doc = FlowDocument(source=request.source, sampling=Sampling(n=max(request.limit, 1000)))
            return self.engine.preview(doc, None, 0, request.limit, "sample")

        return await self._run(work)

    async def report(
        self, user: str, name: str, step: str | None, target: str | None, sample_rows: int
    ) -> Report:
        await self._usable(user, name)

        def work() -> Report:
            doc, _ = self.store.read(name)
            index = None if step is None else _index(doc, step)
            frame = self.engine.run_full(doc, index)
            chosen = target if target is not None else doc.target
            if chosen is not None and chosen not in frame.collect_schema().names():
                raise InvalidInput(f"target: no column '{chosen}' in the data", field="target")
            try:
                return build_report(
                    frame,
                    target=chosen,
                    sample_rows=sample_rows,
                    memory_budget=self.settings.report_memory_bytes(),
                )
            except pl.exceptions.PolarsError as err:
                raise InvalidInput(
                    f"step: the flow fails on the full data: {str(err).splitlines()[0]}",
                    field="step",
                ) from err

        return await self._run(work)

    async def export(self, user: str, name: str, query: ExportQuery) -> ExportResult:
        await self._usable(user, name)

        def work() -> ExportResult:
            doc, _ = self.store.read(name)
            language = "pandas" if query.format == "notebook" else query.format
            program = codegen.build(doc, name, language, self._schema_of)
            stem = Path(name).stem
            if query.format == "notebook":
                content, filename = notebook(program), f"{stem}.ipynb"
            else:
                content, filename = codegen.script(program), f"{stem}_{language}.py"
            saved = None
            if query.save:
                target = self.store.path(name).with_name(filename)
                tmp = target.with_name(f".{filename}.tmp")
                tmp.write_text(content, encoding="utf-8")
                tmp.replace(target)
                saved = (Path(name).parent / filename).as_posix()
            return ExportResult(
                format=query.format, filename=filename, content=content, saved_path=saved
            )

        return await self._run(work)

    async def processing_job(self, user: str, name: str) -> FlowJob:
        """The flow as a processing job's code, inputs and outputs (it must run on the sample)."""
        await self._usable(user, name)

        def work() -> FlowJob:
            doc, _ = self.store.read(name)
            chain = self.engine.chain(doc)
            for result in chain.results:
                if result.status.error:
                    raise InvalidInput(
                        f"steps: step {result.status.id} fails on the sample "
                        f"({result.status.error}); fix it before running the flow as a job",
                        field="steps",
                    )
            last = chain.results[-1].frame if chain.results else chain.sample
            assert last is not None
            return flow_job(doc, name, self.root, self._schema_of, last.columns)

        return await self._run(work)

    def _schema_of(self, source: Source) -> pl.Schema:
        return self.reader.load(source).frame.collect_schema()

    def operators(self) -> OperatorList:
        return OperatorList(items=describe())

    def source_locations(self) -> SourceLocations:
        return self.reader.locations.describe()


def _index(doc: FlowDocument, step_id: str) -> int:
    for i, step in enumerate(doc.steps):
        if step.id == step_id:
            return i
    raise NotFound(f"No step '{step_id}' in this flow.", field="step_id")
