"""What every SDK object shares: a client to the server, found when first needed, and
paths meant as in ``open()``."""

from __future__ import annotations

import os
from typing import overload

from ..client import Client
from ..kernelenv import server_path


@overload
def local_path(path: str) -> str: ...
@overload
def local_path(path: None) -> None: ...
def local_path(path: str | None) -> str | None:
    """A path as the caller means it: relative to the current directory (the notebook's).

    Sent absolute, so the server (whose own relative paths start at its root directory)
    finds the same file for training and deploying; URLs are left as they are.
    """
    if path is None or "://" in path:
        return path
    return server_path(os.path.abspath(os.path.expanduser(path)))


class UsesClient:
    """Objects built in a notebook find their server lazily (see ``Client()``)."""

    _client: Client | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            self._client = Client()
        return self._client
