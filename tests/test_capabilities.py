"""Dependencies by capability: the server starts without the Data Wrangler's stack.

Polars, DuckDB, pyarrow, pandas and scikit-learn load on the first Data Wrangler
call, and a server without them (the ``wrangler`` extra left out) runs everything
else and says what to install.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from .servers import ServerProcess

pytestmark = pytest.mark.slow

STACK = ("polars", "duckdb", "pyarrow", "pandas", "sklearn")
#: What each package's compiled libraries are called in a process's memory map.
LIBRARIES = {
    "polars": "_polars_runtime",
    "duckdb": "_duckdb",
    "pyarrow": "/pyarrow/",
    "pandas": "/pandas/",
    "sklearn": "/sklearn/",
}


def loaded_stack(pid: int) -> set[str]:
    """Which of the stack's compiled libraries the process has mapped (imported)."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return {name for name, library in LIBRARIES.items() if library in maps}


def test_the_wrangler_stack_loads_on_first_use(tmp_path: Path) -> None:
    with ServerProcess(tmp_path) as server:
        assert server.proc is not None
        assert loaded_stack(server.proc.pid) == set()
        status = requests.get(server.url + "smstudio/api/status", headers=server.headers)
        assert status.json()["features"]["wrangler"] is True
        reply = requests.get(
            server.url + "smstudio/api/wrangler/operators", headers=server.headers, timeout=60
        )
        assert reply.status_code == 200, reply.text
        assert "polars" in loaded_stack(server.proc.pid)


class WithoutWrangler(ServerProcess):
    """A server whose Python cannot import the stack, as without the ``wrangler`` extra
    (a ``sitecustomize`` blocks the imports: uninstalling them would break the other tests)."""

    def env(self) -> dict[str, str]:
        env = super().env()
        block = self.workdir / "block"
        block.mkdir(exist_ok=True)
        names = ", ".join(repr(n) for n in STACK)
        (block / "sitecustomize.py").write_text(
            f"import sys\nfor name in ({names}):\n    sys.modules[name] = None\n"
        )
        env["PYTHONPATH"] = f"{block}:{env['PYTHONPATH']}"
        return env


def test_a_server_without_the_wrangler_extra_runs_the_rest(tmp_path: Path) -> None:
    with WithoutWrangler(tmp_path) as server:
        api = server.url + "smstudio/api/"
        status = requests.get(api + "status", headers=server.headers, timeout=60).json()
        assert status["features"]["wrangler"] is False
        for route in ("spaces", "training-jobs", "processing-jobs", "endpoints", "idle"):
            reply = requests.get(api + route, headers=server.headers, timeout=60)
            assert reply.status_code == 200, (route, reply.text)
        reply = requests.get(api + "wrangler/flows", headers=server.headers, timeout=60)
        assert reply.status_code == 503
        error = reply.json()["error"]
        assert "jupyter_smstudio[wrangler]" in error["message"]
        assert "polars" in error["message"]
