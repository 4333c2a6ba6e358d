"""``/smstudio/mlflow/``: MLflow's REST API and UI through Jupyter's authentication.

A streaming reverse proxy on tornado's own HTTP client rather than
jupyter-server-proxy: the embedded MLflow listens on a Unix socket (see
``tracking``), each user of a multi-user server has their own, the caller must pass
SM Studio's authorizer like every other route, and answers (artifact downloads) are
passed on chunk by chunk without buffering. Request bodies are buffered by tornado
(up to the server's ``max_body_size``).

Jobs hold no Jupyter token: they authenticate with their owner's access key as HTTP
Basic credentials (``MLFLOW_TRACKING_USERNAME``/``PASSWORD``), checked against the
same keys SigV4 uses.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any

from jupyter_server.auth.identity import User
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.httputil import HTTPHeaders, parse_response_start_line, url_concat
from tornado.web import HTTPError

from ..api.base import ActsAsOwner, JsonErrors, authorize
from .tracking import Backend, MlflowError

PREFIX = "/smstudio/mlflow"
#: Headers that belong to one hop, or to the Jupyter side (credentials): not forwarded.
_REQUEST_DROP = frozenset(
    {"host", "authorization", "cookie", "content-length", "connection", "keep-alive",
     "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "accept-encoding",
     "x-xsrftoken", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto"}
)  # fmt: skip
_RESPONSE_DROP = frozenset(
    {"content-length", "connection", "keep-alive", "transfer-encoding", "trailer", "upgrade",
     "server", "date"}
)  # fmt: skip
#: Query parameters Jupyter reads itself (``?token=`` logins): not MLflow's to see.
_QUERY_DROP = frozenset({"token", "_xsrf"})


class MlflowProxyHandler(JsonErrors, ActsAsOwner, ExtensionHandlerMixin, JupyterHandler):
    """Forwards ``/smstudio/mlflow/<path>`` to the caller's MLflow (``username``'s), streaming."""

    auth_resource = "smstudio"
    SUPPORTED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
    _key_owner: str | None = None

    @property
    def username(self) -> str:
        return self._key_owner or super().username

    def _basic_credentials(self) -> tuple[str, str] | None:
        scheme, _, value = self.request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            key_id, sep, secret = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise HTTPError(403, "Malformed Basic credentials.") from None
        if not sep:
            raise HTTPError(403, "Malformed Basic credentials.")
        return key_id, secret

    async def _authenticate_key(self, key_id: str, secret: str) -> None:
        """Act as the key's owner, or refuse (never fall back to cookies: no browser
        sends Basic credentials here unasked, as the proxy never asks for them)."""
        if not self.check_host():
            raise HTTPError(403, "Host not allowed.")
        found = await self.services.access_keys.lookup(key_id)
        if found is None or not hmac.compare_digest(found[1].encode(), secret.encode()):
            raise HTTPError(403, "The access key or its secret is not valid.")
        self._key_owner = found[0]
        self.current_user = User(username=found[0])

    async def prepare(self) -> None:  # type: ignore[override]
        credentials = self._basic_credentials()
        if credentials is not None:
            await self._authenticate_key(*credentials)
            return
        # A browser opening the UI goes to the login page; API clients get a 403.
        browsing = self.request.method == "GET" and "text/html" in self.request.headers.get(
            "Accept", ""
        )
        await super().prepare(_redirect_to_login=browsing)
        if self._finished:
            return
        if self.current_user is None and browsing:  # even where anonymous access is allowed
            self.redirect(url_concat(self.get_login_url(), {"next": self.request.uri}))
            return
        await authorize(self, self.auth_resource)

    def check_xsrf_cookie(self) -> None:
        """The MLflow UI sends no Jupyter XSRF token: accept a browser's same-origin call.

        Token-authenticated calls (the MLflow client, kernels) pass as everywhere in
        Jupyter; a cookie-authenticated change must come from a page of this server
        (its ``Origin`` header, which browsers always send on such requests).
        """
        try:
            super().check_xsrf_cookie()
        except HTTPError:
            if not self.request.headers.get("Origin") or not self.check_origin():
                raise

    async def get(self, path: str) -> None:
        await self._forward(path)

    async def head(self, path: str) -> None:
        await self._forward(path)

    async def post(self, path: str) -> None:
        await self._forward(path)

    async def put(self, path: str) -> None:
        await self._forward(path)

    async def patch(self, path: str) -> None:
        await self._forward(path)

    async def delete(self, path: str) -> None:
        await self._forward(path)

    async def options(self, path: str) -> None:
        await self._forward(path)

    async def _forward(self, path: str) -> None:
        servers = self.services.experiments.servers
        try:
            await self._forward_to(await servers.backend(self.username), path)
        except OSError as err:  # not connected: nothing was sent back yet
            if not await servers.recover(self.username):
                raise MlflowError(f"MLflow is not answering: {err}") from err
            await self._forward_to(await servers.backend(self.username), path)  # restarted
        self.finish()

    async def _forward_to(self, backend: Backend, path: str) -> None:
        query = {
            k: [v.decode("utf-8", "replace") for v in values]
            for k, values in self.request.query_arguments.items()
            if k not in _QUERY_DROP
        }
        headers = HTTPHeaders()
        for name, value in self.request.headers.get_all():
            if name.lower() not in _REQUEST_DROP:
                headers.add(name, value)
        method = self.request.method or "GET"
        body = (
            self.request.body if self.request.body or method in ("POST", "PUT", "PATCH") else None
        )
        request = HTTPRequest(
            backend.url(path, query or None),
            method=method,
            headers=headers,
            body=body,
            allow_nonstandard_methods=True,
            follow_redirects=False,
            decompress_response=False,
            header_callback=self._upstream_header,
            streaming_callback=self._upstream_chunk,
            connect_timeout=10,
            request_timeout=3600,
        )
        try:
            await backend.client.fetch(request, raise_error=False)
        except HTTPClientError as err:  # a timeout
            raise MlflowError(f"MLflow is not answering: {err}") from err
        except OSError:
            if self._headers_written:  # it died mid-answer: nothing more to say
                raise MlflowError("MLflow stopped answering.") from None
            raise

    def _upstream_header(self, line: str) -> None:
        line = line.rstrip("\r\n")
        if line.startswith("HTTP/"):
            start = parse_response_start_line(line)
            self.clear()  # tornado's defaults (Content-Type: text/html) are not MLflow's
            self.clear_header("Content-Type")
            self.set_status(start.code, start.reason)
        elif line and ":" in line:
            name, _, value = line.partition(":")
            if name.strip().lower() not in _RESPONSE_DROP:
                self.add_header(name.strip(), self._local(name, value.strip()))

    def _local(self, name: str, value: str) -> str:
        """A redirect to an absolute path of MLflow's stays under the proxy."""
        if name.strip().lower() == "location" and value.startswith("/"):
            return self.base_url.rstrip("/") + PREFIX + value
        return value

    def _upstream_chunk(self, chunk: bytes) -> None:
        self.write(chunk)
        self.flush()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if self._headers_written:  # mid-stream: nothing more to say
            return
        super().write_error(status_code, **kwargs)


ROUTES = [(PREFIX + "/(.*)", MlflowProxyHandler)]
