"""Resource names: the DNS-label-like rule SageMaker uses for spaces, jobs, endpoints."""

from __future__ import annotations

import hashlib
import re

from pydantic import Field

NAME_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
NAME_RULE = "1 to 63 letters, digits and hyphens, starting and ending with a letter or digit"
_NAME = re.compile(NAME_PATTERN)

RESOURCE_NAME_FIELD = Field(
    min_length=1, max_length=63, pattern=NAME_PATTERN, description=f"Name: {NAME_RULE}."
)


def is_valid_name(name: str) -> bool:
    return bool(_NAME.match(name))


def account_id(owner: str) -> str:
    """The 12-digit AWS account id of a user: stable and distinct per user, so names
    AWS scopes by account (``sagemaker-<region>-<account>`` buckets, ARNs) never clash."""
    digest = hashlib.sha256(f"smstudio-account:{owner}".encode()).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**12:012d}"
