"""REST overhead of SM Studio routes against jupyter_server's own /api/status; paging.

One keep-alive connection to a real server process. Each round times the bare
baseline and every SM Studio operation in turn (A B A B ...), ``REPEAT`` times.

Paging: 100,000 training jobs stored; the first page of 50 against the last page
of 50 (reached by following ``next_token``: the token that leads to it is taken
once, untimed), per sort order, interleaved. Pages are cut by key, so the last
page should cost what the first does; ``modified`` has no index on any table, so
both its pages scan the user's rows (shown, not hidden).
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import requests

from tests.servers import ServerProcess

from .bench_training import seed_jobs
from .harness import Result, Series, check_rounds, interleave, timed

DESCRIPTION = "API latency on a real server (keep-alive HTTP, SQLite in WAL mode)"
REPEAT = 60
JOBS = 100_000
PAGE = 50
SORTS = (("created", "desc"), ("name", "asc"), ("modified", "desc"))


def last_page_token(get: Callable[..., Any], sort_by: str, order: str) -> str:
    """The token of the page holding the last ``PAGE`` jobs, following next_token."""
    params: dict[str, Any] = {"sort_by": sort_by, "sort_order": order}
    seen = 0
    while seen < JOBS - PAGE:
        step = min(1000, JOBS - PAGE - seen)
        page = get("training-jobs", limit=step, **params)
        seen += len(page["items"])
        params["next_token"] = page["next_token"]
    token = params["next_token"]
    assert isinstance(token, str)
    return token


def run(rounds: int = 5) -> Result:
    check_rounds(rounds)
    baseline = Series("GET /api/status (jupyter_server, bare)")
    status = Series("GET /smstudio/api/status", baseline=baseline.name)
    listing = Series("GET /smstudio/api/lifecycle-configs (50 of 200)", baseline=baseline.name)
    create = Series("POST /smstudio/api/lifecycle-configs", baseline=baseline.name)
    describe = Series("GET /smstudio/api/lifecycle-configs/{name}", baseline=baseline.name)
    paging: list[Series] = []
    targets: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp, ServerProcess(Path(tmp)) as server:
        http = requests.Session()
        http.headers.update(server.headers)
        api = server.url + "smstudio/api/"
        bare = server.url + "api/status"

        def get(path: str, **params: Any) -> Any:
            reply = http.get(api + path, params=params)
            reply.raise_for_status()
            return reply.json()

        for i in range(200):
            body = {"name": f"seed-{i}", "type": "on-start", "content": "true"}
            http.post(api + "lifecycle-configs", json=body).raise_for_status()
        for _ in range(20):  # warm-up
            http.get(server.url + "api/status").raise_for_status()
            http.get(api + "lifecycle-configs").raise_for_status()
        names = (f"bench-{i}" for i in itertools.count())

        def create_one() -> None:
            body = {"name": next(names), "type": "on-start", "content": "echo hi"}
            create.time(lambda: http.post(api + "lifecycle-configs", json=body).raise_for_status())

        subjects: list[tuple[Series, Callable[[], None]]] = [
            timed(baseline, lambda: http.get(bare).raise_for_status()),
            timed(status, partial(get, "status")),
            timed(listing, partial(get, "lifecycle-configs")),
            (create, create_one),
            timed(describe, partial(get, "lifecycle-configs/seed-7")),
        ]
        interleave(rounds, subjects, repeat=REPEAT)

        seed_jobs(Path(tmp) / "smstudio" / "smstudio.db", JOBS)
        subjects = []
        for sort_by, order in SORTS:
            query = {"limit": PAGE, "sort_by": sort_by, "sort_order": order}
            token = last_page_token(get, sort_by, order)
            last_page = get("training-jobs", **query, next_token=token)
            assert len(last_page["items"]) == PAGE, len(last_page["items"])
            assert last_page["next_token"] is None, "the page after it is the end"
            label = f"GET /training-jobs?sort_by={sort_by}&sort_order={order}"
            first = Series(f"{label}: first {PAGE} of {JOBS:,}")
            last = Series(f"{label}: last {PAGE} (next_token)", baseline=first.name)
            paging += [first, last]
            subjects += [
                timed(first, partial(get, "training-jobs", **query)),
                timed(last, partial(get, "training-jobs", **query, next_token=token)),
            ]
            targets[last.name] = "last page within 1.5x of the first"
        interleave(rounds, subjects, repeat=max(3, REPEAT // 6))
    return Result(
        "api", DESCRIPTION, [baseline, status, listing, create, describe, *paging], targets
    )
