"""A Jupyter notebook (nbformat 4) holding a generated program, one cell per step."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from . import Program


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
    doc = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
    )
    nbformat.validate(doc)
    return nbformat.writes(doc, split_lines=False) + "\n"
