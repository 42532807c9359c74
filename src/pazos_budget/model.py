"""Scenario to linear/integer model, as arrays. No I/O and no solver calls here.

The model follows MODEL.md section 4. Columns are, in order:
  x[p,c]  units of programme p in cluster c (one column for a city-wide programme),
  y[p]    binary "programme funded", only where needed (fixed cost, or min_units on a
          programme that is not mandatory; fixed to 1 when mandatory),
  s[r]    shortfall of soft target row r,
  cov[c]  saturated coverage of cluster c (objective `maximize_weighted_reach` only),
  e[k]    elastic violation of hard commitment k (diagnosis models only).
Rows are built as COO triplets with numpy and handed over as one CSR matrix.

The builder is vectorized over "cells" (one per x column): every family of rows is a
mask over the cell table, so a million-variable model is built without a Python loop
per variable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

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

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: The contract's tolerance for holding a stage optimum (MODEL.md section 4).
CONTRACT_TOLERANCE = 1e-6
#: The tolerance actually used: much tighter, so that later stages cannot trade away
#: an earlier result for float noise (a 1e-6 slack made 60 workshops read 59.999864).
#: The solver falls back to CONTRACT_TOLERANCE if a stage turns numerically infeasible.
HOLD_RELATIVE_TOLERANCE = 1e-9
#: Absolute floor of that tolerance (a stage optimum of exactly 0 is held at 1e-9).
HOLD_ABSOLUTE_TOLERANCE = 1e-9
#: In a diagnosis model, a budget may be found short by at most this factor (of the largest
#: of the total budget, the summed envelopes and the summed minimum spends and costs).
ELASTIC_BUDGET_FACTOR = 10.0


class Sense(StrEnum):
    MIN = "min"
    MAX = "max"


class ColKind(StrEnum):
    X = "x"
    Y = "y"
    SHORTFALL = "s"
    COVERAGE = "cov"
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
    """One row of a target (MODEL.md section 3) and where it sits in the model."""

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

    def row_activity(self, values: FloatArray) -> FloatArray:
        """A x for a column vector (used for the solver-independent consistency checks)."""
        out = np.zeros(self.n_rows)
        np.add.at(
            out,
            np.repeat(np.arange(self.n_rows), np.diff(self.indptr)),
            self.values * values[self.indices],
        )
        return out


# --------------------------------------------------------------------------- builder
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
        self.commitments.append(Commitment(kind, subject, key, limit, max(scale, 1e-9), e, z, row))

    def add_target_rows(
        self, t: Target, expanded: list[tuple[str, IntArray, FloatArray, bool, float, float]]
    ) -> list[tuple[int, int, int]]:
        """Rows (and, for a soft target, shortfall columns) of one target in one batch;
        [(index into expanded, row, shortfall column or -1)]."""
        if not expanded:
            return []
        names = [f"target[{t.id},{key}]" for key, *_ in expanded]
        lengths = [len(cols) for _, cols, *_ in expanded]
        group = np.repeat(np.arange(len(expanded), dtype=np.int64), lengths)
        cols = np.concatenate([cols for _, cols, *_ in expanded])
        vals = np.concatenate([np.asarray(vals, dtype=float) for _, _, vals, *_ in expanded])
        lo = np.array([-np.inf if at_most else rhs for _, _, _, at_most, rhs, _ in expanded])
        hi = np.array([rhs if at_most else np.inf for _, _, _, at_most, rhs, _ in expanded])
        row_ids = self.add_rows_grouped(names, group, cols, vals, lo, hi)
        if t.hard:
            return [(k, int(r), -1) for k, r in enumerate(row_ids.tolist())]
        s_cols = self.add_cols(
            ColKind.SHORTFALL,
            [f"s[{t.id},{key}]" for key, *_ in expanded],
            np.zeros(len(expanded)),
            np.full(len(expanded), np.inf),
        )
        sign = np.array([-1.0 if at_most else 1.0 for _, _, _, at_most, _, _ in expanded])
        self.coo_r.append(row_ids)
        self.coo_c.append(s_cols)
        self.coo_v.append(sign)
        return list(zip(range(len(expanded)), row_ids.tolist(), s_cols.tolist(), strict=True))

    # ---------------------------------------------------------------- the model
    def build(self) -> Model:
        s = self.s
        clusters = s.clusters
        cl_index = {c.id: i for i, c in enumerate(clusters)}
        pop = np.array([c.youth_population for c in clusters], dtype=float)
        n_prog = len(s.programmes)
        total = s.budget.total

        # Cells: one column per (programme, cluster), or one per city-wide programme, in
        # programme order (so a programme's cells are contiguous columns). One step per
        # programme, not per cell: a stress scenario has a million cells.
        cluster_ids = s.cluster_ids
        every_cluster = np.arange(len(clusters), dtype=np.int64)
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
        n_cells_per_prog = np.array([len(w) for w in cell_c_parts], dtype=np.int64)
        cp = np.repeat(np.arange(n_prog, dtype=np.int64), n_cells_per_prog)
        cc = np.concatenate(cell_c_parts) if cell_c_parts else np.zeros(0, dtype=np.int64)
        cy = np.concatenate(cell_y_parts) if cell_y_parts else np.zeros(0)
        # Column range of each programme's cells: cells [first_cell[i], first_cell[i + 1]).
        first_cell = np.zeros(n_prog + 1, dtype=np.int64)
        np.cumsum(n_cells_per_prog, out=first_cell[1:])
        unit_cost = np.array([p.unit_cost for p in s.programmes])
        fixed = np.array([p.fixed_cost for p in s.programmes])
        min_units = np.array([p.min_units for p in s.programmes])
        max_units = np.array([np.inf if p.max_units is None else p.max_units for p in s.programmes])
        mandatory = np.array([p.mandatory for p in s.programmes], dtype=bool)
        integer = np.array([p.integer for p in s.programmes], dtype=bool)
        # An absent max_units is bounded by what the whole budget could buy.
        money_cap = total
        if self.elastic:
            envelopes = sum(d.budget or 0.0 for d in s.departments)
            mins = float((min_units * unit_cost + fixed).sum())
            mins += sum(d.min_spend or 0.0 for d in s.departments)
            money_cap = ELASTIC_BUDGET_FACTOR * max(total, envelopes, mins, 1.0)
        implied = np.where(np.isinf(max_units), money_cap / unit_cost, max_units)
        if integer.any():
            implied = np.where(integer, np.floor(implied + 1e-9), implied)
        u_max = (
            np.maximum(implied, np.where(mandatory, min_units, 0.0)) if self.elastic else implied
        )

        # Cell upper bound: the programme's own cap, and the population cap
        # youth_per_unit * x <= youth_population (MODEL.md 4.4) as a bound.
        cell_ub = u_max[cp].copy()
        in_cluster = cc >= 0
        reach_cap = np.full(len(cp), np.inf)
        pos = in_cluster & (cy > 0)
        reach_cap[pos] = pop[cc[pos]] / cy[pos]
        cell_ub = np.minimum(cell_ub, reach_cap)
        cell_names = [*cluster_ids, "city"]  # index -1 is the city-wide cell
        # Per-cluster caps (max_units_per_cluster) are bounds too; per-cluster minimums
        # hold only when the programme is funded, so they are rows (below) unless mandatory.
        cell_min: dict[int, float] = {}
        for i, p in enumerate(s.programmes):
            cluster_caps, cluster_mins = s.per_cluster(p, "max"), s.per_cluster(p, "min")
            for k in range(int(first_cell[i]), int(first_cell[i + 1])):
                cid = cell_names[int(cc[k])]
                if cid in cluster_caps:
                    cell_ub[k] = min(cell_ub[k], cluster_caps[cid])
                if cluster_mins.get(cid, 0.0) > 0:
                    cell_min[k] = cluster_mins[cid]
        has_cell_min = np.zeros(n_prog, dtype=bool)
        for k in cell_min:
            has_cell_min[cp[k]] = True
        names = [
            f"x[{s.programmes[p].id},{cell_names[c]}]"
            for p, c in zip(cp.tolist(), cc.tolist(), strict=True)
        ]
        x_cols = self.add_cols(ColKind.X, names, np.zeros(len(cp)), cell_ub, integer[cp])

        needs_y = (fixed > 0) | (((min_units > 0) | has_cell_min) & ~mandatory)
        y_col: dict[int, int] = {}
        for i in np.flatnonzero(needs_y).tolist():
            lo = 1.0 if mandatory[i] else 0.0
            col = self.add_cols(
                ColKind.Y, [f"y[{s.programmes[i].id}]"], np.array([lo]), np.ones(1), True
            )
            y_col[int(i)] = int(col[0])

        # spend[p] = unit_cost * u[p] + fixed_cost * y[p], as coefficients over columns.
        spend_cols = np.concatenate([x_cols, np.array(list(y_col.values()), dtype=np.int64)])
        y_progs = np.array(list(y_col.keys()), dtype=np.int64)
        spend_prog = np.concatenate([cp, y_progs])
        spend_vals = np.concatenate([unit_cost[cp], fixed[y_progs]])
        fixed_mandatory_no_y = float(fixed[mandatory & ~needs_y].sum())  # always 0 today

        # 1. min_units * y <= u <= max_units * y (or plain bounds).
        for i in range(n_prog):
            cols = x_cols[first_cell[i] : first_cell[i + 1]]
            lo, hi = float(min_units[i]), float(u_max[i])
            pid = s.programmes[i].id
            if i in y_col:
                yc = y_col[i]
                if lo > 0:
                    r = self.add_row(
                        f"min_units[{pid}]",
                        np.append(cols, yc),
                        np.append(np.ones(len(cols)), -lo),
                        0.0,
                        np.inf,
                    )
                    if self.elastic and mandatory[i]:
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
            else:
                need_row = lo > 0 or (n_cells_per_prog[i] > 1 and np.isfinite(hi))
                if not need_row:
                    continue
                if n_cells_per_prog[i] == 1 and not (self.elastic and lo > 0):
                    c = int(cols[0])
                    self.lower[0][c] = max(self.lower[0][c], lo)
                    self.upper[0][c] = min(self.upper[0][c], hi)
                    continue
                r = self.add_row(f"units[{pid}]", cols, np.ones(len(cols)), lo, hi)
                if self.elastic and lo > 0:
                    self.elastic_for(
                        r, 1.0, CommitmentKind.MANDATORY_MIN_UNITS, pid, "", lo, lo, lo
                    )

        # 1b. Per-cluster minimums (if funded) and the bound on change from current units.
        for k, low in sorted(cell_min.items()):
            pi = int(cp[k])
            pid, cid = s.programmes[pi].id, cell_names[int(cc[k])]
            xcol = int(x_cols[k])
            if pi in y_col:
                self.add_row(
                    f"min_units_per_cluster[{pid},{cid}]",
                    np.array([xcol, y_col[pi]]),
                    np.array([1.0, -low]),
                    0.0,
                    np.inf,
                )
            elif self.elastic:
                r = self.add_row(
                    f"min_units_per_cluster[{pid},{cid}]", np.array([xcol]), np.ones(1), low, np.inf
                )
                self.elastic_for(
                    r, 1.0, CommitmentKind.MANDATORY_MIN_UNITS, pid, cid, low, low, low
                )
            else:
                self.lower[0][xcol] = max(float(self.lower[0][xcol]), low)
        for i, p in enumerate(s.programmes):
            bounds = s.change_bounds(p)
            if bounds is None:
                continue
            cols = x_cols[first_cell[i] : first_cell[i + 1]]
            r = self.add_row(f"max_change[{p.id}]", cols, np.ones(len(cols)), bounds[0], bounds[1])
            if self.elastic:
                # Either side may have to give: moving further than allowed, up or down.
                scale = max(p.current_units or 0.0, 1.0)
                self.elastic_for(
                    r,
                    1.0,
                    CommitmentKind.MAX_CHANGE,
                    p.id,
                    "below",
                    bounds[0],
                    scale,
                    max(bounds[0], 1.0),
                )
                self.elastic_for(
                    r,
                    -1.0,
                    CommitmentKind.MAX_CHANGE,
                    p.id,
                    "above",
                    bounds[1],
                    scale,
                    money_cap / p.unit_cost,
                )

        # 2. Total budget.
        r = self.add_row(
            "budget[total]", spend_cols, spend_vals, -np.inf, total - fixed_mandatory_no_y
        )
        if self.elastic:
            self.elastic_for(
                r, -1.0, CommitmentKind.TOTAL_BUDGET, "", "", total, max(total, 1.0), money_cap
            )

        # 3. Department envelopes and minimum spend (cofunding-weighted).
        dept_index = {d.id: j for j, d in enumerate(s.departments)}
        share = np.zeros((n_prog, len(s.departments)))
        for i, p in enumerate(s.programmes):
            for dep, sh in p.funders().items():
                share[i, dept_index[dep]] = sh
        for j, d in enumerate(s.departments):
            if d.budget is None and not d.min_spend:
                continue
            vals = spend_vals * share[spend_prog, j]
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
                    money_cap,
                )
            if d.min_spend:
                r = self.add_row(f"department_min[{d.id}]", spend_cols, vals, lo, np.inf)
                self.elastic_for(r, 1.0, CommitmentKind.DEPARTMENT_MIN_SPEND, d.id, "", lo, lo, lo)

        # 5. Targets: rows with shortfalls (soft) or exact (hard).
        targets: list[TargetInfo] = []
        target_rows: list[TargetRow] = []
        ctx = _TargetContext(
            s, cp, cc, cy, x_cols, unit_cost, spend_cols, spend_prog, spend_vals, share, dept_index
        )
        for owner, t in s.all_targets():
            t_index = len(targets)
            rows: list[int] = []
            # A row whose required amount is 0 is always met and left out (MODEL.md 3).
            expanded = [
                (key, cols, vals, at_most, rhs, scale)
                for key, cols, vals, at_most, rhs, scale in ctx.rows(owner, t)
                if at_most or rhs > 0 or isinstance(t, SpendShareTarget)
            ]
            if not self.elastic:
                # All rows of the target at once: the same rows and columns, in the same
                # order, as the loop below adds one by one (a national scenario has 100,000
                # target rows; nothing else is added between them without elastic columns).
                for k, r, s_col in self.add_target_rows(t, expanded):
                    rows.append(len(target_rows))
                    key, _, _, at_most, rhs, scale = expanded[k]
                    target_rows.append(TargetRow(t_index, key, at_most, rhs, scale, r, s_col))
                targets.append(TargetInfo(t.id, owner, t, tuple(rows)))
                continue
            for key, cols, vals, at_most, rhs, scale in expanded:
                lo, hi = (-np.inf, rhs) if at_most else (rhs, np.inf)
                r = self.add_row(f"target[{t.id},{key}]", cols, vals, lo, hi)
                s_col = -1
                if not t.hard:
                    s_col = int(
                        self.add_cols(
                            ColKind.SHORTFALL, [f"s[{t.id},{key}]"], np.zeros(1), np.full(1, np.inf)
                        )[0]
                    )
                    self.append_to_row(r, np.array([s_col]), np.array([-1.0 if at_most else 1.0]))
                elif self.elastic:
                    # The tightest valid big-M: reach, metric and presence rows have a
                    # nonnegative lhs, so they give at most rhs; a spend-share row's lhs is
                    # bounded by the total spend, itself at most total + money_cap. A loose
                    # M lets a violation hide inside the integrality tolerance of z.
                    big_m = total + money_cap if isinstance(t, SpendShareTarget) else rhs
                    self.elastic_for(
                        r,
                        -1.0 if at_most else 1.0,
                        CommitmentKind.HARD_TARGET,
                        t.id,
                        key,
                        rhs,
                        scale,
                        big_m,
                    )
                rows.append(len(target_rows))
                target_rows.append(TargetRow(t_index, key, at_most, rhs, scale, r, s_col))
            targets.append(TargetInfo(t.id, owner, t, tuple(rows)))

        # Final-stage coverage columns: cov[c] <= reach[c], cov[c] <= youth_population[c].
        cov_cols = np.full(len(clusters), -1, dtype=np.int64)
        if s.objective == Objective.MAXIMIZE_WEIGHTED_REACH and not self.elastic:
            cov = self.add_cols(
                ColKind.COVERAGE,
                [f"cov[{c.id}]" for c in clusters],
                np.zeros(len(clusters)),
                pop,
                integral_coverage(pop, cc, cy, integer[cp]),
            )
            cov_cols[:] = cov
            m = cc >= 0
            group = np.concatenate([np.arange(len(clusters)), cc[m]])
            cols = np.concatenate([cov, x_cols[m]])
            vals = np.concatenate([np.ones(len(clusters)), -cy[m]])
            self.add_rows_grouped(
                [f"coverage[{c.id}]" for c in clusters],
                group,
                cols,
                vals,
                np.full(len(clusters), -np.inf),
                np.zeros(len(clusters)),
            )

        model = self._assemble(cp, cc, y_col, targets, target_rows, cov_cols)
        model.stages = self._stages(model, spend_cols, spend_vals)
        return model

    def _assemble(
        self,
        cp: IntArray,
        cc: IntArray,
        y_col: dict[int, int],
        targets: list[TargetInfo],
        target_rows: list[TargetRow],
        cov_cols: IntArray,
    ) -> Model:
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
            cell_programme=cp,
            cell_cluster=cc,
            y_col=y_col,
            targets=targets,
            target_rows=target_rows,
            cov_cols=cov_cols,
            stages=[],
            commitments=self.commitments,
            elastic=self.elastic,
        )

    def _stages(self, model: Model, spend_cols: IntArray, spend_vals: FloatArray) -> list[Stage]:
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
        np.add.at(spend, spend_cols, spend_vals)
        if self.s.objective == Objective.MAXIMIZE_WEIGHTED_REACH:
            cost = np.zeros(n)
            cost[model.cov_cols] = [c.weight for c in self.s.clusters]
            stages.append(Stage("final", None, Sense.MAX, cost))
            # Tie-break: spend nothing that buys nothing (docs/model.md).
            stages.append(Stage("tie-break", None, Sense.MIN, spend, reported=False))
        else:
            stages.append(Stage("final", None, Sense.MIN, spend))
        return stages


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
    """Expands one target into rows: (key, cols, vals, at_most, rhs, scale)."""

    def __init__(
        self,
        s: Scenario,
        cp: IntArray,
        cc: IntArray,
        cy: FloatArray,
        x_cols: IntArray,
        unit_cost: FloatArray,
        spend_cols: IntArray,
        spend_prog: IntArray,
        spend_vals: FloatArray,
        share: FloatArray,
        dept_index: dict[str, int],
    ) -> None:
        self.s = s
        self.cp, self.cc, self.cy, self.x_cols = cp, cc, cy, x_cols
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

    def rows(
        self, owner: str | None, t: Target
    ) -> list[tuple[str, IntArray, FloatArray, bool, float, float]]:
        s = self.s
        in_scope = self.scope(owner, t)
        cell_in = in_scope[self.cp]
        out: list[tuple[str, IntArray, FloatArray, bool, float, float]] = []
        if isinstance(t, YouthReachTarget):
            in_cluster = self.cells_by(cell_in, self.cc, len(s.clusters))
            for c in self.target_clusters(t):
                sel = in_cluster(c)
                pop = s.clusters[c].youth_population
                rhs = t.at_least if t.at_least is not None else (t.share or 0.0) * pop
                out.append((s.clusters[c].id, self.x_cols[sel], self.cy[sel], False, rhs, rhs))
        elif isinstance(t, MetricTarget):
            m = cell_in.copy()
            if t.clusters is not None:
                m &= np.isin(self.cc, self.target_clusters(t))
            if t.metric == YOUTH_METRIC:
                vals = self.cy[m]
            else:
                per_prog = np.array([p.outputs.get(t.metric, 0.0) for p in s.programmes])
                vals = per_prog[self.cp[m]]
            out.append((t.metric, self.x_cols[m], vals, False, t.at_least, t.at_least))
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
                    out.append((key, self.x_cols[sel], np.ones(len(sel)), False, rhs, rhs))
        elif isinstance(t, SpendShareTarget):
            at_most = t.at_most is not None
            frac = t.at_most if t.at_most is not None else (t.at_least or 0.0)
            if not at_most and frac <= 0:
                return []
            # spend in scope (full credit to every funder)
            if t.clusters is not None:
                m = cell_in & np.isin(self.cc, self.target_clusters(t))
                num_cols, num_vals = self.x_cols[m], self.unit_cost[self.cp[m]]
            else:
                m = in_scope[self.spend_prog]
                num_cols, num_vals = self.spend_cols[m], self.spend_vals[m]
            # base: total spend, or the owning department's cofunding-weighted spend
            if owner is not None and t.departments is None:
                base_vals = self.spend_vals * self.share[self.spend_prog, self.dept_index[owner]]
            else:
                base_vals = self.spend_vals
            cols = np.concatenate([num_cols, self.spend_cols])
            vals = np.concatenate([num_vals, -frac * base_vals])
            scale = frac * s.budget.total if frac > 0 else s.budget.total
            out.append(("share", cols, vals, at_most, 0.0, max(scale, 1e-9)))
        return out


def build_model(scenario: Scenario, *, elastic: bool = False) -> Model:
    """The model of MODEL.md section 4 (or its elastic version for a diagnosis)."""
    return _Builder(scenario, elastic).build()


def hold_bound(
    value: float,
    sense: Sense,
    relative: float = HOLD_RELATIVE_TOLERANCE,
    absolute: float = HOLD_ABSOLUTE_TOLERANCE,
) -> float:
    """The bound that holds a stage optimum within the tolerance of MODEL.md section 4."""
    slack = max(abs(value) * relative, absolute)
    return value + slack if sense == Sense.MIN else value - slack
