"""Infeasibility diagnosis: which hard commitments must give, and by how much.

Placeholder until the elastic model is wired in (see model.build_model(elastic=True)).
"""

from __future__ import annotations

from typing import Any

from .scenario import Scenario
from .solve import SolveOptions


def diagnose(scenario: Scenario, options: SolveOptions) -> list[dict[str, Any]]:
    return []
