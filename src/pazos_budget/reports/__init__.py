"""Reports of a result: the allocation workbook (`excel`), the council comparison
(`council`), the diagnosis workbook (`diagnosis`) and their es/en labels (`labels`).

Reports read a verified `Result`; they never solve and never import a solver. Import the
module you need (`from pazos_budget.reports.excel import write_workbook`): openpyxl is
loaded only by the modules that write a workbook.
"""
