"""Resource names: the DNS-label-like rule SageMaker uses for spaces, jobs, endpoints."""

from __future__ import annotations

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
