"""XGBoost as the framework container runs it: serving overhead and training time.

Serving: one booster (200 trees, depth 6, 20 features, trained here with a fixed seed),
served two ways by our model server with two workers, one CSV row per request:

- the XGBoost defaults (``SMSTUDIO_FRAMEWORK=xgboost``, ``xgboost-model``, CSV to a
  ``DMatrix``): what an XGBoost image or ``XGBoostModel`` gets;
- the scikit-learn path: the same trees as an ``XGBRegressor`` in ``model.joblib``, the
  generic defaults (numpy rows to ``model.predict``);

each at concurrency 1 and 8 for ``BENCH_SECONDS`` (default 10), A B A B over the
rounds; and the server's overhead, one client alternating an in-process
``booster.predict`` of the row with the same row through the XGBoost endpoint (the
median of the per-pair differences).

Training: the same script-mode script (``xgboost.train``, 50 rounds on a 100,000 x 20
CSV) as a local training job (POST to Completed) against ``python train.py`` run
directly with the same channel and model directory, A B A B.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tests.hosting_models import model_server_env
from tests.servers import ServerProcess, wait_until

from .bench_endpoints import Process
from .bench_training import Api
from .harness import BenchError, Result, Series, check_rounds, end_round, interleave
from .loadgen import run_load

DESCRIPTION = "XGBoost framework defaults vs the scikit-learn path; script-mode training"
WORKERS = 2
CONCURRENCY = (1, 8)
CSV = "text/csv"
FEATURES = 20
ROW = ",".join(f"{0.05 * i:.2f}" for i in range(FEATURES)).encode()
TRAIN_ROWS = 100_000

TRAIN = """
import os, time
import numpy as np
import xgboost as xgb
channel = os.environ.get("SM_CHANNEL_TRAIN", "data")
data = np.loadtxt(os.path.join(channel, "train.csv"), delimiter=",", dtype=np.float32)
booster = xgb.train({"objective": "reg:squarederror", "max_depth": 6, "eta": 0.1,
                     "nthread": 2, "seed": 0},
                    xgb.DMatrix(data[:, 1:], label=data[:, 0]), num_boost_round=50)
booster.save_model(os.path.join(os.environ.get("SM_MODEL_DIR", "."), "xgboost-model"))
"""


def _data(rows: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.random((rows, FEATURES), dtype=np.float32)
    y = x @ rng.random(FEATURES, dtype=np.float32) + 0.1 * rng.standard_normal(rows)
    return np.column_stack([y, x])


def _start(model_dir: Path, tmp: Path, tag: str, framework: str | None) -> tuple[Process, int]:
    info = tmp / f"{tag}.json"
    env = model_server_env(model_dir, info, workers=WORKERS)
    if framework:
        env["SMSTUDIO_FRAMEWORK"] = framework
    proc = Process([sys.executable, "-m", "jupyter_smstudio.hosting.server"], env,
                   tmp / f"{tag}.log")  # fmt: skip
    data = wait_until(
        lambda: proc.alive() and json.loads(info.read_text())["ready"] and info.read_text(),
        120,
        f"{tag} model server",
    )
    return proc, int(json.loads(data)["port"])


def _ask(conn: http.client.HTTPConnection) -> float:
    conn.request("POST", "/invocations", ROW, {"Content-Type": CSV, "Accept": "application/json"})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise BenchError(f"the endpoint answered {response.status}: {body[:300]!r}")
    return float(np.ravel(json.loads(body))[0])


def _load(port: int, series: Series, concurrency: int, seconds: float) -> Callable[[], None]:
    def measure() -> None:
        load = run_load(port, "/invocations", ROW, CSV, concurrency, seconds)
        if load.errors:
            raise BenchError(f"{series.name}: {load.errors} requests failed: {load.first_error!r}")
        series.samples.extend(load.latencies)
        series.rates.append(load.rps)

    return measure


def _paired(port: int, booster: object, overhead: Series, predict: Series,
            seconds: float) -> Callable[[], None]:  # fmt: skip
    import xgboost as xgb

    row = np.array([[float(v) for v in ROW.split(b",")]], dtype=np.float32)

    def measure() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            until = time.perf_counter() + seconds
            while time.perf_counter() < until:
                start = time.perf_counter()
                booster.predict(xgb.DMatrix(row))  # type: ignore[attr-defined]
                middle = time.perf_counter()
                _ask(conn)
                end = time.perf_counter()
                predict.samples.append(middle - start)
                overhead.samples.append((end - middle) - (middle - start))
        finally:
            conn.close()

    return measure


def _serving(tmp: Path, rounds: int, seconds: float) -> tuple[list[Series], dict[str, str]]:
    import joblib  # type: ignore[import-untyped]
    import xgboost as xgb

    data = _data(20_000)
    regressor = xgb.XGBRegressor(n_estimators=200, max_depth=6, random_state=0, n_jobs=2)
    regressor.fit(data[:, 1:], data[:, 0])
    booster = regressor.get_booster()
    (tmp / "xgb").mkdir()
    booster.save_model(str(tmp / "xgb" / "xgboost-model"))
    (tmp / "sk").mkdir()
    joblib.dump(regressor, tmp / "sk" / "model.joblib")
    servers: list[tuple[str, Process, int]] = []
    try:
        ways = (("xgb", "xgboost", "XGBoost defaults"),
                ("sk", None, "scikit-learn path (XGBRegressor)"))  # fmt: skip
        for tag, framework, label in ways:
            proc, port = _start(tmp / tag, tmp, tag, framework)
            servers.append((label, proc, port))
        answers = set()
        for _, _, port in servers:  # the same trees behind both, and a warm-up
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            answers.add(round(_ask(conn), 4))
            conn.close()
            run_load(port, "/invocations", ROW, CSV, 8, min(seconds, 2))
        if len(answers) != 1:
            raise BenchError(f"the two servers predict differently: {sorted(answers)}")
        series: list[Series] = []
        subjects = []
        for c in CONCURRENCY:
            xgb_label = f"{servers[0][0]}, c={c}"
            for label, _, port in servers:
                s = Series(f"{label}, c={c}", rate_unit="req/s",
                           baseline=None if label == servers[0][0] else xgb_label)  # fmt: skip
                series.append(s)
                subjects.append((s, _load(port, s, c, seconds)))
        predict = Series("booster.predict in-process, 1 row (the paired client's)")
        overhead = Series("XGBoost endpoint: request - paired in-process predict, c=1")
        subjects.append((overhead, _paired(servers[0][2], booster, overhead, predict, seconds)))
        subjects.append((predict, lambda: None))
        series += [overhead, predict]
        interleave(rounds, subjects, warmup=False)
    finally:
        for _, proc, _ in servers:
            proc.stop()
    return series, {f"{servers[0][0]}, c=8": "target p99 <= 10 ms",
                    overhead.name: "HTTP, decode, DMatrix, encode, dispatch"}  # fmt: skip


def _training(tmp: Path, rounds: int) -> list[Series]:
    direct = Series("python train.py directly (xgboost.train, 100k x 20, 50 rounds)")
    job = Series("local training job, same script: POST -> Completed", baseline=direct.name)
    with ServerProcess(tmp / "server") as server:
        root = tmp / "server" / "root"
        (root / "code").mkdir(parents=True)
        (root / "code" / "train.py").write_text(TRAIN)
        (root / "data").mkdir()
        np.savetxt(root / "data" / "train.csv", _data(TRAIN_ROWS, seed=1), delimiter=",",
                   fmt="%.6f")  # fmt: skip
        model_dir = tmp / "direct-model"
        model_dir.mkdir()
        env = {**os.environ, "SM_CHANNEL_TRAIN": str(root / "data"), "SM_MODEL_DIR": str(model_dir)}
        api = Api(server)
        body = {"entry_point": "train.py", "source_dir": "code", "instance_type": "local",
                "channels": {"train": {"path": "data"}}}  # fmt: skip
        api.post({**body, "name": "warm-up"})  # the job's environment is cached from here on
        api.wait("warm-up", interval=0.05)
        argv = [sys.executable, "train.py"]
        for i in range(rounds):
            direct.time(lambda: subprocess.run(argv, cwd=root / "code", env=env, check=True,
                                               capture_output=True))  # fmt: skip
            job.time(lambda i=i: (api.post({**body, "name": f"xgb-{i}"}),
                                  api.wait(f"xgb-{i}", interval=0.05)))  # fmt: skip
            end_round(direct, job)
    return [direct, job]


def run(rounds: int = 3) -> Result:
    check_rounds(rounds)
    try:
        import xgboost  # noqa: F401
    except ImportError:
        raise BenchError(
            "xgboost is not installed: pip install 'jupyter-smstudio[frameworks]'"
        ) from None
    seconds = float(os.environ.get("BENCH_SECONDS", "10"))
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        series, targets = _serving(tmp, rounds, seconds)
        training = _training(tmp, rounds)
    targets[training[1].name] = "target <= 1.1x"
    return Result("frameworks", DESCRIPTION, [*series, *training], targets)
