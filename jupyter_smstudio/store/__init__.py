"""Persistent state: the database engine, schema versions and migrations."""

from .database import Database, SchemaTooNew

__all__ = ["Database", "SchemaTooNew"]
