"""Every (programme, cluster) pair a scenario allows, as numpy arrays, from the scenario
alone (never from the model or the solver), for the figures, the independent check and the
explanations that look at every pair: 600,000 pairs on a 3,000 x 200 scenario, where a
Python loop per pair costs seconds.

Pairs are in programme order, each programme's clusters in the order
`Scenario.programme_clusters` gives (a city-wide programme has none).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .scenario import ALL_CLUSTERS, Scenario

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Cells:
    programme: IntArray  # programme index of each pair
    cluster: IntArray  # cluster index of each pair
    youth_per_unit: FloatArray  # youth one unit of the programme reaches in the cluster
    start: IntArray  # pairs of programme i are start[i]:start[i + 1]
    n_clusters: int

    everywhere: NDArray[np.bool_]  # programme i runs in every cluster, in cluster order

    def at(self, units: dict[int, dict[int, float]]) -> FloatArray:
        """The allocation's units on every pair (0 where none); units outside the pairs
        (which the independent check reports) are left out."""
        out = np.zeros(len(self.programme))
        for i, allocated in units.items():
            lo, hi = int(self.start[i]), int(self.start[i + 1])
            if not allocated or lo == hi:
                continue
            if self.everywhere[i]:
                for c, u in allocated.items():
                    if 0 <= c < self.n_clusters:
                        out[lo + c] = u
                continue
            where = {int(c): lo + k for k, c in enumerate(self.cluster[lo:hi].tolist())}
            for c, u in allocated.items():
                if c in where:
                    out[where[c]] = u
        return out


def cells(s: Scenario) -> Cells:
    n_c = len(s.clusters)
    index = {c.id: k for k, c in enumerate(s.clusters)}
    everywhere = np.arange(n_c, dtype=np.int64)
    progs: list[IntArray] = []
    clus: list[IntArray] = []
    ypus: list[FloatArray] = []
    start = [0]
    for i, p in enumerate(s.programmes):
        if p.clusters == ALL_CLUSTERS:
            where = everywhere
            runs: list[str] | None = None
        else:
            runs = s.programme_clusters(p)
            where = np.array([index[c] for c in runs], dtype=np.int64)
        if isinstance(p.youth_per_unit, dict):
            ids = runs if runs is not None else [c.id for c in s.clusters]
            ypu = np.array([s.youth_per_unit(p, c) for c in ids], dtype=np.float64)
        else:
            ypu = np.full(len(where), float(p.youth_per_unit))
        progs.append(np.full(len(where), i, dtype=np.int64))
        clus.append(where)
        ypus.append(ypu)
        start.append(start[-1] + len(where))
    empty_i = np.zeros(0, dtype=np.int64)
    return Cells(
        np.concatenate(progs) if progs else empty_i,
        np.concatenate(clus) if clus else empty_i,
        np.concatenate(ypus) if ypus else np.zeros(0),
        np.array(start, dtype=np.int64),
        n_c,
        np.array([p.clusters == ALL_CLUSTERS for p in s.programmes], dtype=bool),
    )


def group_max(groups: IntArray, values: FloatArray, n: int) -> FloatArray:
    """The largest value in each group 0..n-1 (0 for an empty group); values >= 0."""
    out = np.zeros(n)
    if len(groups):
        np.maximum.at(out, groups, values)
    return out
