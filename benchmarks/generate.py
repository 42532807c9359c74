"""Deterministic synthetic scenarios at four sizes, for the benchmarks in this folder.

    python benchmarks/generate.py OUT_DIR [--sizes palmira city national stress] [--seed 0]

writes OUT_DIR/<size>/scenario.yaml, plus programmes.csv and clusters.csv for the sizes
whose tables are too big to write by hand (see `tables.py`). The same seed always gives
the same files, byte for byte.

Sizes (programmes x clusters; x columns are one per programme and cluster it runs in):
- palmira:  50 x 12 clusters, inline YAML, a third of the programmes integer, some with
            fixed costs (a MIP, like the real Palmira scenario but smaller);
- city:     300 x 120 clusters, CSV tables, a few integer / fixed-cost programmes;
- national: 3,000 municipalities x 10 programmes, each running in its own municipality's
            10 clusters (30,000 programmes, 30,000 clusters), CSV tables, all continuous;
- stress:   5,000 x 200 clusters, almost every programme in every cluster (~1M x columns),
            CSV tables, all continuous.
National and stress are pure LPs on purpose: a single integer column makes HiGHS use its
branch-and-bound (dual simplex at every node, no interior point), which at this scale
would measure the MIP search, not this tool.

Every scenario has departments with envelopes (some with a minimum spend), cofunded
programmes, mandatory programmes, city-wide programmes, per-cluster youth maps, and
targets of all four kinds over priorities 1-3, one of them hard.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

COMPONENTS = (
    "interruption",
    "intervention",
    "prevention",
    "safe_environments",
    "access_to_justice",
)
#: Department names and the metric each department's programmes produce.
DEPARTMENT_KINDS = (
    ("security", "Security and Coexistence", "mediations"),
    ("social", "Social Integration", "youth_accompanied"),
    ("government", "Government", "restorative_agreements"),
    ("culture", "Culture", "arts_participants"),
    ("education", "Education", "diplomas"),
    ("sports", "Sports and Recreation", "sport_participants"),
    ("infrastructure", "Infrastructure", "lighting_points"),
    ("economic", "Economic Development", "jobs"),
    ("health", "Health", "spa_treatments"),
    ("mobility", "Mobility", "km_bike_route"),
    ("participation", "Community Participation", "community_projects"),
    ("pazos-office", "PAZOS Strategy Office", "coexistence_pacts"),
)
#: Youth reached per unit, by component (low, high); safe environments reach nobody directly.
YOUTH_RANGE = {
    "interruption": (15, 40),
    "intervention": (1, 5),
    "prevention": (10, 40),
    "safe_environments": (0, 0),
    "access_to_justice": (2, 10),
}


@dataclass(frozen=True)
class Size:
    name: str
    municipalities: int
    clusters: int  # per municipality
    programmes: int  # per municipality
    departments: int
    integer_share: float
    fixed_share: float
    all_share: float  # programmes that run in every cluster (of their municipality)
    citywide_share: float  # programmes not attributed to any cluster
    youth_map_share: float  # programmes with a per-cluster youth_per_unit map
    tables: bool


SIZES = {
    s.name: s
    for s in (
        Size("palmira", 1, 12, 50, 12, 0.33, 0.10, 0.45, 0.15, 0.15, tables=False),
        Size("city", 1, 120, 300, 20, 0.05, 0.03, 0.60, 0.05, 0.05, tables=True),
        Size("national", 3000, 10, 10, 12, 0.0, 0.0, 0.80, 0.10, 0.0, tables=True),
        Size("stress", 1, 200, 5000, 25, 0.0, 0.0, 0.96, 0.01, 0.0, tables=True),
    )
}


def _nice(x: float, digits: int = 2) -> float:
    """Round to `digits` significant digits: generated numbers read like typed ones."""
    if x == 0:
        return 0.0
    return float(round(x, digits - 1 - math.floor(math.log10(abs(x)))))


class _Generator:
    def __init__(self, size: Size, seed: int) -> None:
        self.size = size
        self.rng = np.random.default_rng(seed)

    # ---------------------------------------------------------------- sections
    def departments(self) -> list[dict[str, Any]]:
        out = []
        for j in range(self.size.departments):
            key, name, metric = DEPARTMENT_KINDS[j % len(DEPARTMENT_KINDS)]
            round_ = j // len(DEPARTMENT_KINDS)
            suffix = f"-{round_ + 1}" if round_ else ""
            out.append(
                {
                    "id": key + suffix,
                    "name": name + (f" ({round_ + 1})" if round_ else ""),
                    "metric": metric + suffix.replace("-", "_"),
                }
            )
        return out

    def clusters(self) -> list[dict[str, Any]]:
        rng, size = self.rng, self.size
        out = []
        for m in range(size.municipalities):
            for c in range(size.clusters):
                prioritized = bool(rng.random() < 0.6) or c == 0
                pop = (
                    int(rng.integers(800, 3000)) if prioritized else int(rng.integers(3000, 20000))
                )
                out.append(
                    {
                        "id": self._cluster_id(m, c),
                        "name": f"Cluster {c + 1}"
                        + (f" of municipality {m + 1}" if m or size.municipalities > 1 else ""),
                        "youth_population": pop,
                        "weight": _nice(
                            float(rng.uniform(1.5, 4.5))
                            if prioritized
                            else float(rng.uniform(0.3, 1.0))
                        ),
                        "prioritized": prioritized,
                    }
                )
        return out

    def _cluster_id(self, m: int, c: int) -> str:
        if self.size.municipalities > 1:
            return f"m{m + 1:04d}-c{c + 1:02d}"
        width = 2 if self.size.clusters < 100 else 3
        return f"c{c + 1:0{width}d}"

    def _programme_id(self, m: int, k: int) -> str:
        if self.size.municipalities > 1:
            return f"m{m + 1:04d}-p{k + 1:02d}"
        width = 2 if self.size.programmes < 100 else 4
        return f"p{k + 1:0{width}d}"

    def programmes(
        self, departments: list[dict[str, Any]], clusters: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        rng, size = self.rng, self.size
        pop = {c["id"]: c["youth_population"] for c in clusters}
        n_dep = len(departments)
        out = []
        for m in range(size.municipalities):
            own = [self._cluster_id(m, c) for c in range(size.clusters)]
            for k in range(size.programmes):
                n = m * size.programmes + k
                component = COMPONENTS[n % len(COMPONENTS)]
                # Every department owns programmes of several components.
                dept = departments[(n // len(COMPONENTS) + n) % n_dep if n >= n_dep else n]
                integer = bool(rng.random() < size.integer_share)
                unit_cost = _nice(float(np.exp(rng.normal(math.log(8.0), 0.9))))
                p: dict[str, Any] = {
                    "id": self._programme_id(m, k),
                    "name": f"{dept['name']} programme {k + 1}"
                    + (f" in municipality {m + 1}" if size.municipalities > 1 else ""),
                    "department": dept["id"],
                    "component": component,
                    "unit": "unit",
                    "unit_cost": unit_cost,
                }
                if rng.random() < size.fixed_share:
                    p["fixed_cost"] = _nice(unit_cost * float(rng.uniform(5, 20)))
                where = rng.random()
                if where < size.citywide_share:
                    runs: list[str] = []
                    p["clusters"] = []
                elif where < size.citywide_share + size.all_share:
                    runs = own
                    p["clusters"] = "all" if size.municipalities == 1 else list(own)
                else:
                    count = int(rng.integers(1, max(2, len(own) // 2)))
                    runs = sorted(rng.choice(own, size=count, replace=False).tolist())
                    p["clusters"] = runs
                low, high = YOUTH_RANGE[component]
                youth = _nice(float(rng.uniform(low, high))) if high else 0.0
                if youth and runs and rng.random() < size.youth_map_share:
                    p["youth_per_unit"] = {
                        c: _nice(youth * float(rng.uniform(0.5, 1.5))) for c in runs
                    }
                else:
                    p["youth_per_unit"] = youth
                # Capacity: what the running organisation can deliver in a year.
                reach_cap = sum(pop[c] for c in runs) / youth if youth and runs else math.inf
                cap = min(float(rng.uniform(20, 200)) * max(1, len(runs)) ** 0.5, reach_cap)
                cap = max(math.floor(cap) if integer else _nice(cap), 1.0)
                p["max_units"] = float(cap)
                if integer:
                    p["integer"] = True
                if rng.random() < 0.04 and "fixed_cost" not in p:
                    p["mandatory"] = True
                    p["min_units"] = float(max(1, math.floor(cap * 0.1)))
                outputs = {dept["metric"]: _nice(float(rng.uniform(0.5, 3.0)))}
                if component == "interruption":
                    outputs["mediations"] = _nice(float(rng.uniform(5, 40)))
                p["outputs"] = outputs
                if rng.random() < 0.10 and "mandatory" not in p and n_dep > 1:
                    other = departments[int(rng.integers(0, n_dep))]["id"]
                    if other != dept["id"]:
                        share = float(rng.choice([0.5, 0.6, 0.7, 0.75, 0.8]))
                        p["cofunding"] = {dept["id"]: share, other: round(1 - share, 2)}
                out.append(p)
        return out

    # ---------------------------------------------------------------- money and targets
    def scenario(self) -> dict[str, Any]:
        size = self.size
        departments = self.departments()
        clusters = self.clusters()
        programmes = self.programmes(departments, clusters)
        capacity_spend = {d["id"]: 0.0 for d in departments}
        for p in programmes:
            full = p["unit_cost"] * p["max_units"] + p.get("fixed_cost", 0.0)
            for dep, share in (p.get("cofunding") or {p["department"]: 1.0}).items():
                capacity_spend[dep] += share * full
        # The total buys about a quarter of everything on offer: the budget binds.
        total = _nice(0.25 * sum(capacity_spend.values()), 3)
        dept_data: list[dict[str, Any]] = []
        for j, d in enumerate(departments):
            envelope = _nice(0.35 * capacity_spend[d["id"]], 3)
            entry: dict[str, Any] = {"id": d["id"], "name": d["name"], "budget": envelope}
            if j % 3 == 0:
                entry["min_spend"] = _nice(0.1 * envelope, 2)
            entry["goals"] = self._goals(j, d, programmes, clusters, envelope)
            dept_data.append(entry)
        prioritized = [c["id"] for c in clusters if c["prioritized"]]
        youth_capacity = sum(
            p["max_units"] * p["youth_per_unit"]
            for p in programmes
            if isinstance(p["youth_per_unit"], float) and p["clusters"]
        )
        targets: list[dict[str, Any]] = [
            {
                "id": "reach-5pct",
                "name": "Reach 5% of the youth of each prioritized cluster",
                "kind": "youth_reach",
                "share": 0.05,
                "priority": 1,
                "weight": 2,
            },
            {
                "id": "interruption-and-prevention",
                "kind": "component_presence",
                "components": ["interruption", "prevention"],
                "priority": 1,
            },
            {
                "id": "prevention-15pct",
                "kind": "spend_share",
                "components": ["prevention"],
                "at_least": 0.15,
                "priority": 2,
            },
            {
                "id": "youth-total",
                "kind": "metric",
                "metric": "youth",
                "at_least": _nice(0.2 * youth_capacity, 3),
                "priority": 2,
            },
            {
                "id": "safe-environments-cap",
                "kind": "spend_share",
                "components": ["safe_environments"],
                "at_most": 0.3,
                "priority": 3,
            },
            {
                "id": "mediations-floor",
                "kind": "metric",
                "metric": "mediations",
                "at_least": self._affordable(programmes, "mediations", 0.02 * total),
                "hard": True,
            },
        ]
        if size.municipalities == 1:
            targets.append(
                {
                    "id": "prioritized-presence-3",
                    "kind": "component_presence",
                    "clusters": prioritized[:3],
                    "at_least_units": 2,
                    "priority": 3,
                }
            )
        return {
            "scenario": {
                "id": f"bench-{size.name}",
                "name": f"Synthetic benchmark scenario ({size.name})",
                "year": 2024,
                "currency": "COP millions",
                "language": "en",
                "notes": f"Generated by benchmarks/generate.py ({size.name}); illustrative only.",
            },
            "budget": {"total": total},
            "objective": "maximize_weighted_reach",
            "clusters": clusters,
            "departments": dept_data,
            "programmes": programmes,
            "targets": targets,
        }

    def _goals(
        self,
        j: int,
        d: dict[str, Any],
        programmes: list[dict[str, Any]],
        clusters: list[dict[str, Any]],
        envelope: float,
    ) -> list[dict[str, Any]]:
        mine = [p for p in programmes if d["id"] in (p.get("cofunding") or {p["department"]: 1})]
        goals: list[dict[str, Any]] = [
            {
                "id": f"{d['id']}-output",
                "kind": "metric",
                "metric": d["metric"],
                "at_least": self._affordable(mine, d["metric"], 0.5 * envelope),
                "priority": 1 + j % 3,
            },
        ]
        in_clusters = sorted(
            {c for p in mine if isinstance(p["clusters"], list) for c in p["clusters"]}
        )
        if j % 4 == 1 and in_clusters:
            goals.append(
                {
                    "id": f"{d['id']}-focus",
                    "kind": "spend_share",
                    "clusters": in_clusters[:20],
                    "at_least": 0.3,
                    "priority": 2,
                }
            )
        if j % 4 == 2:
            youth_clusters = sorted(
                {
                    c
                    for p in mine
                    if isinstance(p["clusters"], list) and p["youth_per_unit"]
                    for c in p["clusters"]
                }
            )
            if youth_clusters:
                goals.append(
                    {
                        "id": f"{d['id']}-reach",
                        "kind": "youth_reach",
                        "clusters": youth_clusters[:5],
                        "at_least": 50,
                        "priority": 3,
                    }
                )
        if j % 4 == 3:
            comp = mine[0]["component"]
            goals.append(
                {
                    "id": f"{d['id']}-presence",
                    "kind": "component_presence",
                    "components": [comp],
                    "priority": 2,
                    "weight": 0.5,
                }
            )
        return goals

    @staticmethod
    def _affordable(programmes: list[dict[str, Any]], metric: str, money: float) -> float:
        """Half of what `money` buys of `metric` at the cheapest producers (so that the
        goal is reachable but not free)."""
        producers = sorted(
            (p["unit_cost"] / p["outputs"][metric], i)
            for i, p in enumerate(programmes)
            if p["outputs"].get(metric) and "fixed_cost" not in p
        )
        amount = 0.0
        for _, i in producers:
            p = programmes[i]
            units = min(money / p["unit_cost"], p["max_units"])
            if p.get("integer"):
                units = math.floor(units)
            amount += units * p["outputs"][metric]
            money -= units * p["unit_cost"]
            if money <= 0:
                break
        return _nice(max(0.5 * amount, 1.0), 2)


def generate(size: str, seed: int = 0) -> dict[str, Any]:
    """The plain data of one synthetic scenario (clusters and programmes inline)."""
    return _Generator(SIZES[size], seed).scenario()


# --------------------------------------------------------------------------- writing
def _yaml_text(data: dict[str, Any]) -> str:
    # Short mappings and lists inline, the rest as blocks; keys in a reader's order; no
    # wrapped flow lines.
    text: str = yaml.safe_dump(
        data, default_flow_style=None, sort_keys=False, width=4096, allow_unicode=True
    )
    return text


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else ""
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else repr(value)
    return str(value)


def _programmes_csv(programmes: list[dict[str, Any]]) -> str:
    metrics = sorted({m for p in programmes for m in p["outputs"]})
    funders = sorted({d for p in programmes for d in p.get("cofunding") or {}})
    plain = [
        "id",
        "name",
        "department",
        "component",
        "unit",
        "unit_cost",
        "fixed_cost",
        "min_units",
        "max_units",
        "integer",
        "mandatory",
        "clusters",
        "youth_per_unit",
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(plain + [f"output:{m}" for m in metrics] + [f"cofunding:{d}" for d in funders])
    for p in programmes:
        row = []
        for key in plain:
            value = p.get(key, "")
            if key == "clusters":
                value = value if isinstance(value, str) else ";".join(value)
            elif key == "youth_per_unit" and isinstance(value, dict):
                value = ";".join(f"{c}:{_cell(v)}" for c, v in value.items())
            row.append(_cell(value))
        row += [_cell(p["outputs"].get(m, "")) for m in metrics]
        row += [_cell((p.get("cofunding") or {}).get(d, "")) for d in funders]
        writer.writerow(row)
    return buffer.getvalue()


def _clusters_csv(clusters: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = ["id", "name", "youth_population", "weight", "prioritized"]
    writer.writerow(columns)
    for c in clusters:
        writer.writerow(
            [_cell(c[k]) if k != "prioritized" else ("true" if c[k] else "false") for k in columns]
        )
    return buffer.getvalue()


def write(size: str, folder: Path, seed: int = 0) -> Path:
    """Write one size's scenario into `folder`; returns the YAML file's path."""
    data = generate(size, seed)
    folder.mkdir(parents=True, exist_ok=True)
    header = f"# Synthetic benchmark scenario '{size}' (seed {seed}); see benchmarks/generate.py.\n"
    if SIZES[size].tables:
        (folder / "programmes.csv").write_text(
            _programmes_csv(data.pop("programmes")), encoding="utf-8"
        )
        (folder / "clusters.csv").write_text(_clusters_csv(data.pop("clusters")), encoding="utf-8")
        tables = {"programmes": "programmes.csv", "clusters": "clusters.csv"}
        head = {k: data.pop(k) for k in ("scenario", "budget", "objective")}
        data = {**head, "tables": tables, **data}
    path = folder / "scenario.yaml"
    path.write_text(header + _yaml_text(data), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write <size>/scenario.yaml into")
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for size in args.sizes:
        path = write(size, args.out / size, args.seed)
        print(path)


if __name__ == "__main__":
    main()
