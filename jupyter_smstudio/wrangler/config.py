"""Administrator settings for the Data Wrangler (``c.DataWrangler.<trait>``)."""

from __future__ import annotations

import os
import re
from typing import Any

import psutil
from traitlets import Dict, Float, TraitError, Unicode, validate
from traitlets.config import LoggingConfigurable

from ..runtime.limits import memory_budget

#: A data root's name: what users write before the colon (``datasets:/sales.csv``).
#: Two characters at least, so a Windows drive letter (``C:``) is never one.
ROOT_NAME_PATTERN = r"[A-Za-z][A-Za-z0-9_-]+"
ROOT_NAME = re.compile(f"^{ROOT_NAME_PATTERN}$")
#: A URL protocol as fsspec names it (``s3``, ``https``, ``gcs``, ``abfs``, ...).
PROTOCOL = re.compile(r"^[a-z][a-z0-9+.-]*$")
#: Protocols that would read the server's own disk: data_roots does that, confined.
LOCAL_PROTOCOLS = frozenset({"file", "local"})


class DataWrangler(LoggingConfigurable):
    """Where sources may come from besides the user's own directory; what custom code may use."""

    # ---- custom code ------------------------------------------------------------------
    custom_code_memory_gib = Float(
        4.0,
        config=True,
        help="Memory a custom pandas/Polars code step's process may use (GiB), enforced by a "
        "memory cgroup where the machine allows it, else RLIMIT_DATA; past it the step fails "
        "with 'ran out of memory' and the server is unharmed. 0: no limit.",
    )

    # ---- sources: data roots and remote storage -------------------------------------
    data_roots = Dict(
        value_trait=Unicode(),
        default_value={},
        config=True,
        help="Read-only directories users may import from, by name: "
        '{"datasets": "/srv/datasets"}. Users address a file as datasets:/path/in/it; '
        "paths cannot leave the directory (neither with '..' nor through symlinks).",
    )
    remote_storage = Dict(
        value_trait=Dict(),
        default_value={},
        config=True,
        help="fsspec URL protocols users may import from, each with its storage options: "
        '{"s3": {"anon": False, "endpoint_url": "https://..."}, "https": {}}. '
        "URLs of other protocols are refused. The protocol's fsspec implementation must "
        "be installed (s3fs for s3, aiohttp for http/https). Allowing http(s) lets users "
        "make the server fetch any URL it can reach.",
    )

    @validate("data_roots")
    def _check_data_roots(self, proposal: Any) -> dict[str, str]:
        roots: dict[str, str] = {}
        for name, directory in proposal["value"].items():
            if not ROOT_NAME.match(name):
                raise TraitError(
                    f"DataWrangler.data_roots: {name!r} is not a valid name "
                    "(a letter, then letters, digits, '_' or '-'; 2 characters at least)"
                )
            path = os.path.expanduser(directory)
            if not os.path.isabs(path):
                raise TraitError(
                    f"DataWrangler.data_roots[{name!r}]: {directory!r} must be an absolute path"
                )
            roots[name] = path
        return roots

    @validate("remote_storage")
    def _check_remote_storage(self, proposal: Any) -> dict[str, dict[str, Any]]:
        value: dict[str, dict[str, Any]] = proposal["value"]
        for protocol in value:
            if not PROTOCOL.match(protocol):
                raise TraitError(
                    f"DataWrangler.remote_storage: {protocol!r} is not a URL protocol "
                    "(lower case, e.g. 's3' or 'https')"
                )
            if protocol in LOCAL_PROTOCOLS:
                raise TraitError(
                    f"DataWrangler.remote_storage: {protocol!r} reads the server's own "
                    "disk; expose directories with DataWrangler.data_roots instead"
                )
        return value

    # ---- insights report ------------------------------------------------------------
    report_memory_gib = Float(
        0.0,
        config=True,
        help="Memory the insights report may hold (GiB). A table over it is profiled a "
        "group of columns at a time. 0: a quarter of the memory available when the report "
        "starts (within the server's own memory limit, if it has one).",
    )

    @property
    def custom_code_memory_bytes(self) -> int | None:
        return int(self.custom_code_memory_gib * (1 << 30)) or None

    def report_memory_bytes(self) -> int:
        if self.report_memory_gib > 0:
            return int(self.report_memory_gib * (1 << 30))
        available = psutil.virtual_memory().available
        return min(available, memory_budget() or available) // 4
