"""Who may use a resource: its owner, and the members of a shared one.

One rule for every area whose resources can be shared (spaces, Data Wrangler
flows), so they cannot drift apart. Callers answer 404 to anyone else, so names
of other users' private resources do not leak.
"""

from __future__ import annotations

from enum import Enum
from typing import Protocol


class Sharing(str, Enum):
    PRIVATE = "private"
    SHARED = "shared"


class Shareable(Protocol):
    @property
    def owner(self) -> str: ...

    @property
    def sharing(self) -> Sharing: ...

    @property
    def members(self) -> list[str]: ...


def can_use(resource: Shareable, user: str) -> bool:
    return resource.owner == user or (
        resource.sharing == Sharing.SHARED and user in resource.members
    )
