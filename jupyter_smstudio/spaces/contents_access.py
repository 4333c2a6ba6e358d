"""The spaces' folders in jupyter_server's file APIs: each user sees only their spaces' files.

Every space's files appear under ``<files_folder>/<space>`` (see ``files``). With several
users, one server root serves everybody, so the extension registers subclasses of
jupyter_server's contents, files, nbconvert, view, kernel and session handlers on the
same URLs (as ``kernel_access`` does): a path inside a space its caller may not use is
answered with the 404 of a file that does not exist, and the folder's listing leaves
such spaces out. In every mode a space's folder itself cannot be deleted or renamed
through the file browser: deleting the space removes it, with its files.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from jupyter_core.paths import is_hidden
from jupyter_core.utils import ensure_async
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.nbconvert import handlers as nbconvert
from jupyter_server.services.contents import handlers as contents
from jupyter_server.utils import url_unescape
from jupyter_server.view import handlers as view
from tornado.web import HTTPError, StaticFileHandler

from .files import SpaceFolders

if TYPE_CHECKING:
    from ..services import Services

#: Request body fields of jupyter_server's APIs that name a file (rename, copy, session).
BODY_PATHS = ("path", "copy_from")


class _UserContents:
    """The contents manager as one user sees it: others' spaces left out of the folder."""

    def __init__(self, inner: Any, folders: SpaceFolders, hidden: frozenset[str]) -> None:
        self._inner = inner
        self._folders = folders
        self._hidden = hidden

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def get(self, path: str, **kwargs: Any) -> dict[str, Any]:
        model: dict[str, Any] = await ensure_async(self._inner.get(path, **kwargs))
        content = model.get("content")
        if path.strip("/") == self._folders.folder and isinstance(content, list):
            model["content"] = [m for m in content if m.get("name") not in self._hidden]
        return model


class ContentsAccessGuard(JupyterHandler):
    """Mixed in front of a jupyter_server handler that names files by path."""

    hidden_spaces: frozenset[str] | None = None

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()
        if self._finished or self.current_user is None:
            return  # jupyter_server refuses anonymous callers itself
        services: Services | None = self.settings.get("smstudio_services")
        if services is None or not services.spaces.folders.folder:
            return
        folders = services.spaces.folders
        url_path = self._url_path()
        if not services.owners.is_single(self.identity_provider):
            user = services.owners.owner(self.current_user, self.identity_provider)
            _, self.hidden_spaces = await services.spaces.folder_access(user)
            for path in (url_path, *self._body_paths()):
                found = folders.space_of(path) if path is not None else None
                if found is not None and found[0] in self.hidden_spaces:
                    raise HTTPError(404, f"file or directory does not exist: {path!r}")
        if url_path is not None and isinstance(self, contents.ContentsHandler):
            await self._keep_folder_for_spaces(services, url_path)

    def _url_path(self) -> str | None:
        if "path" in self.path_kwargs:
            return url_unescape(self.path_kwargs["path"]).strip("/")
        if self.path_args:  # /files/(.*)
            return url_unescape(self.path_args[0]).strip("/")
        return None

    def _body_paths(self) -> Iterable[str]:
        if self.request.method not in ("POST", "PATCH", "PUT") or not self.request.body:
            return ()
        try:
            body = self.get_json_body()
        except HTTPError:
            return ()  # jupyter_server refuses it
        if not isinstance(body, dict):
            return ()
        return [body[key] for key in BODY_PATHS if isinstance(body.get(key), str)]

    async def _keep_folder_for_spaces(self, services: Services, path: str) -> None:
        """Only SM Studio makes and removes what is directly in the folder of the spaces:
        a space's folder goes with the space, and no other file takes a space's name."""
        folders = services.spaces.folders
        method = self.request.method
        found = folders.space_of(path)
        if method in ("DELETE", "PATCH") and (path == folders.folder or (found and not found[1])):
            what = f"space '{found[0]}'s folder" if found else "the folder of the spaces"
            raise HTTPError(
                400, f"'{path}' is {what}; delete a space in the Spaces panel to remove its files."
            )
        made = {"POST": [f"{path}/new"], "PUT": [path], "PATCH": list(self._body_paths())}
        for target in made.get(method or "", []):
            child = folders.space_of(target)
            if child is None or child[1]:
                continue  # not directly in the folder of the spaces
            if child[0] not in await services.spaces.names():
                raise HTTPError(
                    400, f"'{target}': only spaces' folders go in '{folders.folder}'; create "
                    "a space in the Spaces panel, or put files in a space's folder.",
                )  # fmt: skip

    @property
    def contents_manager(self) -> Any:
        inner = super().contents_manager
        services: Services | None = self.settings.get("smstudio_services")
        if self.hidden_spaces is None or services is None:
            return inner
        return _UserContents(inner, services.spaces.folders, self.hidden_spaces)


#: jupyter_server's handler modules that name files by path (besides kernels and sessions).
FILE_MODULES: tuple[ModuleType, ...] = (contents, nbconvert, view)


class _ThroughFolders(StaticFileHandler):
    """``/files`` of a file reached through a space's folder: jupyter_server checks hidden
    names relative to the root, which the link's target is not in; check them in the
    space's files instead (the guard has checked who may read them)."""

    spaces_dir: str = ""

    def validate_absolute_path(self, root: str, absolute_path: str) -> str | None:
        try:
            return super().validate_absolute_path(root, absolute_path)
        except ValueError:  # raised by is_hidden: the resolved path is outside the root
            path = StaticFileHandler.validate_absolute_path(self, root, absolute_path)
            if path is None or not Path(path).is_relative_to(self.spaces_dir):
                raise
            if (
                is_hidden(path, self.spaces_dir)
                and not self.settings["contents_manager"].allow_hidden
            ):
                raise HTTPError(404) from None
            return path


def _guarded(handler: type, *mixins: type) -> type:
    return type(f"SpaceFiles{handler.__name__}", (ContentsAccessGuard, *mixins, handler), {})


def guarded_file_handlers(contents_manager: Any, spaces_dir: Path) -> list[tuple[Any, ...]]:
    """jupyter_server's contents, nbconvert, view and ``/files`` routes, guarded.

    Tornado serves ``/files`` through a link only into the directories it is told
    (``allowed_symlink_directory``, where it has it): the root and the spaces' files.
    """
    routes = [
        (pattern, _guarded(handler), *rest)
        for module in FILE_MODULES
        for pattern, handler, *rest in module.default_handlers
    ]
    links = type("Links", (_ThroughFolders,), {"spaces_dir": str(spaces_dir.resolve())})
    for pattern, handler, params in contents_manager.get_extra_handlers():  # /files/(.*)
        accepts = inspect.signature(handler.initialize).parameters
        if "allowed_symlink_directory" in accepts and "path" in params:
            params = {**params, "allowed_symlink_directory": [params["path"], str(spaces_dir)]}
        mixins = (links,) if issubclass(handler, StaticFileHandler) else ()
        routes.append((pattern, _guarded(handler, *mixins), params))
    return routes
