"""The ready lifecycle scripts in lifecycle/: alone, and inside a real space."""

from __future__ import annotations

import datetime
import hashlib
import os
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from jupyter_smstudio.client import Client

from .conftest import ApiCall
from .servers import ServerProcess, wait_until
from .spaces_helpers import KernelClient, wait_status

SCRIPTS = Path(__file__).resolve().parent.parent / "lifecycle"


def bash_quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return f"$'{escaped}'"


def configured(script: str, **settings: str) -> str:
    """The script with settings assigned right after its #! line, as a user edits it."""
    lines = (SCRIPTS / script).read_text().splitlines(keepends=True)
    assigns = "".join(f"{k}={bash_quote(v)}\n" for k, v in settings.items())
    return lines[0] + assigns + "".join(lines[1:])


def run_script(text: str, home: Path) -> subprocess.CompletedProcess[str]:
    path = home / ".script.sh"
    path.write_text(text)
    env = {**os.environ, "HOME": str(home)}
    return subprocess.run(["bash", str(path)], cwd=home, env=env, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip


def make_wheel(where: Path, name: str = "smstudio_demo_pkg") -> Path:
    """A tiny pure-Python wheel, so installing needs no network."""
    wheel = where / f"{name}-0.1-py3-none-any.whl"
    files = {
        f"{name}.py": "VALUE = 42\n",
        f"{name}-0.1.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n",
        f"{name}-0.1.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{path},,\n" for path in files) + f"{name}-0.1.dist-info/RECORD,,\n"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in {**files, f"{name}-0.1.dist-info/RECORD": record}.items():
            zf.writestr(path, text)
    return wheel


@pytest.mark.slow
def test_install_packages_puts_them_where_kernels_look(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path)
    result = run_script(configured("install-packages.sh", PACKAGES=str(wheel),
                                   PIP_OPTIONS="--no-index --no-deps"), tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ".smstudio" / "site-packages" / "smstudio_demo_pkg.py").exists()


def test_install_packages_without_a_list_or_requirements_does_nothing(tmp_path: Path) -> None:
    result = run_script(configured("install-packages.sh"), tmp_path)
    assert result.returncode == 0
    assert "Nothing to install" in result.stdout


def test_clone_repo_clones_then_pulls(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q", str(origin)], check=True)
    (origin / "README").write_text("v1\n")
    subprocess.run([*git, "-C", str(origin), "add", "."], check=True)
    subprocess.run([*git, "-C", str(origin), "commit", "-qm", "v1"], check=True)
    home = tmp_path / "home"
    home.mkdir()
    script = configured("clone-repo.sh", REPO_URL=f"file://{origin}", TARGET=str(home / "proj"))
    assert run_script(script, home).returncode == 0
    assert (home / "proj" / "README").read_text() == "v1\n"
    (origin / "README").write_text("v2\n")
    subprocess.run([*git, "-C", str(origin), "commit", "-qam", "v2"], check=True)
    second = run_script(script, home)
    assert second.returncode == 0, second.stderr
    assert "Updating" in second.stdout
    assert (home / "proj" / "README").read_text() == "v2\n"


def test_set_kernel_env_upserts_variables(tmp_path: Path) -> None:
    assert run_script(configured("set-kernel-env.sh", VARIABLES="A=1\nB=two words"),
                      tmp_path).returncode == 0  # fmt: skip
    result = run_script(configured("set-kernel-env.sh", VARIABLES="A=3\n9BAD=x"), tmp_path)
    assert "Skipping '9BAD=x'" in result.stderr
    env_file = (tmp_path / ".smstudio" / "kernel.env").read_text().splitlines()
    assert sorted(env_file) == ["A=3", "B=two words"]


def test_fetch_data_checks_the_checksum(tmp_path: Path) -> None:
    source = tmp_path / "source.csv"
    source.write_text("a,b\n1,2\n")
    good = hashlib.sha256(source.read_bytes()).hexdigest()
    home = tmp_path / "home"
    home.mkdir()
    bad = run_script(
        configured("fetch-data.sh", DATA_URL=f"file://{source}", SHA256="0" * 64), home
    )
    assert bad.returncode == 1
    assert "Checksum mismatch" in bad.stderr
    assert not (home / "data" / "source.csv").exists()
    ok = run_script(configured("fetch-data.sh", DATA_URL=f"file://{source}", SHA256=good), home)
    assert ok.returncode == 0, ok.stderr
    assert (home / "data" / "source.csv").read_text() == "a,b\n1,2\n"


@pytest.mark.usefixtures("jp_serverapp")
@pytest.mark.slow
async def test_a_space_kernel_uses_what_its_scripts_set_up(
    api: ApiCall, tmp_path: Path, jp_fetch: Any, jp_http_port: int, jp_base_url: str
) -> None:
    wheel = make_wheel(tmp_path)
    for name, text in {
        "packages": configured("install-packages.sh", PACKAGES=str(wheel),
                               PIP_OPTIONS="--no-index --no-deps"),
        "env": configured("set-kernel-env.sh", VARIABLES="MY_SETTING=from-lifecycle"),
    }.items():  # fmt: skip
        body = {"name": name, "type": "on-start", "content": text}
        assert (await api("POST", "lifecycle-configs", body)).status == 201
    await api("POST", "spaces", {"name": "s1", "lifecycle_configs": ["packages", "env"]})
    await wait_status(api, "s1", "InService", timeout=60)
    kernels = KernelClient(jp_fetch, jp_http_port, jp_base_url)
    kernel = await kernels.start("smstudio-s1")
    code = "import os, smstudio_demo_pkg\nprint(smstudio_demo_pkg.VALUE, os.environ['MY_SETTING'])"
    out = await kernels.run(kernel, code)
    assert out.split() == ["42", "from-lifecycle"]


@pytest.mark.slow
def test_auto_shutdown_stops_the_space_at_the_set_time(tmp_path: Path) -> None:
    with ServerProcess(tmp_path) as server:
        client = Client(server.url, server.token)
        at = (datetime.datetime.now() + datetime.timedelta(seconds=20)).strftime("%H:%M:%S")
        client.create_lifecycle_config("bedtime", configured("auto-shutdown-at.sh", STOP_AT=at))
        client.create_space("s1", lifecycle_configs=["bedtime"])
        wait_until(lambda: client.space("s1")["status"] == "InService", 30, "InService")
        wait_until(lambda: client.space("s1")["status"] == "Stopped", 60, "the space to stop")
        log = tmp_path / "smstudio" / "spaces" / "s1" / "home" / ".smstudio" / "auto-shutdown.log"
        assert "stopping the space" in log.read_text()
