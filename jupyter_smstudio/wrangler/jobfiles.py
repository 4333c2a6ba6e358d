"""Where a flow's processing job keeps its code: names shared with processing jobs.

A module of its own so the processing area reads them without loading the Data
Wrangler's stack (``jobexport`` imports Polars).
"""

from __future__ import annotations

CODE_FILE = "flow.py"
CODE_DIR = "code"  # the code's input name and directory next to the outputs
