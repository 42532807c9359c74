"""Native Excel bar charts for the summary sheet (openpyxl), readable in print.

Charts draw from cells of the workbook (so a reader can check them against the tables)
and use small axis fonts so that every category label (cluster and department names are
long) is shown rather than every other one.
"""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import (
    CharacterProperties,
    Paragraph,
    ParagraphProperties,
    RegularTextRun,
)
from openpyxl.worksheet.worksheet import Worksheet

#: Font sizes in hundredths of a point.
TITLE_SIZE = 1100
AXIS_SIZE = 700
LABEL_SIZE = 700
#: Series colours: dark blue and orange (distinct for the common colour-blindnesses).
SERIES_COLOURS = ("1F4E79", "E69F00")


def _text(size: int, bold: bool = False) -> RichText:
    props = CharacterProperties(sz=size, b=bold)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)])


def _title(text: str) -> Title:
    props = CharacterProperties(sz=TITLE_SIZE, b=True)
    para = Paragraph(pPr=ParagraphProperties(defRPr=props), r=[RegularTextRun(rPr=props, t=text)])
    return Title(tx=Text(rich=RichText(p=[para])), overlay=False)


def horizontal_bars(
    title: str,
    data: Worksheet,
    categories: tuple[int, int, int],
    values: tuple[int, int, int, int],
    *,
    number_format: str,
    width_cm: float,
    height_cm: float,
    labels: bool = False,
    maximum: float | None = None,
) -> BarChart:
    """A horizontal bar chart, categories top-down in table order.

    `categories` is (column, first row, last row); `values` is (first column, last column,
    header row, last row): one series per column, named by its header. With `labels`,
    the first series' values are written beside its bars, the other series' not: the
    two labels of one category are taller than its two bars and would overlap.
    """
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "clustered"
    chart.title = _title(title)
    col, first, last = categories
    c1, c2, header, last_v = values
    chart.add_data(
        Reference(data, min_col=c1, max_col=c2, min_row=header, max_row=last_v),
        titles_from_data=True,
    )
    chart.set_categories(Reference(data, min_col=col, min_row=first, max_row=last))
    for i, series in enumerate(chart.series):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        series.graphicalProperties = GraphicalProperties(solidFill=colour)
        series.graphicalProperties.line.solidFill = colour
    # Excel (openpyxl >= 3.1) hides axes unless told; show them, with small fonts.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.scaling.orientation = "maxMin"  # first row at the top
    chart.x_axis.txPr = _text(AXIS_SIZE)
    chart.y_axis.txPr = _text(AXIS_SIZE)
    chart.y_axis.number_format = number_format
    chart.y_axis.scaling.min = 0
    if maximum is not None:
        chart.y_axis.scaling.max = maximum
    chart.y_axis.crosses = "max"  # the value axis along the bottom
    if labels:
        chart.series[0].dLbls = DataLabelList(
            showVal=True,
            showCatName=False,
            showSerName=False,
            showLegendKey=False,
            showPercent=False,
            numFmt=number_format,
        )
        chart.series[0].dLbls.txPr = _text(LABEL_SIZE)
    if len(chart.series) == 1:
        chart.legend = None
    elif chart.legend is not None:
        chart.legend.position = "b"
        chart.legend.txPr = _text(AXIS_SIZE)
    chart.gapWidth = 60
    chart.width, chart.height = width_cm, height_cm
    return chart
