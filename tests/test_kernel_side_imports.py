"""Kernel-side code (client, SDK, magics) imports nothing of the server.

Every notebook imports ``jupyter_smstudio.sdk``; if it pulled in the server, its import
cost seconds and the Data Wrangler's stack (polars, duckdb, ...) in every kernel.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Third-party packages kernel-side code may load: HTTP and the Jupyter kernel itself.
#: (cython_runtime is the runtime module compiled extensions such as charset_normalizer add.)
ALLOWED = {
    "requests",
    "urllib3",
    "charset_normalizer",
    "idna",
    "certifi",
    "cython_runtime",
    "jupyter_smstudio",
}
#: Modules of the server side that must never load in a kernel (the kernel's own
#: IPython/ipywidgets are allowed by the magics test below).
SERVER_SIDE = {
    "jupyter_server",
    "tornado",
    "sqlalchemy",
    "pydantic",
    "polars",
    "duckdb",
    "pyarrow",
    "pandas",
    "sklearn",
    "numpy",
    "scipy",
    "jupyter_smstudio.app",
    "jupyter_smstudio.services",
}


def loaded_after(statement: str) -> set[str]:
    code = (
        "import sys, json\n"
        "before = set(sys.modules)\n"
        f"{statement}\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out))


@pytest.mark.parametrize("module", ["jupyter_smstudio.sdk", "jupyter_smstudio.client"])
def test_sdk_and_client_load_only_the_standard_library_and_requests(module: str) -> None:
    loaded = loaded_after(f"import {module}")
    third_party = {
        name.split(".")[0]
        for name in loaded
        if name.split(".")[0] not in sys.stdlib_module_names and not name.startswith("_")
    }
    assert third_party <= ALLOWED, sorted(third_party - ALLOWED)
    assert module in loaded


def test_magics_load_no_server_side_module() -> None:
    loaded = loaded_after("import jupyter_smstudio.magics")
    assert not {m for m in loaded if m in SERVER_SIDE or m.split(".")[0] in SERVER_SIDE}
