"""``python -m jupyter_smstudio.hosting.bootstrap``: install the model's requirements, then serve.

As the SageMaker inference toolkit does, ``requirements.txt`` next to the entry module
is pip-installed before the model server starts: into an environment cached by its
content and shared with training jobs (``training/jobfiles/envcache.py``), so only the
first instance with those requirements waits for pip, and its output is the start of
the instance's log. Then this process becomes the model server (``exec``: the same pid,
so the supervisor, or the container's init, keeps following it).

Standard library only, like the server: it runs in bare container images too.
"""

from __future__ import annotations

import os
import sys
import time

from ..training.jobfiles import envcache

SERVER_MODULE = "jupyter_smstudio.hosting.server"
#: Exit status of a failed install (sysexits' EX_CONFIG), so the endpoint can say so.
INSTALL_FAILED = 78
#: Starts the log line that says why the install failed (pip's last lines follow).
FAILURE_MARK = "InstallError: "


def log(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} requirements: {message}", flush=True)


def main() -> int:
    venv = os.environ["SMSTUDIO_ENV_DIR"]
    requirements = os.environ["SMSTUDIO_REQUIREMENTS"]
    code_dir = os.path.dirname(requirements)
    try:  # relative paths in requirements.txt are from the code directory
        python = envcache.ensure(venv, [["-r", requirements]], log, cwd=code_dir)
    except envcache.InstallError as err:
        log(f"{FAILURE_MARK}{err}")
        return INSTALL_FAILED
    sys.stdout.flush()
    os.execv(python, [python, "-m", SERVER_MODULE])  # noqa: S606 - our own interpreter


if __name__ == "__main__":
    sys.exit(main())
