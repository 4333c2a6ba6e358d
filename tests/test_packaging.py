"""What ``pip install`` gives users: the installed wheel's metadata (test.sh installs it)."""

from __future__ import annotations

import re
from importlib.metadata import distribution


def test_the_wheel_carries_its_license_and_project_urls() -> None:
    dist = distribution("jupyter_smstudio")
    files = [str(f) for f in dist.files or []]
    licenses = [f for f in files if f.endswith("LICENSE") and ".dist-info" in f]
    assert licenses, files
    text = (dist.locate_file(licenses[0])).read_text()
    assert "BSD 3-Clause" in text
    urls = dist.metadata.get_all("Project-URL") or []
    assert urls, dist.metadata
    assert all("https://" in u for u in urls), urls


def test_each_dependency_is_declared_once() -> None:
    requires = distribution("jupyter_smstudio").requires or []
    core = [r for r in requires if "extra ==" not in r]
    names = [re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0].lower() for r in core]
    assert len(names) == len(set(names)), sorted(names)
    assert "nbformat" in names
