"""The package's shape: one core that knows no channel, and the Telegram channel in chat/.

Read from the source with ast, so a lazy import inside a function counts as much as one at
the top of a module:

- outside sipbot/chat/ and sipbot/playground/ nothing imports `telegram`;
- the person's handlers (chat/person/) and the staff's (chat/staff/) never import each other;
  what both need lives below them, in chat/ or in the core;
- the folders import each other without a cycle. A folder without subfolders is one node;
  a module that sits beside subfolders (sipbot/services.py, sipbot/chat/app.py) is a node of
  its own, since the wiring in chat/app.py must reach the handlers that use chat/keyboards.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "sipbot"
CHANNELS = ("sipbot.chat", "sipbot.playground")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(p): p for p in ROOT.rglob("*.py") if "migrations" not in p.parts
    }


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module `name` imports, anywhere in its body; `from a import b` names a.b if b is
    a module of the package."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_only_the_channels_import_telegram() -> None:
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in _graph().items()
        if not any(_within(name, c) for c in CHANNELS)
        for target in targets
        if _within(target, "telegram")
    )
    assert wrong == []


def test_person_and_staff_handlers_never_import_each_other() -> None:
    sides = ("sipbot.chat.person", "sipbot.chat.staff")
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in _graph().items()
        for side, other in (sides, sides[::-1])
        if _within(name, side)
        for target in targets
        if _within(target, other)
    )
    assert wrong == []


def _node(name: str, folders_with_subfolders: set[str]) -> str:
    package = name.rpartition(".")[0]
    return name if package in folders_with_subfolders else package


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def folder_edges() -> dict[str, set[str]]:
    graph = _graph()
    packages = {_module_name(p.parent / "__init__.py") for p in ROOT.rglob("__init__.py")}
    parents = {p.rpartition(".")[0] for p in packages if p != "sipbot"}
    edges: dict[str, set[str]] = {}
    for name, targets in graph.items():
        if name in packages:  # a package's __init__ (all empty here) is no node
            continue
        source = _node(name, parents)
        for target in targets:
            if target in graph and target not in packages:
                dest = _node(target, parents)
                if dest != source:
                    edges.setdefault(source, set()).add(dest)
    return edges


def test_no_import_cycle_between_folders() -> None:
    assert _cycles(folder_edges()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    # The check above passes on an empty answer; this shows it would see one.
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_two_channels_never_import_each_other() -> None:
    """The web pages and the chat share the core only: a rule lives once, below both."""
    sides = ("sipbot.chat", "sipbot.web")
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in _graph().items()
        for side, other in (sides, sides[::-1])
        if _within(name, side)
        for target in targets
        if _within(target, other)
    )
    assert wrong == []
