"""Users' buckets: who owns which name, and the engine requests made on their behalf.

Why a gateway rather than the engine's own identities: every request reaches the
engine through this server, signed with the engine's admin key, after we verified
the user's own SigV4 signature (the access keys ``aws/keys.py`` manages) and that
the user owns the bucket. So one rule (the ``s3_buckets`` owner table) holds for the
embedded SeaweedFS and for any external S3 alike (an AWS S3 account cannot take our
users' keys), keys created or deleted in the Lab take effect at once with no engine
configuration to keep in sync, no user secret is ever handed to the engine, and the
SDK's ``ServerSideEncryption: aws:kms`` (which SeaweedFS refuses without a KMS) is
answered here: for the embedded engine the header is dropped, since a KMS would only
re-wrap data that already sits in the server's private data dir; an external S3 gets
it unchanged and applies its own KMS.

Bucket names are global, as in S3: CreateBucket of another user's name answers
BucketAlreadyExists, and ListBuckets lists only the caller's rows. The SDK's default
bucket ``sagemaker-<region>-<account>`` is per user because the account id is per
user (:func:`account_id`); that name pattern is reserved to its account.
"""

from __future__ import annotations

import asyncio
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote, urlencode

import httpx

from ..errors import AccessDenied, Conflict, InvalidInput, NotFound, UpstreamFailed
from ..naming import account_id
from .config import S3Storage
from .engine import Endpoint, Engine
from .repository import Bucket, BucketRepository
from .signing import EMPTY_SHA256, UNSIGNED, sign

CHUNK = 1 << 20
_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
_BUCKET_NAME = re.compile(
    r"^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
)
_DEFAULT_BUCKET = re.compile(r"^sagemaker-[a-z0-9-]+-(?P<account>\d{12})$")


class BucketAlreadyExists(Conflict):
    code = "BucketAlreadyExists"


class BucketAlreadyOwnedByYou(Conflict):
    code = "BucketAlreadyOwnedByYou"


class NoSuchBucket(NotFound):
    code = "NoSuchBucket"


class InvalidBucketName(InvalidInput):
    code = "InvalidBucketName"


def default_bucket(owner: str, region: str, accounts: Callable[[str], str] = account_id) -> str:
    """What ``sagemaker.Session().default_bucket()`` names this user's bucket."""
    return f"sagemaker-{region}-{accounts(owner)}"


def parse_uri(uri: str, field: str = "s3_uri") -> tuple[str, str]:
    """(bucket, key or prefix) of ``s3://bucket/key``."""
    if not uri.startswith("s3://"):
        raise InvalidInput(f"'{uri}' is not an s3:// URI.", field=field)
    bucket, _, key = uri[5:].partition("/")
    if not _BUCKET_NAME.match(bucket):
        raise InvalidBucketName(f"'{bucket}' is not a valid bucket name.", field=field)
    return bucket, key


def object_path(bucket: str, key: str = "") -> str:
    """The raw path-style URL path of a bucket or object, as clients encode it."""
    return f"/{bucket}" + (f"/{quote(key, safe='/~')}" if key else "")


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    modified: str
    etag: str


class S3Service:
    """Bucket ownership and signed requests to the engine, for the gateway and jobs."""

    def __init__(
        self,
        engine: Engine,
        buckets: BucketRepository,
        settings: S3Storage,
        accounts: Callable[[str], str] = account_id,
    ) -> None:
        self.engine = engine
        self.buckets = buckets
        self.region = settings.region
        #: owner -> account id: the AWS API's (one per user unless the admin set one)
        self.accounts = accounts
        self._client: httpx.AsyncClient | None = None

    @property
    def strips_kms(self) -> bool:
        """Drop ``x-amz-server-side-encryption*`` (the embedded engine has no KMS)."""
        return self.engine.embedded

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        await self.engine.stop()

    # ownership

    async def check(self, owner: str, bucket: str) -> Bucket:
        """The caller's bucket (their default one is created on first use); NoSuchBucket
        if nobody has it, AccessDenied if another user does."""
        found = await self.buckets.get(bucket)
        reserved = _DEFAULT_BUCKET.match(bucket)
        if found is None and reserved and reserved["account"] == self.accounts(owner):
            # the SDK's bucket, on first use (named for the AWS API's region, which may
            # not be the one S3 signs for)
            await self.create_bucket(owner, bucket)
            found = await self.buckets.get(bucket)
        if found is None:
            raise NoSuchBucket("The specified bucket does not exist", field="bucket")
        if found.owner != owner:
            raise AccessDenied("Access Denied", field="bucket")
        return found

    async def claim(self, owner: str, bucket: str) -> Bucket:
        """Reserve a bucket name for ``owner`` (before the engine creates it)."""
        if not _BUCKET_NAME.match(bucket):
            raise InvalidBucketName("The specified bucket is not valid.", field="bucket")
        reserved = _DEFAULT_BUCKET.match(bucket)
        if reserved and reserved["account"] != self.accounts(owner):
            raise BucketAlreadyExists("The requested bucket name is not available.", field="bucket")
        claimed = await self.buckets.claim(bucket, owner)
        if claimed is not None:
            return claimed
        found = await self.buckets.get(bucket)
        if found is not None and found.owner == owner:
            raise BucketAlreadyOwnedByYou(
                "Your previous request to create the named bucket succeeded and you "
                "already own it.",
                field="bucket",
            )
        raise BucketAlreadyExists("The requested bucket name is not available.", field="bucket")

    async def release(self, bucket: str) -> None:
        await self.buckets.release(bucket)

    async def list_buckets(self, owner: str) -> list[Bucket]:
        return await self.buckets.of_owner(owner)

    # the engine

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(None, connect=10),
                limits=httpx.Limits(max_connections=256, max_keepalive_connections=64),
            )
        return self._client

    async def send(
        self,
        method: str,
        raw_path: str,
        query: str = "",
        headers: dict[str, str] | None = None,
        content: AsyncIterator[bytes] | bytes | None = None,
        payload: str | None = None,
    ) -> httpx.Response:
        """A request signed with the engine's key; the answer is streamed (close it)."""
        endpoint: Endpoint = await self.engine.endpoint()
        url = httpx.URL(endpoint.url + raw_path + (f"?{query}" if query else ""))
        path, _, sent_query = url.raw_path.decode().partition("?")
        signed = sign(
            method,
            path,
            sent_query,
            # identity unless asked: bodies are relayed and stored as the engine sends them
            {"accept-encoding": "identity", **(headers or {}), "host": url.netloc.decode()},
            payload or (EMPTY_SHA256 if content is None else UNSIGNED),
            endpoint.credentials,
            endpoint.region,
        )
        client = self._http()
        try:
            return await client.send(
                client.build_request(method, url, headers=signed, content=content), stream=True
            )
        except httpx.HTTPError as err:
            raise UpstreamFailed(f"The S3 engine did not answer: {err}") from err

    async def _call(self, method: str, raw_path: str, query: str = "", **kw: object) -> bytes:
        response = await self.send(method, raw_path, query, **kw)  # type: ignore[arg-type]
        try:
            body = await response.aread()
        finally:
            await response.aclose()
        if response.status_code >= 300:
            code = _error_code(body)
            if code == "NoSuchKey":
                raise NotFound(f"No object {raw_path}.", field="s3_uri")
            raise UpstreamFailed(f"S3 {method} {raw_path}: {response.status_code} {code}")
        return body

    async def create_bucket(self, owner: str, bucket: str) -> None:
        """Create a bucket for ``owner`` (already theirs: nothing to do)."""
        try:
            await self.claim(owner, bucket)
        except BucketAlreadyOwnedByYou:
            return
        try:
            await self._call("PUT", object_path(bucket))
        except BaseException:
            await self.release(bucket)
            raise

    async def ensure_default_bucket(self, owner: str) -> str:
        """The user's ``sagemaker-<region>-<account>`` bucket, created on first use."""
        name = default_bucket(owner, self.region, self.accounts)
        await self.create_bucket(owner, name)
        return name

    # the store API jobs use

    async def list_objects(
        self, owner: str, bucket: str, prefix: str = "", delimiter: str = ""
    ) -> tuple[list[ObjectInfo], list[str]]:
        """Every object under ``prefix`` (and common prefixes, with a delimiter)."""
        await self.check(owner, bucket)
        objects: list[ObjectInfo] = []
        prefixes: list[str] = []
        token = ""
        while True:
            args = {"list-type": "2", "prefix": prefix}
            if delimiter:
                args["delimiter"] = delimiter
            if token:
                args["continuation-token"] = token
            listing = await self._call("GET", object_path(bucket), urlencode(args, quote_via=quote))
            root = ET.fromstring(listing)  # noqa: S314 - our own engine's answer
            for item in root.iter(f"{_NS}Contents"):
                objects.append(
                    ObjectInfo(
                        key=item.findtext(f"{_NS}Key", ""),
                        size=int(item.findtext(f"{_NS}Size", "0")),
                        modified=item.findtext(f"{_NS}LastModified", ""),
                        etag=item.findtext(f"{_NS}ETag", "").strip('"'),
                    )
                )
            prefixes += [p.findtext(f"{_NS}Prefix", "") for p in root.iter(f"{_NS}CommonPrefixes")]
            token = root.findtext(f"{_NS}NextContinuationToken", "")
            if root.findtext(f"{_NS}IsTruncated", "false") != "true" or not token:
                return objects, prefixes

    async def download_prefix(
        self, owner: str, s3_uri: str, dest_dir: Path, shard: tuple[int, int] | None = None
    ) -> list[Path]:
        """Copy every object under an ``s3://`` prefix into ``dest_dir`` (S3Prefix
        semantics, as a File-mode channel): the key below the prefix is the file path;
        an exact object key lands under its own name. ``shard`` = (index, count): only
        the objects index, index + count, ... in key order (ShardedByS3Key)."""
        bucket, prefix = parse_uri(s3_uri)
        objects, _ = await self.list_objects(owner, bucket, prefix)
        objects = [o for o in sorted(objects, key=lambda o: o.key) if not o.key.endswith("/")]
        if shard is not None:
            objects = objects[shard[0] :: shard[1]]
        files = [(item.key[len(prefix) :].lstrip("/") or PurePosixPath(item.key).name, item.key)
                 for item in objects]  # fmt: skip
        return await self._download_all(bucket, files, dest_dir)

    async def download_manifest(
        self, owner: str, s3_uri: str, dest_dir: Path, shard: tuple[int, int] | None = None
    ) -> list[Path]:
        """Copy the objects a SageMaker manifest file lists (ManifestFile semantics: a JSON
        list, ``{"prefix": "s3://bucket/prefix/"}`` then keys relative to it, as the SDK's
        ``record_set`` writes) into ``dest_dir``, each under its relative key."""
        bucket, key = parse_uri(s3_uri)
        await self.check(owner, bucket)
        manifest = dest_dir.with_name(dest_dir.name + ".manifest")
        await self._download(object_path(bucket, key), manifest)
        try:
            entries = json.loads(await asyncio.to_thread(manifest.read_text))
        except ValueError as err:
            raise InvalidInput(f"{s3_uri} is not a manifest file: {err}", field="s3_uri") from None
        finally:
            await asyncio.to_thread(manifest.unlink, True)
        head = entries[0] if isinstance(entries, list) and entries else None
        prefix = head.get("prefix") if isinstance(head, dict) else None
        keys = entries[1:] if isinstance(prefix, str) else None
        if prefix is None or keys is None or not all(isinstance(k, str) for k in keys):
            raise InvalidInput(
                f'{s3_uri}: a manifest is [{{"prefix": "s3://..."}}, "key", ...].', field="s3_uri"
            )
        source_bucket, source_prefix = parse_uri(prefix)
        await self.check(owner, source_bucket)
        if shard is not None:
            keys = keys[shard[0] :: shard[1]]
        files = [(rel.lstrip("/"), source_prefix + rel) for rel in keys]
        return await self._download_all(source_bucket, files, dest_dir)

    async def _download_all(
        self, bucket: str, files: list[tuple[str, str]], dest_dir: Path
    ) -> list[Path]:
        """Each (path below ``dest_dir``, object key) downloaded; a path leaving it refused."""
        root = await asyncio.to_thread(dest_dir.resolve)
        written: list[Path] = []
        for rel, key in files:
            target = (root / rel).resolve()
            if not target.is_relative_to(root):
                raise InvalidInput(f"Object key '{key}' leaves the channel.", field="s3_uri")
            await self._download(object_path(bucket, key), target)
            written.append(target)
        return written

    async def _download(self, raw_path: str, target: Path) -> None:
        response = await self.send("GET", raw_path)
        try:
            if response.status_code != 200:
                code = _error_code(await response.aread())
                raise UpstreamFailed(f"S3 GET {raw_path}: {response.status_code} {code}")
            await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
            f = await asyncio.to_thread(target.open, "wb")
            try:
                async for chunk in response.aiter_raw(CHUNK):
                    await asyncio.to_thread(f.write, chunk)
            finally:
                await asyncio.to_thread(f.close)
        finally:
            await response.aclose()

    async def upload_file(self, owner: str, path: Path, s3_uri: str) -> None:
        """Stream a local file to ``s3://bucket/key`` (the owner's bucket)."""
        bucket, key = parse_uri(s3_uri)
        if not key or key.endswith("/"):
            raise InvalidInput(f"'{s3_uri}' names no object key.", field="s3_uri")
        await self.check(owner, bucket)
        size = (await asyncio.to_thread(path.stat)).st_size
        await self._call(
            "PUT",
            object_path(bucket, key),
            headers={"content-length": str(size)},
            content=_read_file(path),
        )

    async def upload_dir(self, owner: str, directory: Path, s3_uri: str) -> list[str]:
        """Every file under ``directory`` to keys below the ``s3://`` prefix."""
        bucket, prefix = parse_uri(s3_uri)
        base = prefix.rstrip("/") + "/" if prefix else ""
        keys = []
        files = await asyncio.to_thread(
            lambda: sorted(p for p in directory.rglob("*") if p.is_file())
        )
        for file in files:
            key = base + file.relative_to(directory).as_posix()
            await self.upload_file(owner, file, f"s3://{bucket}/{key}")
            keys.append(key)
        return keys


async def _read_file(path: Path) -> AsyncIterator[bytes]:
    f = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(f.read, CHUNK):
            yield chunk
    finally:
        await asyncio.to_thread(f.close)


def _error_code(body: bytes) -> str:
    try:
        return ET.fromstring(body).findtext("Code", "") or "error"  # noqa: S314 - the engine's
    except ET.ParseError:
        return "error"
