"""Model artifacts built by tests: a tiny linear model with SageMaker-style inference code."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import zipfile
from pathlib import Path

import numpy as np

INFERENCE = """
import os, time
import numpy as np

def model_fn(model_dir):
    return np.load(os.path.join(model_dir, "weights.npy"))

def predict_fn(data, model):
    if (data == 666).any():
        raise ValueError("the number of the beast is not a feature")
    if (data == 777).any():
        time.sleep(float(os.environ.get("SLOW_SECONDS", "3")))
    return data @ model
"""

#: Loads only once the test creates ``go`` in the model directory, so a test can act while
#: an instance is loading without relying on timing.
GATED = INFERENCE.replace(
    "def model_fn(model_dir):\n",
    "def model_fn(model_dir):\n"
    "    while not os.path.exists(os.path.join(model_dir, 'go')):\n"
    "        time.sleep(0.05)\n",
)

WEIGHTS = np.array([1.0, 2.0, 3.0], dtype=np.float32)


def model_tree(directory: Path, code: str = INFERENCE, weights: np.ndarray = WEIGHTS) -> Path:
    """A model directory: weights.npy at the root, code/inference.py."""
    (directory / "code").mkdir(parents=True, exist_ok=True)
    np.save(directory / "weights.npy", weights)
    (directory / "code" / "inference.py").write_text(code)
    return directory


def model_archive(path: Path, code: str = INFERENCE, weights: np.ndarray = WEIGHTS) -> Path:
    """A model.tar.gz with the files at the archive root, as training jobs write it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        buffer = io.BytesIO()
        np.save(buffer, weights)
        for name, data in (
            ("weights.npy", buffer.getvalue()),
            ("code/inference.py", code.encode()),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def wheel(directory: Path, name: str, source: str, version: str = "1.0") -> Path:
    """A pure-Python wheel of one module, built offline (no build backend, no index)."""
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": source.encode(),
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }

    def digest(data: bytes) -> str:
        return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip("=")

    record = [f"{path},sha256={digest(data)},{len(data)}" for path, data in files.items()]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in files.items():
            archive.writestr(member, data)
    return path


def stop_all_instances(data_dir: Path) -> None:
    """Test teardown: stop every model server a test left running under ``data_dir``."""
    from jupyter_smstudio.runtime import read_state, stop

    from .servers import wait_until

    dirs = [p.parent for p in data_dir.rglob("launch.json")]
    for d in dirs:
        stop(d)
    for d in dirs:
        wait_until(lambda d=d: read_state(d).finished, 30, f"{d} to stop")


def processes_using(path: Path | str, exclude: tuple[int, ...] = ()) -> list[str]:
    """Live processes whose command line, environment or working directory names ``path``
    (supervisors, model servers, docker clients), but for ``exclude`` and this one."""
    import psutil

    found = []
    skip = {os.getpid(), *exclude}
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        if proc.pid in skip or proc.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        try:
            text = " ".join([*(proc.info["cmdline"] or []), proc.cwd(), *proc.environ().values()])
        except psutil.Error:
            continue
        if str(path) in text:
            found.append(f"{proc.pid} {' '.join(proc.info['cmdline'] or [])}")
    return found


class CountingModel:
    """A model for the default handler chain that logs each ``predict`` call's row count.

    Pickled by tests; the model server imports it from ``tests.hosting_models``.
    """

    def __init__(self, log: str, seconds: float) -> None:
        self.log = log
        self.seconds = seconds

    def predict(self, rows: np.ndarray) -> np.ndarray:
        import time

        with open(self.log, "a") as out:
            out.write(f"{len(rows)}\n")
        time.sleep(self.seconds)  # stands for a model that takes this long per call
        return np.asarray(rows.sum(axis=1))


def model_server_env(model_dir: Path, info: Path, workers: int) -> dict[str, str]:
    """Environment that runs ``python -m jupyter_smstudio.hosting.server`` on loopback,
    on any free port, reporting its port and readiness in ``info``."""
    return {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        "SM_MODEL_DIR": str(model_dir),
        "SAGEMAKER_BIND_TO_PORT": "0",
        "SMSTUDIO_BIND_HOST": "127.0.0.1",
        "SMSTUDIO_SERVER_INFO": str(info),
        "SAGEMAKER_MODEL_SERVER_WORKERS": str(workers),
    }
