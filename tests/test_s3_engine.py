"""The embedded engine's life: it stops with the server, comes back over the same data
after a restart or a crash, and a server that cannot run it answers 503."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
import requests

from .procs import count, none_left
from .s3_helpers import code_of, s3_client
from .servers import ServerProcess, crash

pytestmark = pytest.mark.slow


def engine_marker(workdir: Path) -> str:
    """What only the engine over this server's data dir has on its command line."""
    return f"-dir={workdir / 'smstudio' / 's3' / 'data'}"


def new_key(server: ServerProcess) -> tuple[str, str]:
    r = requests.post(
        server.url + "smstudio/api/access-keys", json={}, headers=server.headers, timeout=30
    )
    assert r.status_code == 201, r.text
    return r.json()["access_key_id"], r.json()["secret_access_key"]


def test_the_engine_ends_with_the_server_and_the_data_outlives_it(tmp_path: Path) -> None:
    marker = engine_marker(tmp_path)
    server = ServerProcess(tmp_path).start()
    try:
        keys = new_key(server)
        s3 = s3_client(server.url, *keys)
        s3.create_bucket(Bucket="keep")
        s3.put_object(Bucket="keep", Key="model.tar.gz", Body=b"weights")
        assert count(marker) == 1
    finally:
        assert server.stop() == 0
    none_left(marker, timeout=5)  # gone when the server's stop returned
    assert not (tmp_path / "smstudio" / "s3" / "engine.json").exists()

    again = ServerProcess(tmp_path).start()
    try:
        s3 = s3_client(again.url, *keys)
        assert s3.get_object(Bucket="keep", Key="model.tar.gz")["Body"].read() == b"weights"
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["keep"]
        assert count(marker) == 1
        crash(again)  # kill -9: none of the server's shutdown code runs
        none_left(marker, timeout=30)  # the engine follows its parent (PDEATHSIG)
    finally:
        again.stop()

    third = ServerProcess(tmp_path).start()
    try:
        s3 = s3_client(third.url, *keys)
        assert s3.get_object(Bucket="keep", Key="model.tar.gz")["Body"].read() == b"weights"
        assert count(marker) == 1
    finally:
        third.stop()
    none_left(marker, timeout=5)


def test_a_leftover_engine_is_ended_before_a_new_one_starts(tmp_path: Path) -> None:
    """A server killed where PDEATHSIG did not reach the engine leaves one behind: the next
    server finds it from engine.json and ends it; never two engines over one data dir."""
    marker = engine_marker(tmp_path)
    server = ServerProcess(tmp_path).start()
    try:
        s3_client(server.url, *new_key(server)).create_bucket(Bucket="once")
        state = json.loads((tmp_path / "smstudio" / "s3" / "engine.json").read_text())
    finally:
        server.stop()
    # put the state back as a killed server leaves it, with a live weed in it
    import subprocess

    from jupyter_smstudio.s3.engine import weed_binary

    weed = weed_binary("")
    assert weed is not None
    data = tmp_path / "smstudio" / "s3" / "data"
    leftover = subprocess.Popen(
        [weed, "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", *_spare_ports()],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        state["pid"] = leftover.pid
        (tmp_path / "smstudio" / "s3" / "engine.json").write_text(json.dumps(state))
        again = ServerProcess(tmp_path).start()
        try:
            keys = new_key(again)
            assert [b["Name"] for b in s3_client(again.url, *keys).list_buckets()["Buckets"]]
            s3_client(again.url, *keys).head_bucket(Bucket="once")  # waits for the engine
            assert leftover.wait(30) is not None
            assert count(marker) == 1
        finally:
            again.stop()
    finally:
        if leftover.poll() is None:
            leftover.kill()
        leftover.wait(10)
    none_left(marker, timeout=5)


def _spare_ports() -> list[str]:
    from jupyter_smstudio.s3.engine import _PORTS, _free_ports

    ports = zip(_PORTS, _free_ports(len(_PORTS)), strict=True)
    return [f"-{name}={port}" for name, port in ports] + [
        "-s3.port.iceberg=0", "-s3.port.lance=0", "-admin.ui=false", "-webdav=false",
    ]  # fmt: skip


def test_without_an_engine_s3_answers_503_and_creates_nothing(tmp_path: Path) -> None:
    server = ServerProcess(
        tmp_path, extra_args=("--S3Storage.weed_command=/nonexistent/weed",)
    ).start()
    try:
        s3 = s3_client(server.url, *new_key(server))
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            s3.create_bucket(Bucket="nope")
        error: Any = caught.value.response
        assert code_of(caught.value) == "ServiceUnavailable"
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert "seaweedfs" in error["Error"]["Message"].lower()
        assert s3.list_buckets()["Buckets"] == []  # the name was not kept
        r = requests.get(server.url + "smstudio/api/s3/buckets", headers=server.headers, timeout=30)
        assert r.status_code == 200
        assert r.json()["items"] == []
    finally:
        server.stop()


def _peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_a_100_mib_object_streams_through_without_being_held(tmp_path: Path) -> None:
    """One PutObject and one GetObject of 100 MiB: the server's peak memory barely moves."""
    big = tmp_path / "big.bin"
    with big.open("wb") as f:
        for _ in range(100):
            f.write(os.urandom(1024 * 1024))
    server = ServerProcess(tmp_path / "srv").start()
    try:
        assert server.proc is not None
        s3 = s3_client(server.url, *new_key(server))
        s3.create_bucket(Bucket="big")
        s3.put_object(Bucket="big", Key="warm", Body=b"x")  # every code path loaded once
        s3.get_object(Bucket="big", Key="warm")["Body"].read()
        before = _peak_rss_mib(server.proc.pid)
        with big.open("rb") as body:
            s3.put_object(Bucket="big", Key="big.bin", Body=body)
        digest = hashlib.sha256()
        for chunk in s3.get_object(Bucket="big", Key="big.bin")["Body"].iter_chunks(1 << 20):
            digest.update(chunk)
        assert digest.digest() == hashlib.sha256(big.read_bytes()).digest()
        grown = _peak_rss_mib(server.proc.pid) - before
        assert grown < 40, f"the server's peak memory grew by {grown:.0f} MiB"
    finally:
        server.stop()
