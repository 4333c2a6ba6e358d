"""The one way the server calls the docker CLI: argv lists, asyncio, one error type.

We call the CLI rather than the docker Python SDK (DEVELOPING.md says why); every
area (spaces, jobs, endpoints) goes through :func:`docker` so a timeout, a failure
and the message a user sees are the same everywhere.
"""

from __future__ import annotations

import asyncio
import subprocess

DOCKER = "docker"


class DockerError(RuntimeError):
    """The docker CLI failed or did not answer; the message is its own error text."""


async def docker(*args: str, check: bool = True, timeout: float = 60, command: str = DOCKER) -> str:
    """Run ``command ARGS`` (never a shell); return stdout.

    Raise :class:`DockerError` when it fails (if ``check``) or takes over ``timeout``.
    """
    proc = await asyncio.create_subprocess_exec(
        command, *args, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise DockerError(f"docker {args[0]} did not answer within {timeout:g} s") from None
    if check and proc.returncode:
        raise DockerError(f"docker {args[0]} failed: {err.decode(errors='replace').strip()}")
    return out.decode(errors="replace")
