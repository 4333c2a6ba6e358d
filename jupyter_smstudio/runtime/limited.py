"""Exec a command under resource limits: ``python -m jupyter_smstudio.runtime.limited``.

Kernels are started by jupyter_client, which owns their process; wrapping the
kernel command with this module lets the limits apply from the first instruction
while the kernel keeps its PID (we ``exec``), so interrupt and shutdown signals
reach it directly.

    python -m jupyter_smstudio.runtime.limited --name ID --cpus 2 --memory BYTES -- CMD...
"""

from __future__ import annotations

import argparse
import os
import sys

from .limits import MemoryCgroup, ResourceLimits, apply_in_child


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="python -m jupyter_smstudio.runtime.limited")
    parser.add_argument("--name", required=True, help="cgroup name (unique per process)")
    parser.add_argument("--cpus", type=float, default=None)
    parser.add_argument("--memory", type=int, default=None, help="bytes")
    parser.add_argument("--gpus", type=int, default=0)
    if "--" not in argv:
        parser.error("missing -- before the command")
    split = argv.index("--")
    return parser.parse_args(argv[:split]), argv[split + 1 :]


def main(argv: list[str]) -> None:
    args, command = parse(argv)
    if not command:
        raise SystemExit("no command to run")
    limits = ResourceLimits(cpus=args.cpus, memory_bytes=args.memory, gpus=args.gpus)
    cgroup = MemoryCgroup.create(args.name, args.memory) if args.memory else None
    apply_in_child(limits, cgroup)
    os.environ.update(limits.env())
    os.execvp(command[0], command)  # noqa: S606 - argv list, no shell


def wrap(command: list[str], name: str, limits: ResourceLimits) -> list[str]:
    """The command line that runs ``command`` under ``limits``."""
    argv = [sys.executable, "-m", "jupyter_smstudio.runtime.limited", "--name", name]
    if limits.cpus:
        argv += ["--cpus", str(limits.cpus)]
    if limits.memory_bytes:
        argv += ["--memory", str(limits.memory_bytes)]
    if limits.gpus:
        argv += ["--gpus", str(limits.gpus)]
    return [*argv, "--", *command]


if __name__ == "__main__":
    main(sys.argv[1:])
