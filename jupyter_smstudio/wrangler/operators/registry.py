"""The operator registry: name -> operator, with JSON schemas for the UI."""

from __future__ import annotations

from typing import Any

from ...errors import InvalidInput
from ..models import OperatorInfo
from . import columns, combine, custom, encode, features, missing, rows
from .base import Operator

REGISTRY: dict[str, Operator[Any]] = {
    op.name: op
    for module in (columns, rows, missing, encode, features, combine, custom)
    for op in module.OPERATORS
}


def get_operator(name: str) -> Operator[Any]:
    try:
        return REGISTRY[name]
    except KeyError:
        raise InvalidInput(
            f"operator: unknown operator '{name}'; see GET /wrangler/operators", field="operator"
        ) from None


def describe() -> list[OperatorInfo]:
    return [
        OperatorInfo(
            name=op.name,
            version=op.version,
            title=op.title,
            group=op.group,
            description=op.description,
            fits=op.fits,
            params_schema=op.params_model.model_json_schema(),
        )
        for op in REGISTRY.values()
    ]
