"""The large target-free scenario of the speed benchmarks, written as one YAML file.

    python benchmarks/big.py OUT.yaml [--programmes 3000] [--clusters 200] [--seed 0]

3,000 programmes x 200 clusters, every programme in every cluster (600,000 x columns),
clusters and programmes inline as one flow mapping a line (about 0.5 MB), no targets: the
model is one weighted-reach stage plus the canonical tie-break. Continuous on purpose: an
LP, so that the floor can be the faster of simplex and interior point. The same arguments
always give the same file, byte for byte.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

DEPARTMENTS = ("security", "social", "culture", "education", "sports", "health")
COMPONENTS = ("interruption", "intervention", "prevention", "safe_environments")


def scenario_text(programmes: int, clusters: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    pops = rng.integers(800, 20000, size=clusters)
    weights = np.round(rng.uniform(0.3, 4.5, size=clusters), 2)
    costs = np.round(np.exp(rng.normal(np.log(8.0), 0.9, size=programmes)), 1) + 0.1
    youth = rng.integers(1, 40, size=programmes)
    caps = rng.integers(20, 400, size=programmes)
    lines = [
        "scenario: {id: big, name: Big synthetic city, year: 2026, currency: COP millions,",
        "  language: en}",
        f"budget: {{total: {round(float(costs.sum()) * 40)}}}",
        "objective: maximize_weighted_reach",
        "departments:",
        *(f"  - {{id: {d}, name: {d.title()}}}" for d in DEPARTMENTS),
        "clusters:",
    ]
    lines += [
        f"  - {{id: c{c:03d}, name: Cluster {c + 1}, youth_population: {pops[c]}, "
        f"weight: {weights[c]}}}"
        for c in range(clusters)
    ]
    lines.append("programmes:")
    lines += [
        f"  - {{id: p{p:04d}, name: Programme {p + 1}, department: "
        f"{DEPARTMENTS[p % len(DEPARTMENTS)]}, component: {COMPONENTS[p % len(COMPONENTS)]}, "
        f"unit: unit, unit_cost: {costs[p]:g}, max_units: {caps[p]}, clusters: all, "
        f"youth_per_unit: {youth[p]}}}"
        for p in range(programmes)
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--programmes", type=int, default=3000)
    parser.add_argument("--clusters", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(scenario_text(args.programmes, args.clusters, args.seed), "utf-8")


if __name__ == "__main__":
    main()
