"""The S3 endpoint with the real boto3 against the embedded SeaweedFS."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import zlib
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
import requests

from jupyter_smstudio.naming import account_id
from jupyter_smstudio.s3.signing import UNSIGNED_TRAILER, sign

from .conftest import ApiCall
from .s3_helpers import code_of, s3_client, user_client

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("jp_serverapp")]


@pytest.fixture
def jp_base_url() -> str:
    """botocore re-quotes an endpoint path ('%40' -> '%2540'): a plain base URL."""
    return "/"


@pytest.fixture
def base(jp_http_port: int, jp_base_url: str) -> str:
    return f"http://127.0.0.1:{jp_http_port}{jp_base_url}"


def refused(call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The parsed error of a call that must fail: code and HTTP status."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(*args, **kwargs)
    response = caught.value.response
    return {"code": code_of(caught.value), "status": response["ResponseMetadata"]["HTTPStatusCode"]}


async def test_objects_round_trip_through_the_gateway(api: ApiCall, base: str) -> None:
    key = (await api("POST", "access-keys", {"description": "s3"})).json
    keys = (key["access_key_id"], key["secret_access_key"])
    s3 = s3_client(base, *keys)

    def calls() -> dict[str, Any]:
        out: dict[str, Any] = {}
        s3.create_bucket(Bucket="data")
        s3.put_object(Bucket="data", Key="a/b c.txt", Body=b"hello", ContentType="text/plain")
        s3.put_object(Bucket="data", Key="a/2.txt", Body=b"2")
        got = s3.get_object(Bucket="data", Key="a/b c.txt")
        out["get"] = (got["Body"].read(), got["ContentType"])
        out["head"] = s3.head_object(Bucket="data", Key="a/2.txt")["ContentLength"]
        text = b"a,b,c\n" + b"1,2,3\n" * 50_000  # compressible: served as stored, not gzipped
        s3.put_object(Bucket="data", Key="t.csv", Body=text, ContentType="text/csv")
        out["text"] = s3.get_object(Bucket="data", Key="t.csv")["Body"].read() == text
        out["range"] = s3.get_object(Bucket="data", Key="a/b c.txt", Range="bytes=1-3")[
            "Body"
        ].read()
        listed = s3.list_objects_v2(Bucket="data", Prefix="a/")
        out["list"] = sorted(o["Key"] for o in listed["Contents"])
        pages = s3.get_paginator("list_objects_v2").paginate(
            Bucket="data", PaginationConfig={"PageSize": 1}
        )
        out["paged"] = sorted(o["Key"] for p in pages for o in p.get("Contents", []))
        s3.copy_object(Bucket="data", Key="copy", CopySource={"Bucket": "data", "Key": "a/2.txt"})
        out["copy"] = s3.get_object(Bucket="data", Key="copy")["Body"].read()
        s3.delete_object(Bucket="data", Key="a/2.txt")
        out["missing"] = refused(s3.get_object, Bucket="data", Key="a/2.txt")
        out["buckets"] = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        out["again"] = refused(s3.create_bucket, Bucket="data")
        s3.create_bucket(Bucket="gone")
        s3.delete_bucket(Bucket="gone")  # its name is free again
        out["after_delete"] = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        out["gone"] = refused(s3.head_bucket, Bucket="gone")
        # multipart: two parts of 5 MiB + a tail, completed and read back whole
        parts = [os.urandom(5 * 1024 * 1024), os.urandom(5 * 1024 * 1024), b"tail"]
        upload = s3.create_multipart_upload(Bucket="data", Key="big.bin")
        etags = [
            s3.upload_part(Bucket="data", Key="big.bin", UploadId=upload["UploadId"],
                           PartNumber=n, Body=part)["ETag"]
            for n, part in enumerate(parts, 1)
        ]  # fmt: skip
        done = [{"ETag": e, "PartNumber": n} for n, e in enumerate(etags, 1)]
        s3.complete_multipart_upload(
            Bucket="data", Key="big.bin", UploadId=upload["UploadId"],
            MultipartUpload={"Parts": done},
        )  # fmt: skip
        body = s3.get_object(Bucket="data", Key="big.bin")["Body"].read()
        out["multipart"] = hashlib.sha256(body).digest() == hashlib.sha256(b"".join(parts)).digest()
        # presigned URLs: a plain HTTP client, no SDK, no key
        put_url = s3.generate_presigned_url("put_object", Params={"Bucket": "data", "Key": "p"})
        out["presigned_put"] = requests.put(put_url, data=b"signed", timeout=30).status_code
        get_url = s3.generate_presigned_url("get_object", Params={"Bucket": "data", "Key": "p"})
        out["presigned_get"] = requests.get(get_url, timeout=30).content
        out["tampered"] = requests.get(
            get_url.replace("Key", "Kez").replace("/p?", "/q?"), timeout=30
        ).status_code
        v4 = s3_client(base, *keys, signature_version="s3v4")
        v4_url = v4.generate_presigned_url("get_object", Params={"Bucket": "data", "Key": "p"})
        out["presigned_v4"] = requests.get(v4_url, timeout=30).content
        out["tampered_v4"] = requests.get(v4_url.replace("/p?", "/q?"), timeout=30).status_code
        expired = s3.generate_presigned_url(
            "get_object", Params={"Bucket": "data", "Key": "p"}, ExpiresIn=-1
        )
        out["expired"] = requests.get(expired, timeout=30)
        return out

    out = await asyncio.to_thread(calls)
    assert out["get"] == (b"hello", "text/plain")
    assert out["head"] == 1
    assert out["text"]
    assert out["range"] == b"ell"
    assert out["list"] == ["a/2.txt", "a/b c.txt"]
    assert out["paged"] == ["a/2.txt", "a/b c.txt", "t.csv"]
    assert out["copy"] == b"2"
    assert out["missing"] == {"code": "NoSuchKey", "status": 404}
    assert out["buckets"] == ["data"]
    assert out["again"]["code"] == "BucketAlreadyOwnedByYou"
    assert out["after_delete"] == ["data"]
    assert out["gone"]["status"] == 404
    assert out["multipart"]
    assert out["presigned_put"] == 200
    assert out["presigned_get"] == b"signed"
    assert out["presigned_v4"] == b"signed"
    assert out["tampered_v4"] == 403
    assert out["tampered"] == 403
    assert out["expired"].status_code == 403
    assert b"<Code>AccessDenied</Code>" in out["expired"].content


async def test_users_see_and_reach_only_their_own_buckets(api: ApiCall, base: str) -> None:
    alice = await user_client(api, base, "alice")
    bob = await user_client(api, base, "bob")

    def calls() -> dict[str, Any]:
        out: dict[str, Any] = {}
        alice.create_bucket(Bucket="alices")
        alice.put_object(Bucket="alices", Key="secret", Body=b"mine")
        bob.create_bucket(Bucket="bobs")

        # a CreateBucket refused (here: for another account) keeps no name
        def for_bob(request: Any, **_: Any) -> None:
            request.headers["x-amz-expected-bucket-owner"] = account_id("bob")

        alice.meta.events.register("before-sign.s3.CreateBucket", for_bob)
        out["claim_refused"] = refused(alice.create_bucket, Bucket="held")
        alice.meta.events.unregister("before-sign.s3.CreateBucket", for_bob)
        out["bob_lists"] = [b["Name"] for b in bob.list_buckets()["Buckets"]]
        out["alice_lists"] = [b["Name"] for b in alice.list_buckets()["Buckets"]]
        out["create"] = refused(bob.create_bucket, Bucket="alices")
        out["list"] = refused(bob.list_objects_v2, Bucket="alices")
        out["get"] = refused(bob.get_object, Bucket="alices", Key="secret")
        out["put"] = refused(bob.put_object, Bucket="alices", Key="x", Body=b"theirs")
        out["delete"] = refused(bob.delete_object, Bucket="alices", Key="secret")
        out["drop"] = refused(bob.delete_bucket, Bucket="alices")
        out["copy_out"] = refused(
            bob.copy_object,
            Bucket="bobs",
            Key="stolen",
            CopySource={"Bucket": "alices", "Key": "secret"},
        )
        out["head"] = refused(bob.head_bucket, Bucket="alices")
        out["dots"] = refused(bob.get_object, Bucket="bobs", Key="../alices/secret")
        out["dots_copy"] = refused(
            bob.copy_object,
            Bucket="bobs",
            Key="got",
            CopySource={"Bucket": "bobs", "Key": "../alices/secret"},
        )
        out["dots_encoded"] = refused(
            bob.get_object, Bucket="bobs", Key="x/%2e%2e/../alices/secret"
        )
        # the SDK's ExpectedBucketOwner (the caller's account id, as STS would say)
        alice.head_bucket(Bucket="alices", ExpectedBucketOwner=account_id("alice"))
        out["expected"] = refused(
            alice.head_bucket, Bucket="alices", ExpectedBucketOwner=account_id("bob")
        )
        out["still"] = alice.get_object(Bucket="alices", Key="secret")["Body"].read()
        return out

    out = await asyncio.to_thread(calls)
    assert out["bob_lists"] == ["bobs"]
    assert out["alice_lists"] == ["alices"]  # not "held"
    assert out["claim_refused"] == {"code": "AccessDenied", "status": 403}
    assert out["create"] == {"code": "BucketAlreadyExists", "status": 409}
    for name in ("list", "get", "put", "delete", "drop", "copy_out"):
        assert out[name] == {"code": "AccessDenied", "status": 403}, name
    assert out["head"]["status"] == 403
    assert (
        out["dots"]
        == out["dots_encoded"]
        == out["dots_copy"]
        == {"code": "InvalidArgument", "status": 400}
    )
    assert out["expected"]["status"] == 403
    assert out["still"] == b"mine"
    listed = await api("GET", "s3/buckets", user="bob")
    assert [b["name"] for b in listed.json["items"]] == ["bobs"]
    assert (await api("GET", "s3/buckets/alices/objects", user="bob")).status == 403
    objects = (await api("GET", "s3/buckets/alices/objects")).json
    assert [o["key"] for o in objects["items"]] == ["secret"]


async def test_bad_signatures_and_keys_are_refused(api: ApiCall, base: str) -> None:
    key = (await api("POST", "access-keys", {"description": "s3"})).json

    def calls() -> dict[str, Any]:
        good = s3_client(base, key["access_key_id"], key["secret_access_key"])
        good.create_bucket(Bucket="signed")
        return {
            "wrong_secret": refused(s3_client(base, key["access_key_id"], "x" * 40).list_buckets),
            "unknown_key": refused(s3_client(base, "SMSKNOPE", "x" * 40).list_buckets),
            "anonymous": requests.get(base + "smstudio/s3/signed", timeout=30),
            "trace": requests.request("TRACE", base + "smstudio/s3/signed/k", timeout=30),
        }

    out = await asyncio.to_thread(calls)
    assert out["wrong_secret"] == {"code": "SignatureDoesNotMatch", "status": 403}
    assert out["unknown_key"] == {"code": "InvalidAccessKeyId", "status": 403}
    assert out["anonymous"].status_code == 403
    assert b"<Code>AccessDenied</Code>" in out["anonymous"].content
    assert out["trace"].status_code == 405  # a method S3 has not: not a 500
    assert b"<Code>MethodNotAllowed</Code>" in out["trace"].content
    assert (await api("DELETE", f"access-keys/{key['access_key_id']}")).status == 204
    deleted = s3_client(base, key["access_key_id"], key["secret_access_key"])
    assert (await asyncio.to_thread(refused, deleted.list_buckets))["code"] == "InvalidAccessKeyId"


async def test_a_body_that_does_not_match_its_hash_is_refused(
    api: ApiCall, base: str, tmp_path: Path
) -> None:
    """The gateway checks x-amz-content-sha256 while streaming; nothing is stored."""
    s3 = await user_client(api, base)

    def calls() -> dict[str, Any]:
        s3.create_bucket(Bucket="hashes")
        lied: dict[str, Any] = {}

        def swap_body(request: Any, **_: Any) -> None:
            request.body = b"Y" * 100_000  # after signing: the signed hash is of the Xs

        s3.meta.events.register_first("before-send.s3.PutObject", swap_body)
        try:
            lied = refused(s3.put_object, Bucket="hashes", Key="k", Body=b"X" * 100_000)
        finally:
            s3.meta.events.unregister("before-send.s3.PutObject", swap_body)
        return {"lied": lied, "stored": refused(s3.head_object, Bucket="hashes", Key="k")}

    out = await asyncio.to_thread(calls)
    assert out["lied"]["code"] == "XAmzContentSHA256Mismatch"
    assert out["stored"]["status"] == 404


async def test_an_aws_chunked_body_with_a_trailer_checksum_is_stored(
    api: ApiCall, base: str, jp_http_port: int
) -> None:
    """What boto3 sends over HTTPS (flexible checksums): STREAMING-UNSIGNED-PAYLOAD-TRAILER,
    signed here by hand with the user's key since boto3 does it only over TLS."""
    key = (await api("POST", "access-keys", {"description": "s3"})).json
    keys = (key["access_key_id"], key["secret_access_key"])
    s3 = s3_client(base, *keys)
    data = b"hello trailer"
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    body = f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n"
    body += f"x-amz-checksum-crc32:{crc}\r\n\r\n".encode()
    headers = {
        "host": f"127.0.0.1:{jp_http_port}",
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(data)),
        "x-amz-trailer": "x-amz-checksum-crc32",
        "content-length": str(len(body)),
    }
    signed = sign("PUT", "/smstudio/s3/chunks/t", "", headers, UNSIGNED_TRAILER, keys, "us-east-1")

    def calls() -> tuple[int, bytes]:
        s3.create_bucket(Bucket="chunks")
        put = requests.put(base + "smstudio/s3/chunks/t", data=body, headers=signed, timeout=30)
        return put.status_code, s3.get_object(Bucket="chunks", Key="t")["Body"].read()

    assert await asyncio.to_thread(calls) == (200, data)
