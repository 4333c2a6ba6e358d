"""Option parsing and help shared by the magics.

argparse prints its own usage and error (or the full help for ``--help``) before it
exits; a magic must say it once and return, not print the usage again or let the
``SystemExit`` reach IPython.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class MagicParser(argparse.ArgumentParser):
    """An argparse parser whose help is the magic's docstring (usage, options, examples)."""

    def __init__(self, prog: str, description: str, epilog: str) -> None:
        super().__init__(
            prog=prog,
            description=description,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    def error(self, message: str) -> Any:
        """Usage and error on stdout, as the help is: a cell's output shows them in order."""
        self.print_usage(sys.stdout)
        print(f"{self.prog}: error: {message}")
        raise SystemExit(2)


def parse_line(parser: argparse.ArgumentParser, line: str) -> argparse.Namespace | None:
    """The options of a magic's line, or None once the help or an error was printed."""
    try:
        words = shlex.split(line)
    except ValueError as err:  # an unclosed quote
        print(f"{parser.prog}: {err}")
        return None
    try:
        return parser.parse_args(words)
    except SystemExit:  # argparse printed the help (code 0) or usage + error (code 2)
        return None


def documented(parser: argparse.ArgumentParser) -> Callable[[F], F]:
    """Make the parser's full help (usage, options, examples) the magic's docstring,
    so ``%deploy?`` and ``%%train?`` show the same text as ``--help``."""

    def decorate(func: F) -> F:
        func.__doc__ = parser.format_help()
        return func

    return decorate
