"""Every tolerance of the optimizer and its reports, in one place, with what it protects.

A tolerance is how far two numbers may differ and still count as the same: a constraint
met, a stage optimum held, a figure whole, zero or tied. Each one below says what it
protects and how it stands to the others. In the order a plan meets them:

- The solver. HiGHS drops a coefficient below `small_matrix_value` (its default 1e-9;
  ours `HIGHS_SMALL_MATRIX_VALUE`), meets a row to 1e-7 and a reduced cost to
  `HIGHS_DUAL_FEASIBILITY` (1e-8; its default 1e-7), absolute; the model is
  scaled (scaling.py) so that those absolute tolerances mean the same whatever the unit
  of money. CBC, read through PuLP, gives values to about 8 significant digits.
- `HOLD_RELATIVE_TOLERANCE` (1e-9) is how tightly one stage's optimum is held while the
  later stages solve: a thousand times tighter than the contract, so that later stages
  cannot trade an earlier result away for float noise (a 1e-6 slack once made 60
  workshops read 59.999864). A stage that the tight hold makes numerically infeasible is
  held at `CONTRACT_TOLERANCE` instead (both solvers).
- `CONTRACT_TOLERANCE` (1e-6, relative) is what a result promises (docs/model.md): every
  hard constraint and every held stage optimum holds within it. The independent check of
  a result, `CHECK_TOLERANCE`, is the same number on purpose: a looser check would pass
  a plan the contract forbids, a tighter one would refuse plans the solver was entitled
  to return. The MIP gap a plan is proven to, `DEFAULT_MIP_GAP`, is also 1e-6: the
  final stage is optimal to the contract's precision.
- `SNAP` and `NOISE` (1e-6, no looser than the check) tidy the solver's allocation
  before every figure is recomputed from it: within 1e-6 of a whole number is that
  number, below 1e-6 units is 0 (ten times HiGHS's 1e-7 feasibility tolerance).
  `STAGE_TOLERANCE` (1e-5) is how far a stage value recomputed from the tidied
  allocation may sit from the solver's own: the slivers tidying removed, times the
  largest coefficient, stay below it.
- `NOISE_REL` (1e-9) is the rounding of every figure the JSON and the workbooks write
  (figures.py): a thousand times below the contract, so the written figures are the
  verified ones to every digit the contract cares about.
- The rest say when two figures of a report are "the same" (`TIE_MARGIN`, `WRITTEN_WHOLE`,
  `ZERO`, ...): a reason that names one cluster or programme over another, or a figure
  shown with decimals, must not rest on float noise. None of them changes a plan.

`tests/test_tolerances.py` fails on a bare float literal below 1e-3 anywhere else in
the package: a new tolerance is named here, with what it protects.
"""

from __future__ import annotations

# --------------------------------------------------------------------------- the contract
#: The contract's tolerance (docs/model.md: the model), relative: every hard constraint
#: and every held stage optimum of a result holds within it.
CONTRACT_TOLERANCE = 1e-6
#: The independent hard-constraint check of a result (docs/model.md: results). Equal to
#: the contract by design: it verifies exactly what the contract promises.
CHECK_TOLERANCE = CONTRACT_TOLERANCE

# --------------------------------------------------------------------------- the solves
#: How tightly a stage optimum is held while the later stages solve (relative): much
#: tighter than the contract, so later stages cannot trade an earlier result away for
#: float noise. A stage the solver finds numerically infeasible at this is solved again
#: with its holds at CONTRACT_TOLERANCE.
HOLD_RELATIVE_TOLERANCE = 1e-9
#: Absolute floor of that hold (a stage optimum of exactly 0 is held at 1e-9).
HOLD_ABSOLUTE_TOLERANCE = 1e-9
#: The relative MIP gap a plan is proven to, unless the user asks for another: the final
#: stage is optimal to the contract's precision.
DEFAULT_MIP_GAP = 1e-6
#: The MIP gap of each sampled world's re-solve in `robust`: a sampled world, whose costs
#: are no longer round numbers, can take minutes to prove 1e-6 where 1e-4 takes seconds,
#: and the best plans are read as percentiles, where 1e-4 of a world's objective does not
#: show. The plan itself is solved to DEFAULT_MIP_GAP.
WORLD_MIP_GAP = 1e-4
#: HiGHS's `small_matrix_value` (its default is 1e-9): scaled, a coefficient at the edge
#: of what validation lets through (scenario.MAX_SPAN) can fall just below 1e-9, which
#: would silently drop it from the model.
HIGHS_SMALL_MATRIX_VALUE = 1e-12
#: HiGHS's dual feasibility tolerance (its default is 1e-7): how far a reduced cost may
#: stray on the wrong side of 0 at an optimum. Each stage's objective is scaled so that
#: its largest coefficient is about 1 (scaling.py), beside which 1e-7 is coarse. At 1e-8
#: the dual simplex took fewer iterations on every linear benchmark instance measured
#: (benchmarks/README.md: 600 x 200, 10,466 at 1e-7 and 4,631 at 1e-8), Palmira's
#: integer stages the same nodes and plan, and every optimum's reduced costs are ten
#: times closer to exact.
HIGHS_DUAL_FEASIBILITY = 1e-8
#: HiGHS's MIP feasibility tolerance, as HiGHS has it: how far a row of an integer model
#: may be missed by a plan HiGHS accepts (absolute, on the scaled row whose largest
#: coefficient is about 1).
HIGHS_MIP_FEASIBILITY = 1e-6
#: The same, for the one re-solve of a plan the independent check refused: on a row whose
#: bound is small beside its coefficients, 1e-6 absolute is more than the contract's 1e-6
#: relative (a min_spend of 3 met by 0.375 units of cost 8 read 2.9999969;
#: tests/data/found/min-spend-sliver.json). A thousand times tighter, such a row is met
#: unless its coefficients are a thousand times its bound. Only for that re-solve: at it,
#: the examples' integer plans are other optima of the same stages.
HIGHS_MIP_FEASIBILITY_STRICT = 1e-9
#: The objective recomputed from a solution and the one the solver reports for it may
#: differ by this much (relative, on the scaled objective whose largest coefficient is 1)
#: before the answer is refused as untrustworthy: the contract's precision.
OBJECTIVE_AGREEMENT = 1e-6
#: A solution HiGHS returns "consistent" when its own objective and the one recomputed
#: from its values agree this closely (relative); otherwise the stage is run again without
#: its start. Much tighter than OBJECTIVE_AGREEMENT: this only asks whether the start
#: was handed back as the answer, not whether the answer is usable.
HIGHS_CONSISTENT = 1e-9
#: A column whose lower bound is above its upper bound by more than this (absolute) is
#: infeasible before any solve (a mandatory minimum above a cap); CBC would crash on it.
#: Float noise only: the bounds are the scenario's own numbers.
BOUND_CROSSING = 1e-9
#: An integer column's bound within this much (relative) of a whole number is that number
#: (solve.whole_bounds rounds the bounds of whole-unit columns inward before a solver sees
#: them); as tight as FLOAT_ROUNDING, so a bound that is truly fractional is never rounded out.
WHOLE_BOUND_TOLERANCE = 1e-9
#: A column within this of a bound (relative, scaled model) is at that bound (lprace.py:
#: the columns a canonical LP re-run fixes): HiGHS's primal feasibility tolerance (its
#: values may stray that far past a bound: 1.7e-8 was seen on a small random LP), far above
#: the 1e-13 by which two LP methods' numbers for one optimum usually differ, far below
#: CONTRACT_TOLERANCE, the least a plan reports.
AT_BOUND = 1e-7
#: CBC reports "optimal" even when its time limit cut it short: a stage that used this
#: share of the time it had left is reported feasible, not optimal.
CBC_TIME_USED = 0.98
#: The smallest scale a row's violation is divided by (a row whose natural scale is 0 or
#: tiny, e.g. a spend-share cap of 0): the model's rows and result.py's recomputed rows
#: use the same floor, so a scaled shortfall means the same in both.
MIN_SCALE = 1e-9
#: A curve chord whose intercept is within this of a cluster's cap (absolute, in youth)
#: is dropped as one that never binds: only float noise of `pop * a_k` is forgiven.
CHORD_AT_CAP = 1e-12
#: A quotient this close below a whole number is that whole number before it is floored
#: or ceiled (units money can buy, points of a sweep, votes of a share): only float noise
#: of the division is forgiven, far below any unit of the scenario.
FLOAT_ROUNDING = 1e-9
#: A programme's own bound is no tighter than the one the budget implies for it when within
#: this (relative) below it (unchanged.py: a proof that more money changes nothing needs
#: every bound that grows with the budget already met): only float noise is forgiven.
IMPLIED_BOUND_NOISE = 1e-12

# --------------------------------------------------------------------------- the result
#: Values closer than this to a whole number are reported as that whole number (relative
#: to max(1, |value|)). Not above CHECK_TOLERANCE: tidying moves a figure by no more of
#: itself than the check forgives.
SNAP = 1e-6
#: Units below this are solver noise (HiGHS's feasibility tolerance is 1e-7), reported 0.
NOISE = 1e-6
#: The recomputed stage values may differ from the solver's by the slivers SNAP and
#: NOISE removed (relative): ten times the contract.
STAGE_TOLERANCE = 1e-5
#: The rounding of every figure written (figures.clean_figure): a figure is written to 10
#: significant digits (it moves by at most 5e-10 of itself), and one within this fraction
#: of its scale is zero. A thousand times below the contract.
NOISE_REL = 1e-9

# --------------------------------------------------------------------------- the scenario
#: Cofunding shares must sum to 1 within this (absolute): the contract's precision, well
#: above the rounding of shares typed as decimals (1/3 as 0.333333).
SHARE_SUM_TOLERANCE = 1e-6
#: Two numbers of a department's submission form are the same as the form shows them:
#: to 12 significant digits (a spreadsheet program saving the form again may write the
#: last digit differently). Relative and absolute.
SAME_IN_FORM = 1e-12

# --------------------------------------------------------------------------- the reasons
#: In a diagnosis, a commitment gives when its violation exceeds this times max(1, its
#: scale): the contract's precision, so a commitment met within the contract never gives.
GIVE_TOLERANCE = 1e-6
#: A solved value within this (relative) of its bound is at the bound: a reason names
#: the bound that binds (max_units, a cluster's youth). The contract's precision: a plan
#: may sit that far inside a bound it meets.
BINDING = CONTRACT_TOLERANCE
#: Two figures closer than this (relative) are a tie: a reason that prefers one cluster
#: or programme, or a figure called above another, must not rest on float noise.
TIE_MARGIN = 1e-6
#: A programme is named as cheaper than another only by at least this margin (relative):
#: any real price difference counts, float noise does not.
CHEAPER_MARGIN = 1e-9
#: The slope of the reach curve "just below" a cluster's participations is read this far
#: below them (relative, and absolute at 0): far below the spacing of the curve's
#: breakpoints, far above float noise.
JUST_BELOW = 1e-9
#: The next step of a continuous programme, in units: a sliver of one unit, what one more
#: peso there would buy. Equal to NOISE, the fewest units a plan reports.
SLIVER = 1e-6
#: Two plans' cell spends closer than this share of the plan's spend are the same
#: decision (the allocation's figures are snapped to SNAP).
SAME_SPEND = 1e-6
#: A recorded (executed) number of units is above a bound only past this (absolute): the
#: records are typed numbers, summed row by row, so only float noise is forgiven.
RECORD_NOISE = 1e-9
#: A recorded amount of money this small (absolute) is not mentioned: written with two
#: decimals, it would read 0.00.
UNSHOWN_MONEY = 5e-3

# --------------------------------------------------------------------------- the figures
#: A figure this close to 0 (absolute) is shown as nothing, 0 or no change, never as a
#: loss or gain of -0.0 (terminal tables, council deltas, marginal-value sentences).
ZERO = 1e-9
#: A count within this (absolute) of a whole number is written without decimals: the
#: terminal, the workbook's number formats and the sentences agree. Equal to SNAP.
WRITTEN_WHOLE = 1e-6
#: A number is written with d decimals when it is within this (absolute) of its rounding
#: to d (an input value, a percentage): decimals the user typed are kept, float noise
#: (0.1 + 0.2) is not.
EXACT_DECIMAL = 1e-9
#: A money step of about 1% of a budget is rounded up to 1, 2 or 5 times a power of ten
#: from this fraction of it: 1% computed as 99.9999 is still a step of 100.
STEP_ROUNDING = 0.999
