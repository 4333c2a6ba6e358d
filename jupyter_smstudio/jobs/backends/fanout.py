"""Run several instances' commands as one: merged, host-prefixed output; the worst exit code.

``python -m jupyter_smstudio.jobs.backends.fanout FANOUT_JSON`` runs under a
supervisor like any job command. SIGTERM is passed to every instance; the first
instance to fail ends the others, as a failed host ends a SageMaker job.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from typing import IO


def _pump(prefix: bytes, stream: IO[bytes], lock: threading.Lock) -> None:
    for line in iter(stream.readline, b""):
        with lock:
            sys.stdout.buffer.write(prefix + line)
            sys.stdout.buffer.flush()


def main(path: str) -> int:
    with open(path) as f:
        config = json.load(f)
    lock = threading.Lock()
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for cmd in config["commands"]
    ]

    def forward(signum: int, _frame: object) -> None:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    pumps = []
    for host, proc in zip(config["hosts"], procs, strict=True):
        assert proc.stdout is not None
        t = threading.Thread(target=_pump, args=(f"{host} | ".encode(), proc.stdout, lock))
        t.start()
        pumps.append(t)
    worst = 0
    remaining = list(procs)
    while remaining:
        for proc in list(remaining):
            try:
                code = proc.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                continue
            remaining.remove(proc)
            if code != 0 and worst == 0:
                worst = code
                forward(signal.SIGTERM, None)
    for t in pumps:
        t.join(timeout=2)
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
