"""Real-time endpoint vs ``mlflow models serve``, and batch transform vs in-process predict.

Model: a 100-tree random forest on scikit-learn's bundled iris data. Real-time:
single-row CSV (ours) / the equivalent one-row JSON (MLflow's scoring protocol) at
concurrency 1 and 8 for ``BENCH_SECONDS`` (default 30) per run, A B A B, both with
two workers on this machine, loopback only. Batch: a 1,000,000-row CSV through a
MultiRecord transform job (model server + runner, as the job runs) against
``model.predict`` on the same rows in-process.

MLflow runs from its own virtualenv (``BENCH_MLFLOW_PYTHON``, default: the Python
beside an ``mlflow`` found on PATH or in /work/venv-mlflow); without it, that peer is
skipped and the table says so.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from tests.hosting_models import model_server_env
from tests.servers import free_port, wait_until

from .harness import Result, Series
from .loadgen import Load, run_load

DESCRIPTION = "endpoint throughput/latency vs mlflow models serve; batch transform rows/s"
ROOT = Path(__file__).resolve().parent.parent
ROW = [5.1, 3.5, 1.4, 0.2]
TRAIN = (
    "import sys, joblib\n"
    "from sklearn.datasets import load_iris\n"
    "from sklearn.ensemble import RandomForestClassifier\n"
    "X, y = load_iris(return_X_y=True)\n"
    "model = RandomForestClassifier(n_estimators=100, random_state=0).fit(X, y)\n"
)


def _mlflow_python() -> str | None:
    explicit = os.environ.get("BENCH_MLFLOW_PYTHON")
    if explicit:
        return explicit
    for candidate in (shutil.which("mlflow"), "/work/venv-mlflow/bin/mlflow"):
        if candidate and Path(candidate).exists():
            python = Path(candidate).parent / "python"
            if python.exists():
                return str(python)
    return None


class Process:
    """A server process in its own session, stopped with its whole group."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.proc = subprocess.Popen(
            argv, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
        )

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def _ping(port: int) -> bool:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    conn.request("GET", "/ping")
    return conn.getresponse().status == 200


NOOP_INFERENCE = (
    "import numpy as np\n"
    "def model_fn(model_dir):\n    return None\n"
    "def predict_fn(data, model):\n    return np.zeros(len(data))\n"
)


def start_ours(model_dir: Path, tmp: Path, tag: str = "ours") -> tuple[Process, int]:
    info = tmp / f"{tag}.json"
    env = model_server_env(model_dir, info, workers=2)
    proc = Process(
        [sys.executable, "-m", "jupyter_smstudio.hosting.server"], env, tmp / f"{tag}.log"
    )
    data = wait_until(
        lambda: json.loads(info.read_text())["ready"] and json.loads(info.read_text()),
        60,
        "our model server",
    )
    return proc, int(data["port"])


def start_mlflow(python: str, tmp: Path) -> tuple[Process, int]:
    model_dir = tmp / "mlflow-model"
    code = TRAIN + (
        f"import mlflow.sklearn\nmlflow.sklearn.save_model(model, {str(model_dir)!r}, "
        "serialization_format='pickle')\n"
    )
    subprocess.run([python, "-c", code], check=True, capture_output=True)
    port = free_port()
    bin_dir = str(Path(python).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"]}
    proc = Process(
        [
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
            "2",
        ],
        env,
        tmp / "mlflow.log",
    )
    wait_until(lambda: _ping(port), 120, "mlflow models serve")
    return proc, port


def _series(name: str, load: Load, baseline: str | None = None) -> Series:
    return Series(name, list(load.latencies), baseline)


def batch(tmp: Path, model: object, model_dir: Path, rows: int = 1_000_000) -> tuple[float, float]:
    """Seconds for in-process predict and for the transform job on ``rows`` CSV rows."""
    rng = np.random.default_rng(0)
    from sklearn.datasets import load_iris

    x, _ = load_iris(return_X_y=True)
    data = (x[rng.integers(0, len(x), rows)] + rng.normal(0, 0.05, (rows, 4))).round(2)
    source = tmp / "batch" / "data.csv"
    source.parent.mkdir()
    np.savetxt(source, data, delimiter=",", fmt="%.2f")
    features = np.loadtxt(source, delimiter=",", dtype=np.float32)
    start = time.perf_counter()
    model.predict(features)  # type: ignore[attr-defined]
    in_process = time.perf_counter() - start
    job_dir = tmp / "job"
    job_dir.mkdir()
    spec = {
        "name": "bench",
        "inputs": [{"path": str(source), "relative": "data.csv"}],
        "model": {
            "model_dir": str(model_dir),
            "code_dir": None,
            "program": "inference.py",
            "environment": {"SAGEMAKER_MODEL_SERVER_WORKERS": "2"},
        },
        "output_dir": str(tmp / "out"),
        "content_type": "text/csv",
        "split_type": "Line",
        "batch_strategy": "MultiRecord",
        "max_payload_in_mb": 6,
        "max_concurrent_transforms": 0,
        "accept": "text/csv",
        "assemble_with": "Line",
        "data_processing": None,
        "invocation_timeout": 600,
        "startup_timeout": 120,
    }
    (job_dir / "job.json").write_text(json.dumps(spec))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "jupyter_smstudio.hosting.transform.runner", str(job_dir)],
        env=env,
        check=True,
        capture_output=True,
    )
    job = time.perf_counter() - start
    out = (tmp / "out" / "data.csv.out").read_bytes()
    assert out.count(b"\n") == rows, "every row has an output line"
    return in_process, job


def run(rounds: int = 1) -> Result:
    seconds = float(os.environ.get("BENCH_SECONDS", "30"))
    series: list[Series] = []
    targets: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        model_dir = tmp / "model"
        model_dir.mkdir()
        namespace: dict[str, object] = {}
        exec(TRAIN, namespace)
        model = namespace["model"]
        import joblib  # type: ignore[import-untyped]

        joblib.dump(model, model_dir / "model.joblib")
        predict = Series("model.predict, 1 row, in-process")
        row = np.array([ROW], dtype=np.float32)
        for _ in range(300):
            predict.time(lambda: model.predict(row))  # type: ignore[attr-defined]
        series.append(predict)
        ours, our_port = start_ours(model_dir, tmp)
        noop_dir = tmp / "noop"
        (noop_dir / "code").mkdir(parents=True)
        (noop_dir / "code" / "inference.py").write_text(NOOP_INFERENCE)
        noop, noop_port = start_ours(noop_dir, tmp, "noop")
        python = _mlflow_python()
        mlflow = mlflow_port = None
        if python:
            mlflow, mlflow_port = start_mlflow(python, tmp)
        csv = ",".join(map(str, ROW)).encode()
        body = json.dumps({"inputs": [ROW]}).encode()
        loads: dict[tuple[str, int], Load] = {}
        try:
            run_load(our_port, "/invocations", csv, "text/csv", 8, 2)  # warm-up
            if mlflow_port:
                run_load(mlflow_port, "/invocations", body, "application/json", 8, 2)
            for _ in range(rounds):
                load = run_load(noop_port, "/invocations", csv, "text/csv", 1, min(seconds, 10))
                loads.setdefault(("noop", 1), Load()).latencies.extend(load.latencies)
                loads[("noop", 1)].seconds += load.seconds
                for c in (1, 8):
                    load = run_load(our_port, "/invocations", csv, "text/csv", c, seconds)
                    loads.setdefault(("ours", c), Load()).latencies.extend(load.latencies)
                    loads[("ours", c)].seconds += load.seconds
                    if mlflow_port:
                        load = run_load(
                            mlflow_port, "/invocations", body, "application/json", c, seconds
                        )
                        loads.setdefault(("mlflow", c), Load()).latencies.extend(load.latencies)
                        loads[("mlflow", c)].seconds += load.seconds
        finally:
            ours.stop()
            noop.stop()
            if mlflow is not None:
                mlflow.stop()
        for c in (1, 8):
            base = f"mlflow models serve, c={c}" if mlflow_port else None
            if mlflow_port:
                peer = loads[("mlflow", c)]
                series.append(_series(base or "", peer))
                targets[base or ""] = f"{peer.rps:.0f} req/s"
            mine = loads[("ours", c)]
            label = f"smstudio endpoint, c={c}"
            series.append(_series(label, mine, base))
            ratio = (
                f", {mine.rps / loads[('mlflow', c)].rps:.1f}x MLflow"
                if mlflow_port
                else ", MLflow not installed"
            )
            goal = "; target >=2x, p99<=10ms" if c == 8 else ""
            targets[label] = f"{mine.rps:.0f} req/s{ratio}{goal}"
        total = series[[s.name for s in series].index("smstudio endpoint, c=1")].median
        targets[predict.name] = (
            f"endpoint p50 minus predict p50 at c=1: {(total - predict.median) * 1000:.2f} ms"
        )
        noop_label = "smstudio endpoint, no-op model, c=1"
        series.append(_series(noop_label, loads[("noop", 1)]))
        targets[noop_label] = (
            f"server overhead (HTTP, CSV decode, JSON encode); {loads[('noop', 1)].rps:.0f} req/s"
        )
        in_process, job = batch(tmp, model, model_dir)
        series.append(Series("model.predict, 1M rows, in-process", [in_process]))
        series.append(
            Series(
                "batch transform, 1M-row CSV, MultiRecord",
                [job],
                "model.predict, 1M rows, in-process",
            )
        )
        targets["batch transform, 1M-row CSV, MultiRecord"] = (
            f"{1e6 / job:,.0f} rows/s = {in_process / job:.0%} of in-process "
            f"({1e6 / in_process:,.0f} rows/s); target >=50%"
        )
    return Result("endpoints", DESCRIPTION, series, targets)
