"""Space kernels through jupyter_server's own APIs: each user sees and uses only theirs.

A space's kernelspec (``smstudio-<space>``) and the kernels started from it belong
to the space: to its owner, and to its members when it is shared. jupyter_server's
kernel, kernelspec and session handlers know nothing of spaces, so the extension
registers subclasses of them on the same URLs (an extension's handlers are matched
before the server's own, whatever the Authorizer). Before jupyter_server's code
runs, ``prepare`` refuses a request naming another user's space kernel, kernelspec
or session, in its URL or its body, with the 404 jupyter_server gives for one that
does not exist; listings leave them out. In single-user mode every caller is the
owner, so nothing is checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from jupyter_core.utils import ensure_async
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.kernelspecs import handlers as kernelspec_files
from jupyter_server.services.kernels import handlers as kernels
from jupyter_server.services.kernelspecs import handlers as kernelspecs
from jupyter_server.services.sessions import handlers as sessions
from jupyter_server.utils import url_unescape
from tornado.web import HTTPError

from .contents_access import ContentsAccessGuard
from .kernelspecs import space_of

if TYPE_CHECKING:
    from ..services import Services

#: jupyter_server's handler modules that name kernels, kernelspecs or sessions.
GUARDED_MODULES: tuple[ModuleType, ...] = (kernels, kernelspecs, kernelspec_files, sessions)


@dataclass(frozen=True)
class KernelAccess:
    """The space kernelspecs one user may use: their spaces and shared ones they are in."""

    usable: frozenset[str]

    def may_use_spec(self, name: object) -> bool:
        if not isinstance(name, str) or space_of(name) is None:
            return True  # not a space's: jupyter_server's own rules apply
        return name in self.usable

    def may_use_kernel(self, kernel_manager: Any, kernel_id: object) -> bool:
        if not isinstance(kernel_id, str) or kernel_id not in kernel_manager:
            return True  # jupyter_server answers for kernels that do not exist
        return self.may_use_spec(kernel_manager.get_kernel(kernel_id).kernel_name)

    def may_see_session(self, model: Any) -> bool:
        kernel = model.get("kernel") if isinstance(model, dict) else None
        return not isinstance(kernel, dict) or self.may_use_spec(kernel.get("name"))


class _UserView:
    """A jupyter_server manager as one user sees it: its listing filtered, all else as is."""

    def __init__(self, inner: Any, access: KernelAccess) -> None:
        self._inner = inner
        self._access = access

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __contains__(self, item: object) -> bool:
        return item in self._inner

    def __len__(self) -> int:
        return len(self._inner)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._inner)


class _UserKernelSpecs(_UserView):
    async def get_all_specs(self) -> dict[str, Any]:
        specs = await ensure_async(self._inner.get_all_specs())
        return {name: spec for name, spec in specs.items() if self._access.may_use_spec(name)}


class _UserKernels(_UserView):
    async def list_kernels(self) -> list[dict[str, Any]]:
        models = await ensure_async(self._inner.list_kernels())
        return [m for m in models if self._access.may_use_spec(m.get("name"))]


class _UserSessions(_UserView):
    async def list_sessions(self) -> list[dict[str, Any]]:
        models = await ensure_async(self._inner.list_sessions())
        return [m for m in models if self._access.may_see_session(m)]


class KernelAccessGuard(JupyterHandler):
    """Mixed in front of a jupyter_server handler: refuse other users' space kernels."""

    kernel_access: KernelAccess | None = None

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()
        if self._finished or self.current_user is None:
            return  # jupyter_server refuses anonymous callers itself
        services: Services | None = self.settings.get("smstudio_services")
        if services is None or services.owners.is_single(self.identity_provider):
            return
        user = services.owners.owner(self.current_user, self.identity_provider)
        self.kernel_access = KernelAccess(await services.spaces.usable_kernel_names(user))
        await self._refuse_others(self.kernel_access)

    async def _refuse_others(self, access: KernelAccess) -> None:
        args = self.path_kwargs
        if "kernel_name" in args:
            self._check_spec(access, url_unescape(args["kernel_name"]))
        self._check_kernel(access, args.get("kernel_id"))
        if "session_id" in args:
            await self._check_session(access, session_id=args["session_id"])
        if self.request.method not in ("POST", "PATCH") or not self.request.body:
            return
        body = self.get_json_body()
        if not isinstance(body, dict):
            return  # jupyter_server refuses it
        if isinstance(self, sessions.SessionsAPIHandler):
            kernel = body.get("kernel")
            kernel = kernel if isinstance(kernel, dict) else {}
            name, kernel_id = kernel.get("name"), kernel.get("id")
            if self.request.method == "POST" and isinstance(body.get("path"), str):
                await self._check_session(access, path=body["path"])  # joins its kernel
        else:
            name, kernel_id = body.get("name"), body.get("kernel_id")
        self._check_spec(access, name)
        self._check_kernel(access, kernel_id)

    @staticmethod
    def _check_spec(access: KernelAccess, name: object) -> None:
        if not access.may_use_spec(name):
            raise HTTPError(404, f"Kernel spec {name} not found")

    def _check_kernel(self, access: KernelAccess, kernel_id: object) -> None:
        if not access.may_use_kernel(self.settings["kernel_manager"], kernel_id):
            raise HTTPError(404, f"Kernel does not exist: {kernel_id}")

    async def _check_session(self, access: KernelAccess, **query: str) -> None:
        try:
            model = await self.settings["session_manager"].get_session(**query)
        except (HTTPError, KeyError):
            return  # no such session: jupyter_server answers
        if not access.may_see_session(model):
            found = ", ".join(f"{key}={value!r}" for key, value in query.items())
            raise HTTPError(404, f"Session not found: {found}")

    # Listings: jupyter_server's handlers read these managers; show them per user.
    @property
    def kernel_spec_manager(self) -> Any:
        inner = super().kernel_spec_manager
        return inner if self.kernel_access is None else _UserKernelSpecs(inner, self.kernel_access)

    @property
    def kernel_manager(self) -> Any:
        inner = super().kernel_manager
        return inner if self.kernel_access is None else _UserKernels(inner, self.kernel_access)

    @property
    def session_manager(self) -> Any:
        inner = super().session_manager
        return inner if self.kernel_access is None else _UserSessions(inner, self.kernel_access)


def _guarded(handler: type) -> type:
    # Sessions and kernels name a notebook path too: its folder may be another's space.
    return type(
        f"SpaceGuarded{handler.__name__}", (KernelAccessGuard, ContentsAccessGuard, handler), {}
    )


def guarded_handlers() -> list[tuple[Any, ...]]:
    """jupyter_server's kernel, kernelspec and session routes, with the guard in front."""
    return [
        (pattern, _guarded(handler), *rest)
        for module in GUARDED_MODULES
        for pattern, handler, *rest in module.default_handlers
    ]
