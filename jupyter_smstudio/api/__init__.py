"""Shared HTTP pieces: the base handler, route table and OpenAPI document."""
