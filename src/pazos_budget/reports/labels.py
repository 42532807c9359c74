"""Every word a report shows, in Colombian Spanish (`es`) and English (`en`).

No other module of `reports/` spells a label: sheet names, column headers, statuses,
component and target-kind names, the reasons of `explain` and the marginal-value
sentence all come from here. `ES` and `EN` have the same keys (a test checks it); the
few texts that are the same in both languages are listed in `SAME_IN_BOTH`.

Numbers inside sentences are written the way each language writes them (es: 1.234,5;
en: 1,234.5). Numbers in cells stay numbers: their format (`#,##0.0`) is shown with the
separators of the reader's own spreadsheet locale.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Literal

from ..concentration import Cause, Concentration
from ..errors import ReportError
from ..explain import MILLION_UNITS, Funding, Measure, MeasureKind, Reason, Why
from ..scenario import Unservable

Lang = Literal["es", "en"]
LANGUAGES: tuple[Lang, ...] = ("es", "en")

ES: dict[str, str] = {
    # ----------------------------------------------------------------- sheet names
    "sheet.summary": "Resumen",
    "sheet.targets": "Metas",
    "sheet.departments": "Secretarías",
    "sheet.clusters": "Clústeres",
    "sheet.allocation": "Asignación",
    "sheet.scenario": "Escenario",
    # ----------------------------------------------------------------- titles
    "title.summary": "Resumen de la asignación del presupuesto PAZOS",
    "title.targets": "Metas de PAZOS y de las secretarías",
    "title.departments": "Secretarías y dependencias: techo, asignación y metas",
    "title.department": "{name}",
    "title.department.sub": (
        "Hoja para la jefatura de la dependencia: sus programas, su gasto y sus metas"
    ),
    "title.clusters": "Clústeres: jóvenes, cobertura y gasto",
    "title.presence": "Presencia de los cinco componentes por clúster (unidades entregadas)",
    "title.scenario": "Escenario: entradas leídas y trazabilidad",
    "title.stages": "Etapas de la optimización",
    "title.components": "Gasto por componente",
    "title.marginal": "Valor marginal del dinero",
    "title.programmes": "Programas",
    "title.reasons": "Por qué cada programa recibe lo que recibe, y qué metas atiende",
    "title.current": "Plan vigente frente a la asignación optimizada",
    "col.current_units": "Unidades del plan vigente",
    "col.optimized_units": "Unidades asignadas",
    "col.change": "Cambio",
    "col.current_spend": "Gasto del plan vigente ({currency})",
    "col.optimized_spend": "Gasto optimizado ({currency})",
    "title.by_cluster": "Unidades, gasto y participaciones por clúster",
    "title.goals": "Metas citadas en esta hoja: las de la secretaría y las de PAZOS",
    "title.cofunding": "Programas cofinanciados",
    "title.inputs.clusters": "Clústeres (entradas)",
    "title.inputs.departments": "Secretarías (entradas)",
    "title.inputs.programmes": "Programas (entradas)",
    "title.inputs.targets": "Metas (entradas)",
    "title.inputs.metrics": "Nombres de los indicadores (entradas)",
    "chart.components": "Gasto por componente ({currency})",
    "title.coverage": "Cobertura de jóvenes distintos por clúster (estimado)",
    "title.coverage.lowest": (
        "Cobertura de jóvenes distintos: los {n} clústeres priorizados con menor cobertura "
        "(de {total})"
    ),
    "title.envelopes": "Gasto de cada secretaría frente a su techo ({currency})",
    "title.envelopes.largest": (
        "Gasto frente al techo: las {n} secretarías con mayor techo (de {total}) ({currency})"
    ),
    "subtitle": "Escenario «{name}» ({id}) · corrida del {when}",
    "footer": "PAZOS · escenario {id} · sha256 {sha} · pazos-budget {version} · {when}",
    "page": "Página &P de &N",
    # ----------------------------------------------------------------- summary rows
    "col.indicator": "Indicador",
    "col.value": "Valor",
    "col.unit": "Unidad",
    "col.meaning": "Significado",
    "col.stage": "Etapa",
    "col.share_of_spend": "% del gasto",
    "col.source": "Fuente del dinero",
    "col.extra": "Dinero adicional",
    "col.extra_youth": "Jóvenes distintos adicionales (estimado)",
    "col.extra_coverage": "Cobertura ponderada adicional",
    "col.sentence": "En palabras",
    "sum.scenario": "Escenario",
    "sum.date": "Fecha y hora de la corrida",
    "sum.solver": "Solver",
    "sum.status": "Estado de la solución",
    "sum.budget": "Presupuesto",
    "sum.spend": "Ejecutado",
    "sum.unspent": "Sin ejecutar",
    "sum.used": "Porcentaje ejecutado",
    "sum.youth": "Jóvenes distintos alcanzados (estimado)",
    "sum.participations": "Participaciones (un joven puede sumar varias)",
    "sum.coverage": "Cobertura de los clústeres priorizados",
    "sum.weighted": "Cobertura ponderada (objetivo final)",
    "sum.pazos_met": "Metas de PAZOS cumplidas",
    "sum.goals_met": "Metas de las secretarías cumplidas",
    "sum.all_met": "Metas cumplidas en total",
    "unit.youth": "jóvenes distintos (estimado)",
    "unit.participations": "participaciones",
    "unit.of": "de {total}",
    "n_of": "{n} de {total}",
    "unit.weighted": "jóvenes distintos × peso",
    "stage.priority": "Prioridad {priority}",
    "stage.final": "Final",
    "stage.feasible": "{stage} (factible, brecha {gap})",
    "stage.feasible_no_gap": "{stage} (factible, brecha desconocida)",
    "stage.not_run": "{stage} (sin resolver: corrida interrumpida)",
    "stage.shortfall": "Déficit relativo ponderado (0 = todas cumplidas)",
    "stage.reach": "Cobertura ponderada (jóvenes distintos × peso del clúster)",
    "stage.min_coverage": "Cobertura más baja entre los clústeres priorizados",
    "stage.spend": "Gasto total ({currency})",
    "marginal.total_budget.source": "Presupuesto total",
    "marginal.head": "Con {extra} más ({currency}) {who}",
    "marginal.total_budget": "en el presupuesto total",
    "marginal.department": "en el techo de «{name}»",
    "marginal.resolve_failed": "{head}: no se calculó: no se pudo volver a resolver ({error}).",
    "marginal.plan_not_optimal": (
        "{head}: no se calculó: no está demostrado que el plan sea óptimo (la corrida se "
        "detuvo por el límite de tiempo o por Ctrl-C), así que una diferencia mediría su "
        "brecha y no el efecto del dinero."
    ),
    "marginal.resolve_not_optimal": (
        "{head}: no se calculó: la nueva corrida con más dinero se detuvo (por el límite de "
        "tiempo o por Ctrl-C) antes de demostrar su óptimo, así que la diferencia no sería "
        "exacta."
    ),
    "marginal.not_solved": "{head}: no se calculó: la nueva corrida no se hizo.",
    "marginal.part": "déficit de prioridad {priority} {before} → {after}",
    "marginal.more": "se alcanzan unos {youth} jóvenes más",
    "marginal.fewer": "se alcanzan unos {youth} jóvenes menos",
    "marginal.no_more": "no se alcanzan más jóvenes",
    "marginal.first_closer": (
        "{head} primero se acercan las metas de mayor prioridad ({closer}), así que {reach}."
    ),
    "marginal.closer": "{head} se acercan las metas de mayor prioridad ({closer}) y {reach}.",
    "marginal.not_limiting": "{head} {reach}: este dinero no es lo que limita el resultado.",
    "marginal.plain": "{head} {reach}.",
    "marginal.none": "No se calculó (corrida sin --marginal).",
    # ----------------------------------------------------------------- statuses
    "status.optimal": "Solución óptima",
    "status.feasible": "Solución factible (se alcanzó un límite)",
    "status.infeasible": "Infactible",
    "status.error": "Error del solver",
    "met": "✔ Cumplida",
    "not_met": "✘ No cumplida",
    "hard": "Obligatoria",
    "soft": "Flexible",
    "yes": "Sí",
    "no": "No",
    "at_least": "al menos",
    "at_most": "como máximo",
    "funding.full": "Completa",
    "funding.partial": "Parcial",
    "funding.open": "Sin tope de unidades",
    "funding.none": "Sin financiar",
    "owner.pazos": "PAZOS (transversal)",
    "city_wide": "Toda la ciudad (sin clúster)",
    "fixed_cost": "Costo fijo (no se atribuye a un clúster)",
    "cost.variable": "variable",
    "cost.fixed": "fijo",
    "no_cluster_row": "Sin clúster: programas de toda la ciudad y costos fijos",
    "total": "Total",
    "none": "—",
    "youth_metric": "jóvenes alcanzados",
    "share_row": "participación en el gasto",
    # ----------------------------------------------------------------- components
    "component.interruption": "Interrupción de la violencia",
    "component.intervention": "Intervención en terreno",
    "component.prevention": "Prevención",
    "component.safe_environments": "Entornos seguros",
    "component.access_to_justice": "Acceso a la justicia",
    "components_present": "Componentes presentes",
    # ----------------------------------------------------------------- target kinds
    "kind.youth_reach": "Alcance de jóvenes",
    "kind.metric": "Indicador de producto",
    "kind.spend_share": "Participación en el gasto",
    "kind.component_presence": "Presencia de componentes",
    # ----------------------------------------------------------------- objectives
    "objective.maximize_weighted_reach": "Maximizar la cobertura ponderada de jóvenes",
    "objective.minimize_spend": "Minimizar el gasto",
    # ----------------------------------------------------------------- column headers
    "col.target": "Meta",
    "col.name": "Nombre",
    "col.owner": "Responsable",
    "col.kind": "Tipo",
    "col.priority": "Prioridad",
    "col.weight": "Peso",
    "col.hard": "Carácter",
    "col.cluster": "Clúster",
    "col.cluster_name": "Nombre del clúster",
    "col.component": "Componente",
    "col.metric": "Indicador",
    "col.metric_id": "Id del indicador",
    "col.condition": "Condición",
    "col.required": "Requerido",
    "col.achieved": "Logrado",
    "col.shortfall": "Déficit",
    "col.pct_achieved": "% logrado",
    "col.row_met": "Esta fila",
    "col.target_met": "Meta cumplida",
    "col.department": "Secretaría o dependencia",
    "col.department_id": "Código de la secretaría",
    "col.sheet": "Hoja",
    "col.envelope": "Techo presupuestal ({currency})",
    "col.allocated": "Asignado ({currency})",
    "col.unspent": "Sin ejecutar ({currency})",
    "col.used": "% ejecutado",
    "col.min_spend": "Gasto mínimo ({currency})",
    "col.funded": "Programas financiados",
    "col.submitted": "Programas presentados",
    "col.goals_met": "Metas cumplidas",
    "col.goals_total": "Metas",
    "col.programme": "Programa",
    "col.programme_id": "Código del programa",
    "col.unit_label": "Unidad",
    "col.units": "Unidades",
    "col.max_units": "Máximo de unidades",
    "col.min_units": "Mínimo de unidades",
    "col.unit_cost": "Costo unitario ({currency})",
    "col.fixed_cost": "Costo fijo ({currency})",
    "col.spend": "Gasto ({currency})",
    "col.spend_total": "Gasto total ({currency})",
    "col.dept_share": "Parte a cargo",
    "col.dept_spend": "A cargo de la secretaría ({currency})",
    "col.cofunding": "Quién paga qué parte",
    "col.cofunding_input": "Cofinanciación",
    "col.youth": "Jóvenes distintos (estimado)",
    "col.participations": "Participaciones",
    "col.marginal_youth": "Jóvenes distintos más por {per}",
    "per.million": "cada millón más",
    "per.unit": "cada unidad más de {currency}",
    "more.million": "Un millón más",
    "more.unit": "Una unidad más de {currency}",
    "marginal_youth.head": "{more} en {cluster} llega a unos {youth} jóvenes más",
    "marginal_youth.next": "en {cluster}, a {youth}",
    "marginal_youth.none": "{more} no llega a más jóvenes en ningún clúster.",
    "col.funding": "Financiación",
    "col.reason": "Por qué no recibe más",
    "col.status": "Estado",
    "col.dept_goals": "Metas de la secretaría que atiende",
    "col.pazos_targets": "Metas de PAZOS que atiende",
    "col.population": "Población joven (14-29)",
    "col.prioritized": "Priorizado",
    "col.coverage": "Cobertura",
    "col.spend_per_youth": "Gasto por joven residente ({currency})",
    "col.cost_type": "Costo",
    "col.field": "Dato",
    "col.integer": "Entero",
    "col.mandatory": "Obligatorio",
    "col.clusters": "Clústeres",
    "col.youth_per_unit": "Jóvenes por unidad",
    "col.outputs": "Productos por unidad",
    "col.departments": "Secretarías",
    "col.components": "Componentes",
    "col.amount": "Cantidad",
    "col.goals": "Metas",
    "col.notes": "Notas",
    # ----------------------------------------------------------------- scenario sheet
    "sc.file": "Archivo del escenario",
    "sc.sha256": "sha256 del escenario resuelto",
    "col.unservable": "Por qué no puede cumplirse",
    "unservable.metric": "Ningún programa de su alcance produce «{metric}».",
    "unservable.metric_in": "Ningún programa de su alcance produce «{metric}» en {clusters}.",
    "unservable.youth": "Ningún programa de su alcance llega a jóvenes.",
    "unservable.youth_in": "Ningún programa de su alcance llega a jóvenes en {clusters}.",
    "unservable.component": (
        "Ningún programa de su alcance pertenece al componente «{component}»."
    ),
    "unservable.component_in": (
        "Ningún programa del componente «{component}» de su alcance se ejecuta en {clusters}."
    ),
    "unservable.spend": "Ningún programa está en su alcance: ningún gasto cuenta para ella.",
    "unservable.spend_in": (
        "Ningún programa de su alcance se ejecuta en {clusters}: ningún gasto cuenta para ella."
    ),
    "unservable.and_more": "{shown} y {more} más",
    "sheet.diagnosis": "Diagnóstico",
    "title.diagnosis": "Escenario infactible: los compromisos obligatorios que deben ceder",
    "diagnosis.lead": (
        "No hay asignación: los compromisos obligatorios no caben juntos. Cada fila es un "
        "compromiso que debe ceder, con cuánto; «O en su lugar» nombra otros igual de "
        "pequeños."
    ),
    "diagnosis.header.none": "(No se pudo calcular un diagnóstico.)",
    "diagnosis.header.limit": (
        "Un conjunto de compromisos que deben ceder (el diagnóstico se detuvo en su límite "
        "de tiempo: puede existir uno más pequeño):"
    ),
    "diagnosis.header.example": (
        "Un conjunto mínimo de compromisos que deben ceder, por ejemplo («O en su lugar» "
        "nombra alternativas igual de pequeñas):"
    ),
    "diagnosis.header.only": "El conjunto mínimo de compromisos que deben ceder:",
    "diagnosis.header.some": "Un conjunto mínimo de compromisos que deben ceder:",
    "alt.total_budget": "aumentar el presupuesto total en {amount} (hasta {to})",
    "alt.department_budget": "aumentar el techo de {name} en {amount} (hasta {to})",
    "alt.department_min_spend": "reducir el gasto mínimo de {name} en {amount} (hasta {to})",
    "alt.mandatory_min_units": "reducir las unidades mínimas de «{name}» en {amount} (hasta {to})",
    "alt.max_change": "permitir que «{name}» se aparte {amount} unidades más de su cambio máximo",
    "alt.hard_target": "bajar la meta obligatoria «{name}» a lo alcanzable: {rows}",
    "alt.row": "{amount} en {where}",
    "col.commitment": "Compromiso",
    "col.about": "Sobre",
    "col.committed": "Comprometido",
    "col.possible": "Posible",
    "col.gives_by": "Debe ceder",
    "col.more_money": "¿Más dinero ayuda?",
    "col.detail": "Detalle",
    "col.or_instead": "O en su lugar",
    "commitment.total_budget": "Presupuesto total",
    "commitment.department_budget": "Techo de la secretaría",
    "commitment.department_min_spend": "Gasto mínimo de la secretaría",
    "commitment.mandatory_min_units": "Unidades mínimas de un programa obligatorio",
    "commitment.hard_target": "Meta obligatoria",
    "commitment.max_change": "Cambio máximo de un programa",
    "commitment.structure": "Estructura del escenario",
    "commitment.undiagnosed": "Diagnóstico incompleto",
    "commitment.numerical": "Problema numérico",
    "commitment.whole_city": "Todo el municipio",
    "money.limits": "Sí",
    "money.partly": "En parte",
    "money.no": "No",
    "money.unknown": "—",
    "unit.share": "porcentaje",
    "unit.units": "unidades",
    "unit.young_people": "jóvenes",
    "sc.file_sha256": "sha256 del archivo del escenario",
    "sc.base": "Escenario base (extends)",
    "sc.overrides": "Cambios con --set",
    "sc.id": "Código del escenario",
    "sc.name": "Nombre del escenario",
    "sc.year": "Año",
    "sc.currency": "Unidad monetaria",
    "sc.language": "Idioma del escenario",
    "sc.objective": "Objetivo final",
    "sc.budget": "Presupuesto total",
    "sc.notes": "Notas",
    "sc.tool": "Versión de pazos-budget",
    "sc.schema": "Esquema del resultado",
    "sc.solver": "Solver",
    "sc.status": "Estado",
    "sc.seconds": "Tiempo de solución (segundos)",
    "sc.mip_gap": "Brecha MIP relativa",
    "sc.run_at": "Fecha y hora de la corrida",
    "sc.workbook_lang": "Idioma de este libro",
    # ----------------------------------------------------------------- department sheet
    "dept.facts": "Resumen de la secretaría",
    "dept.no_programmes": "Esta secretaría no presentó ni cofinancia programas.",
    "dept.no_goals": "Esta secretaría no tiene metas propias en el escenario.",
    "dept.no_cells": "Ningún programa de esta secretaría recibió unidades.",
    # ----------------------------------------------------------------- reasons
    "reason.max_units": "Financiado por completo: recibe su máximo de {units} unidades.",
    "reason.at_minimum": "Recibe solo su mínimo de {units} unidades.",
    "reason.population": ("Ya alcanza a todos los jóvenes de los clústeres donde puede operar."),
    "reason.not_needed": (
        "Ninguna meta pide lo que produce y no alcanza jóvenes en un clúster: "
        "más unidades no mejorarían el resultado."
    ),
    "reason.not_needed.min_spend": (
        "Ninguna meta pide lo que produce, y el escenario busca gastar lo mínimo."
    ),
    "reason.needs_met": (
        "Las metas a las que aporta ya se cumplen y los clústeres donde opera ya están "
        "cubiertos: más unidades no mejorarían el resultado."
    ),
    "reason.needs_met.min_spend": (
        "Las metas a las que aporta ya se cumplen, y el escenario busca gastar lo mínimo."
    ),
    "reason.department_budget": "El techo presupuestal de «{department}» está agotado.",
    "reason.department_budget.left": (
        "Al techo presupuestal de «{department}» le quedan {left} y {step} cuesta {needed} "
        "({currency})."
    ),
    "reason.total_budget": "El presupuesto total está agotado.",
    "reason.total_budget.left": (
        "Al presupuesto total le quedan {left} y {step} cuesta {needed} ({currency})."
    ),
    "step.more": "una unidad más",
    "step.start": "iniciarlo",
    "reason.spend_share.at_most": "Una unidad más superaría el tope de la meta «{target}».",
    "reason.spend_share.at_least": (
        "Una unidad más bajaría la participación del gasto que exige la meta «{target}»."
    ),
    "reason.cheaper": (
        "Otros programas logran lo mismo a menor costo: «{alternative}» cuesta {alt_cost} "
        "por {what}, frente a {own_cost} de este programa ({currency})."
    ),
    "reason.cheaper.generic": (
        "Con el mismo dinero, otros programas aportan más a las metas en su orden de prioridad."
    ),
    "pile.head": "El {share} de sus unidades está en {cluster}",
    "pile.cap": "en {clusters} ya llegó a su tope por clúster",
    "pile.no_youth": "en otros clústeres donde puede operar no alcanza jóvenes",
    "pile.target": "las metas {targets} cuentan sus unidades allí y no en todos los demás",
    "pile.weights": (
        "los pesos: {cluster} pesa {weight} en el objetivo y {other}, la mejor alternativa, "
        "{other_weight}"
    ),
    "pile.costs": (
        "sus costos: cada participación cuesta {cost} allí y {other_cost} en {other} ({currency})"
    ),
    "pile.curve": (
        "la curva de alcance: {other} ya tiene alcanzado el {other_coverage} de sus jóvenes "
        "y {cluster} el {coverage}, así que allí una unidad más suma menos jóvenes distintos"
    ),
    "pile.tie": (
        "otros programas que también operan allí alcanzan a los jóvenes de los demás "
        "clústeres; intercambiarlos no cambia ninguna meta ni el alcance, y una regla fija de "
        "desempate elige el clúster (un tope por clúster, max_units_per_cluster, los "
        "repartiría)"
    ),
    "pile.indifferent": (
        "dónde van sus unidades no cambia ninguna meta ni el alcance; una regla fija de "
        "desempate elige el clúster (un tope por clúster, max_units_per_cluster, las "
        "repartiría)"
    ),
    "what.youth": "participación de un joven",
    "what.youth_in": "participación de un joven en {cluster}",
    "what.metric": "unidad de «{metric}»",
    "what.presence": "unidad de {component} en {cluster}",
    "what.spend": "peso invertido",
    # ----------------------------------------------------------------- council workbooks
    "sheet.council": "Resumen para el Concejo",
    "sheet.cmp.departments": "Gasto por secretaría",
    "sheet.cmp.clusters": "Gasto por clúster",
    "sheet.cmp.components": "Gasto por componente",
    "sheet.cmp.targets": "Metas por escenario",
    "sheet.cmp.cuts": "Lo que se recorta primero",
    "sheet.cmp.scenarios": "Escenarios",
    "sheet.frontier.chart": "Gráfico de la frontera",
    "sheet.frontier.table": "Frontera presupuestal",
    "title.council": "Comparación de escenarios para el Concejo Municipal",
    "title.council.sub": (
        "Escenario base «{name}» ({id}) frente a {n} alternativas · corrida del {when}"
    ),
    "title.cmp.key": "Cifras clave por escenario (variación frente al escenario base)",
    "title.cmp.scenarios": "Escenarios comparados",
    "title.cmp.top_cuts": "Los {n} programas que más pierden frente al escenario base",
    "title.cmp.departments": "Gasto por secretaría en cada escenario ({currency})",
    "title.cmp.clusters": "Gasto por clúster en cada escenario ({currency})",
    "title.cmp.components": "Gasto por componente en cada escenario ({currency})",
    "title.cmp.targets": "Cumplimiento de cada meta en cada escenario",
    "title.cmp.cuts": "Lo que se recorta primero",
    "title.cmp.cuts.programmes": "Programas que más dinero pierden frente al escenario base",
    "title.cmp.cuts.clusters": "Clústeres que más dinero pierden frente al escenario base",
    "title.cmp.trace": "Escenarios comparados: archivos y trazabilidad",
    "note.cmp.deltas": (
        "Variación = valor del escenario menos valor del escenario base; "
        "un valor negativo (fondo naranja) es dinero que se pierde."
    ),
    "note.cmp.cuts": (
        "Para cada programa o clúster, la mayor pérdida frente al escenario base en "
        "cualquiera de los otros escenarios, de mayor a menor."
    ),
    "note.cmp.no_cuts": "Ningún programa ni clúster pierde dinero frente al escenario base.",
    "chart.cmp.youth": "Jóvenes distintos alcanzados (estimado) por escenario",
    "chart.cmp.spend": "Gasto por escenario ({currency})",
    "col.scenario": "Escenario",
    "col.base": "Escenario base: {id}",
    "col.delta": "Variación: {id}",
    "col.delta_pct": "Variación (%)",
    "col.largest_cut": "Mayor recorte ({currency})",
    "col.cut_in": "Escenario del mayor recorte",
    "col.base_spend": "Gasto en la base ({currency})",
    "col.file": "Archivo",
    "col.sha256": "sha256",
    "col.seconds": "Segundos",
    "col.targets_met": "Metas cumplidas",
    "col.targets_total": "Metas",
    "col.budget": "Presupuesto ({currency})",
    "col.scale": "Escala de los presupuestos",
    "col.weighted": "Cobertura ponderada",
    "col.prioritized_coverage": "Cobertura de los clústeres priorizados",
    "col.shortfall_priority": "Déficit de prioridad {priority}",
    "col.final_objective": "Objetivo final",
    "col.extra_youth_per_unit": "Jóvenes adicionales por cada unidad adicional ({currency})",
    "col.error": "Detalle",
    "cmp.absent": "— (no existe)",
    "cmp.footer": "PAZOS · comparación de escenarios · base {id} · pazos-budget {version} · {when}",
    "title.frontier": "Frontera presupuestal: qué se logra con cada nivel de presupuesto",
    "title.frontier.sub.total": (
        "Escenario «{name}» ({id}) · presupuesto total de {start} a {stop} ({currency}) "
        "· corrida del {when}"
    ),
    "title.frontier.sub.scale": (
        "Escenario «{name}» ({id}) · todos los presupuestos (total, techos y mínimos) "
        "multiplicados por {start} a {stop} · corrida del {when}"
    ),
    "chart.frontier.youth": "Jóvenes distintos alcanzados (estimado) según el presupuesto total",
    "chart.frontier.weighted": "Cobertura ponderada según el presupuesto total",
    "chart.frontier.targets": "Metas cumplidas según el presupuesto total",
    "axis.budget": "Presupuesto total ({currency})",
    "frontier.interrupted": (
        "Barrido interrumpido: {solved} de {total} puntos resueltos; "
        "los demás aparecen como «no resuelto»."
    ),
    "frontier.complete": "{solved} de {total} puntos resueltos.",
    "frontier.note": (
        "Déficit de prioridad: 0 = todas las metas de esa prioridad cumplidas. "
        "Jóvenes adicionales: frente al punto resuelto anterior."
    ),
    "status.not_solved": "No resuelto (interrumpido)",
    "status.failed": "Sin solución",
    "frontier.footer": (
        "PAZOS · frontera presupuestal · escenario {id} · pazos-budget {version} · {when}"
    ),
    # ----------------------------------------------------------------- alternatives
    "sheet.alternatives": "Alternativas",
    "title.alternatives": "Planes alternativos casi igual de buenos que el plan",
    "alt.explain": (
        "Cada alternativa cumple todas las restricciones del plan, mantiene cada prioridad "
        "en el óptimo del plan y deja su objetivo final a no más de {gap} del mejor; entre "
        "esas asignaciones, es la que menos dinero deja en las celdas (programa, clúster) "
        "que financiaron los planes anteriores. Diferencia: parte del gasto del plan que la "
        "alternativa pone en otras celdas. Solo se muestran las alternativas que se "
        "diferencian en al menos {least} del plan y de las demás."
    ),
    "alt.note.none_different": (
        "Ninguna alternativa a menos de {gap} del mejor se diferencia del plan en al menos "
        "{least} de su gasto ({next}): las decisiones del plan son "
        "prácticamente fijas."
    ),
    "alt.note.fewer": (
        "Alternativas encontradas: {found} de las {count} pedidas (a menos de {gap} del mejor "
        "y con una diferencia de al menos {least} frente al plan y entre sí); {next}."
    ),
    "alt.note.not_optimal": (
        "Sin alternativas: el plan no es un óptimo demostrado (se alcanzó un límite), así que "
        "no hay un mejor valor del cual mantenerse cerca."
    ),
    "alt.note.no_spend": "Sin alternativas: el plan no gasta nada; no hay dinero que mover.",
    "alt.note.interrupted": (
        "Búsqueda interrumpida: se encontraron {found} de las {count} alternativas pedidas."
    ),
    "alt.next.moves": "la siguiente movería solo {moved}",
    "alt.next.repeats": "la siguiente repetiría un plan anterior",
    "alt.first.moves": "la más distinta mueve solo {moved}",
    "alt.first.repeats": "la más distinta es el mismo plan",
    "alt.figures": "Cifras clave del plan y de cada alternativa",
    "alt.plan": "Plan",
    "alt.alternative": "Alternativa {n}",
    "alt.difference": "Diferencia frente al plan (parte del gasto que se mueve)",
    "alt.stage.priority": "Déficit de las metas de prioridad {priority} (0 = todas cumplidas)",
    "alt.stage.maximize_weighted_reach": "Cobertura ponderada (objetivo final)",
    "alt.stage.maximize_min_coverage": (
        "Cobertura más baja entre los clústeres priorizados (objetivo final)"
    ),
    "alt.stage.minimize_spend": "Gasto total ({currency}, objetivo final)",
    "alt.by_department": "Gasto por secretaría en cada plan ({currency})",
    "alt.by_cluster": "Gasto por clúster en cada plan ({currency})",
    "alt.spread": "Variación entre planes (máx. − mín., {currency})",
    "alt.spread_share": "Variación (% del gasto del plan)",
    "alt.in_all": "¿Igual en todos?",
    "alt.same": "Igual en todos",
    "alt.changes": "Cambia",
    "alt.decisions": "Decisiones por programa y clúster: gasto en cada plan ({currency})",
    "alt.decisions.count": (
        "Decisiones robustas: {robust} de las {total} celdas financiadas en algún plan "
        "({same} con el mismo gasto en todos los planes, {funded} financiadas en todos con "
        "montos distintos). De libre elección: {free} (financiadas solo en algunos planes)."
    ),
    "alt.decision": "Decisión",
    "alt.cell": "Programa · clúster",
    "alt.decision.same": "Robusta: mismo gasto en todos",
    "alt.decision.funded_in_all": "Robusta: se financia en todos (el monto varía)",
    "alt.decision.free": "Libre elección: solo en algunos planes",
    # ----------------------------------------------------------------- errors
    "error.lang": "idioma «{lang}» no disponible; use es o en",
}

EN: dict[str, str] = {
    "sheet.summary": "Summary",
    "sheet.targets": "Targets",
    "sheet.departments": "Departments",
    "sheet.clusters": "Clusters",
    "sheet.allocation": "Allocation",
    "sheet.scenario": "Scenario",
    "title.summary": "Summary of the PAZOS budget allocation",
    "title.targets": "PAZOS targets and department goals",
    "title.departments": "Departments: envelope, allocation and goals",
    "title.department": "{name}",
    "title.department.sub": "Sheet for the head of the department: its programmes, spend and goals",
    "title.clusters": "Clusters: youth, coverage and spend",
    "title.presence": "Presence of the five components by cluster (units delivered)",
    "title.scenario": "Scenario: inputs as read, and traceability",
    "title.stages": "Optimization stages",
    "title.components": "Spend by component",
    "title.marginal": "Marginal value of money",
    "title.programmes": "Programmes",
    "title.reasons": "Why each programme gets what it gets, and which targets it serves",
    "title.current": "Current plan against the optimized allocation",
    "col.current_units": "Current units",
    "col.optimized_units": "Optimized units",
    "col.change": "Change",
    "col.current_spend": "Current spend ({currency})",
    "col.optimized_spend": "Optimized spend ({currency})",
    "title.by_cluster": "Units, spend and participations by cluster",
    "title.goals": "Targets cited on this sheet: the department's goals and PAZOS targets",
    "title.cofunding": "Co-funded programmes",
    "title.inputs.clusters": "Clusters (inputs)",
    "title.inputs.departments": "Departments (inputs)",
    "title.inputs.programmes": "Programmes (inputs)",
    "title.inputs.targets": "Targets and goals (inputs)",
    "title.inputs.metrics": "Metric names (inputs)",
    "chart.components": "Spend by component ({currency})",
    "title.coverage": "Coverage of distinct youth by cluster (estimated)",
    "title.coverage.lowest": (
        "Coverage of distinct youth: the {n} prioritized clusters with the lowest coverage "
        "(of {total})"
    ),
    "title.envelopes": "Each department's spend against its envelope ({currency})",
    "title.envelopes.largest": (
        "Spend against envelope: the {n} departments with the largest envelopes "
        "(of {total}) ({currency})"
    ),
    "subtitle": "Scenario “{name}” ({id}) · run of {when}",
    "footer": "PAZOS · scenario {id} · sha256 {sha} · pazos-budget {version} · {when}",
    "page": "Page &P of &N",
    "col.indicator": "Indicator",
    "col.value": "Value",
    "col.unit": "Unit",
    "col.meaning": "Meaning",
    "col.stage": "Stage",
    "col.share_of_spend": "% of spend",
    "col.source": "Source of the money",
    "col.extra": "Extra money",
    "col.extra_youth": "More distinct youth (estimated)",
    "col.extra_coverage": "More weighted coverage",
    "col.sentence": "In words",
    "sum.scenario": "Scenario",
    "sum.date": "Date and time of the run",
    "sum.solver": "Solver",
    "sum.status": "Solution status",
    "sum.budget": "Budget",
    "sum.spend": "Spent",
    "sum.unspent": "Unspent",
    "sum.used": "Share spent",
    "sum.youth": "Distinct youth reached (estimated)",
    "sum.participations": "Participations (a youth may count twice)",
    "sum.coverage": "Coverage of the prioritized clusters",
    "sum.weighted": "Weighted coverage (final objective)",
    "sum.pazos_met": "PAZOS targets met",
    "sum.goals_met": "Department goals met",
    "sum.all_met": "Targets and goals met",
    "unit.youth": "distinct youth (estimated)",
    "unit.participations": "participations",
    "unit.of": "of {total}",
    "n_of": "{n} of {total}",
    "unit.weighted": "distinct youth × weight",
    "stage.priority": "Priority {priority}",
    "stage.final": "Final",
    "stage.feasible": "{stage} (feasible, gap {gap})",
    "stage.feasible_no_gap": "{stage} (feasible, gap unknown)",
    "stage.not_run": "{stage} (not run: solve interrupted)",
    "stage.shortfall": "Weighted relative shortfall (0 = all met)",
    "stage.reach": "Weighted coverage (distinct youth × cluster weight)",
    "stage.min_coverage": "Lowest coverage of the prioritized clusters",
    "stage.spend": "Total spend ({currency})",
    "marginal.total_budget.source": "Total budget",
    "marginal.head": "{extra} more ({currency}) for {who}",
    "marginal.total_budget": "the total budget",
    "marginal.department": "{name}",
    "marginal.resolve_failed": "{head}: not computed: the re-solve failed ({error}).",
    "marginal.plan_not_optimal": (
        "{head}: not computed: the plan itself is not proven optimal (its solve was stopped "
        "by the time limit or Ctrl-C), so a difference would measure its gap, not the money."
    ),
    "marginal.resolve_not_optimal": (
        "{head}: not computed: the re-solve with more money was stopped (time limit or "
        "Ctrl-C) before proving its optimum, so the difference would not be exact."
    ),
    "marginal.not_solved": "{head}: not computed: the re-solve did not run.",
    "marginal.part": "priority-{priority} shortfall {before} → {after}",
    "marginal.more": "reaches about {youth} more young people",
    "marginal.fewer": "reaches about {youth} fewer young people",
    "marginal.no_more": "reaches no more young people",
    "marginal.first_closer": (
        "{head} first brings higher-priority targets closer ({closer}), so it {reach}."
    ),
    "marginal.closer": "{head} brings higher-priority targets closer ({closer}) and {reach}.",
    "marginal.not_limiting": "{head} {reach}: this money is not what limits the result.",
    "marginal.plain": "{head} {reach}.",
    "marginal.none": "Not computed (run without --marginal).",
    "status.optimal": "Optimal solution",
    "status.feasible": "Feasible solution (a limit was reached)",
    "status.infeasible": "Infeasible",
    "status.error": "Solver error",
    "met": "✔ Met",
    "not_met": "✘ Not met",
    "hard": "Hard",
    "soft": "Soft",
    "yes": "Yes",
    "no": "No",
    "at_least": "at least",
    "at_most": "at most",
    "funding.full": "Full",
    "funding.partial": "Partial",
    "funding.open": "No unit maximum",
    "funding.none": "Not funded",
    "owner.pazos": "PAZOS (cross-cutting)",
    "city_wide": "City-wide (no cluster)",
    "fixed_cost": "Fixed cost (not attributed to a cluster)",
    "cost.variable": "variable",
    "cost.fixed": "fixed",
    "no_cluster_row": "No cluster: city-wide programmes and fixed costs",
    "total": "Total",
    "none": "—",
    "youth_metric": "youth reached",
    "share_row": "share of spend",
    "component.interruption": "Violence interruption",
    "component.intervention": "Field intervention",
    "component.prevention": "Prevention",
    "component.safe_environments": "Safe environments",
    "component.access_to_justice": "Access to justice",
    "components_present": "Components present",
    "kind.youth_reach": "Youth reach",
    "kind.metric": "Output metric",
    "kind.spend_share": "Spend share",
    "kind.component_presence": "Component presence",
    "objective.maximize_weighted_reach": "Maximize the weighted coverage of youth",
    "objective.minimize_spend": "Minimize spend",
    "col.target": "Target",
    "col.name": "Name",
    "col.owner": "Owner",
    "col.kind": "Kind",
    "col.priority": "Priority",
    "col.weight": "Weight",
    "col.hard": "Hard or soft",
    "col.cluster": "Cluster",
    "col.cluster_name": "Cluster name",
    "col.component": "Component",
    "col.metric": "Metric",
    "col.metric_id": "Metric id",
    "col.condition": "Condition",
    "col.required": "Required",
    "col.achieved": "Achieved",
    "col.shortfall": "Shortfall",
    "col.pct_achieved": "% achieved",
    "col.row_met": "This row",
    "col.target_met": "Target met",
    "col.department": "Department",
    "col.department_id": "Department id",
    "col.sheet": "Sheet",
    "col.envelope": "Envelope ({currency})",
    "col.allocated": "Allocated ({currency})",
    "col.unspent": "Unspent ({currency})",
    "col.used": "% used",
    "col.min_spend": "Minimum spend ({currency})",
    "col.funded": "Programmes funded",
    "col.submitted": "Programmes submitted",
    "col.goals_met": "Goals met",
    "col.goals_total": "Goals",
    "col.programme": "Programme",
    "col.programme_id": "Programme id",
    "col.unit_label": "Unit of delivery",
    "col.units": "Units",
    "col.max_units": "Maximum units",
    "col.min_units": "Minimum units",
    "col.unit_cost": "Unit cost ({currency})",
    "col.fixed_cost": "Fixed cost ({currency})",
    "col.spend": "Spend ({currency})",
    "col.spend_total": "Total spend ({currency})",
    "col.dept_share": "Share paid",
    "col.dept_spend": "Paid by the department ({currency})",
    "col.cofunding": "Who pays which share",
    "col.cofunding_input": "Cofunding",
    "col.youth": "Distinct youth (estimated)",
    "col.participations": "Participations",
    "col.marginal_youth": "More distinct youth per {per}",
    "per.million": "one more million",
    "per.unit": "one more {currency}",
    "more.million": "One more million",
    "more.unit": "One more {currency}",
    "marginal_youth.head": "{more} in {cluster} reaches about {youth} more young people",
    "marginal_youth.next": "in {cluster}, {youth}",
    "marginal_youth.none": "{more} reaches no more young people in any cluster.",
    "col.funding": "Funding",
    "col.reason": "Why it gets no more",
    "col.status": "Status",
    "col.dept_goals": "Department goals it serves",
    "col.pazos_targets": "PAZOS targets it serves",
    "col.population": "Youth population (14-29)",
    "col.prioritized": "Prioritized",
    "col.coverage": "Coverage",
    "col.spend_per_youth": "Spend per young resident ({currency})",
    "col.cost_type": "Cost",
    "col.field": "Field",
    "col.integer": "Integer",
    "col.mandatory": "Mandatory",
    "col.clusters": "Clusters",
    "col.youth_per_unit": "Youth per unit",
    "col.outputs": "Outputs per unit",
    "col.departments": "Departments",
    "col.components": "Components",
    "col.amount": "Amount",
    "col.goals": "Goals",
    "col.notes": "Notes",
    "sc.file": "Scenario file",
    "sc.sha256": "sha256 of the resolved scenario",
    "col.unservable": "Why it cannot be met",
    "unservable.metric": "No programme in its scope produces “{metric}”.",
    "unservable.metric_in": "No programme in its scope produces “{metric}” in {clusters}.",
    "unservable.youth": "No programme in its scope reaches any youth.",
    "unservable.youth_in": "No programme in its scope reaches youth in {clusters}.",
    "unservable.component": "No programme in its scope belongs to the component “{component}”.",
    "unservable.component_in": (
        "No programme of the component “{component}” in its scope runs in {clusters}."
    ),
    "unservable.spend": "No programme is in its scope, so no spend can count toward it.",
    "unservable.spend_in": (
        "No programme in its scope runs in {clusters}, so no spend can count toward it."
    ),
    "unservable.and_more": "{shown} and {more} more",
    "sheet.diagnosis": "Diagnosis",
    "title.diagnosis": "Infeasible scenario: the hard commitments that must give",
    "diagnosis.lead": (
        "There is no allocation: the hard commitments do not fit together. Each row is a "
        "commitment that must give, and by how much; “Or instead” names others as small."
    ),
    "diagnosis.header.none": "(No diagnosis could be computed.)",
    "diagnosis.header.limit": (
        "A set of commitments that must give (the diagnosis stopped at its time limit, "
        "so a smaller set may exist):"
    ),
    "diagnosis.header.example": (
        "One smallest set of commitments that must give, for example (“Or instead” names "
        "equally small alternatives):"
    ),
    "diagnosis.header.only": "The smallest set of commitments that must give:",
    "diagnosis.header.some": "A smallest set of commitments that must give:",
    "alt.total_budget": "raise the total budget by {amount} (to {to})",
    "alt.department_budget": "raise the envelope of {name} by {amount} (to {to})",
    "alt.department_min_spend": "lower the minimum spend of {name} by {amount} (to {to})",
    "alt.mandatory_min_units": "lower the minimum units of “{name}” by {amount} (to {to})",
    "alt.max_change": "let “{name}” move {amount} units beyond its maximum change",
    "alt.hard_target": "lower the hard target “{name}” to what can be reached: {rows}",
    "alt.row": "{amount} in {where}",
    "col.commitment": "Commitment",
    "col.about": "About",
    "col.committed": "Committed",
    "col.possible": "Possible",
    "col.gives_by": "Must give by",
    "col.more_money": "Would more money help?",
    "col.detail": "Detail",
    "col.or_instead": "Or instead",
    "commitment.total_budget": "Total budget",
    "commitment.department_budget": "Department envelope",
    "commitment.department_min_spend": "Department minimum spend",
    "commitment.mandatory_min_units": "Minimum units of a mandatory programme",
    "commitment.hard_target": "Hard target",
    "commitment.max_change": "Maximum change of a programme",
    "commitment.structure": "Scenario structure",
    "commitment.undiagnosed": "Diagnosis incomplete",
    "commitment.numerical": "Numerical trouble",
    "commitment.whole_city": "The whole city",
    "money.limits": "Yes",
    "money.partly": "Partly",
    "money.no": "No",
    "money.unknown": "—",
    "unit.share": "percentage",
    "unit.units": "units",
    "unit.young_people": "young people",
    "sc.file_sha256": "sha256 of the scenario file",
    "sc.base": "Base scenario (extends)",
    "sc.overrides": "Changes made with --set",
    "sc.id": "Scenario id",
    "sc.name": "Scenario name",
    "sc.year": "Year",
    "sc.currency": "Money unit",
    "sc.language": "Scenario language",
    "sc.objective": "Final objective",
    "sc.budget": "Total budget",
    "sc.notes": "Notes",
    "sc.tool": "pazos-budget version",
    "sc.schema": "Result schema",
    "sc.solver": "Solver",
    "sc.status": "Status",
    "sc.seconds": "Solve time (seconds)",
    "sc.mip_gap": "Relative MIP gap",
    "sc.run_at": "Date and time of the run",
    "sc.workbook_lang": "Language of this workbook",
    "dept.facts": "The department at a glance",
    "dept.no_programmes": "This department submitted or co-funds no programme.",
    "dept.no_goals": "This department has no goals of its own in the scenario.",
    "dept.no_cells": "No programme of this department received units.",
    "reason.max_units": "Fully funded: it receives its maximum of {units} units.",
    "reason.at_minimum": "It receives only its minimum of {units} units.",
    "reason.population": "It already reaches every young person in the clusters where it can run.",
    "reason.not_needed": (
        "No target or goal asks for what it produces, and it reaches no youth in a cluster: "
        "more units would not improve the result."
    ),
    "reason.not_needed.min_spend": (
        "No target or goal asks for what it produces, and the scenario minimizes spend."
    ),
    "reason.needs_met": (
        "The targets and goals it serves are already met and the clusters where it runs "
        "are fully covered: more units would not improve the result."
    ),
    "reason.needs_met.min_spend": (
        "The targets and goals it serves are already met, and the scenario minimizes spend."
    ),
    "reason.department_budget": "The envelope of “{department}” is used up.",
    "reason.department_budget.left": (
        "The envelope of “{department}” has {left} left and {step} costs {needed} ({currency})."
    ),
    "reason.total_budget": "The total budget is used up.",
    "reason.total_budget.left": (
        "The total budget has {left} left and {step} costs {needed} ({currency})."
    ),
    "step.more": "one more unit",
    "step.start": "starting it",
    "reason.spend_share.at_most": "One more unit would break the cap of the target “{target}”.",
    "reason.spend_share.at_least": (
        "One more unit would lower the share of spend that the target “{target}” asks for."
    ),
    "reason.cheaper": (
        "Other programmes buy the same results cheaper: “{alternative}” costs {alt_cost} "
        "per {what}, against {own_cost} for this programme ({currency})."
    ),
    "reason.cheaper.generic": (
        "With the same money, other programmes do more for the targets in their order of priority."
    ),
    "pile.head": "{share} of its units are in {cluster}",
    "pile.cap": "in {clusters} it is already at its per-cluster cap",
    "pile.no_youth": "in other clusters where it can run it reaches no youth",
    "pile.target": "the targets {targets} count its units there and not in every other cluster",
    "pile.weights": (
        "the weights: {cluster} weighs {weight} in the objective and {other}, the best "
        "alternative, {other_weight}"
    ),
    "pile.costs": (
        "its costs: a participation costs {cost} there and {other_cost} in {other} ({currency})"
    ),
    "pile.curve": (
        "the reach curve: {other} already has {other_coverage} of its youth reached and "
        "{cluster} {coverage}, so one more unit there adds fewer distinct young people"
    ),
    "pile.tie": (
        "other programmes that also run there reach the youth of the other clusters; "
        "trading places changes no target and no reach, and a fixed tie-break rule picks the "
        "cluster (a per-cluster cap, max_units_per_cluster, would spread them)"
    ),
    "pile.indifferent": (
        "where its units go changes no target and no reach; a fixed tie-break rule picks the "
        "cluster (a per-cluster cap, max_units_per_cluster, would spread them)"
    ),
    "what.youth": "youth participation",
    "what.youth_in": "youth participation in {cluster}",
    "what.metric": "unit of “{metric}”",
    "what.presence": "unit of {component} in {cluster}",
    "what.spend": "peso spent",
    "sheet.council": "Council summary",
    "sheet.cmp.departments": "Spend by department",
    "sheet.cmp.clusters": "Spend by cluster",
    "sheet.cmp.components": "Spend by component",
    "sheet.cmp.targets": "Targets by scenario",
    "sheet.cmp.cuts": "What is cut first",
    "sheet.cmp.scenarios": "Scenarios",
    "sheet.frontier.chart": "Frontier chart",
    "sheet.frontier.table": "Budget frontier",
    "title.council": "Scenario comparison for the Municipal Council",
    "title.council.sub": "Base scenario “{name}” ({id}) against {n} alternatives · run of {when}",
    "title.cmp.key": "Key figures by scenario (change against the base scenario)",
    "title.cmp.scenarios": "Scenarios compared",
    "title.cmp.top_cuts": "The {n} programmes that lose most against the base scenario",
    "title.cmp.departments": "Spend by department in each scenario ({currency})",
    "title.cmp.clusters": "Spend by cluster in each scenario ({currency})",
    "title.cmp.components": "Spend by component in each scenario ({currency})",
    "title.cmp.targets": "Whether each target is met in each scenario",
    "title.cmp.cuts": "What is cut first",
    "title.cmp.cuts.programmes": "Programmes that lose most money against the base scenario",
    "title.cmp.cuts.clusters": "Clusters that lose most money against the base scenario",
    "title.cmp.trace": "Scenarios compared: files and traceability",
    "note.cmp.deltas": (
        "Change = the scenario's value minus the base scenario's; "
        "a negative value (orange) is money lost."
    ),
    "note.cmp.cuts": (
        "For each programme or cluster, its largest loss against the base scenario in any "
        "of the other scenarios, largest first."
    ),
    "note.cmp.no_cuts": "No programme or cluster loses money against the base scenario.",
    "chart.cmp.youth": "Distinct youth reached (estimated) by scenario",
    "chart.cmp.spend": "Spend by scenario ({currency})",
    "col.scenario": "Scenario",
    "col.base": "Base: {id}",
    "col.delta": "Change: {id}",
    "col.delta_pct": "Change (%)",
    "col.largest_cut": "Largest cut ({currency})",
    "col.cut_in": "Scenario of the largest cut",
    "col.base_spend": "Spend in the base ({currency})",
    "col.file": "File",
    "col.sha256": "sha256",
    "col.seconds": "Seconds",
    "col.targets_met": "Targets met",
    "col.targets_total": "Targets",
    "col.budget": "Budget ({currency})",
    "col.scale": "Scale of the budgets",
    "col.weighted": "Weighted coverage",
    "col.prioritized_coverage": "Coverage of the prioritized clusters",
    "col.shortfall_priority": "Priority {priority} shortfall",
    "col.final_objective": "Final objective",
    "col.extra_youth_per_unit": "Extra youth per extra unit of money ({currency})",
    "col.error": "Detail",
    "cmp.absent": "— (absent)",
    "cmp.footer": "PAZOS · scenario comparison · base {id} · pazos-budget {version} · {when}",
    "title.frontier": "Budget frontier: what each level of budget achieves",
    "title.frontier.sub.total": (
        "Scenario “{name}” ({id}) · total budget from {start} to {stop} ({currency}) "
        "· run of {when}"
    ),
    "title.frontier.sub.scale": (
        "Scenario “{name}” ({id}) · every budget (total, envelopes and minimums) "
        "times {start} to {stop} · run of {when}"
    ),
    "chart.frontier.youth": "Distinct youth reached (estimated) against the total budget",
    "chart.frontier.weighted": "Weighted coverage against the total budget",
    "chart.frontier.targets": "Targets met against the total budget",
    "axis.budget": "Total budget ({currency})",
    "frontier.interrupted": (
        "Sweep interrupted: {solved} of {total} points solved; the others are marked “not solved”."
    ),
    "frontier.complete": "{solved} of {total} points solved.",
    "frontier.note": (
        "Priority shortfall: 0 = every target of that priority met. "
        "Extra youth: against the previous solved point."
    ),
    "status.not_solved": "Not solved (interrupted)",
    "status.failed": "No solution",
    "frontier.footer": "PAZOS · budget frontier · scenario {id} · pazos-budget {version} · {when}",
    # ----------------------------------------------------------------- alternatives
    "sheet.alternatives": "Alternatives",
    "title.alternatives": "Alternative plans, almost as good as the plan",
    "alt.explain": (
        "Each alternative meets every constraint of the plan, holds every priority at the "
        "plan's optimum and keeps its final objective within {gap} of the best; among those "
        "allocations it is the one that leaves the least money in the (programme, cluster) "
        "cells the earlier plans funded. Difference: the share of the plan's spend that the "
        "alternative places in other cells. Only alternatives that differ by at least "
        "{least} from the plan and from each other are shown."
    ),
    "alt.note.none_different": (
        "No alternative within {gap} of the best differs from the plan by at least {least} "
        "of its spend ({next}): the plan's decisions are all "
        "but fixed."
    ),
    "alt.note.fewer": (
        "Alternatives found: {found} of the {count} asked for (within {gap} of the best, each "
        "differing by at least {least} from the plan and from each other); {next}."
    ),
    "alt.note.not_optimal": (
        "No alternatives: the plan is not a proven optimum (a limit was reached), so there "
        "is no best to stay near."
    ),
    "alt.note.no_spend": "No alternatives: the plan spends nothing; there is no money to move.",
    "alt.note.interrupted": (
        "Search interrupted: {found} of the {count} alternatives asked for were found."
    ),
    "alt.next.moves": "the next one would move only {moved}",
    "alt.next.repeats": "the next one would repeat an earlier plan",
    "alt.first.moves": "the most different one moves only {moved}",
    "alt.first.repeats": "the most different one is the plan itself",
    "alt.figures": "Key figures of the plan and of each alternative",
    "alt.plan": "Plan",
    "alt.alternative": "Alternative {n}",
    "alt.difference": "Difference from the plan (share of spend moved)",
    "alt.stage.priority": "Shortfall of the priority {priority} targets (0 = all met)",
    "alt.stage.maximize_weighted_reach": "Weighted coverage (final objective)",
    "alt.stage.maximize_min_coverage": (
        "Lowest coverage among the prioritized clusters (final objective)"
    ),
    "alt.stage.minimize_spend": "Total spend ({currency}, final objective)",
    "alt.by_department": "Spend by department in each plan ({currency})",
    "alt.by_cluster": "Spend by cluster in each plan ({currency})",
    "alt.spread": "Range across plans (max − min, {currency})",
    "alt.spread_share": "Range (% of the plan's spend)",
    "alt.in_all": "Same in all?",
    "alt.same": "Same in all",
    "alt.changes": "Changes",
    "alt.decisions": "Decisions by programme and cluster: spend in each plan ({currency})",
    "alt.decisions.count": (
        "Robust decisions: {robust} of the {total} cells funded in some plan ({same} with "
        "the same spend in every plan, {funded} funded in all with different amounts). "
        "Free choices: {free} (funded in some plans only)."
    ),
    "alt.decision": "Decision",
    "alt.cell": "Programme · cluster",
    "alt.decision.same": "Robust: same spend in all",
    "alt.decision.funded_in_all": "Robust: funded in all (amount varies)",
    "alt.decision.free": "Free choice: in some plans only",
    "error.lang": "language '{lang}' is not available; use es or en",
}

#: Keys whose text is legitimately the same in both languages.
SAME_IN_BOTH: frozenset[str] = frozenset(
    {
        "title.department",
        "stage.final",
        "marginal.plain",
        "sum.solver",
        "sc.solver",
        "no",
        "total",
        "none",
        "cost.variable",
        "col.sha256",
        "money.no",
        "money.unknown",
        "alt.plan",
    }
)

TEXTS: Mapping[Lang, Mapping[str, str]] = {"es": ES, "en": EN}

#: Money units as a scenario may spell them, in each report language.
CURRENCIES: Mapping[Lang, Mapping[str, str]] = {
    "es": {"COP millions": "millones de COP", "COP": "COP", "COP thousands": "miles de COP"},
    "en": {"millones de COP": "COP millions", "miles de COP": "COP thousands"},
}

#: How `analysis.marginal_values` names the total budget as a source of money.
TOTAL_BUDGET_SOURCE = "total_budget"

#: Department name prefixes dropped from sheet names (to fit Excel's 31 characters).
SHEET_NAME_PREFIXES: tuple[str, ...] = (
    "Secretaría de la ",
    "Secretaría de ",
    "Secretaría del ",
    "Secretaria de ",
    "Department of the ",
    "Department of ",
)


def check_lang(lang: str) -> Lang:
    if lang not in LANGUAGES:
        raise ReportError(EN["error.lang"].format(lang=lang))
    return lang


class Labels:
    """The texts of one language, and numbers written the way that language writes them."""

    def __init__(self, lang: str, currency: str = "") -> None:
        self.lang: Lang = check_lang(lang)
        self.texts = TEXTS[self.lang]
        self.currency = CURRENCIES[self.lang].get(currency, currency)

    def __call__(self, key: str, **values: Any) -> str:
        text = self.texts[key]
        return text.format(**values) if values else text

    # ----------------------------------------------------------------- numbers in text
    def num(self, x: float, decimals: int) -> str:
        text = f"{x:,.{decimals}f}"
        if self.lang == "es":
            text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text

    def money(self, x: float) -> str:
        """As the terminal writes money: one decimal."""
        return self.num(x, 1)

    def count(self, x: float) -> str:
        """As the terminal writes counts: whole when whole, else two decimals."""
        return self.num(x, 0 if abs(x - round(x)) < 1e-6 else 2)

    def sig(self, x: float) -> str:
        """Three significant digits (stage shortfalls)."""
        text = f"{x:.3g}"
        return text.replace(".", ",") if self.lang == "es" else text

    # ----------------------------------------------------------------- domain words
    def component(self, cid: str) -> str:
        return self(f"component.{cid}")

    def kind(self, kind: str) -> str:
        return self(f"kind.{kind}")

    def status(self, status: str) -> str:
        return self(f"status.{status}")

    def funding(self, funding: Funding) -> str:
        return self(f"funding.{funding.value}")

    def yes_no(self, flag: bool) -> str:
        return self("yes") if flag else self("no")

    def met(self, flag: bool) -> str:
        return self("met") if flag else self("not_met")

    def unservable(
        self, u: Unservable, clusters: Mapping[str, str], metrics: Mapping[str, str]
    ) -> str:
        """Why nothing in a target's scope can serve some of its rows (Scenario.unservable)."""
        names = [clusters.get(c, c) for c in u.clusters]
        shown = ", ".join(names[:5])
        if len(names) > 5:
            shown = self("unservable.and_more", shown=shown, more=len(names) - 5)
        return self(
            f"unservable.{u.code}",
            metric=metrics.get(u.subject, u.subject),
            component=self.component(u.subject) if u.code.startswith("component") else "",
            clusters=shown,
        )

    def alternative(
        self, a: Mapping[str, Any], places: Mapping[str, str], clusters: Collection[str]
    ) -> str:
        """An equally small alternative of a diagnosis (`diagnose._alternative`) in this
        language, with its amount; `places` names clusters, components and metrics, and
        `clusters` are the cluster ids."""
        kind = a["kind"]
        if kind != "hard_target":
            money = kind in ("total_budget", "department_budget", "department_min_spend")
            fmt = self.money if money else self.count
            return self(
                f"alt.{kind}", name=a.get("name", ""), amount=fmt(a["amount"]), to=fmt(a["to"])
            )
        rows = []
        for row in a.get("rows", []):
            amount = (
                f"{self.num(100 * row['possible'], 1)} %"
                if a.get("unit") == "share"
                else self.count(row["possible"])
            )
            key = str(row["key"])
            if key == "share":  # a spend share: one row
                rows.append(amount)
            elif "/" in key or key in clusters:  # a cluster, or a cluster and component
                where = " / ".join(places.get(part, part) for part in key.split("/"))
                rows.append(self("alt.row", amount=amount, where=where))
            else:  # a metric
                rows.append(f"{amount} {places.get(key, key)}")
        return self("alt.hard_target", name=a.get("name", ""), rows="; ".join(rows))

    def hard(self, flag: bool) -> str:
        return self("hard") if flag else self("soft")

    # ----------------------------------------------------------------- sentences
    def reason(
        self,
        r: Reason,
        *,
        departments: Mapping[str, str],
        programmes: Mapping[str, str],
        clusters: Mapping[str, str],
        targets: Mapping[str, str],
        metrics: Mapping[str, str] | None = None,
    ) -> str:
        """One plain-language sentence for one reason of `explain`; `metrics` gives the
        display names of output metrics (their ids otherwise)."""
        cur = self.currency
        if r.why == Why.MAX_UNITS:
            return self("reason.max_units", units=self.count(r.units or 0.0))
        if r.why == Why.AT_MINIMUM:
            return self("reason.at_minimum", units=self.count(r.units or 0.0))
        if r.why in (Why.NOT_NEEDED, Why.NEEDS_MET):
            key = f"reason.{r.why.value}" + (".min_spend" if r.minimize_spend else "")
            return self(key)
        if r.why == Why.POPULATION:
            return self("reason.population")
        if r.why in (Why.DEPARTMENT_BUDGET, Why.TOTAL_BUDGET):
            base = f"reason.{r.why.value}"
            dept = departments.get(r.department or "", r.department or "")
            left, needed = r.left or 0.0, r.needed or 0.0
            if left < 0.05 or needed < 0.05:  # nothing worth writing is left
                return self(base, department=dept)
            step = self("step.start") if r.start else self("step.more")
            return self(
                base + ".left",
                department=dept,
                left=self.money(left),
                needed=self.money(needed),
                step=step,
                currency=cur,
            )
        if r.why == Why.SPEND_SHARE:
            key = "reason.spend_share." + ("at_most" if r.at_most else "at_least")
            return self(key, target=targets.get(r.target or "", r.target or ""))
        if r.alternative is None or r.measure is None:
            return self("reason.cheaper.generic")
        return self(
            "reason.cheaper",
            alternative=programmes.get(r.alternative, r.alternative),
            alt_cost=self.cost(r.alternative_cost or 0.0),
            own_cost=self.cost(r.own_cost or 0.0),
            what=self.what(r.measure, clusters, metrics or {}),
            currency=cur,
        )

    def concentration(
        self, k: Concentration, *, clusters: Mapping[str, str], targets: Mapping[str, str]
    ) -> str:
        """'90 % of its units are in Zamorano: the weights: ...; its costs: ....'"""
        name = clusters.get(k.cluster, k.cluster)
        other = clusters.get(k.other or "", k.other or "")
        pct = self.percent(k.share)
        parts = []
        for cause in k.causes:
            if cause == Cause.CAP:
                parts.append(
                    self("pile.cap", clusters=", ".join(clusters.get(c, c) for c in k.capped))
                )
            elif cause == Cause.TARGET:
                names = ", ".join(
                    f"«{targets.get(t, t)}»" if self.lang == "es" else f"“{targets.get(t, t)}”"
                    for t in k.targets
                )
                parts.append(self("pile.target", targets=names))
            elif cause == Cause.WEIGHTS:
                parts.append(
                    self(
                        "pile.weights",
                        cluster=name,
                        other=other,
                        weight=self.num(k.weight[0], 2),
                        other_weight=self.num(k.weight[1], 2),
                    )
                )
            elif cause == Cause.COSTS:
                parts.append(
                    self(
                        "pile.costs",
                        other=other,
                        cost=self.cost(k.cost_per_youth[0]),
                        other_cost=self.cost(k.cost_per_youth[1]),
                        currency=self.currency,
                    )
                )
            elif cause == Cause.CURVE:
                parts.append(
                    self(
                        "pile.curve",
                        cluster=name,
                        other=other,
                        coverage=self.percent(k.coverage[0]),
                        other_coverage=self.percent(k.coverage[1]),
                    )
                )
            else:
                parts.append(self(f"pile.{cause.value}", other=other))
        return self("pile.head", share=pct, cluster=name) + ": " + "; ".join(parts) + "."

    def money_unit(self, key: str, raw_currency: str) -> str:
        """'more' or 'per' phrase of one more unit of money: a million for a scenario in
        COP millions, else one of its unit."""
        if raw_currency in MILLION_UNITS:
            return self(f"{key}.million")
        return self(f"{key}.unit", currency=self.currency)

    def marginal_youth_sentence(self, top: list[tuple[str, float]], raw_currency: str) -> str:
        """'Un millón más en Zamorano llega a unos 120 jóvenes más; en Rozo, a 95.'"""
        more = self.money_unit("more", raw_currency)
        if not top:
            return self("marginal_youth.none", more=more)
        (first, n), rest = top[0], top[1:]
        parts = [self("marginal_youth.head", more=more, cluster=first, youth=self.about(n))]
        parts += [self("marginal_youth.next", cluster=c, youth=self.about(m)) for c, m in rest]
        return "; ".join(parts) + "."

    def about(self, x: float) -> str:
        """A count of young people in a sentence: whole from 10 on, else one decimal."""
        return self.num(x, 0 if x >= 9.5 else 1)

    def percent(self, x: float) -> str:
        return self.num(100 * x, 0) + (" %" if self.lang == "es" else "%")

    def cost(self, x: float) -> str:
        return self.num(x, 3 if abs(x) < 1 else 2 if abs(x) < 100 else 1)

    def what(self, m: Measure, clusters: Mapping[str, str], metrics: Mapping[str, str]) -> str:
        cluster = clusters.get(m.cluster or "", m.cluster or "")
        if m.kind == MeasureKind.YOUTH:
            return self("what.youth_in", cluster=cluster) if m.cluster else self("what.youth")
        if m.kind == MeasureKind.METRIC:
            return self("what.metric", metric=metrics.get(m.metric or "", m.metric or ""))
        if m.kind == MeasureKind.PRESENCE:
            return self(
                "what.presence", component=self.component(m.component or ""), cluster=cluster
            )
        return self("what.spend")

    def marginal_sentence(self, m: Mapping[str, Any]) -> str:
        """The sentence of `terminal.marginal_sentence` (the same words in English)."""
        if m["source"] == TOTAL_BUDGET_SOURCE:
            who = self("marginal.total_budget")
        else:
            who = self("marginal.department", name=str(m["name"]))
        head = self(
            "marginal.head", extra=self.count(float(m["extra"])), currency=self.currency, who=who
        )
        if not m.get("exact", True):
            return self(f"marginal.{m['reason_code']}", head=head, error=m.get("error", ""))
        gains = [s for s in m["stages"] if "priority" in s and s["improvement"] > 1e-9]
        closer = ", ".join(
            self(
                "marginal.part",
                priority=g["priority"],
                before=self.sig(g["before"]),
                after=self.sig(g["after"]),
            )
            for g in gains
        )
        youth = float(m["youth_reached"])
        if youth > 0.5:
            reach = self("marginal.more", youth=self.num(youth, 0))
        elif youth < -0.5:
            reach = self("marginal.fewer", youth=self.num(-youth, 0))
        else:
            reach = self("marginal.no_more")
        if gains and youth < -0.5:
            return self("marginal.first_closer", head=head, closer=closer, reach=reach)
        if gains:
            return self("marginal.closer", head=head, closer=closer, reach=reach)
        if youth <= 0.5:
            return self("marginal.not_limiting", head=head, reach=reach)
        return self("marginal.plain", head=head, reach=reach)
