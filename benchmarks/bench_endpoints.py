"""Real-time endpoint against MLServer and MLflow, each at its best; batch transform rows/s.

Model: a 100-tree random forest on scikit-learn's bundled iris data, trained with
the same seed in each environment. Every server runs two workers on this machine,
loopback only, and gets the same payload format: one row of four numbers as JSON,
in the server's own protocol, answered as JSON:

- ours (``python -m jupyter_smstudio.hosting.server``): ``[[5.1, 3.5, 1.4, 0.2]]`` to
  ``/invocations``, with adaptive batching on (the default) and off
  (``SMSTUDIO_ADAPTIVE_BATCHING=false``);
- MLServer 1.7 (``mlserver start``, ``mlserver-sklearn`` runtime, ``parallel_workers``
  2): the V2 inference protocol, ``{"inputs": [{"name": "predict", "shape": [1, 4],
  "datatype": "FP64", "data": [...]}]}`` to ``/v2/models/iris/infer``, with its
  adaptive batching on (``max_batch_size``/``max_batch_time`` from
  ``BENCH_MLSERVER_BATCH``, default ``8,0.002``: a batch as big as the load's 8
  clients, waiting at most what ours lingers, 2 ms) and off;
- MLflow (``mlflow models serve --env-manager local -w 2``; it has no batching):
  ``{"inputs": [[5.1, 3.5, 1.4, 0.2]]}`` to ``/invocations``.

Each round runs every server at concurrency 1 and 8 for ``BENCH_SECONDS`` (default
10) in turn, A B A B, for ``--rounds`` (default 3) rounds. The server's overhead is
measured by one client that alternates an in-process ``model.predict`` of the row
with a request to the server (c=1), so each request pairs with the predict next to
it: the overhead is the median of (request - predict) over the pairs, never a
difference of medians measured apart.

Batch: a ``BENCH_BATCH_ROWS``-row CSV (default 1,000,000) through a MultiRecord
transform job (model server with two workers + runner, as the job runs, start-up
included), against in-process ``model.predict`` on the same rows in two worker
processes (the job's worker count, each predicting half), interleaved by round.

Peers live in their own virtualenvs (found by ``BENCH_MLSERVER_PYTHON`` and
``BENCH_MLFLOW_PYTHON``, default ``/work/venv-mlserver/bin/python`` and
``/work/venv-mlflow/bin/python``)::

    python3.11 -m venv /work/venv-mlserver
    /work/venv-mlserver/bin/pip install 'mlserver==1.7.*' 'mlserver-sklearn==1.7.*' \\
        'uvloop==0.21.0'
    python3.11 -m venv /work/venv-mlflow
    /work/venv-mlflow/bin/pip install mlflow scikit-learn

A peer that is missing or lacks a package stops the benchmark with what to install;
``BENCH_SKIP_PEERS=mlflow,mlserver`` leaves peers out on purpose (the title says so).
"""

from __future__ import annotations

import http.client
import itertools
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tests.hosting_models import model_server_env
from tests.servers import Fatal, free_port, wait_until

from .harness import BenchError, Peer, Result, Series, check_rounds, interleave
from .loadgen import run_load

DESCRIPTION = "endpoint vs MLServer and MLflow (JSON, 2 workers each); batch transform rows/s"
ROOT = Path(__file__).resolve().parent.parent
ROW = [5.1, 3.5, 1.4, 0.2]
WORKERS = 2
CONCURRENCY = (1, 8)
JSON_TYPE = "application/json"
TRANSFORM_RUNNER = "jupyter_smstudio.hosting.transform.runner"
TRAIN = (
    "import sys, joblib\n"
    "from sklearn.datasets import load_iris\n"
    "from sklearn.ensemble import RandomForestClassifier\n"
    "X, y = load_iris(return_X_y=True)\n"
    "model = RandomForestClassifier(n_estimators=100, random_state=0).fit(X, y)\n"
)
MLSERVER = Peer(
    "MLServer peer",
    "BENCH_MLSERVER_PYTHON",
    "/work/venv-mlserver",
    {
        "mlserver": ("mlserver", "==1.7.*"),
        "mlserver_sklearn": ("mlserver-sklearn", "==1.7.*"),
        "uvloop": ("uvloop", "==0.21.0"),
    },
)
MLFLOW = Peer(
    "MLflow peer",
    "BENCH_MLFLOW_PYTHON",
    "/work/venv-mlflow",
    {"mlflow": ("mlflow", ""), "sklearn": ("scikit-learn", "")},
)


class Exited(BenchError, Fatal):
    """A server died while we waited for it: no use waiting longer (``wait_until``)."""


class Process:
    """A server process in its own session, stopped with its whole group."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.proc = subprocess.Popen(
            argv, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
        )

    def alive(self) -> bool:
        if self.proc.poll() is not None:
            raise Exited(f"{self.log.name} exited: {self.log.read_text()[-1500:]}")
        return True

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@dataclass
class Server:
    """A running server and the one request every client sends it."""

    label: str
    process: Process
    port: int
    path: str
    body: bytes
    prediction: Callable[[Any], float]  # the class out of a decoded JSON answer

    def ask(self, conn: http.client.HTTPConnection) -> float:
        conn.request("POST", self.path, self.body, {"Content-Type": JSON_TYPE, "Accept": JSON_TYPE})
        response = conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise BenchError(f"{self.label} answered {response.status}: {data[:300]!r}")
        return self.prediction(json.loads(data))


def _http_ok(port: int, path: str) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    conn.request("GET", path)
    return conn.getresponse().status == 200


def start_ours(model_dir: Path, tmp: Path, batching: bool) -> Server:
    tag = f"ours-batching-{'on' if batching else 'off'}"
    info = tmp / f"{tag}.json"
    env = model_server_env(model_dir, info, workers=WORKERS)
    env["SMSTUDIO_ADAPTIVE_BATCHING"] = "true" if batching else "false"
    proc = Process(
        [sys.executable, "-m", "jupyter_smstudio.hosting.server"], env, tmp / f"{tag}.log"
    )
    data = wait_until(
        lambda: (
            proc.alive() and json.loads(info.read_text())["ready"] and json.loads(info.read_text())
        ),
        120,
        f"{tag} model server",
    )
    label = f"smstudio endpoint, batching {'on' if batching else 'off'}"
    return Server(
        label,
        proc,
        int(data["port"]),
        "/invocations",
        json.dumps([ROW]).encode(),
        lambda answer: float(answer[0]),
    )


def mlserver_batch() -> tuple[int, float]:
    raw = os.environ.get("BENCH_MLSERVER_BATCH", "8,0.002")
    try:
        size, seconds = raw.split(",")
        return int(size), float(seconds)
    except ValueError:
        raise BenchError(
            f"BENCH_MLSERVER_BATCH={raw!r}: give max_batch_size,max_batch_time"
        ) from None


def start_mlserver(python: str, tmp: Path, batching: bool) -> Server:
    tag = f"mlserver-batching-{'on' if batching else 'off'}"
    root = tmp / tag
    model = root / "iris"
    model.mkdir(parents=True)
    code = TRAIN + f"joblib.dump(model, {str(model / 'model.joblib')!r})\n"
    subprocess.run([python, "-c", code], check=True, capture_output=True)
    port = free_port()
    settings = {
        "host": "127.0.0.1",
        "http_port": port,
        "grpc_port": free_port(),
        "metrics_port": free_port(),
        "parallel_workers": WORKERS,
        "debug": False,
    }
    model_settings: dict[str, Any] = {
        "name": "iris",
        "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": {"uri": "./model.joblib"},
    }
    size, seconds = mlserver_batch()
    if batching:
        model_settings |= {"max_batch_size": size, "max_batch_time": seconds}
    (root / "settings.json").write_text(json.dumps(settings))
    (model / "model-settings.json").write_text(json.dumps(model_settings))
    bin_dir = str(Path(python).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"]}
    proc = Process([str(Path(bin_dir) / "mlserver"), "start", str(root)], env, tmp / f"{tag}.log")
    wait_until(lambda: proc.alive() and _http_ok(port, "/v2/models/iris/ready"), 300, tag)
    body = {"inputs": [{"name": "predict", "shape": [1, 4], "datatype": "FP64", "data": ROW}]}
    label = (
        f"MLServer 1.7, adaptive batching ({size}, {seconds * 1000:g} ms)"
        if batching
        else "MLServer 1.7, batching off"
    )
    return Server(
        label,
        proc,
        port,
        "/v2/models/iris/infer",
        json.dumps(body).encode(),
        lambda answer: float(answer["outputs"][0]["data"][0]),
    )


def start_mlflow(python: str, tmp: Path) -> Server:
    model_dir = tmp / "mlflow-model"
    code = TRAIN + (
        f"import mlflow.sklearn\nmlflow.sklearn.save_model(model, {str(model_dir)!r}, "
        "serialization_format='pickle')\n"
    )
    subprocess.run([python, "-c", code], check=True, capture_output=True)
    port = free_port()
    bin_dir = str(Path(python).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"]}
    argv = [
        str(Path(bin_dir) / "mlflow"),
        "models",
        "serve",
        "-m",
        str(model_dir),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "--env-manager",
        "local",
        "-w",
        str(WORKERS),
    ]
    proc = Process(argv, env, tmp / "mlflow.log")
    wait_until(lambda: proc.alive() and _http_ok(port, "/ping"), 300, "mlflow models serve")
    return Server(
        "mlflow models serve",
        proc,
        port,
        "/invocations",
        json.dumps({"inputs": [ROW]}).encode(),
        lambda answer: float(answer["predictions"][0]),
    )


def skipped_peers() -> set[str]:
    raw = os.environ.get("BENCH_SKIP_PEERS", "")
    names = {n.strip().lower() for n in raw.split(",") if n.strip()}
    unknown = names - {"mlserver", "mlflow"}
    if unknown:
        raise BenchError(
            f"BENCH_SKIP_PEERS: unknown peer(s) {sorted(unknown)}; use mlserver, mlflow"
        )
    return names


def load_subject(
    server: Server, series: Series, concurrency: int, seconds: float
) -> Callable[[], None]:
    def measure() -> None:
        load = run_load(server.port, server.path, server.body, JSON_TYPE, concurrency, seconds)
        if load.errors:
            raise BenchError(
                f"{server.label}: {load.errors} of {len(load.latencies)} requests "
                f"failed, e.g. {load.first_error[:300]!r}"
            )
        series.samples.extend(load.latencies)
        series.rates.append(load.rps)

    return measure


def paired_subject(
    server: Server, overhead: Series, predict: Series, model: Any, seconds: float
) -> Callable[[], None]:
    """One client: in-process predict, then the same row through the server, in turn."""
    row = np.array([ROW])

    def measure() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            until = time.perf_counter() + seconds
            while time.perf_counter() < until:
                start = time.perf_counter()
                model.predict(row)
                middle = time.perf_counter()
                server.ask(conn)
                end = time.perf_counter()
                predict.samples.append(middle - start)
                overhead.samples.append((end - middle) - (middle - start))
        finally:
            conn.close()

    return measure


# ---- batch ----------------------------------------------------------------------

_pool_model: Any = None
_pool_rows: Any = None


def _pool_init(model_path: str, rows_path: str) -> None:
    global _pool_model, _pool_rows
    import joblib  # type: ignore[import-untyped]

    _pool_model = joblib.load(model_path)
    _pool_rows = np.load(rows_path, mmap_mode="r")


def _pool_predict(start: int, stop: int) -> int:
    return len(_pool_model.predict(np.asarray(_pool_rows[start:stop])))


def transform_spec(source: Path, model_dir: Path, out: Path) -> dict[str, Any]:
    return {
        "name": "bench",
        "inputs": [{"path": str(source), "relative": source.name}],
        "model": {
            "model_dir": str(model_dir),
            "code_dir": None,
            "program": "inference.py",
            "environment": {"SAGEMAKER_MODEL_SERVER_WORKERS": str(WORKERS)},
        },
        "output_dir": str(out),
        "content_type": "text/csv",
        "split_type": "Line",
        "batch_strategy": "MultiRecord",
        "max_payload_in_mb": 6,
        "max_concurrent_transforms": 0,  # ask the server, as SageMaker does: its workers
        "accept": "text/csv",
        "assemble_with": "Line",
        "data_processing": None,
        "invocation_timeout": 600,
        "startup_timeout": 120,
    }


def batch_series(tmp: Path, model_dir: Path, rounds: int) -> list[Series]:
    rows = int(os.environ.get("BENCH_BATCH_ROWS", "1000000"))
    rng = np.random.default_rng(0)
    from sklearn.datasets import load_iris

    x, _ = load_iris(return_X_y=True)
    data = (x[rng.integers(0, len(x), rows)] + rng.normal(0, 0.05, (rows, 4))).round(2)
    source = tmp / "batch" / "data.csv"
    source.parent.mkdir()
    np.savetxt(source, data, delimiter=",", fmt="%.2f")
    features = tmp / "batch" / "rows.npy"
    np.save(features, np.loadtxt(source, delimiter=",", dtype=np.float32))
    label = f"{rows:,}-row CSV"
    direct = Series(
        f"model.predict in-process, {label}, {WORKERS} worker processes", rate_unit="rows/s"
    )
    job = Series(
        f"batch transform, {label}, MultiRecord, {WORKERS} workers",
        baseline=direct.name,
        rate_unit="rows/s",
    )
    cuts = np.linspace(0, rows, WORKERS + 1).astype(int)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        WORKERS, context, _pool_init, (str(model_dir / "model.joblib"), str(features))
    ) as pool:

        def in_process() -> None:
            start = time.perf_counter()
            parts = [pool.submit(_pool_predict, a, b) for a, b in itertools.pairwise(cuts)]
            assert sum(p.result() for p in parts) == rows
            direct.samples.append(time.perf_counter() - start)
            direct.rates.append(rows / direct.samples[-1])

        def transform() -> None:
            job_dir = Path(tempfile.mkdtemp(dir=tmp))
            out = job_dir / "out"
            (job_dir / "job.json").write_text(json.dumps(transform_spec(source, model_dir, out)))
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", TRANSFORM_RUNNER, str(job_dir)],
                env=env,
                check=True,
                capture_output=True,
            )
            job.samples.append(time.perf_counter() - start)
            job.rates.append(rows / job.samples[-1])
            lines = (out / f"{source.name}.out").read_bytes().count(b"\n")
            assert lines == rows, f"every row has an output line ({lines} of {rows})"

        for _ in range(WORKERS):  # start the workers (model loaded) before any clock runs
            pool.submit(_pool_predict, 0, 1).result()
        interleave(rounds, [(direct, in_process), (job, transform)], warmup=False)
    return [direct, job]


# ---- the benchmark ----------------------------------------------------------------


def run(rounds: int = 3) -> Result:
    check_rounds(rounds)
    seconds = float(os.environ.get("BENCH_SECONDS", "10"))
    skip = skipped_peers()
    peers = {
        name: peer.python()
        for name, peer in (("mlserver", MLSERVER), ("mlflow", MLFLOW))
        if name not in skip
    }  # a peer that cannot run stops here, first
    series: list[Series] = []
    targets: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        model_dir = tmp / "model"
        model_dir.mkdir()
        namespace: dict[str, Any] = {}
        exec(TRAIN, namespace)
        model = namespace["model"]
        import joblib

        joblib.dump(model, model_dir / "model.joblib")
        servers: list[Server] = []
        try:
            servers += [start_ours(model_dir, tmp, True), start_ours(model_dir, tmp, False)]
            if "mlserver" in peers:
                servers += [
                    start_mlserver(peers["mlserver"], tmp, True),
                    start_mlserver(peers["mlserver"], tmp, False),
                ]
            if "mlflow" in peers:
                servers.append(start_mlflow(peers["mlflow"], tmp))
            expected = float(model.predict(np.array([ROW]))[0])
            for server in servers:  # the same model everywhere, and a warm-up
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                if server.ask(conn) != expected:
                    raise BenchError(f"{server.label} predicts another class than the model")
                conn.close()
                run_load(server.port, server.path, server.body, JSON_TYPE, 8, min(seconds, 2))
            series, targets, subjects = _realtime(servers, model, seconds)
            interleave(rounds, subjects, warmup=False)
            _against_mlflow(series, targets, [s.label for s in servers[:2]])
        finally:
            for server in servers:
                server.process.stop()
        batch = batch_series(tmp, model_dir, rounds)
    direct, job = batch
    targets[job.name] = (
        f"{np.median(job.rates) / np.median(direct.rates):.0%} of in-process predict on "
        f"{WORKERS} workers; target >=50%"
    )
    description = DESCRIPTION + (
        f"; left out by BENCH_SKIP_PEERS: {', '.join(sorted(skip))}" if skip else ""
    )
    return Result("endpoints", description, [*series, *batch], targets)


def _realtime(
    servers: list[Server], model: Any, seconds: float
) -> tuple[list[Series], dict[str, str], list[tuple[Series, Callable[[], None]]]]:
    """The series, their notes and the round's subjects, in A B A B order."""
    by_label = {s.label: s for s in servers}
    ours_on, ours_off = servers[0].label, servers[1].label
    peer_of = {
        ours_on: next((s.label for s in servers if "adaptive" in s.label), None),
        ours_off: next(
            (s.label for s in servers if "MLServer" in s.label and "off" in s.label), None
        ),
    }
    series: list[Series] = []
    targets: dict[str, str] = {}
    subjects: list[tuple[Series, Callable[[], None]]] = []
    for c in CONCURRENCY:
        for server in servers:
            base = peer_of.get(server.label)
            s = Series(
                f"{server.label}, c={c}",
                baseline=f"{base}, c={c}" if base else None,
                rate_unit="req/s",
            )
            series.append(s)
            subjects.append((s, load_subject(by_label[server.label], s, c, seconds)))
        if c == 8:
            targets[f"{ours_on}, c=8"] = "target >=2x MLflow's req/s, p99 <= 10 ms"
    predict = Series("model.predict in-process, 1 row (the paired client's)")
    for server in servers:
        s = Series(f"{server.label}: request - paired in-process predict, c=1")
        series.append(s)
        subjects.append((s, paired_subject(server, s, predict, model, seconds)))
        targets[s.name] = "server overhead: HTTP, decode, encode, dispatch"
    subjects.append((predict, lambda: None))  # closes the predict series' round
    series.append(predict)
    return series, targets, subjects


def _against_mlflow(series: list[Series], targets: dict[str, str], ours: list[str]) -> None:
    """Notes: our throughput over MLflow's, round by round (MLflow has no batching)."""
    by_name = {s.name: s for s in series}
    for c in CONCURRENCY:
        peer = by_name.get(f"mlflow models serve, c={c}")
        if peer is None:
            continue
        for label in ours:
            mine = by_name[f"{label}, c={c}"]
            ratios = [a / b for a, b in zip(mine.rates, peer.rates, strict=True)]
            note = (
                f"{np.median(mine.rates) / np.median(peer.rates):.2f}x MLflow req/s "
                f"(rounds {min(ratios):.2f} .. {max(ratios):.2f})"
            )
            targets[mine.name] = "; ".join(filter(None, [note, targets.get(mine.name, "")]))
