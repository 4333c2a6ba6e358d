"""SageMaker's Space and App operations on the spaces service (one store for both APIs).

A space is the same resource the REST API and the Lab show. ``SpaceSettings`` maps
onto its settings: ``JupyterLabAppSettings.DefaultResourceSpec.InstanceType`` is its
compute profile (profiles are named as instance types), ``LifecycleConfigArn`` its
lifecycle configuration, ``AppLifecycleManagement.IdleSettings`` its idle shutdown,
``SpaceStorageSettings`` its volume size; ``SpaceSharingSettings`` is its sharing
(members of a shared space are managed by the REST API and the Lab). A space's own
``Status`` is SageMaker's ``SpaceStatus``: the resource exists (``InService``) whether
its compute runs or not; the compute is its apps.

An app is a space's compute seen as SageMaker sees it: ``CreateApp`` of a
``JupyterLab`` (or ``KernelGateway``) app starts the space, ``DeleteApp`` of its last
app stops it. Apps are kept beside the space (``requests``, kind ``apps``, under the
space's owner, so the members of a shared space see the same apps); a space started
from the Lab shows its ``JupyterLab`` app ``default``. Another user's private space
and its apps are ``ResourceNotFound``.
"""

from __future__ import annotations

import time
from typing import Any

from ..spaces.models import Space, SpaceCreate, SpaceQuery, SpaceStatus, SpaceUpdate
from ..store.paging import ListQuery, page_items
from . import lifecycle, tags
from .faults import AwsFault, not_found_as, validation
from .jobs import build, list_query, seconds
from .protocol import Call, Operation
from .studio import DOMAIN_ID, _check_domain

S = SpaceStatus
#: Our statuses as SageMaker's SpaceStatus (stopped compute is a space InService).
SPACE_STATUS = {S.DELETING: "Deleting", S.FAILED: "Failed", S.UPDATING: "Updating"}
#: Our statuses as the AppStatus of the space's apps that were not deleted.
APP_STATUS = {
    S.PENDING: "Pending",
    S.IN_SERVICE: "InService",
    S.UPDATING: "InService",
    S.STOPPING: "Deleting",
    S.DELETING: "Deleting",
    S.STOPPED: "Deleted",
    S.FAILED: "Failed",
}
#: App types that run on a space's compute here.
APP_TYPES = ("JupyterLab", "KernelGateway")
APPS = "apps"
SORT_BY = {"CreationTime": "created", "LastModifiedTime": "modified"}


def _missing(name: str) -> str:
    return f"Space {name} does not exist."


def space_arn(call: Call, space: Space) -> str:
    return call.aws.config.arn(f"space/{DOMAIN_ID}/{space.name}", space.owner)


def _sharing(space: Space) -> str:
    return "Shared" if space.sharing.value == "shared" else "Private"


async def _space(call: Call, name: str) -> Space:
    with not_found_as(_missing(name)):
        detail = await call.services.spaces.get(call.owner, name)
    return Space.model_validate(detail.model_dump(include=set(Space.model_fields)))


def _settings(call: Call, space: Space) -> dict[str, Any]:
    """The space's settings in SpaceSettings' members."""
    lab: dict[str, Any] = {"DefaultResourceSpec": _resource_spec(call, space)}
    if space.idle_timeout_minutes:
        lab["AppLifecycleManagement"] = {
            "IdleSettings": {"IdleTimeoutInMinutes": space.idle_timeout_minutes}
        }
    return {
        "AppType": "JupyterLab",
        "JupyterLabAppSettings": lab,
        "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": space.storage_gb}},
    }


def _resource_spec(call: Call, space: Space) -> dict[str, Any]:
    spec: dict[str, Any] = {"InstanceType": space.profile}
    if space.lifecycle_configs:
        spec["LifecycleConfigArn"] = lifecycle.arn(call, space.lifecycle_configs[0], space.owner)
    return spec


def _from_settings(settings: dict[str, Any] | None) -> dict[str, Any]:
    """SpaceSettings as the spaces service's fields (only those given)."""
    if not settings:
        return {}
    app_type = settings.get("AppType", "JupyterLab")
    if app_type not in APP_TYPES:
        raise validation(f"AppType {app_type} is not supported by this server.")
    fields: dict[str, Any] = {}
    lab = settings.get("JupyterLabAppSettings") or settings.get("KernelGatewayAppSettings") or {}
    spec = lab.get("DefaultResourceSpec") or {}
    if "InstanceType" in spec:
        fields["profile"] = spec["InstanceType"]
    if "LifecycleConfigArn" in spec:
        fields["lifecycle_configs"] = [lifecycle.name_of(spec["LifecycleConfigArn"])]
    elif lab.get("LifecycleConfigArns") is not None:
        fields["lifecycle_configs"] = [lifecycle.name_of(a) for a in lab["LifecycleConfigArns"]]
    idle = (lab.get("AppLifecycleManagement") or {}).get("IdleSettings") or {}
    if "IdleTimeoutInMinutes" in idle:
        fields["idle_timeout_minutes"] = idle["IdleTimeoutInMinutes"]
    ebs = (settings.get("SpaceStorageSettings") or {}).get("EbsStorageSettings") or {}
    if "EbsVolumeSizeInGb" in ebs:
        fields["storage_gb"] = ebs["EbsVolumeSizeInGb"]
    return fields


# ---- spaces ------------------------------------------------------------------------------------
async def create_space(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    _check_domain(p["DomainId"])
    owner = (p.get("OwnershipSettings") or {}).get("OwnerUserProfileName", call.owner)
    if owner != call.owner:
        raise validation(
            f"OwnershipSettings.OwnerUserProfileName must be your own profile ({call.owner})."
        )
    sharing = (p.get("SpaceSharingSettings") or {}).get("SharingType", "Private")
    body = {
        "name": p["SpaceName"],
        "sharing": sharing.lower(),
        "start": False,  # SageMaker's CreateSpace starts nothing: CreateApp does
        **_from_settings(p.get("SpaceSettings")),
    }
    space = await call.services.spaces.create(call.owner, build(SpaceCreate, body))
    kept = {k: p[k] for k in ("SpaceDisplayName",) if k in p}
    await call.aws.requests.put(call.owner, "space", space.name, kept)
    await tags.keep(call, "space", space.name, p.get("Tags"))
    return {"SpaceArn": space_arn(call, space)}


async def describe_space(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    _check_domain(p["DomainId"])
    space = await _space(call, p["SpaceName"])
    kept = await call.aws.requests.get(space.owner, "space", space.name) or {}
    return {
        "DomainId": DOMAIN_ID,
        "SpaceArn": space_arn(call, space),
        "SpaceName": space.name,
        "Status": SPACE_STATUS.get(space.status, "InService"),
        "FailureReason": space.failure_reason,
        "CreationTime": seconds(space.created_ms),
        "LastModifiedTime": seconds(space.modified_ms),
        "SpaceSettings": _settings(call, space),
        "OwnershipSettings": {"OwnerUserProfileName": space.owner},
        "SpaceSharingSettings": {"SharingType": _sharing(space)},
        "SpaceDisplayName": kept.get("SpaceDisplayName"),
    }


async def list_spaces(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    _check_domain(p.get("DomainIdEquals"))
    query = list_query(SpaceQuery, p, sorts=SORT_BY, order="Descending", name="SpaceNameContains")
    page = await call.services.spaces.list_spaces(call.owner, query)
    items = [
        {
            "DomainId": DOMAIN_ID,
            "SpaceName": s.name,
            "Status": SPACE_STATUS.get(s.status, "InService"),
            "CreationTime": seconds(s.created_ms),
            "LastModifiedTime": seconds(s.modified_ms),
            "SpaceSettingsSummary": {
                "AppType": "JupyterLab",
                "SpaceStorageSettings": _settings(call, s)["SpaceStorageSettings"],
            },
            "SpaceSharingSettingsSummary": {"SharingType": _sharing(s)},
            "OwnershipSettingsSummary": {"OwnerUserProfileName": s.owner},
        }
        for s in page.items
    ]
    return {"Spaces": items, "NextToken": page.next_token}


async def update_space(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    _check_domain(p["DomainId"])
    space = await _space(call, p["SpaceName"])
    changes = _from_settings(p.get("SpaceSettings"))
    if changes:
        await call.services.spaces.update(call.owner, space.name, build(SpaceUpdate, changes))
    if "SpaceDisplayName" in p:
        kept = await call.aws.requests.get(space.owner, "space", space.name) or {}
        kept["SpaceDisplayName"] = p["SpaceDisplayName"]
        await call.aws.requests.put(space.owner, "space", space.name, kept)
    return {"SpaceArn": space_arn(call, space)}


async def delete_space(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    """As SageMaker: a space whose apps were not deleted is ResourceInUse."""
    _check_domain(p["DomainId"])
    space = await _space(call, p["SpaceName"])
    live = [a for a in await _apps(call, space) if a["Status"] != "Deleted"]
    if live:
        raise AwsFault(
            "ResourceInUse",
            f"Space {space.name} has apps that are not deleted "
            f"({', '.join(a['AppName'] for a in live)}): delete them first.",
        )
    with not_found_as(_missing(space.name)):
        await call.services.spaces.delete(call.owner, space.name)
    return {}


# ---- apps --------------------------------------------------------------------------------------
def app_arn(call: Call, space: Space, app_type: str, name: str) -> str:
    resource = f"app/{DOMAIN_ID}/{space.name}/{app_type.lower()}/{name}"
    return call.aws.config.arn(resource, space.owner)


async def _kept_apps(call: Call, space: Space) -> list[dict[str, Any]]:
    kept = await call.aws.requests.get(space.owner, APPS, space.name)
    return list((kept or {}).get("Apps", []))


def _app(space: Space, kept: dict[str, Any]) -> dict[str, Any]:
    """One app as DescribeApp shows it: its status is its space's compute."""
    status = "Deleted" if kept.get("Deleted") else APP_STATUS[space.status]
    return {
        "DomainId": DOMAIN_ID,
        "SpaceName": space.name,
        "AppType": kept["AppType"],
        "AppName": kept["AppName"],
        "Status": status,
        "CreationTime": kept["CreationTime"],
        "ResourceSpec": kept.get("ResourceSpec"),
        "FailureReason": space.failure_reason if status == "Failed" else None,
    }


async def _apps(call: Call, space: Space) -> list[dict[str, Any]]:
    """The space's apps; a space started elsewhere (the Lab) shows JupyterLab ``default``."""
    kept = await _kept_apps(call, space)
    if not kept and space.status in (S.PENDING, S.IN_SERVICE, S.UPDATING, S.FAILED):
        started = seconds(space.started_ms or space.modified_ms)
        kept = [{"AppType": "JupyterLab", "AppName": "default", "CreationTime": started,
                 "ResourceSpec": {"InstanceType": space.profile}}]  # fmt: skip
    return [_app(space, a) for a in kept]


def _app_space(p: dict[str, Any]) -> str:
    _check_domain(p.get("DomainId"))
    if not p.get("SpaceName"):
        raise validation("Apps run in spaces on this server: give SpaceName.")
    return str(p["SpaceName"])


def _app_missing(p: dict[str, Any]) -> AwsFault:
    return AwsFault(
        "ResourceNotFound",
        f"App {p['AppType']}/{p['AppName']} does not exist in space {p['SpaceName']}.",
    )


async def create_app(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    space = await _space(call, _app_space(p))
    app_type, name = p["AppType"], p["AppName"]
    if app_type not in APP_TYPES:
        raise validation(f"AppType {app_type} is not supported by this server.")
    shown = {(a["AppType"], a["AppName"]): a for a in await _apps(call, space)}
    # A space started in the Lab: its JupyterLab app is kept from now on, so deleting
    # the new app does not stop the compute that app runs on.
    apps = await _kept_apps(call, space) or [
        {k: a[k] for k in ("AppType", "AppName", "CreationTime", "ResourceSpec")}
        for a in shown.values()
        if a["Status"] != "Deleted"
    ]
    if any(t == app_type and a["Status"] != "Deleted" for (t, _), a in shown.items()):
        raise AwsFault(
            "ResourceInUse", f"Space {space.name} already has a {app_type} app that is not deleted."
        )
    spec = p.get("ResourceSpec") or {}
    changes: dict[str, Any] = {}
    if spec.get("InstanceType") not in (None, space.profile):
        changes["profile"] = spec["InstanceType"]
    if "LifecycleConfigArn" in spec:
        config = lifecycle.name_of(spec["LifecycleConfigArn"])
        if config not in space.lifecycle_configs:
            changes["lifecycle_configs"] = [*space.lifecycle_configs, config]
    if changes:
        await call.services.spaces.update(call.owner, space.name, build(SpaceUpdate, changes))
    space = await call.services.spaces.start(call.owner, space.name)
    record = {"AppType": app_type, "AppName": name, "CreationTime": time.time(),
              "ResourceSpec": _resource_spec(call, space)}  # fmt: skip
    apps = [a for a in apps if (a["AppType"], a["AppName"]) != (app_type, name)] + [record]
    await call.aws.requests.put(space.owner, APPS, space.name, {"Apps": apps})
    arn = app_arn(call, space, app_type, name)
    await tags.keep(call, "app", f"{space.name}/{app_type.lower()}/{name}", p.get("Tags"))
    return {"AppArn": arn}


async def _find_app(call: Call, p: dict[str, Any]) -> tuple[Space, dict[str, Any]]:
    space = await _space(call, _app_space(p))
    for app in await _apps(call, space):
        if (app["AppType"], app["AppName"]) == (p["AppType"], p["AppName"]):
            return space, app
    raise _app_missing(p)


async def describe_app(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    space, app = await _find_app(call, p)
    return {**app, "AppArn": app_arn(call, space, app["AppType"], app["AppName"])}


async def delete_app(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    """Marks the app deleted; the space's compute stops with its last app."""
    space, app = await _find_app(call, p)
    if app["Status"] == "Deleted":
        raise _app_missing(p)
    if app["Status"] in ("Pending", "Deleting"):
        raise AwsFault("ResourceInUse", f"App {app['AppName']} is {app['Status']}.")
    apps = await _kept_apps(call, space) or [
        {k: app[k] for k in ("AppType", "AppName", "CreationTime", "ResourceSpec")}
    ]
    for kept in apps:
        if (kept["AppType"], kept["AppName"]) == (app["AppType"], app["AppName"]):
            kept["Deleted"] = True
    await call.aws.requests.put(space.owner, APPS, space.name, {"Apps": apps})
    if all(a.get("Deleted") for a in apps):
        await call.services.spaces.stop(call.owner, space.name)
    return {}


async def list_apps(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    """The apps of every space the caller may use, paged in memory."""
    _check_domain(p.get("DomainIdEquals"))
    if p.get("UserProfileNameEquals") not in (None, call.owner):
        return {"Apps": []}
    query = list_query(ListQuery, p, order="Descending", name="SpaceNameEquals")
    wanted = p.get("SpaceNameEquals")
    apps: list[dict[str, Any]] = []
    for name in await call.services.spaces.repository.usable_by(call.owner):
        if wanted in (None, name):
            apps += await _apps(call, await _space(call, name))
    summary = ("DomainId", "SpaceName", "AppType", "AppName", "Status", "CreationTime",
               "ResourceSpec")  # fmt: skip
    items = [{k: a[k] for k in summary} for a in apps]
    page, token = page_items(
        items,
        query,
        lambda a: (
            int(a["CreationTime"] * 1000),
            f"{a['SpaceName']}/{a['AppType']}/{a['AppName']}",
        ),
    )
    return {"Apps": page, "NextToken": token}


OPERATIONS: dict[str, Operation] = {
    "CreateSpace": create_space,
    "DescribeSpace": describe_space,
    "ListSpaces": list_spaces,
    "UpdateSpace": update_space,
    "DeleteSpace": delete_space,
    "CreateApp": create_app,
    "DescribeApp": describe_app,
    "DeleteApp": delete_app,
    "ListApps": list_apps,
}
