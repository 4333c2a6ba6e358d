"""Idle auto-shutdown: better signals for jupyter_server's own culling and shutdown."""
