"""Python environments cached by content: one venv per distinct set of requirements.

Training jobs (``launcher.py``) and model servers (``hosting/bootstrap.py``) pip-install
``requirements.txt`` before the user's code runs, as the SageMaker toolkits do. Each
distinct content (the key: the file, the local packages it names, the interpreter or
image) gets one environment, built once under a lock and reused by every later job or
endpoint, so deploying what was just trained does not install it again. The environment
is layered on the Python that builds it: packages already there stay importable, and
pip only adds what is missing.

Standard library only: it also runs in containers whose Python may have nothing else.
"""

from __future__ import annotations

import collections
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Iterable
from pathlib import Path

COMPLETE = ".complete"
TAIL_LINES = 12
PIP_INSTALL = ("-m", "pip", "install", "--disable-pip-version-check", "--no-input")
#: What pip writes into a package directory it builds; never part of a key.
BUILD_OUTPUTS = {".git", "__pycache__", "build"}
#: pip options whose value is another file of requirements, or a package path.
NESTED = {"-r", "--requirement", "-c", "--constraint"}
EDITABLE = {"-e", "--editable"}


class InstallError(Exception):
    """Building the environment failed; the message ends with the tool's last lines."""


def _files(path: Path) -> list[Path]:
    if not path.is_dir():
        return [path]
    return sorted(
        p
        for p in path.rglob("*")
        if p.is_file()
        and not any(
            part in BUILD_OUTPUTS or part.endswith(".egg-info")
            for part in p.relative_to(path).parts
        )
    )


def env_key(paths: Iterable[Path], image: str | None = None) -> str:
    """The cache key: the files' names and bytes and where it runs.

    ``image`` is the container image the environment runs in; None means this
    machine's interpreter (which the environment is layered on).
    """
    where = f"image:{image}" if image is not None else f"local:{sys.prefix}:{sys.version_info[:2]}"
    digest = hashlib.sha256(where.encode())
    for path in paths:
        for file in _files(path):
            digest.update(str(file.relative_to(path) if path.is_dir() else file.name).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:24]


def requirement_inputs(requirements: Path, base: Path | None = None) -> list[Path]:
    """``requirements`` and the local files it names (nested ``-r`` files, wheels, package
    directories), so that editing a local package changes the key.

    Relative paths are pip's: from ``base`` (where pip runs), nested files from their own
    directory.
    """
    base = base or requirements.parent
    found: list[Path] = [requirements]
    pending = [requirements]
    while pending:
        current = pending.pop()
        try:
            lines = current.read_text(errors="replace").splitlines()
        except OSError:
            continue
        for raw in lines:
            words = raw.split(" #", 1)[0].split()
            if not words or words[0].startswith("#"):
                continue
            if words[0] in NESTED and len(words) > 1:
                nested = current.parent / words[1]
                if nested.is_file() and nested not in found:
                    found.append(nested)
                    pending.append(nested)
                continue
            for word in words[1:] if words[0] in EDITABLE else words:
                local = base / word.removeprefix("file://")
                if not word.startswith("-") and local.exists() and local not in found:
                    found.append(local)
    return found


def requirements_key(requirements: Path, image: str | None = None) -> str:
    """The cache key of the environment that ``requirements`` (a requirements.txt) makes."""
    return env_key(requirement_inputs(requirements), image)


def _run(argv: list[str], cwd: str | None, shown: str) -> None:
    """Run a build step, its output going to ours (the log); raise with its last lines."""
    tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
    with subprocess.Popen(
        argv,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            if line.strip():
                tail.append(line.rstrip())
    if proc.returncode != 0:
        last = "".join(f"\n{line}" for line in tail)
        raise InstallError(f"{shown} exited with {proc.returncode}" + (f":{last}" if last else ""))


def _layer(python: str) -> None:
    """Make the builder's own packages importable in the new environment, after its own.

    ``--system-site-packages`` only reaches the base interpreter's; a server running in
    a virtualenv (the usual case) has its packages there.
    """
    if sys.prefix == sys.base_prefix:
        return
    parents = dict.fromkeys(sysconfig.get_path(name) for name in ("purelib", "platlib"))
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    lines = "".join(f"import site; site.addsitedir({p!r})\n" for p in parents if p)
    Path(site, "_smstudio_layer.pth").write_text(lines)


def ensure(
    venv: str,
    installs: list[list[str]],
    log: Callable[[str], None],
    cwd: str | None = None,
) -> str:
    """The Python to run with: the cached environment at ``venv``, built first if needed.

    ``installs`` are pip install arguments (``["-r", "requirements.txt"]``), run in
    ``cwd`` (relative paths in requirements files are from there).
    Raises :class:`InstallError` (and leaves nothing behind) when a step fails.
    """
    python = os.path.join(venv, "bin", "python")
    done = os.path.join(venv, COMPLETE)
    if os.path.exists(done):
        log(f"Reusing the environment cached for this content: {venv}")
        return python
    os.makedirs(os.path.dirname(venv), exist_ok=True)
    with open(venv + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another job or endpoint may be building it
        if os.path.exists(done):
            log(f"Reusing the environment cached for this content: {venv}")
            return python
        shutil.rmtree(venv, ignore_errors=True)
        try:
            _run(
                [sys.executable, "-m", "venv", "--system-site-packages", venv],
                cwd,
                "python -m venv",
            )
            _layer(python)
            for what in installs:
                log(f"Installing {' '.join(what)}")
                _run([python, *PIP_INSTALL, *what], cwd, f"pip install {' '.join(what)}")
        except (InstallError, OSError, subprocess.CalledProcessError) as err:
            shutil.rmtree(venv, ignore_errors=True)
            if isinstance(err, InstallError):
                raise
            raise InstallError(f"could not create the environment {venv}: {err}") from err
        with open(done, "w") as f:
            f.write("ok\n")
    return python
