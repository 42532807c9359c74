"""The workbook of an infeasible solve: one sheet with the diagnosis.

An infeasible scenario has no allocation, but the planning office still needs something to
pass around: which hard commitments must give, by how much, and what could give instead.
One row per commitment (a hard target is one commitment however many rows it has), with
the committed and possible amounts as number cells, then the diagnosis sentence itself.
Labels come from `labels.py` (es / en); the sentences are the diagnosis's own words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from openpyxl import Workbook

from .. import __version__
from ..findings import Finding, Money
from ..scenario import Scenario
from .context import Book
from .labels import Labels
from .xlsx import Col, V, count_fmt

#: Units of a finding whose amounts are shares (shown as percentages).
SHARE_UNIT = "share"


def build_diagnosis(
    scenario: Scenario,
    sha256: str,
    diagnosis: Sequence[Finding],
    header: str,  # diagnose.diagnosis_header_key
    *,
    lang: str,
    run_at: datetime | None = None,
) -> Workbook:
    cur, components = scenario.scenario.currency, scenario.given_component_names()
    book = Book(lang, cur, run_at or datetime.now().astimezone(), components)
    L, when = book.L, book.when
    sh = book.new_sheet(L("sheet.diagnosis"))
    info = scenario.scenario
    sh.title(L("title.diagnosis"), L("subtitle", name=info.name, id=info.id, when=when))
    sh.note(L("diagnosis.lead"))
    if header != "fallback":
        sh.section(L(f"diagnosis.header.{header}"))
    names = _names(scenario)
    places = diagnosis_places(L, scenario)
    clusters = {c.id for c in scenario.clusters}
    cols = [
        Col(L("col.commitment"), 24, wrap=True),
        Col(L("col.about"), 26, wrap=True),
        Col(L("col.committed")),
        Col(L("col.possible")),
        Col(L("col.gives_by")),
        Col(L("col.unit"), 14, wrap=True),
        Col(L("col.more_money"), 14, wrap=True),
        Col(L("col.detail"), 70, wrap=True),
        Col(L("col.or_instead"), 44, wrap=True),
    ]
    rows = []
    for f in diagnosis:
        share = f.unit == SHARE_UNIT
        fmt = "0.0%" if share else None

        def cell(x: float, fmt: str | None = fmt) -> V:
            return V(x, fmt or count_fmt(x))

        unit = _unit(L, scenario, f.unit)
        rows.append(
            [
                L(f"commitment.{f.kind}"),
                f.name or names.get(f.subject, f.subject) or L("commitment.whole_city"),
                cell(f.committed),
                cell(f.possible),
                cell(f.violation),
                unit,
                L(f"money.{f.money}"),
                finding_sentence(L, scenario, f),
                "\n".join(L.alternative(a, places, clusters) for a in f.alternatives) or L("none"),
            ]
        )
    sh.table(cols, rows, freeze=True)
    return book.finish(L("footer", id=info.id, sha=sha256[:16], version=__version__, when=when))


def diagnosis_places(L: Labels, scenario: Scenario) -> dict[str, str]:
    """Display names of what an alternative may name: clusters, metrics, components."""
    places = {c.id: c.name for c in scenario.clusters}
    places.update({m: scenario.metric_name(m) for p in scenario.programmes for m in p.outputs})
    places["youth"] = L("unit.young_people")
    places.update({cid: L.component(cid) for cid in scenario.component_names()})
    return places


def finding_sentence(L: Labels, s: Scenario, f: Finding) -> str:
    """A finding of the diagnosis in `L`'s language, from its figures: the English
    finding keeps the diagnosis's own detailed message; in Spanish this sentence says
    what must give and by how much."""
    if L.lang == "en":
        return f.message
    names = _names(s)
    share = f.unit == SHARE_UNIT

    def amount(x: float) -> str:
        return L.percent(x) if share else L.count(x)

    text = L(
        f"finding.{f.kind}",
        name=f.name or names.get(f.subject, f.subject),
        committed=amount(f.committed),
        possible=amount(f.possible),
        violation=amount(f.violation),
        unit=_unit(L, s, f.unit),
    )
    if f.money in (Money.PARTLY, Money.NO):
        text += L(f"finding.money.{f.money}")
    return text


def _unit(L: Labels, s: Scenario, unit: str) -> str:
    """A finding's unit in the workbook's words: the money unit, a share, units, youth,
    or an output metric's display name."""
    if unit == s.scenario.currency:
        return L.currency
    if unit in (SHARE_UNIT, "units"):
        return L(f"unit.{unit}")
    if unit == "youth":  # distinct youth of a youth_reach row, or the youth metric
        return L("unit.young_people")
    return s.metric_name(unit)


def _names(s: Scenario) -> dict[str, str]:
    out = {d.id: d.name for d in s.departments}
    out.update({p.id: p.name for p in s.programmes})
    out.update({t.id: t.name or t.id for _, t in s.all_targets()})
    return out


def document_in_language(doc: dict[str, Any], s: Scenario) -> dict[str, Any]:
    """A result@1 document whose diagnosis findings say their `message` in the scenario's
    language (the English message as the diagnosis wrote it; in Spanish the sentence the
    terminal and the workbook show). Every other field, `kind` and the figures included,
    is unchanged: they are what a program reads."""
    lang = s.scenario.language
    findings = doc.get("diagnosis")
    if lang == "en" or not isinstance(findings, list):
        return doc
    L = Labels(lang, s.scenario.currency, s.given_component_names())
    said = [dict(f) | {"message": finding_sentence(L, s, Finding.from_json(f))} for f in findings]
    return doc | {"diagnosis": said}


def batch_in_language(doc: dict[str, Any], scenarios: list[Scenario]) -> dict[str, Any]:
    """A batch@1 document (`compare`, `sweep`) whose results say their diagnosis in their
    scenario's language: result i is of scenarios[i] (a sweep's points all of the one)."""
    results = doc.get("results")
    if not isinstance(results, list):
        return doc
    said = [
        document_in_language(r, scenarios[min(i, len(scenarios) - 1)])
        for i, r in enumerate(results)
    ]
    return doc | {"results": said}
