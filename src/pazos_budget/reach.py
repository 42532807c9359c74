"""Distinct youth from participations: the one curve the model, the figures and the tests use.

Participations are not people: the same young person joins a sports school and a
psychosocial group. Under `reach_model: distinct` the distinct young people reached in a
cluster of population N by P participations is F(P), the concave piecewise-linear curve
through the points (t*N, N*(1 - exp(-t))) for the breakpoints `T`, flat beyond the last
one (random mixing: each participation reaches a young person of the cluster at random).
Under `reach_model: participations` distinct youth are min(P, N).

The model (model.py) writes F as chords `d <= a_k + b_k * P`, one per segment; `chords`
gives them. The figures (result.py) and the independent check (tests) evaluate F with
`distinct_youth`, so the three agree to float rounding.
"""

from __future__ import annotations

import itertools
import math
from enum import StrEnum

#: The curve's breakpoints, as multiples t of the population.
T: tuple[float, ...] = (
    0.0,
    0.025,
    0.05,
    0.1,
    0.2,
    0.35,
    0.5,
    0.75,
    1.0,
    1.25,
    1.5,
    2.0,
    2.5,
    3.0,
    4.0,
    5.0,
    6.0,
)

#: The largest share of a cluster's youth the curve can reach: 1 - exp(-6) = 0.99752...
#: A youth_reach target above `MAX_DISTINCT_SHARE` cannot be met under `distinct`.
MAX_DISTINCT_SHARE = 0.9975
CURVE_CEILING = 1.0 - math.exp(-T[-1])


class ReachModel(StrEnum):
    DISTINCT = "distinct"
    PARTICIPATIONS = "participations"


def _points() -> tuple[tuple[float, float], ...]:
    return tuple((t, 1.0 - math.exp(-t)) for t in T)


#: (t, share reached) at each breakpoint, for a population of 1.
POINTS = _points()


def chords() -> list[tuple[float, float]]:
    """(a, b) per segment for a population of 1: F(P) = min_k (a_k + b_k * P), P >= 0.

    For population N the chord is d <= N*a_k + b_k * P (the slope does not scale). The
    flat part beyond the last breakpoint is the chord (CURVE_CEILING, 0).
    """
    out = []
    for (t0, f0), (t1, f1) in itertools.pairwise(POINTS):
        b = (f1 - f0) / (t1 - t0)
        out.append((f0 - b * t0, b))
    out.append((CURVE_CEILING, 0.0))
    return out


def distinct_youth(participations: float, population: float, model: str = "distinct") -> float:
    """Distinct youth reached by `participations` in a cluster of `population` youth."""
    p = max(participations, 0.0)
    if model == ReachModel.PARTICIPATIONS:
        return min(p, population)
    if population <= 0:
        return 0.0
    t = p / population
    if t >= T[-1]:
        return population * CURVE_CEILING
    # The segment holding t (linear search: 16 segments).
    for (t0, f0), (t1, f1) in itertools.pairwise(POINTS):
        if t <= t1:
            return population * (f0 + (f1 - f0) * (t - t0) / (t1 - t0))
    return population * CURVE_CEILING  # pragma: no cover - t < T[-1] is always found


def right_slope(participations: float, population: float, model: str = "distinct") -> float:
    """Distinct youth per extra participation just above `participations` (the curve's
    right derivative): 1 then 0 at the population under `participations`."""
    p = max(participations, 0.0)
    if model == ReachModel.PARTICIPATIONS:
        return 1.0 if p < population else 0.0
    if population <= 0:
        return 0.0
    t = p / population
    for (t0, f0), (t1, f1) in itertools.pairwise(POINTS):
        if t < t1:
            return (f1 - f0) / (t1 - t0)
    return 0.0


def required_participations(distinct: float, population: float) -> float:
    """The fewest participations whose distinct youth reach `distinct` (inf if none)."""
    if distinct <= 0:
        return 0.0
    if distinct > population * CURVE_CEILING:
        return math.inf
    share = distinct / population
    for (t0, f0), (t1, f1) in itertools.pairwise(POINTS):
        if share <= f1:
            return population * (t0 + (share - f0) * (t1 - t0) / (f1 - f0))
    return population * T[-1]  # pragma: no cover
