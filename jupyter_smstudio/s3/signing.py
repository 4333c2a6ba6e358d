"""SigV4 as S3 speaks it: verify what a client signed, sign what we send the engine.

S3 differs from the JSON services ``aws/sigv4.py`` verifies: the service name is
``s3``; the canonical URI is the path exactly as sent (no normalisation); the body
is not hashed by the verifier but *declared* in ``x-amz-content-sha256`` (a hex
digest, or ``UNSIGNED-PAYLOAD``), so a 100 MiB upload can be verified while it streams
(:class:`PayloadCheck`); and presigned URLs carry the signature in the query string
(``X-Amz-Signature``, ``X-Amz-Expires``). Errors carry S3's own codes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

from ..aws.sigv4 import ALGORITHM, MAX_SKEW, signing_key

SERVICE = "s3"
UNSIGNED = "UNSIGNED-PAYLOAD"
#: aws-chunked bodies with checksums in trailers and no chunk signatures: what boto3
#: sends over HTTPS (flexible checksums); the engine decodes them and checks the trailer.
UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_PRESIGN = dt.timedelta(days=7)
_HEX = re.compile(r"^[0-9a-f]{64}$")
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
#: Query parameters of a presigned URL that are not part of what was signed / forwarded.
PRESIGN_PARAMS = frozenset(
    {
        *("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires"),
        *("X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"),
        *("AWSAccessKeyId", "Signature", "Expires"),  # SigV2 presigned URLs
    }
)
#: Sub-resources a SigV2 signature covers (what botocore's HmacV1 signer includes).
_V2_SUBRESOURCES = frozenset(
    {
        *("acl", "cors", "delete", "lifecycle", "location", "logging", "notification"),
        *("partNumber", "policy", "requestPayment", "restore", "tagging", "torrent"),
        *("uploadId", "uploads", "versionId", "versioning", "versions", "website"),
        *("response-content-type", "response-content-language", "response-expires"),
        *("response-cache-control", "response-content-disposition"),
        *("response-content-encoding",),
    }
)


class S3Error(Exception):
    """An answer in S3's XML error format (``<Error><Code>…``)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


Headers = Callable[[str], list[str]]  # every value of a header, case-insensitive


@dataclass(frozen=True)
class Verified:
    owner: str
    payload: str  # the declared payload hash: 64 hex digits, UNSIGNED-PAYLOAD or …-TRAILER


def canonical_query(query: str, *, drop: frozenset[str] = frozenset()) -> str:
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in drop]
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(pairs))


def _canonical(
    method: str, path: str, query: str, headers: Headers, signed: list[str], payload: str
) -> str:
    lines = "".join(
        f"{name}:{','.join(' '.join(v.split()) for v in headers(name))}\n" for name in signed
    )
    return "\n".join([method.upper(), path or "/", query, lines, ";".join(signed), payload])


def signature(secret: str, scope: str, amz_date: str, canonical: str) -> str:
    date, region, service, _ = scope.split("/")
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"
    key = signing_key(secret, date, region, service)
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _when(amz_date: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(amz_date, _AMZ_DATE).replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise S3Error(
            400, "AuthorizationHeaderMalformed", "X-Amz-Date must be YYYYMMDDTHHMMSSZ."
        ) from None


def _scope(credential: str, amz_date: str) -> tuple[str, str]:
    """(access key id, scope) of a ``Credential=`` value."""
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or parts[1] != amz_date[:8]:
        raise S3Error(400, "AuthorizationHeaderMalformed", "Malformed credential scope.")
    if parts[3] != SERVICE:
        raise S3Error(
            400, "AuthorizationHeaderMalformed", f"Credential should be scoped to '{SERVICE}'."
        )
    return parts[0], "/".join(parts[1:])


async def verify(
    method: str,
    path: str,
    query: str,
    headers: Headers,
    lookup: Callable[[str], Awaitable[tuple[str, str] | None]],
    now: dt.datetime | None = None,
    resource: str | None = None,
) -> Verified:
    """Who signed this request (SigV4 header or presigned URL, SigV2 presigned URL);
    S3Error otherwise. ``resource`` is ``/bucket/key`` as sent (SigV2 signs it without
    the endpoint's own path)."""
    current = now or dt.datetime.now(dt.timezone.utc)
    args = dict(parse_qsl(query, keep_blank_values=True))
    authorization = headers("authorization")
    if "Signature" in args and "AWSAccessKeyId" in args:
        return await _verify_v2_query(
            method, resource or path, query, args, headers, lookup, current
        )
    if "X-Amz-Signature" in args:
        if args.get("X-Amz-Algorithm") != ALGORITHM:
            raise S3Error(400, "AuthorizationQueryParametersError", f"Use {ALGORITHM}.")
        amz_date = args.get("X-Amz-Date", "")
        key_id, scope = _scope(args.get("X-Amz-Credential", ""), amz_date)
        signed = args.get("X-Amz-SignedHeaders", "").split(";")
        given = args["X-Amz-Signature"]
        try:
            expires = dt.timedelta(seconds=int(args.get("X-Amz-Expires", "")))
        except ValueError:
            raise S3Error(
                400, "AuthorizationQueryParametersError", "X-Amz-Expires must be a number."
            ) from None
        start = _when(amz_date)
        if expires > MAX_PRESIGN or expires.total_seconds() < 0:
            raise S3Error(
                400, "AuthorizationQueryParametersError", "X-Amz-Expires must be 0..604800."
            )
        if not start - MAX_SKEW <= current <= start + expires:
            raise S3Error(403, "AccessDenied", "Request has expired")
        payload = UNSIGNED
        cquery = canonical_query(query, drop=frozenset({"X-Amz-Signature"}))
    elif authorization and authorization[0].startswith(ALGORITHM):
        match = _AUTH.match(authorization[0])
        if match is None:
            raise S3Error(
                400, "AuthorizationHeaderMalformed", "The authorization header is malformed."
            )
        amz_date = (headers("x-amz-date") or [""])[0]
        key_id, scope = _scope(match["credential"], amz_date)
        signed = match["signed"].split(";")
        given = match["signature"]
        if abs(current - _when(amz_date)) > MAX_SKEW:
            raise S3Error(
                403,
                "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.",
            )
        payload = (headers("x-amz-content-sha256") or [""])[0]
        if payload not in (UNSIGNED, UNSIGNED_TRAILER) and not _HEX.match(payload):
            raise S3Error(
                400,
                "InvalidArgument",
                "x-amz-content-sha256 must be the body's SHA-256, UNSIGNED-PAYLOAD or "
                f"{UNSIGNED_TRAILER} (signed aws-chunked uploads are not supported).",
            )
        cquery = canonical_query(query)
    else:
        raise S3Error(403, "AccessDenied", "Access Denied: sign the request with AWS SigV4.")
    if "host" not in signed or signed != sorted(signed):
        raise S3Error(400, "AuthorizationHeaderMalformed", "SignedHeaders must include host.")
    found = await lookup(key_id)
    if found is None:
        raise S3Error(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        )
    owner, secret = found
    expected = signature(
        secret, scope, amz_date, _canonical(method, path, cquery, headers, signed, payload)
    )
    if not hmac.compare_digest(expected, given):
        raise S3Error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
        )
    return Verified(owner, payload)


async def _verify_v2_query(
    method: str,
    path: str,
    query: str,
    args: dict[str, str],
    headers: Headers,
    lookup: Callable[[str], Awaitable[tuple[str, str] | None]],
    current: dt.datetime,
) -> Verified:
    """A SigV2 presigned URL: what ``generate_presigned_url`` makes by default."""
    try:
        expires = int(args.get("Expires", ""))
    except ValueError:
        raise S3Error(403, "AccessDenied", "Expires must be a number.") from None
    if current.timestamp() > expires:
        raise S3Error(403, "AccessDenied", "Request has expired")
    found = await lookup(args["AWSAccessKeyId"])
    if found is None:
        raise S3Error(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        )
    owner, secret = found
    pairs = sorted(
        (k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k in _V2_SUBRESOURCES
    )
    resource = path + ("?" + "&".join(f"{k}={v}" if v else k for k, v in pairs) if pairs else "")
    # (x-amz-* headers sent along a presigned URL are not covered: none are expected)
    first = [(headers(h) or [""])[0] for h in ("content-md5", "content-type")]
    to_sign = "\n".join([method.upper(), *first, str(expires), resource])
    expected = base64.b64encode(hmac.new(secret.encode(), to_sign.encode(), "sha1").digest())
    if not hmac.compare_digest(expected.decode(), args["Signature"]):
        raise S3Error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    return Verified(owner, UNSIGNED)


class PayloadCheck:
    """The body's SHA-256 as it streams, against the declared one (if any)."""

    def __init__(self, declared: str) -> None:
        self.declared = declared
        self._hash = hashlib.sha256() if _HEX.match(declared) else None

    def update(self, chunk: bytes) -> None:
        if self._hash is not None:
            self._hash.update(chunk)

    def check(self) -> None:
        if self._hash is not None and self._hash.hexdigest() != self.declared:
            raise S3Error(
                400,
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            )


def sign(
    method: str,
    raw_path: str,
    query: str,
    headers: Mapping[str, str],
    payload: str,
    credentials: tuple[str, str],
    region: str,
    now: dt.datetime | None = None,
) -> dict[str, str]:
    """The headers that sign a request to the engine: ``headers`` (lower-case names,
    including ``host``) are all signed, plus the date and payload hash."""
    amz_date = (now or dt.datetime.now(dt.timezone.utc)).strftime(_AMZ_DATE)
    out = {**headers, "x-amz-date": amz_date, "x-amz-content-sha256": payload}
    names = sorted(out)
    scope = f"{amz_date[:8]}/{region}/{SERVICE}/aws4_request"
    canonical = _canonical(
        method, raw_path, canonical_query(query), lambda n: [out[n]], names, payload
    )
    key_id, secret = credentials
    sig = signature(secret, scope, amz_date, canonical)
    out["authorization"] = (
        f"{ALGORITHM} Credential={key_id}/{scope}, SignedHeaders={';'.join(names)}, Signature={sig}"
    )
    return out
