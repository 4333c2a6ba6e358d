"""Where a space's volume and compute live: local processes or Docker."""
