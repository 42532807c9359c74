"""Reports of a result: the allocation workbook (`excel`) and its es/en labels (`labels`).

Reports read a verified `Result`; they never solve and never import a solver.
"""

from __future__ import annotations

__all__ = ["write_workbook"]


def __getattr__(name: str) -> object:
    # openpyxl is imported only when a workbook is actually written
    if name == "write_workbook":
        from .excel import write_workbook

        return write_workbook
    raise AttributeError(name)
