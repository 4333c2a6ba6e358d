"""REST overhead of SM Studio routes against jupyter_server's own /api/status.

Each round times the bare baseline and every SM Studio operation once, in turn,
on one keep-alive connection to a real server process.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import requests

from tests.servers import ServerProcess

from .harness import Result, Series

DESCRIPTION = "API latency on a real server (keep-alive HTTP, SQLite in WAL mode)"


def run(rounds: int = 300) -> Result:
    baseline = Series("GET /api/status (jupyter_server, bare)")
    status = Series("GET /smstudio/api/status", baseline=baseline.name)
    listing = Series("GET /smstudio/api/lifecycle-configs (50 of 200)", baseline=baseline.name)
    create = Series("POST /smstudio/api/lifecycle-configs", baseline=baseline.name)
    describe = Series("GET /smstudio/api/lifecycle-configs/{name}", baseline=baseline.name)
    with tempfile.TemporaryDirectory() as tmp, ServerProcess(Path(tmp)) as server:
        http = requests.Session()
        http.headers.update(server.headers)
        api = server.url + "smstudio/api/"
        for i in range(200):
            body = {"name": f"seed-{i}", "type": "on-start", "content": "true"}
            http.post(api + "lifecycle-configs", json=body).raise_for_status()
        for _ in range(20):  # warm-up
            http.get(server.url + "api/status").raise_for_status()
            http.get(api + "lifecycle-configs").raise_for_status()
        for i in range(rounds):
            baseline.time(lambda: http.get(server.url + "api/status").raise_for_status())
            status.time(lambda: http.get(api + "status").raise_for_status())
            listing.time(lambda: http.get(api + "lifecycle-configs").raise_for_status())
            one = f"lifecycle-configs/bench-{i}"
            body = {"name": f"bench-{i}", "type": "on-start", "content": "echo hi"}
            create.time(
                lambda b=body: http.post(api + "lifecycle-configs", json=b).raise_for_status()
            )
            describe.time(lambda p=one: http.get(api + p).raise_for_status())
    return Result("api", DESCRIPTION, [baseline, status, listing, create, describe])
