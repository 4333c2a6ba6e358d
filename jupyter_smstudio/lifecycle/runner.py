"""Run a space's lifecycle scripts in order: ``python -m jupyter_smstudio.lifecycle.runner DIR``.

``DIR/plan.json`` lists the scripts (admin built-in first, then on-create on the
first start, then on-start). Each runs with the space's volume as working dir; a
script with a ``#!`` line runs with that interpreter, others with ``/bin/sh``.
The first failure stops the run; ``DIR/result.json`` names it for the user.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from ..runtime.files import atomic_write_json


def run(run_dir: Path) -> int:
    plan = json.loads((run_dir / "plan.json").read_text())
    for step in plan:
        script = run_dir / step["file"]
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
        argv = [str(script)] if script.read_bytes().startswith(b"#!") else ["/bin/sh", str(script)]
        print(f"==> Running {step['type']} configuration '{step['name']}'", flush=True)
        code = subprocess.call(argv, cwd=os.getcwd())
        if code != 0:
            print(f"==> '{step['name']}' failed with exit code {code}", flush=True)
            atomic_write_json(run_dir / "result.json", {"failed": step["name"], "exit_code": code})
            return code
    print(f"==> {len(plan)} lifecycle configuration(s) finished", flush=True)
    atomic_write_json(run_dir / "result.json", {"failed": None, "exit_code": 0})
    return 0


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1])))
