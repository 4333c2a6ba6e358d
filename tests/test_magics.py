"""``%load_ext jupyter_smstudio`` registers every magic in a real IPython shell."""

from __future__ import annotations

from IPython.core.interactiveshell import InteractiveShell

import jupyter_smstudio


def test_load_ext_registers_training_and_hosting_magics() -> None:
    shell = InteractiveShell.instance()
    try:
        jupyter_smstudio.load_ipython_extension(shell)
        magics = shell.magics_manager.lsmagic()
        assert "train" in magics["cell"]
        assert {"jobs", "deploy", "endpoints"} <= set(magics["line"])
    finally:
        InteractiveShell.clear_instance()
