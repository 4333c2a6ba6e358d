"""A flow as a processing job: its generated Polars code run over the full data.

The job needs nothing of the server while it runs: the code is the flow's Polars
export (fitted values as literals) with a ``__main__`` that reads every source from
the job's inputs and writes each named output of a split (or the one output) as
its own directory of Parquet or CSV. Sources are shipped as inputs named
``source``, ``source-1``, ...; the code reads them relative to the input directory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import TypeAdapter

from ..errors import InvalidInput
from . import codegen
from .jobfiles import CODE_DIR
from .models import FlowDocument, Source
from .operators.registry import get_operator
from .paths import resolve_user_path

SINGLE_OUTPUT = "output"
SOURCE: TypeAdapter[Source] = TypeAdapter(Source)
OUTPUT_NAME = re.compile(r"^[A-Za-z0-9.\-_]{1,64}$")
#: The run line of an exported script, and what it says in a job's code instead.
SCRIPT_USAGE = "Run: python this_script.py [OUTPUT.parquet]"
JOB_USAGE = (
    "Run as a processing job: python flow.py [--input-dir DIR] [--output-dir DIR]"
    " [--format parquet|csv] [--shown-output-dir PATH]"
)


@dataclass(frozen=True)
class FlowJob:
    """What a processing job needs to run a flow."""

    code: str
    inputs: dict[str, Path]  # input name -> a source file on the server's disk
    outputs: list[str]  # output names, one directory each
    split_column: str | None


def _key(source: Any) -> str:
    return str(source.model_dump_json())


def _ship_sources(
    doc: FlowDocument, root: Path
) -> tuple[FlowDocument, dict[str, Path], dict[str, Source]]:
    """The flow with each source file read from the job's inputs instead of the user's disk.

    Answers the rewritten flow, input name -> file, and rewritten source key -> original.
    """
    shipped = doc.model_copy(deep=True)
    inputs: dict[str, Path] = {}
    originals: dict[str, Source] = {}

    def ship(source: Source, field: str) -> Source:
        if source.path is None:  # a database URL: the job connects to it itself
            return source
        path = resolve_user_path(root, source.path, field=f"{field}.path")
        name = next((n for n, p in inputs.items() if p == path), None)
        if name is None:
            name = "source" if not inputs else f"source-{len(inputs)}"
            inputs[name] = path
        moved = source.model_copy(update={"path": f"{name}/{path.name}"})
        originals[_key(moved)] = source
        return moved

    assert shipped.source is not None
    shipped.source = ship(shipped.source, "source")
    for step in shipped.steps:
        other = step.params.get("other")
        if isinstance(other, dict):
            parsed = SOURCE.validate_python(other)
            step.params["other"] = ship(parsed, f"steps.{step.id}.params.other").model_dump()
    return shipped, inputs, originals


def _split(doc: FlowDocument, columns: list[str]) -> tuple[str, list[str]] | None:
    """The split whose label column reaches the flow's output: (column, output names)."""
    for step in reversed(doc.steps):
        if step.operator != "split_data":
            continue
        params = get_operator(step.operator).parse(step.params)
        column = str(params.output_column)
        if column in columns:
            return column, list(params.outputs)
    return None


def _main(outputs: list[str], split_column: str | None) -> list[str]:
    """The script's ``__main__``: read from the inputs, write one directory per output."""
    return [
        f"OUTPUTS = {outputs!r}",
        f"SPLIT_COLUMN = {split_column!r}",
        "parser = argparse.ArgumentParser(description='Run the flow on its full data.')",
        "parser.add_argument('--input-dir', default='/opt/ml/processing/input')",
        "parser.add_argument('--output-dir', default='/opt/ml/processing/output')",
        "parser.add_argument('--format', choices=['parquet', 'csv'], default='parquet')",
        "parser.add_argument('--shown-output-dir', default='',",
        "                    help='the output directory as this log names it')",
        "args = parser.parse_args()",
        "output_dir = os.path.abspath(args.output_dir)",
        "os.chdir(args.input_dir)  # the sources are read relative to it",
        "frame = transform(load()).collect()",
        "for name in OUTPUTS:",
        "    part = frame",
        "    if SPLIT_COLUMN is not None:",
        "        part = frame.filter(pl.col(SPLIT_COLUMN) == name).drop(SPLIT_COLUMN)",
        "    os.makedirs(os.path.join(output_dir, name), exist_ok=True)",
        "    path = os.path.join(output_dir, name, f'part-00000.{args.format}')",
        "    if args.format == 'csv':",
        "        part.write_csv(path)",
        "    else:",
        "        part.write_parquet(path)",
        "    shown = os.path.join(args.shown_output_dir, os.path.relpath(path, output_dir))",
        "    print(f'{name}: {part.height} rows written to {shown}', flush=True)",
    ]


def flow_job(
    doc: FlowDocument,
    name: str,
    root: Path,
    schema_of: Callable[[Source], pl.Schema],
    columns: list[str],
) -> FlowJob:
    """The processing job of a flow whose output (on the sample) has ``columns``."""
    if doc.source is None:
        raise InvalidInput("source: this flow has no source to run", field="source")
    shipped, inputs, originals = _ship_sources(doc, root)

    def original_schema(source: Source) -> pl.Schema:
        return schema_of(originals.get(_key(source), source))

    program = codegen.build(shipped, name, "polars", original_schema)
    split = _split(doc, columns)
    outputs = split[1] if split else [SINGLE_OUTPUT]
    for output in outputs:
        if not OUTPUT_NAME.match(output) or output == CODE_DIR:
            raise InvalidInput(
                f"steps: the split's output '{output}' cannot name a job output; use letters, "
                f"digits and '.-_' (and not '{CODE_DIR}')",
                field="steps",
            )
    program.imports = sorted({*program.imports, "import argparse", "import os"},
                             key=lambda line: (line.startswith("from"), line))  # fmt: skip
    program.save = _main(outputs, split[0] if split else None)
    return FlowJob(
        code=codegen.script(program).replace(SCRIPT_USAGE, JOB_USAGE, 1),
        inputs=inputs,
        outputs=outputs,
        split_column=split[0] if split else None,
    )
