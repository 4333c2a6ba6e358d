"""Lifecycle configurations: scripts attached to spaces, run at create or start."""
