"""Who owns what: map a Jupyter identity to the owner name stored with resources.

jupyter_server's own token/password login serves one person per server and gives
every token request a fresh random "Anonymous" user, so owning resources by that
name would lose them on the next request. In that single-user case every
authenticated caller acts as the server's owner. Under JupyterHub (or any other
IdentityProvider) the user's name is stable and is the owner.
"""

from __future__ import annotations

import getpass
from typing import Any, Literal

from jupyter_server.auth.identity import IdentityProvider, PasswordIdentityProvider

UserMode = Literal["auto", "single", "multi"]


def default_owner() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "owner"


def is_single_user(provider: Any, mode: UserMode) -> bool:
    if mode != "auto":
        return mode == "single"
    return type(provider) in (IdentityProvider, PasswordIdentityProvider)


class OwnerResolver:
    def __init__(self, mode: UserMode, single_user_owner: str) -> None:
        self.mode = mode
        self.single_user_owner = single_user_owner

    def is_single(self, provider: Any) -> bool:
        return is_single_user(provider, self.mode)

    def owner(self, user: Any, provider: Any) -> str:
        if self.is_single(provider):
            return self.single_user_owner
        return str(user.username)
