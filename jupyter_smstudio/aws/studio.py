"""The Studio domain and user profiles, as far as the SDK asks for them.

A server is one domain (``DOMAIN_ID``); each user is a profile named after them,
with the execution role as ``UserSettings.ExecutionRole``: what
``sagemaker.get_execution_role()`` reads in Studio (``DescribeUserProfile`` with the
ids from ``/opt/ml/metadata/resource-metadata.json``). A user sees only their own
profile.
"""

from __future__ import annotations

import time
from typing import Any

from .faults import AwsFault
from .protocol import Call, Operation

DOMAIN_ID = "d-smstudio"
DOMAIN_NAME = "smstudio"
#: Creation time the domain and profiles report (the server's start).
STARTED = time.time()


def _domain_arn(call: Call) -> str:
    return call.aws.config.arn(f"domain/{DOMAIN_ID}", call.owner)


def _check_domain(domain_id: str | None) -> None:
    if domain_id not in (None, DOMAIN_ID):
        raise AwsFault("ResourceNotFound", f"Domain {domain_id} does not exist.")


def _domain(call: Call) -> dict[str, Any]:
    return {
        "DomainArn": _domain_arn(call),
        "DomainId": DOMAIN_ID,
        "DomainName": DOMAIN_NAME,
        "Status": "InService",
        "CreationTime": STARTED,
        "LastModifiedTime": STARTED,
    }


async def describe_domain(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    _check_domain(p["DomainId"])
    return {
        **_domain(call),
        "AuthMode": "IAM",
        "DefaultUserSettings": {"ExecutionRole": call.aws.config.role_arn(call.owner)},
    }


async def list_domains(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    return {"Domains": [_domain(call)]}


def _profile(call: Call) -> dict[str, Any]:
    return {
        "DomainId": DOMAIN_ID,
        "UserProfileName": call.owner,
        "Status": "InService",
        "CreationTime": STARTED,
        "LastModifiedTime": STARTED,
    }


async def describe_user_profile(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    _check_domain(p["DomainId"])
    if p["UserProfileName"] != call.owner:  # another user's profile is not found
        raise AwsFault("ResourceNotFound", f"User profile {p['UserProfileName']} does not exist.")
    return {
        **_profile(call),
        "UserProfileArn": call.aws.config.arn(f"user-profile/{DOMAIN_ID}/{call.owner}", call.owner),
        "UserSettings": {"ExecutionRole": call.aws.config.role_arn(call.owner)},
    }


async def list_user_profiles(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    _check_domain(p.get("DomainIdEquals"))
    contains = p.get("UserProfileNameContains", "")
    profiles = [_profile(call)] if contains in call.owner else []
    return {"UserProfiles": profiles}


OPERATIONS: dict[str, Operation] = {
    "DescribeDomain": describe_domain,
    "ListDomains": list_domains,
    "DescribeUserProfile": describe_user_profile,
    "ListUserProfiles": list_user_profiles,
}
