"""Fuzz every operation of the OpenAPI document against a real server (schemathesis).

A bounded run of the schemathesis CLI (all its phases: examples, coverage, fuzzing,
stateful) with the checks ``not_a_server_error`` and ``response_schema_conformance``,
as a user of a multi-user server, so that no input reaches a 500 and every answer
matches the document the server publishes. ``tests/fuzz_hooks.py`` signs the SigV4
runtime route and holds the (temporary) list of known causes fixed elsewhere.

A few resources are made first (a flow, a model, an endpoint, jobs...) so that the
fuzzer finds real names in list answers and reaches past the 404s. Fuzzed bodies that
are valid start real jobs and processes too: Docker is pointed at a missing executable
(no container is started), every detached run is stopped once the server is, and the
test fails if any process still uses its directory, which is then removed.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests

from jupyter_smstudio.runtime import read_state, stop

from . import fuzz_hooks
from .hosting_models import model_tree
from .servers import ROOT, ServerProcess, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

#: Test cases per operation and phase (the coverage phase's edge values come on top,
#: whatever this number). 20 sends about 5,200 requests; the test takes 50 to 95 s on a
#: 2-core machine at a load average of 4 to 7 (60: 8,100 requests, 2 to 2.5 minutes).
MAX_EXAMPLES = int(os.environ.get("SMSTUDIO_FUZZ_MAX_EXAMPLES", "20"))
#: Fixed so that CI is repeatable; set another to explore.
SEED = os.environ.get("SMSTUDIO_FUZZ_SEED", "20261201")
CHECKS = "not_a_server_error,response_schema_conformance"
#: More schemathesis arguments to explore with, e.g. "--mode positive".
EXTRA_ARGS = os.environ.get("SMSTUDIO_FUZZ_ARGS", "").split()
#: The whole schemathesis run; past it the test fails (a hang is a bug too).
RUN_TIMEOUT = 600
BOB_TOKEN = "bob-fuzz-token"

TRAIN = """\
import os
print("loss=0.25")
with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w") as f:
    f.write("fuzz")
"""


class User:
    """Plain HTTP calls to the SM Studio API as one user; every answer must be 2xx."""

    def __init__(self, server: ServerProcess, token: str) -> None:
        self.base = server.url + "smstudio/api/"
        self.headers = {"Authorization": f"token {token}"}

    def __call__(self, method: str, path: str, body: Any = None) -> Any:
        r = requests.request(method, self.base + path, json=body, headers=self.headers, timeout=60)
        assert r.ok, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None


def multi_user_config(workdir: Path, alice_token: str) -> None:
    """Two users (tests/identity.py): alice fuzzes; bob owns the runtime route's key."""
    config = workdir / "config"
    config.mkdir(parents=True, exist_ok=True)
    provider = "tests.identity.TokenUsersIdentityProvider"
    users = {"alice": alice_token, "bob": BOB_TOKEN}
    (config / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {"identity_provider_class": provider},
                "TokenUsersIdentityProvider": {"users": users},
            }
        )
    )


def seed(alice: User, root: Path) -> None:
    """One resource of each kind, for the fuzzer to find by name in the list answers."""
    (root / "fuzz").mkdir(parents=True)
    (root / "fuzz" / "data.csv").write_text("a,b,label\n1,2.5,x\n3,,y\n5,6.5,x\n")
    (root / "fuzz" / "train.py").write_text(TRAIN)
    model_tree(root / "fuzz" / "model")
    source = {"kind": "file", "path": "fuzz/data.csv"}
    alice("POST", "lifecycle-configs", {"name": "fuzz-lc", "type": "on-start", "content": "true"})
    alice("POST", "spaces", {"name": "fuzz-space", "lifecycle_configs": ["fuzz-lc"]})
    alice("POST", "wrangler/flows", {"name": "fuzz/fuzz.flow", "source": source})
    alice("POST", "models", {"name": "fuzz-model", "model_data": "fuzz/model"})
    variants = [{"model_name": "fuzz-model", "workers": 1}]
    alice("POST", "endpoint-configs", {"name": "fuzz-config", "variants": variants})
    alice("POST", "endpoints", {"name": "fuzz-endpoint", "endpoint_config_name": "fuzz-config"})
    metrics = [{"name": "loss", "regex": "loss=([0-9.]+)"}]
    job = {"name": "fuzz-train", "source_dir": "fuzz", "entry_point": "train.py"}
    alice("POST", "training-jobs", {**job, "metric_definitions": metrics})
    alice("POST", "processing-jobs", {"name": "fuzz-proc", "container_entrypoint": ["true"]})
    for route, name, done in (
        ("training-jobs", "fuzz-train", {"Completed"}),
        ("processing-jobs", "fuzz-proc", {"Completed"}),
        ("endpoints", "fuzz-endpoint", {"InService"}),
    ):
        wait_until(lambda r=route, n=name, d=done: alice("GET", f"{r}/{n}")["status"] in d,
                   120, f"{route}/{name} to be {done}")  # fmt: skip


def status_counts(entries: list[dict[str, Any]]) -> dict[int, int]:
    return dict(sorted(collections.Counter(e["response"]["status"] for e in entries).items()))


def uncaught_exceptions(log: str) -> collections.Counter[str]:
    """``METHOD path: last exception line`` of each traceback the server logged."""
    found: collections.Counter[str] = collections.Counter()
    for block in re.split(r"\n(?=\[\w \d)", log):
        head = re.search(r"Uncaught exception (\w+) (\S+)", block)
        if head is None:
            continue
        errors = re.findall(r"^\s*([\w.]+(?:Error|Exception)\b.*)$", block, re.MULTILINE)
        path = re.sub(r"/[^/]*\d[^/]*", "/…", head.group(2).split("?")[0])
        found[f"{head.group(1)} {path}: {(errors or ['?'])[-1][:160]}"] += 1
    return found


def stop_detached_runs(data_dir: Path) -> None:
    """Stop every detached run (jobs, endpoints): they outlive the server by design."""
    dirs = [p.parent for p in data_dir.rglob("launch.json")]
    for d in dirs:
        stop(d)
    for d in dirs:
        wait_until(lambda d=d: read_state(d).finished, 60, f"{d} to stop")


def processes_using(path: Path) -> list[psutil.Process]:
    """Live processes whose working directory or command line is under ``path``."""
    here = str(path)
    found = []
    for proc in psutil.process_iter(["cwd", "cmdline", "status"]):
        info = proc.info
        if info["status"] == psutil.STATUS_ZOMBIE:
            continue
        if (info["cwd"] or "").startswith(here) or here in " ".join(info["cmdline"] or []):
            found.append(proc)
    return found


def schemathesis_run(server: ServerProcess, key: dict[str, str], report: Path) -> Any:
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": fuzz_hooks.__name__,
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        fuzz_hooks.KEY_ID_ENV: key["access_key_id"],
        fuzz_hooks.SECRET_ENV: key["secret_access_key"],
    }
    cmd = [
        sys.executable, "-m", "schemathesis.cli", "run",
        server.url + "smstudio/api/openapi.json",
        "--header", f"Authorization: token {server.token}",
        "--checks", CHECKS, "--max-examples", str(MAX_EXAMPLES), "--seed", SEED,
        "--workers", "2", "--request-timeout", "60", "--continue-on-failure",
        "--report", "har", "--report-dir", str(report), "--no-color", *EXTRA_ARGS,
    ]  # fmt: skip
    # cwd: where schemathesis keeps its replay store.
    return subprocess.run(
        cmd, env=env, cwd=report.parent, capture_output=True, text=True, timeout=RUN_TIMEOUT
    )


def test_fuzz_every_operation(tmp_path: Path) -> None:
    workdir = tmp_path / "server"
    server = ServerProcess(
        workdir,
        extra_args=(
            f"--TrainingJobs.docker_command={tmp_path / 'no-docker'}",
            "--TrainingJobs.stop_grace_seconds=5",
            "--Hosting.startup_timeout=60",
            "--Hosting.drain_seconds=1",
            "--SpaceService.lifecycle_timeout_seconds=30",
        ),
    )
    multi_user_config(workdir, server.token)
    report = tmp_path / "report"
    started = time.monotonic()
    leftovers: list[str] = []
    try:
        server.start()
        seed(User(server, server.token), workdir / "root")
        key = User(server, BOB_TOKEN)("POST", "access-keys", {"description": "fuzz"})
        run = schemathesis_run(server, key, report)
    finally:
        server.stop()
        if (workdir / "smstudio").exists():
            stop_detached_runs(workdir / "smstudio")
        for proc in processes_using(tmp_path):
            leftovers.append(f"{proc.pid} {' '.join(proc.info['cmdline'] or [])[:200]}")
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
        log = server.log_path.read_text(errors="replace") if server.log_path.exists() else ""
        shutil.rmtree(workdir)
    elapsed = time.monotonic() - started
    entries = json.loads(next(report.glob("har*.json")).read_text())["log"]["entries"]
    counts = status_counts(entries)
    signed = [e for e in entries if fuzz_hooks.RUNTIME_PREFIX in e["request"]["url"]]
    errors = uncaught_exceptions(log)
    summary = (
        f"{sum(counts.values())} requests in {elapsed:.0f}s, by status {counts}; "
        f"uncaught exceptions in the server log: {dict(errors) or 'none'}"
    )
    print(summary)
    failures = run.stdout[run.stdout.find("FAILURES") :] if "FAILURES" in run.stdout else run.stdout
    assert run.returncode == 0, f"{summary}\n{failures[-20000:]}\n{run.stderr[-3000:]}"
    assert not leftovers, f"processes outlived the server and its runs: {leftovers}"
    # The SigV4 route was reached past its authentication (the hooks' signature holds).
    assert any(e["response"]["status"] != 403 for e in signed), status_counts(signed)
