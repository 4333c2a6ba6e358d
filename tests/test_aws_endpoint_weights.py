"""boto3's UpdateEndpointWeightsAndCapacities against a real endpoint of two variants.

The endpoint is made through the REST API (one store): the weights boto3 sets are the
hosting service's, so invocations follow them at once.
"""

from __future__ import annotations

from typing import Any

import pytest

from .aws_helpers import AwsServer, aws, raw_answers, unknown_members
from .hosting_models import model_tree
from .test_aws_training import error_of
from .waiting import wait_until

pytestmark = pytest.mark.slow
__all__ = ["aws"]


def variant(name: str, weight: float) -> dict[str, Any]:
    return {"variant_name": name, "model_name": "weighted", "workers": 1,
            "initial_variant_weight": weight}  # fmt: skip


def test_weights_change_the_traffic_split_at_once(aws: AwsServer) -> None:
    model_tree(aws.root / "weighted")
    assert aws.rest("POST", "models", json={"name": "weighted", "model_data": "weighted"}).ok
    body = {"name": "split", "variants": [variant("one", 1), variant("two", 1)]}
    assert aws.rest("POST", "endpoints", json=body).ok
    sm = aws.client("sagemaker")
    answers = raw_answers(sm)
    sm.get_waiter("endpoint_in_service").wait(
        EndpointName="split", WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )
    try:
        arn = sm.update_endpoint_weights_and_capacities(
            EndpointName="split",
            DesiredWeightsAndCapacities=[
                {"VariantName": "one", "DesiredWeight": 0.0, "DesiredInstanceCount": 1},
                {"VariantName": "two", "DesiredWeight": 2.0},
            ],
        )["EndpointArn"]
        assert arn.endswith(":endpoint/split")
        described = sm.describe_endpoint(EndpointName="split")
        assert described["EndpointStatus"] == "InService"
        weights = {v["VariantName"]: v["CurrentWeight"] for v in described["ProductionVariants"]}
        assert weights == {"one": 0.0, "two": 2.0}
        rest = aws.rest("GET", "endpoints/split").json()
        assert {v["variant_name"]: v["current_weight"] for v in rest["variants"]} == weights
        runtime = aws.client("sagemaker-runtime", endpoint_url=aws.server.url + "smstudio/runtime")
        invoked = {
            runtime.invoke_endpoint(EndpointName="split", Body=b"1,1,1", ContentType="text/csv")[
                "InvokedProductionVariant"
            ]
            for _ in range(20)
        }
        assert invoked == {"two"}  # weight 0: no traffic

        def refused(**kw: Any) -> dict[str, Any]:
            return error_of(sm.update_endpoint_weights_and_capacities, **kw)

        unknown = refused(
            EndpointName="split", DesiredWeightsAndCapacities=[{"VariantName": "three"}]
        )
        assert unknown["Error"]["Code"] == "ValidationException"
        assert "three" in unknown["Error"]["Message"]
        count = refused(
            EndpointName="split",
            DesiredWeightsAndCapacities=[{"VariantName": "one", "DesiredInstanceCount": 3}],
        )
        assert count["Error"]["Code"] == "ValidationException"
        assert "DesiredInstanceCount" in count["Error"]["Message"]
        no_traffic = refused(
            EndpointName="split",
            DesiredWeightsAndCapacities=[{"VariantName": "two", "DesiredWeight": 0.0}],
        )
        assert no_traffic["Error"]["Code"] == "ValidationException"
        missing = refused(EndpointName="nope", DesiredWeightsAndCapacities=[{"VariantName": "one"}])
        assert "Could not find endpoint" in missing["Error"]["Message"]
        bob = aws.client("sagemaker", "bob")
        theirs = error_of(
            bob.update_endpoint_weights_and_capacities,
            EndpointName="split",
            DesiredWeightsAndCapacities=[{"VariantName": "one", "DesiredWeight": 1.0}],
        )
        assert "Could not find endpoint" in theirs["Error"]["Message"]
        assert (
            sm.describe_endpoint(EndpointName="split")["ProductionVariants"][0]["CurrentWeight"]
            == 0.0
        )  # nothing changed by the refused calls
        for operation, answer in answers:
            assert unknown_members("sagemaker", operation, answer) == [], operation
    finally:
        assert aws.rest("DELETE", "endpoints/split").ok
        wait_until(
            lambda: aws.rest("GET", "endpoints/split").status_code == 404, 60, "the endpoint gone"
        )
