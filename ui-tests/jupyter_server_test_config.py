"""Jupyter server configuration for the Galata UI tests.

Never use this configuration in production: it turns off all security.
"""

import json
import os
import sys
from tempfile import mkdtemp

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821

# CI and the development machines run as root.
c.ServerApp.allow_root = True  # noqa: F821

# Keep SM Studio's database out of the user's data directory.
c.SMStudioApp.data_dir = mkdtemp(prefix="smstudio-galata-")  # noqa: F821

# Idle shutdown: check often and warn 15 s ahead. Only the "idle-test" kernelspec
# (below) has a short timeout (20 s), so other tests' kernels are not culled.
c.IdlePolicy.check_interval_seconds = 2  # noqa: F821
c.IdlePolicy.warning_minutes = 0.25  # noqa: F821
_data = mkdtemp(prefix="smstudio-galata-data-")
os.makedirs(os.path.join(_data, "kernels", "idle-test"))
with open(os.path.join(_data, "kernels", "idle-test", "kernel.json"), "w") as _f:
    json.dump(
        {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (idle test)",
            "language": "python",
            "metadata": {"cull_idle_timeout": 20},
        },
        _f,
    )
# KernelSpecManager.kernel_dirs is not configurable; its default reads JUPYTER_PATH.
os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [_data, os.environ.get("JUPYTER_PATH")]))

# Uncomment to set server log level to debug level
# c.ServerApp.log_level = "DEBUG"
