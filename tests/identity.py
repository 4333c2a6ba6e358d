"""A several-user identity provider and a read-only authorizer for tests.

jupyter_server's default IdentityProvider knows one user per server; SM Studio
must keep users apart when a deployment (e.g. JupyterHub with shared spaces)
serves several, so tests plug in these through the same public extension points
JupyterHub uses. They are real implementations of those interfaces, not mocks.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.auth import Authorizer, IdentityProvider, User
from traitlets import Dict


class TokenUsersIdentityProvider(IdentityProvider):  # type: ignore[misc]
    users = Dict(config=True, help="username -> token")

    def get_user(self, handler: Any) -> User | None:
        header = handler.request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "token" or not token:
            return None
        for name, known in self.users.items():
            if token == known:
                handler._token_authenticated = True  # as the default provider does
                return User(username=name, name=name.title(), display_name=name.title())
        return None

    @property
    def auth_enabled(self) -> bool:
        return True


class ReadOnlyReaderAuthorizer(Authorizer):  # type: ignore[misc]
    """The user 'reader' may only read."""

    def is_authorized(self, handler: Any, user: User, action: str, resource: str) -> bool:
        return user.username != "reader" or action == "read"
