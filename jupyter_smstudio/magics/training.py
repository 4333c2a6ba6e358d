"""``%%train`` (the cell is a SageMaker-style training script) and ``%jobs``.

    %load_ext jupyter_smstudio

    %%train --name mnist-1 --instance-type ml.m5.large --hp epochs=5 --hp lr=0.1 \\
            --channel train=data/train --metric loss=loss=([0-9.]+)
    import argparse, os
    ...

The cell is saved as ``train.py`` in ``.smstudio/cells/<job>/`` under the kernel's
working directory and submitted as a training job; ``--channel`` paths are from that
directory too, as the SDK's are. With widgets the live view shows
status, stages, metric charts, the log tail and a Stop button; without, the log is
printed. Interrupting the kernel while waiting stops the job. ``%%train?`` and
``%%train --help`` show every option.
"""

from __future__ import annotations

import argparse
import json
import shlex
import textwrap
from datetime import datetime
from pathlib import Path
from typing import Any

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class

from ..client import ApiError, Client
from ..kernelenv import server_path
from ..widgets import JobFollower, TextJobView, WidgetJobView, widgets_available
from ..widgets.jobview import display
from .args import MagicParser, documented, parse_line

CELLS_DIR = Path(".smstudio") / "cells"


def _pairs(values: list[str], option: str, parse_json: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"{option} expects name=value, got {item!r}")
        if parse_json:
            try:
                out[key] = json.loads(value)
            except ValueError:
                out[key] = value
        else:
            out[key] = value
    return out


TRAIN_EXAMPLE = """example:
  %%train --name mnist-1 --instance-type ml.m5.large --hp epochs=5 --hp lr=0.1 \\
          --channel train=data/train --metric loss=loss=([0-9.]+)
  import argparse, os
  parser = argparse.ArgumentParser()
  parser.add_argument("--epochs", type=int)
  args, _ = parser.parse_known_args()
  print("training in", os.environ["SM_CHANNEL_TRAIN"])
  print("loss=0.42")

The cell is saved as train.py in .smstudio/cells/<job>/ under the notebook's folder;
channel paths are from that folder too. Interrupting the kernel stops the job."""


def add_job_options(p: argparse.ArgumentParser) -> None:
    """The options of the job a cell runs, shared by ``%%train`` and ``%%tune``."""
    p.add_argument("--name", help="job name (default cell-<date>-<time>)")
    p.add_argument("--instance-type", help="compute profile, e.g. ml.m5.large")
    p.add_argument("--instance-count", type=int, default=1, help="instances (default 1)")
    p.add_argument("--backend", choices=("local", "docker"), help="where the job runs")
    p.add_argument(
        "--hp", action="append", default=[], metavar="K=V", help="hyperparameter (JSON value)"
    )
    p.add_argument(
        "--channel", action="append", default=[], metavar="NAME=PATH", help="input channel"
    )
    p.add_argument(
        "--metric", action="append", default=[], metavar="NAME=REGEX", help="metric from the log"
    )
    p.add_argument("--requirements", help="comma-separated packages for requirements.txt")
    p.add_argument("--max-runtime", type=int, metavar="SECONDS", help="stop the job after it")
    p.add_argument("--no-wait", action="store_true", help="submit and return at once")
    p.add_argument("--text", action="store_true", help="plain text instead of widgets")


def parser() -> argparse.ArgumentParser:
    p = MagicParser(
        "%%train",
        "Run the cell as a SageMaker-style training script in a training job, and follow\n"
        "it (status, stages, metric charts, log) until it ends.",
        TRAIN_EXAMPLE,
    )
    add_job_options(p)
    return p


JOBS = MagicParser(
    "%jobs",
    "List your recent training jobs: name, status, profile and final metrics.",
    "examples:\n  %jobs\n  %jobs 30",
)
JOBS.add_argument("limit", nargs="?", type=int, default=10, help="how many (default 10)")


def job_spec(line: str, cell: str, workdir: Path) -> tuple[dict[str, Any], argparse.Namespace]:
    """The create request for a ``%%train`` cell; writes the cell to its code directory."""
    args = parser().parse_args(shlex.split(line))
    return cell_job(args, cell, workdir), args


def cell_job(
    args: argparse.Namespace, cell: str, workdir: Path, prefix: str = "cell"
) -> dict[str, Any]:
    """The job a cell runs (``add_job_options``' options); writes the cell to its code
    directory. ``%%train`` submits it; ``%%tune`` makes it its training job definition."""
    name = args.name or f"{prefix}-{datetime.now().strftime('%Y%m%d-%H%M%S-%f')[:-3]}"
    code = workdir / CELLS_DIR / name
    code.mkdir(parents=True, exist_ok=True)
    (code / "train.py").write_text(textwrap.dedent(cell))
    if args.requirements:
        packages = [p.strip() for p in args.requirements.split(",") if p.strip()]
        (code / "requirements.txt").write_text("\n".join(packages) + "\n")
    spec: dict[str, Any] = {
        "name": name,
        "entry_point": "train.py",
        "source_dir": server_path(str(code.resolve())),
        "hyperparameters": _pairs(args.hp, "--hp", parse_json=True),
        "channels": {
            k: {"path": v if "://" in v else server_path(str((workdir / v).resolve()))}
            for k, v in _pairs(args.channel, "--channel").items()
        },
        "metric_definitions": [
            {"name": k, "regex": v} for k, v in _pairs(args.metric, "--metric").items()
        ],
        "instance_count": args.instance_count,
    }
    for key, value in (("instance_type", args.instance_type), ("backend", args.backend),
                       ("max_runtime_seconds", args.max_runtime)):  # fmt: skip
        if value is not None:
            spec[key] = value
    return spec


@magics_class
class TrainingMagics(Magics):
    _client: Client | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            TrainingMagics._client = Client()
        assert self._client is not None
        return self._client

    @cell_magic
    @documented(parser())
    def train(self, line: str, cell: str) -> None:
        if parse_line(parser(), line) is None:
            return None
        try:
            spec, args = job_spec(line, cell, Path.cwd())
        except ValueError as err:
            print(f"%%train: {err}\n{parser().format_usage()}")
            return None
        try:
            job = self.client.create_training_job(spec)
        except ApiError as err:
            print(f"%%train: {err.message}" + (f" (field: {err.field})" if err.field else ""))
            return None
        use_widgets = widgets_available() and not args.text
        view: Any = WidgetJobView(self.client, job["name"]) if use_widgets else TextJobView()
        if use_widgets:
            display(view)
        follower = JobFollower(self.client, job["name"], view)
        if args.no_wait:
            follower.start_background()
            return None
        try:
            follower.run()
        except KeyboardInterrupt:
            print(f"Interrupted: stopping training job {job['name']}")
            self.client.stop_training_job(job["name"])
            follower.run()

    @line_magic
    @documented(JOBS)
    def jobs(self, line: str = "") -> None:
        args = parse_line(JOBS, line)
        if args is None:
            return
        page = self.client.request("GET", "training-jobs", params={"limit": args.limit})
        rows = [("NAME", "STATUS", "SECONDARY", "PROFILE", "METRICS")]
        for job in page["items"]:
            metrics = ", ".join(f"{m['name']}={m['value']:g}" for m in job["final_metrics"])
            rows.append((job["name"], job["status"], job["secondary_status"],
                         job["instance_type"], metrics))  # fmt: skip
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for row in rows:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def load_ipython_extension(ipython: Any) -> None:
    ipython.register_magics(TrainingMagics)
