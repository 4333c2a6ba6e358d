"""The benchmark harness: rounds interleaved, the spread in every row, peers that say what lacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.harness import BenchError, Peer, Result, Series, interleave

ROOT = Path(__file__).resolve().parent.parent


def test_subjects_run_in_turn_for_every_round_and_the_warm_up_is_dropped() -> None:
    order: list[str] = []
    a, b = Series("A"), Series("B", baseline="A")
    clock = iter(range(1, 1000))

    def subject(series: Series) -> None:
        order.append(series.name)
        series.samples.append(next(clock) / 1000)
        series.rates.append(100.0 * len(order))

    interleave(3, [(a, lambda: subject(a)), (b, lambda: subject(b))], repeat=2)
    assert order == ["A", "B"] * 7  # one warm-up pass, then 3 rounds of A B A B
    assert [len(r) for r in a.rounds] == [2, 2, 2]
    assert a.samples[0] == 0.003, "the warm-up's samples are not kept"
    assert len(a.rates) == 6


def test_every_row_reports_median_p99_and_the_spread_of_its_rounds() -> None:
    a = Series("baseline", samples=[0.001, 0.002, 0.003, 0.004, 0.005, 0.006], ends=[2, 4, 6])
    b = Series("subject", samples=[0.002, 0.004, 0.006, 0.008, 0.010, 0.012], ends=[2, 4, 6])
    b.baseline = a.name
    a.rates, b.rates, a.rate_unit, b.rate_unit = [10, 20, 30], [5, 10, 30], "req/s", "req/s"
    rows = {r["operation"]: r for r in Result("x", "d", [a, b]).rows()}
    row = rows["subject"]
    assert row["rounds"] == 3
    assert (row["round_median_ms_min"], row["round_median_ms_max"]) == pytest.approx((3, 11))
    assert row["ratio_rounds"] == pytest.approx([2, 2, 2])
    assert row["rate_ratio_rounds"] == [0.5, 0.5, 1.0]
    table = Result("x", "d", [a, b]).table()
    assert "round medians ms" in table
    assert "3.00 .. 11.00" in table
    assert "10 req/s (5 .. 30)" in table


def test_fewer_than_three_rounds_is_refused() -> None:
    with pytest.raises(BenchError, match="at least 3 rounds"):
        interleave(2, [(Series("A"), lambda: None)])


def test_a_peer_without_its_packages_names_them_and_how_to_install() -> None:
    peer = Peer("MLServer peer", "BENCH_TEST_PEER_PYTHON", "/nowhere/venv-peer",
                {"not_a_module_here": ("not-a-dist-here", "==1.7.*"),
                 "pytest": ("pytest", ">=1")})  # fmt: skip
    os.environ["BENCH_TEST_PEER_PYTHON"] = sys.executable
    try:
        with pytest.raises(BenchError) as missing:
            peer.python()
    finally:
        del os.environ["BENCH_TEST_PEER_PYTHON"]
    message = str(missing.value)
    assert "not-a-dist-here==1.7.* is not installed" in message
    assert f"{sys.executable} -m pip install 'not-a-dist-here==1.7.*'" in message
    assert "pytest" not in message.split("Install:")[0], "what is there is not reported missing"
    with pytest.raises(BenchError, match="no Python at /nowhere/venv-peer/bin/python; create it"):
        peer.python()


def test_the_endpoints_benchmark_stops_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    """Run as a user runs it, with an MLServer environment that lacks MLServer."""
    env = {**os.environ, "BENCH_MLSERVER_PYTHON": sys.executable, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "endpoints"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "## endpoints: not measured: MLServer peer" in done.stderr
    assert "mlserver==1.7.* is not installed" in done.stderr
    assert "'uvloop==0.21.0'" in done.stderr
