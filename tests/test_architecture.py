"""The package's structure, drawn from its own imports (``ast``, nothing is imported).

Floors, lowest first: the shared core (``errors``, ``store``, ``runtime``, ``compute``...),
then ``jobs`` (the one runner), then the kinds on it (``training``, ``processing``,
``hosting``), and the assembly (``services``, ``areas``, ``app``) on top. An arrow from
a lower floor to a higher one, or a circle of runtime imports between packages, is what
makes a change in one place break another; these tests keep them out.
``python tests/test_architecture.py`` prints the structure.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "jupyter_smstudio"
ROOT = "jupyter_smstudio"
#: Kinds and areas built on the runner: ``jobs`` never imports them, even for types.
ABOVE_JOBS = (
    "training",
    "processing",
    "tuning",
    "hosting",
    "aws",
    "spaces",
    "wrangler",
    "s3",
    "experiments",
    "services",
    "areas",
)
#: Code that runs in the user's kernel: it imports nothing of the server's own modules.
#: The assembly: builds and lists everything; an import into it from below is an arrow up.
ASSEMBLY = ("app", "services", "areas", "registry")
#: ``algorithms`` runs inside jobs and the model server: it imports nothing of the server either.
KERNEL_SIDE = (
    "client",
    "cli",
    "sdk",
    "magics",
    "widgets",
    "kernelenv",
    "__init__",
    "_version",
    "algorithms",
)


@dataclass(frozen=True)
class Edge:
    source: str  # module, dotted
    target: str  # module, dotted
    runtime: bool  # False: only under ``if TYPE_CHECKING:``


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[str, bool]]:
    """(imported module, at runtime) for every import in ``tree``, relative ones resolved."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, runtime: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, False)
            for child in node.orelse:
                visit(child, runtime)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, runtime) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            # ``from . import contract`` imports the module ``contract`` of the package
            # (not the package's own names): ``edges`` keeps whichever exists.
            found.extend((f"{target}.{alias.name}", runtime) for alias in node.names)
            found.extend((f"{target}:{alias.name}", runtime) for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child, runtime)

    visit(tree, True)
    return found


def edges() -> list[Edge]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    out = []
    for name, path in sorted(modules.items()):
        tree = ast.parse(path.read_text(), str(path))
        for target, runtime in _imports(tree, name, path.name == "__init__.py"):
            if ":" in target:  # a name from a module: an edge only when it is no submodule
                target, imported = target.split(":")
                if f"{target}.{imported}" in modules:
                    continue
            if target in modules and target != name:
                out.append(Edge(name, target, runtime))
    return out


def package_of(module: str) -> str:
    """``jupyter_smstudio.jobs.backends.docker`` -> ``jobs``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def package_graph(runtime_only: bool) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for edge in edges():
        if runtime_only and not edge.runtime:
            continue
        a, b = package_of(edge.source), package_of(edge.target)
        if a != b and a != "__init__":  # the package's __init__ only names entry points
            graph[a].add(b)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strong(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                strong(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            strong(node)
    return found


def module_cycles(runtime_only: bool = True) -> list[list[str]]:
    """Circles of imports between modules (the package's ``__init__`` aside)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for edge in edges():
        if (edge.runtime or not runtime_only) and edge.source != ROOT:
            graph[edge.source].add(edge.target)
    return cycles(graph)


def arrows(source: str, targets: tuple[str, ...], runtime_only: bool = False) -> list[str]:
    """``a -> b`` for each import from package ``source`` into one of ``targets``."""
    return sorted(
        f"{e.source} -> {e.target}"
        for e in edges()
        if package_of(e.source) == source
        and package_of(e.target) in targets
        and (e.runtime or not runtime_only)
    )


def test_jobs_imports_none_of_the_kinds_built_on_it() -> None:
    assert arrows("jobs", ABOVE_JOBS) == []


def test_jobs_is_imported_by_the_kinds() -> None:
    users = {p for p, targets in package_graph(runtime_only=True).items() if "jobs" in targets}
    # hosting joins when batch transform becomes a kind on the runner.
    assert {"training", "processing"} <= users
    assert not {"training", "processing"} & package_graph(runtime_only=True)["jobs"]


def test_the_idle_monitor_reads_protocols_not_the_areas_that_implement_them() -> None:
    """It takes small protocols (``IdleSpaces``, ``WorkSource``), not ``Services``."""
    assert arrows("idle", ("services", "jobs", "training", "processing", "hosting")) == []


@pytest.mark.slow
def test_kernel_side_code_imports_nothing_of_the_server() -> None:
    server_side = [
        arrow
        for package in KERNEL_SIDE
        if package != "__init__"  # it names the server's entry point, lazily
        for arrow in arrows(package, tuple(p for p in _packages() if p not in KERNEL_SIDE))
    ]
    assert server_side == []


def test_no_circle_of_runtime_imports_between_packages() -> None:
    assert cycles(package_graph(runtime_only=True)) == []


def test_no_circle_of_runtime_imports_between_modules() -> None:
    assert module_cycles() == []


def _packages() -> set[str]:
    return {package_of(module_name(p)) for p in PACKAGE.rglob("*.py")}


def describe() -> str:
    """The structure as these tests compute it (for the docs and the changelog)."""
    lines = ["packages: " + ", ".join(sorted(_packages()))]
    for runtime_only in (True, False):
        graph = package_graph(runtime_only)
        label = "runtime imports" if runtime_only else "all imports (with type-only)"
        lines.append(f"circles ({label}): {cycles(graph) or 'none'}")
    lines.append(f"circles of modules (runtime imports): {module_cycles() or 'none'}")
    jobs_like = ("jobs", "training", "processing")
    typed = [c for c in module_cycles(False) if all(package_of(m) in jobs_like for m in c)]
    lines.append(f"circles of job modules (with type-only): {typed or 'none'}")
    up = sorted(
        f"{e.source} -> {e.target}{'' if e.runtime else ' (type-only)'}"
        for e in edges()
        if package_of(e.target) in ASSEMBLY and package_of(e.source) not in (*ASSEMBLY, "__init__")
    )
    lines.append(f"arrows up into the assembly: {up or 'none'}")
    lines.append("jobs -> kinds above it: " + str(arrows("jobs", ABOVE_JOBS) or "none"))
    for source in ("training", "processing", "hosting"):
        lines.append(f"{source} -> jobs: {'jobs' in package_graph(True).get(source, set())}")
    kernel = [
        a
        for p in KERNEL_SIDE
        if p != "__init__"
        for a in arrows(p, tuple(q for q in _packages() if q not in KERNEL_SIDE))
    ]
    lines.append("kernel side -> server: " + str(kernel or "none"))
    for source, targets in sorted(package_graph(True).items()):
        lines.append(f"  {source} -> {', '.join(sorted(targets))}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(describe() + "\n")
