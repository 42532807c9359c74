"""Scenario variants: `extends: base.yaml` plus only what differs, and `--set` overrides.

A variant file names its base and changes it:

    extends: palmira-2023.yaml
    scenario: {id: palmira-2023-cut10, name: "Recorte del 10 %"}
    scale_budgets: -10%            # total budget, every envelope and minimum spend
    budget: {total: -10%}          # or one value: a number sets it, "+5%" / "-10%" scales it
    departments:
      change: {culture: {budget: +20%}}
    programmes:
      remove: [ruta-saludable-bicicleta]
      change: {gestores-convivencia: {max_units: 12}}
      add: [{id: new-programme, ...}]

Sections that are lists of things with ids (clusters, departments, programmes, targets,
a department's goals) take `add`, `change` (id -> fields) and `remove`; the other sections
set fields. A changed field replaces the base value, except that a string such as "-10%"
on a number scales the base value. Every problem points at the file that caused it: the
variant's own lines for what it changed, the base file's lines for what it kept.

Pure functions on parsed documents: the loader does the reading (and cycle detection).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import Any

from .display import control_problem
from .document import Document, Key, Where, dotted
from .errors import Problem, ScenarioError
from .messages import Text, message_of, must
from .tables import TABLES_KEY
from .yaml12 import flow, plain_value

EXTENDS = "extends"
#: Keys that name other files: read before any override, so --set cannot change them.
FILE_KEYS = (EXTENDS, TABLES_KEY)
SCALE_BUDGETS = "scale_budgets"
#: Sections holding lists of things with ids, and the word for one of them.
ID_LISTS = {
    "clusters": "cluster",
    "departments": "department",
    "programmes": "programme",
    "targets": "target",
    "components": "component",
}
NESTED_ID_LISTS = {("departments", "goals"): "goal"}
OPERATIONS = ("add", "change", "remove")
_RELATIVE = re.compile(r"^\s*([+-])\s*(\d+(?:\.\d+)?)\s*%\s*$")


def _noun(word: str) -> Text:
    """'cluster' ('clúster'): the word for one item of an id list."""
    return Text(f"val.word.{word}")


def _a(word: str) -> Text:
    """'cluster' ('un clúster', 'una secretaría')."""
    return Text(f"val.word.a.{word}")


def _the(word: str) -> Text:
    """'cluster' ('el clúster', 'la secretaría')."""
    return Text(f"val.word.the.{word}")


def relative_change(value: Any) -> float | None:
    """'-10%' -> 0.9, '+5%' -> 1.05; None when `value` is not a relative change."""
    if not isinstance(value, str):
        return None
    m = _RELATIVE.match(value)
    if m is None:
        return None
    pct = float(m.group(2)) / 100.0
    return 1.0 + pct if m.group(1) == "+" else 1.0 - pct


@dataclass
class Merged:
    """The merged data and, for every path in it, the file position it came from."""

    data: dict[str, Any]
    origin: dict[Key, Where] = field(default_factory=dict)


class _Merger:
    def __init__(self, base: Document, variant: Document) -> None:
        self.base = base
        self.variant = variant
        self.problems: list[Problem] = []
        self.origin: dict[Key, Where] = {}

    # ------------------------------------------------------------- positions
    def vpos(self, path: Key) -> Where:
        if not self.variant.positions:  # a --set override: no file lines to point at
            return (self.variant.file, 0, 0)
        _, (line, col) = self.variant.locate(path)
        return (self.variant.file, line, col)

    def graft(self, new: Key, doc: Document, old: Key) -> None:
        """Copy the positions of `doc` under `old` to the merged paths under `new`."""
        n = len(old)
        for path in _positions_under(doc, old):
            self.origin[new + path[n:]] = _resolve(doc, path)

    def problem(self, path: Key, message: str) -> None:
        file, line, col = self.vpos(path)
        self.problems.append(Problem(file, line, col, dotted(path), message))

    # ------------------------------------------------------------- merging
    def merge(self) -> Merged:
        base = copy.deepcopy(self.base.data)
        self.graft((), self.base, ())
        for key, value in self.variant.data.items():
            here: Key = (key,)
            if key == EXTENDS:
                continue
            if key == SCALE_BUDGETS:
                self.scale_budgets(base, value)
            elif key in ID_LISTS:
                self.id_list(base, (key,), here, value, ID_LISTS[key])
            elif isinstance(value, dict) and isinstance(base.get(key), dict):
                for field_name, field_value in value.items():
                    self.set_field(base[key], (key,), (key, field_name), field_name, field_value)
            else:
                self.set_field(base, (), here, key, value)
        return Merged(base, self.origin)

    def set_field(self, target: dict[str, Any], at: Key, vpath: Key, name: str, value: Any) -> None:
        factor = relative_change(value)
        if factor is not None:
            old = target.get(name)
            if isinstance(old, bool) or not isinstance(old, int | float):
                self.problem(vpath, Text("val.variant.no_number", value=value))
                return
            value = old * factor
            if isinstance(old, int) and name == "youth_population":
                value = round(value)
        target[name] = copy.deepcopy(value)
        self.replace_origin(at + (name,), vpath)

    def replace_origin(self, new: Key, vpath: Key) -> None:
        """What now stands at `new` comes from the variant: forget the base's positions."""
        n = len(new)
        for p in [p for p in self.origin if p[:n] == new]:
            del self.origin[p]
        self.origin[new] = self.vpos(vpath)
        self.graft(new, self.variant, vpath)

    def scale_budgets(self, data: dict[str, Any], value: Any) -> None:
        factor = relative_change(value)
        if factor is None:
            self.problem((SCALE_BUDGETS,), must("val.be.change", value=_written(value)))
            return
        budget = data.get("budget")
        if isinstance(budget, dict) and isinstance(budget.get("total"), int | float):
            budget["total"] = budget["total"] * factor
        for dept in data.get("departments") or []:
            if not isinstance(dept, dict):
                continue
            for name in ("budget", "min_spend"):
                if isinstance(dept.get(name), int | float) and not isinstance(dept[name], bool):
                    dept[name] = dept[name] * factor

    def id_list(self, data: dict[str, Any], at: Key, vpath: Key, ops: Any, word: str) -> None:
        """Apply add / change / remove to the list `data[at[-1]]`."""
        name = at[-1]
        assert isinstance(name, str)
        if not isinstance(ops, dict):
            self.problem(vpath, must("val.be.ops_by_id", ops=", ".join(OPERATIONS), name=name))
            return
        self.check_operations(vpath, ops)
        items = data.get(name)
        if items is None:
            items = data[name] = []
        if not isinstance(items, list):
            self.problem(vpath, Text("val.variant.base_not_list", name=name))
            return
        index = {item.get("id"): i for i, item in enumerate(items) if isinstance(item, dict)}

        def find(item_id: Any, where: Key) -> int | None:
            if item_id in index:
                return index[item_id]
            close = get_close_matches(str(item_id), [str(k) for k in index], n=1, cutoff=0.6)
            hint = Text("val.hint.mean", name=close[0]) if close else ""
            self.problem(
                where, Text("val.variant.not_in_base", word=_a(word), id=item_id, hint=hint)
            )
            return None

        removed: set[int] = set()
        remove = ops.get("remove", [])
        if not isinstance(remove, list):
            self.problem(vpath + ("remove",), must("val.be.ids", word=_noun(word)))
            remove = []
        for k, item_id in enumerate(remove):
            i = find(item_id, vpath + ("remove", k))
            if i is not None:
                removed.add(i)
        change = ops.get("change", {})
        if not isinstance(change, dict):
            self.problem(vpath + ("change",), must("val.be.changes", word=_noun(word)))
            change = {}
        for item_id, fields in change.items():
            where = vpath + ("change", item_id)
            i = find(item_id, where)
            if i is None:
                continue
            if i in removed:
                self.problem(
                    where, Text("val.variant.changed_removed", word=_the(word), id=item_id)
                )
                continue
            if not isinstance(fields, dict):
                self.problem(where, must("val.be.fields_to_change"))
                continue
            self.change_item(items[i], name, at + (i,), where, fields)
        add = ops.get("add", [])
        if not isinstance(add, list):
            self.problem(vpath + ("add",), must("val.be.new_items", name=name))
            add = []
        new_items = self.without_removed(items, at, removed)
        kept = {item_id for item_id, i in index.items() if i not in removed}
        self.add_items(new_items, at, vpath, add, word, kept)
        data[name] = new_items

    def check_operations(self, vpath: Key, ops: dict[Any, Any]) -> None:
        """Every key of an id list's operations is add, change or remove."""
        for op in ops:
            if op not in OPERATIONS:
                close = get_close_matches(str(op), OPERATIONS, n=1, cutoff=0.6)
                hint = Text("val.hint.mean", name=close[0]) if close else ""
                self.problem(vpath + (op,), Text("val.variant.unknown_op", op=op, hint=hint))

    def change_item(
        self, item: Any, name: str, at: Key, where: Key, fields: dict[str, Any]
    ) -> None:
        """Change the fields of one item (at `at`) of the id list `name`, as `fields` says."""
        for field_name, value in fields.items():
            nested = NESTED_ID_LISTS.get((name, field_name))
            if nested is not None:
                self.id_list(item, at + (field_name,), where + (field_name,), value, nested)
                continue
            if field_name == "id":
                self.problem(where + ("id",), Text("val.variant.id_change"))
                continue
            self.set_field(item, at, where + (field_name,), field_name, value)

    def add_items(
        self, new_items: list[Any], at: Key, vpath: Key, add: list[Any], word: str, kept: set[Any]
    ) -> None:
        """Append the added items to the list at `at`; one whose id is kept is refused."""
        for k, item in enumerate(add):
            where = vpath + ("add", k)
            if isinstance(item, dict) and item.get("id") in kept:
                message = Text("val.variant.already", word=_the(word), id=item["id"])
                self.problem(where, message)
                continue
            j = len(new_items)
            new_items.append(copy.deepcopy(item))
            self.replace_origin(at + (j,), where)

    def without_removed(self, items: list[Any], at: Key, removed: set[int]) -> list[Any]:
        """The list without the removed items, positions re-grafted under the new indices."""
        new_items: list[Any] = []
        saved = {
            i: {p: w for p, w in self.origin.items() if p[: len(at) + 1] == at + (i,)}
            for i in range(len(items))
        }
        for p in [p for p in self.origin if p[: len(at)] == at and len(p) > len(at)]:
            del self.origin[p]
        for i, item in enumerate(items):
            if i in removed:
                continue
            j = len(new_items)
            new_items.append(item)
            for p, w in saved[i].items():
                self.origin[at + (j,) + p[len(at) + 1 :]] = w
        return new_items


def _positions_under(doc: Document, prefix: Key) -> list[Key]:
    n = len(prefix)
    own = [p for p in doc.positions if p[:n] == prefix]
    inherited = [p for p in doc.origin if p[:n] == prefix]
    return own + [p for p in inherited if p not in doc.positions]


def _resolve(doc: Document, path: Key) -> Where:
    """Where a path of `doc` really comes from (through its own variant origins)."""
    if path in doc.origin:
        return doc.origin[path]
    for where in doc.elsewhere:
        found = where(path)
        if found is not None:
            return found
    _, (line, col) = doc.locate(path)
    return (doc.file, line, col)


def merge(base: Document, variant: Document) -> tuple[dict[str, Any], dict[Key, Where]]:
    """The variant applied to its base: (merged data, where each merged path came from).

    Raises ScenarioError with every problem of the variant's operations.
    """
    data, origin, problems = merge_all(base, variant)
    if problems:
        raise ScenarioError(problems)
    return data, origin


def merge_all(
    base: Document, variant: Document
) -> tuple[dict[str, Any], dict[Key, Where], list[Problem]]:
    """`merge` that does not stop at the variant's problems: the merged data (each
    operation that has a problem left out, the base as it was there), where each merged
    path came from, and the problems, sorted. The loader validates that data too, so that
    a variant's problems come in one round, as a base scenario's do."""
    merger = _Merger(base, variant)
    merged = merger.merge()
    return merged.data, merged.origin, sorted(merger.problems)


# --------------------------------------------------------------------------- tables
def table_rows(base: Document, variant: Document) -> None:
    """A variant's CSV table rows (tables.py) as its `change` and `add` operations: a row
    whose id the base has changes that item (its non-empty cells replace the base's
    fields; an empty cell keeps the base's value); a row with a new id adds an item.
    Operations written in the YAML stay and come first; every cell keeps its place in the
    CSV file, so problems point there."""
    problems: list[Problem] = []
    for section, records, locator in variant.table_rows:
        items = base.data.get(section) if isinstance(base.data, dict) else None
        ids = {i.get("id") for i in items or [] if isinstance(i, dict)}
        ops = variant.data.setdefault(section, {})
        if not isinstance(ops, dict):
            message = must("val.be.ops", ops=", ".join(OPERATIONS))
            problems.append(variant.problem((section,), message))
            continue
        change = ops.setdefault("change", {})
        add = ops.setdefault("add", [])
        if not isinstance(change, dict) or not isinstance(add, list):
            continue  # the merger reports the malformed operations
        for k, record in enumerate(records):
            row: Key = (section, locator.first + k)
            rid = record.get("id")
            if rid in ids and rid not in change:
                at: Key = (section, "change", str(rid))
                change[rid] = {f: v for f, v in record.items() if f != "id"}
                fields = change[rid]
            elif rid in change:
                file, line, col = _cell(locator, row, "id")
                message = Text("val.variant.changed_twice", word=_the(ID_LISTS[section]), id=rid)
                problems.append(Problem(file, line, col, "id", message))
                continue
            else:
                at = (section, "add", len(add))
                add.append(record)
                fields = record
            variant.origin[at] = _cell(locator, row, "id")
            for name, value in fields.items():
                variant.origin[(*at, name)] = _cell(locator, row, name)
                if isinstance(value, dict):
                    for key in value:
                        variant.origin[(*at, name, key)] = _cell(locator, row, name, str(key))
        if not change:
            del ops["change"]
        if not add:
            del ops["add"]
    if problems:
        raise ScenarioError(problems)


def _cell(locator: Any, row: Key, *path: str) -> Where:
    """Where a field of a table row is (its CSV cell)."""
    found = locator((*row, *path))
    return found if found is not None else (locator.file, 0, 0)


# --------------------------------------------------------------------------- --set
def parse_override(text: str) -> tuple[list[str], Any]:
    """'departments.culture.budget=+20%' -> (['departments', 'culture', 'budget'], '+20%')."""
    if "=" not in text:
        raise ValueError(Text("val.set.form"))
    path, _, raw = text.partition("=")
    parts = path.strip().split(".")
    if parts == [""]:
        raise ValueError(Text("val.set.form"))
    if any(not p.strip() for p in parts):
        fixed = ".".join(p.strip() for p in parts if p.strip()) or "budget.total"
        raise ValueError(
            Text("val.set.empty_part", path=path.strip(), fixed=fixed, raw=raw.strip())
        )
    parts = [p.strip() for p in parts]
    if parts[0] in FILE_KEYS:
        raise ValueError(Text("val.set.file_key", key=parts[0]))
    bad = control_problem(raw.strip(), parts[-1])
    if bad is not None:  # refused like the same text in a file (display.py)
        raise ValueError(bad)
    try:
        value = plain_value(raw) if raw.strip() else ""
    except ValueError as e:
        raise ValueError(Text("val.set.value", raw=repr(raw), detail=message_of(e))) from e
    if relative_change(raw) is not None:
        value = raw.strip()
    bad = control_problem(value, parts[-1]) if isinstance(value, str) else None
    if bad is not None:  # a YAML escape such as "\e" decodes to one
        raise ValueError(bad)
    if isinstance(value, dict | list):
        raise ValueError(Text("val.set.plain"))
    return parts, value


def override_as_variant(parts: list[str], value: Any) -> dict[str, Any]:
    """A one-change variant document for `--set`.

    `budget.total=X`, `objective=minimize_spend`, `departments.ID.FIELD=X`,
    `programmes.ID.FIELD=X`, `clusters.ID.FIELD=X`, `targets.ID.FIELD=X`.
    """
    head = parts[0]
    indexed = _INDEXED.match(head)
    if indexed is not None and indexed[1] in ID_LISTS:  # programmes[0].unit_cost
        raise ValueError(Text("val.set.id_form", head=indexed[1]))
    if head in ID_LISTS:
        if len(parts) != 3:
            raise ValueError(Text("val.set.id_form", head=head))
        return {head: {"change": {parts[1]: {parts[2]: value}}}}
    if head == SCALE_BUDGETS and len(parts) == 1:
        return {SCALE_BUDGETS: value}
    if len(parts) == 1:
        return {head: value}
    if len(parts) == 2:
        return {head: {parts[1]: value}}
    raise ValueError(Text("val.set.unknown_path", path=".".join(parts)))


#: A list entry named by its position, as the messages write it: `programmes[0]`.
_INDEXED = re.compile(r"^(\w+)\[.*\]$")


def override_path(path: str) -> str:
    """A field path of a `--set` problem as the user wrote it: `programmes.nope.unit_cost`,
    not the one-change variant's `programmes.change.nope.unit_cost`."""
    head, _, rest = path.partition(".")
    if head in ID_LISTS and rest.startswith("change."):
        return f"{head}.{rest.removeprefix('change.')}"
    return path


def _written(value: object) -> str:
    """A value named in a message: text in quotes, anything else as YAML writes it
    (`null`, `[1]`), not in Python's words (`None`)."""
    return f"'{value}'" if isinstance(value, str) else flow(value)
