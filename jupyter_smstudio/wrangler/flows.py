"""``.flow`` files: read, create, write atomically with a version check, list.

A flow is a JSON file in the user's directory, indented with a stable key order
so that diffs in git are readable. Every write bumps ``version``; a write that
names an older version than the file's gets 409, so concurrent edits (two tabs,
two users of a shared directory) are detected, never silently overwritten.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import Conflict, InvalidInput, InvalidState, NotFound
from .models import FLOW_SCHEMA_VERSION, FileSource, FlowDocument, FlowSummary
from .paths import relative_to_root, resolve_user_path

SUFFIX = ".flow"
#: Directories never searched for flows.
SKIP_DIRS = {"node_modules", "__pycache__", ".git", ".venv", "venv", ".ipynb_checkpoints"}
#: Stop listing after this many files looked at (huge home directories).
MAX_SCAN = 20_000

#: Upgrades of older ``.flow`` files: from_version -> function returning the next version.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def upgrade(raw: dict[str, Any]) -> dict[str, Any]:
    version = raw.get("schema_version", 1)
    if not isinstance(version, int) or version > FLOW_SCHEMA_VERSION:
        raise InvalidState(
            f"this flow file has schema version {version}; this server reads up to "
            f"{FLOW_SCHEMA_VERSION}. Upgrade jupyter-smstudio.",
            field="schema_version",
        )
    while version < FLOW_SCHEMA_VERSION:
        raw = MIGRATIONS[version](raw)
        version = raw["schema_version"]
    return raw


def serialize(doc: FlowDocument) -> str:
    return json.dumps(doc.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


class FlowStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._locks: dict[Path, threading.Lock] = {}
        self._guard = threading.Lock()

    def path(self, name: str) -> Path:
        path = resolve_user_path(self.root, name, field="name")
        if path.suffix != SUFFIX:
            raise InvalidInput(f"name: a flow file name ends with {SUFFIX}", field="name")
        return path

    def _lock(self, path: Path) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(path, threading.Lock())

    def read(self, name: str) -> tuple[FlowDocument, int]:
        """The flow and its file's modification time (ms)."""
        path = self.path(name)
        try:
            text = path.read_text(encoding="utf-8")
            stat = path.stat()
        except FileNotFoundError:
            raise NotFound(f"No flow '{name}'.", field="name") from None
        except IsADirectoryError:
            raise InvalidInput(f"name: '{name}' is a directory", field="name") from None
        try:
            doc = FlowDocument.model_validate(upgrade(json.loads(text)))
        except (json.JSONDecodeError, ValidationError) as err:
            raise InvalidState(
                f"'{name}' is not a valid flow file: {str(err).splitlines()[0]}", field="name"
            ) from err
        return doc, stat.st_mtime_ns // 1_000_000

    def create(self, name: str, doc: FlowDocument) -> None:
        path = self.path(name)
        if not path.parent.is_dir():
            raise InvalidInput(
                f"name: no directory '{path.parent.name}' for '{name}'", field="name"
            )
        tmp = self._write_tmp(path, doc)
        try:
            os.link(tmp, path)  # atomic, and fails if the name is taken
        except FileExistsError:
            raise Conflict(f"A file named '{name}' already exists.", field="name") from None
        finally:
            tmp.unlink(missing_ok=True)

    def update(
        self, name: str, expected: int, change: Callable[[FlowDocument], FlowDocument]
    ) -> FlowDocument:
        """Apply ``change`` to the current flow if its version is ``expected``; save it."""
        path = self.path(name)
        with self._lock(path):
            current, _ = self.read(name)
            if current.version != expected:
                raise Conflict(
                    f"The flow changed since you read it (version {expected}; now "
                    f"{current.version}). Reload it and apply your change again.",
                    field="version",
                )
            new = change(current.model_copy(deep=True))
            new.version = current.version + 1
            tmp = self._write_tmp(path, new)
            tmp.replace(path)
        return new

    def delete(self, name: str) -> None:
        path = self.path(name)
        try:
            path.unlink()
        except FileNotFoundError:
            raise NotFound(f"No flow '{name}'.", field="name") from None

    @staticmethod
    def _write_tmp(path: Path, doc: FlowDocument) -> Path:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with tmp.open("w", encoding="utf-8") as f:
            f.write(serialize(doc))
            f.flush()
            os.fsync(f.fileno())
        return tmp

    def scan(self) -> Iterator[Path]:
        seen = 0
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(
                d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS
            )
            for filename in sorted(filenames):
                seen += 1
                if seen > MAX_SCAN:
                    return
                if filename.endswith(SUFFIX) and not filename.startswith("."):
                    yield Path(dirpath) / filename

    def summaries(self) -> list[FlowSummary]:
        out = []
        for path in self.scan():
            name = relative_to_root(self.root, path)
            try:
                doc, _ = self.read(name)
                stat = path.stat()
            except (InvalidState, InvalidInput, NotFound, OSError):
                continue
            source = None
            if doc.source is not None:
                source = doc.source.path if isinstance(doc.source, FileSource) else "SQL query"
            out.append(
                FlowSummary(
                    name=name,
                    source=source,
                    steps=len(doc.steps),
                    created_ms=int(getattr(stat, "st_birthtime", stat.st_ctime) * 1000),
                    modified_ms=stat.st_mtime_ns // 1_000_000,
                )
            )
        return out
