"""The README's commands: what ``scripts/run.sh`` hands to ``jupyter lab``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from jupyter_server.serverapp import ServerApp

ROOT = Path(__file__).resolve().parent.parent


def lab_args(*args: str, env: dict[str, str] | None = None) -> list[str]:
    """The argument list run.sh builds (its ``lab_args``), without installing anything."""
    out = subprocess.run(
        ["bash", "-c", 'source scripts/common.sh && lab_args "$@"', "lab_args", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
    )
    return out.stdout.splitlines()


def parsed(args: list[str]) -> ServerApp:
    app = ServerApp()
    app.parse_command_line(args)
    return app


@pytest.mark.parametrize(
    ("given", "port"),
    [
        ((), 8888),
        (("--port", "9999"), 9999),  # the README's example
        (("--port=9999",), 9999),
        (("--ServerApp.port=9999",), 9999),
    ],
)
def test_arguments_override_the_default_port(
    given: tuple[str, ...], port: int, tmp_path: Path
) -> None:
    args = lab_args(*given, env={"SMSTUDIO_NOTEBOOK_DIR": str(tmp_path)})
    assert sum(a.startswith(("--port", "--ServerApp.port")) for a in args) == 1, args
    assert parsed(args).port == port


def test_environment_variables_set_defaults_and_arguments_still_win(tmp_path: Path) -> None:
    env = {"SMSTUDIO_PORT": "7777", "SMSTUDIO_IP": "127.0.0.2"}
    env["SMSTUDIO_NOTEBOOK_DIR"] = str(tmp_path)
    app = parsed(lab_args(env=env))
    assert (app.port, app.ip, app.root_dir) == (7777, "127.0.0.2", str(tmp_path))
    other = tmp_path / "other"
    other.mkdir()
    args = lab_args("--ip=127.0.0.3", f"--ServerApp.root_dir={other}", env=env)
    assert [a for a in args if a.startswith("--ServerApp.root_dir")] == [
        f"--ServerApp.root_dir={other}"
    ]
    app = parsed(args)
    assert (app.port, app.ip, app.root_dir) == (7777, "127.0.0.3", str(other))
