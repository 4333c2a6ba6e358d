"""boto3 against a real server: Spaces, Apps and Studio lifecycle configs.

They are the spaces and lifecycle configurations the REST API and the Lab show (one
store); apps start and stop a space's compute. Every answer is checked against
botocore's output shape, and another user sees none of it (ResourceNotFound).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from .aws_helpers import ACCOUNT, REGION, AwsServer, aws, raw_answers, unknown_members
from .test_aws_training import error_of
from .waiting import wait_until

pytestmark = pytest.mark.slow
__all__ = ["aws"]

DOMAIN = "d-smstudio"
SCRIPT = "#!/bin/sh\necho configured > $HOME/.configured-by-lcc 2>/dev/null || true\n"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def check_answers(answers: list[tuple[str, dict[str, Any]]]) -> None:
    assert answers
    for operation, answer in answers:
        assert unknown_members("sagemaker", operation, answer) == [], operation


def code(response: dict[str, Any]) -> str:
    return str(response["Error"]["Code"])


def wait_app(sm: Any, status: str) -> None:
    """botocore has no app waiters: poll DescribeApp as one would."""

    def reached() -> bool:
        app = sm.describe_app(
            DomainId=DOMAIN, SpaceName="boto-space", AppType="JupyterLab", AppName="default"
        )
        assert app["Status"] != "Failed", app
        return bool(app["Status"] == status)

    wait_until(reached, 120, f"the app {status}")


def test_studio_lifecycle_configs_are_the_lifecycle_configs_of_the_rest_api(
    aws: AwsServer,
) -> None:
    sm = aws.client("sagemaker")
    answers = raw_answers(sm)
    arn = sm.create_studio_lifecycle_config(
        StudioLifecycleConfigName="lcc-one",
        StudioLifecycleConfigContent=b64(SCRIPT),
        StudioLifecycleConfigAppType="JupyterLab",
        Tags=[{"Key": "team", "Value": "ml"}],
    )["StudioLifecycleConfigArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:studio-lifecycle-config/lcc-one"
    described = sm.describe_studio_lifecycle_config(StudioLifecycleConfigName="lcc-one")
    assert base64.b64decode(described["StudioLifecycleConfigContent"]).decode() == SCRIPT
    assert described["StudioLifecycleConfigAppType"] == "JupyterLab"
    # One store: the REST API shows it as an on-start script, decoded.
    rest = aws.rest("GET", "lifecycle-configs/lcc-one")
    assert rest.status_code == 200, rest.text
    assert rest.json()["content"] == SCRIPT
    assert rest.json()["type"] == "on-start"
    assert aws.rest(
        "POST",
        "lifecycle-configs",
        json={"name": "lcc-rest", "type": "on-create", "content": "#!/bin/sh\ntrue\n"},
    ).ok
    for name in ("lcc-two", "lcc-three"):
        sm.create_studio_lifecycle_config(
            StudioLifecycleConfigName=name,
            StudioLifecycleConfigContent=b64(SCRIPT),
            StudioLifecycleConfigAppType="KernelGateway",
        )
    # Paging: botocore's paginator walks every page of 1.
    pages = sm.get_paginator("list_studio_lifecycle_configs").paginate(
        PaginationConfig={"PageSize": 1}
    )
    listed = [
        c["StudioLifecycleConfigName"] for page in pages for c in page["StudioLifecycleConfigs"]
    ]
    assert sorted(listed) == ["lcc-one", "lcc-rest", "lcc-three", "lcc-two"]
    kernel = sm.list_studio_lifecycle_configs(AppTypeEquals="KernelGateway")
    assert {c["StudioLifecycleConfigName"] for c in kernel["StudioLifecycleConfigs"]} == {
        "lcc-two",
        "lcc-three",
    }
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]

    # Errors, as botocore parses them.
    again = error_of(
        sm.create_studio_lifecycle_config,
        StudioLifecycleConfigName="lcc-one",
        StudioLifecycleConfigContent=b64(SCRIPT),
        StudioLifecycleConfigAppType="JupyterLab",
    )
    assert code(again) == "ResourceInUse"
    not_base64 = error_of(
        sm.create_studio_lifecycle_config,
        StudioLifecycleConfigName="lcc-bad",
        StudioLifecycleConfigContent="%%% not base64",
        StudioLifecycleConfigAppType="JupyterLab",
    )
    assert code(not_base64) == "ValidationException"
    assert "base64" in not_base64["Error"]["Message"]
    bad_type = error_of(
        sm.create_studio_lifecycle_config,
        StudioLifecycleConfigName="lcc-bad",
        StudioLifecycleConfigContent=b64(SCRIPT),
        StudioLifecycleConfigAppType="Notebook",
    )
    assert code(bad_type) == "ValidationException"
    assert "studioLifecycleConfigAppType" in bad_type["Error"]["Message"]
    assert aws.rest("GET", "lifecycle-configs/lcc-bad").status_code == 404  # nothing created

    # Another user sees nothing of it and cannot delete it.
    bob = aws.client("sagemaker", "bob")
    for call in (bob.describe_studio_lifecycle_config, bob.delete_studio_lifecycle_config):
        assert code(error_of(call, StudioLifecycleConfigName="lcc-one")) == "ResourceNotFound"
    assert bob.list_studio_lifecycle_configs()["StudioLifecycleConfigs"] == []

    sm.delete_studio_lifecycle_config(StudioLifecycleConfigName="lcc-three")
    gone = error_of(sm.describe_studio_lifecycle_config, StudioLifecycleConfigName="lcc-three")
    assert code(gone) == "ResourceNotFound"
    assert aws.rest("GET", "lifecycle-configs/lcc-three").status_code == 404
    check_answers(answers)


def test_a_space_and_its_app_start_and_stop_its_compute(aws: AwsServer) -> None:
    sm = aws.client("sagemaker")
    answers = raw_answers(sm)
    sm.create_studio_lifecycle_config(
        StudioLifecycleConfigName="lcc-space",
        StudioLifecycleConfigContent=b64("#!/bin/sh\necho lifecycle ran\n"),
        StudioLifecycleConfigAppType="JupyterLab",
    )
    lcc_arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:studio-lifecycle-config/lcc-space"
    arn = sm.create_space(
        DomainId=DOMAIN,
        SpaceName="boto-space",
        SpaceDisplayName="My space",
        Tags=[{"Key": "team", "Value": "ml"}],
        OwnershipSettings={"OwnerUserProfileName": "alice"},
        SpaceSharingSettings={"SharingType": "Private"},
        SpaceSettings={
            "AppType": "JupyterLab",
            "JupyterLabAppSettings": {
                "DefaultResourceSpec": {"InstanceType": "ml.t3.medium"},
                "AppLifecycleManagement": {"IdleSettings": {"IdleTimeoutInMinutes": 120}},
            },
            "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 5}},
        },
    )["SpaceArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:space/{DOMAIN}/boto-space"
    space = sm.describe_space(DomainId=DOMAIN, SpaceName="boto-space")
    assert space["Status"] == "InService"
    assert space["SpaceDisplayName"] == "My space"
    assert space["OwnershipSettings"] == {"OwnerUserProfileName": "alice"}
    assert space["SpaceSharingSettings"] == {"SharingType": "Private"}
    lab = space["SpaceSettings"]["JupyterLabAppSettings"]
    assert lab["DefaultResourceSpec"]["InstanceType"] == "ml.t3.medium"
    assert lab["AppLifecycleManagement"]["IdleSettings"]["IdleTimeoutInMinutes"] == 120
    # One store: the REST API shows the same space, its compute not started.
    rest = aws.rest("GET", "spaces/boto-space").json()
    assert (rest["profile"], rest["storage_gb"], rest["status"]) == ("ml.t3.medium", 5, "Stopped")

    sm.update_space(
        DomainId=DOMAIN,
        SpaceName="boto-space",
        SpaceSettings={
            "JupyterLabAppSettings": {
                "DefaultResourceSpec": {
                    "InstanceType": "ml.m5.large",
                    "LifecycleConfigArn": lcc_arn,
                }
            }
        },
    )
    assert aws.rest("GET", "spaces/boto-space").json()["profile"] == "ml.m5.large"
    assert aws.rest("GET", "spaces/boto-space").json()["lifecycle_configs"] == ["lcc-space"]

    # The JupyterLab app is the space's compute: creating it starts the space.
    app_arn = sm.create_app(
        DomainId=DOMAIN,
        SpaceName="boto-space",
        AppType="JupyterLab",
        AppName="default",
        Tags=[{"Key": "app", "Value": "lab"}],
    )["AppArn"]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]
    assert sm.list_tags(ResourceArn=app_arn)["Tags"] == [{"Key": "app", "Value": "lab"}]
    assert app_arn == (
        f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:app/{DOMAIN}/boto-space/jupyterlab/default"
    )
    wait_app(sm, "InService")
    assert aws.rest("GET", "spaces/boto-space").json()["status"] == "InService"
    app = sm.describe_app(
        DomainId=DOMAIN, SpaceName="boto-space", AppType="JupyterLab", AppName="default"
    )
    assert app["Status"] == "InService"
    assert app["ResourceSpec"] == {"InstanceType": "ml.m5.large", "LifecycleConfigArn": lcc_arn}
    listed = sm.list_apps(DomainIdEquals=DOMAIN, SpaceNameEquals="boto-space")["Apps"]
    assert [(a["AppName"], a["Status"]) for a in listed] == [("default", "InService")]
    twice = error_of(
        sm.create_app, DomainId=DOMAIN, SpaceName="boto-space", AppType="JupyterLab", AppName="x"
    )
    assert code(twice) == "ResourceInUse"
    in_use = error_of(sm.delete_space, DomainId=DOMAIN, SpaceName="boto-space")
    assert code(in_use) == "ResourceInUse"
    held = error_of(sm.delete_studio_lifecycle_config, StudioLifecycleConfigName="lcc-space")
    assert code(held) == "ResourceInUse"

    # Another user: the private space and its app do not exist for them.
    bob = aws.client("sagemaker", "bob")
    for call, kw in (
        (bob.describe_space, {}),
        (bob.update_space, {"SpaceDisplayName": "mine"}),
        (bob.delete_space, {}),
        (bob.describe_app, {"AppType": "JupyterLab", "AppName": "default"}),
        (bob.delete_app, {"AppType": "JupyterLab", "AppName": "default"}),
        (bob.create_app, {"AppType": "JupyterLab", "AppName": "default"}),
    ):
        assert code(error_of(call, DomainId=DOMAIN, SpaceName="boto-space", **kw)) == (
            "ResourceNotFound"
        ), call
    assert bob.list_spaces()["Spaces"] == []
    assert code(error_of(bob.list_tags, ResourceArn=arn)) == "ValidationException"
    assert bob.list_apps()["Apps"] == []

    # Deleting the app stops the compute; then the space can go.
    sm.delete_app(DomainId=DOMAIN, SpaceName="boto-space", AppType="JupyterLab", AppName="default")
    wait_app(sm, "Deleted")
    assert aws.rest("GET", "spaces/boto-space").json()["status"] == "Stopped"
    again = error_of(
        sm.delete_app, DomainId=DOMAIN, SpaceName="boto-space", AppType="JupyterLab",
        AppName="default",
    )  # fmt: skip
    assert code(again) == "ResourceNotFound"
    sm.delete_space(DomainId=DOMAIN, SpaceName="boto-space")
    gone = error_of(sm.describe_space, DomainId=DOMAIN, SpaceName="boto-space")
    assert code(gone) == "ResourceNotFound"
    assert aws.rest("GET", "spaces/boto-space").status_code == 404
    check_answers(answers)


def test_space_errors_and_paging(aws: AwsServer) -> None:
    sm = aws.client("sagemaker")
    answers = raw_answers(sm)
    for i in range(3):
        sm.create_space(DomainId=DOMAIN, SpaceName=f"paged-{i}")
    pages = sm.get_paginator("list_spaces").paginate(
        DomainIdEquals=DOMAIN, SpaceNameContains="paged", PaginationConfig={"PageSize": 2}
    )
    listed = [[s["SpaceName"] for s in page["Spaces"]] for page in pages]
    assert [len(p) for p in listed] == [2, 1]
    assert sorted(n for page in listed for n in page) == ["paged-0", "paged-1", "paged-2"]
    # A space started in the Lab (REST) shows its JupyterLab app.
    assert aws.rest("POST", "spaces/paged-0/start").ok
    apps = sm.list_apps(SpaceNameEquals="paged-0")["Apps"]
    assert [(a["AppType"], a["AppName"]) for a in apps] == [("JupyterLab", "default")]
    # A second app runs on the same compute; deleting it leaves the Lab's app running.
    gateway = {"DomainId": DOMAIN, "SpaceName": "paged-0", "AppType": "KernelGateway"}
    sm.create_app(**gateway, AppName="kg")
    sm.delete_app(**gateway, AppName="kg")
    assert aws.rest("GET", "spaces/paged-0").json()["status"] == "InService"
    statuses = {a["AppName"]: a["Status"] for a in sm.list_apps(SpaceNameEquals="paged-0")["Apps"]}
    assert statuses == {"default": "InService", "kg": "Deleted"}
    sm.delete_app(DomainId=DOMAIN, SpaceName="paged-0", AppType="JupyterLab", AppName="default")
    assert aws.rest("GET", "spaces/paged-0").json()["status"] == "Stopped"

    taken = error_of(sm.create_space, DomainId=DOMAIN, SpaceName="paged-1")
    assert code(taken) == "ResourceInUse"
    bad_name = error_of(sm.create_space, DomainId=DOMAIN, SpaceName="no_underscores")
    assert code(bad_name) == "ValidationException"
    assert "spaceName" in bad_name["Error"]["Message"]
    other_domain = error_of(sm.describe_space, DomainId="d-elsewhere", SpaceName="paged-1")
    assert code(other_domain) == "ResourceNotFound"
    not_mine = error_of(
        sm.create_space,
        DomainId=DOMAIN,
        SpaceName="for-bob",
        OwnershipSettings={"OwnerUserProfileName": "bob"},
    )
    assert code(not_mine) == "ValidationException"
    too_big = error_of(
        sm.create_space,
        DomainId=DOMAIN,
        SpaceName="too-big",
        SpaceSettings={"SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 500}}},
    )
    assert code(too_big) == "ValidationException"
    assert "maximum of 100 GB" in too_big["Error"]["Message"]
    assert aws.rest("GET", "spaces/too-big").status_code == 404  # nothing created
    canvas = error_of(
        sm.create_app, DomainId=DOMAIN, SpaceName="paged-1", AppType="Canvas", AppName="default"
    )
    assert code(canvas) == "ValidationException"
    missing = error_of(
        sm.describe_app, DomainId=DOMAIN, SpaceName="paged-1", AppType="JupyterLab",
        AppName="default",
    )  # fmt: skip
    assert code(missing) == "ResourceNotFound"
    bad_token = error_of(sm.list_spaces, NextToken="not-a-token")
    assert code(bad_token) == "ValidationException"
    check_answers(answers)
