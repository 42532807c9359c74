"""Scaling between the model and the solver, so that any unit of money works.

A scenario in pesos and the same scenario in millions of pesos differ by a factor of a
million in every money row (budget, envelopes, spend shares) and in every money column
(the shortfall of a spend-share row). The solver's tolerances are absolute (1e-7 on a row,
1e-9 below which a coefficient is dropped), so without scaling the same scenario would be
solved with a different accuracy, and a different plan, in each unit.

Here every row is divided by its largest coefficient, then every continuous column is
multiplied by the inverse of its largest scaled coefficient (integer columns keep their
unit: a scaled integer is no longer an integer), and each stage's objective is divided by
its largest coefficient, each factor rounded to a power of two. The largest coefficient
of every row, column and objective is then between 0.7 and 1.4 whatever the unit of money
(or of youth, or of an output metric), and, powers of two being exact in binary floating
point, the scaled model is the same problem to the last bit: a solve is no different for
being scaled, only better conditioned. Values come back as `col_scale * scaled values`;
objectives as `scaled objective / objective scale`.

What no scaling can make honest is refused at validation instead (scenario.py,
`MAX_SPAN`): numbers of one kind that span more orders of magnitude than the solver's
tolerances can tell apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import FloatArray, IntArray, Model


@dataclass(frozen=True)
class Scaled:
    """The model's arrays as the solver sees them, and the factors to read them back."""

    row_scale: FloatArray  # scaled row = row_scale[r] * row
    col_scale: FloatArray  # original column value = col_scale[j] * scaled value
    values: FloatArray  # the CSR values (the model's indptr and indices are unchanged)
    col_lower: FloatArray
    col_upper: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray

    def cost(self, cost: FloatArray) -> tuple[FloatArray, float]:
        """A stage's objective over the scaled columns, divided by (about) its largest
        coefficient; and that factor (scaled objective = factor * objective)."""
        per_col = cost * self.col_scale
        top = np.max(np.abs(per_col), initial=0.0)
        factor = float(_power_of_two(np.array([top]))[0]) if np.isfinite(top) else 1.0
        return per_col * factor, factor

    def to_scaled(self, values: FloatArray) -> FloatArray:
        return np.asarray(values, dtype=float) / self.col_scale

    def from_scaled(self, values: FloatArray) -> FloatArray:
        """Values of the model's columns (an integer column, scale 1, is the solver's own)."""
        return np.asarray(values, dtype=float) * self.col_scale


def _row_max(model: Model, values: FloatArray) -> FloatArray:
    """The largest |coefficient| of each row (0 for an empty row)."""
    out = np.zeros(model.n_rows)
    lengths = np.diff(model.indptr)
    nonempty = lengths > 0
    if nonempty.any():
        starts = model.indptr[:-1][nonempty]
        out[nonempty] = np.maximum.reduceat(np.abs(values), starts)
    return out


def _col_max(model: Model, values: FloatArray) -> FloatArray:
    out = np.zeros(model.n_cols)
    np.maximum.at(out, model.indices, np.abs(values))
    return out


def _power_of_two(largest: FloatArray) -> FloatArray:
    """1 / largest, rounded to the nearest power of two (1 where largest is 0)."""
    safe = np.where(largest > 0, largest, 1.0)
    return np.where(largest > 0, np.exp2(-np.round(np.log2(safe))), 1.0)


def scale_model(model: Model) -> Scaled:
    """Row and column scale factors of `model` (module docstring), and its scaled arrays."""
    rows: IntArray = np.repeat(np.arange(model.n_rows), np.diff(model.indptr))
    row_max = _row_max(model, model.values)
    row_scale = _power_of_two(row_max)
    values = model.values * row_scale[rows]
    col_max = _col_max(model, values)
    scalable = (col_max > 0) & ~model.integrality
    col_scale = np.where(scalable, _power_of_two(col_max), 1.0)
    values = values * col_scale[model.indices]
    with np.errstate(invalid="ignore"):  # inf / positive scale stays inf
        col_lower = model.col_lower / col_scale
        col_upper = model.col_upper / col_scale
        row_lower = model.row_lower * row_scale
        row_upper = model.row_upper * row_scale
    return Scaled(row_scale, col_scale, values, col_lower, col_upper, row_lower, row_upper)
