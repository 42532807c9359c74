"""Sampled worlds: a scenario's ranges (`{value, low, high}`) drawn once per world.

Every range is a triangular distribution (low, value as the mode, high). World `k` of a
run with seed `S` draws from its own stream, `SeedSequence(S, spawn_key=(k,))` (what
`SeedSequence(S).spawn(N)[k]` gives), so a world is the same whoever samples it, in
whatever order, on however many workers. Within a world the draws come in a fixed order:
the common cost factor first, then each programme in file order, its unit cost, then its
youth per unit (a per-cluster map in the order written). A number without a range is
drawn too (as itself), so adding a range to one programme does not change the draws of
the others.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .scenario import Estimate, Programme, Scenario


@dataclass(frozen=True)
class CostFactor:
    """The common factor on every unit cost of a world (triangular low, value, high)."""

    value: float = 1.0
    low: float = 1.0
    high: float = 1.0

    @classmethod
    def of(cls, s: Scenario) -> CostFactor:
        f = s.uncertainty.common_cost_factor if s.uncertainty is not None else 1.0
        return cls(*_bounds(f))

    def to_json(self) -> dict[str, float]:
        return {"value": self.value, "low": self.low, "high": self.high}


def _bounds(x: float) -> tuple[float, float, float]:
    if isinstance(x, Estimate):
        return float(x), x.low, x.high
    return float(x), float(x), float(x)


def _draw(rng: np.random.Generator, value: float, low: float, high: float) -> float:
    u = float(rng.random())  # one draw per number, ranged or not (see the module doc)
    if high <= low:
        return value
    # The triangular distribution's inverse CDF (numpy's own refuses low == high).
    cut = (value - low) / (high - low)
    if u < cut:
        return low + float(np.sqrt(u * (high - low) * (value - low)))
    return high - float(np.sqrt((1.0 - u) * (high - low) * (high - value)))


def count_ranges(s: Scenario) -> int:
    """How many numbers of the programmes are ranges (the cost factor aside)."""
    n = 0
    for p in s.programmes:
        n += _is_range(p.unit_cost)
        ypu = p.youth_per_unit
        n += sum(map(_is_range, ypu.values())) if isinstance(ypu, dict) else _is_range(ypu)
    return n


def _is_range(x: float) -> bool:
    return isinstance(x, Estimate) and x.high > x.low


@dataclass(frozen=True)
class World:
    """One sampled world: its scenario (plain numbers) and the cost factor drawn."""

    index: int
    scenario: Scenario
    cost_factor: float


def world(s: Scenario, seed: int, index: int, factor: CostFactor | None = None) -> World:
    """World `index` of the run with `seed` (`factor` overrides the scenario's own)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
    f = factor or CostFactor.of(s)
    common = _draw(rng, f.value, f.low, f.high)
    programmes = [_sampled(p, rng, common) for p in s.programmes]
    return World(index, s.model_copy(update={"programmes": programmes}), common)


def _sampled(p: Programme, rng: np.random.Generator, common: float) -> Programme:
    cost = _draw(rng, *_bounds(p.unit_cost)) * common
    ypu = p.youth_per_unit
    youth: float | dict[str, float]
    if isinstance(ypu, dict):
        youth = {c: _draw(rng, *_bounds(v)) for c, v in ypu.items()}
    else:
        youth = _draw(rng, *_bounds(ypu))
    # model_copy skips validation: the drawn numbers are within the validated ranges.
    return p.model_copy(update={"unit_cost": cost, "youth_per_unit": youth})
