"""The model server answers every request: a failure in any handler stage, a result
that is not bytes, an invocation stuck past the timeout.

Runs the real pre-fork model server (``python -m jupyter_smstudio.hosting.server``, one
worker) on handler scripts that fail or return a given kind of value on request, and
talks plain HTTP to it, as the gateway does.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from .hosting_models import model_server_env
from .waiting import SCALE, deadline, wait_until

pytestmark = pytest.mark.slow

#: One script for every stage of the default chain; the body says what to do.
STAGES = """
import os, signal, time
import numpy as np

def model_fn(model_dir):
    return "the model"

def input_fn(body, content_type):
    if body == b"input":
        raise ValueError("input_fn cannot read this")
    return body.decode()

def predict_fn(data, model):
    if data == "predict":
        raise KeyError("predict_fn has no such key")
    if data == "slow":
        time.sleep(120)  # Python code: SIGALRM stops it at the timeout
    if data == "stuck":  # as if blocked in C code, where SIGALRM cannot reach it
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(120)
    if data == "exit":
        raise SystemExit(3)
    return data

RESULTS = {
    "bytes": b"raw bytes",
    "str": "text \\u00e9",
    "dict": {"a": 1, "b": [1.5]},
    "list": [1, 2, 3],
    "numpy": np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32),
    "scalar": np.float32(0.5),
    "tuple": ("1,2", "text/csv"),
    "tuple_dict": ({"k": "v"}, "application/json"),
    "unencodable": {"a": object()},
}

def output_fn(prediction, accept):
    if prediction == "output":
        raise RuntimeError("output_fn cannot write this")
    return RESULTS[prediction]
"""

TRANSFORM = """
def model_fn(model_dir):
    return None

def transform_fn(model, body, content_type, accept):
    if body == b"ok":
        return {"fine": True}
    raise ZeroDivisionError("transform_fn divided by zero")
"""

FAILING_LOAD = """
def model_fn(model_dir):
    raise FileNotFoundError("model_fn found no weights")
"""


class Server:
    def __init__(self, proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.proc, self.port, self.log = proc, port, log

    def post(
        self, body: bytes, accept: str = "application/json", timeout: float = 30
    ) -> tuple[int, str, bytes, float]:
        """POST /invocations; returns status, content type, body and seconds taken."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        start = time.monotonic()
        try:
            conn.request(
                "POST",
                "/invocations",
                body,
                {"Content-Type": "application/octet-stream", "Accept": accept},
            )
            response = conn.getresponse()
            data = response.read()
            return (
                response.status,
                response.getheader("Content-Type") or "",
                data,
                time.monotonic() - start,
            )
        finally:
            conn.close()


def start_server(
    tmp_path: Path, code: str, timeout: float = 2
) -> tuple[subprocess.Popen[bytes], Path, Path]:
    model_dir = tmp_path / "model"
    (model_dir / "code").mkdir(parents=True)
    (model_dir / "code" / "inference.py").write_text(code)
    info, log = tmp_path / "info.json", tmp_path / "server.log"
    env = model_server_env(model_dir, info, workers=1)
    env["SAGEMAKER_MODEL_SERVER_TIMEOUT"] = str(timeout)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter_smstudio.hosting.server"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return proc, info, log


def failed_start_log(tmp_path: Path, code: str, wait: float = 60) -> str:
    """The log of a model server that must exit 1 while starting (a refused model)."""
    proc, _, log = start_server(tmp_path, code)
    try:
        assert proc.wait(wait) == 1
    finally:
        proc.kill()
    return log.read_text()


def first_model_dir(tmp_path: Path) -> Path:
    """The (made) model folder of the first server the ``serve`` fixture starts."""
    model_dir = tmp_path / "0" / "model"
    model_dir.mkdir(parents=True)
    return model_dir


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[[str], Server]]:
    procs: list[subprocess.Popen[bytes]] = []

    def run(code: str) -> Server:
        proc, info, log = start_server(tmp_path / str(len(procs)), code)
        procs.append(proc)
        data = wait_until(
            lambda: info.exists() and json.loads(info.read_text()).get("ready") and info,
            60,
            "model server ready",
        )
        return Server(proc, int(json.loads(data.read_text())["port"]), log)

    yield run
    for proc in procs:
        proc.terminate()
        proc.wait(30)


def error_of(body: bytes) -> tuple[str, str]:
    data = json.loads(body)
    return data["code"], data["message"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"input", 500, "input_fn raised ValueError: input_fn cannot read this"),
        (b"predict", 500, "predict_fn raised KeyError: 'predict_fn has no such key'"),
        (b"output", 500, "output_fn raised RuntimeError: output_fn cannot write this"),
        (b"unencodable", 500, "output_fn raised TypeError: object is not JSON serializable"),
        (b"exit", 500, "SystemExit: 3"),
    ],
)
def test_a_failing_stage_is_answered_at_once_with_its_message(
    serve: Callable[[str], Server], body: bytes, status: int, message: str
) -> None:
    server = serve(STAGES)
    got, _, reply, seconds = server.post(body)
    assert got == status
    assert message in error_of(reply)[1]
    assert seconds < 1.0 * SCALE, f"answered after {seconds:.2f} s"
    # the worker lives on
    assert server.post(b"bytes")[:3] == (200, "application/json", b"raw bytes")


def test_results_that_are_not_bytes_are_encoded_as_the_containers_do(
    serve: Callable[[str], Server],
) -> None:
    server = serve(STAGES)

    def answer(kind: str, accept: str = "application/json") -> tuple[int, str, bytes]:
        return server.post(kind.encode(), accept)[:3]

    assert answer("bytes") == (200, "application/json", b"raw bytes")
    assert answer("str", "text/plain") == (200, "text/plain", "text \u00e9".encode())
    assert answer("dict", "text/csv")[:2] == (200, "application/json")
    assert json.loads(answer("dict")[2]) == {"a": 1, "b": [1.5]}
    assert json.loads(answer("list")[2]) == [1, 2, 3]
    assert json.loads(answer("numpy")[2]) == [[1.0, 2.0], [3.0, 4.0]]
    assert answer("numpy", "text/csv") == (200, "text/csv", b"1.0,2.0\n3.0,4.0\n")
    status, content, npy = answer("numpy", "application/x-npy")
    assert (status, content) == (200, "application/x-npy")
    import io

    assert np.load(io.BytesIO(npy)).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert json.loads(answer("scalar")[2]) == 0.5
    assert answer("tuple") == (200, "text/csv", b"1,2")
    assert answer("tuple_dict") == (200, "application/json", b'{"k": "v"}')


def test_transform_fn_failure_is_answered_at_once(serve: Callable[[str], Server]) -> None:
    server = serve(TRANSFORM)
    status, _, reply, seconds = server.post(b"boom")
    assert status == 500
    assert error_of(reply) == (
        "ModelError",
        "transform_fn raised ZeroDivisionError: transform_fn divided by zero",
    )
    assert seconds < 1.0 * SCALE
    status, content, reply, _ = server.post(b"ok")
    assert (status, content, json.loads(reply)) == (200, "application/json", {"fine": True})


def test_model_fn_failure_stops_the_server_at_once_with_the_message(tmp_path: Path) -> None:
    proc, _, log = start_server(tmp_path, FAILING_LOAD)
    try:
        code = proc.wait(30 * SCALE)
    finally:
        proc.kill()
    assert code == 1
    text = log.read_text()
    assert "FileNotFoundError: model_fn found no weights" in text
    assert "failed while loading the model" in text


def test_an_invocation_past_the_timeout_is_answered_and_the_worker_replaced(
    serve: Callable[[str], Server],
) -> None:
    server = serve(STAGES)  # SAGEMAKER_MODEL_SERVER_TIMEOUT=2
    status, _, reply, seconds = server.post(b"slow")
    assert (status, error_of(reply)[0]) == (504, "ModelTimeout")
    assert seconds < (2 + 1) * SCALE
    # blocked where SIGALRM cannot stop it: the worker's guard answers and it is replaced
    end = deadline(2 + 1 + 1)
    status, _, reply, seconds = server.post(b"stuck")
    assert time.monotonic() < end, f"answered after {seconds:.2f} s"
    assert (status, error_of(reply)) == (
        504,
        ("ModelTimeout", "The invocation ran longer than 2 s"),
    )
    assert server.post(b"bytes")[:3] == (200, "application/json", b"raw bytes")
    assert "answered it and exiting to be replaced" in server.log.read_text()
    assert server.proc.poll() is None
