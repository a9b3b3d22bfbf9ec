"""The packages form a layered graph: no package imports, directly or through others, one
that imports it back.

A node is a package under ``slotwise/`` (``slotwise.booking``) or a top-level module
(``slotwise.db``). Every import statement counts, also those inside functions or under
``TYPE_CHECKING``: a cycle that only a lazy import hides is still a cycle to the reader.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import slotwise

ROOT = Path(slotwise.__file__).parent
# The queue's infrastructure: domain packages defer and define jobs, never the other way.
INFRASTRUCTURE = {"jobs": {"appointments", "booking", "notifications", "realtime", "auth", "ops"}}

Graph = dict[str, dict[str, list[str]]]


def _node(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _module_name(path: Path) -> str:
    parts = ["slotwise", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[str]:
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                yield ".".join([*base, node.module] if node.module else base)
            elif node.module:
                yield node.module


def package_graph() -> Graph:
    """node -> imported node -> the ``module -> import`` lines that make the edge."""
    graph: Graph = defaultdict(lambda: defaultdict(list))
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.relative_to(ROOT).parts:
            continue  # alembic's scripts, loaded by path, never imported by the package
        module = _module_name(path)
        source = _node(module)
        for target in _imports(path):
            if target.startswith("slotwise.") and _node(target) != source:
                graph[source][_node(target)].append(f"{module} -> {target}")
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    return found


def _explain(graph: Graph, component: list[str]) -> str:
    lines = [" <-> ".join(component)]
    for source in component:
        for target in component:
            for line in graph.get(source, {}).get(target, []):
                lines.append(f"  {line}")
    return "\n".join(lines)


def test_the_package_graph_has_no_cycles() -> None:
    graph = package_graph()
    assert "appointments" in graph and "booking" in graph["appointments"]  # the graph is read
    found = cycles(graph)
    assert not found, "import cycles between packages:\n" + "\n".join(
        _explain(graph, component) for component in found
    )


def test_the_job_queue_imports_no_domain() -> None:
    graph = package_graph()
    for package, forbidden in INFRASTRUCTURE.items():
        wrong = {t: lines for t, lines in graph[package].items() if t in forbidden}
        assert not wrong, f"{package} imports domain packages: {dict(wrong)}"


def test_a_cycle_is_found_and_named() -> None:
    # The check itself can fail: a made-up graph with a cycle through three nodes.
    graph: Graph = {
        "a": {"b": ["slotwise.a.x -> slotwise.b"]},
        "b": {"c": ["slotwise.b.y -> slotwise.c"]},
        "c": {"a": ["slotwise.c.z -> slotwise.a.x"], "d": []},
    }
    assert cycles(graph) == [["a", "b", "c"]]
    assert "slotwise.c.z -> slotwise.a.x" in _explain(graph, ["a", "b", "c"])
