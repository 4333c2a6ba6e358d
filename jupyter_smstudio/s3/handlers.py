"""REST: the caller's buckets and objects, for the Lab (the S3 protocol is gateway.py)."""

from __future__ import annotations

from ..api.base import SMStudioHandler
from ..api.routes import Route, operation
from .gateway import S3_PREFIX
from .models import BucketItem, BucketList, ObjectItem, ObjectList, ObjectQuery
from .service import default_bucket

TAG = "S3"


class BucketsHandler(SMStudioHandler):
    @operation("List your S3 buckets", tag=TAG, response=BucketList)
    async def get(self) -> None:
        s3 = self.services.s3
        buckets = await s3.list_buckets(self.username)
        self.reply(
            BucketList(
                items=[BucketItem(name=b.name, created_ms=b.created_ms) for b in buckets],
                default_bucket=default_bucket(self.username, s3.region),
                endpoint_path=S3_PREFIX,
            )
        )


class ObjectsHandler(SMStudioHandler):
    @operation(
        "List objects in one of your buckets",
        tag=TAG,
        query=ObjectQuery,
        response=ObjectList,
        errors=(403, 404, 503),
    )
    async def get(self, bucket: str) -> None:
        query = self.query(ObjectQuery)
        objects, prefixes = await self.services.s3.list_objects(
            self.username, bucket, query.prefix, query.delimiter
        )
        self.reply(
            ObjectList(
                bucket=bucket,
                prefix=query.prefix,
                items=[ObjectItem(**vars(o)) for o in objects],
                prefixes=prefixes,
            )
        )


ROUTES = [
    Route("/s3/buckets", BucketsHandler),
    Route("/s3/buckets/{bucket}/objects", ObjectsHandler, {"bucket": "Bucket name."}),
]
