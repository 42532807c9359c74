"""Every word a report shows, in Colombian Spanish (`es`) and English (`en`).

No other module of `reports/` spells a label: sheet names, column headers, statuses,
component and target-kind names, the reasons of `explain` and the marginal-value
sentence all come through here. The texts themselves live in the gettext catalogues
(`pazos_budget/locale/{es,en}/LC_MESSAGES/pazos_budget.po`, see `i18n`); `Labels(lang)`
looks a key up and fills its placeholders. The few texts that are the same in both
languages are listed in `SAME_IN_BOTH`.

A new text may first be *staged* in `ES` and `EN` below (same key in both); Labels
finds it there, and `python -m pazos_budget.catalogues extract` moves it into the
catalogues (a test fails while anything is staged).

Numbers inside sentences are written the way each language writes them (es: 1.234,5;
en: 1,234.5). Numbers in cells stay numbers: their format (`#,##0.0`) is shown with the
separators of the reader's own spreadsheet locale.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Collection, Mapping
from typing import Any

from ..concentration import Cause, Concentration
from ..explain import MILLION_UNITS, Funding, Measure, MeasureKind, Reason, Why
from ..findings import MONEY_KINDS, Alternative
from ..i18n import LANGUAGES, Lang, check_lang, number, separators, significant, texts
from ..marginal import MarginalValue, MoneySource
from ..model import CommitmentKind
from ..scenario import YOUTH_METRIC, Unservable
from ..tolerances import WRITTEN_WHOLE, ZERO

__all__ = ["LANGUAGES", "Labels", "Lang", "check_lang"]

# Staged texts (see the module docstring): keys here until `catalogues extract` moves them.

ES: dict[str, str] = {}

EN: dict[str, str] = {}

#: Keys whose text is legitimately the same in both languages.
SAME_IN_BOTH: frozenset[str] = frozenset(
    {
        "title.department",
        "usage.help.error",
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
        "term.no",
        "term.stage.final",
        "term.cmp.base",
        "term.status.error",
        "input.as_read",
        "term.alt.col.plan",
        "alt.plan",
        # The run's own texts (usage errors, solver notes): a prefix or a frame around
        # values, the same words in both.
        "cli.error",
        "review.term.share",
        "solver.at_file",
        "solver.at_stage",
        "solver.stage.final",
        "solver.stage.other",
        "solver.status_as_given",
        "usage.click.error",
        "usage.range.why",
    }
)

STAGED: Mapping[Lang, Mapping[str, str]] = {"es": ES, "en": EN}


def language_texts(lang: Lang) -> Mapping[str, str]:
    """Everything a language says: its catalogue, and whatever is still staged."""
    return ChainMap(dict(STAGED[lang]), dict(texts(lang)))


TEXTS: Mapping[Lang, Mapping[str, str]] = {lang: language_texts(lang) for lang in LANGUAGES}

#: Money units as a scenario may spell them, in each report language.
CURRENCIES: Mapping[Lang, Mapping[str, str]] = {
    "es": {"COP millions": "millones de COP", "COP": "COP", "COP thousands": "miles de COP"},
    "en": {"millones de COP": "COP millions", "miles de COP": "COP thousands"},
}

#: Department name prefixes dropped from sheet names (to fit Excel's 31 characters).
SHEET_NAME_PREFIXES: tuple[str, ...] = (
    "Secretaría de la ",
    "Secretaría de ",
    "Secretaría del ",
    "Secretaria de ",
    "Department of the ",
    "Department of ",
)


class Labels:
    """The texts of one language, and numbers written the way that language writes them."""

    def __init__(
        self, lang: str, currency: str = "", components: Mapping[str, str] | None = None
    ) -> None:
        self.lang: Lang = check_lang(lang)
        self.texts = TEXTS[self.lang]
        self.currency = CURRENCIES[self.lang].get(currency, currency)
        #: Display names the scenario gives its components (`components` section); they
        #: win over the catalogue's names, as every other display name from a scenario.
        self.components: Mapping[str, str] = dict(components or {})

    def __call__(self, key: str, **values: Any) -> str:
        text = self.texts[key]
        return text.format(**values) if values else text

    # ----------------------------------------------------------------- numbers in text
    def num(self, x: float, decimals: int) -> str:
        return number(x, decimals, self.lang)

    def money(self, x: float) -> str:
        """As the terminal writes money: one decimal."""
        return self.num(x, 1)

    def count(self, x: float) -> str:
        """As the terminal writes counts: whole when whole, else two decimals."""
        return self.num(x, 0 if abs(x - round(x)) < WRITTEN_WHOLE else 2)

    def agreeing(self, key: str, n: int, **values: object) -> str:
        """`key.one` or `key.other` as `n` is 1 or not, said with `n` and `values`: a
        sentence whose words agree with its count ("1 mundo infactible")."""
        return self(f"{key}.{'one' if n == 1 else 'other'}", n=n, **values)

    def counted(self, key: str, n: int) -> str:
        """`n` and its noun, singular for one (`counted("noun.cluster", 1)` is "1 cluster",
        "1 clúster"; 3 is "3 clusters", "3 clústeres"): `key.one` or `key.other`."""
        return self(f"{key}.{'one' if n == 1 else 'other'}", n=self.num(n, 0))

    def sig(self, x: float) -> str:
        """Three significant digits (stage shortfalls)."""
        return significant(x, 3).replace(".", separators(self.lang)[0])

    # ----------------------------------------------------------------- domain words
    def component(self, cid: str) -> str:
        return self.components.get(cid) or self(f"component.{cid}")

    def metric(self, metric: str, names: dict[str, str] | None) -> str:
        """An output metric's name (`names`: the scenario's `metrics`); the built-in
        `youth` metric in the labels' words."""
        if metric == YOUTH_METRIC:
            return self("youth_metric")
        return (names or {}).get(metric, metric)

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
        self, a: Alternative, places: Mapping[str, str], clusters: Collection[str]
    ) -> str:
        """An equally small alternative of a diagnosis (`diagnose._alternative`) in this
        language, with its amount; `places` names clusters, components and metrics, and
        `clusters` are the cluster ids."""
        if a.kind != CommitmentKind.HARD_TARGET:
            fmt = self.money if a.kind in MONEY_KINDS else self.count
            return self(
                f"alt.{a.kind}", name=a.name, amount=fmt(a.amount or 0.0), to=fmt(a.to or 0.0)
            )
        rows = []
        for row in a.rows or ():
            amount = (
                f"{self.num(100 * row.possible, 1)} %"
                if a.unit == "share"
                else self.count(row.possible)
            )
            key = row.key
            if key == "share":  # a spend share: one row
                rows.append(amount)
            elif "/" in key or key in clusters:  # a cluster, or a cluster and component
                where = " / ".join(places.get(part, part) for part in key.split("/"))
                rows.append(self("alt.row", amount=amount, where=where))
            else:  # a metric
                rows.append(f"{amount} {places.get(key, key)}")
        return self("alt.hard_target", name=a.name, rows="; ".join(rows))

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
        if r.why in (Why.MAX_CHANGE, Why.AT_CHANGE_FLOOR):
            return self(
                f"reason.{r.why.value}",
                units=self.count(r.units or 0.0),
                current=self.count(r.current or 0.0),
            )
        if r.why == Why.CLUSTER_CAPS:
            return self("reason.max_units_per_cluster")
        if r.why in (Why.NOT_NEEDED, Why.NEEDS_MET):
            key = f"reason.{r.why.value}" + (".min_spend" if r.minimize_spend else "")
            if r.why == Why.NEEDS_MET and not r.minimize_spend and not r.reaches_youth:
                key = "reason.needs_met.no_youth"
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

    def final_figure(self, final: str, x: float) -> str:
        """A final objective's value in a sentence: the lowest coverage as a percentage
        with two decimals, weighted coverage or spend with one decimal from 100 on."""
        if final == "maximize_min_coverage":
            return self.num(100 * x, 2) + (" %" if self.lang == "es" else "%")
        return self.num(x, 1) if abs(x) >= 100 else self.sig(x)

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

    def marginal_sentence(self, m: MarginalValue) -> str:
        """'100 more (COP millions) for Culture reaches about 40 more young people.': the
        one sentence of an entry, in the terminal and in the workbook."""
        if m.source == MoneySource.TOTAL_BUDGET:
            who = self("marginal.total_budget")
        else:
            who = self("marginal.department", name=m.name)
        head = self("marginal.head", extra=self.count(m.extra), currency=self.currency, who=who)
        if not m.exact:
            return self(f"marginal.{m.reason_code}", head=head, error=m.error or "")
        gains = [s for s in m.stages or () if s.priority is not None and s.improvement > ZERO]
        closer = ", ".join(
            self(
                "marginal.part",
                priority=g.priority,
                before=self.sig(g.before),
                after=self.sig(g.after),
            )
            for g in gains
        )
        youth = m.youth_reached or 0.0
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
            rose = [
                (s.final, s)
                for s in m.stages or ()
                if s.final is not None and s.improvement > ZERO * max(1.0, abs(s.before))
            ]
            if rose:
                # The final objective rose (a cluster of higher weight, a lower coverage
                # raised) even where no more young people are reached: the money is used.
                final, g = rose[0]
                return self(
                    "marginal.final_rose",
                    head=head,
                    objective=self(f"marginal.final.{final}"),
                    before=self.final_figure(final, g.before),
                    after=self.final_figure(final, g.after),
                    reach=reach,
                )
            return self("marginal.not_limiting", head=head, reach=reach)
        return self("marginal.plain", head=head, reach=reach)
