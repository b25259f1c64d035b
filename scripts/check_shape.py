"""Check the code base's shape: import cycles and function length.

    python scripts/check_shape.py           # report; exit 1 on a violation
    python scripts/check_shape.py --verbose  # also list the largest cycles and functions

Two rules, from the project's house style:

- The import graph of ``src/streamgraph`` (every ``import``, including those under
  ``if TYPE_CHECKING:`` and inside functions) has no strongly connected component larger than
  ``MAX_CYCLE`` modules: modules that all need each other are one module in disguise.
- No function body (signature and docstring aside) is longer than ``MAX_BODY`` lines, outside
  generated files (those whose first line says they are generated).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "streamgraph"
MAX_CYCLE = 3
MAX_BODY = 60


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_generated(text: str) -> bool:
    first = text.split("\n", 1)[0].lower()
    return first.startswith("#") and "generated" in first


def sources() -> Iterator[tuple[str, Path, ast.Module, str]]:
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        text = path.read_text()
        yield module_name(path), path, ast.parse(text, str(path)), text


def resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports(module: str, path: Path, tree: ast.Module, known: set[str]) -> set[str]:
    """The package's modules ``module`` imports (a ``from x import y`` of a submodule ``y``
    counts as importing ``x.y``)."""
    found: set[str] = set()
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = resolve(module, is_package, node)
            names = [target, *(f"{target}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name.startswith(PACKAGE) and name != module:
                found.add(name)
    return found


def components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                found.append(sorted(group))
    return found


def body_length(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of a function's body, its docstring left out."""
    body = node.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    if not body:
        return 0
    end = max(getattr(n, "end_lineno", 0) or 0 for n in body)
    return end - body[0].lineno + 1


def long_functions(path: Path, tree: ast.Module) -> list[tuple[int, str, int]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = body_length(node)
            if length > MAX_BODY:
                found.append((length, f"{path.relative_to(ROOT.parent)}:{node.lineno}", length))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    parsed = list(sources())
    known = {module for module, *_ in parsed}
    graph = {module: imports(module, path, tree, known) for module, path, tree, _ in parsed}
    cycles = sorted((c for c in components(graph) if len(c) > 1), key=len, reverse=True)
    too_big = [c for c in cycles if len(c) > MAX_CYCLE]
    functions = sorted(
        (
            f
            for _, path, tree, text in parsed
            if not is_generated(text)
            for f in long_functions(path, tree)
        ),
        reverse=True,
    )
    for cycle in too_big:
        print(f"import cycle of {len(cycle)} modules (max {MAX_CYCLE}): {', '.join(cycle)}")
    for _, where, length in functions:
        print(f"function body of {length} lines (max {MAX_BODY}): {where}")
    if args.verbose:
        for cycle in cycles:
            print(f"cycle ({len(cycle)}): {', '.join(cycle)}")
    ok = not too_big and not functions
    print("shape: ok" if ok else f"shape: {len(too_big)} cycles, {len(functions)} long functions")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
