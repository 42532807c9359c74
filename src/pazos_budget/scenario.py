"""The scenario: pydantic models for everything a scenario file may say, and its rules.

No I/O here. Field-level rules live on the fields; rules that relate fields or sections
(cross references, cofunding shares, target scopes) live in `model_validator`s and raise
`RuleViolations`, which carries every violation with its path relative to the model so
that the loader can point at the right line of the file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from difflib import get_close_matches
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)

from .document import Key
from .messages import Joined, Num, Text, must
from .reach import MAX_DISTINCT_SHARE, ReachModel
from .tolerances import SHARE_SUM_TOLERANCE

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
SLUG_MAX_LENGTH = 64
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=SLUG_MAX_LENGTH)]
Money = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]

#: The built-in metric: youth reached (youth_per_unit).
YOUTH_METRIC = "youth"
#: The owner of the city-wide (PAZOS) targets in a result: no department may be called so.
PAZOS_OWNER = "pazos"

#: Cluster selector meaning "every cluster of the scenario".
ALL_CLUSTERS = "all"

#: A path into a scenario's data (the reading layer's `Key`).
Path = Key


class Estimate(float):
    """A number given as a range `{value, low, high}`: the float is `value`, the most
    likely amount and what a plain solve uses; `low` and `high` bound the triangular
    distribution `robust` samples it from (`value` its mode).

    A float, so that everything which reads a unit cost or a youth per unit sees the
    plain number: only sampling (uncertainty.py) looks at the range.
    """

    low: float
    high: float

    def __new__(cls, value: float, low: float, high: float) -> Estimate:
        self = super().__new__(cls, value)
        self.low = float(low)
        self.high = float(high)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled whole (a batch ships the scenario to its workers).
        return (Estimate, (float(self), self.low, self.high))

    def __repr__(self) -> str:
        return f"Estimate(value={float(self)!r}, low={self.low!r}, high={self.high!r})"


#: The keys of a range, in the order they are written.
RANGE_KEYS = ("value", "low", "high")


def is_range(data: Any) -> bool:
    """Whether a scenario value is written as a range (a mapping with the key `value`)."""
    return isinstance(data, dict) and "value" in data


def _range(data: dict[Any, Any], positive: bool) -> Estimate:
    """A range as written, checked: located issues relative to it (`low`, `high`...)."""
    issues: list[tuple[Path, str]] = []
    numbers: dict[str, float] = {}
    for key in data:
        if key not in RANGE_KEYS:
            issues.append(((str(key),), Text("val.range.unknown", key=key)))
    for key in RANGE_KEYS:
        if key not in data:
            issues.append(((key,), Text("val.range.required")))
            continue
        v = data[key]
        if isinstance(v, bool) or not isinstance(v, int | float):
            issues.append(((key,), must("val.be.number")))
        elif not math.isfinite(v):
            issues.append(((key,), must("val.be.finite")))
        elif positive and v <= 0:
            issues.append(((key,), must("val.be.gt", bound=Num(0, ""))))
        elif v < 0:
            issues.append(((key,), must("val.be.ge", bound=Num(0, ""))))
        else:
            numbers[key] = float(v)
    if len(numbers) == 3:
        value, low, high = numbers["value"], numbers["low"], numbers["high"]
        if low > value:
            issues.append((("low",), Text("val.range.low", value=Num(value))))
        if high < value:
            issues.append((("high",), Text("val.range.high", value=Num(value))))
    _raise_if(issues)
    return Estimate(numbers["value"], numbers["low"], numbers["high"])


def _estimate(positive: bool) -> WrapValidator:
    def check(data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return _range(data, positive) if is_range(data) else handler(data)

    return WrapValidator(check)


#: A unit cost: a number > 0, or a range of them.
UnitCost = Annotated[float, Field(gt=0), _estimate(positive=True)]
#: A youth per unit: a number >= 0, or a range of them.
YouthNumber = Annotated[float, Field(ge=0), _estimate(positive=False)]
#: A programme's youth per unit: one number or range, or a per-cluster map of them. A
#: mapping with the key `value` is a range, any other a per-cluster map.
YouthPerUnit = Annotated[YouthNumber | dict[Slug, YouthNumber], _estimate(positive=False)]


class Component(StrEnum):
    """The five fixed PAZOS components."""

    INTERRUPTION = "interruption"
    INTERVENTION = "intervention"
    PREVENTION = "prevention"
    SAFE_ENVIRONMENTS = "safe_environments"
    ACCESS_TO_JUSTICE = "access_to_justice"


COMPONENT_IDS: tuple[str, ...] = tuple(c.value for c in Component)
#: A component id as written in a file (enums are matched by value, not by instance).
ComponentId = Annotated[Component, Field(strict=False)]


class Objective(StrEnum):
    MAXIMIZE_WEIGHTED_REACH = "maximize_weighted_reach"
    MAXIMIZE_MIN_COVERAGE = "maximize_min_coverage"
    MINIMIZE_SPEND = "minimize_spend"


ObjectiveId = Annotated[Objective, Field(strict=False)]
ReachModelId = Annotated[ReachModel, Field(strict=False)]


class TargetKind(StrEnum):
    YOUTH_REACH = "youth_reach"
    METRIC = "metric"
    SPEND_SHARE = "spend_share"
    COMPONENT_PRESENCE = "component_presence"


class RuleViolations(ValueError):
    """Several rule violations found at once, each with a path relative to the model."""

    def __init__(self, issues: list[tuple[Path, str]]) -> None:
        self.issues = issues
        super().__init__("; ".join(f"{'.'.join(map(str, p))}: {m}" for p, m in issues))


def _raise_if(issues: list[tuple[Path, str]]) -> None:
    if issues:
        raise RuleViolations(issues)


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors, NaN/inf are refused,
    and no silent coercion (the string "5" is not the number 5)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class ScenarioInfo(Strict):
    id: Slug
    name: str = Field(min_length=1)
    year: int = Field(ge=1900, le=2200)
    currency: str = Field(default="COP millions", min_length=1)
    language: Literal["es", "en"] = "es"
    notes: str = ""


class Budget(Strict):
    total: Money


class Cluster(Strict):
    id: Slug
    name: str = Field(min_length=1)
    youth_population: int = Field(gt=0)
    weight: float = Field(default=1.0, ge=0)
    prioritized: bool = True
    notes: str = ""


class ComponentInfo(Strict):
    id: ComponentId
    name: str = Field(min_length=1)


class TargetBase(Strict):
    id: Slug
    name: str = ""
    priority: int = Field(default=1, ge=1, le=99)
    weight: float = Field(default=1.0, ge=0)
    hard: bool = False
    departments: list[Slug] | None = None
    clusters: list[Slug] | None = None
    components: list[ComponentId] | None = None
    notes: str = ""


class YouthReachTarget(TargetBase):
    kind: Literal[TargetKind.YOUTH_REACH]
    share: Share | None = None
    at_least: Money | None = None

    @model_validator(mode="after")
    def _one_amount(self) -> YouthReachTarget:
        if (self.share is None) == (self.at_least is None):
            raise RuleViolations([((), Text("val.one_of_two", a="share", b="at_least"))])
        return self


class MetricTarget(TargetBase):
    kind: Literal[TargetKind.METRIC]
    metric: Slug
    at_least: Money


class SpendShareTarget(TargetBase):
    kind: Literal[TargetKind.SPEND_SHARE]
    at_least: Share | None = None
    at_most: Share | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> SpendShareTarget:
        if (self.at_least is None) == (self.at_most is None):
            raise RuleViolations([((), Text("val.one_of_two", a="at_least", b="at_most"))])
        return self


class ComponentPresenceTarget(TargetBase):
    kind: Literal[TargetKind.COMPONENT_PRESENCE]
    at_least_units: Money = 1.0


Target = Annotated[
    YouthReachTarget | MetricTarget | SpendShareTarget | ComponentPresenceTarget,
    Field(discriminator="kind"),
]


class Department(Strict):
    id: Slug
    name: str = Field(min_length=1)
    budget: Money | None = None
    min_spend: Money | None = None
    goals: list[Target] = Field(default_factory=list)
    notes: str = ""

    @model_validator(mode="after")
    def _not_the_city(self) -> Department:
        # Every city-wide target's owner is "pazos" (the result's `owner`): a department
        # of that id would be credited with them, and its goals read as the city's.
        if self.id == PAZOS_OWNER:
            raise RuleViolations([(("id",), Text("val.department.pazos", id=self.id))])
        return self

    @model_validator(mode="after")
    def _min_below_budget(self) -> Department:
        if self.budget is not None and self.min_spend is not None and self.min_spend > self.budget:
            raise RuleViolations([(("min_spend",), Text("val.min_spend", budget=Num(self.budget)))])
        return self


class Programme(Strict):
    id: Slug
    name: str = Field(min_length=1)
    department: Slug
    component: ComponentId
    unit: str = Field(default="unit", min_length=1)
    unit_cost: UnitCost
    fixed_cost: Money = 0.0
    min_units: Money = 0.0
    max_units: Money | None = None
    integer: bool = False
    mandatory: bool = False
    clusters: Literal["all"] | list[Slug] = Field(default_factory=list)
    youth_per_unit: YouthPerUnit = 0.0
    outputs: dict[Slug, Money] = Field(default_factory=dict)
    cofunding: dict[Slug, Annotated[float, Field(gt=0, le=1)]] | None = None
    min_units_per_cluster: Money | dict[Slug, Money] | None = None
    max_units_per_cluster: Money | dict[Slug, Money] | None = None
    current_units: Money | None = None
    max_change: Share | None = None
    notes: str = ""

    @model_validator(mode="after")
    def _own_rules(self) -> Programme:
        issues = _per_cluster_issues(self)
        if self.max_change is not None and self.current_units is None:
            issues.append((("max_change",), Text("val.max_change")))
        if self.max_units is not None and self.min_units > self.max_units:
            issues.append((("min_units",), Text("val.min_units", max=Num(self.max_units))))
        if self.integer:
            for name in ("min_units", "max_units"):
                value = getattr(self, name)
                if value is not None and not float(value).is_integer():
                    issues.append(((name,), must("val.be.whole_integer")))
        if self.cofunding is not None:
            total = math.fsum(self.cofunding.values())
            if abs(total - 1.0) > SHARE_SUM_TOLERANCE:
                issues.append((("cofunding",), Text("val.cofunding_sum", total=Num(total))))
        if YOUTH_METRIC in self.outputs:
            issues.append((("outputs", YOUTH_METRIC), Text("val.youth_output")))
        issues += _cluster_list_issues(self)
        _raise_if(issues)
        return self

    @property
    def city_wide(self) -> bool:
        return isinstance(self.clusters, list) and not self.clusters

    def funders(self) -> dict[str, float]:
        """Department -> share of the programme's spend it pays."""
        return dict(self.cofunding) if self.cofunding is not None else {self.department: 1.0}


def _per_cluster_issues(p: Programme) -> list[tuple[Path, str]]:
    """A programme's per-cluster units: none if city-wide, whole if integer."""
    issues: list[tuple[Path, str]] = []
    for name in ("min_units_per_cluster", "max_units_per_cluster"):
        value = getattr(p, name)
        if value is None:
            continue
        if p.city_wide:
            issues.append(((name,), Text("val.city_wide.per_cluster")))
        values = value.values() if isinstance(value, dict) else [value]
        if p.integer and any(not float(v).is_integer() for v in values):
            issues.append(((name,), must("val.be.wholes_integer")))
    return issues


def _cluster_list_issues(p: Programme) -> list[tuple[Path, str]]:
    """A programme's list of clusters: none twice; empty (city-wide) takes one youth number."""
    issues: list[tuple[Path, str]] = []
    if isinstance(p.clusters, list):
        seen: set[str] = set()
        for i, cid in enumerate(p.clusters):
            if cid in seen:
                issues.append((("clusters", i), Text("val.cluster_twice", id=cid)))
            seen.add(cid)
        if not p.clusters and isinstance(p.youth_per_unit, dict):
            issues.append((("youth_per_unit",), Text("val.city_wide.youth")))
    return issues


#: No number in a scenario may be larger than this: sums of such amounts stay exact to
#: the unit in floating point (which holds integers exactly up to 9.007e15), and every
#: product of two of them stays finite (docs/model.md, "Numbers the optimizer can trust").
MAX_MAGNITUDE = 1e15
#: The largest number of one kind may be at most this many times the smallest nonzero one
#: of the same kind: the solver works to about 1e-9 of a row's largest coefficient, so a
#: smaller one is lost whatever unit the kind is written in.
MAX_SPAN = 1e9
#: Weights (of clusters, and of targets within one priority) may span less: a weight
#: below the contract's 1e-6 tolerance times the largest weighs less than the tolerance
#: every stage optimum is held within; write 0 for "does not count".
MAX_WEIGHT_SPAN = 1e6


#: A number of a scenario with where it is: its path, or (for speed) None until a rule
#: fails and the numbers are gathered again with their paths.
_Amount = tuple[Path | None, float]


def _kinds(s: Scenario, where: bool) -> dict[str, list[_Amount]]:
    """Every number of the scenario that can be large, by kind ("money", "youth",
    "metric:<id>", "cluster weight", "weight:<priority>", "units"); with `where`, each with
    its path (slower: a national scenario has a quarter of a million numbers)."""

    def at(*path: str | int) -> Path | None:
        return path if where else None

    money: list[_Amount] = [(at("budget", "total"), s.budget.total)]
    youth: list[_Amount] = []
    units: list[_Amount] = []
    kinds: dict[str, list[_Amount]] = {"money": money, "youth": youth, "units": units}
    weights: list[_Amount] = []
    kinds["cluster weight"] = weights
    for i, c in enumerate(s.clusters):
        youth.append((at("clusters", i, "youth_population"), float(c.youth_population)))
        weights.append((at("clusters", i, "weight"), c.weight))
    for j, d in enumerate(s.departments):
        for key in ("budget", "min_spend"):
            if (amount := getattr(d, key)) is not None:
                money.append((at("departments", j, key), amount))
    for i, p in enumerate(s.programmes):
        money.append((at("programmes", i, "unit_cost"), p.unit_cost))
        money.append((at("programmes", i, "fixed_cost"), p.fixed_cost))
        if isinstance(p.youth_per_unit, dict):
            youth += [
                (at("programmes", i, "youth_per_unit", c), v) for c, v in p.youth_per_unit.items()
            ]
        else:
            youth.append((at("programmes", i, "youth_per_unit"), p.youth_per_unit))
        for metric, v in p.outputs.items():
            kinds.setdefault(f"metric:{metric}", []).append(
                (at("programmes", i, "outputs", metric), v)
            )
        for key in ("min_units", "max_units", "current_units"):
            if (n := getattr(p, key)) is not None:
                units.append((at("programmes", i, key), n))
        for key in ("min_units_per_cluster", "max_units_per_cluster"):
            per = getattr(p, key)
            if isinstance(per, dict):
                units += [(at("programmes", i, key, c), v) for c, v in per.items()]
            elif per is not None:
                units.append((at("programmes", i, key), per))
    _target_kinds(s, where, kinds)
    return kinds


def _target_kinds(s: Scenario, where: bool, kinds: dict[str, list[_Amount]]) -> None:
    """`_kinds` for the targets and goals: their weights and what each asks for."""
    youth, units = kinds["youth"], kinds["units"]
    for path, _, t in _all_targets(s.targets, s.departments):
        if not t.hard:
            kinds.setdefault(f"weight:{t.priority}", []).append(
                (path + ("weight",) if where else None, t.weight)
            )
        target_at = path + ("at_least",) if where else None
        if isinstance(t, YouthReachTarget) and t.at_least is not None:
            youth.append((target_at, t.at_least))
        elif isinstance(t, MetricTarget):
            kind = "youth" if t.metric == YOUTH_METRIC else f"metric:{t.metric}"
            kinds.setdefault(kind, []).append((target_at, t.at_least))
        elif isinstance(t, ComponentPresenceTarget):
            units.append((path + ("at_least_units",) if where else None, t.at_least_units))


def _limit_of(kind: str) -> float | None:
    """The span a kind may have (None: magnitude only)."""
    if kind == "units":
        return None
    return MAX_WEIGHT_SPAN if "weight" in kind else MAX_SPAN


def _describe(kind: str) -> tuple[Text, Text]:
    """How a kind is named in a message, and why the span is refused, with advice."""
    unit = Text("val.span.unit")
    weight = Text("val.span.weight")
    if kind.startswith("metric:"):
        return Text("val.span.kind.metric", metric=kind[7:]), unit
    if kind.startswith("weight:"):
        return Text("val.span.kind.target_weight", priority=kind[7:]), weight
    if kind == "cluster weight":
        return Text("val.span.kind.cluster_weight"), weight
    return Text({"money": "val.span.kind.money", "youth": "val.span.kind.youth"}[kind]), unit


def _fails(amounts: list[_Amount], limit: float | None) -> bool:
    values = [abs(v) for _, v in amounts]
    if values and max(values) > MAX_MAGNITUDE:
        return True
    if limit is None:
        return False
    nonzero = [v for v in values if v != 0]
    return len(nonzero) > 1 and max(nonzero) > limit * min(nonzero)


def _power(x: float) -> str:
    """1e9 as '1e9' (the same in every language)."""
    return f"1e{round(math.log10(x))}"


def numeric_issues(s: Scenario) -> list[tuple[Path, str]]:
    """The numbers no scaling makes honest (docs/model.md, "Numbers the optimizer can
    trust"): any beyond MAX_MAGNITUDE, and kinds that span more than their limit."""
    fast = _kinds(s, where=False)
    failing = sorted(kind for kind, amounts in fast.items() if _fails(amounts, _limit_of(kind)))
    if not failing:
        return []
    located = _kinds(s, where=True)
    issues: list[tuple[Path, str]] = []
    for kind in failing:
        amounts = [(path, v) for path, v in located[kind] if path is not None]
        issues += [
            (path, Text("val.too_large", value=Num(v), limit=_power(MAX_MAGNITUDE)))
            for path, v in amounts
            if abs(v) > MAX_MAGNITUDE
        ]
        limit = _limit_of(kind)
        nonzero = [(path, abs(v)) for path, v in amounts if v != 0 and abs(v) <= MAX_MAGNITUDE]
        if limit is None or len(nonzero) < 2:
            continue
        small_at, small = min(nonzero, key=lambda a: a[1])
        large_at, large = max(nonzero, key=lambda a: a[1])
        if large > limit * small:
            name, advice = _describe(kind)
            issues.append(
                (
                    small_at,
                    Text(
                        "val.span",
                        small=Num(small),
                        limit=_power(limit),
                        name=name,
                        at=_dotted(large_at),
                        large=Num(large),
                        advice=advice,
                    ),
                )
            )
    return issues


def _all_targets(
    targets: list[Target], departments: list[Department]
) -> Iterator[tuple[Path, str | None, Target]]:
    """(path, owning department or None for PAZOS, target) for every target and goal."""
    for i, t in enumerate(targets):
        yield ("targets", i), None, t
    for d_i, dept in enumerate(departments):
        for g_i, goal in enumerate(dept.goals):
            yield ("departments", d_i, "goals", g_i), dept.id, goal


class Uncertainty(Strict):
    """What `robust` samples beyond the ranges of the programmes."""

    #: Multiplies every unit cost of a sampled world by one common draw (overruns are
    #: correlated: one inflation, one exchange rate); a plain number is no uncertainty.
    common_cost_factor: UnitCost = 1.0


class Scenario(Strict):
    scenario: ScenarioInfo
    budget: Budget
    objective: ObjectiveId = Objective.MAXIMIZE_WEIGHTED_REACH
    #: How participations become distinct youth (reach.py): `distinct` (diminishing
    #: returns) or `participations` (capped at the population).
    reach_model: ReachModelId = ReachModel.DISTINCT
    clusters: list[Cluster] = Field(min_length=1)
    components: list[ComponentInfo] | None = None
    # Empty while a new city's skeleton is being filled (`init`): a warning, not an error.
    departments: list[Department] = Field(default_factory=list)
    programmes: list[Programme] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)
    #: No programme with current_units moves more than this share from them (0.3 = 30%).
    max_change: Share | None = None
    #: Display names of output metrics in the scenario's language (id -> name), e.g.
    #: cameras: "cámaras de seguridad"; reports show the id where no name is given.
    metrics: dict[Slug, Annotated[str, Field(min_length=1, max_length=120)]] | None = None
    #: Correlated uncertainty for `robust` (the ranges themselves sit on the numbers).
    uncertainty: Uncertainty | None = None

    # ----------------------------------------------------------------- derived views
    @property
    def cluster_ids(self) -> list[str]:
        return [c.id for c in self.clusters]

    @property
    def prioritized_cluster_ids(self) -> list[str]:
        return [c.id for c in self.clusters if c.prioritized]

    def programme_clusters(self, p: Programme) -> list[str]:
        """The clusters a programme can run in ([] for a city-wide programme)."""
        if p.clusters == ALL_CLUSTERS:
            return self.cluster_ids
        assert isinstance(p.clusters, list)
        return list(p.clusters)

    def per_cluster(self, p: Programme, which: str) -> dict[str, float]:
        """Per-cluster minimum or maximum units ("min" / "max"), cluster id -> units."""
        value = p.min_units_per_cluster if which == "min" else p.max_units_per_cluster
        if value is None:
            return {}
        if isinstance(value, dict):
            return dict(value)
        return {c: float(value) for c in self.programme_clusters(p)}

    def change_bounds(self, p: Programme) -> tuple[float, float] | None:
        """(lowest, highest) total units allowed by max_change, or None if unbounded."""
        change = p.max_change if p.max_change is not None else self.max_change
        if change is None or p.current_units is None:
            return None
        return (1.0 - change) * p.current_units, (1.0 + change) * p.current_units

    def youth_per_unit(self, p: Programme, cluster: str | None) -> float:
        """Youth one unit of `p` reaches in `cluster` (None = city-wide)."""
        if isinstance(p.youth_per_unit, dict):
            return p.youth_per_unit.get(cluster or "", 0.0)
        return float(p.youth_per_unit)

    def all_targets(self) -> Iterator[tuple[str | None, Target]]:
        """(owner, target) for PAZOS targets (owner None) then each department's goals."""
        for _, owner, t in _all_targets(self.targets, self.departments):
            yield owner, t

    def target_departments(self, owner: str | None, t: Target) -> list[str] | None:
        """The departments that scope a target (None = every department)."""
        if t.departments is not None:
            return list(t.departments)
        return [owner] if owner is not None else None

    def in_scope(self, p: Programme, departments: Iterable[str] | None, t: Target) -> bool:
        """Whether programme `p` counts for target `t` (department and component scope)."""
        # Owner or cofunder (docs/model.md: targets), even when a cofunding map leaves
        # the owner out.
        if departments is not None and not ({p.department, *p.funders()} & set(departments)):
            return False
        return t.components is None or p.component in t.components

    def scope_money_share(self, p: Programme, departments: Iterable[str] | None) -> float:
        """The part of `p`'s spend that counts toward a spend share scoped to
        `departments`: the summed cofunding shares of those departments (None = every
        department: all of it). Whether `p` is in scope at all is `in_scope`'s question."""
        if departments is None:
            return 1.0
        funders = p.funders()
        return min(1.0, math.fsum(funders.get(d, 0.0) for d in set(departments)))

    def share_base_cap(self, owner: str | None, t: Target) -> float:
        """B, the largest a spend share's base can be: the department's budget for a
        department goal without `departments` (budget.total when it has none), else
        budget.total. A share row's scale is share x B (B itself for a share of 0)."""
        if owner is not None and t.departments is None:
            budget = next(d.budget for d in self.departments if d.id == owner)
            if budget is not None and budget > 0:
                return budget
        return self.budget.total

    def reaching_cluster_ids(self) -> set[str]:
        """Clusters where at least one programme reaches youth (youth_per_unit > 0)."""
        out: set[str] = set()
        for p in self.programmes:
            if isinstance(p.youth_per_unit, dict):
                ypu = p.youth_per_unit
                out.update(c for c in self.programme_clusters(p) if ypu.get(c, 0.0) > 0)
            elif p.youth_per_unit > 0:
                out.update(self.programme_clusters(p))
        return out

    def equity_cluster_ids(self) -> list[str]:
        """The clusters `maximize_min_coverage` raises: prioritized and reachable."""
        reach = self.reaching_cluster_ids()
        return [cid for cid in self.prioritized_cluster_ids if cid in reach]

    def warnings(self) -> list[tuple[Path, str]]:
        """Things that make a scenario weaker than it reads without making it invalid,
        each with the path of the field concerned."""
        out: list[tuple[Path, str]] = []
        if not self.departments:
            out.append((("departments",), Text("val.warn.no_department")))
        if not self.programmes:
            out.append((("programmes",), Text("val.warn.no_programme")))
        if self.objective == Objective.MAXIMIZE_MIN_COVERAGE:
            reach = self.reaching_cluster_ids()
            for i, c in enumerate(self.clusters):
                if c.prioritized and c.id not in reach:
                    out.append((("clusters", i), Text("val.warn.left_out", id=c.id)))
        index = ServingIndex(self)
        for path, owner, t in _all_targets(self.targets, self.departments):
            lead = Text("val.warn.hard_unmet" if t.hard else "val.warn.soft_unmet")
            for u in self.unservable(owner, t, index):
                out.append((path + u.field, Joined([lead, u.message], ": ")))
        if self.reach_model == ReachModel.DISTINCT:
            for path, _owner, t in _all_targets(self.targets, self.departments):
                if not isinstance(t, YouthReachTarget) or t.hard:
                    continue
                clusters = t.clusters if t.clusters is not None else self.prioritized_cluster_ids
                pops = {c.id: c.youth_population for c in self.clusters}
                if t.share is not None and t.share > MAX_DISTINCT_SHARE:
                    out.append(
                        (path + ("share",), Text("val.warn.share", share=Num(MAX_DISTINCT_SHARE)))
                    )
                elif t.at_least is not None:
                    over = [c for c in clusters if t.at_least > MAX_DISTINCT_SHARE * pops[c]]
                    if over:
                        message = Text(
                            "val.warn.at_least",
                            share=Num(MAX_DISTINCT_SHARE),
                            clusters=", ".join(over[:5]),
                        )
                        out.append((path + ("at_least",), message))
        return out

    def unservable(
        self, owner: str | None, t: Target, index: ServingIndex | None = None
    ) -> list[Unservable]:
        """The rows of a target that nothing in its scope can serve (docs/model.md: results): no
        programme in scope produces its metric, reaches youth, belongs to its component or
        runs in its clusters. Such a soft target is a warning and is reported unmet with
        this reason; such a hard one makes the scenario infeasible. `index` is the
        scenario's `ServingIndex`, built once for many targets."""
        ix = index or ServingIndex(self)
        scope = ix.scope(self.target_departments(owner, t), t)
        where = _scope_words(owner, t)
        clusters = t.clusters if t.clusters is not None else ix.prioritized
        if isinstance(t, MetricTarget):
            return self._unservable_metric(t, scope, where)
        if isinstance(t, YouthReachTarget):
            if (t.at_least if t.at_least is not None else t.share or 0.0) <= 0:
                return []
            reached = ix.union(scope, "reaches")
            missing = [c for c in clusters if c not in reached]
            if not missing:
                return []
            named: tuple[str, ...] = ()
            if not reached:
                message = Text("val.why.youth", where=where)
                code = UnservableCode.YOUTH
            else:
                message = Text("val.why.youth_in", where=where, clusters=_clusters_words(missing))
                code, named = UnservableCode.YOUTH_IN, tuple(missing)
            at: Path = ("clusters",) if t.clusters is not None and reached else ()
            return [Unservable(at, tuple(missing), message, code, "", named)]
        if isinstance(t, ComponentPresenceTarget):
            if t.at_least_units <= 0:
                return []
            out = []
            for comp in t.components or list(Component):
                of_comp = [k for k in scope if k.component == comp.value]
                runs = ix.union(of_comp, "runs")
                missing = [c for c in clusters if c not in runs]
                if not missing:
                    continue
                code, named = UnservableCode.COMPONENT_IN, tuple(missing)
                if not of_comp:
                    message = Text("val.why.component", where=where, component=comp.value)
                    code, named = UnservableCode.COMPONENT, ()
                else:
                    message = Text(
                        "val.why.component_in",
                        where=where,
                        component=comp.value,
                        clusters=_clusters_words(missing),
                    )
                keys = tuple(f"{c}/{comp.value}" for c in missing)
                comps_at: Path = ("components",) if t.components is not None else ()
                out.append(Unservable(comps_at, keys, message, code, comp.value, named))
            return out
        assert isinstance(t, SpendShareTarget)
        if t.at_least is None or t.at_least <= 0:
            return []
        if t.clusters is None:
            if scope:
                return []
            return [
                Unservable(
                    (),
                    ("share",),
                    Text("val.why.spend", where=where),
                    UnservableCode.SPEND,
                )
            ]
        runs = ix.union(scope, "runs")
        if any(c in runs for c in t.clusters):
            return []
        message = Text("val.why.spend_in", where=where, clusters=_clusters_words(t.clusters))
        code = UnservableCode.SPEND_IN
        return [Unservable(("clusters",), ("share",), message, code, "", tuple(t.clusters))]

    def _unservable_metric(
        self, t: MetricTarget, scope: list[ServedBy], where: Text
    ) -> list[Unservable]:
        if t.at_least <= 0:
            return []
        key = (t.metric,)
        if t.metric == YOUTH_METRIC:
            if not any(k.reaches_any for k in scope):
                message = Text("val.why.youth", where=where)
                return [Unservable(("metric",), key, message, UnservableCode.YOUTH)]
            if t.clusters is not None and not set(t.clusters) & ServingIndex.union(
                scope, "reaches"
            ):
                message = Text(
                    "val.why.youth_in", where=where, clusters=_clusters_words(t.clusters)
                )
                code = UnservableCode.YOUTH_IN
                return [Unservable(("clusters",), key, message, code, "", tuple(t.clusters))]
            return []
        producers_in_scope = [k for k in scope if t.metric in k.produces]
        if not producers_in_scope:
            producers = sorted({p.id for p in self.programmes if t.metric in p.outputs})
            metrics = {m for p in self.programmes for m in p.outputs} | {YOUTH_METRIC}
            hint: str
            if producers:
                hint = Text("val.why.produced_only", programmes=", ".join(producers[:5]))
            else:
                # Said only when the scope is narrower than the whole scenario, where it
                # would repeat the message.
                scoped = sum(k.count for k in scope) < len(self.programmes)
                close = _close(t.metric, metrics)
                hints = [Text("val.why.no_outputs")] if scoped else []
                hints += [Text("val.hint.mean", name=close)] if close else []
                hint = Joined(hints, "")
            message = Text("val.why.metric", where=where, metric=t.metric, hint=hint)
            return [Unservable(("metric",), key, message, UnservableCode.METRIC, t.metric)]
        if t.clusters is not None:
            runs: set[str] = set()
            for k in producers_in_scope:
                runs |= k.produces[t.metric]
            if not set(t.clusters) & runs:
                message = Text(
                    "val.why.metric_in",
                    where=where,
                    metric=t.metric,
                    clusters=_clusters_words(t.clusters),
                )
                code = UnservableCode.METRIC_IN
                return [Unservable(("clusters",), key, message, code, t.metric, tuple(t.clusters))]
        return []

    def metric_name(self, metric: str) -> str:
        """The display name of an output metric (its id when none is given)."""
        return (self.metrics or {}).get(metric, metric)

    def given_component_names(self) -> dict[str, str]:
        """The display names the `components` section gives (id -> name), no defaults."""
        return {c.id.value: c.name for c in self.components or []}

    def component_names(self) -> dict[str, str]:
        given = {c.id.value: c.name for c in self.components or []}
        return {cid: given.get(cid, cid) for cid in COMPONENT_IDS}

    # ----------------------------------------------------------------- cross rules
    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        _raise_if(self.reference_issues() + numeric_issues(self))
        return self

    def reference_issues(self) -> list[tuple[Path, str]]:
        """The rules that relate sections: unique ids, references that resolve, scopes.
        (The loader also runs them on a stand-in of an invalid scenario, so that these
        problems are reported together with its field errors.)"""
        issues: list[tuple[Path, str]] = []
        issues += _unique_ids("clusters", self.clusters)
        issues += _unique_ids("departments", self.departments)
        issues += _unique_ids("programmes", self.programmes)
        if self.components is not None:
            issues += _unique_ids("components", self.components)
            given = {c.id for c in self.components}
            missing = [c for c in COMPONENT_IDS if c not in given]
            if missing:
                key = f"val.components_missing.{'one' if len(missing) == 1 else 'other'}"
                message = Text(key, components=", ".join(missing))
                issues.append((("components",), message))

        if self.objective == Objective.MAXIMIZE_MIN_COVERAGE and not self.prioritized_cluster_ids:
            issues.append((("objective",), Text("val.min_coverage_needs")))
        for i, c in enumerate(self.clusters):
            if c.id == ALL_CLUSTERS:
                issues.append((("clusters", i, "id"), Text("val.all_reserved")))
        cluster_ids = set(self.cluster_ids)
        dept_ids = {d.id for d in self.departments}
        for i, p in enumerate(self.programmes):
            issues += self._programme_references(i, p, dept_ids, cluster_ids)
        issues += self._metric_name_issues()

        seen_targets: dict[str, Path] = {}
        for path, owner, t in _all_targets(self.targets, self.departments):
            if t.id in seen_targets:
                message = Text("val.target_twice", id=t.id, at=_dotted(seen_targets[t.id]))
                issues.append((path + ("id",), message))
            else:
                seen_targets[t.id] = path
            issues += self._target_rules(path, owner, t, dept_ids, cluster_ids)
        return issues

    def _programme_references(
        self, i: int, p: Programme, dept_ids: set[str], cluster_ids: set[str]
    ) -> list[tuple[Path, str]]:
        """A programme's references: its department, clusters, cluster values, cofunders."""
        issues: list[tuple[Path, str]] = []
        at: Path = ("programmes", i)
        if p.department not in dept_ids:
            issues.append((at + ("department",), _unknown(DEPARTMENT, p.department, dept_ids)))
        if isinstance(p.clusters, list):
            for j, cid in enumerate(p.clusters):
                if cid not in cluster_ids:
                    issues.append((at + ("clusters", j), _unknown(CLUSTER, cid, cluster_ids)))
        issues += self._cluster_values(at, p, cluster_ids)
        for dep in p.cofunding or {}:
            if dep not in dept_ids:
                issues.append((at + ("cofunding", dep), _unknown(DEPARTMENT, dep, dept_ids)))
        return issues

    def _cluster_values(
        self, at: Path, p: Programme, cluster_ids: set[str]
    ) -> list[tuple[Path, str]]:
        """A programme's values by cluster (youth per unit, per-cluster units): each of one
        of its clusters, every cluster given youth, the minimums within the maximums."""
        issues: list[tuple[Path, str]] = []
        runs_in = set(self.programme_clusters(p)) & cluster_ids
        # (a range as written, in the stand-in of a programme that did not validate,
        # is not a map of clusters)
        if isinstance(p.youth_per_unit, dict) and not is_range(p.youth_per_unit):
            for cid in p.youth_per_unit:
                if cid not in runs_in:
                    issues.append(
                        (at + ("youth_per_unit", cid), Text("val.not_its_cluster", id=cid))
                    )
            for cid in self.programme_clusters(p):
                if cid in cluster_ids and cid not in p.youth_per_unit:
                    issues.append((at + ("youth_per_unit",), Text("val.no_youth_value", id=cid)))
        for name in ("min_units_per_cluster", "max_units_per_cluster"):
            value = getattr(p, name)
            if isinstance(value, dict):
                for cid in value:
                    if cid not in runs_in:
                        issues.append((at + (name, cid), Text("val.not_its_cluster", id=cid)))
        lows, highs = self.per_cluster(p, "min"), self.per_cluster(p, "max")
        for cid, low in lows.items():
            if cid in highs and low > highs[cid]:
                message = Text("val.per_cluster_over", low=Num(low), id=cid, high=Num(highs[cid]))
                issues.append((at + ("min_units_per_cluster",), message))
        if p.max_units is not None and math.fsum(lows.values()) > p.max_units:
            total = Num(math.fsum(lows.values()))
            message = Text("val.per_cluster_sum", total=total, max=Num(p.max_units))
            issues.append((at + ("min_units_per_cluster",), message))
        return issues

    def _metric_name_issues(self) -> list[tuple[Path, str]]:
        """The names given to metrics: not 'youth', and none a misspelt unnamed metric."""
        issues: list[tuple[Path, str]] = []
        # A name for a metric no programme produces is kept (a variant may remove the
        # programme, and cannot remove the name); one that looks like a misspelt unnamed
        # metric is reported.
        unnamed = {m for p in self.programmes for m in p.outputs} - set(self.metrics or {})
        for metric in self.metrics or {}:
            if metric == YOUTH_METRIC:
                issues.append((("metrics", metric), Text("val.youth_named")))
            elif (close := _close(metric, unnamed)) is not None:
                message = Text("val.metric_unlisted", metric=metric, close=close)
                issues.append((("metrics", metric), message))
        return issues

    def _target_rules(
        self, at: Path, owner: str | None, t: Target, dept_ids: set[str], cluster_ids: set[str]
    ) -> list[tuple[Path, str]]:
        issues: list[tuple[Path, str]] = []
        for j, dep in enumerate(t.departments or []):
            if dep not in dept_ids:
                issues.append((at + ("departments", j), _unknown(DEPARTMENT, dep, dept_ids)))
        for j, cid in enumerate(t.clusters or []):
            if cid not in cluster_ids:
                issues.append((at + ("clusters", j), _unknown(CLUSTER, cid, cluster_ids)))
        if issues:
            return issues
        if t.clusters is not None and not t.clusters:
            return [(at + ("clusters",), Text("val.list_a_cluster"))]
        if t.components is not None and not t.components:
            return [(at + ("components",), Text("val.list_a_component"))]

        if (
            isinstance(t, YouthReachTarget | ComponentPresenceTarget)
            and t.clusters is None
            and not self.prioritized_cluster_ids
        ):
            issues.append((at, Text("val.none_prioritized")))
        return issues


@dataclass(frozen=True)
class Unservable:
    """Rows of a target that nothing in its scope can serve, and why."""

    field: Path  # the field of the target the warning points at (relative to the target)
    keys: tuple[str, ...]  # the keys of the rows concerned (as in the result's rows)
    message: str
    # What is missing, for reports in other words: `UnservableCode` value, the metric or
    # component concerned ("" if none) and the clusters concerned (() if all of them).
    code: str = ""
    subject: str = ""
    clusters: tuple[str, ...] = ()


class UnservableCode(StrEnum):
    METRIC = "metric"  # no programme in scope produces the metric
    METRIC_IN = "metric_in"  # ... in the target's clusters
    YOUTH = "youth"  # no programme in scope reaches any youth
    YOUTH_IN = "youth_in"  # ... in these clusters
    COMPONENT = "component"  # no programme in scope belongs to the component
    COMPONENT_IN = "component_in"  # ... runs in these clusters
    SPEND = "spend"  # no programme is in scope
    SPEND_IN = "spend_in"  # ... runs in the target's clusters


@dataclass
class ServedBy:
    """What the programmes of one kind (the same owner and cofunders, the same component)
    can serve together: a target's scope is a set of such kinds."""

    members: frozenset[str]  # owner and cofunders: what a scope's departments match
    component: str
    count: int = 0  # programmes of this kind
    runs: set[str] = field(default_factory=set)  # clusters where one runs
    reaches: set[str] = field(default_factory=set)  # clusters where one reaches youth
    reaches_any: bool = False  # one reaches youth somewhere (city-wide included)
    # metric -> clusters where a programme producing it runs (empty: city-wide only)
    produces: dict[str, set[str]] = field(default_factory=dict)


class ServingIndex:
    """The programmes grouped by kind (`ServedBy`): built once, so that checking every
    target of a 30,000-programme scenario costs a pass over a few dozen kinds each."""

    def __init__(self, s: Scenario) -> None:
        kinds: dict[tuple[frozenset[str], str], ServedBy] = {}
        for p in s.programmes:
            members = frozenset({p.department, *p.funders()})
            key = (members, p.component.value)
            kind = kinds.get(key)
            if kind is None:
                kind = kinds[key] = ServedBy(members, p.component.value)
            kind.count += 1
            where = s.programme_clusters(p)
            kind.runs.update(where)
            if isinstance(p.youth_per_unit, dict):
                kind.reaches.update(c for c, v in p.youth_per_unit.items() if v > 0)
                kind.reaches_any = kind.reaches_any or any(v > 0 for v in p.youth_per_unit.values())
            elif p.youth_per_unit > 0:
                kind.reaches.update(where)
                kind.reaches_any = True
            for metric, amount in p.outputs.items():
                if amount > 0:
                    kind.produces.setdefault(metric, set()).update(where)
        self.kinds = list(kinds.values())
        self.prioritized = s.prioritized_cluster_ids

    def scope(self, departments: Iterable[str] | None, t: Target) -> list[ServedBy]:
        """The kinds in a target's scope (`Scenario.in_scope`, kind by kind)."""
        depts = None if departments is None else set(departments)
        comps = None if t.components is None else {c.value for c in t.components}
        return [
            k
            for k in self.kinds
            if (depts is None or k.members & depts) and (comps is None or k.component in comps)
        ]

    @staticmethod
    def union(kinds: Iterable[ServedBy], what: str) -> set[str]:
        out: set[str] = set()
        for k in kinds:
            out |= getattr(k, what)
        return out


def _clusters_words(ids: Iterable[str]) -> Text:
    """'cluster north' / 'clusters north, south and 3 more'."""
    ids = list(ids)
    more = Text("val.words.more", n=len(ids) - 5) if len(ids) > 5 else ""
    key = "val.words.cluster" if len(ids) == 1 else "val.words.clusters"
    return Text(key, ids=", ".join(ids[:5]), more=more)


def _reaches_youth(p: Programme) -> bool:
    if isinstance(p.youth_per_unit, dict):
        return any(v > 0 for v in p.youth_per_unit.values())
    return p.youth_per_unit > 0


def _scope_words(owner: str | None, t: Target) -> Text:
    parts = []
    depts = t.departments if t.departments is not None else ([owner] if owner else None)
    # One department or component is named in the singular ("de la secretaría cultura").
    if depts:
        number = "one" if len(depts) == 1 else "other"
        parts.append(Text(f"val.words.of_departments.{number}", ids=", ".join(depts)))
    if t.components:
        ids = ", ".join(c.value for c in t.components)
        number = "one" if len(t.components) == 1 else "other"
        parts.append(Text(f"val.words.in_components.{number}", ids=ids))
    if not parts:
        return Text("val.words.in_scenario")
    return Text("val.words.in_scope", parts=Joined(parts, "; "))


def _unique_ids(section: str, items: Iterable[Any]) -> list[tuple[Path, str]]:
    issues: list[tuple[Path, str]] = []
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        key = str(item.id)
        if key in first:
            message = Text("val.id_twice", id=key, at=f"{section}[{first[key]}]")
            issues.append(((section, i, "id"), message))
        else:
            first[key] = i
    return issues


def _close(value: str, known: Iterable[str]) -> str | None:
    close = get_close_matches(value, sorted(known), n=1, cutoff=0.6)
    return close[0] if close else None


#: What `_unknown` says was not found.
DEPARTMENT, CLUSTER = "val.unknown.department", "val.unknown.cluster"


def _unknown(kind: str, value: str, known: Iterable[str]) -> Text:
    close = _close(value, known)
    hint = Text("val.hint.mean", name=close) if close else ""
    return Text(kind, id=value, hint=hint)


def _dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
