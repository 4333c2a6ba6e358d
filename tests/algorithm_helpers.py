"""Run a built-in algorithm's job entry point on a tree made here (no server), and write
channel files in each content type: the fast tests of every algorithm module use these."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from jupyter_smstudio.algorithms import recordio, serve, train


@dataclass
class JobResult:
    status: int
    log: str
    model_dir: Path
    failure: str | None

    def metric(self, name: str) -> float:
        """The last value of ``name`` (``validation:auc``) as the job's regexes read the log."""
        import re

        from jupyter_smstudio.algorithms import get

        spec = next(m for a in (self.algorithm,) for m in get(a).SPEC.metrics if m.name == name)
        values = re.findall(spec.regex, self.log)
        assert values, f"{name} not in the log:\n{self.log[-2000:]}"
        return float(values[-1])

    algorithm: str = ""


def write_channel(
    directory: Path,
    content_type: str,
    X: Any,
    y: Any = None,
    parts: int = 1,
) -> Path:
    """``X`` (and label ``y``, first) in ``parts`` files of ``content_type``."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = np.arange(X.shape[0])
    for i, chunk in enumerate(np.array_split(rows, parts)):
        Xc = X[chunk]
        yc = None if y is None else np.asarray(y)[chunk]
        path = directory / f"part-{i}"
        if content_type.startswith("text/csv"):
            dense = np.asarray(Xc.toarray() if hasattr(Xc, "toarray") else Xc)
            table = dense if yc is None else np.column_stack([yc, dense])
            path.write_text("\n".join(",".join(repr(float(v)) for v in r) for r in table) + "\n")
        elif content_type == "text/libsvm":
            from sklearn.datasets import dump_svmlight_file

            dump_svmlight_file(
                Xc, np.zeros(len(chunk)) if yc is None else yc, str(path), zero_based=True
            )
        elif content_type == "application/x-parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            dense = np.asarray(Xc)
            columns = {} if yc is None else {"label": np.asarray(yc, np.float64)}
            columns.update({f"f{j}": dense[:, j] for j in range(dense.shape[1])})
            pq.write_table(pa.table(columns), path)
        elif content_type == "application/x-recordio-protobuf":
            path.write_bytes(recordio.matrix_bytes(Xc.astype(np.float32), yc))
        else:
            raise ValueError(content_type)
    return directory


def run_algorithm(
    root: Path,
    algorithm: str,
    hyperparameters: dict[str, Any],
    channels: dict[str, tuple[str, Path]],
    hosts: list[str] | None = None,
) -> JobResult:
    """``python -m jupyter_smstudio.algorithms.train`` in-process on a fresh /opt/ml tree."""
    config = root / "input" / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "hyperparameters.json").write_text(
        json.dumps(
            {k: v if isinstance(v, str) else json.dumps(v) for k, v in hyperparameters.items()}
        )
    )
    (config / "inputdataconfig.json").write_text(
        json.dumps(
            {
                name: {"ContentType": ct, "TrainingInputMode": "File"}
                for name, (ct, _) in channels.items()
            }
        )
    )
    hosts = hosts or ["algo-1"]
    (config / "resourceconfig.json").write_text(
        json.dumps({"current_host": hosts[0], "hosts": hosts})
    )
    env = {
        "SMSTUDIO_OPT_ML": str(root),
        "SM_MODEL_DIR": str(root / "model"),
        "SM_OUTPUT_FAILURE": str(root / "output" / "failure"),
        **{f"SM_CHANNEL_{name.upper()}": str(path) for name, (_, path) in channels.items()},
    }
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        status = train.run([algorithm], env)
    failure = root / "output" / "failure"
    return JobResult(
        status,
        out.getvalue(),
        root / "model",
        failure.read_text().strip() if failure.is_file() else None,
        algorithm,
    )


def invoke(model_dir: Path, body: bytes | str, content_type: str, accept: str) -> tuple[bytes, str]:
    """The model server's chain for an algorithm model (model_fn once per call: tests only)."""
    model = serve.model_fn(str(model_dir))
    data = serve.input_fn(body, content_type)
    return serve.output_fn(serve.predict_fn(data, model), accept)


def invoke_recordio(model_dir: Path, X: np.ndarray, key: str) -> list[float]:
    """``X`` as the official SDK writes dense records, sent and answered in recordIO-protobuf
    through ``invoke``: the first value of each answer record's label ``key``."""
    import pytest

    common = pytest.importorskip("sagemaker.amazon.common")
    buffer = io.BytesIO()
    common.write_numpy_to_dense_tensor(buffer, X)
    kind = "application/x-recordio-protobuf"
    body, _ = invoke(model_dir, buffer.getvalue(), kind, kind)
    return [r.label[key].float32_tensor.values[0] for r in common.read_records(io.BytesIO(body))]
