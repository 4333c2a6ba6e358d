"""A space's files in the server's contents: ``<root>/<folder>/<space>``, a link to its volume.

A symbolic link rather than a contents-manager layer: everything of jupyter_server that
reads files by path (the contents API and the file browser, ``/files`` downloads,
nbconvert, the kernel manager's ``cwd_for_path``, other extensions) then sees the space's
files unchanged, whatever contents manager the admin configured, and the volume itself
stays where it was (``<data dir>/spaces/<space>/home``), so spaces created before the
folder existed keep their files. jupyter_server's file manager follows links out of the
root (its check is on the path, not the link's target), and ``paths.confine`` resolves
links, so a path through the link is accepted only for users of the space. Who may see
which folder in several-user mode is ``contents_access``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path, PurePosixPath

log = logging.getLogger(__name__)


def check_folder(value: str) -> str:
    """The folder as an API path (``"spaces"``), or a ``ValueError`` saying why not."""
    raw = value.strip()
    if not raw:
        return ""
    folder = PurePosixPath(raw)
    if folder.is_absolute() or ".." in folder.parts or str(folder) == ".":
        raise ValueError(f"'{value}' must be a folder below the server's root directory.")
    return folder.as_posix()


class SpaceFolders:
    """One link per space under ``<root>/<folder>``; an empty folder shows no spaces."""

    def __init__(self, root: Path | None, folder: str) -> None:
        self.folder = check_folder(folder)
        self.base = root / self.folder if root is not None and self.folder else None

    def api_path(self, space: str) -> str | None:
        """The space's folder in the contents API (``spaces/<space>``), if it has one."""
        return f"{self.folder}/{space}" if self.base is not None else None

    def space_of(self, api_path: str) -> tuple[str, str] | None:
        """``(space, rest)`` when ``api_path`` is in a space's folder, else None."""
        if not self.folder:
            return None
        parts = PurePosixPath(api_path.strip("/")).parts
        depth = len(PurePosixPath(self.folder).parts)
        if len(parts) <= depth or "/".join(parts[:depth]) != self.folder:
            return None
        return parts[depth], "/".join(parts[depth + 1 :])

    def link(self, space: str, files: Path) -> None:
        """Make ``<folder>/<space>`` show ``files`` (idempotent; never replaces a user's file)."""
        if self.base is None:
            return
        link = self.base / space
        try:
            if link.is_symlink():
                if Path(os.readlink(link)) == files:
                    return
                link.unlink()
            elif link.exists():
                log.warning("SM Studio: %s exists and is not space %s's folder; left as is.",
                            link, space)  # fmt: skip
                return
            self.base.mkdir(parents=True, exist_ok=True)
            link.symlink_to(files, target_is_directory=True)
        except OSError as err:  # a read-only root: spaces work, the file browser lacks them
            log.warning("SM Studio: cannot show space %s's files at %s: %s", space, link, err)

    def unlink(self, space: str) -> None:
        if self.base is not None and (self.base / space).is_symlink():
            (self.base / space).unlink()
