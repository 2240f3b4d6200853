"""The layers import one way: texts <- planning <- geodata <- region <- ui <- pages, and no module cycle.

``texts`` (the catalogue) imports nothing of the project; ``planning`` is pure (no geodata, ui,
pages or streamlit); ``geodata`` never imports ``ui`` or ``pages``; ``build_world`` and
``GridSolver`` are made only by the planning session."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import ROOT

PACKAGES = ("texts", "planning", "geodata", "region", "ui")
FORBIDDEN = {"texts": {"planning", "geodata", "region", "ui", "pages", "streamlit"},
             "planning": {"geodata", "region", "ui", "pages", "streamlit", "dask", "distributed"},
             "geodata": {"region", "ui", "pages", "streamlit"},
             "region": {"ui", "pages", "streamlit"}}


def _modules() -> dict[str, Path]:
    out = {f"{p.parent.name}.{p.stem}" if p.stem != "__init__" else p.parent.name: p
           for package in PACKAGES for p in (ROOT / package).glob("*.py")}
    out["cli"] = ROOT / "cli.py"
    return out


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def test_layers_import_one_way():
    for name, path in _modules().items():
        layer = name.split(".")[0]
        bad = {i for i in _imports(path) if i.split(".")[0] in FORBIDDEN.get(layer, set())}
        assert not bad, f"{name} imports {sorted(bad)}"


def test_no_module_cycle():
    modules = _modules()
    graph = {name: {i for i in _imports(path) if i in modules and i != name} for name, path in modules.items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail[trail.index(nxt):], nxt]))
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_the_session_alone_builds_worlds_and_solvers():
    calls = re.compile(r"\b(build_world|GridSolver)\(")
    makers = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("**/*.py")
                    if ".venv" not in p.parts and "tests" not in p.parts and calls.search(
                        "\n".join(line for line in p.read_text(encoding="utf-8").splitlines()
                                  if not line.lstrip().startswith(("def ", "class ", "#")))))
    assert makers == ["planning/session.py"]
