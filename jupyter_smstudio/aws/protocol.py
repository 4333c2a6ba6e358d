"""One operation call through an AWS protocol: who calls, with what, answered how.

An operation is an async function of a ``Call`` and its checked parameters that
returns its answer as Python values; ``dispatch`` checks the request against
botocore's model, runs the operation and shapes the answer from the model.
Operations translate into service calls and nothing else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import SMStudioError
from . import model
from .faults import AwsFault, from_service

if TYPE_CHECKING:
    from ..services import Services
    from .area import AwsArea


@dataclass(frozen=True)
class Call:
    """The caller (the owner of the access key that signed) and what operations use."""

    owner: str
    services: Services

    @property
    def aws(self) -> AwsArea:
        return self.services.aws


Operation = Callable[[Call, dict[str, Any]], Awaitable[dict[str, Any]]]


async def dispatch(
    service: str, operations: dict[str, Operation], name: str, call: Call, params: Any
) -> dict[str, Any]:
    """Check ``params``, run operation ``name`` of ``service``, shape its answer."""
    op_model = model.operation(service, name)
    op = operations.get(name)
    if op_model is None or op is None:
        raise AwsFault(
            "UnknownOperationException", f"Operation {name} is not supported by this server."
        )
    try:
        checked = model.check(op_model, params)
    except model.ModelViolation as err:
        raise AwsFault(err.code, err.message) from None
    try:
        answer = await op(call, checked)
    except SMStudioError as err:
        raise from_service(err) from err
    shaped = model.shape(op_model.output_shape, answer)
    assert isinstance(shaped, dict)
    return shaped
