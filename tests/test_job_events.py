"""Job events: the runner publishes state changes and metrics; a broken listener is harmless."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from jupyter_smstudio.jobs.events import JobEvents, JobMetrics, JobStateChanged
from jupyter_smstudio.jobs.models import Secondary, Status

from .conftest import ApiCall
from .training_helpers import finished, write


def _state(name: str, secondary: Secondary) -> JobStateChanged:
    return JobStateChanged("alice", name, "training", Status.IN_PROGRESS, secondary, 1)


async def test_subscribers_get_the_events_of_their_type_and_a_failing_one_is_only_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events = JobEvents()
    states: list[JobStateChanged] = []
    metrics: list[JobMetrics] = []

    async def broken(event: JobStateChanged) -> None:
        raise RuntimeError("a listener's bug")

    async def on_state(event: JobStateChanged) -> None:
        states.append(event)

    async def on_metrics(event: JobMetrics) -> None:
        metrics.append(event)

    events.subscribe(JobStateChanged, broken)
    unsubscribe = events.subscribe(JobStateChanged, on_state)
    events.subscribe(JobMetrics, on_metrics)
    with caplog.at_level(logging.ERROR, logger="jupyter_smstudio.jobs.events"):
        await events.publish(_state("a", Secondary.STARTING))
    await events.publish(JobMetrics("alice", "a", "training", (("loss", 0.5, 1),)))
    unsubscribe()
    await events.publish(_state("a", Secondary.TRAINING))

    assert [e.secondary for e in states] == [Secondary.STARTING]  # not after unsubscribing
    assert [e.points for e in metrics] == [(("loss", 0.5, 1),)]
    assert "subscriber failed" in caplog.text
    assert "a listener's bug" in caplog.text


@pytest.mark.usefixtures("jp_serverapp")
@pytest.mark.slow
async def test_the_runner_publishes_every_transition_and_the_metrics_of_a_real_job(
    api: ApiCall, jp_serverapp: Any, jp_root_dir: Path
) -> None:
    runner = jp_serverapp.web_app.settings["smstudio_services"].jobs
    states: list[JobStateChanged] = []
    metrics: list[JobMetrics] = []

    async def broken(event: Any) -> None:
        raise RuntimeError("never breaks the job")

    async def on_state(event: JobStateChanged) -> None:
        states.append(event)

    async def on_metrics(event: JobMetrics) -> None:
        metrics.append(event)

    runner.events.subscribe(JobStateChanged, broken)
    runner.events.subscribe(JobMetrics, broken)
    runner.events.subscribe(JobStateChanged, on_state)
    runner.events.subscribe(JobMetrics, on_metrics)
    write(jp_root_dir, "ev/train.py", "print('loss=0.25')\nprint('loss=0.125')\n")
    body = {
        "name": "evented",
        "entry_point": "train.py",
        "source_dir": "ev",
        "instance_type": "local",
        "metric_definitions": [{"name": "loss", "regex": "loss=([0-9.]+)"}],
    }
    assert (await api("POST", "training-jobs", body)).status == 201
    job = await finished(api, "evented")

    assert job["status"] == "Completed"
    mine = [e for e in states if e.name == "evented"]
    # Every transition the job shows was published, in order, from Pending at submit.
    assert [e.secondary.value for e in mine] == [t["status"] for t in job["transitions"]]
    assert mine[-1].status == Status.COMPLETED
    assert mine[-1].kind == "training"
    points = [p for e in metrics if e.name == "evented" for p in e.points]
    assert [(n, v) for n, v, _ in points] == [("loss", 0.25), ("loss", 0.125)]
