"""The Data Wrangler as the server holds it: its stack loads on first use.

Polars, DuckDB, pyarrow, pandas and scikit-learn are most of the environment and
seconds of import time; a server that never opens a flow should not pay for them,
and a deployment may leave them out (the ``wrangler`` extra). This module imports
none of them: :meth:`WranglerArea.service` builds the real service the first time a
Data Wrangler route is called, or answers why it cannot.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Unavailable
from .config import DataWrangler

if TYPE_CHECKING:
    from ..store import Database
    from .service import WranglerService

#: The packages the Data Wrangler cannot work without (the ``wrangler`` extra).
REQUIRED = ("polars", "duckdb", "pyarrow", "numpy")
INSTALL = "pip install 'jupyter_smstudio[wrangler]'"


def missing_packages() -> list[str]:
    """The required packages this environment lacks (looked up, not imported)."""
    return [name for name in REQUIRED if not _installed(name)]


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # blocked (sys.modules[name] is None) or broken
        return False


class WranglerArea:
    """Settings now, the service on first use (or a 503 naming what to install)."""

    def __init__(
        self, db: Database, root_dir: Path, cache_dir: Path, settings: DataWrangler
    ) -> None:
        self.db = db
        self.root_dir = root_dir
        self.cache_dir = cache_dir
        self.settings = settings
        self._service: WranglerService | None = None
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return not missing_packages()

    def service(self) -> WranglerService:
        """The Data Wrangler service, imported and built the first time it is needed."""
        if self._service is None:
            with self._lock:
                if self._service is None:
                    self._service = self._build()
        return self._service

    def _build(self) -> WranglerService:
        missing = missing_packages()
        if missing:
            raise Unavailable(
                "The Data Wrangler is not installed on this server (missing: "
                f"{', '.join(missing)}). An administrator can add it with: {INSTALL}"
            )
        from .access import FlowAccessRepository
        from .service import WranglerService

        return WranglerService(
            FlowAccessRepository(self.db), self.root_dir, self.cache_dir, self.settings
        )

    def close(self) -> None:
        if self._service is not None:
            self._service.close()
