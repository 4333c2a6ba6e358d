"""Run benchmarks: ``python -m benchmarks`` (all) or ``python -m benchmarks api``."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

from .harness import BenchError

HERE = Path(__file__).parent


def available() -> list[str]:
    return sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(HERE)])
        if m.name.startswith("bench_")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {available()})")
    parser.add_argument("--rounds", type=int, default=None, help="override rounds per benchmark")
    args = parser.parse_args(argv)
    names = args.names or available()
    unknown = set(names) - set(available())
    if unknown:
        parser.error(f"unknown benchmark(s): {sorted(unknown)}; choose from {available()}")
    failed = 0
    for name in names:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        try:
            result = module.run(**({"rounds": args.rounds} if args.rounds else {}))
        except BenchError as err:  # a fair answer is not possible here: say why, go on
            print(f"## {name}: not measured: {err}\n", file=sys.stderr, flush=True)
            failed += 1
            continue
        print(result.table())
        print(f"(saved {result.save().relative_to(HERE.parent)})\n", flush=True)
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
