"""Requests checked and answers shaped from botocore's own service models.

The models (``botocore/data/<service>/<version>/service-2.json``) are the one
source of shapes, required members and constraints: nothing here copies them.
botocore's client-side ``ParamValidator`` checks types and required members but
not ``pattern``, ``min``/``max`` or ``enum``; AWS checks those on the server, and
so does ``check``, with AWS's messages (``1 validation error detected: Value 'x'
at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular
expression pattern: ...``). ``shape`` turns an answer built from Python values
into the wire form (timestamps as epoch seconds) and refuses a member the model
does not have, so an answer botocore cannot parse never leaves the server.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from typing import Any

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel, Shape

#: What AWS returns when a message lists more problems than this.
MAX_REPORTED = 10


class ModelViolation(Exception):
    """A request that does not satisfy the model; ``code`` is AWS's error name."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@functools.cache
def service(name: str) -> ServiceModel:
    """botocore's model of ``name`` (``sagemaker``, ``logs``, ``sts``), loaded once."""
    return ServiceModel(Loader().load_service_model(name, "service-2"), service_name=name)


def operation(service_name: str, name: str) -> OperationModel | None:
    model = service(service_name)
    return model.operation_model(name) if name in model.operation_names else None


@functools.cache
def _pattern(text: str) -> re.Pattern[str] | None:
    """A model pattern, matched against the whole value as AWS does (None: not Python)."""
    try:
        return re.compile(text, re.DOTALL)
    except re.error:
        return None


def _member_path(path: str, name: str) -> str:
    """AWS names members lowerCamel in messages: ``algorithmSpecification.trainingImage``."""
    leaf = name[:1].lower() + name[1:]
    return f"{path}.{leaf}" if path else leaf


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    return str(value)


def _constraints(shape: Shape, value: Any) -> list[str]:
    """What ``value`` breaks of ``shape``'s own pattern/min/max/enum, in AWS's words."""
    found: list[str] = []
    meta = shape.metadata
    kind = shape.type_name
    if kind == "string":
        enum = getattr(shape, "enum", None) or []
        if enum and value not in enum:
            found.append(f"Member must satisfy enum value set: [{', '.join(enum)}]")
        if "min" in meta and len(value) < meta["min"]:
            found.append(f"Member must have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            found.append(f"Member must have length less than or equal to {meta['max']}")
        pattern = _pattern(meta["pattern"]) if "pattern" in meta else None
        if pattern is not None and pattern.fullmatch(value) is None:
            found.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
    elif kind in ("integer", "long", "float", "double"):
        if "min" in meta and value < meta["min"]:
            found.append(f"Member must have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            found.append(f"Member must have value less than or equal to {meta['max']}")
    elif kind in ("list", "map"):
        if "min" in meta and len(value) < meta["min"]:
            found.append(f"Member must have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            found.append(f"Member must have length less than or equal to {meta['max']}")
    return found


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "timestamp": (int, float, str),
    "blob": (str,),
    "structure": (dict,),
    "map": (dict,),
    "list": (list,),
}


def _typed(kind: str, value: Any) -> bool:
    """JSON ``value`` has the model's type ``kind`` (a boolean is no number)."""
    types = _JSON_TYPES.get(kind, (object,))
    return isinstance(value, types) and (kind == "boolean" or not isinstance(value, bool))


def _walk(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    kind = shape.type_name
    if not _typed(kind, value):
        raise ModelViolation(
            "SerializationException",
            f"Value at '{path or 'request'}' must be of type {kind}.",
        )
    for text in _constraints(shape, value):
        problems.append(f"Value '{_shown(value)}' at '{path}' failed to satisfy constraint: {text}")
    if kind == "structure":
        members = shape.members
        for name in shape.required_members:
            if value.get(name) is None:
                where = _member_path(path, name)
                problems.append(
                    f"Value null at '{where}' failed to satisfy constraint: Member must not be null"
                )
        for name, item in value.items():
            if name not in members:
                raise ModelViolation(
                    "SerializationException",
                    f"Unknown member '{name}' at '{path or 'request'}'.",
                )
            if item is not None:
                _walk(members[name], item, _member_path(path, name), problems)
    elif kind == "list":
        for i, item in enumerate(value, start=1):
            _walk(shape.member, item, f"{path}.{i}.member", problems)
    elif kind == "map":
        for key, item in value.items():
            _walk(shape.key, key, f"{path}.{key}.key", problems)
            _walk(shape.value, item, f"{path}.{key}.value", problems)


def check(op: OperationModel, params: Any) -> dict[str, Any]:
    """``params`` if they satisfy ``op``'s input shape; ModelViolation otherwise."""
    shape = op.input_shape
    if shape is None:
        return {}
    problems: list[str] = []
    _walk(shape, params, "", problems)
    if problems:
        count = len(problems)
        noun = "error" if count == 1 else "errors"
        listed = "; ".join(problems[:MAX_REPORTED])
        raise ModelViolation("ValidationException", f"{count} validation {noun} detected: {listed}")
    assert isinstance(params, dict)
    return params


def _epoch(value: dt.datetime | float | int) -> float:
    if isinstance(value, dt.datetime):
        return value.timestamp()
    return float(value)


def shape(model: Shape | None, value: Any, path: str = "") -> Any:
    """The wire form of an answer; ``None`` members are dropped, unknown ones refused."""
    if model is None:
        return {}
    kind = model.type_name
    if kind == "structure":
        assert isinstance(value, Mapping), f"{path}: a structure, not {type(value).__name__}"
        out: dict[str, Any] = {}
        for name, item in value.items():
            if item is None:
                continue
            if name not in model.members:
                raise AssertionError(f"{path or model.name}: '{name}' is not in the model")
            out[name] = shape(model.members[name], item, f"{path}.{name}")
        missing = [n for n in model.required_members if n not in out]
        if missing:
            raise AssertionError(f"{path or model.name}: required {missing} missing")
        return out
    if kind == "list":
        return [shape(model.member, item, f"{path}[]") for item in value]
    if kind == "map":
        return {k: shape(model.value, v, f"{path}.{k}") for k, v in value.items()}
    if kind == "timestamp":
        return _epoch(value)
    if kind in ("integer", "long"):
        return int(value)
    if kind in ("float", "double"):
        return float(value)
    if kind == "boolean":
        return bool(value)
    return str(value) if kind == "string" else value
