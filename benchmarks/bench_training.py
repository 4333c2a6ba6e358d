"""Training jobs on a real server: submit latency, overhead against a direct run, listing.

- submit -> first line: POST /training-jobs to the moment the script prints its first
  line (the script stamps it; same clock), local backend and Docker when available;
  baseline: starting the same script with ``python`` directly.
- a 5-second script as a job (POST to Completed) vs ``python train.py`` (A B A B ...).
- listing with 10,000 jobs stored: the first page and a 1,000-job page.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from tests.servers import ServerProcess

from .harness import Result, Series, check_rounds, end_round, interleave, timed

DESCRIPTION = "Training jobs on a real server process (local backend; Docker if available)"
FIRST_LINE = "import time\nprint('FIRST', repr(time.time()), flush=True)\n"
FIVE_SECONDS = "import time\nprint('start', flush=True)\ntime.sleep(5)\nprint('done')\n"


def _docker_ready() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "image", "inspect", "smstudio-base:py311"],
                           capture_output=True, timeout=30)  # fmt: skip
    return probe.returncode == 0


class Api:
    def __init__(self, server: ServerProcess) -> None:
        self.http = requests.Session()
        self.http.headers.update(server.headers)
        self.base = server.url + "smstudio/api/"

    def post(self, body: dict[str, Any]) -> None:
        self.http.post(self.base + "training-jobs", json=body).raise_for_status()

    def get(self, path: str, **params: Any) -> Any:
        reply = self.http.get(self.base + path, params=params)
        reply.raise_for_status()
        return reply.json()

    def wait(self, name: str, interval: float = 0.01) -> dict[str, Any]:
        while True:
            job = self.get(f"training-jobs/{name}")
            if job["status"] in ("Completed", "Failed", "Stopped"):
                if job["status"] != "Completed":
                    raise RuntimeError(f"{name}: {job['status']} {job.get('failure_reason')}")
                return job  # type: ignore[no-any-return]
            time.sleep(interval)

    def first_line_time(self, name: str) -> float:
        self.wait(name)
        text = self.get(f"training-jobs/{name}/logs")["text"]
        line = next(x for x in text.splitlines() if x.startswith("FIRST "))
        return float(line.split()[1])


def _submit_to_first_line(api: Api, series: Series, name: str, backend: str) -> None:
    body = {"name": name, "entry_point": "first.py", "source_dir": "code",
            "instance_type": "local" if backend == "local" else "ml.m5.large",
            "backend": backend}  # fmt: skip
    start = time.time()
    api.post(body)
    series.samples.append(api.first_line_time(name) - start)


def _direct_first_line(root: Path, series: Series) -> None:
    start = time.time()
    out = subprocess.run([sys.executable, "first.py"], cwd=root / "code", capture_output=True,
                         text=True, check=True)  # fmt: skip
    series.samples.append(float(out.stdout.split()[1]) - start)


def seed_jobs(db: Path, count: int, owner: str | None = None) -> None:
    """``count`` finished jobs of ``owner`` (default: the user a token server runs as),
    written straight into the server's database, newest ``seed-00000``."""
    owner = owner or ("root" if _is_root() else _user())
    spec = json.dumps({"name": "x", "entry_point": "train.py"})
    now = int(time.time() * 1000)
    rows = [
        (owner, f"seed-{i:05d}", "Completed", "Completed", "", "local", "ml.m5.large", 1, spec,
         "[]", '[{"name": "loss", "value": 0.1, "timestamp_ms": 1}]', None, None, 0,
         now - i, now - i, now - i, now - i)
        for i in range(count)
    ]  # fmt: skip
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO training_jobs (owner, name, status, secondary_status, status_message,"
            " backend, instance_type, instance_count, spec, transitions, final_metrics,"
            " failure_reason, run, metrics_cursor, created_ms, modified_ms, started_ms, ended_ms)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )


def run(rounds: int = 10) -> Result:
    check_rounds(rounds)
    direct_first = Series("python first.py directly: start -> first line")
    local_first = Series("local job: submit -> first line", baseline=direct_first.name)
    docker_first = Series("docker job: submit -> first line", baseline=direct_first.name)
    direct_five = Series("python train.py directly (5 s script)")
    job_five = Series("local job, 5 s script: submit -> Completed", baseline=direct_five.name)
    status = Series("GET /api/status (jupyter_server, bare)")
    page = Series("GET /training-jobs (first 50 of 10,000)", baseline=status.name)
    big_page = Series("GET /training-jobs?limit=1000 (of 10,000)", baseline=status.name)
    series = [direct_first, local_first, docker_first, direct_five, job_five, status, page,
              big_page]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp, ServerProcess(
        Path(tmp), extra_args=("--TrainingJobs.max_concurrent_jobs_per_user=8",)
    ) as server:  # fmt: skip
        root = Path(tmp) / "root"
        (root / "code").mkdir(parents=True)
        (root / "code" / "first.py").write_text(FIRST_LINE)
        (root / "code" / "five.py").write_text(FIVE_SECONDS)
        api = Api(server)
        _submit_to_first_line(api, Series("warm-up"), "warm-up", "local")
        docker = _docker_ready()
        if docker:
            _submit_to_first_line(api, Series("warm-up"), "warm-up-docker", "docker")
        for i in range(rounds):
            _direct_first_line(root, direct_first)
            _submit_to_first_line(api, local_first, f"first-{i}", "local")
            if docker and i < max(3, rounds // 2):
                _submit_to_first_line(api, docker_first, f"first-docker-{i}", "docker")
            end_round(direct_first, local_first, docker_first)
        for i in range(max(3, rounds // 3)):
            direct_five.time(lambda: subprocess.run([sys.executable, "five.py"],
                                                    cwd=root / "code", capture_output=True,
                                                    check=True))  # fmt: skip
            body = {"name": f"five-{i}", "entry_point": "five.py", "source_dir": "code",
                    "instance_type": "local"}  # fmt: skip
            job_five.time(lambda b=body: (api.post(b), api.wait(b["name"])))
            end_round(direct_five, job_five)
        seed_jobs(Path(tmp) / "smstudio" / "smstudio.db", 10_000)
        total = len(api.get("training-jobs", limit=1000)["items"])
        assert total == 1000, total
        for _ in range(10):
            api.get("training-jobs")
        interleave(rounds, [
            timed(status, lambda: api.http.get(server.url + "api/status").raise_for_status()),
            timed(page, lambda: api.get("training-jobs")),
            timed(big_page, lambda: api.get("training-jobs", limit=1000)),
        ], repeat=10)  # fmt: skip
    if not docker_first.samples:
        series.remove(docker_first)
    return Result(
        "training", DESCRIPTION, series,
        targets={local_first.name: "<= 500 ms median", docker_first.name: "<= 2000 ms median",
                 job_five.name: "ratio <= 1.2", page.name: "<= 100 ms median"},
    )  # fmt: skip


def _user() -> str:
    import getpass

    return getpass.getuser()


def _is_root() -> bool:
    return _user() == "root"
