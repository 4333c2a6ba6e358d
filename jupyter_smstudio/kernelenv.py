"""Names of the environment variables the server exports to its kernels and terminals.

Kept in a module of their own so that kernel-side code (``client``, ``sdk``, magics)
reads them without importing the server (``app`` loads jupyter_server and every area).
"""

from __future__ import annotations

#: The server's URL, so ``jupyter_smstudio.client`` reaches it without configuration.
ENV_URL = "SMSTUDIO_SERVER_URL"
#: The token that authenticates the kernel's calls to the server.
ENV_TOKEN = "SMSTUDIO_TOKEN"  # noqa: S105 - a variable name, not a secret
