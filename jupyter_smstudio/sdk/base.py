"""What every SDK object shares: a client to the server, found when first needed."""

from __future__ import annotations

from ..client import Client


class UsesClient:
    """Objects built in a notebook find their server lazily (see ``Client()``)."""

    _client: Client | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            self._client = Client()
        return self._client
