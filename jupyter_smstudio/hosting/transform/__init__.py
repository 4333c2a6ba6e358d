"""Batch transform: a detached job that runs a model server and feeds it files."""
