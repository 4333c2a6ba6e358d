"""The JSONPath subset SageMaker's DataProcessing filters use.

``$``, ``$.key``, ``$['a','b']``, ``$[0]``, ``$[-1]``, ``$[1:]``, ``$[0,5:]`` and chains of
them (``$.features[1:]``). A union on a list gives a flat list; on an object, the
object restricted to those keys (so ``$['id','SageMakerOutput']`` keeps both fields).
"""

from __future__ import annotations

import re
from typing import Any

_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_\-]*)|\[([^\]]*)\]")


class JsonPathError(ValueError):
    pass


Selector = list[tuple[str, Any]]  # ("key", name) | ("union", [int | slice | str, ...])


def _item(text: str) -> int | slice | str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if ":" in text:
        parts = [p.strip() for p in text.split(":")]
        if len(parts) > 3:
            raise JsonPathError(f"bad slice {text!r}")
        values = [int(p) if p else None for p in parts]
        return slice(*values)
    if text == "*":
        return slice(None)
    return int(text)


def compile_path(path: str) -> Selector:
    path = path.strip()
    if not path.startswith("$"):
        raise JsonPathError(f"{path!r} must start with $")
    steps: Selector = []
    pos = 1
    while pos < len(path):
        match = _STEP.match(path, pos)
        if match is None:
            raise JsonPathError(f"cannot parse {path!r} at position {pos}")
        if match.group(1) is not None:
            steps.append(("key", match.group(1)))
        else:
            try:
                steps.append(("union", [_item(p) for p in match.group(2).split(",")]))
            except ValueError as err:
                raise JsonPathError(f"bad index in {path!r}: {err}") from None
        pos = match.end()
    return steps


def apply(selector: Selector, value: Any) -> Any:
    for kind, arg in selector:
        if kind == "key":
            if not isinstance(value, dict) or arg not in value:
                raise JsonPathError(f"no key {arg!r}")
            value = value[arg]
            continue
        if isinstance(value, dict):
            missing = [k for k in arg if k not in value]
            if missing:
                raise JsonPathError(f"no key {missing[0]!r}")
            value = value[arg[0]] if len(arg) == 1 else {k: value[k] for k in arg}
        elif isinstance(value, list):
            if len(arg) == 1 and isinstance(arg[0], int):
                value = value[arg[0]]
                continue
            picked: list[Any] = []
            for item in arg:
                if isinstance(item, slice):
                    picked.extend(value[item])
                elif isinstance(item, int):
                    picked.append(value[item])
                else:
                    raise JsonPathError(f"key {item!r} used on an array")
            value = picked
        else:
            raise JsonPathError("index used on a scalar")
    return value
