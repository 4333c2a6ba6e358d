"""``python -m jupyter_smstudio.hosting.transform.runner JOB_DIR``: run one batch transform.

Runs under the runtime supervisor (detached, profile limits on the whole group). It
installs the model's ``requirements.txt`` (as endpoints do), starts the model server
as a child, waits for ``/ping``, and sends each file's
requests with ``MaxConcurrentTransforms`` in flight, in order. An input's ``.out``
is written atomically and only when every record of that file succeeded; any
failure fails the job, and ``failure`` names the file and record.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ...runtime.files import atomic_write_bytes, atomic_write_json, read_json
from ...training.jobfiles import envcache
from .. import bootstrap
from .jsonpath import apply, compile_path
from .records import (
    Batch,
    RecordError,
    filter_record,
    join,
    pack,
    pack_lines,
    parse_record,
    render_record,
    split_lines,
    split_output,
)

RETRIES = 3


class ServerChild:
    """The model server, a child in our process group (stopped with us)."""

    def __init__(self, job_dir: Path, spec: dict[str, Any]) -> None:
        info = job_dir / "server.json"
        info.unlink(missing_ok=True)
        model = spec["model"]
        env = {k: v for k, v in os.environ.items()}
        env.update(model["environment"])
        env.update(
            SM_MODEL_DIR=model["model_dir"],
            SAGEMAKER_PROGRAM=model["program"],
            SAGEMAKER_BIND_TO_PORT="0",
            SMSTUDIO_BIND_HOST="127.0.0.1",
            SMSTUDIO_SERVER_INFO=str(info),
            SAGEMAKER_BATCH="True",
            SAGEMAKER_MAX_PAYLOAD_IN_MB=str(spec["max_payload_in_mb"]),
            SAGEMAKER_BATCH_STRATEGY="MULTI_RECORD"
            if spec["batch_strategy"] == "MultiRecord"
            else "SINGLE_RECORD",
            SMSTUDIO_MAX_PAYLOAD_BYTES=str(spec["max_payload_in_mb"] * 1024 * 1024),
            SAGEMAKER_MODEL_SERVER_TIMEOUT=str(spec["invocation_timeout"]),
            SMSTUDIO_ADAPTIVE_BATCHING="false",
        )
        if spec.get("max_concurrent_transforms"):
            env["SAGEMAKER_MAX_CONCURRENT_TRANSFORMS"] = str(spec["max_concurrent_transforms"])
        python = sys.executable
        if model.get("code_dir"):
            env["SAGEMAKER_SUBMIT_DIRECTORY"] = model["code_dir"]
            env["PYTHONPATH"] = os.pathsep.join([env.get("PYTHONPATH", ""), model["code_dir"]])
            if model.get("venv"):
                python = _environment(model["venv"], model["code_dir"])
        self.proc = subprocess.Popen(
            [python, "-m", bootstrap.SERVER_MODULE],
            env=env,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + spec["startup_timeout"]
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"the model server exited with {self.proc.returncode} "
                    "while loading the model (see the log)"
                )
            data = read_json(info) if info.exists() else None
            if data and data.get("ready"):
                self.port = int(data["port"])
                return
            time.sleep(0.05)
        raise RuntimeError("the model server did not become ready in time")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _environment(venv: str, code_dir: str) -> str:
    """Install code/requirements.txt (cached by content, as for endpoints); its Python."""
    requirements = os.path.join(code_dir, "requirements.txt")
    try:
        return envcache.ensure(venv, [["-r", requirements]], bootstrap.log, cwd=code_dir)
    except envcache.InstallError as err:
        raise RuntimeError(f"could not install requirements.txt: {err}") from err


class Invoker:
    """Sends one batch per connection.

    A worker owns the connections it accepted, and only a free worker accepts, so a
    fresh connection per (large) batch lands on an idle worker; kept-alive connections
    could pile every batch onto one worker while the others wait.
    """

    def __init__(self, port: int, content_type: str, accept: str, timeout: float) -> None:
        self.port = port
        self.headers = {"Content-Type": content_type, "Accept": accept, "Connection": "close"}
        self.timeout = timeout

    def __call__(self, batch: Batch) -> bytes:
        for attempt in range(RETRIES + 1):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                conn.request("POST", "/invocations", batch.body, self.headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as err:
                if attempt == RETRIES:
                    raise RecordError(
                        batch.first, f"the model server did not answer: {err}"
                    ) from None
                continue
            finally:
                conn.close()
            if response.status != 200:
                try:
                    detail = json.loads(data)
                    message = f"{detail.get('code')} ({response.status}): {detail.get('message')}"
                except ValueError:
                    message = f"HTTP {response.status}: {data[:500].decode('utf-8', 'replace')}"
                raise RecordError(batch.first, message, batch.count)
            return data
        raise AssertionError("unreachable")


def transform_file(
    path: Path, spec: dict[str, Any], invoke: Invoker, pool: ThreadPoolExecutor, concurrency: int
) -> bytes:
    content_type, accept = spec["content_type"], spec["accept"]
    data = path.read_bytes()
    processing = spec.get("data_processing") or {}
    input_filter = processing.get("input_filter")
    output_filter = processing.get("output_filter")
    joining = processing.get("join_source") == "Input"
    max_bytes = spec["max_payload_in_mb"] * 1024 * 1024
    multi = spec["batch_strategy"] == "MultiRecord"
    plain = (
        not joining
        and not (input_filter and input_filter != "$")
        and not (output_filter and output_filter != "$")
    )
    if spec["split_type"] == "Line" and multi and plain:
        batches = pack_lines(data, max_bytes, 4 * concurrency)
        return _assemble(list(pool.map(invoke, batches)), spec["assemble_with"] == "Line")
    originals = [data] if spec["split_type"] == "None" else split_lines(data)
    records = originals
    if input_filter and input_filter != "$":
        selector = compile_path(input_filter)
        records = [filter_record(selector, r, content_type, i + 1) for i, r in enumerate(records)]
    if spec["split_type"] == "None":
        if len(data) > max_bytes:
            raise RecordError(
                1, f"the file is {len(data)} bytes, over MaxPayloadInMB; use SplitType Line"
            )
        batches = [Batch(1, 1, records[0])]
    else:
        batches = pack(records, max_bytes, spec["batch_strategy"] == "MultiRecord")
    responses = list(pool.map(invoke, batches))
    line = spec["assemble_with"] == "Line"
    if not joining and not (output_filter and output_filter != "$"):
        return _assemble(responses, line)
    out_selector = compile_path(output_filter) if output_filter else None
    pieces: list[bytes] = []
    out_type = content_type if joining else accept
    for batch, body in zip(batches, responses, strict=True):
        outputs = split_output(body, accept, batch.count, batch.first)
        for k, output in enumerate(outputs):
            number = batch.first + k
            value: Any = (
                join(originals[number - 1], output, content_type, accept) if joining else None
            )
            try:
                if value is None:
                    value = parse_record(output, accept)
                if out_selector is not None:
                    value = apply(out_selector, value)
            except ValueError as err:
                raise RecordError(number, f"OutputFilter: {err}") from None
            pieces.append(render_record(value, out_type) + (b"\n" if line else b""))
    return b"".join(pieces)


def _assemble(responses: list[bytes], line: bool) -> bytes:
    """AssembleWith None: outputs back to back; Line: each ends with a newline."""
    if not line:
        return b"".join(responses)
    return b"".join(r if r.endswith(b"\n") else r + b"\n" for r in responses)


def main(job_dir: Path) -> int:
    spec = read_json(job_dir / "job.json")
    progress: dict[str, Any] = {
        "files_total": len(spec["inputs"]),
        "files_done": 0,
        "files_failed": 0,
        "failures": [],
    }
    atomic_write_json(job_dir / "progress.json", progress)
    try:
        server = ServerChild(job_dir, spec)
    except RuntimeError as err:
        (job_dir / "failure").write_text(f"Model server: {err}")
        return 2
    try:
        concurrency = spec.get("max_concurrent_transforms") or _ask_concurrency(server.port)
        invoke = Invoker(
            server.port, spec["content_type"], spec["accept"], spec["invocation_timeout"]
        )
        with ThreadPoolExecutor(max(1, concurrency)) as pool:
            for item in spec["inputs"]:
                path, relative = Path(item["path"]), item["relative"]
                try:
                    output = transform_file(path, spec, invoke, pool, concurrency)
                except RecordError as err:
                    progress["files_failed"] += 1
                    progress["failures"].append(f"{relative}: {err}")
                    print(f"FAILED {relative}: {err}", flush=True)
                else:
                    atomic_write_bytes(Path(spec["output_dir"]) / f"{relative}.out", output)
                    progress["files_done"] += 1
                    print(f"done {relative}", flush=True)
                atomic_write_json(job_dir / "progress.json", progress)
    finally:
        server.stop()
    if progress["failures"]:
        (job_dir / "failure").write_text("; ".join(progress["failures"])[:4096])
        return 1
    return 0


def _ask_concurrency(port: int) -> int:
    """MaxConcurrentTransforms unset: ask the container, as SageMaker does."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/execution-parameters")
        response = conn.getresponse()
        return int(json.loads(response.read()).get("MaxConcurrentTransforms", 1))
    except (OSError, ValueError, http.client.HTTPException):
        return 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
