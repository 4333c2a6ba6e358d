"""The ready lifecycle scripts (the repository's ``lifecycle/``), offered as templates.

The wheel ships them as ``jupyter_smstudio/lifecycle/templates`` (pyproject's
force-include); a source checkout reads the repository's folder. Each script's type
and description come from the table of that folder's README, the one place they are
written down.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from .models import LifecycleConfigType

ROW = re.compile(r"^\|\s*`(?P<name>[\w.-]+\.sh)`\s*\|\s*(?P<type>on-create|on-start)\s*\|"
                 r"\s*(?P<description>[^|]*?)\s*\|\s*$")  # fmt: skip


class LifecycleTemplate(BaseModel):
    name: str
    type: LifecycleConfigType
    description: str
    content: str


class LifecycleTemplatePage(BaseModel):
    items: list[LifecycleTemplate]


def templates_dir() -> Path | None:
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parents[1] / "lifecycle"):
        if (candidate / "README.md").is_file():
            return candidate
    return None


def read_templates(folder: Path | None = None) -> list[LifecycleTemplate]:
    """Every script the README's table lists, in its order (blocking: run in a thread)."""
    folder = folder or templates_dir()
    if folder is None:
        return []
    found = []
    for line in (folder / "README.md").read_text().splitlines():
        row = ROW.match(line.strip())
        script = folder / row["name"] if row else None
        if row and script is not None and script.is_file():
            found.append(
                LifecycleTemplate(
                    name=row["name"].removesuffix(".sh"),
                    type=LifecycleConfigType(row["type"]),
                    description=row["description"],
                    content=script.read_text(),
                )
            )
    return found
