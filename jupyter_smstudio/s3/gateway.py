"""The S3 endpoint users' clients talk to: ``<server>/smstudio/s3`` (path-style).

``boto3.client("s3", endpoint_url="<server>/smstudio/s3")`` with the user's access
key. Each request is SigV4-verified (header or presigned URL), the bucket's owner
checked, then re-signed with the engine's key and streamed both ways: a request body
flows to the engine through a small bounded queue while it arrives (tornado waits on
``data_received``), and the answer flows back chunk by chunk with ``flush``, so a
large object is never held in memory. A declared body hash is checked as it streams;
the last chunk is held back until it matches, so the engine never sees a whole body
that does not (it also checks the hash we pass on). See ``service.py`` for why a
gateway and what happens to ``aws:kms``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote
from xml.sax.saxutils import escape

import httpx
from jupyter_server.utils import url_path_join
from tornado.web import HTTPError, RequestHandler, stream_request_body

from ..api.routes import ANY_BODY, Route, operation
from ..errors import SMStudioError
from .service import S3Service
from .signing import PRESIGN_PARAMS, PayloadCheck, S3Error, verify

if TYPE_CHECKING:
    from ..services import Services

log = logging.getLogger(__name__)
S3_PREFIX = "/smstudio/s3"
MAX_BODY = 5 * 1024**3  # S3's largest single PUT
_QUEUE_CHUNKS = 8  # request chunks (tornado reads 64 KiB at a time) waiting for the engine
_FLUSH_BYTES = 256 * 1024  # answer bytes buffered before waiting for the client
_DROP_REQUEST = frozenset(
    {
        *("host", "authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"),
        *("connection", "keep-alive", "transfer-encoding", "expect", "te", "upgrade"),
        *("proxy-authorization", "proxy-connection", "accept-encoding", "cookie"),
        "x-amz-expected-bucket-owner",  # checked here: the engine knows only its admin
    }
)
_DROP_RESPONSE = frozenset(("connection", "keep-alive", "transfer-encoding", "server", "date"))
_XML = '<?xml version="1.0" encoding="UTF-8"?>\n'
#: What every S3 operation shares in the OpenAPI document.
_S3_OPERATION: dict[str, Any] = {
    "tag": "S3",
    "security": ("sigv4",),
    "error_media_type": "application/xml",
}


@dataclass(frozen=True)
class S3Route(Route):
    """A route whose pattern is given as a regex (an object key spans segments)."""

    regex: str = ""

    @property
    def pattern(self) -> str:
        return self.prefix + self.regex


def _xml_error(code: str, message: str, resource: str) -> bytes:
    return (
        f"{_XML}<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        f"<Resource>{escape(resource)}</Resource></Error>"
    ).encode()


def _iso(ms: int) -> str:
    import datetime as dt

    when = dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _refuse_dots(key: str) -> None:
    """Refuse '.'/'..' key segments: the engine (or a library on the way) may resolve
    them into another bucket than the one whose owner was checked."""
    if any(part in (".", "..") for part in unquote(key).split("/")):
        raise S3Error(400, "InvalidArgument", "Object keys with '.' or '..' segments are refused.")


@stream_request_body
class S3GatewayHandler(RequestHandler):
    """Every S3 operation on one path shape; the verbs only differ in what they check."""

    owner = ""
    _raw_path = "/"  # below the endpoint's path: /bucket/key as the client encoded it
    _upstream: asyncio.Task[httpx.Response] | None = None
    _queue: asyncio.Queue[bytes | None] | None = None
    _held: bytes | None = None
    _check: PayloadCheck | None = None
    _claimed = ""  # a bucket name reserved by this request (released if it fails)
    _after: Any = None  # coroutine function (response) -> None, run after the engine answers

    @property
    def services(self) -> Services:
        return self.settings["smstudio_services"]  # type: ignore[no-any-return]

    @property
    def s3(self) -> S3Service:
        return self.services.s3

    def check_xsrf_cookie(self) -> None:
        """No cookies are involved: the signature authenticates each request."""

    def set_default_headers(self) -> None:
        self.clear_header("Content-Type")
        self.clear_header("Server")

    def compute_etag(self) -> str | None:
        return None  # the engine's ETag is the object's

    async def prepare(self) -> None:
        request = self.request
        with contextlib.suppress(AttributeError):
            request.connection.set_max_body_size(MAX_BODY)  # type: ignore[union-attr]
        method = request.method or "GET"
        base = url_path_join(self.settings.get("base_url", "/"), S3_PREFIX)
        self._raw_path = request.path[len(base) :] or "/"
        verified = await verify(
            method, request.path, request.query, request.headers.get_list,
            self.services.access_keys.lookup, resource=self._raw_path,
        )  # fmt: skip
        self.owner = verified.owner
        self._check = PayloadCheck(verified.payload)
        bucket = unquote(self.path_kwargs.get("bucket") or "")
        key = self.path_kwargs.get("key") or ""
        _refuse_dots(key)
        args = dict(parse_qsl(request.query, keep_blank_values=True))
        if not bucket:
            if method != "GET":
                raise S3Error(405, "MethodNotAllowed", "The specified method is not allowed.")
            return  # ListBuckets: answered from the owner table in get()
        # every refusal comes before a bucket name is claimed
        expected = request.headers.get("x-amz-expected-bucket-owner")
        if expected is not None and expected != self.s3.accounts(self.owner):
            raise S3Error(403, "AccessDenied", "Access Denied")  # the bucket is the caller's
        if "policy" in args and method != "GET":
            raise S3Error(501, "NotImplemented", "Bucket policies are not supported here.")
        source = request.headers.get("x-amz-copy-source")
        if source:
            source_bucket, _, source_key = unquote(source).lstrip("/").partition("/")
            _refuse_dots(source_key.partition("?")[0])
            await self.s3.check(self.owner, source_bucket)
        if not key and not args and method == "PUT":
            await self.s3.claim(self.owner, bucket)
            self._claimed = bucket
            self._after = self._created(bucket)
        else:
            await self.s3.check(self.owner, bucket)
            if not key and not args and method == "DELETE":
                self._after = self._deleted(bucket)
        self._start_upstream(method, bucket, args)

    def _start_upstream(self, method: str, bucket: str, args: dict[str, str]) -> None:
        request = self.request
        raw_path = self._raw_path
        query = "&".join(
            part for part in request.query.split("&") if part and part.split("=")[0] not in
            PRESIGN_PARAMS
        )  # fmt: skip
        headers: dict[str, str] = {}
        for name, value in request.headers.get_all():
            lower = name.lower()
            if lower in _DROP_REQUEST or (
                self.s3.strips_kms and lower.startswith("x-amz-server-side-encryption")
            ):
                continue
            headers[lower] = f"{headers[lower]},{value}" if lower in headers else value
        # the client's own (or none): never let the HTTP client ask the engine for gzip
        # that the client did not ask for and will not decode
        headers["accept-encoding"] = request.headers.get("Accept-Encoding", "identity")
        has_body = ("content-length" in headers and headers["content-length"] != "0") or (
            "chunked" in request.headers.get("Transfer-Encoding", "").lower()
        )
        content: AsyncIterator[bytes] | None = None
        if has_body:
            self._queue = asyncio.Queue(_QUEUE_CHUNKS)
            content = self._body()
        assert self._check is not None
        payload = self._check.declared
        self._upstream = asyncio.ensure_future(
            self.s3.send(method, raw_path, query, headers, content, payload)
        )

    async def _body(self) -> AsyncIterator[bytes]:
        assert self._queue is not None
        while (chunk := await self._queue.get()) is not None:
            yield chunk

    async def _put(self, item: bytes | None) -> None:
        """Queue for the engine, unless the engine already answered (then drop)."""
        assert self._queue is not None
        assert self._upstream is not None
        if not self._queue.full():  # the usual case: no task, no wait
            self._queue.put_nowait(item)
            return
        put = asyncio.ensure_future(self._queue.put(item))
        await asyncio.wait({put, self._upstream}, return_when=asyncio.FIRST_COMPLETED)
        if not put.done():
            put.cancel()

    async def data_received(self, chunk: bytes) -> None:
        if self._queue is None:
            return  # a body the operation ignores
        assert self._check is not None
        self._check.update(chunk)
        held, self._held = self._held, chunk
        if held is not None:
            await self._put(held)

    async def _answer(self) -> None:
        """End the body (checked), then relay the engine's answer as it streams."""
        assert self._upstream is not None
        if self._queue is not None:
            assert self._check is not None
            try:
                self._check.check()
            except S3Error:
                self._upstream.cancel()
                raise
            if self._held is not None:
                await self._put(self._held)
            await self._put(None)
        try:
            response = await self._upstream
        except BaseException:
            if self._claimed:
                await self.s3.release(self._claimed)
            raise
        try:
            if self._after is not None:
                await self._after(response)
            self.set_status(response.status_code, response.reason_phrase or "Unknown")
            for name, value in response.headers.multi_items():
                if name.lower() not in _DROP_RESPONSE:
                    self.add_header(name, value)
            if self.request.method != "HEAD":
                pending = 0
                async for chunk in response.aiter_raw():
                    self.write(chunk)
                    pending += len(chunk)
                    if pending >= _FLUSH_BYTES:  # bounded: at most this much is buffered
                        await self.flush()
                        pending = 0
        finally:
            await response.aclose()
        self.finish()

    def _created(self, bucket: str) -> Any:
        async def after(response: httpx.Response) -> None:
            if response.status_code >= 300:
                await self.s3.release(bucket)

        return after

    def _deleted(self, bucket: str) -> Any:
        async def after(response: httpx.Response) -> None:
            if response.status_code < 300:
                await self.s3.release(bucket)

        return after

    def on_connection_close(self) -> None:
        if self._upstream is not None and not self._upstream.done():
            self._upstream.cancel()

    async def _list_buckets(self) -> None:
        buckets = "".join(
            f"<Bucket><Name>{escape(b.name)}</Name><CreationDate>{_iso(b.created_ms)}"
            "</CreationDate></Bucket>"
            for b in await self.s3.list_buckets(self.owner)
        )
        owner = escape(self.owner)
        self.set_header("Content-Type", "application/xml")
        self.finish(
            f'{_XML}<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"<Owner><ID>{owner}</ID><DisplayName>{owner}</DisplayName></Owner>"
            f"<Buckets>{buckets}</Buckets></ListAllMyBucketsResult>"
        )

    @operation(
        "S3 (path-style): ListBuckets, GetObject, ListObjectsV2, …, signed with AWS SigV4",
        **_S3_OPERATION,
        raw_response={"description": "S3's XML or the object's bytes", "content": {"*/*": {}}},
        errors=(403, 404, 409),
        description="Errors are S3's XML `<Error><Code>…</Code></Error>`.",
    )
    async def get(self, bucket: str = "", key: str = "") -> None:
        if not bucket:
            await self._list_buckets()
        else:
            await self._answer()

    async def head(self, bucket: str = "", key: str = "") -> None:
        await self._answer()

    @operation(
        "S3: CreateBucket, PutObject, UploadPart, CopyObject, …",
        **_S3_OPERATION,
        raw_request=ANY_BODY,
        errors=(400, 403, 404, 409),
    )
    async def put(self, bucket: str = "", key: str = "") -> None:
        await self._answer()

    @operation(
        "S3: CreateMultipartUpload, CompleteMultipartUpload, DeleteObjects, …",
        **_S3_OPERATION,
        raw_request=ANY_BODY,
        errors=(400, 403, 404),
    )
    async def post(self, bucket: str = "", key: str = "") -> None:
        await self._answer()

    @operation(
        "S3: DeleteObject, DeleteBucket, AbortMultipartUpload",
        **_S3_OPERATION,
        status=204,
        errors=(403, 404, 409),
    )
    async def delete(self, bucket: str = "", key: str = "") -> None:
        await self._answer()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, S3Error):
            status, code, message = exc.status, exc.code, exc.message
        elif isinstance(exc, SMStudioError):
            status, code, message = exc.status, exc.code, exc.message
            if code == "ResourceNotFound":
                code = "NoSuchKey"
        elif isinstance(exc, HTTPError) and exc.status_code < 500:  # e.g. TRACE: 405
            status, code = (
                exc.status_code,
                "MethodNotAllowed" if exc.status_code == 405 else "InvalidRequest",
            )
            message = exc.log_message or exc.reason or "The request is not supported."
        else:
            status, code, message = 500, "InternalError", "We encountered an internal error."
        self.clear()
        self.clear_header("Content-Type")
        self.set_status(status)
        if self.request.method == "HEAD":
            self.finish()
            return
        self.set_header("Content-Type", "application/xml")
        self.finish(_xml_error(code, message, self.request.path))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, (S3Error, SMStudioError)):
            log.info("S3 %s %s refused: %s", self.request.method, self.request.path, value)
            return
        super().log_exception(typ, value, tb)


_BUCKET = r"(?P<bucket>[^/]+)"
ROUTES: list[Route] = [
    S3Route("/", S3GatewayHandler, prefix=S3_PREFIX, regex="/?"),
    S3Route("/{bucket}", S3GatewayHandler, {"bucket": "Bucket name."}, S3_PREFIX, f"/{_BUCKET}/?"),
    S3Route(
        "/{bucket}/{key}",
        S3GatewayHandler,
        {"bucket": "Bucket name.", "key": "Object key (may contain '/')."},
        S3_PREFIX,
        f"/{_BUCKET}/(?P<key>.+)",
    ),
]
