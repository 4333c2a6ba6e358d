"""``%%train`` and ``%jobs`` in a real kernel of a real server."""

from __future__ import annotations

from pathlib import Path

import pytest

from .kernels import magic_kernel
from .servers import wait_until


@pytest.mark.slow
def test_train_magic_runs_the_cell_as_a_job(tmp_path: Path) -> None:
    # A notebook's kernel works in the notebook's folder, inside the space.
    with magic_kernel(tmp_path) as (client, run):
        out = run(
            "%%train --name magic-text --hp epochs=2 --hp opt=adam --metric loss=loss=([0-9.]+)"
            " --text\n"
            "import os, sys\n"
            "print('args', sys.argv[1:])\n"
            "print('model dir', os.environ['SM_MODEL_DIR'].endswith('/model'))\n"
            "print('loss=0.5')\n"
        )
        assert "args ['--epochs', '2', '--opt', 'adam']" in out
        assert "model dir True" in out
        assert "[magic-text] Completed / Completed" in out
        assert "final metrics: loss=0.5" in out

        # With ipywidgets the live view renders as a widget; the job runs the same way.
        run("%%train --name magic-widget --no-wait\nprint('from a widget cell')\n")
        job = wait_until(
            lambda: (j := client.training_job("magic-widget"))["status"] == "Completed" and j,
            30, "widget job",
        )  # fmt: skip
        assert job["secondary_status"] == "Completed"

        bad = run("%%train --name magic-bad --instance-type ml.none\nprint(1)\n")
        assert "field: instance_type" in bad

        listing = run("%jobs")
        assert "magic-text" in listing
        assert "magic-widget" in listing
        assert "loss=0.5" in listing
        cell = tmp_path / "root" / ".smstudio" / "cells" / "magic-text" / "train.py"
        assert "print('loss=0.5')" in cell.read_text()


def test_train_magic_paths_are_from_the_notebooks_folder(tmp_path: Path) -> None:
    from jupyter_smstudio.magics import job_spec

    line = "--name c --channel train=data --channel raw=s3://bucket/raw"
    spec, _ = job_spec(line, "print(1)\n", tmp_path)
    assert spec["source_dir"] == str(tmp_path / ".smstudio" / "cells" / "c")
    assert spec["channels"] == {"train": {"path": str(tmp_path / "data")},
                                "raw": {"path": "s3://bucket/raw"}}  # fmt: skip


def test_train_magic_paths_in_a_container_are_sent_as_the_server_finds_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Docker space kernel's HOME is the space's files, elsewhere on the server."""
    from jupyter_smstudio.magics import job_spec

    home = tmp_path / "home" / "sagemaker-user"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("SMSTUDIO_SERVER_HOME", "/srv/data/spaces/lab/home")
    spec, _ = job_spec("--name c --channel train=data --channel other=/opt/x", "1\n", home / "nb")
    assert spec["source_dir"] == "/srv/data/spaces/lab/home/nb/.smstudio/cells/c"
    assert spec["channels"]["train"] == {"path": "/srv/data/spaces/lab/home/nb/data"}
    assert spec["channels"]["other"] == {"path": "/opt/x"}, "outside HOME: the same path"
