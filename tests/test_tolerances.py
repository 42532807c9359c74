"""Every tolerance has one name, in `tolerances.py`, with what it protects.

A bare float literal below 1e-3 anywhere else in the package fails the test (the house's
anti-pattern: "magic thresholds like `>= 0.99` repeated"). The test reads the source with
`ast`; nothing is imported, and a literal in a string or a comment does not count. The
relations the module's text promises between the tolerances are checked too.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from conftest import write_package
from pazos_budget import tolerances as tol

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "pazos_budget"
HOME = "tolerances.py"
#: Below this, a float literal is a tolerance (or a sliver, a floor, a probe: the same).
SMALL = 1e-3
#: (file relative to the package, value) -> why the literal is not a tolerance. None
#: today: every small number of the package is one of the tolerances.
ALLOWED: dict[tuple[str, float], str] = {}


def bare_tolerances(
    root: Path = PACKAGE, allowed: dict[tuple[str, float], str] | None = None
) -> list[str]:
    """`file:line:col: value` of every float literal 0 < |x| < SMALL outside HOME."""
    allowed = ALLOWED if allowed is None else allowed
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel == HOME:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, float)
                and 0 < abs(node.value) < SMALL
                and (rel, node.value) not in allowed
            ):
                found.append(f"{rel}:{node.lineno}:{node.col_offset + 1}: {node.value!r}")
    return found


def undocumented(source: str) -> list[str]:
    """Module-level constants not preceded by a `#:` comment saying what they protect."""
    lines = source.splitlines()
    bad = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
            if not above.startswith("#:"):
                target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                bad.append(ast.unparse(target))
    return bad


def test_no_bare_tolerance_outside_the_tolerances_module() -> None:
    everything = bare_tolerances(allowed={})
    bare = [f for f in everything if not any(_is(f, *key) for key in ALLOWED)]
    assert bare == [], "name it in src/pazos_budget/tolerances.py"
    stale = [key for key in ALLOWED if not any(_is(f, *key) for f in everything)]
    assert stale == [], "an allowed literal is gone: remove it from ALLOWED"


def _is(found: str, rel: str, value: float) -> bool:
    return found.startswith(f"{rel}:") and found.endswith(f" {value!r}")


def test_every_tolerance_says_what_it_protects() -> None:
    assert undocumented((PACKAGE / HOME).read_text(encoding="utf-8")) == []


def test_the_tolerances_stand_as_the_module_says() -> None:
    # The check verifies exactly what the contract promises.
    assert tol.CHECK_TOLERANCE == tol.CONTRACT_TOLERANCE
    assert tol.BINDING == tol.CONTRACT_TOLERANCE
    # A stage is held far tighter than the contract; the fallback is the contract.
    assert tol.HOLD_RELATIVE_TOLERANCE <= tol.CONTRACT_TOLERANCE * 1e-3
    assert tol.HOLD_ABSOLUTE_TOLERANCE <= tol.HOLD_RELATIVE_TOLERANCE
    # Tidying the allocation never breaks what the check would then catch, and the
    # recomputed stage values forgive what tidying removed.
    assert tol.SNAP <= tol.CHECK_TOLERANCE and tol.NOISE <= tol.CHECK_TOLERANCE
    assert max(tol.SNAP, tol.NOISE, tol.CONTRACT_TOLERANCE) < tol.STAGE_TOLERANCE
    # The written figures are rounded far below the contract.
    assert tol.NOISE_REL <= tol.CONTRACT_TOLERANCE * 1e-3
    # A plan is proven to the contract's precision; a sampled world more loosely.
    assert tol.DEFAULT_MIP_GAP == tol.CONTRACT_TOLERANCE < tol.WORLD_MIP_GAP
    # HiGHS keeps every coefficient its own default (1e-9) would drop.
    assert tol.HIGHS_SMALL_MATRIX_VALUE < 1e-9
    # A figure written whole is one the result snapped whole.
    assert tol.WRITTEN_WHOLE == tol.SNAP
    assert tol.SLIVER == tol.NOISE


# --------------------------------------------------------------------------- the check fails
def test_a_bare_tolerance_is_found_wherever_it_is(tmp_path: Path) -> None:
    root = write_package(
        tmp_path,
        {
            "tolerances.py": "ZERO = 1e-9\n",
            "terminal.py": "def signed(x):\n    return '' if abs(x) < 1e-9 else x\n",
            "solve.py": "def f(x, tol=1e-6):\n    return x > -1e-12 and 0.98 * x\n",
            "texts.py": "'''below 1e-9'''\nWORDS = '1e-9'  # 1e-9\n",
        },
    )
    assert bare_tolerances(root) == [
        "solve.py:1:14: 1e-06",
        "solve.py:2:17: 1e-12",
        "terminal.py:2:27: 1e-09",
    ]


def test_an_allowed_literal_passes_and_only_where_allowed(tmp_path: Path) -> None:
    root = write_package(tmp_path, {"a.py": "X = 1e-4\n", "b.py": "Y = 1e-4\n"})
    assert bare_tolerances(root, {("a.py", 1e-4): "not a tolerance"}) == ["b.py:1:5: 0.0001"]


def test_a_tolerance_put_back_into_the_package_fails(tmp_path: Path) -> None:
    root = tmp_path / "pazos_budget"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__", "locale"))
    result = root / "result.py"
    text = result.read_text(encoding="utf-8")
    result.write_text(text.replace("CHECK_TOLERANCE * max(", "1e-6 * max(", 1), encoding="utf-8")
    found = bare_tolerances(root)
    assert len(found) == 1 and found[0].startswith("result.py:") and found[0].endswith("1e-06")


def test_a_tolerance_without_its_comment_fails() -> None:
    source = "#: What it protects.\nSNAP = 1e-6\n\nNOISE = 1e-6\n"
    assert undocumented(source) == ["NOISE"]
