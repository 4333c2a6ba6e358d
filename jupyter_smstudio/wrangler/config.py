"""Administrator settings for the Data Wrangler (``c.DataWrangler.<trait>``)."""

from __future__ import annotations

from traitlets import Float
from traitlets.config import LoggingConfigurable


class DataWrangler(LoggingConfigurable):
    """Limits on what a flow's custom code may use."""

    custom_code_memory_gib = Float(
        4.0,
        config=True,
        help="Memory a custom pandas/Polars code step's process may use (GiB), enforced by a "
        "memory cgroup where the machine allows it, else RLIMIT_DATA; past it the step fails "
        "with 'ran out of memory' and the server is unharmed. 0: no limit.",
    )

    @property
    def custom_code_memory_bytes(self) -> int | None:
        return int(self.custom_code_memory_gib * (1 << 30)) or None
