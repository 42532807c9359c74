"""How a figure is written wherever a person or a program reads it: the JSON result, a
workbook cell, a sentence. Solver noise is rounded away and there is never a negative zero.
"""

from __future__ import annotations

import math

from .tolerances import NOISE_REL


def clean_figure(x: float, scale: float = 1.0) -> float:
    """A figure as the JSON result (and a workbook cell) writes it: without solver noise
    (`108.50000003` is 108.5; `-5.99999112e-07` of a 16,000 budget is 0) and never -0.0.
    `scale` is the size of the figures it belongs with (the total budget for money)."""
    if not math.isfinite(x) or abs(x) <= NOISE_REL * max(abs(scale), 1.0):
        return 0.0
    y = float(f"{x:.10g}") + 0.0  # + 0.0: no negative zero
    return y if math.isfinite(y) else x  # rounding the largest floats up overflows
