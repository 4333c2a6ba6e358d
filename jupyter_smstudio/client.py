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

from .kernelenv import ENV_TOKEN, ENV_URL

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

    # ---- training jobs ----------------------------------------------------------
    def create_training_job(self, spec: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", "training-jobs", json=spec)  # type: ignore[no-any-return]

    def training_job(self, name: str) -> dict[str, Any]:
        return self.request("GET", "training-jobs", name)  # type: ignore[no-any-return]

    def training_jobs(self, **filters: Any) -> list[dict[str, Any]]:
        return self.paginate("training-jobs", **filters)

    def stop_training_job(self, name: str) -> dict[str, Any]:
        return self.request("POST", "training-jobs", name, "stop")  # type: ignore[no-any-return]

    def training_job_logs(self, name: str, cursor: int = 0) -> dict[str, Any]:
        """``{"text", "next_cursor", "size", "finished"}``: pass next_cursor back to follow."""
        params = {"cursor": cursor}
        return self.request("GET", "training-jobs", name, "logs", params=params)  # type: ignore[no-any-return]

    def training_job_metrics(self, name: str, since_ms: int = 0) -> dict[str, list[Any]]:
        """Metric name -> [(timestamp_ms, value), ...]."""
        reply = self.request("GET", "training-jobs", name, "metrics", params={"since_ms": since_ms})
        return {
            s["name"]: [(p["timestamp_ms"], p["value"]) for p in s["points"]]
            for s in reply["metrics"]
        }

    def download_training_artifact(self, name: str, artifact: str, path: str) -> str:
        """Save ``model.tar.gz`` or ``output.tar.gz`` of a job to ``path``."""
        url = self.url("training-jobs", name, "artifacts", artifact)
        with self.session.get(url, stream=True, timeout=self.timeout) as response:
            if response.status_code >= 400:
                self.request("GET", "training-jobs", name, "artifacts", artifact)  # raises
            with open(path, "wb") as f:
                for chunk in response.iter_content(1 << 20):
                    f.write(chunk)
        return path

    # ---- hyperparameter tuning jobs ---------------------------------------------------
    def create_tuning_job(self, spec: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", "tuning-jobs", json=spec)  # type: ignore[no-any-return]

    def tuning_job(self, name: str) -> dict[str, Any]:
        return self.request("GET", "tuning-jobs", name)  # type: ignore[no-any-return]

    def tuning_jobs(self, **filters: Any) -> list[dict[str, Any]]:
        return self.paginate("tuning-jobs", **filters)

    def stop_tuning_job(self, name: str) -> dict[str, Any]:
        return self.request("POST", "tuning-jobs", name, "stop")  # type: ignore[no-any-return]

    def tuning_job_training_jobs(self, name: str, **filters: Any) -> list[dict[str, Any]]:
        """The tuning job's trials (``sort_by``: name, created, status, objective)."""
        return self.paginate("tuning-jobs", name, "training-jobs", **filters)

    # ---- processing jobs ----------------------------------------------------------
    def create_processing_job(self, spec: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", "processing-jobs", json=spec)  # type: ignore[no-any-return]

    def processing_job(self, name: str) -> dict[str, Any]:
        return self.request("GET", "processing-jobs", name)  # type: ignore[no-any-return]

    def processing_jobs(self, **filters: Any) -> list[dict[str, Any]]:
        return self.paginate("processing-jobs", **filters)

    def stop_processing_job(self, name: str) -> dict[str, Any]:
        return self.request("POST", "processing-jobs", name, "stop")  # type: ignore[no-any-return]

    def processing_job_logs(self, name: str, cursor: int = 0) -> dict[str, Any]:
        """``{"text", "next_cursor", "size", "finished"}``: pass next_cursor back to follow."""
        params = {"cursor": cursor}
        return self.request("GET", "processing-jobs", name, "logs", params=params)  # type: ignore[no-any-return]

    def create_flow_processing_job(self, flow: str, **fields: Any) -> dict[str, Any]:
        """Run a Data Wrangler flow on its full data as a processing job.

        ``flow`` is the .flow file's path in your directory; fields as in
        ``POST /wrangler/flows/{name}/processing-jobs`` (``job_name``, ``output_path``,
        ``output_format`` parquet/csv, ``instance_type``, ``backend``, ``image``).
        """
        body = {k: v for k, v in fields.items() if v is not None}
        return self.request("POST", "wrangler", "flows", flow, "processing-jobs", json=body)  # type: ignore[no-any-return]

    # ---- models, endpoints, access keys, batch transform ------------------------
    def create_model(self, name: str, model_data: str, **fields: Any) -> dict[str, Any]:
        body = {"name": name, "model_data": model_data, **fields}
        return self.request("POST", "models", json=body)  # type: ignore[no-any-return]

    def model(self, name: str) -> dict[str, Any]:
        return self.request("GET", "models", name)  # type: ignore[no-any-return]

    def delete_model(self, name: str) -> None:
        self.request("DELETE", "models", name)

    def create_endpoint_config(
        self, name: str, variants: list[dict[str, Any]], data_capture: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        body = {"name": name, "variants": variants, "data_capture": data_capture}
        return self.request("POST", "endpoint-configs", json=body)  # type: ignore[no-any-return]

    def create_endpoint(self, name: str, **fields: Any) -> dict[str, Any]:
        """``endpoint_config_name=...`` or ``variants=[...]`` (+ ``data_capture``)."""
        return self.request("POST", "endpoints", json={"name": name, **fields})  # type: ignore[no-any-return]

    def endpoint(self, name: str) -> dict[str, Any]:
        return self.request("GET", "endpoints", name)  # type: ignore[no-any-return]

    def endpoints(self, **filters: Any) -> list[dict[str, Any]]:
        return self.paginate("endpoints", **filters)

    def update_endpoint(self, name: str, **fields: Any) -> dict[str, Any]:
        return self.request("PUT", "endpoints", name, json=fields)  # type: ignore[no-any-return]

    def delete_endpoint(self, name: str) -> None:
        self.request("DELETE", "endpoints", name)

    def endpoint_logs(self, name: str, cursor: int = 0, **query: Any) -> dict[str, Any]:
        params = {"cursor": cursor, **{k: v for k, v in query.items() if v is not None}}
        return self.request("GET", "endpoints", name, "logs", params=params)  # type: ignore[no-any-return]

    def invoke_endpoint(
        self,
        name: str,
        body: bytes | str,
        content_type: str,
        accept: str | None = None,
        **headers: str,
    ) -> requests.Response:
        """Raw invocation; raises ApiError for error replies."""
        sent = {"Content-Type": content_type, **headers}
        if accept:
            sent["Accept"] = accept
        data = body.encode() if isinstance(body, str) else body
        response = self.session.post(
            self.url("endpoints", name, "invocations"),
            data=data,
            headers=sent,
            timeout=self.timeout,
        )
        if response.status_code >= 400:
            error = response.json().get("error", {})
            raise ApiError(
                response.status_code,
                error.get("code", "HTTPError"),
                error.get("message", response.text[:500]),
                error.get("field"),
            )
        return response

    def create_access_key(self, description: str = "") -> dict[str, Any]:
        body = {"description": description}
        return self.request("POST", "access-keys", json=body)  # type: ignore[no-any-return]

    def access_keys(self) -> list[dict[str, Any]]:
        return self.request("GET", "access-keys")["items"]  # type: ignore[no-any-return]

    def delete_access_key(self, access_key_id: str) -> None:
        self.request("DELETE", "access-keys", access_key_id)

    def create_transform_job(self, name: str, **fields: Any) -> dict[str, Any]:
        body = {"name": name, **fields}
        return self.request("POST", "transform-jobs", json=body)  # type: ignore[no-any-return]

    def transform_job(self, name: str) -> dict[str, Any]:
        return self.request("GET", "transform-jobs", name)  # type: ignore[no-any-return]

    def transform_jobs(self, **filters: Any) -> list[dict[str, Any]]:
        return self.paginate("transform-jobs", **filters)

    def stop_transform_job(self, name: str) -> dict[str, Any]:
        return self.request("POST", "transform-jobs", name, "stop")  # type: ignore[no-any-return]

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
