"""S3 through our gateway vs the embedded engine directly, and vs a local-disk copy.

A real server (``tests.servers.ServerProcess``) with its embedded SeaweedFS; boto3 as
users run it: ``upload_file``/``download_file`` (boto3's default transfer: multipart
above 8 MiB, 10 threads) of a ``BENCH_S3_MIB``-MiB file (default 100) through
``/smstudio/s3`` with a user's key, the same against the engine's own port with its
admin key, and ``shutil.copyfile`` of the same file on the same disk (the baseline
for throughput). Then ``BENCH_S3_PUTS`` (default 1,000) sequential 1 KiB
``put_object`` calls through each endpoint (one client, keep-alive): per-put latency
and puts/s per round. Every subject runs in turn, A B A B, for ``--rounds`` rounds.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from tests.s3_helpers import s3_client
from tests.servers import ServerProcess

from .harness import Result, Series, check_rounds, interleave

DESCRIPTION = "S3: 100 MiB put/get vs a disk copy; 1 KiB puts via the gateway vs the engine"
MIB = 1024 * 1024


def _clients(server: ServerProcess, data_dir: Path) -> tuple[Any, Any]:
    r = requests.post(
        server.url + "smstudio/api/access-keys", json={}, headers=server.headers, timeout=30
    )
    r.raise_for_status()
    ours = s3_client(server.url, r.json()["access_key_id"], r.json()["secret_access_key"])
    ours.create_bucket(Bucket="bench")  # also waits for the engine to be up
    admin = json.loads((data_dir / "s3" / "admin.json").read_text())
    port = json.loads((data_dir / "s3" / "engine.json").read_text())["ports"]["s3.port"]
    direct = s3_client(
        f"http://127.0.0.1:{port}/", admin["access_key_id"], admin["secret_access_key"]
    )
    direct.create_bucket(Bucket="direct")
    return ours, direct


def run(rounds: int = 3) -> Result:
    check_rounds(rounds)
    mib = int(os.environ.get("BENCH_S3_MIB", "100"))
    puts = int(os.environ.get("BENCH_S3_PUTS", "1000"))
    with tempfile.TemporaryDirectory(prefix="bench-s3-") as tmp:
        work = Path(tmp)
        src = work / "big.bin"
        with src.open("wb") as f:
            for _ in range(mib):
                f.write(os.urandom(MIB))
        server = ServerProcess(work / "server").start()
        try:
            ours, direct = _clients(server, work / "server" / "smstudio")
            copy = Series(f"copy {mib} MiB (local disk)", rate_unit="MiB/s")
            series: list[Series] = [copy]

            def big(series: Series, fn: Any) -> tuple[Series, Any]:
                def measure() -> None:
                    start = time.perf_counter()
                    fn()
                    took = time.perf_counter() - start
                    series.samples.append(took)
                    series.rates.append(mib / took)

                return series, measure

            subjects = [big(copy, lambda: shutil.copyfile(src, work / "copy.bin"))]
            for name, client, bucket in (("gateway", ours, "bench"), ("engine", direct, "direct")):
                put = Series(f"put {mib} MiB via {name}", baseline=copy.name, rate_unit="MiB/s")
                get = Series(f"get {mib} MiB via {name}", baseline=copy.name, rate_unit="MiB/s")
                series += [put, get]
                subjects += [
                    big(put, lambda c=client, b=bucket: c.upload_file(str(src), b, "big")),
                    big(get, lambda c=client, b=bucket: c.download_file(b, "big", str(work / "g"))),
                ]
            interleave(rounds, subjects)

            engine = Series(f"1 KiB put, engine directly (x{puts})", rate_unit="puts/s")
            gateway = Series(
                f"1 KiB put, via gateway (x{puts})", baseline=engine.name, rate_unit="puts/s"
            )
            body = os.urandom(1024)

            def small(series: Series, client: Any, bucket: str) -> tuple[Series, Any]:
                def measure() -> None:
                    start = time.perf_counter()
                    for i in range(puts):
                        series.time(
                            lambda i=i: client.put_object(Bucket=bucket, Key=f"s/{i}", Body=body)
                        )
                    series.rates.append(puts / (time.perf_counter() - start))

                return series, measure

            interleave(rounds, [small(engine, direct, "direct"), small(gateway, ours, "bench")])
            series += [engine, gateway]
        finally:
            server.stop()
    return Result(
        "s3",
        DESCRIPTION,
        series,
        targets={
            f"put {mib} MiB via gateway": "rate >= 50% of the disk copy",
            f"get {mib} MiB via gateway": "rate >= 50% of the disk copy",
            f"1 KiB put, via gateway (x{puts})": "overhead <= 20% vs the engine",
        },
    )
