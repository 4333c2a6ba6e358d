"""Run a user's pandas/Polars snippet on a table, in its own process.

Started by ``codeexec`` as ``python runner.py WORKDIR``: reads ``input.arrow``,
``code.py`` and ``language`` from WORKDIR, runs the code with ``df`` bound to the
table, and writes ``output.arrow``, ``error.txt`` or, when an allocation fails,
``memory_error``. Kept free of package imports so it starts fast and cannot touch
the server's state.
"""

import sys
import traceback
from pathlib import Path


def main(workdir: Path) -> int:
    import polars as pl

    language = (workdir / "language").read_text()
    code = (workdir / "code.py").read_text()
    df = pl.read_ipc(workdir / "input.arrow")
    scope = {"pl": pl, "df": df.to_pandas() if language == "pandas" else df}
    if language == "pandas":
        import numpy as np
        import pandas as pd

        scope.update(pd=pd, np=np)
    try:
        exec(compile(code, "<custom code>", "exec"), scope)  # noqa: S102 - the user's own code
    except MemoryError:
        raise
    except BaseException:
        lines = traceback.format_exc().splitlines()
        (workdir / "error.txt").write_text("\n".join(lines[-6:]))
        return 1
    out = scope.get("df")
    if language == "pandas":
        import pandas as pd

        if not isinstance(out, pd.DataFrame):
            (workdir / "error.txt").write_text(
                f"df must stay a pandas DataFrame, not {type(out).__name__}"
            )
            return 1
        out = pl.from_pandas(out)
    if isinstance(out, pl.LazyFrame):
        out = out.collect()
    if not isinstance(out, pl.DataFrame):
        (workdir / "error.txt").write_text(
            f"df must stay a Polars DataFrame, not {type(out).__name__}"
        )
        return 1
    out.write_ipc(workdir / "output.arrow")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(Path(sys.argv[1])))
    except MemoryError:  # past RLIMIT_DATA: tell codeexec, which names the limit
        (Path(sys.argv[1]) / "memory_error").touch()
        sys.exit(1)
