"""Scenario to linear/integer model, as arrays. No I/O and no solver calls here.

The model follows docs/model.md: the model. Columns are, in order:
  x[p,c]  units of programme p in cluster c (one column for a city-wide programme),
  y[p]    binary "programme funded", only where needed (fixed cost, or min_units on a
          programme that is not mandatory; fixed to 1 when mandatory),
  P, d    participations and distinct youth of a youth_reach row under
          `reach_model: distinct` (d bounded by the curve's chords, reach.py),
  s[r]    shortfall of soft target row r,
  P, cov  participations and distinct youth of each cluster (the final stages; under
          `participations` only cov, with cov <= reach and cov <= population),
  m       the lowest coverage (objective `maximize_min_coverage` only),
  e[k]    elastic violation of hard commitment k (diagnosis models only).
Rows are built as COO triplets with numpy and handed over as one CSR matrix.

The builder is vectorized over "cells" (one per x column): every family of rows is a
mask over the cell table, so a million-variable model is built without a Python loop
per variable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from .reach import CURVE_CEILING, ReachModel, chords
from .scenario import (
    ALL_CLUSTERS,
    COMPONENT_IDS,
    YOUTH_METRIC,
    ComponentPresenceTarget,
    MetricTarget,
    Objective,
    Scenario,
    SpendShareTarget,
    Target,
    YouthReachTarget,
)
from .tolerances import (
    CHORD_AT_CAP,
    FLOAT_ROUNDING,
    HOLD_ABSOLUTE_TOLERANCE,
    HOLD_RELATIVE_TOLERANCE,
    MIN_SCALE,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: In a diagnosis model, a budget may be found short by at most this factor (of the largest
#: of the total budget, the summed envelopes and the summed minimum spends and costs, each
#: by its size: a review's rest of the year has budgets already overspent, below 0).
ELASTIC_BUDGET_FACTOR = 10.0

#: Branch-and-bound nodes of the spend tie-break of an integer model (`_Builder._stages`).
TIE_BREAK_NODES = 200

#: The distinct-youth curve's chords for a population of 1 (reach.py), as arrays.
CHORDS_A = np.array([a for a, _ in chords()])
CHORDS_B = np.array([b for _, b in chords()])


class Sense(StrEnum):
    MIN = "min"
    MAX = "max"


class ColKind(StrEnum):
    X = "x"
    Y = "y"
    SHORTFALL = "s"
    COVERAGE = "cov"
    PARTICIPATIONS = "P"
    DISTINCT = "d"
    MIN_COVERAGE = "m"
    ELASTIC = "e"
    INDICATOR = "z"


class CommitmentKind(StrEnum):
    """Hard commitments that a diagnosis (elastic) model lets give."""

    TOTAL_BUDGET = "total_budget"
    DEPARTMENT_BUDGET = "department_budget"
    DEPARTMENT_MIN_SPEND = "department_min_spend"
    MANDATORY_MIN_UNITS = "mandatory_min_units"
    HARD_TARGET = "hard_target"
    MAX_CHANGE = "max_change"


#: When several smallest sets of commitments could give, a diagnosis prefers to let give
#: the lower ranks: hard targets first (it then says what the money can reach), then
#: budgets (it says how much money is missing), then promises about programmes (minimum
#: spends, mandatory minimum units, the maximum change from current units), which a
#: missing amount of money explains better than an arbitrary cut of one of several
#: promises. Ties are left to the smallest relative changes. Every kind needs a rank.
GIVE_PREFERENCE: dict[CommitmentKind, int] = {
    CommitmentKind.HARD_TARGET: 1,
    CommitmentKind.TOTAL_BUDGET: 2,
    CommitmentKind.DEPARTMENT_BUDGET: 2,
    CommitmentKind.DEPARTMENT_MIN_SPEND: 3,
    CommitmentKind.MANDATORY_MIN_UNITS: 3,
    CommitmentKind.MAX_CHANGE: 3,
}


@dataclass(frozen=True)
class TargetRow:
    """One row of a target (docs/model.md: targets) and where it sits in the model."""

    target: int  # index into Model.targets
    key: str  # cluster id, "cluster/component", metric name or "share"
    at_most: bool  # sense: lhs <= rhs (spend_share at_most) else lhs >= rhs
    rhs: float  # required amount (0 for spend-share rows, whose lhs folds the share in)
    scale: float  # divides the shortfall to make it relative
    row: int  # row index in the matrix
    shortfall_col: int  # column of s (-1 for a hard row)


@dataclass(frozen=True)
class TargetInfo:
    id: str
    owner: str | None  # None = PAZOS, else department id
    target: Target
    rows: tuple[int, ...]  # indices into Model.target_rows


@dataclass(frozen=True)
class Stage:
    """One lexicographic stage: an objective over the columns."""

    label: str  # "priority 1", ..., "final", "tie-break"
    priority: int | None  # the priority number, None for final / tie-break stages
    sense: Sense
    cost: FloatArray  # dense objective vector, one entry per column
    reported: bool = True  # tie-break stages are not part of the contract's `stages`
    final: str | None = None  # the objective a final stage optimizes (Objective value)
    # Solve with the integer columns fixed at the previous stage's values (the last
    # tie-break of an integer model: see `_Builder._stages`).
    fix_integers: bool = False
    # Stop a MIP stage after this many branch-and-bound nodes (HiGHS; a deterministic
    # limit, unlike time), keeping the best plan found: the spend tie-break only.
    node_limit: int | None = None
    # The stage improves the plan it starts from rather than looking for a first one
    # (the spend tie-break): HiGHS's RENS, a search for a first plan around the root's
    # relaxation, is off for it (it took 60% of the stage's time on Palmira).
    from_start: bool = False


@dataclass(frozen=True)
class Commitment:
    """A hard commitment made elastic in a diagnosis model."""

    kind: CommitmentKind
    subject: str  # department / programme / target id, "" for the total budget
    key: str  # target row key, "" otherwise
    limit: float  # the committed amount (budget, min spend, min units, required)
    scale: float  # to make the violation relative
    elastic_col: int
    indicator_col: int
    row: int = -1  # the row that gives (its activity less the elastic column is achieved)


@dataclass
class Model:
    """The linear model as arrays, plus the maps needed to read a solution back."""

    scenario: Scenario
    col_kind: list[ColKind]
    col_names: list[str]
    col_lower: FloatArray
    col_upper: FloatArray
    integrality: NDArray[np.bool_]
    # rows in CSR form
    row_lower: FloatArray
    row_upper: FloatArray
    row_names: list[str]
    indptr: IntArray
    indices: IntArray
    values: FloatArray
    # reading back
    cell_programme: IntArray  # per x column (cells are columns 0..n_cells-1)
    cell_cluster: IntArray  # cluster index, -1 for city-wide
    y_col: dict[int, int]  # programme index -> y column
    targets: list[TargetInfo]
    target_rows: list[TargetRow]
    cov_cols: IntArray  # per cluster, -1 when absent
    stages: list[Stage]
    commitments: list[Commitment] = field(default_factory=list)
    elastic: bool = False
    min_cov_col: int = -1  # the lowest coverage m (maximize_min_coverage only)

    @property
    def n_cols(self) -> int:
        return len(self.col_kind)

    @property
    def n_rows(self) -> int:
        return len(self.row_lower)

    @property
    def n_cells(self) -> int:
        return len(self.cell_programme)

    @property
    def is_mip(self) -> bool:
        return bool(self.integrality.any())


# --------------------------------------------------------------------------- builder
@dataclass(frozen=True)
class RowSpec:
    """One row of a target before it enters the model: `lhs >= rhs` (or `<= rhs`).

    `curve_population` > 0 marks a youth_reach row under `reach_model: distinct`: its
    lhs (`cols`, `vals`) are participations, which the builder turns into distinct youth
    through the curve of reach.py before the row compares them with `rhs`.
    """

    key: str  # cluster id, "cluster/component", metric name or "share"
    cols: IntArray
    vals: FloatArray
    at_most: bool
    rhs: float
    scale: float
    curve_population: float = 0.0


@dataclass
class _Cells:
    """The cell table: one x column per (programme, cluster), or per city-wide programme,
    in programme order (a programme's cells are contiguous columns)."""

    cp: IntArray  # programme index per cell
    cc: IntArray  # cluster index per cell, -1 for city-wide
    cy: FloatArray  # youth per unit per cell
    first: IntArray  # cells of programme i: [first[i], first[i + 1])
    names: list[str]  # cluster ids, then "city" (index -1)


class _Builder:
    def __init__(self, scenario: Scenario, elastic: bool) -> None:
        self.s = scenario
        self.elastic = elastic
        self.kind: list[ColKind] = []
        self.names: list[str] = []
        self.lower: list[FloatArray] = []
        self.upper: list[FloatArray] = []
        self.integer: list[NDArray[np.bool_]] = []
        self.n = 0
        self.coo_r: list[IntArray] = []
        self.coo_c: list[IntArray] = []
        self.coo_v: list[FloatArray] = []
        self.row_lo: list[float] = []
        self.row_hi: list[float] = []
        self.row_names: list[str] = []
        self.commitments: list[Commitment] = []
        s = scenario
        self.pop = np.array([c.youth_population for c in s.clusters], dtype=float)
        self.total = s.budget.total
        self.unit_cost = np.array([p.unit_cost for p in s.programmes])
        self.fixed = np.array([p.fixed_cost for p in s.programmes])
        self.min_units = np.array([p.min_units for p in s.programmes])
        self.max_units = np.array(
            [np.inf if p.max_units is None else p.max_units for p in s.programmes]
        )
        self.mandatory = np.array([p.mandatory for p in s.programmes], dtype=bool)
        self.integer_prog = np.array([p.integer for p in s.programmes], dtype=bool)
        self.dept_index = {d.id: j for j, d in enumerate(s.departments)}
        self.share = np.zeros((len(s.programmes), len(s.departments)))
        for i, p in enumerate(s.programmes):
            for dep, sh in p.funders().items():
                self.share[i, self.dept_index[dep]] = sh
        # Filled by the steps of `build`, in order.
        self.money_cap = self.total
        self.u_max = np.zeros(0)
        self.x_cols = np.zeros(0, dtype=np.int64)
        self.y_col: dict[int, int] = {}
        self.spend_cols = np.zeros(0, dtype=np.int64)
        self.spend_prog = np.zeros(0, dtype=np.int64)
        self.spend_vals = np.zeros(0)
        self.fixed_mandatory_no_y = 0.0
        self.cell_min: dict[int, float] = {}
        self.targets: list[TargetInfo] = []
        self.target_rows: list[TargetRow] = []
        self.cov_cols = np.full(len(s.clusters), -1, dtype=np.int64)
        self.min_cov_col = -1

    # ---------------------------------------------------------------- columns & rows
    def add_cols(
        self,
        kind: ColKind,
        names: list[str],
        lower: FloatArray,
        upper: FloatArray,
        integer: NDArray[np.bool_] | bool = False,
    ) -> IntArray:
        k = len(names)
        start = self.n
        self.kind += [kind] * k
        self.names += names
        self.lower.append(np.asarray(lower, dtype=float))
        self.upper.append(np.asarray(upper, dtype=float))
        self.integer.append(np.broadcast_to(np.asarray(integer, dtype=bool), (k,)).copy())
        self.n += k
        return np.arange(start, start + k, dtype=np.int64)

    def add_row(self, name: str, cols: IntArray, vals: FloatArray, lo: float, hi: float) -> int:
        r = len(self.row_lo)
        cols = np.asarray(cols, dtype=np.int64)
        vals = np.asarray(vals, dtype=float)
        keep = vals != 0
        self.coo_r.append(np.full(int(keep.sum()), r, dtype=np.int64))
        self.coo_c.append(cols[keep])
        self.coo_v.append(vals[keep])
        self.row_lo.append(lo)
        self.row_hi.append(hi)
        self.row_names.append(name)
        return r

    def add_rows_grouped(
        self,
        names: list[str],
        group: IntArray,
        cols: IntArray,
        vals: FloatArray,
        lo: FloatArray,
        hi: FloatArray,
    ) -> IntArray:
        """Many rows at once: entry i goes to row `group[i]` (0-based within this batch)."""
        start = len(self.row_lo)
        keep = vals != 0
        self.coo_r.append(group[keep].astype(np.int64) + start)
        self.coo_c.append(cols[keep].astype(np.int64))
        self.coo_v.append(vals[keep].astype(float))
        self.row_lo += list(map(float, lo))
        self.row_hi += list(map(float, hi))
        self.row_names += names
        return np.arange(start, start + len(names), dtype=np.int64)

    def append_to_row(self, row: int, cols: IntArray, vals: FloatArray) -> None:
        self.coo_r.append(np.full(len(cols), row, dtype=np.int64))
        self.coo_c.append(np.asarray(cols, dtype=np.int64))
        self.coo_v.append(np.asarray(vals, dtype=float))

    def elastic_for(
        self,
        row: int,
        coef: float,
        kind: CommitmentKind,
        subject: str,
        key: str,
        limit: float,
        scale: float,
        big_m: float,
    ) -> None:
        """Let `row` give by e >= 0 (coefficient `coef`), counted by a binary indicator."""
        name = f"{kind.value}:{subject}:{key}".strip(":")
        e = int(self.add_cols(ColKind.ELASTIC, [f"e[{name}]"], np.zeros(1), np.array([big_m]))[0])
        z = int(self.add_cols(ColKind.INDICATOR, [f"z[{name}]"], np.zeros(1), np.ones(1), True)[0])
        self.append_to_row(row, np.array([e]), np.array([coef]))
        self.add_row(f"link[{name}]", np.array([e, z]), np.array([1.0, -big_m]), -np.inf, 0.0)
        self.commitments.append(
            Commitment(kind, subject, key, limit, max(scale, MIN_SCALE), e, z, row)
        )

    def distinct_columns(
        self,
        label: str,
        group: IntArray,
        cols: IntArray,
        vals: FloatArray,
        pop: FloatArray,
        cap: FloatArray,
        kind: ColKind,
    ) -> IntArray:
        """Distinct youth d[g] = F(P[g]) for several groups of cells at once (reach.py).

        Each group g gets a participations column P[g] = sum vals x cols (entry i belongs
        to group `group[i]`; one equality row) and a distinct-youth column d[g] <= cap[g],
        bounded by the curve's chords `d - b_k P <= pop * a_k`: two nonzeros each, however
        many cells reach the group. A chord whose intercept pop * a_k is at least cap[g]
        can never bind and is left out (a target row's d needs no more than its required
        amount). Returns the d columns.
        """
        n = len(pop)
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        p_cols = self.add_cols(
            ColKind.PARTICIPATIONS,
            [f"P[{label}{g}]" for g in range(n)],
            np.zeros(n),
            np.full(n, np.inf),
        )
        d_cols = self.add_cols(
            kind if kind == ColKind.COVERAGE else ColKind.DISTINCT,
            [f"{'cov' if kind == ColKind.COVERAGE else 'd'}[{label}{g}]" for g in range(n)],
            np.zeros(n),
            np.minimum(cap, pop * CURVE_CEILING),
        )
        self.add_rows_grouped(
            [f"participations[{label}{g}]" for g in range(n)],
            np.concatenate([np.arange(n, dtype=np.int64), group]),
            np.concatenate([p_cols, cols]),
            np.concatenate([np.ones(n), -vals]),
            np.zeros(n),
            np.zeros(n),
        )
        chord_a, chord_b = CHORDS_A[:-1], CHORDS_B[:-1]  # the flat part is d's bound
        needed = pop[:, None] * chord_a[None, :] < cap[:, None] - CHORD_AT_CAP
        gs, ks = np.nonzero(needed)
        m = len(gs)
        if m:
            self.add_rows_grouped(
                [f"chord[{label}{g},{k}]" for g, k in zip(gs.tolist(), ks.tolist(), strict=True)],
                np.repeat(np.arange(m, dtype=np.int64), 2),
                np.stack([d_cols[gs], p_cols[gs]], axis=1).ravel(),
                np.stack([np.ones(m), -chord_b[ks]], axis=1).ravel(),
                np.full(m, -np.inf),
                pop[gs] * chord_a[ks],
            )
        return d_cols

    # ---------------------------------------------------------------- the model
    def build(self) -> Model:
        cells = self._cells()
        self._columns(cells)
        self._unit_rows(cells)
        self._budget_rows()
        self._target_rows(cells)
        self._coverage(cells)
        model = self._assemble(cells)
        model.stages = self._stages(model)
        return model

    def _cells(self) -> _Cells:
        """The cell table, one step per programme, not per cell: a stress scenario has a
        million cells."""
        s = self.s
        cluster_ids = s.cluster_ids
        cl_index = {c.id: i for i, c in enumerate(s.clusters)}
        every_cluster = np.arange(len(s.clusters), dtype=np.int64)
        city = np.full(1, -1, dtype=np.int64)
        cell_c_parts: list[IntArray] = []
        cell_y_parts: list[FloatArray] = []
        for p in s.programmes:
            runs = cluster_ids if p.clusters == ALL_CLUSTERS else s.programme_clusters(p)
            if not runs:
                where = city
            elif p.clusters == ALL_CLUSTERS:
                where = every_cluster
            else:
                where = np.array([cl_index[cid] for cid in runs], dtype=np.int64)
            if isinstance(p.youth_per_unit, dict):
                ypu = p.youth_per_unit
                youth = np.array([ypu.get(cid, 0.0) for cid in runs] if runs else [0.0])
            else:
                youth = np.full(len(where), float(p.youth_per_unit))
            cell_c_parts.append(where)
            cell_y_parts.append(youth)
        n_prog = len(s.programmes)
        per_prog = np.array([len(w) for w in cell_c_parts], dtype=np.int64)
        cp = np.repeat(np.arange(n_prog, dtype=np.int64), per_prog)
        cc = np.concatenate(cell_c_parts) if cell_c_parts else np.zeros(0, dtype=np.int64)
        cy = np.concatenate(cell_y_parts) if cell_y_parts else np.zeros(0)
        first = np.zeros(n_prog + 1, dtype=np.int64)
        np.cumsum(per_prog, out=first[1:])
        return _Cells(cp, cc, cy, first, [*cluster_ids, "city"])

    def _columns(self, cells: _Cells) -> None:
        """x columns with their bounds, y columns, and the spend coefficients."""
        s = self.s
        cp, cc, cy = cells.cp, cells.cc, cells.cy
        unit_cost, fixed, min_units = self.unit_cost, self.fixed, self.min_units
        mandatory, integer = self.mandatory, self.integer_prog
        # An absent max_units is bounded by what the whole budget could buy.
        if self.elastic:
            envelopes = sum(abs(d.budget or 0.0) for d in s.departments)
            mins = float((min_units * unit_cost + fixed).sum())
            mins += sum(d.min_spend or 0.0 for d in s.departments)
            largest = max(abs(self.total), envelopes, mins, 1.0)
            self.money_cap = ELASTIC_BUDGET_FACTOR * largest
        implied = np.where(np.isinf(self.max_units), self.money_cap / unit_cost, self.max_units)
        if integer.any():
            implied = np.where(integer, np.floor(implied + FLOAT_ROUNDING), implied)
        self.u_max = (
            np.maximum(implied, np.where(mandatory, min_units, 0.0)) if self.elastic else implied
        )

        # Cell upper bound: the programme's own cap, and the population cap
        # youth_per_unit * x <= youth_population (docs/model.md: the model) as a bound.
        cell_ub = self.u_max[cp].copy()
        reach_cap = np.full(len(cp), np.inf)
        pos = (cc >= 0) & (cy > 0)
        reach_cap[pos] = self.pop[cc[pos]] / cy[pos]
        cell_ub = np.minimum(cell_ub, reach_cap)
        # Per-cluster caps (max_units_per_cluster) are bounds too; per-cluster minimums
        # hold only when the programme is funded, so they are rows unless mandatory.
        for i, p in enumerate(s.programmes):
            cluster_caps, cluster_mins = s.per_cluster(p, "max"), s.per_cluster(p, "min")
            if not cluster_caps and not cluster_mins:
                continue
            for k in range(int(cells.first[i]), int(cells.first[i + 1])):
                cid = cells.names[int(cc[k])]
                if cid in cluster_caps:
                    cell_ub[k] = min(cell_ub[k], cluster_caps[cid])
                if cluster_mins.get(cid, 0.0) > 0:
                    self.cell_min[k] = cluster_mins[cid]
        has_cell_min = np.zeros(len(s.programmes), dtype=bool)
        for k in self.cell_min:
            has_cell_min[cp[k]] = True
        names = [
            f"x[{s.programmes[p].id},{cells.names[c]}]"
            for p, c in zip(cp.tolist(), cc.tolist(), strict=True)
        ]
        self.x_cols = self.add_cols(ColKind.X, names, np.zeros(len(cp)), cell_ub, integer[cp])

        needs_y = (fixed > 0) | (((min_units > 0) | has_cell_min) & ~mandatory)
        for i in np.flatnonzero(needs_y).tolist():
            lo = 1.0 if mandatory[i] else 0.0
            col = self.add_cols(
                ColKind.Y, [f"y[{s.programmes[i].id}]"], np.array([lo]), np.ones(1), True
            )
            self.y_col[int(i)] = int(col[0])

        # spend[p] = unit_cost * u[p] + fixed_cost * y[p], as coefficients over columns.
        y_progs = np.array(list(self.y_col.keys()), dtype=np.int64)
        self.spend_cols = np.concatenate(
            [self.x_cols, np.array(list(self.y_col.values()), dtype=np.int64)]
        )
        self.spend_prog = np.concatenate([cp, y_progs])
        self.spend_vals = np.concatenate([unit_cost[cp], fixed[y_progs]])
        self.fixed_mandatory_no_y = float(fixed[mandatory & ~needs_y].sum())  # always 0 today

    def _unit_rows(self, cells: _Cells) -> None:
        """1. min_units * y <= u <= max_units * y (or plain bounds); per-cluster minimums
        (if funded); the bound on change from current units."""
        s = self.s
        x_cols, first, cp, cc = self.x_cols, cells.first, cells.cp, cells.cc
        n_cells = np.diff(first)
        for i in range(len(s.programmes)):
            cols = x_cols[first[i] : first[i + 1]]
            lo, hi = float(self.min_units[i]), float(self.u_max[i])
            pid = s.programmes[i].id
            mandatory = bool(self.mandatory[i])
            if i in self.y_col:
                yc = self.y_col[i]
                if lo > 0:
                    r = self.add_row(
                        f"min_units[{pid}]",
                        np.append(cols, yc),
                        np.append(np.ones(len(cols)), -lo),
                        0.0,
                        np.inf,
                    )
                    if self.elastic and mandatory:
                        self.elastic_for(
                            r, 1.0, CommitmentKind.MANDATORY_MIN_UNITS, pid, "", lo, lo, lo
                        )
                self.add_row(
                    f"max_units[{pid}]",
                    np.append(cols, yc),
                    np.append(np.ones(len(cols)), -hi),
                    -np.inf,
                    0.0,
                )
                continue
            if not (lo > 0 or (n_cells[i] > 1 and np.isfinite(hi))):
                continue
            if n_cells[i] == 1 and not (self.elastic and lo > 0):
                c = int(cols[0])
                self.lower[0][c] = max(self.lower[0][c], lo)
                self.upper[0][c] = min(self.upper[0][c], hi)
                continue
            r = self.add_row(f"units[{pid}]", cols, np.ones(len(cols)), lo, hi)
            if self.elastic and lo > 0:
                self.elastic_for(r, 1.0, CommitmentKind.MANDATORY_MIN_UNITS, pid, "", lo, lo, lo)

        for k, low in sorted(self.cell_min.items()):
            pi = int(cp[k])
            pid, cid = s.programmes[pi].id, cells.names[int(cc[k])]
            xcol = int(x_cols[k])
            name = f"min_units_per_cluster[{pid},{cid}]"
            if pi in self.y_col:
                self.add_row(
                    name, np.array([xcol, self.y_col[pi]]), np.array([1.0, -low]), 0.0, np.inf
                )
            elif self.elastic:
                r = self.add_row(name, np.array([xcol]), np.ones(1), low, np.inf)
                self.elastic_for(
                    r, 1.0, CommitmentKind.MANDATORY_MIN_UNITS, pid, cid, low, low, low
                )
            else:
                self.lower[0][xcol] = max(float(self.lower[0][xcol]), low)

        for i, p in enumerate(s.programmes):
            bounds = s.change_bounds(p)
            if bounds is None:
                continue
            cols = x_cols[first[i] : first[i + 1]]
            r = self.add_row(f"max_change[{p.id}]", cols, np.ones(len(cols)), bounds[0], bounds[1])
            if self.elastic:
                # Either side may have to give: moving further than allowed, up or down.
                scale = max(p.current_units or 0.0, 1.0)
                kind = CommitmentKind.MAX_CHANGE
                low, high = bounds
                self.elastic_for(r, 1.0, kind, p.id, "below", low, scale, max(low, 1.0))
                self.elastic_for(
                    r, -1.0, kind, p.id, "above", high, scale, self.money_cap / p.unit_cost
                )

    def _budget_rows(self) -> None:
        """2. The total budget; 3. department envelopes and minimum spends (cofunding-
        weighted)."""
        s = self.s
        spend_cols, spend_vals = self.spend_cols, self.spend_vals
        total = self.total
        r = self.add_row(
            "budget[total]", spend_cols, spend_vals, -np.inf, total - self.fixed_mandatory_no_y
        )
        if self.elastic:
            self.elastic_for(
                r, -1.0, CommitmentKind.TOTAL_BUDGET, "", "", total, max(total, 1.0), self.money_cap
            )
        for j, d in enumerate(s.departments):
            if d.budget is None and not d.min_spend:
                continue
            vals = spend_vals * self.share[self.spend_prog, j]
            lo = d.min_spend if d.min_spend else -np.inf
            hi = d.budget if d.budget is not None else np.inf
            if not self.elastic:
                self.add_row(f"department[{d.id}]", spend_cols, vals, lo, hi)
                continue
            if d.budget is not None:
                r = self.add_row(f"department_budget[{d.id}]", spend_cols, vals, -np.inf, hi)
                self.elastic_for(
                    r,
                    -1.0,
                    CommitmentKind.DEPARTMENT_BUDGET,
                    d.id,
                    "",
                    d.budget,
                    max(d.budget, 1.0),
                    self.money_cap,
                )
            if d.min_spend:
                r = self.add_row(f"department_min[{d.id}]", spend_cols, vals, lo, np.inf)
                self.elastic_for(r, 1.0, CommitmentKind.DEPARTMENT_MIN_SPEND, d.id, "", lo, lo, lo)

    def _through_curve(self, t: Target, specs: list[RowSpec]) -> list[RowSpec]:
        """Youth_reach rows under `distinct`: their participations become distinct youth
        (one participations column and its chords per row), and the row reads d >= rhs."""
        curved = [i for i, sp in enumerate(specs) if sp.curve_population > 0]
        if not curved:
            return specs
        group = np.concatenate(
            [np.full(len(specs[i].cols), g, dtype=np.int64) for g, i in enumerate(curved)]
        )
        d_cols = self.distinct_columns(
            f"{t.id},",
            group,
            np.concatenate([specs[i].cols for i in curved]),
            np.concatenate([np.asarray(specs[i].vals, dtype=float) for i in curved]),
            np.array([specs[i].curve_population for i in curved]),
            np.array([specs[i].rhs for i in curved]),
            ColKind.DISTINCT,
        )
        out = list(specs)
        for g, i in enumerate(curved):
            sp = specs[i]
            out[i] = RowSpec(sp.key, d_cols[g : g + 1], np.ones(1), sp.at_most, sp.rhs, sp.scale)
        return out

    def _target_rows(self, cells: _Cells) -> None:
        """5. Targets: rows with shortfalls (soft) or exact (hard)."""
        ctx = _TargetContext(
            self.s,
            cells,
            self.x_cols,
            self.unit_cost,
            self.spend_cols,
            self.spend_prog,
            self.spend_vals,
            self.share,
            self.dept_index,
        )
        for owner, t in self.s.all_targets():
            t_index = len(self.targets)
            rows: list[int] = []
            # A row whose required amount is 0 is always met and left out (docs/model.md: targets).
            specs = [
                sp
                for sp in ctx.rows(owner, t)
                if sp.at_most or sp.rhs > 0 or isinstance(t, SpendShareTarget)
            ]
            specs = self._through_curve(t, specs)
            for sp, r, s_col in self._add_target(t, specs):
                rows.append(len(self.target_rows))
                self.target_rows.append(
                    TargetRow(t_index, sp.key, sp.at_most, sp.rhs, sp.scale, r, s_col)
                )
            self.targets.append(TargetInfo(t.id, owner, t, tuple(rows)))

    def _add_target(self, t: Target, specs: list[RowSpec]) -> list[tuple[RowSpec, int, int]]:
        """Rows (and, for a soft target, shortfall columns) of one target; [(spec, row,
        shortfall column or -1)]. Without elastic columns all rows go in one batch (a
        national scenario has 100,000 target rows)."""
        if not specs:
            return []
        if self.elastic:
            return [self._add_elastic_target_row(t, sp) for sp in specs]
        names = [f"target[{t.id},{sp.key}]" for sp in specs]
        group = np.repeat(np.arange(len(specs), dtype=np.int64), [len(sp.cols) for sp in specs])
        cols = np.concatenate([sp.cols for sp in specs])
        vals = np.concatenate([np.asarray(sp.vals, dtype=float) for sp in specs])
        lo = np.array([-np.inf if sp.at_most else sp.rhs for sp in specs])
        hi = np.array([sp.rhs if sp.at_most else np.inf for sp in specs])
        row_ids = self.add_rows_grouped(names, group, cols, vals, lo, hi).tolist()
        if t.hard:
            return [(sp, r, -1) for sp, r in zip(specs, row_ids, strict=True)]
        s_cols = self.add_cols(
            ColKind.SHORTFALL,
            [f"s[{t.id},{sp.key}]" for sp in specs],
            np.zeros(len(specs)),
            np.full(len(specs), np.inf),
        )
        self.coo_r.append(np.asarray(row_ids, dtype=np.int64))
        self.coo_c.append(s_cols)
        self.coo_v.append(np.array([-1.0 if sp.at_most else 1.0 for sp in specs]))
        return list(zip(specs, row_ids, s_cols.tolist(), strict=True))

    def _add_elastic_target_row(self, t: Target, sp: RowSpec) -> tuple[RowSpec, int, int]:
        lo, hi = (-np.inf, sp.rhs) if sp.at_most else (sp.rhs, np.inf)
        r = self.add_row(f"target[{t.id},{sp.key}]", sp.cols, sp.vals, lo, hi)
        sign = -1.0 if sp.at_most else 1.0
        if not t.hard:
            name = f"s[{t.id},{sp.key}]"
            s_col = int(
                self.add_cols(ColKind.SHORTFALL, [name], np.zeros(1), np.full(1, np.inf))[0]
            )
            self.append_to_row(r, np.array([s_col]), np.array([sign]))
            return sp, r, s_col
        # The tightest valid big-M: reach, metric and presence rows have a nonnegative
        # lhs, so they give at most rhs; a spend-share row's lhs is bounded by the total
        # spend, itself at most total + money_cap. A loose M lets a violation hide inside
        # the integrality tolerance of z.
        big_m = self.total + self.money_cap if isinstance(t, SpendShareTarget) else sp.rhs
        self.elastic_for(r, sign, CommitmentKind.HARD_TARGET, t.id, sp.key, sp.rhs, sp.scale, big_m)
        return sp, r, -1

    def _coverage(self, cells: _Cells) -> None:
        """Final-stage columns: cov[c], the distinct youth of cluster c (the curve of
        reach.py under `distinct`; cov <= reach and cov <= population under
        `participations`), and for `maximize_min_coverage` the lowest coverage m."""
        s = self.s
        if self.elastic or s.objective == Objective.MINIMIZE_SPEND:
            return
        clusters = s.clusters
        n = len(clusters)
        cc, cy = cells.cc, cells.cy
        m = (cc >= 0) & (cy != 0)
        if s.reach_model == ReachModel.DISTINCT:
            self.cov_cols[:] = self.distinct_columns(
                "",
                cc[m],
                self.x_cols[m],
                cy[m],
                self.pop,
                self.pop,
                ColKind.COVERAGE,
            )
            # The columns carry cluster ids, not group numbers.
            for c, col in enumerate(self.cov_cols.tolist()):
                self.names[col] = f"cov[{clusters[c].id}]"
        else:
            cov = self.add_cols(
                ColKind.COVERAGE,
                [f"cov[{c.id}]" for c in clusters],
                np.zeros(n),
                self.pop,
                integral_coverage(self.pop, cc, cy, self.integer_prog[cells.cp]),
            )
            self.cov_cols[:] = cov
            self.add_rows_grouped(
                [f"coverage[{c.id}]" for c in clusters],
                np.concatenate([np.arange(n), cc[m]]),
                np.concatenate([cov, self.x_cols[m]]),
                np.concatenate([np.ones(n), -cy[m]]),
                np.full(n, -np.inf),
                np.zeros(n),
            )
        if s.objective == Objective.MAXIMIZE_MIN_COVERAGE:
            equity = [self.cluster_index[cid] for cid in s.equity_cluster_ids()]
            col = int(self.add_cols(ColKind.MIN_COVERAGE, ["m"], np.zeros(1), np.ones(1))[0])
            self.min_cov_col = col
            k = len(equity)
            if k:
                self.add_rows_grouped(
                    [f"min_coverage[{clusters[c].id}]" for c in equity],
                    np.repeat(np.arange(k, dtype=np.int64), 2),
                    np.stack([np.full(k, col), self.cov_cols[equity]], axis=1).ravel(),
                    np.stack([np.ones(k), -1.0 / self.pop[equity]], axis=1).ravel(),
                    np.full(k, -np.inf),
                    np.zeros(k),
                )
            else:  # no reachable prioritized cluster: the lowest coverage is 0
                self.upper[-1][0] = 0.0

    @property
    def cluster_index(self) -> dict[str, int]:
        return {c.id: i for i, c in enumerate(self.s.clusters)}

    def _assemble(self, cells: _Cells) -> Model:
        n_rows = len(self.row_lo)
        # Each entry's (row, column) as one sort key, row * n_cols + column: sorting it gives
        # lexsort((c, r))'s order several times faster (the entries arrive in long sorted
        # runs, which a stable sort merges quickly), and holding one array instead of two
        # keeps a million-column model's peak memory down. Each list is freed once joined.
        n_cols = max(self.n, 1)
        key = np.concatenate(self.coo_r) if self.coo_r else np.zeros(0, dtype=np.int64)
        self.coo_r = []
        key *= n_cols
        key += np.concatenate(self.coo_c) if self.coo_c else np.zeros(0, dtype=np.int64)
        self.coo_c = []
        v = np.concatenate(self.coo_v) if self.coo_v else np.zeros(0)
        self.coo_v = []
        order = np.argsort(key, kind="stable")
        key, v = key[order], v[order]
        del order
        # Merge duplicates (a column may appear twice in one row, e.g. spend-share rows).
        if len(key):
            new = np.ones(len(key), dtype=bool)
            new[1:] = key[1:] != key[:-1]
            starts = np.flatnonzero(new)
            del new
            v = np.add.reduceat(v, starts)
            key = key[starts]
            del starts
            keep = v != 0
            key, v = key[keep], v[keep]
        r, c = np.divmod(key, n_cols)
        del key
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(r, minlength=n_rows), out=indptr[1:])
        return Model(
            scenario=self.s,
            col_kind=self.kind,
            col_names=self.names,
            col_lower=np.concatenate(self.lower) if self.lower else np.zeros(0),
            col_upper=np.concatenate(self.upper) if self.upper else np.zeros(0),
            integrality=np.concatenate(self.integer) if self.integer else np.zeros(0, bool),
            row_lower=np.array(self.row_lo, dtype=float),
            row_upper=np.array(self.row_hi, dtype=float),
            row_names=self.row_names,
            indptr=indptr,
            indices=c,
            values=v,
            cell_programme=cells.cp,
            cell_cluster=cells.cc,
            y_col=self.y_col,
            targets=self.targets,
            target_rows=self.target_rows,
            cov_cols=self.cov_cols,
            stages=[],
            commitments=self.commitments,
            elastic=self.elastic,
            min_cov_col=self.min_cov_col,
        )

    def _stages(self, model: Model) -> list[Stage]:
        n = model.n_cols
        stages: list[Stage] = []
        if self.elastic:
            # Fewest commitments; the preferred kinds among equally few; the least money
            # missing; then the smallest other violations. Money first, so that "the
            # budget must grow by at least X" is exact and every other amount is what
            # that budget allows.
            count = np.zeros(n)
            preference = np.zeros(n)
            money = np.zeros(n)
            amount = np.zeros(n)
            budgets = (CommitmentKind.TOTAL_BUDGET, CommitmentKind.DEPARTMENT_BUDGET)
            for k in self.commitments:
                count[k.indicator_col] = 1.0
                preference[k.indicator_col] = GIVE_PREFERENCE[k.kind]
                (money if k.kind in budgets else amount)[k.elastic_col] = 1.0 / k.scale
            return [
                Stage("fewest commitments", None, Sense.MIN, count),
                Stage("preferred commitments", None, Sense.MIN, preference),
                Stage("smallest budget violations", None, Sense.MIN, money),
                Stage("smallest violations", None, Sense.MIN, amount),
            ]
        priorities = sorted(
            {info.target.priority for info in model.targets if not info.target.hard and info.rows}
        )
        for prio in priorities:
            cost = np.zeros(n)
            for info in model.targets:
                t = info.target
                if t.hard or t.priority != prio or not info.rows:
                    continue
                for ri in info.rows:
                    tr = model.target_rows[ri]
                    cost[tr.shortfall_col] += t.weight / (len(info.rows) * tr.scale)
            stages.append(Stage(f"priority {prio}", prio, Sense.MIN, cost))
        spend = np.zeros(n)
        np.add.at(spend, self.spend_cols, self.spend_vals)
        objective = self.s.objective
        weighted = np.zeros(n)
        if objective != Objective.MINIMIZE_SPEND:
            weighted[model.cov_cols] = [c.weight for c in self.s.clusters]
        if objective == Objective.MAXIMIZE_MIN_COVERAGE:
            lowest = np.zeros(n)
            lowest[model.min_cov_col] = 1.0
            stages.append(Stage("final", None, Sense.MAX, lowest, final=objective.value))
            reach = Objective.MAXIMIZE_WEIGHTED_REACH.value
            stages.append(Stage("final (reach)", None, Sense.MAX, weighted, final=reach))
        elif objective == Objective.MAXIMIZE_WEIGHTED_REACH:
            stages.append(Stage("final", None, Sense.MAX, weighted, final=objective.value))
        else:
            stages.append(Stage("final", None, Sense.MIN, spend, final=objective.value))
        # The canonical tie-break (docs/model.md: results): the least spend, then fixed
        # hashed weights per cell, so that a model with several optima has one answer
        # however it is run.
        if objective != Objective.MINIMIZE_SPEND:
            stages.append(
                Stage(
                    "tie-break: spend",
                    None,
                    Sense.MIN,
                    spend,
                    reported=False,
                    node_limit=TIE_BREAK_NODES if model.is_mip else None,
                    from_start=model.is_mip,
                )
            )
        # In an integer model the spend tie-break searches a fixed number of branch-and-
        # bound nodes from the final stage's plan (a deterministic amount of work: proving
        # it optimal took up to minutes on Palmira's 10% cut), and the cell tie-break
        # moves the continuous units only, the whole units staying where the earlier
        # stages put them (as a MIP it searched the many equal placements of zero-youth
        # units for 25-250 s); a fixed thread count makes them the same on every run.
        cells = np.zeros(n)
        cells[self.x_cols] = cell_weights(self.s, model.cell_programme, model.cell_cluster)
        stages.append(
            Stage(
                "tie-break: cells",
                None,
                Sense.MIN,
                cells,
                reported=False,
                fix_integers=model.is_mip,
            )
        )
        return stages


def cell_weight(programme: str, cluster: str | None) -> float:
    """h[p,c] = 1 + (first 8 hex digits of sha256("p/c") mod 1000) / 1000, c = "*" for a
    city-wide programme: fixed, arbitrary and the same on every machine."""
    digest = hashlib.sha256(f"{programme}/{cluster or '*'}".encode()).hexdigest()
    return 1.0 + (int(digest[:8], 16) % 1000) / 1000.0


def cell_weights(s: Scenario, cp: IntArray, cc: IntArray) -> FloatArray:
    """cell_weight of every cell, in cell order."""
    pids = [p.id for p in s.programmes]
    cids = s.cluster_ids
    return np.array(
        [
            cell_weight(pids[p], cids[c] if c >= 0 else None)
            for p, c in zip(cp.tolist(), cc.tolist(), strict=True)
        ],
        dtype=float,
    )


def integral_coverage(
    pop: FloatArray, cc: IntArray, cy: FloatArray, cell_integer: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    """Clusters whose coverage column may be declared integer without changing the model.

    `cov[c] <= reach[c]` and `cov[c] <= youth_population[c]`: when the population is a
    whole number and every cell that reaches youth in c has integer units and a whole
    number of youth per unit, every allocation's saturated coverage min(reach, population)
    is a whole number, so an integer cov[c] loses no allocation and no objective value.
    Saying so lets HiGHS round its bound on the weighted coverage (measured on the Palmira
    scenario: the final stage 1.1 s -> 0.4 s). Only clusters that some integer cell
    reaches qualify, so an LP stays an LP.
    """
    reaching = (cc >= 0) & (cy != 0)
    whole = cell_integer & (cy == np.round(cy))
    n = len(pop)
    reached = np.zeros(n, dtype=bool)
    reached[cc[reaching]] = True
    broken = np.zeros(n, dtype=bool)
    broken[cc[reaching & ~whole]] = True
    whole_pop: NDArray[np.bool_] = np.isfinite(pop) & (pop == np.round(pop))
    return reached & ~broken & whole_pop


class _TargetContext:
    """Expands one target into its rows (`RowSpec`)."""

    def __init__(
        self,
        s: Scenario,
        cells: _Cells,
        x_cols: IntArray,
        unit_cost: FloatArray,
        spend_cols: IntArray,
        spend_prog: IntArray,
        spend_vals: FloatArray,
        share: FloatArray,
        dept_index: dict[str, int],
    ) -> None:
        self.s = s
        self.cp, self.cc, self.cy, self.x_cols = cells.cp, cells.cc, cells.cy, x_cols
        self.unit_cost = unit_cost
        self.spend_cols, self.spend_prog, self.spend_vals = spend_cols, spend_prog, spend_vals
        self.share = share
        self.dept_index = dept_index
        self.cl_index = {c.id: i for i, c in enumerate(s.clusters)}
        self.component = np.array([COMPONENT_IDS.index(p.component.value) for p in s.programmes])
        # member[i, j]: department j owns or co-funds programme i, the departments that
        # `Scenario.in_scope` matches a scope against (cofunding shares are validated > 0).
        self.member = share > 0
        owners = [dept_index[p.department] for p in s.programmes]
        self.member[np.arange(len(owners)), owners] = True

    def scope(self, owner: str | None, t: Target) -> NDArray[np.bool_]:
        """Programmes in the target's scope: `Scenario.in_scope` for all at once (tested
        against it in tests/test_scope.py)."""
        depts = self.s.target_departments(owner, t)
        mask: NDArray[np.bool_] = np.ones(len(self.s.programmes), dtype=bool)
        if depts is not None:
            in_depts = self.member[:, [self.dept_index[d] for d in depts]]
            mask = np.asarray(in_depts.any(axis=1))
        if t.components is not None:
            wanted = [COMPONENT_IDS.index(c.value) for c in t.components]
            mask &= np.isin(self.component, wanted)
        return mask

    def money_share(self, owner: str | None, t: Target) -> FloatArray:
        """Per programme, the part of its spend that is the scope's own money
        (`Scenario.scope_money_share` for all at once): the summed cofunding shares of the
        scope's departments, 1 for a scope of every department."""
        depts = self.s.target_departments(owner, t)
        if depts is None:
            return np.ones(len(self.s.programmes))
        cols = sorted({self.dept_index[d] for d in depts})
        out: FloatArray = np.minimum(self.share[:, cols].sum(axis=1), 1.0)
        return out

    def cells_by(
        self, cell_in: NDArray[np.bool_], key: IntArray, n_keys: int
    ) -> Callable[[int], IntArray]:
        """k -> the selected cells with key k, in cell order: what `cell_in & (key == k)`
        selects, for every k in [0, n_keys) after one sort instead of one scan each."""
        cells = np.flatnonzero(cell_in & (key >= 0))
        cells = cells[np.argsort(key[cells], kind="stable")]
        bounds = np.searchsorted(key[cells], np.arange(n_keys + 1)).tolist()
        return lambda k: cells[bounds[k] : bounds[k + 1]]

    def target_clusters(self, t: Target) -> list[int]:
        ids = t.clusters if t.clusters is not None else self.s.prioritized_cluster_ids
        return [self.cl_index[c] for c in ids]

    def rows(self, owner: str | None, t: Target) -> list[RowSpec]:
        s = self.s
        in_scope = self.scope(owner, t)
        cell_in = in_scope[self.cp]
        out: list[RowSpec] = []
        if isinstance(t, YouthReachTarget):
            distinct = s.reach_model == ReachModel.DISTINCT
            in_cluster = self.cells_by(cell_in, self.cc, len(s.clusters))
            for c in self.target_clusters(t):
                sel = in_cluster(c)
                pop = s.clusters[c].youth_population
                rhs = t.at_least if t.at_least is not None else (t.share or 0.0) * pop
                out.append(
                    RowSpec(
                        s.clusters[c].id,
                        self.x_cols[sel],
                        self.cy[sel],
                        False,
                        rhs,
                        rhs,
                        float(pop) if distinct else 0.0,
                    )
                )
        elif isinstance(t, MetricTarget):
            m = cell_in.copy()
            if t.clusters is not None:
                m &= np.isin(self.cc, self.target_clusters(t))
            if t.metric == YOUTH_METRIC:
                vals = self.cy[m]
            else:
                per_prog = np.array([p.outputs.get(t.metric, 0.0) for p in s.programmes])
                vals = per_prog[self.cp[m]]
            out.append(RowSpec(t.metric, self.x_cols[m], vals, False, t.at_least, t.at_least))
        elif isinstance(t, ComponentPresenceTarget):
            comps = [c.value for c in t.components] if t.components else list(COMPONENT_IDS)
            n_comp = len(COMPONENT_IDS)
            # Key of a cell: its (cluster, component) pair as one number (-1: city-wide).
            pair = np.where(self.cc >= 0, self.cc * n_comp + self.component[self.cp], -1)
            in_pair = self.cells_by(cell_in, pair, len(s.clusters) * n_comp)
            for c in self.target_clusters(t):
                for comp in comps:
                    sel = in_pair(c * n_comp + COMPONENT_IDS.index(comp))
                    rhs = t.at_least_units
                    key = f"{s.clusters[c].id}/{comp}"
                    out.append(RowSpec(key, self.x_cols[sel], np.ones(len(sel)), False, rhs, rhs))
        elif isinstance(t, SpendShareTarget):
            at_most = t.at_most is not None
            frac = t.at_most if t.at_most is not None else (t.at_least or 0.0)
            if not at_most and frac <= 0:
                return []
            # Spend in scope: the scope's own money (docs/model.md: targets), in its clusters
            # (variable cost only) if it names any.
            own = self.money_share(owner, t)
            if t.clusters is not None:
                m = cell_in & np.isin(self.cc, self.target_clusters(t))
                num_cols = self.x_cols[m]
                num_vals = self.unit_cost[self.cp[m]] * own[self.cp[m]]
            else:
                m = in_scope[self.spend_prog]
                num_cols = self.spend_cols[m]
                num_vals = self.spend_vals[m] * own[self.spend_prog[m]]
            # base: total spend, or the owning department's cofunding-weighted spend
            if owner is not None and t.departments is None:
                base_vals = self.spend_vals * self.share[self.spend_prog, self.dept_index[owner]]
            else:
                base_vals = self.spend_vals
            cols = np.concatenate([num_cols, self.spend_cols])
            vals = np.concatenate([num_vals, -frac * base_vals])
            cap = s.share_base_cap(owner, t)
            scale = frac * cap if frac > 0 else cap
            out.append(RowSpec("share", cols, vals, at_most, 0.0, max(scale, MIN_SCALE)))
        return out


def build_model(scenario: Scenario, *, elastic: bool = False) -> Model:
    """The model of docs/model.md: the model (or its elastic version for a diagnosis)."""
    return _Builder(scenario, elastic).build()


def hold_bound(
    value: float,
    sense: Sense,
    relative: float = HOLD_RELATIVE_TOLERANCE,
    absolute: float = HOLD_ABSOLUTE_TOLERANCE,
) -> float:
    """The bound that holds a stage optimum within the tolerance of docs/model.md: the model."""
    slack = max(abs(value) * relative, absolute)
    return value + slack if sense == Sense.MIN else value - slack
