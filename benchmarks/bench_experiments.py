"""Experiments on the embedded MLflow: what logging costs a job, MLflow's start and size,
and searching many runs.

- **Logging overhead** (two real servers, real jobs): a job printing ``POINTS`` metric
  points over about 5 s, POST -> Completed, on a server that logs every job as an
  MLflow run against one that does not (``--Experiments.log_jobs=False``); A B A B over
  the rounds. Target: <= 1.02 x. The notes say how long after the job's end its run
  held every point (logging is queued, so it never holds the job up).
- **First use** (report): on a fresh server, the first MLflow request (which starts the
  user's MLflow and creates its database) and the resident memory of MLflow's
  processes once idle.
- **Search** (the same request the Lab's Experiments page would make): ``RUNS`` runs
  with a metric each, ``runs/search`` through the proxy with a metric filter, ordered
  by the metric, one page of 100. Target: <= 1 s (MLflow users report minutes for tens
  of thousands of runs: mlflow/mlflow#2730).
"""

from __future__ import annotations

import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from tests.servers import ServerProcess

from .harness import BenchError, Result, Series, check_rounds, end_round

DESCRIPTION = "experiments: run-logging overhead, MLflow first start and memory, run search"
POINTS = int(os.environ.get("BENCH_EXPERIMENTS_POINTS", "10000"))
RUNS = int(os.environ.get("BENCH_EXPERIMENTS_RUNS", "10000"))
API = "smstudio/mlflow/api/2.0/mlflow/"
JOB = f"""
import time
for step in range({POINTS}):
    print(f"loss={{1.0 / (step + 1):.6f}}", flush=True)
    if step % 100 == 0:
        time.sleep(0.05)
"""


def _session(server: ServerProcess) -> requests.Session:
    http = requests.Session()
    http.headers.update(server.headers)
    return http


def _run_job(server: ServerProcess, http: requests.Session, name: str) -> None:
    base = server.url + "smstudio/api/training-jobs"
    body = {
        "name": name,
        "entry_point": "points.py",
        "metric_definitions": [{"name": "loss", "regex": r"loss=([0-9.]+)"}],
    }
    reply = http.post(base, json=body)
    if reply.status_code != 201:
        raise BenchError(f"job refused: {reply.status_code} {reply.text[:300]}")
    while True:
        job = http.get(f"{base}/{name}").json()
        if job["status"] in ("Completed", "Failed", "Stopped"):
            break
        time.sleep(0.05)
    if job["status"] != "Completed":
        raise BenchError(f"job {name} ended {job['status']}: {job.get('failure_reason')}")


def _logged_after(server: ServerProcess, http: requests.Session, name: str) -> float:
    """Seconds from now until the job's run holds all its points."""
    start = time.perf_counter()
    owner = http.get(server.url + "smstudio/api/status").json()["user"]["username"]
    while time.perf_counter() - start < 600:
        found = http.get(server.url + API + "experiments/get-by-name",
                         params={"experiment_name": f"{owner}/jobs"})  # fmt: skip
        if found.ok:
            experiment = found.json()["experiment"]["experiment_id"]
            runs = http.post(server.url + API + "runs/search", json={
                "experiment_ids": [experiment], "filter": f"attributes.run_name = '{name}'",
            }).json().get("runs", [])  # fmt: skip
            if runs and runs[0]["info"]["status"] == "FINISHED":
                history = http.get(server.url + API + "metrics/get-history", params={
                    "run_id": runs[0]["info"]["run_id"], "metric_key": "loss",
                    "max_results": POINTS + 1,
                }).json().get("metrics", [])  # fmt: skip
                if len(history) >= POINTS:
                    return time.perf_counter() - start
        time.sleep(0.1)
    raise BenchError(f"the run of {name} did not get its {POINTS} points in 600 s")


def _overhead(rounds: int) -> tuple[list[Series], str]:
    plain = Series(f"job with {POINTS} metric points, not logged: POST -> Completed")
    logged = Series("the same job, logged as an MLflow run: POST -> Completed",
                    baseline=plain.name)  # fmt: skip
    lags: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "a", Path(tmp) / "b"
        with ServerProcess(a, extra_args=("--Experiments.log_jobs=False",)) as off, \
                ServerProcess(b, extra_args=("--Experiments.log_jobs=True",)) as on:  # fmt: skip
            for server in (off, on):
                (server.workdir / "root" / "points.py").write_text(JOB)
            http_off, http_on = _session(off), _session(on)
            _run_job(off, http_off, "warm-up")
            _run_job(on, http_on, "warm-up")  # starts MLflow
            _logged_after(on, http_on, "warm-up")
            for i in range(rounds):
                plain.time(lambda i=i: _run_job(off, http_off, f"job-{i}"))
                logged.time(lambda i=i: _run_job(on, http_on, f"job-{i}"))
                lags.append(_logged_after(on, http_on, f"job-{i}"))
                end_round(plain, logged)
    note = "target <= 1.02x; run complete " + ", ".join(f"{x:.1f}" for x in lags) + " s after"
    return [plain, logged], note


def _rss_kb(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def _mlflow_pids(root: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if b"mlflow" in cmdline and int(stat.rsplit(")", 1)[1].split()[1]) != 1:
            found.append(int(entry.name))
    return found


def _first_use_and_search(rounds: int) -> tuple[list[Series], dict[str, str]]:
    first = Series("first MLflow request on a fresh server (starts MLflow)")
    search = Series(f"search {RUNS} runs: metric filter, ordered, a page of 100")
    with tempfile.TemporaryDirectory() as tmp, ServerProcess(Path(tmp)) as server:
        http = _session(server)
        first.time(lambda: http.get(server.url + API + "experiments/search",
                                    params={"max_results": 1}).raise_for_status())  # fmt: skip
        assert server.proc is not None
        time.sleep(2)  # a report of memory at idle: let the start-up settle
        rss_mb = _rss_kb(_mlflow_pids(server.proc.pid)) / 1024
        experiment = http.post(server.url + API + "experiments/create",
                               json={"name": "many"}).json()["experiment_id"]  # fmt: skip

        def make(i: int) -> None:
            with requests.Session() as s:
                s.headers.update(server.headers)
                run = s.post(server.url + API + "runs/create",
                             json={"experiment_id": experiment, "run_name": f"r{i}"})  # fmt: skip
                run_id = run.json()["run"]["info"]["run_id"]
                s.post(server.url + API + "runs/log-batch", json={
                    "run_id": run_id,
                    "metrics": [{"key": "loss", "value": (i % 1000) / 1000, "timestamp": 0,
                                 "step": 0}],
                    "params": [{"key": "depth", "value": str(i % 10)}],
                }).raise_for_status()  # fmt: skip

        made = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(make, range(RUNS)))
        made = time.perf_counter() - made
        body: dict[str, Any] = {
            "experiment_ids": [experiment],
            "filter": "metrics.loss < 0.5 and params.depth = '3'",
            "order_by": ["metrics.loss ASC"],
            "max_results": 100,
        }

        matching = sum(1 for i in range(RUNS) if i % 10 == 3 and (i % 1000) / 1000 < 0.5)

        def one_search() -> None:
            reply = http.post(server.url + API + "runs/search", json=body)
            reply.raise_for_status()
            found = len(reply.json().get("runs", []))
            if found != min(100, matching):
                raise BenchError(f"the search found {found} runs, not {min(100, matching)}")

        one_search()
        for _ in range(rounds):
            for _ in range(5):
                search.time(one_search)
            search.end_round()
    notes = {
        first.name: f"report; MLflow at idle: {rss_mb:.0f} MB resident",
        search.name: f"target <= 1 s; {RUNS} runs made in {made:.0f} s",
    }
    return [first, search], notes


def run(rounds: int = 3) -> Result:
    check_rounds(rounds)
    try:
        import mlflow  # noqa: F401
    except ImportError:
        raise BenchError(
            "MLflow is not installed: pip install 'jupyter-smstudio[experiments]'"
        ) from None
    overhead, note = _overhead(rounds)
    others, notes = _first_use_and_search(rounds)
    return Result("experiments", DESCRIPTION, [*overhead, *others],
                  {overhead[1].name: note, **notes})  # fmt: skip
