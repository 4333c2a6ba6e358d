"""A live view of one training job: status, stages, elapsed time, metric charts, log tail, Stop.

``JobFollower`` polls the API (logs by cursor, metrics, status) and feeds a view:
``WidgetJobView`` (ipywidgets) in a notebook, ``TextJobView`` (printed log lines)
where widgets cannot render.
"""

from __future__ import annotations

import html
import importlib
import sys
import threading
import time
from typing import Any, Protocol, TextIO

from ..client import Client

FINAL = ("Completed", "Failed", "Stopped")
STAGES = ("Starting", "Downloading", "Training", "Uploading")
LOG_TAIL_LINES = 30
POLL_SECONDS = 0.5


def display(obj: Any) -> None:
    importlib.import_module("IPython.display").display(obj)


def widgets_available() -> bool:
    """True in a kernel whose frontend can show ipywidgets."""
    try:
        importlib.import_module("ipywidgets")
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class JobView(Protocol):
    def update(self, job: dict[str, Any], new_log: str, metrics: dict[str, list[Any]]) -> None: ...


def _elapsed(job: dict[str, Any]) -> str:
    start = job.get("started_ms") or job["created_ms"]
    end = job.get("ended_ms") or time.time() * 1000
    seconds = max(0, int((end - start) / 1000))
    return f"{seconds // 60}:{seconds % 60:02d}"


def sparkline(points: list[Any], width: int = 240, height: int = 60) -> str:
    """An inline SVG line chart (no plotting library needed)."""
    values = [v for _, v in points]
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / max(1, len(values) - 1)
    coords = " ".join(
        f"{i * step:.1f},{height - 4 - (v - low) / span * (height - 8):.1f}"
        for i, v in enumerate(values)
    )
    return (
        f'<svg width="{width}" height="{height}" role="img">'
        f'<polyline fill="none" stroke="#1976d2" stroke-width="2" points="{coords}"/></svg>'
    )


class TextJobView:
    """Prints new log text and status changes."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self._last = ""

    def update(self, job: dict[str, Any], new_log: str, metrics: dict[str, list[Any]]) -> None:
        if new_log:
            self.out.write(new_log)
        state = f"{job['status']} / {job['secondary_status']}"
        if state != self._last:
            self._last = state
            self.out.write(f"[{job['name']}] {state} ({_elapsed(job)})\n")
        if job["status"] in FINAL:
            final = ", ".join(f"{m['name']}={m['value']:g}" for m in job.get("final_metrics", []))
            if final:
                self.out.write(f"[{job['name']}] final metrics: {final}\n")
            if job.get("failure_reason"):
                self.out.write(f"[{job['name']}] FailureReason: {job['failure_reason']}\n")
        self.out.flush()


class WidgetJobView:
    """The ipywidgets view; Stop works whenever the kernel is idle (e.g. after --no-wait)."""

    def __init__(self, client: Client, name: str) -> None:
        w = importlib.import_module("ipywidgets")
        self.client = client
        self.name = name
        self.header = w.HTML()
        self.stages = w.HTML()
        self.charts = w.HTML()
        self.log = w.HTML(layout=w.Layout(max_height="260px", overflow="auto"))
        self.stop_button = w.Button(description="Stop", button_style="danger", icon="stop")
        self.stop_button.on_click(lambda _b: self.client.stop_training_job(self.name))
        self.widget = w.VBox(
            [w.HBox([self.header, self.stop_button]), self.stages, self.charts, self.log]
        )
        self._lines: list[str] = []

    def _ipython_display_(self) -> None:
        display(self.widget)

    def update(self, job: dict[str, Any], new_log: str, metrics: dict[str, list[Any]]) -> None:
        color = {"Completed": "green", "Failed": "red", "Stopped": "gray"}.get(job["status"], "")
        reason = job.get("failure_reason") or ""
        self.header.value = (
            f"<b>{html.escape(job['name'])}</b> &nbsp; "
            f"<span style='color:{color}'>{job['status']}</span> / {job['secondary_status']}"
            f" &nbsp; elapsed {_elapsed(job)}"
            + (f"<pre style='color:red'>{html.escape(reason)}</pre>" if reason else "")
        )
        reached = {t["status"] for t in job.get("transitions", [])}
        self.stages.value = " → ".join(
            f"<b>{s}</b>" if s == job["secondary_status"] else (f"✓ {s}" if s in reached else s)
            for s in STAGES
        )
        self.charts.value = "".join(
            f"<div style='display:inline-block;margin-right:12px'>{html.escape(name)}: "
            f"{points[-1][1]:g}<br>{sparkline(points)}</div>"
            for name, points in metrics.items()
            if points
        )
        if new_log:
            self._lines = (self._lines + new_log.splitlines())[-LOG_TAIL_LINES:]
            self.log.value = f"<pre>{html.escape(chr(10).join(self._lines))}</pre>"
        self.stop_button.disabled = job["status"] in FINAL or job["status"] == "Stopping"


class JobFollower:
    """Polls one job and updates a view until the job ends."""

    def __init__(self, client: Client, name: str, view: JobView) -> None:
        self.client = client
        self.name = name
        self.view = view
        self.cursor = 0
        self.job: dict[str, Any] = {}

    def step(self) -> bool:
        """One poll; True once the job has ended and the whole log was shown."""
        self.job = self.client.training_job(self.name)
        chunk = self.client.training_job_logs(self.name, self.cursor)
        self.cursor = chunk["next_cursor"]
        metrics = self.client.training_job_metrics(self.name)
        self.view.update(self.job, chunk["text"], metrics)
        return bool(chunk["finished"])

    def run(self) -> dict[str, Any]:
        while not self.step():
            time.sleep(POLL_SECONDS)
        return self.job

    def start_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name=f"follow-{self.name}", daemon=True)
        thread.start()
        return thread
