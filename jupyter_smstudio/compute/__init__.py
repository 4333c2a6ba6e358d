"""Compute profiles: the instance-type-like catalog admins configure."""

from .catalog import ComputeCatalog, ComputeProfile

__all__ = ["ComputeCatalog", "ComputeProfile"]
