"""A Jupyter notebook (nbformat 4) holding a generated program, one cell per step."""

from __future__ import annotations

from typing import Any

import nbformat
from nbformat import v4

from . import Program

# nbformat ships no type hints: typed wrappers keep the untyped calls in one place.


def new_markdown_cell(source: str) -> Any:
    return v4.new_markdown_cell(source)  # type: ignore[no-untyped-call]


def new_code_cell(source: str) -> Any:
    return v4.new_code_cell(source)  # type: ignore[no-untyped-call]


def notebook(program: Program) -> str:
    """The program as a notebook; built with nbformat so it validates (cell ids included)."""
    peek = "df.head()" if program.language == "pandas" else "df.head().collect()"
    load = "\n".join(
        ["def load():", *[f"    {line}" for line in program.load], "", "", "df = load()"]
    )
    cells = [
        new_markdown_cell(f"# Data Wrangler flow\n\n{program.title}"),
        new_code_cell("\n".join(program.imports)),
        new_code_cell(f"{load}\n{peek}"),
    ]
    for title, lines in program.steps:
        cells.append(new_markdown_cell(f"## {title}"))
        cells.append(new_code_cell("\n".join([*lines, peek])))
    save = (
        "df.to_parquet('output.parquet', index=False)"
        if program.language == "pandas"
        else "df.collect().write_parquet('output.parquet')"
    )
    cells.append(new_code_cell(save))
    doc = v4.new_notebook(  # type: ignore[no-untyped-call]
        cells=cells,
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
    )
    nbformat.validate(doc)
    text: str = nbformat.writes(doc, split_lines=False)  # type: ignore[no-untyped-call]
    return text + "\n"
