"""What every SDK object shares: a client to the server, found when first needed, and
paths meant as in ``open()``."""

from __future__ import annotations

import inspect
import os
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, overload

from ..client import Client
from ..kernelenv import server_path


@overload
def local_path(path: str) -> str: ...
@overload
def local_path(path: None) -> None: ...
def local_path(path: str | None) -> str | None:
    """A path as the caller means it: relative to the current directory (the notebook's).

    Sent absolute, so the server (whose own relative paths start at its root directory)
    finds the same file for training and deploying; URLs are left as they are.
    """
    if path is None or "://" in path:
        return path
    return server_path(os.path.abspath(os.path.expanduser(path)))


class UsesClient:
    """Objects built in a notebook find their server lazily (see ``Client()``)."""

    _client: Client | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            self._client = Client()
        return self._client


class UnsupportedArgument(ValueError):
    """An argument of the official SDK that this server cannot honour.

    Raised instead of dropping it, so a ported notebook learns at once what differs.
    """


def reject_unsupported(
    owner: str, func: Any, given: Mapping[str, Any], names: Iterable[str]
) -> None:
    """Raise for each of ``names`` given a value other than its default in ``func``.

    ``given`` is the caller's ``locals()``: the defaults are read from the signature, so
    they are written once.
    """
    parameters = inspect.signature(func).parameters
    for name in names:
        value, default = given[name], parameters[name].default
        if value is not default and value != default:
            raise UnsupportedArgument(
                f"{owner}: {name}={value!r} is not supported by SM Studio "
                f"(leave it at its default, {default!r})."
            )


def take_legacy(owner: str, kwargs: dict[str, Any], renames: Mapping[str, str]) -> dict[str, Any]:
    """Map SDK v1 keyword names to v2 ones with a DeprecationWarning, as ``renamed_kwargs``.

    Returns ``{new_name: value}`` for those given (taken out of ``kwargs``); anything else
    left in ``kwargs`` is a ``TypeError`` (the official SDK ignores unknown keywords; a
    typo here should not be).
    """
    found: dict[str, Any] = {}
    for old, new in renames.items():
        if old in kwargs:
            found[new] = kwargs.pop(old)
            warnings.warn(
                f"{old} has been renamed in sagemaker>=2 (use {new}).\n"
                "See: https://sagemaker.readthedocs.io/en/stable/v2.html for details.",
                DeprecationWarning,
                stacklevel=3,
            )
    if kwargs:
        raise TypeError(f"{owner}() got unexpected keyword arguments: {', '.join(sorted(kwargs))}")
    return found
