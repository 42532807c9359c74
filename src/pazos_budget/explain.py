"""Why a programme got the units it got: plain reasons for the department sheets.

No solver calls: every reason is read from the verified `Result` and its `Scenario`. For
each programme the question is "why not one unit more?", answered in this order:

1. it reached its `max_units` (fully funded), or the top of its `max_change` band (one
   more whole unit, for an integer programme, would pass it);
2. it already reaches every young person in the clusters where it can run, or, in each of
   them, it is at its `max_units_per_cluster` or reaches every young person there;
3. nothing values more of it: no target, goal or the final objective asks for what it
   produces (`not_needed`), or everything it serves is already met and the clusters where
   it reaches youth are fully covered (`needs_met`);
4. the money that could pay for it is used up: a funding department's envelope, the total
   budget (for an integer programme: less is left than one more unit costs; for one not
   funded: less than starting it costs);
5. one more unit would break a spend-share target (a cap it is inside of, or a floor it is
   outside of);
6. other programmes buy the same results cheaper (the cheapest funded one that could take
   more is named when there is one: not one at its `max_units` or at the top of its
   `max_change` band, nor, for a result in a cluster, one at its `max_units_per_cluster`
   there or already reaching every young person there).

Reasons 4 to 6 can hold together ("the total budget is used up, and X reaches young people
in Rozo for less"). A programme funded at exactly its `min_units`, or at the bottom of
its `max_change` band (one whole unit less would pass it), also says so.

`Reason.code` gives short codes in the words of `result.limits_of` (`max_units`,
`department_budget:<id>`, `total_budget`, `population`, `cheaper_alternatives`) plus
`max_change`, `max_units_per_cluster`, `not_needed`, `needs_met`, `spend_share:<target>`,
`at_minimum` and `at_change_floor`; `limit_codes` gives
them for every programme.

Cost: one pass over programmes x targets (through the clusters each programme runs in),
so that a scenario of 30,000 programmes and clusters is explained in seconds.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from enum import StrEnum
from itertools import combinations

import numpy as np

from .cells import FloatArray, IntArray, cells
from .result import ProgrammeResult, Result, TargetResult, within
from .scenario import (
    YOUTH_METRIC,
    ComponentPresenceTarget,
    MetricTarget,
    Objective,
    Programme,
    Scenario,
    SpendShareTarget,
    Target,
    YouthReachTarget,
)
from .tolerances import CHEAPER_MARGIN, CHECK_TOLERANCE, SLIVER

#: Prefix of a spend-share target among the envelopes a programme is short of (`short`).
_SHARE = "%share:"


class Funding(StrEnum):
    """How far a programme was funded."""

    FULL = "full"  # reached its max_units
    PARTIAL = "partial"  # funded, below its max_units
    OPEN = "open"  # funded; it sets no max_units
    NONE = "none"  # not funded


class Why(StrEnum):
    MAX_UNITS = "max_units"
    POPULATION = "population"
    NOT_NEEDED = "not_needed"
    NEEDS_MET = "needs_met"
    DEPARTMENT_BUDGET = "department_budget"
    TOTAL_BUDGET = "total_budget"
    SPEND_SHARE = "spend_share"
    CHEAPER = "cheaper_alternatives"
    AT_MINIMUM = "at_minimum"
    MAX_CHANGE = "max_change"  # at the top of its max_change band
    CLUSTER_CAPS = "max_units_per_cluster"  # every cluster where it runs is full
    AT_CHANGE_FLOOR = "at_change_floor"  # at the bottom of its max_change band


class MeasureKind(StrEnum):
    """What one unit of a programme buys toward a target row or the objective."""

    YOUTH = "youth"  # young people reached in a cluster (or city-wide)
    METRIC = "metric"  # an output such as mediations
    PRESENCE = "presence"  # a unit of a component delivered in a cluster
    SPEND = "spend"  # money in the scope of a spend-share floor


@dataclass(frozen=True)
class Measure:
    kind: MeasureKind
    cluster: str | None = None
    metric: str | None = None
    component: str | None = None


@dataclass(frozen=True)
class Contribution:
    """A unit of a programme counts toward one row of a target (or the objective)."""

    measure: Measure
    target: str | None  # target id; None = the final objective (weighted coverage)
    open: bool  # the row is not met (the cluster not fully covered): more would help


@dataclass(frozen=True)
class Reason:
    why: Why
    department: str | None = None  # DEPARTMENT_BUDGET
    target: str | None = None  # SPEND_SHARE: the target id
    at_most: bool = False  # SPEND_SHARE: the target is a cap (else a floor)
    left: float | None = None  # budget reasons: money left
    needed: float | None = None  # budget reasons: what one more unit (or a start) costs
    start: bool = False  # budget reasons: not funded; `needed` is what starting it costs
    alternative: str | None = None  # CHEAPER: programme id
    measure: Measure | None = None  # CHEAPER: the result compared
    own_cost: float | None = None  # CHEAPER: this programme's money per result
    alternative_cost: float | None = None  # CHEAPER: the alternative's money per result
    units: float | None = None  # MAX_UNITS / AT_MINIMUM / the max_change band: the limit
    current: float | None = None  # the max_change band: the programme's current units
    minimize_spend: bool = False  # NOT_NEEDED / NEEDS_MET: the objective minimizes spend
    reaches_youth: bool = True  # NEEDS_MET: it reaches youth in some cluster

    @property
    def code(self) -> str:
        """Short machine code, in the words of the JSON's `limited_by`."""
        if self.why == Why.DEPARTMENT_BUDGET:
            return f"{self.why.value}:{self.department}"
        if self.why == Why.SPEND_SHARE:
            return f"{self.why.value}:{self.target}"
        return self.why.value


@dataclass(frozen=True)
class Explanation:
    programme: str
    funding: Funding
    reasons: tuple[Reason, ...]
    serves: tuple[str, ...]  # ids of the targets and goals a unit of it counts toward

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]


# --------------------------------------------------------------------------- contributions
@dataclass(frozen=True)
class _TargetInfo:
    owner: str | None
    target: Target
    result: TargetResult
    departments: frozenset[str] | None  # scope; None = every department
    clusters: frozenset[str]  # the clusters of its rows (default: the prioritized ones)
    open_rows: frozenset[str]  # keys of rows not met


def target_contributions(
    s: Scenario, owner: str | None, t: Target, p: Programme
) -> Iterator[tuple[str, Measure]]:
    """(row key, measure) for every row of target `t` that a unit of `p` counts toward.

    Row keys are those of `result.RowResult.key`. A spend-share cap (`at_most`) is a limit,
    not something a programme serves, so it yields nothing.
    """
    depts = s.target_departments(owner, t)
    clusters = frozenset(t.clusters if t.clusters is not None else s.prioritized_cluster_ids)
    yield from _contributions(
        s, t, None if depts is None else frozenset(depts), clusters, p, s.programme_clusters(p)
    )


def _contributions(
    s: Scenario,
    t: Target,
    departments: frozenset[str] | None,
    clusters: frozenset[str],
    p: Programme,
    runs: list[str],
) -> Iterator[tuple[str, Measure]]:
    if departments is not None and departments.isdisjoint(p.funders()):
        return
    if t.components is not None and p.component not in t.components:
        return
    if isinstance(t, YouthReachTarget):
        for c in runs:
            if c in clusters and s.youth_per_unit(p, c) > 0:
                yield c, Measure(MeasureKind.YOUTH, cluster=c)
    elif isinstance(t, MetricTarget):
        yield from _metric_contributions(s, t, clusters, p, runs)
    elif isinstance(t, ComponentPresenceTarget):
        comp = p.component.value  # out of the target's components: returned above
        for c in runs:
            if c in clusters:
                yield f"{c}/{comp}", Measure(MeasureKind.PRESENCE, cluster=c, component=comp)
    elif (
        isinstance(t, SpendShareTarget)
        and t.at_most is None
        and (t.clusters is None or any(c in clusters for c in runs))
    ):
        yield "share", Measure(MeasureKind.SPEND)


def _metric_contributions(
    s: Scenario, t: MetricTarget, clusters: frozenset[str], p: Programme, runs: list[str]
) -> Iterator[tuple[str, Measure]]:
    """What a unit of `p` counts toward a metric target: youth per cluster, or the metric."""
    where: list[str | None] = list(runs) if runs else [None]
    if t.clusters is not None:
        where = [c for c in runs if c in clusters]
    if t.metric == YOUTH_METRIC:
        for w in where:
            if s.youth_per_unit(p, w) > 0:
                yield t.metric, Measure(MeasureKind.YOUTH, cluster=w)
    elif p.outputs.get(t.metric, 0.0) > 0 and where:
        yield t.metric, Measure(MeasureKind.METRIC, metric=t.metric)


def serves(s: Scenario, p: Programme) -> list[tuple[str | None, Target]]:
    """(owner, target) of every target and goal a unit of `p` counts toward."""
    return [
        (owner, t)
        for owner, t in s.all_targets()
        if next(target_contributions(s, owner, t, p), None) is not None
    ]


def cost_per(s: Scenario, p: Programme, m: Measure) -> float | None:
    """Money per unit of result (per young person, per mediation, per unit delivered)."""
    if m.kind == MeasureKind.YOUTH:
        per = s.youth_per_unit(p, m.cluster)
    elif m.kind == MeasureKind.METRIC:
        per = p.outputs.get(m.metric or "", 0.0)
    elif m.kind == MeasureKind.PRESENCE:
        per = 1.0 if p.component.value == m.component else 0.0
    else:
        return None
    return p.unit_cost / per if per > 0 else None


# --------------------------------------------------------------------------- explanation
class Explainer:
    """Explains every programme of one result; built once, it indexes what each funded
    programme buys so that the cheapest alternative is a look-up, not a search."""

    def __init__(self, result: Result) -> None:
        self.r = result
        self.s = s = result.scenario
        self.runs = {p.id: s.programme_clusters(p) for p in s.programmes}
        self.index = {p.id: i for i, p in enumerate(s.programmes)}
        self.clusters = {c.id: c for c in result.clusters}
        by_id = {t.id: t for t in result.targets}
        self.targets: list[_TargetInfo] = []
        for owner, t in s.all_targets():
            depts = s.target_departments(owner, t)
            tr = by_id[t.id]
            self.targets.append(
                _TargetInfo(
                    owner,
                    t,
                    tr,
                    None if depts is None else frozenset(depts),
                    frozenset(t.clusters if t.clusters is not None else s.prioritized_cluster_ids),
                    frozenset(r.key for r in tr.rows if not r.met),
                )
            )
        self.file_order = [info.target.id for info in self.targets]
        self.targets.sort(key=lambda info: info.target.priority)  # stable: file order within
        self.contributions = {p.id: self._contributions(p) for p in s.programmes}
        self.caps = {
            p.id: s.per_cluster(p, "max")
            for p in s.programmes
            if p.max_units_per_cluster is not None
        }
        # Only a programme that could take more is named as a cheaper alternative: `room`,
        # funded and at no bound of its total units; `short`, the funding departments whose
        # envelope cannot pay its next unit (it could take only money that a programme also
        # funded by them gives up).
        self.room = np.array(
            [
                pr.units > 0 and not _at_its_most(s, p, pr)
                for p, pr in zip(s.programmes, result.programmes, strict=True)
            ],
            dtype=bool,
        )
        self.dept_spend = {d.id: d.spend for d in result.departments}
        # A spend-share target that holds a programme back counts as one more "envelope":
        # it could take only money whose move keeps that share (`_may_give`).
        self.short = [
            frozenset(x.department or "" for x in self._short_envelopes(p, pr))
            | frozenset(
                _SHARE + (x.target or "") for x in self._binding_shares(p, _next_step(p, pr))
            )
            if room
            else frozenset()
            for p, pr, room in zip(s.programmes, result.programmes, self.room, strict=True)
        ]
        self._final_objective(result)
        # (target id, measure) -> the funded programmes that could buy more of it, cheapest
        # first, ties by id
        self.cheapest: dict[tuple[str | None, Measure], list[tuple[float, str]]] = {}
        for i, (p, pr) in enumerate(zip(s.programmes, result.programmes, strict=True)):
            if not self.room[i]:
                continue
            for c in self.contributions[p.id]:
                cost = cost_per(s, p, c.measure)
                if cost is not None and self._can_buy_more(p, pr, c.measure):
                    self.cheapest.setdefault((c.target, c.measure), []).append((cost, p.id))
        for best in self.cheapest.values():
            best.sort()

    def _can_buy_more(self, p: Programme, pr: ProgrammeResult, m: Measure) -> bool:
        """One more unit of `p` (at no bound of its total units) could go where it buys `m`:
        in `m`'s cluster, not one where it is full (`_cluster_full`); a result of no
        cluster, in some cluster where it runs (or it is city-wide)."""
        if m.cluster is not None:
            return not self._cluster_full(p, pr, m.cluster, youth=m.kind == MeasureKind.YOUTH)
        runs = self.runs[p.id]
        return not runs or not all(self._cluster_full(p, pr, c, youth=False) for c in runs)

    def _cluster_full(self, p: Programme, pr: ProgrammeResult, c: str, *, youth: bool) -> bool:
        """`p` can place no more units in cluster `c`: it is at its `max_units_per_cluster`
        there, or (`youth`: when the young people it reaches are what counts) it already
        reaches as many young people as live there."""
        units = pr.clusters.get(c, 0.0)
        cap = self.caps.get(p.id, {}).get(c)
        if cap is not None and within(units, cap):
            return True
        per = self.s.youth_per_unit(p, c)
        return youth and per > 0 and within(per * units, self.clusters[c].youth_population)

    def _contributions(self, p: Programme) -> list[Contribution]:
        """Every target row one more unit of `p` counts toward, in priority order (the
        final objective's clusters are `_final_objective`'s arrays)."""
        s, runs = self.s, self.runs[p.id]
        return [
            Contribution(measure, info.target.id, key in info.open_rows)
            for info in self.targets
            for key, measure in _contributions(
                s, info.target, info.departments, info.clusters, p, runs
            )
        ]

    def _final_objective(self, result: Result) -> None:
        """What one more unit of each programme buys toward the final objective (weighted
        coverage: youth in each cluster of weight > 0 where it runs and reaches youth), as
        arrays over the (programme, cluster) pairs: a Contribution object per pair is
        600,000 objects on a 3,000 x 200 scenario. Each programme's pairs keep the order
        of its clusters; the two cheapest funded programmes per cluster that could place one
        more unit there are kept, ties by id, as a sorted list of (cost, id) would, for each
        set of envelopes that are short for them (`short`)."""
        s = self.s
        pairs = cells(s)
        n_c = len(s.clusters)
        pops = np.array([c.youth_population for c in result.clusters], dtype=np.float64)
        weights = np.array([c.weight for c in result.clusters], dtype=np.float64)
        reached = np.array([c.youth_reached for c in result.clusters], dtype=np.float64)
        ypu, cl, prog = pairs.youth_per_unit, pairs.cluster, pairs.programme
        # `within(youth_per_unit * units, population)` for every pair (reason 2).
        index = {c.id: k for k, c in enumerate(s.clusters)}
        units = {
            i: {index[cid]: u for cid, u in pr.clusters.items()}
            for i, pr in enumerate(result.programmes)
        }
        allocated = pairs.at(units)
        youth = ypu * allocated
        self.pair_start = pairs.start
        self.pair_youth = ypu > 0
        self.pair_full = youth >= pops[cl] - CHECK_TOLERANCE * np.maximum(1.0, pops[cl])
        # Pairs where the programme could place one more unit: not at a bound of its total
        # units, nor at its per-cluster cap there, nor reaching every young person there.
        caps = {
            self.index[pid]: {index[cid]: cap for cid, cap in at.items()}
            for pid, at in self.caps.items()
        }
        capped = pairs.at({i: dict.fromkeys(at, 1.0) for i, at in caps.items()}) > 0
        cap = pairs.at(caps)
        integer = np.array([p.integer for p in s.programmes], dtype=bool)[prog]
        # an integer programme is at its cap when one more whole unit would pass it
        top = np.where(integer, np.floor(cap + CHECK_TOLERANCE * np.maximum(1.0, cap)), cap)
        capped &= allocated >= top - CHECK_TOLERANCE * np.maximum(1.0, top)
        self.pair_capped = capped
        room = self.room[prog] & ~capped & ~self.pair_full
        keep = np.zeros(len(ypu), dtype=bool)
        if s.objective == Objective.MAXIMIZE_WEIGHTED_REACH:
            keep = (weights[cl] > 0) & (ypu > 0)
        kept = np.flatnonzero(keep)
        self.final_start = np.searchsorted(kept, pairs.start)
        self.final_cluster = cl[kept]
        self.final_open = ~(reached >= pops * (1 - CHECK_TOLERANCE))[cl[kept]]
        cost = np.array([p.unit_cost for p in s.programmes], dtype=np.float64)
        self.final_cost = cost[prog[kept]] / ypu[kept]
        self.final_programme = prog[kept]
        ids = [p.id for p in s.programmes]
        self.rank = np.empty(len(ids), dtype=np.int64)
        self.rank[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))
        # short envelopes -> (best, best_cost) of the programmes short of just these:
        # best[k][c] is the (k+1)-th cheapest of them in cluster c (-1 for none)
        self.best: dict[frozenset[str], tuple[IntArray, FloatArray]] = {}
        f = np.flatnonzero(room[kept])
        group: dict[frozenset[str], int] = {}
        of = np.array([group.setdefault(b, len(group)) for b in self.short], dtype=np.int64)
        shorts = list(group)
        by_group = f[np.argsort(of[self.final_programme[f]], kind="stable")]
        g = of[self.final_programme[by_group]]
        for part in np.split(by_group, np.flatnonzero(g[1:] != g[:-1]) + 1):
            if len(part):
                self.best[shorts[of[self.final_programme[part[0]]]]] = self._two_cheapest(part, n_c)

    def _able(self, funders: Collection[str]) -> list[tuple[IntArray, FloatArray]]:
        """The groups of `best` that could take the money of a programme that may give
        up these (`_may_give`): those short of no envelope and held by no share but them."""
        if 2 ** len(funders) < len(self.best):
            subsets = (
                frozenset(c) for n in range(len(funders) + 1) for c in combinations(funders, n)
            )
            return [self.best[b] for b in subsets if b in self.best]
        return [v for b, v in self.best.items() if b.issubset(funders)]

    def _two_cheapest(self, f: IntArray, n_c: int) -> tuple[IntArray, FloatArray]:
        """best[k][c] and its money per young person: the (k+1)-th cheapest programme in
        cluster c among the final objective's pairs `f`, ties by id (-1, inf for none)."""
        order = f[
            np.lexsort(
                (self.rank[self.final_programme[f]], self.final_cost[f], self.final_cluster[f])
            )
        ]
        best = np.full((2, n_c), -1, dtype=np.int64)
        best_cost = np.full((2, n_c), np.inf)
        groups = self.final_cluster[order]
        first = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        for k in (0, 1):
            at = first + k
            ok = at < len(order)
            at = at[ok]
            ok[ok] = groups[at] == groups[first[ok]]
            at = (first + k)[ok]
            best[k, groups[at]] = self.final_programme[order[at]]
            best_cost[k, groups[at]] = self.final_cost[order[at]]
        return best, best_cost

    def served(self, p: Programme) -> tuple[str, ...]:
        """Ids of the targets a unit of `p` counts toward, in the scenario's order."""
        seen = {c.target for c in self.contributions[p.id]}
        return tuple(t for t in self.file_order if t in seen)

    # ----------------------------------------------------------------- one programme
    def explain(self, p: Programme, pr: ProgrammeResult) -> Explanation:
        served = self.served(p)
        u = pr.units
        if p.max_units is not None and u > 0 and _at_top(p, u, p.max_units):
            return Explanation(
                p.id, Funding.FULL, (Reason(Why.MAX_UNITS, units=p.max_units),), served
            )
        if u <= 0:
            funding = Funding.NONE
        elif p.max_units is None:
            funding = Funding.OPEN
        else:
            funding = Funding.PARTIAL
        band = self.s.change_bounds(p)
        if band is not None and _at_top(p, u, band[1]):
            most = _reachable(p, band[1], -1)
            reason = Reason(Why.MAX_CHANGE, units=most, current=p.current_units)
            return Explanation(p.id, funding, (reason,), served)
        reasons: list[Reason] = []
        if u > 0 and p.min_units > 0 and within(p.min_units, u):
            reasons.append(Reason(Why.AT_MINIMUM, units=p.min_units))
        elif u > 0 and band is not None and band[0] > p.min_units and _at_bottom(p, u, band[0]):
            least = _reachable(p, band[0], 1)
            reasons.append(Reason(Why.AT_CHANGE_FLOOR, units=least, current=p.current_units))
        reasons += self._why_not_more(p, pr)
        return Explanation(p.id, funding, tuple(reasons), served)

    def _why_not_more(self, p: Programme, pr: ProgrammeResult) -> list[Reason]:
        s, r = self.s, self.r
        i = self.index[p.id]
        lo, hi = int(self.pair_start[i]), int(self.pair_start[i + 1])
        youth = self.pair_youth[lo:hi]
        full = self.pair_full[lo:hi] & youth
        if youth.any() and full[youth].all():
            return [Reason(Why.POPULATION)]
        capped = self.pair_capped[lo:hi]
        if hi > lo and capped.any() and (capped | full).all():
            return [Reason(Why.CLUSTER_CAPS)]

        minimize = s.objective == Objective.MINIMIZE_SPEND
        contribs = self.contributions[p.id]
        f_lo, f_hi = int(self.final_start[i]), int(self.final_start[i + 1])
        if not contribs and f_lo == f_hi:
            return [Reason(Why.NOT_NEEDED, minimize_spend=minimize)]
        open_ = [c for c in contribs if c.open]
        if not open_ and not self.final_open[f_lo:f_hi].any():
            # Reaching no youth in a cluster (street lighting, a city-wide programme), it
            # has no cluster to cover: the reason says so rather than "covered".
            return [Reason(Why.NEEDS_MET, minimize_spend=minimize, reaches_youth=f_lo < f_hi)]

        reasons = self._short_envelopes(p, pr)
        step = _next_step(p, pr)
        start = pr.units <= 0
        tol = CHECK_TOLERANCE * max(1.0, r.budget)
        left = r.budget - r.spend
        if left < step - tol or left <= tol:
            reasons.append(Reason(Why.TOTAL_BUDGET, left=max(left, 0.0), needed=step, start=start))
        reasons += self._binding_shares(p, step)
        # An unmet target comes before the final objective (lexicographic order): when one
        # is open, cheaper youth elsewhere is not why the programme got no more.
        cheaper = self._cheaper_alternative(p, open_) if open_ else self._cheaper_in_a_cluster(p, i)
        if cheaper is not None or not reasons:
            reasons.append(cheaper or Reason(Why.CHEAPER))
        return reasons

    def _short_envelopes(self, p: Programme, pr: ProgrammeResult) -> list[Reason]:
        """The funding departments of `p` whose envelope has less left than their share of
        one more unit of it (or of starting it) costs."""
        step = _next_step(p, pr)
        tol = CHECK_TOLERANCE * max(1.0, self.r.budget)
        funders = p.funders()
        out = []
        for d in self.r.departments:
            share = funders.get(d.id, 0.0)
            if share > 0 and d.budget is not None:
                left = d.budget - d.spend
                if left < step * share - tol or left <= tol:
                    out.append(
                        Reason(
                            Why.DEPARTMENT_BUDGET,
                            department=d.id,
                            left=max(left, 0.0),
                            needed=step * share,
                            start=pr.units <= 0,
                        )
                    )
        return out

    def _may_give(self, p: Programme) -> frozenset[str]:
        """What the money `p` gives up keeps whole if another programme spends it: the
        envelopes of its funders, and each spend-share target whose share it would not
        move (a cap whose scope it is always inside; a floor it is always outside of)."""
        keys = set(p.funders())
        for info in self.targets:
            side = self._share_side(info, p)
            if side is not None:
                t, (always_in, always_out) = info.target, side[:2]
                assert isinstance(t, SpendShareTarget)
                if (t.at_most is not None and always_in) or (t.at_least is not None and always_out):
                    keys.add(_SHARE + t.id)
        return frozenset(keys)

    def _share_side(
        self, info: _TargetInfo, p: Programme
    ) -> tuple[bool, bool, float, float] | None:
        """For a spend-share target: whether the next unit of `p` always counts inside its
        scope, always outside it, the share's base and `p`'s part of that base; None for
        another target, or one whose base `p` does not add to."""
        t = info.target
        if not isinstance(t, SpendShareTarget) or not info.result.rows:
            return None
        funders = p.funders()
        if info.owner is not None and t.departments is None:
            base = self.dept_spend[info.owner]
            base_share = funders.get(info.owner, 0.0)
        else:
            base, base_share = self.r.spend, 1.0
        if base_share <= 0 or base <= 0:
            return None
        in_scope = (info.departments is None or not info.departments.isdisjoint(funders)) and (
            t.components is None or p.component in t.components
        )
        # Where the next unit's money counts: a programme that can run both inside and
        # outside a cluster-scoped target is held back by neither of its bounds.
        runs = self.runs[p.id]
        if t.clusters is None:
            always_in, always_out = in_scope, not in_scope
        else:
            inside = [c for c in runs if c in info.clusters]
            always_in = in_scope and bool(runs) and len(inside) == len(runs)
            always_out = not in_scope or not inside
        return always_in, always_out, base, base_share

    def _binding_shares(self, p: Programme, step: float) -> list[Reason]:
        """Spend-share targets that one more unit of `p` would push past their bound."""
        out: list[Reason] = []
        for info in self.targets:
            side = self._share_side(info, p)
            if side is None:
                continue
            t, row = info.target, info.result.rows[0]
            assert isinstance(t, SpendShareTarget)
            always_in, always_out, base, base_share = side
            # Binding: one more unit crosses the bound, or the share sits on the bound and
            # any more of `p` (a continuous programme's sliver) moves it the wrong way.
            spent_in = row.achieved * base
            new_base = base + step * base_share
            if t.at_most is not None and always_in:
                on_cap = t.at_most < 1 and row.achieved >= t.at_most * (1 - CHECK_TOLERANCE)
                if on_cap or (spent_in + step) / new_base > t.at_most * (1 + CHECK_TOLERANCE):
                    out.append(Reason(Why.SPEND_SHARE, target=t.id, at_most=True))
            elif t.at_least is not None and always_out:
                on_floor = t.at_least > 0 and row.achieved <= t.at_least * (1 + CHECK_TOLERANCE)
                if on_floor or spent_in / new_base < t.at_least * (1 - CHECK_TOLERANCE):
                    out.append(Reason(Why.SPEND_SHARE, target=t.id, at_most=False))
        return out

    def _cheaper_alternative(self, p: Programme, open_: list[Contribution]) -> Reason | None:
        """The funded programme that buys an open result of `p` for the least money, if
        cheaper than `p` and able to take `p`'s money (the first open result, in priority
        order, that has one)."""
        funders = self._may_give(p)
        for c in open_:
            own = cost_per(self.s, p, c.measure)
            if own is None:
                continue
            for cost, q in self.cheapest.get((c.target, c.measure), []):
                if cost >= own * (1 - CHEAPER_MARGIN):
                    break
                if q != p.id and self.short[self.index[q]].issubset(funders):
                    return Reason(
                        Why.CHEAPER,
                        alternative=q,
                        measure=c.measure,
                        own_cost=own,
                        alternative_cost=cost,
                    )
        return None

    def _cheaper_in_a_cluster(self, p: Programme, i: int) -> Reason | None:
        """`_cheaper_alternative` for the final objective: the first open cluster of `p`
        (in its clusters' order) where a funded programme reaches a young person for
        less; the cheapest of the cluster unless that is `p` itself, among the programmes
        that could take `p`'s money (short of no envelope but those funding `p`)."""
        lo, hi = int(self.final_start[i]), int(self.final_start[i + 1])
        open_ = lo + np.flatnonzero(self.final_open[lo:hi])
        if not len(open_):
            return None
        c = self.final_cluster[open_]
        own = self.final_cost[open_]
        funders = self._may_give(self.s.programmes[i])
        alt = np.full(len(c), -1, dtype=np.int64)
        alt_cost = np.full(len(c), np.inf)
        for best, best_cost in self._able(funders):
            mine = best[0, c] == i
            a = np.where(mine, best[1, c], best[0, c])
            a_cost = np.where(mine, best_cost[1, c], best_cost[0, c])
            tie = (a_cost == alt_cost) & (self.rank[a] < self.rank[alt])
            better = (a >= 0) & ((a_cost < alt_cost) | tie)
            alt = np.where(better, a, alt)
            alt_cost = np.where(better, a_cost, alt_cost)
        cheaper = np.flatnonzero((alt >= 0) & (alt_cost < own * (1 - CHEAPER_MARGIN)))
        if not len(cheaper):
            return None
        k = int(cheaper[0])
        return Reason(
            Why.CHEAPER,
            alternative=self.s.programmes[int(alt[k])].id,
            measure=Measure(MeasureKind.YOUTH, cluster=self.s.clusters[int(c[k])].id),
            own_cost=float(own[k]),
            alternative_cost=float(alt_cost[k]),
        )


def _at_its_most(s: Scenario, p: Programme, pr: ProgrammeResult) -> bool:
    """The programme can take no more units anywhere: it is at its `max_units` or at the
    top of its `max_change` band."""
    if p.max_units is not None and _at_top(p, pr.units, p.max_units):
        return True
    band = s.change_bounds(p)
    return band is not None and _at_top(p, pr.units, band[1])


def _at_top(p: Programme, units: float, most: float) -> bool:
    """`units` is at the bound `most`: one more whole unit (for an integer programme) would
    pass it, or (for a continuous one) it is there."""
    return not within(units + 1.0, most, at_most=True) if p.integer else within(units, most)


def _reachable(p: Programme, bound: float, side: int) -> float:
    """The bound as units can meet it: for an integer programme the whole number inside it
    (`side` -1: at most `bound`, 1: at least), within the check tolerance."""
    if not p.integer:
        return bound
    slack = CHECK_TOLERANCE * max(1.0, abs(bound))
    return float(math.floor(bound + slack) if side < 0 else math.ceil(bound - slack))


def _at_bottom(p: Programme, units: float, least: float) -> bool:
    """`units` is at the bound `least`: one whole unit less (for an integer programme)
    would pass it, or (for a continuous one) it is there."""
    return not within(units - 1.0, least) if p.integer else within(least, units)


def _next_step(p: Programme, pr: ProgrammeResult) -> float:
    """Money one more unit needs: a whole unit for an integer programme (plus the fixed
    cost and the minimum when starting it); a sliver for a continuous one."""
    if pr.units <= 0:
        units = max(p.min_units, 1.0 if p.integer else 0.0)
        start = p.fixed_cost + units * p.unit_cost
        return start if start > 0 else p.unit_cost * SLIVER
    return p.unit_cost if p.integer else p.unit_cost * SLIVER


def explain(result: Result) -> dict[str, Explanation]:
    """Programme id -> its explanation, for every programme of the scenario."""
    ex = Explainer(result)
    return {
        p.id: ex.explain(p, pr)
        for p, pr in zip(result.scenario.programmes, result.programmes, strict=True)
    }


def limit_codes(result: Result) -> dict[str, list[str]]:
    """Programme id -> reason codes: a drop-in for `result.limits_of`."""
    return {pid: e.codes for pid, e in explain(result).items()}


# --------------------------------------------------------------------------- clusters
#: How many clusters the "one more million in ..." sentence names.
MARGINAL_CLUSTERS = 3
#: Money units whose "one" is a million (the sentence says "one more million").
MILLION_UNITS = frozenset({"COP millions", "millones de COP", "millions", "millones"})


def top_marginal_clusters(result: Result, n: int = MARGINAL_CLUSTERS) -> list[tuple[str, float]]:
    """(cluster name, distinct youth one more unit of money reaches there) for the `n`
    clusters where that is highest (`clusters[].marginal_youth_per_money`), ties by name.

    The prioritized clusters are the ones the strategy focuses on, so the sentence names
    them; the others only when no prioritized cluster gains from more money. Clusters
    where it is 0 are left out.
    """
    gaining = [c for c in result.clusters if c.marginal_youth_per_money > 0]
    pool = [c for c in gaining if c.prioritized] or gaining
    ranked = sorted(pool, key=lambda c: (-c.marginal_youth_per_money, c.name))
    return [(c.name, c.marginal_youth_per_money) for c in ranked[:n]]
