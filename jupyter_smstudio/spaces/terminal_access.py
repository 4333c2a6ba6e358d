"""Space terminals through jupyter_server's own terminal routes: only their space's users.

A terminal opened in a space (``POST /smstudio/api/spaces/{name}/terminals``) is a
jupyter_server terminal, listed at ``/api/terminals`` and attached at
``/terminals/websocket/<name>``. Those routes belong to jupyter_server_terminals, which
knows nothing of spaces, and an extension loaded before ours matches first; so the
classes of its three routes are swapped for subclasses with a guard in front (as
``kernel_access`` does for kernels): in multi-user mode another user's space terminal
answers the 404 of one that does not exist, and listings leave it out. Terminals opened
outside spaces keep jupyter_server's own rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jupyter_server.base.handlers import JupyterHandler
from tornado.web import HTTPError

if TYPE_CHECKING:
    from ..services import Services


class _UserTerminals:
    """The terminal manager as one user sees it: others' space terminals left out."""

    def __init__(self, inner: Any, hidden: frozenset[str]) -> None:
        self._inner = inner
        self._hidden = hidden

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def list(self) -> list[dict[str, Any]]:
        return [m for m in self._inner.list() if m.get("name") not in self._hidden]


class TerminalAccessGuard(JupyterHandler):
    """Mixed in front of a jupyter_server_terminals handler."""

    hidden_terminals: frozenset[str] = frozenset()

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()
        if self._finished or self.current_user is None:
            return  # jupyter_server refuses anonymous callers itself
        services: Services | None = self.settings.get("smstudio_services")
        if services is None or services.owners.is_single(self.identity_provider):
            return
        user = services.owners.owner(self.current_user, self.identity_provider)
        self.hidden_terminals = await services.spaces.terminals_hidden_from(user)
        if self.path_args and self.path_args[0] in self.hidden_terminals:
            raise HTTPError(404, f"Terminal not found: {self.path_args[0]}")

    @property
    def terminal_manager(self) -> Any:
        inner = getattr(super(), "terminal_manager")  # noqa: B009 (the mixin's, after us)
        return _UserTerminals(inner, self.hidden_terminals) if self.hidden_terminals else inner


def guard_terminal_routes(web_app: Any) -> int:
    """Swap jupyter_server_terminals' handler classes for guarded ones; how many."""
    try:
        from jupyter_server_terminals import api_handlers, handlers
    except ImportError:  # terminals not installed: nothing to guard
        return 0
    originals = (api_handlers.TerminalRootHandler, api_handlers.TerminalHandler,
                 handlers.TermSocket)  # fmt: skip
    swapped = 0
    for host_rule in web_app.default_router.rules:
        for rule in getattr(host_rule.target, "rules", []):
            target = rule.target
            if isinstance(target, type) and target in originals:
                rule.target = type(f"SpaceGuarded{target.__name__}",
                                   (TerminalAccessGuard, target), {})  # fmt: skip
                swapped += 1
    return swapped
