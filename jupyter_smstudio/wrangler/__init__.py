"""Data Wrangler: import, profile, transform and export tabular data as flows.

Flows are ``.flow`` JSON files in the user's directory; the engine is Polars
(lazy), with DuckDB reading CSV (so malformed rows get line numbers) and
databases. Heavy work runs in a thread pool, custom code in a subprocess.
"""
