"""Data Wrangler's "run as a processing job": a flow's code over its full data, as a job.

The flow's code is written next to its outputs (``<output_path>/code/flow.py``) and
shipped to the job as the input ``code`` with the flow's source files; each named
output of a split becomes its own output directory ``<output_path>/<name>``.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..naming import NAME_PATTERN, NAME_RULE
from ..runtime.files import atomic_write_bytes
from ..wrangler.jobfiles import CODE_DIR, CODE_FILE
from ..wrangler.paths import resolve_user_path
from .models import PROCESSING_ROOT, ProcessingInput, ProcessingJob, ProcessingJobCreate
from .models import ProcessingOutput as Output
from .service import ProcessingService

if TYPE_CHECKING:
    from ..wrangler.service import WranglerService

CODE_INSIDE = f"{PROCESSING_ROOT}/input/{CODE_DIR}"


class FlowJobRequest(BaseModel):
    """How to run a flow as a processing job; everything has a default."""

    model_config = ConfigDict(extra="forbid")

    job_name: str | None = Field(
        None,
        min_length=1,
        max_length=63,
        pattern=NAME_PATTERN,
        description=f"{NAME_RULE} (default: the flow's name and the time).",
    )
    output_path: str | None = Field(
        None,
        max_length=4096,
        description="Directory in your directory for the outputs and the job's code "
        "(default: next to the flow, named after the job).",
    )
    output_format: Literal["parquet", "csv"] = "parquet"
    instance_type: str | None = Field(None, description="Compute profile, e.g. ml.m5.large.")
    backend: str | None = Field(
        None,
        max_length=16,
        description="An installed job backend. Default: local (the server's Python has "
        "Polars), docker with an image.",
    )
    image: str | None = Field(None, description="A container image with Polars (Docker).")


def default_job_name(flow: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "-", Path(flow).stem).strip("-")[:36] or "flow"
    now = time.time()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    return f"{stem}-{stamp}-{int(now * 1000) % 1000:03d}"


def _first_missing(path: Path) -> Path | None:
    """The outermost directory of ``path`` that does not exist yet (what writing creates)."""
    missing = None
    for candidate in (path, *path.parents):
        if candidate.exists():
            break
        missing = candidate
    return missing


async def run_flow(
    processing: ProcessingService,
    wrangler: WranglerService,
    owner: str,
    flow: str,
    request: FlowJobRequest,
) -> ProcessingJob:
    """Start a processing job that runs ``flow`` on its full data."""
    plan = await wrangler.processing_job(owner, flow)
    name = request.job_name or default_job_name(flow)
    root = wrangler.root
    where = request.output_path
    if where is None:
        where = (Path(flow).parent / name).as_posix()
    output_dir = await asyncio.to_thread(
        lambda: resolve_user_path(root, where, field="output_path")
    )
    code_dir = output_dir / CODE_DIR
    spec = ProcessingJobCreate(
        name=name,
        image=request.image,
        backend=request.backend or ("docker" if request.image else "local"),
        instance_type=request.instance_type,
        container_entrypoint=["python3", f"{CODE_INSIDE}/{CODE_FILE}"],
        container_arguments=["--input-dir", f"{PROCESSING_ROOT}/input", "--output-dir",
                             f"{PROCESSING_ROOT}/output", "--format", request.output_format,
                             "--shown-output-dir", where],
        inputs=[
            ProcessingInput(input_name=CODE_DIR, source=str(code_dir), destination=CODE_INSIDE),
            *[ProcessingInput(input_name=n, source=str(p)) for n, p in plan.inputs.items()],
        ],
        outputs=[Output(output_name=o, destination=str(output_dir / o)) for o in plan.outputs],
    )  # fmt: skip
    created = await asyncio.to_thread(_first_missing, code_dir)
    code = code_dir / CODE_FILE
    await asyncio.to_thread(atomic_write_bytes, code, plan.code.encode())
    try:
        return await processing.create(owner, spec)
    except BaseException:
        await asyncio.to_thread(_remove, created, code)
        raise


def _remove(created: Path | None, code: Path) -> None:
    """Undo the code written for a job that was refused."""
    if created is not None:
        shutil.rmtree(created, ignore_errors=True)
    else:
        code.unlink(missing_ok=True)
