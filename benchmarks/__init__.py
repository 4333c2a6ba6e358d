"""Benchmarks: ``python -m benchmarks [name ...]`` prints tables and writes JSON."""
