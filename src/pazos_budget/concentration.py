"""Why a programme's units sit (nearly) all in one cluster: computed causes for the
department sheets.

A department head shown 159 of 160 murals in one corregimiento asks "why there?". A
programme is *concentrated* when it can run in several clusters, has units to spread,
and at least `CONCENTRATED_SHARE` of them are in one cluster. The causes are read from
the verified `Result`, with the reach curve the figures use (no solver call), comparing
that cluster with each other cluster where the programme could run:

- `cap`: elsewhere it is at a per-cluster cap (`max_units_per_cluster`, or already as
  many youth as live there);
- `no_youth`: elsewhere a unit reaches nobody, there it does;
- `target`: targets or goals count its units there and not in (some of) the others;
- `weights`: the cluster weighs more in the final objective than the best alternative;
- `costs`: a young person reached costs less there (more youth per unit);
- `curve`: the best alternative's youth are already more reached, so a unit there adds
  fewer new young people (diminishing returns);
- `tie`: elsewhere one more unit would reach as many youth per unit of money: the plan's
  fixed tie-break rule picks the cluster;
- `indifferent`: where its units go changes no target and no reach (the tie-break rule
  picks; a per-cluster cap would spread them).

The value of one more unit of the programme in cluster c is `weight_c x slope_c x
youth_per_unit[p,c]`, slope_c the curve's slope at the cluster's participations (left
slope in the concentrated cluster, right slope elsewhere); the factors favouring the
concentrated cluster against the best alternative are the named causes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from .explain import target_contributions
from .reach import right_slope
from .result import ClusterResult, ProgrammeResult, Result
from .scenario import Objective, Programme, Scenario, SpendShareTarget
from .tolerances import CHECK_TOLERANCE, JUST_BELOW, TIE_MARGIN

#: A programme with at least this share of its units in one cluster is concentrated.
CONCENTRATED_SHARE = 0.9


class Cause(StrEnum):
    CAP = "cap"
    NO_YOUTH = "no_youth"
    TARGET = "target"
    WEIGHTS = "weights"
    COSTS = "costs"
    CURVE = "curve"
    TIE = "tie"
    INDIFFERENT = "indifferent"


#: Causes that say something about the scenario's data (not only the tie-break rule).
DATA_CAUSES = frozenset(Cause) - {Cause.TIE, Cause.INDIFFERENT}


@dataclass(frozen=True)
class Concentration:
    programme: str
    cluster: str  # where the units are
    share: float  # of the programme's units
    causes: tuple[Cause, ...]
    other: str | None = None  # the best alternative cluster compared with
    capped: tuple[str, ...] = ()  # CAP: clusters where it is at a cap
    targets: tuple[str, ...] = ()  # TARGET: target ids
    # the compared figures (WEIGHTS, COSTS, CURVE): here and in `other`
    weight: tuple[float, float] = (0.0, 0.0)
    cost_per_youth: tuple[float, float] = (0.0, 0.0)
    coverage: tuple[float, float] = (0.0, 0.0)


def concentrations(result: Result) -> dict[str, Concentration]:
    """Programme id -> why its units are in one cluster, for every concentrated one."""
    s = result.scenario
    clusters = {c.id: c for c in result.clusters}
    out = {}
    for p, pr in zip(s.programmes, result.programmes, strict=True):
        found = _concentration(s, result, clusters, p, pr)
        if found is not None:
            out[p.id] = found
    return out


def concentrated_cluster(s: Scenario, p: Programme, pr: ProgrammeResult) -> str | None:
    """The cluster holding at least CONCENTRATED_SHARE of the units of a programme that
    could spread them (several clusters; more than one whole unit if integer)."""
    runs = s.programme_clusters(p)
    if len(runs) < 2 or pr.units <= 0 or (p.integer and pr.units < 2 - CHECK_TOLERANCE):
        return None
    top, units = max(pr.clusters.items(), key=lambda kv: (kv[1], kv[0]), default=("", 0.0))
    return top if units >= CONCENTRATED_SHARE * pr.units * (1 - CHECK_TOLERANCE) else None


def _concentration(
    s: Scenario, r: Result, clusters: dict[str, ClusterResult], p: Programme, pr: ProgrammeResult
) -> Concentration | None:
    top = concentrated_cluster(s, p, pr)
    if top is None:
        return None
    others = [c for c in s.programme_clusters(p) if c != top]
    causes: list[Cause] = []
    caps = s.per_cluster(p, "max")

    def at_cap(c: str) -> bool:
        units, per = pr.clusters.get(c, 0.0), s.youth_per_unit(p, c)
        if c in caps and units >= caps[c] * (1 - CHECK_TOLERANCE):
            return True
        return per > 0 and per * units >= clusters[c].youth_population * (1 - CHECK_TOLERANCE)

    capped = tuple(c for c in others if at_cap(c))
    if capped:
        causes.append(Cause.CAP)
    free = [c for c in others if c not in capped]
    here = s.youth_per_unit(p, top)
    reaching = [c for c in free if s.youth_per_unit(p, c) > 0]
    if here > 0 and len(reaching) < len(free):
        causes.append(Cause.NO_YOUTH)
    if reaching and here > max(s.youth_per_unit(p, c) for c in reaching) * (1 + TIE_MARGIN):
        causes.append(Cause.COSTS)
    pulling = tuple(_pulling_targets(s, r, p, top, free))
    if pulling:
        causes.append(Cause.TARGET)
    found = Concentration(
        p.id, top, pr.clusters[top] / pr.units, (), capped=capped, targets=pulling
    )
    weighted = s.objective != Objective.MINIMIZE_SPEND
    if here > 0 and reaching:
        c_top = clusters[top]

        def value(c: ClusterResult, slope: float) -> float:
            return (c.weight if weighted else 1.0) * slope * s.youth_per_unit(p, c.id)

        best = max(reaching, key=lambda c: (value(clusters[c], _slope(s, clusters[c])), c))
        c_best = clusters[best]
        top_slope, best_slope = _left_slope(s, c_top), _slope(s, c_best)
        found = replace(
            found,
            other=best,
            weight=(c_top.weight, c_best.weight),
            cost_per_youth=(p.unit_cost / here, p.unit_cost / s.youth_per_unit(p, best)),
            coverage=(c_top.coverage, c_best.coverage),
        )
        if not causes and _interchangeable(s, r, p, top, reaching):
            causes.append(Cause.TIE)
        if not causes:
            if weighted and c_top.weight > c_best.weight * (1 + TIE_MARGIN):
                causes.append(Cause.WEIGHTS)
            if top_slope > best_slope * (1 + TIE_MARGIN):
                causes.append(Cause.CURVE)
    if not causes:
        causes.append(Cause.TIE if here > 0 else Cause.INDIFFERENT)
    return replace(found, causes=tuple(causes))


def _interchangeable(s: Scenario, r: Result, p: Programme, top: str, reaching: list[str]) -> bool:
    """Another funded programme reaches youth both in `top` and in a cluster where `p`
    could go, and has units there: the two could trade clusters, keeping every cluster's
    participations, spend and reach; which serves which cluster is a tie."""
    for q, qr in zip(s.programmes, r.programmes, strict=True):
        if q.id == p.id or qr.units <= 0 or s.youth_per_unit(q, top) <= 0:
            continue
        if top not in s.programme_clusters(q):
            continue
        if any(qr.clusters.get(c, 0.0) > 0 and s.youth_per_unit(q, c) > 0 for c in reaching):
            return True
    return False


def _slope(s: Scenario, c: ClusterResult) -> float:
    return right_slope(c.participations, c.youth_population, s.reach_model)


def _left_slope(s: Scenario, c: ClusterResult) -> float:
    """The curve's slope just below the cluster's participations (what the last unit
    there bought)."""
    below = max(c.participations * (1 - JUST_BELOW) - JUST_BELOW, 0.0)
    return right_slope(below, c.youth_population, s.reach_model)


def _pulling_targets(
    s: Scenario, r: Result, p: Programme, top: str, others: list[str]
) -> list[str]:
    """Targets and goals that need `p`'s units in `top`: a row there (or a scope of
    clusters with it) that is unmet or just met, and that does not count them in some other
    cluster where they could go."""
    results = {t.id: t for t in r.targets}
    out = []
    for owner, t in s.all_targets():
        if isinstance(t, SpendShareTarget) and t.at_most is not None:
            continue
        where: set[str] = set()
        keys: set[str] = set()
        for key, measure in target_contributions(s, owner, t, p):
            if measure.cluster is not None:
                where.add(measure.cluster)
                if measure.cluster == top:
                    keys.add(key)
            elif t.clusters is not None:
                where |= set(t.clusters)
                keys.add(key)
            else:
                where |= {top, *others}  # counts wherever it runs: no pull
        if top not in where or all(c in where for c in others):
            continue
        tight = [
            row
            for row in results[t.id].rows
            if row.key in keys and (not row.met or row.achieved <= row.required * (1 + TIE_MARGIN))
        ]
        if tight:
            out.append(t.id)
    return out
