"""The house's imports point one way (README, Development).

Every module of the package sits in one layer; a module imports only modules of its own
layer or of a lower one, and never in a cycle. Every import counts: at the top of a file,
inside a function, or under `if TYPE_CHECKING:` (a cycle held together by an import inside
a function is still a cycle). The test reads the source with `ast`; nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import write_package

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "pazos_budget"

#: The layers, lowest first, as drawn in the README's Development section. A module
#: missing from this table fails the test: a new module is placed on purpose.
LAYERS: tuple[tuple[str, ...], ...] = (
    # 0. Foundations: no project imports beyond this layer.
    (
        "__init__",
        "errors",
        "tolerances",
        "display",
        "files",
        "document",
        "reach",
        "yaml12",
        "figures",
        "i18n",
        "language",
        "messages",
        "catalogues",
        "json_document",
        "outlines",
        "marginal",
    ),
    # 1. What a scenario is (pydantic models and their rules; no I/O).
    ("scenario", "cells", "uncertainty"),
    # 2. Reading files into a scenario.
    (
        "sheets",
        "tables",
        "variants",
        "pabulib",
        "territories",
        "votes",
        "loader",
        "pabulib_scenario",
        "execution",
    ),
    # 3. The scenario as arrays.
    ("model", "scaling"),
    # 4. The only place that calls a solver.
    ("lprace", "solve"),
    # 5. What a solve means: the verified result, the diagnosis, the model export, and the
    # proofs that more money changes nothing.
    ("findings", "result", "result_file", "diagnose", "export", "unchanged"),
    # 6. Why: reasons and concentrations read a verified result.
    ("explain", "concentration"),
    # 7. One scenario from file to verified result.
    ("pipeline",),
    # 8. Many solves: marginal values, compare, sweep.
    ("batch", "analysis", "alternatives", "review", "robust"),
    # 9. What users see.
    (
        "outputs",
        "terminal",
        "intake",
        "scaffold",
        "reports",
        "reports.__init__",
        "reports.labels",
        "reports.xlsx",
        "reports.charts",
        "reports.context",
        "reports.summary",
        "reports.department",
        "reports.inputs",
        "reports.diagnosis",
        "reports.council",
        "reports.excel",
        "reports.alternatives",
        "reports.intake_form",
        "reports.review",
        "reports.robust",
        "reports.deck",
        "present",
        "usage",
    ),
    # 10. The command line.
    ("cli",),
)


def layer_of() -> dict[str, int]:
    return {name: i for i, names in enumerate(LAYERS) for name in names}


def module_name(path: Path, root: Path = PACKAGE) -> str:
    rel = path.relative_to(root).with_suffix("")
    return ".".join(rel.parts)


def project_imports(source: str, module: str) -> set[str]:
    """Every module of the package that `module`'s source imports, wherever it does."""
    package = module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if not (node.module or "").startswith("pazos_budget"):
                    continue
                base = (node.module or "").split(".")[1:]
            else:
                up = node.level - 1
                base = (package[: len(package) - up] if up else package) + (
                    (node.module or "").split(".") if node.module else []
                )
            target = ".".join(base)
            for alias in node.names:
                # `from . import x` and `from .reports import labels` name modules.
                sub = ".".join([*base, alias.name])
                found.add(
                    sub
                    if (PACKAGE / Path(*sub.split("."))).with_suffix(".py").exists()
                    else target or "__init__"
                )
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pazos_budget"):
                    found.add(".".join(alias.name.split(".")[1:]) or "__init__")
    found.discard(module)
    return {m or "__init__" for m in found}


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        name = module_name(path, root)
        graph[name] = project_imports(path.read_text(encoding="utf-8"), name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
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
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def against_the_flow(graph: dict[str, set[str]]) -> list[str]:
    layers = layer_of()
    bad = []
    for module, imported in sorted(graph.items()):
        if module not in layers:
            bad.append(f"{module}: not placed in a layer of tests/test_imports.py")
            continue
        for other in sorted(imported):
            if other in layers and layers[other] > layers[module]:
                bad.append(
                    f"{module} (layer {layers[module]}) imports {other} (layer {layers[other]})"
                )
    return bad


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_imports_follow_the_layers() -> None:
    assert against_the_flow(import_graph()) == []


# --------------------------------------------------------------------------- the check fails
def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    """The modules named without their `.py`."""
    return write_package(tmp_path, {f"{name}.py": text for name, text in files.items()})


def test_a_cycle_through_an_import_inside_a_function_is_found(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "loader": "from .tables import expand\n",
            "tables": "def expand():\n    from .loader import Document\n",
            "errors": "",
        },
    )
    assert cycles(import_graph(root)) == [["loader", "tables"]]


def test_a_cycle_under_type_checking_is_found(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "pipeline": "from .analysis import marginal_values\n",
            "analysis": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from pazos_budget.pipeline import solve_scenario\n"
            ),
        },
    )
    assert cycles(import_graph(root)) == [["analysis", "pipeline"]]


def test_an_import_against_the_flow_is_found(tmp_path: Path) -> None:
    root = _package(tmp_path, {"model": "from .solve import solve_model\n", "solve": ""})
    assert against_the_flow(import_graph(root)) == ["model (layer 3) imports solve (layer 4)"]


def test_the_real_package_had_its_cycles_found_before_they_were_removed() -> None:
    """The three cycles the review found, as they were written, are found again."""
    before = {
        "loader": {"tables", "variants"},
        "tables": {"loader"},
        "variants": {"loader", "tables"},
        "pipeline": {"analysis"},
        "analysis": {"pipeline"},
    }
    assert cycles(before) == [["analysis", "pipeline"], ["loader", "tables", "variants"]]


@pytest.mark.parametrize("module", sorted(import_graph()))
def test_every_module_is_placed(module: str) -> None:
    assert module in layer_of(), f"place {module} in a layer of LAYERS"
