"""``%load_ext jupyter_smstudio`` registers every magic in a real IPython shell."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from IPython.core.interactiveshell import InteractiveShell

import jupyter_smstudio


def test_load_ext_registers_training_and_hosting_magics() -> None:
    shell = InteractiveShell.instance()
    try:
        jupyter_smstudio.load_ipython_extension(shell)
        magics = shell.magics_manager.lsmagic()
        assert {"train", "tune"} <= set(magics["cell"])
        assert {"jobs", "deploy", "endpoints"} <= set(magics["line"])
    finally:
        InteractiveShell.clear_instance()


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    shell = InteractiveShell.instance()
    jupyter_smstudio.load_ipython_extension(shell)
    try:
        yield shell
    finally:
        InteractiveShell.clear_instance()


MAGICS = [("%%train", "--name", "example:"), ("%deploy", "--entry-point", "examples:"),
          ("%endpoints", "logs", "examples:"), ("%jobs", "limit", "examples:"),
          ("%%tune", "--range", "example:")]  # fmt: skip


@pytest.mark.parametrize(("magic", "option", "example"), MAGICS)
def test_question_mark_shows_usage_options_and_an_example(
    shell: InteractiveShell,
    capsys: pytest.CaptureFixture[str],
    magic: str,
    option: str,
    example: str,
) -> None:
    shell.run_cell(f"{magic}?")
    out = capsys.readouterr().out
    assert f"usage: {magic}" in out
    assert option in out
    assert example in out
    assert "<no docstring>" not in out
    assert "module docstring" not in out


@pytest.mark.parametrize(("magic", "option", "example"), MAGICS)
def test_help_prints_once_and_returns(
    shell: InteractiveShell,
    capsys: pytest.CaptureFixture[str],
    magic: str,
    option: str,
    example: str,
) -> None:
    result = shell.run_cell(f"{magic} --help" + ("\nprint(1)\n" if magic.startswith("%%") else ""))
    captured = capsys.readouterr()
    assert result.error_in_exec is None
    assert captured.out.count(f"usage: {magic}") == 1
    assert example in captured.out
    assert "error" not in captured.out + captured.err


def test_a_bad_option_says_so_once(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    result = shell.run_cell("%deploy model/ --no-such-option")
    captured = capsys.readouterr()
    assert result.error_in_exec is None
    said = captured.out + captured.err
    assert said.count("usage: %deploy") == 1
    assert "unrecognized arguments: --no-such-option" in said
