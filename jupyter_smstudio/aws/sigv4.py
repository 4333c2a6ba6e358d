"""Verify AWS Signature Version 4, as botocore signs requests, for every AWS API here.

The canonical request is rebuilt from the request exactly as received (raw path
and query, the signed headers, the body's SHA-256) and the signature recomputed
with the secret of the access key named in the credential scope. The service name
is the caller's (``sagemaker`` by default, ``logs``, ``sts``); requests older or
newer than 15 minutes are refused (replay window).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import posixpath
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "sagemaker"
MAX_SKEW = dt.timedelta(minutes=15)
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)


class SignatureError(Exception):
    """Refused; ``code`` is the error name AWS uses."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SignedRequest:
    method: str
    path: str  # raw, as received
    query: str  # raw
    headers: Callable[[str], list[str]]  # all values of a header (case-insensitive)
    body: bytes


def _canonical_uri(path: str) -> str:
    normalized = posixpath.normpath(path) if path else "/"
    if path.endswith("/") and not normalized.endswith("/"):
        normalized += "/"
    return quote(normalized, safe="/~")


def _canonical_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(pairs))


def signing_key(secret: str, date: str, region: str, service: str = SERVICE) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def string_to_sign(request: SignedRequest, signed: list[str], amz_date: str, scope: str) -> str:
    headers = "".join(
        f"{name}:{','.join(' '.join(v.split()) for v in request.headers(name))}\n"
        for name in signed
    )
    declared = request.headers("x-amz-content-sha256")
    payload = hashlib.sha256(request.body).hexdigest()
    if declared and declared[0] != payload:
        raise SignatureError("InvalidSignatureException", "The body does not match its hash.")
    canonical = "\n".join(
        [
            request.method.upper(),
            _canonical_uri(request.path),
            _canonical_query(request.query),
            headers,
            ";".join(signed),
            payload,
        ]
    )
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


async def verify(
    request: SignedRequest,
    lookup: Callable[[str], Awaitable[tuple[str, str] | None]],
    now: dt.datetime | None = None,
    service: str = SERVICE,
) -> str:
    """The owner of the key that signed ``request`` for ``service``; SignatureError otherwise."""
    authorization = request.headers("authorization")
    if not authorization:
        raise SignatureError(
            "MissingAuthenticationTokenException",
            "Missing Authentication Token: sign the request with SigV4.",
        )
    match = _AUTH.match(authorization[0])
    if match is None:
        raise SignatureError(
            "IncompleteSignatureException",
            f"Authorization must be {ALGORITHM} Credential=..., SignedHeaders=..., Signature=...",
        )
    parts = match["credential"].split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise SignatureError("IncompleteSignatureException", "Malformed credential scope.")
    key_id, date, region, scoped, _ = parts
    if scoped != service:
        raise SignatureError(
            "InvalidSignatureException", f"Credential should be scoped to service '{service}'."
        )
    signed = match["signed"].split(";")
    if "host" not in signed or signed != sorted(signed):
        raise SignatureError("IncompleteSignatureException", "SignedHeaders must include host.")
    amz_date = (request.headers("x-amz-date") or [""])[0]
    try:
        when = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise SignatureError(
            "IncompleteSignatureException", "X-Amz-Date must be given as YYYYMMDDTHHMMSSZ."
        ) from None
    current = now or dt.datetime.now(dt.timezone.utc)
    if abs(current - when) > MAX_SKEW or date != amz_date[:8]:
        raise SignatureError(
            "InvalidSignatureException",
            f"Signature expired or not yet valid: {amz_date} is more than "
            "15 minutes from the server's time.",
        )
    found = await lookup(key_id)
    if found is None:
        raise SignatureError(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    owner, secret = found
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = string_to_sign(request, signed, amz_date, scope)
    expected = hmac.new(
        signing_key(secret, date, region, service), to_sign.encode(), hashlib.sha256
    )
    if not hmac.compare_digest(expected.hexdigest(), match["signature"]):
        raise SignatureError(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature "
            "you provided. Check your AWS Secret Access Key and signing method.",
        )
    return owner
