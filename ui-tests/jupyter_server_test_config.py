"""Jupyter server configuration for the Galata UI tests.

Never use this configuration in production: it turns off all security.
"""

from tempfile import mkdtemp

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821

# CI and the development machines run as root.
c.ServerApp.allow_root = True  # noqa: F821

# Keep SM Studio's database out of the user's data directory.
c.SMStudioApp.data_dir = mkdtemp(prefix="smstudio-galata-")  # noqa: F821

# Uncomment to set server log level to debug level
# c.ServerApp.log_level = "DEBUG"
