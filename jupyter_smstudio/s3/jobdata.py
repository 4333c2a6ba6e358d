"""Users' buckets as the data of their jobs, models and the AWS API's ``s3://`` members.

One object serves the job runner (``jobs.remote.ObjectStore``: fetch a channel or an
input when the job starts, upload outputs when it ends) and the AWS API
(``aws.area.DataLocations``: check a member's URI when the request arrives, a local
copy of a model's data). Every access is the owner's: a URI naming another user's
bucket is refused with the member that names it, before anything is created.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
from pathlib import Path

from ..errors import AccessDenied, InvalidInput
from ..jobs.remote import unpacked
from .service import NoSuchBucket, S3Service, parse_uri


class JobData:
    """The S3 area's buckets, read and written as their owner."""

    def __init__(self, s3: S3Service, cache_dir: Path) -> None:
        self.s3 = s3
        #: Local copies of model data and inference code, per owner and object version.
        self.cache_dir = cache_dir

    def handles(self, url: str) -> bool:
        return url.startswith("s3://")

    async def check(self, owner: str, url: str, field: str) -> None:
        bucket, _ = parse_uri(url, field)
        try:
            await self.s3.check(owner, bucket)
        except NoSuchBucket:
            raise InvalidInput(
                f"{field}: the bucket '{bucket}' of {url} does not exist.", field=field
            ) from None
        except AccessDenied:
            raise AccessDenied(
                f"{field}: Access Denied to {url}: the bucket '{bucket}' is not yours.",
                field=field,
            ) from None

    async def fetch(
        self,
        owner: str,
        url: str,
        destination: Path,
        shard: tuple[int, int] | None = None,
        *,
        manifest: bool = False,
    ) -> list[Path]:
        await self.check(owner, url, "s3_uri")
        if manifest:
            return await self.s3.download_manifest(owner, url, destination, shard)
        return await self.s3.download_prefix(owner, url, destination, shard)

    async def upload(self, owner: str, source: Path, url: str) -> None:
        if await asyncio.to_thread(source.is_dir):
            await self.s3.upload_dir(owner, source, url)
        else:
            await self.s3.upload_file(owner, source, url)

    # ---- aws.area.DataLocations ------------------------------------------------------
    async def input_location(self, owner: str, uri: str, field: str) -> str:
        """``uri`` itself, once the owner may read it (the runner fetches it)."""
        if self.handles(uri):
            await self.check(owner, uri, field)
        return uri

    async def output_location(self, owner: str, uri: str, field: str) -> str:
        """``uri`` itself, once the owner may write there (the runner uploads to it)."""
        return await self.input_location(owner, uri, field)

    async def local_copy(self, owner: str, uri: str, field: str, *, code: bool = False) -> str:
        """A copy on the server's disk of what ``uri`` names, for endpoints, which load
        their model when created: the object (model.tar.gz) or, with ``code``, the SDK's
        unpacked ``sourcedir.tar.gz``. Kept per object version (its ETag)."""
        if not self.handles(uri):
            return uri
        await self.check(owner, uri, field)
        bucket, key = parse_uri(uri, field)
        objects, _ = await self.s3.list_objects(owner, bucket, key)
        found = [o for o in objects if o.key == key or not key or key.endswith("/")]
        found = found or [o for o in objects if o.key.startswith(key.rstrip("/") + "/")]
        if not found:
            raise InvalidInput(f"{field}: no object {uri}.", field=field)
        version = hashlib.sha256(
            "\n".join([uri, *(f"{o.key} {o.etag}" for o in found)]).encode()
        ).hexdigest()[:24]
        owner_dir = hashlib.sha256(owner.encode()).hexdigest()[:16]
        target = self.cache_dir / owner_dir / version
        done = target / ".complete"
        if not await asyncio.to_thread(done.exists):
            partial = target.with_name(target.name + ".partial")
            await asyncio.to_thread(shutil.rmtree, partial, True)
            await self.s3.download_prefix(owner, uri, partial / "data")
            await asyncio.to_thread(shutil.rmtree, target, True)
            await asyncio.to_thread(partial.rename, target)
            await asyncio.to_thread(done.touch)
        data = target / "data"
        if code:
            return str(await asyncio.to_thread(unpacked, data))
        single = [o for o in found if o.key == key]
        return str(data / Path(key).name) if single else str(data)
