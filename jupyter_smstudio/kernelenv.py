"""Names of the environment variables the server exports to its kernels and terminals.

Kept in a module of their own so that kernel-side code (``client``, ``sdk``, magics)
reads them without importing the server (``app`` loads jupyter_server and every area).
"""

from __future__ import annotations

import os

#: The server's URL, so ``jupyter_smstudio.client`` reaches it without configuration.
ENV_URL = "SMSTUDIO_SERVER_URL"
#: The token that authenticates the kernel's calls to the server.
ENV_TOKEN = "SMSTUDIO_TOKEN"  # noqa: S105 - a variable name, not a secret
#: Where a container kernel's HOME (the space's files) is on the server (Docker spaces).
ENV_SERVER_HOME = "SMSTUDIO_SERVER_HOME"


def server_path(path: str) -> str:
    """An absolute path of this kernel as the server finds it.

    In a Docker space the kernel's HOME is the space's files bind-mounted from the server,
    which knows them under another path (``SMSTUDIO_SERVER_HOME``); elsewhere, and for
    paths outside HOME, the path is the same on both sides.
    """
    server_home, home = os.environ.get(ENV_SERVER_HOME), os.environ.get("HOME")
    if not server_home or not home or not os.path.isabs(path):
        return path
    inside = os.path.relpath(path, home)
    if inside == os.pardir or inside.startswith(os.pardir + os.sep):
        return path
    return os.path.normpath(os.path.join(server_home, inside))
