"""The vectorized target scopes of model.py and result.py agree with `Scenario.in_scope`.

Both modules compute "which programmes count for this target" for all programmes at once
(a national scenario has 30,000 programmes); `Scenario.in_scope` is the definition. These
tests keep the three in step when the definition changes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import random_scenario_data, tiny_cluster, tiny_data, tiny_department, tiny_programme
from pazos_budget.model import _Cells, _TargetContext
from pazos_budget.result import _Figures
from pazos_budget.scenario import Scenario


def model_scope(s: Scenario) -> _TargetContext:
    dept_index = {d.id: j for j, d in enumerate(s.departments)}
    share = np.zeros((len(s.programmes), len(s.departments)))
    for i, p in enumerate(s.programmes):
        for dep, sh in p.funders().items():
            share[i, dept_index[dep]] = sh
    empty_i = np.zeros(0, dtype=np.int64)
    empty_f = np.zeros(0)
    cells = _Cells(empty_i, empty_i, empty_f, empty_i, [])
    return _TargetContext(s, cells, empty_i, empty_f, empty_i, empty_i, empty_f, share, dept_index)


def assert_scopes_agree(s: Scenario) -> None:
    ctx = model_scope(s)
    fig = _Figures(s, {i: {} for i in range(len(s.programmes))}, {})
    for owner, t in s.all_targets():
        depts = s.target_departments(owner, t)
        expected = [i for i, p in enumerate(s.programmes) if s.in_scope(p, depts, t)]
        assert np.flatnonzero(ctx.scope(owner, t)).tolist() == expected, t.id
        assert fig.scope(owner, t) == expected, t.id
        # the scope's own money (spend shares): vectorized against the scenario's rule
        own = [s.scope_money_share(p, depts) for p in s.programmes]
        assert ctx.money_share(owner, t).tolist() == pytest.approx(own, abs=1e-15), t.id
        assert all(0.0 <= v <= 1.0 for v in own), t.id


def without_owner(data: dict[str, Any], drop: list[bool]) -> dict[str, Any]:
    """Cofunding maps that leave their owner out (the partners pay everything)."""
    for p, flag in zip(data["programmes"], drop, strict=False):
        cof = p.get("cofunding")
        if flag and cof and len(cof) > 1:
            others = {d: v for d, v in cof.items() if d != p["department"]}
            total = sum(others.values())
            p["cofunding"] = {d: v / total for d, v in others.items()}
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(random_scenario_data(), st.lists(st.booleans(), min_size=6, max_size=6))
def test_vectorized_scopes_match_in_scope(data: dict[str, Any], drop: list[bool]) -> None:
    try:
        s = Scenario.model_validate(without_owner(data, drop))
    except ValueError:
        assume(False)
        raise
    assert_scopes_agree(s)


def test_owner_left_out_of_its_cofunding_stays_in_its_scope() -> None:
    goal = {"id": "g", "kind": "metric", "metric": "m", "at_least": 1.0}
    data = tiny_data(
        total=100,
        clusters=[tiny_cluster("c1", 100)],
        departments=[tiny_department("d1", goals=[goal]), tiny_department("d2")],
        programmes=[
            tiny_programme("p1", "d1", 1.0, outputs={"m": 1.0}, cofunding={"d2": 1.0}),
            tiny_programme("p2", "d2", 1.0, outputs={"m": 1.0}),
        ],
    )
    s = Scenario.model_validate(data)
    assert_scopes_agree(s)
    assert _Figures(s, {0: {}, 1: {}}, {}).scope("d1", s.departments[0].goals[0]) == [0]
