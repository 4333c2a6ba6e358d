"""A Jupyter notebook (nbformat 4) holding a generated program, one cell per step."""

from __future__ import annotations

import json
from typing import Any

from . import Program


def _cell(kind: str, source: str) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def notebook(program: Program) -> str:
    peek = "df.head()" if program.language == "pandas" else "df.head().collect()"
    load = "\n".join(
        ["def load():", *[f"    {line}" for line in program.load], "", "", "df = load()"]
    )
    cells = [
        _cell("markdown", f"# Data Wrangler flow\n\n{program.title}"),
        _cell("code", "\n".join(program.imports)),
        _cell("code", f"{load}\n{peek}"),
    ]
    for title, lines in program.steps:
        cells.append(_cell("markdown", f"## {title}"))
        cells.append(_cell("code", "\n".join([*lines, peek])))
    save = (
        "df.to_parquet('output.parquet', index=False)"
        if program.language == "pandas"
        else "df.collect().write_parquet('output.parquet')"
    )
    cells.append(_cell("code", save))
    doc = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(doc, indent=1) + "\n"
