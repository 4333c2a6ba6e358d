"""Call the SM Studio API from a notebook, a magic or a script.

``Client()`` finds the server it runs under: the server exports
``SMSTUDIO_SERVER_URL`` and ``SMSTUDIO_TOKEN`` to the kernels it starts; under
JupyterHub the hub's ``JUPYTERHUB_API_TOKEN`` authenticates instead; outside a
kernel, the newest running server of this user (``jupyter server list``) is used.
Errors arrive as :class:`ApiError` with the server's code, message and field.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

import requests

from .app import ENV_TOKEN, ENV_URL

API_PATH = "smstudio/api/"
DEFAULT_TIMEOUT = 30.0


class ApiError(Exception):
    """An error reply from the SM Studio API."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(f"{code}: {message}" + (f" (field: {field})" if field else ""))
        self.status = status
        self.code = code
        self.message = message
        self.field = field


class ServerNotFound(RuntimeError):
    """No running Jupyter server to talk to."""


def _discover() -> tuple[str, str]:
    url = os.environ.get(ENV_URL)
    if url:
        return url, os.environ.get(ENV_TOKEN) or os.environ.get("JUPYTERHUB_API_TOKEN", "")
    from jupyter_server.serverapp import list_running_servers

    servers = sorted(list_running_servers(), key=lambda s: s.get("pid", 0), reverse=True)
    if not servers:
        raise ServerNotFound(
            "No running Jupyter server found. Start JupyterLab, or pass base_url and token."
        )
    return servers[0]["url"], servers[0].get("token", "")


class Client:
    """A thin, typed-by-convention HTTP client for ``/smstudio/api``."""

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
    ) -> None:
        if base_url is None:
            base_url, found_token = _discover()
            token = found_token if token is None else token
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.session = session or requests.Session()
        if token:
            self.session.headers["Authorization"] = f"token {token}"

    def url(self, *parts: str) -> str:
        return self.base_url + API_PATH + "/".join(quote(p, safe="") for p in parts)

    def request(
        self,
        method: str,
        *parts: str,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """Send one request; return the decoded JSON body (None for 204)."""
        response = self.session.request(
            method, self.url(*parts), json=json, params=params, timeout=self.timeout
        )
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
                raise ApiError(
                    response.status_code, error["code"], error["message"], error.get("field")
                )
            except (ValueError, KeyError, TypeError):
                raise ApiError(
                    response.status_code, "HTTPError", response.text[:500] or response.reason
                ) from None
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def paginate(self, *parts: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a list endpoint, following next_token."""
        items: list[dict[str, Any]] = []
        query = {k: v for k, v in params.items() if v is not None}
        while True:
            page = self.request("GET", *parts, params=query)
            items.extend(page["items"])
            if not page.get("next_token"):
                return items
            query["next_token"] = page["next_token"]

    # ---- server ---------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        return self.request("GET", "status")  # type: ignore[no-any-return]

    # ---- lifecycle configurations --------------------------------------------
    def create_lifecycle_config(
        self, name: str, content: str, type: str = "on-start", description: str = ""
    ) -> dict[str, Any]:
        body = {"name": name, "type": type, "content": content, "description": description}
        return self.request("POST", "lifecycle-configs", json=body)  # type: ignore[no-any-return]

    def lifecycle_config(self, name: str) -> dict[str, Any]:
        return self.request("GET", "lifecycle-configs", name)  # type: ignore[no-any-return]

    def lifecycle_configs(self, **filters: Any) -> list[dict[str, Any]]:
        return self.paginate("lifecycle-configs", **filters)

    def delete_lifecycle_config(self, name: str) -> None:
        self.request("DELETE", "lifecycle-configs", name)

    # ---- spaces -----------------------------------------------------------------
    def create_space(self, name: str, **fields: Any) -> dict[str, Any]:
        """Create (and by default start) a space; fields as in ``POST /spaces``."""
        return self.request("POST", "spaces", json={"name": name, **fields})  # type: ignore[no-any-return]

    def space(self, name: str) -> dict[str, Any]:
        return self.request("GET", "spaces", name)  # type: ignore[no-any-return]

    def spaces(self, **filters: Any) -> list[dict[str, Any]]:
        return self.paginate("spaces", **filters)

    def start_space(self, name: str) -> dict[str, Any]:
        return self.request("POST", "spaces", name, "start")  # type: ignore[no-any-return]

    def stop_space(self, name: str) -> dict[str, Any]:
        return self.request("POST", "spaces", name, "stop")  # type: ignore[no-any-return]

    def update_space(self, name: str, **changes: Any) -> dict[str, Any]:
        """Change a space; ``profile=`` restarts its kernels on the new compute."""
        return self.request("PATCH", "spaces", name, json=changes)  # type: ignore[no-any-return]

    def delete_space(self, name: str) -> None:
        self.request("DELETE", "spaces", name)

    def compute_profiles(self) -> dict[str, Any]:
        return self.request("GET", "compute-profiles")  # type: ignore[no-any-return]

    # ---- idle shutdown -----------------------------------------------------------
    def idle(self) -> dict[str, Any]:
        """Idle seconds, current activity and pending shutdowns (not counted as activity)."""
        return self.request("GET", "idle", params={"no_track_activity": "1"})  # type: ignore[no-any-return]

    def keep_alive(
        self, *, space: str | None = None, kernel_id: str | None = None, minutes: float = 0
    ) -> dict[str, Any]:
        """Keep a space, a kernel or (neither given) the server running for ``minutes``."""
        body: dict[str, Any] = {"minutes": minutes}
        if space:
            body["space"] = space
        if kernel_id:
            body["kernel_id"] = kernel_id
        return self.request("POST", "idle", "keep-alive", json=body)  # type: ignore[no-any-return]
