"""The cache key of requirement environments: what changes it and what does not."""

from __future__ import annotations

from pathlib import Path

from jupyter_smstudio.training.jobfiles.envcache import requirement_inputs, requirements_key

from .hosting_models import wheel


def test_the_key_follows_the_requirements_and_the_local_packages_they_name(
    tmp_path: Path,
) -> None:
    code = tmp_path / "code"
    wheel(code, "smstudio_scale", "FACTOR = 10\n")
    (code / "lib").mkdir()
    (code / "lib" / "setup.py").write_text("from setuptools import setup\nsetup(name='lib')\n")
    (code / "more.txt").write_text("numpy  # pinned elsewhere\n")
    requirements = code / "requirements.txt"
    requirements.write_text(
        "# local things\n./smstudio_scale-1.0-py3-none-any.whl\n-e ./lib\n-r more.txt\nnumpy>=1\n"
    )
    assert requirement_inputs(requirements) == [
        requirements,
        code / "smstudio_scale-1.0-py3-none-any.whl",
        code / "lib",
        code / "more.txt",
    ]
    key = requirements_key(requirements)
    assert requirements_key(requirements) == key
    assert requirements_key(requirements, "smstudio-base:py311") != key  # another interpreter
    (code / "lib" / "build").mkdir()  # what pip leaves in a package it built: not a change
    (code / "lib" / "build" / "x.py").write_text("x = 1\n")
    assert requirements_key(requirements) == key
    wheel(code, "smstudio_scale", "FACTOR = 11\n")  # a rebuilt local package is a change
    changed = requirements_key(requirements)
    assert changed != key
    (code / "more.txt").write_text("numpy==2.0\n")  # so is a nested requirements file
    assert requirements_key(requirements) != changed
